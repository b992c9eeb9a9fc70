"""The report: sections computed from a results directory, written as Markdown and HTML.

Core objects:
    Doc: an ordered list of blocks (headings, paragraphs, lists, tables, images) with two
        writers: `Doc.markdown` (images linked) and `Doc.html` (self-contained: images
        embedded as base64 PNGs).
    Facts: everything computed from the Parquet data once (point table, packages,
        discovery, sensitivity), shared by the report and the findings summary.
    build_report: ``negsim report DIR``: figures, ``report.md`` and ``report.html``.
    summarize: the short machine-readable summary behind the README's findings.

Every number in the report is computed here from the runs (or from runs re-simulated
from their recorded seeds); the text only formats them.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.report import data as D
from sim.report import figures
from sim.report.discovery import Discovery, discover
from sim.report.sensitivity import METHOD_TEXT, Sensitivity, analyse, design_kind

FIGURES = "figures"
TOP_PACKAGES = 10
TERMS_PER_TABLE = 5


# -- the document ---------------------------------------------------------------------------


@dataclass
class Doc:
    """A report as blocks, written to Markdown or self-contained HTML."""

    title: str
    blocks: list[tuple] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        """Add a section heading."""
        self.blocks.append(("h", level, text))

    def para(self, text: str) -> None:
        """Add a paragraph (plain text; ``**bold**`` and `` `code` `` are kept)."""
        self.blocks.append(("p", text))

    def items(self, lines: list[str]) -> None:
        """Add a bulleted list."""
        if lines:
            self.blocks.append(("ul", list(lines)))

    def table(self, header: list[str], rows: list[list[object]]) -> None:
        """Add a table; cells are formatted with ``str``."""
        self.blocks.append(("table", [str(h) for h in header], [[str(c) for c in r] for r in rows]))

    def image(self, path: Path, caption: str) -> None:
        """Add a PNG figure with a caption."""
        self.blocks.append(("img", Path(path), caption))

    def markdown(self, base: Path) -> str:
        """The report as Markdown, images linked relative to ``base``."""
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                out += ["#" * block[1] + " " + block[2], ""]
            elif kind == "p":
                out += [block[1], ""]
            elif kind == "ul":
                out += [f"- {line}" for line in block[1]] + [""]
            elif kind == "table":
                header, rows = block[1], block[2]
                out.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
                out.append("|" + "|".join("---" for _ in header) + "|")
                out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
                out.append("")
            elif kind == "img":
                rel = block[1].relative_to(base).as_posix()
                out += [f"![{block[2]}]({rel})", "", f"*{block[2]}*", ""]
        return "\n".join(out).rstrip() + "\n"

    def html(self) -> str:
        """The report as one HTML page with every image embedded."""
        body = [f"<h1>{_inline(self.title)}</h1>"]
        for block in self.blocks:
            kind = block[0]
            if kind == "h":
                body.append(f"<h{block[1]}>{_inline(block[2])}</h{block[1]}>")
            elif kind == "p":
                body.append(f"<p>{_inline(block[1])}</p>")
            elif kind == "ul":
                body.append("<ul>" + "".join(f"<li>{_inline(x)}</li>" for x in block[1]) + "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{_inline(h)}</th>" for h in block[1])
                rows = "".join(
                    "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>"
                    for r in block[2]
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            elif kind == "img":
                data = base64.b64encode(block[1].read_bytes()).decode("ascii")
                body.append(
                    f'<figure><img alt="{html.escape(block[2])}" '
                    f'src="data:image/png;base64,{data}"/>'
                    f"<figcaption>{_inline(block[2])}</figcaption></figure>"
                )
        return _PAGE.format(title=html.escape(self.title), body="\n".join(body))


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; line-height: 1.45; color: #222; }}
table {{ border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.55em; text-align: left;
          vertical-align: top; }}
th {{ background: #f2f2f2; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; }}
figcaption {{ font-style: italic; color: #555; }}
code {{ background: #f4f4f4; padding: 0 0.2em; }}
</style></head>
<body>
{body}
</body></html>
"""


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _inline(text: str) -> str:
    """Escape text for HTML, turning ``**bold**`` and `` `code` `` into tags."""
    parts = html.escape(text).split("`")
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>"
    out = "".join(parts)
    bold = out.split("**")
    for i in range(1, len(bold), 2):
        bold[i] = f"<strong>{bold[i]}</strong>"
    return "".join(bold)


def pct(x: float) -> str:
    """A share as a percentage with one decimal ("62.5%"); "n/a" for NaN."""
    return "n/a" if x is None or np.isnan(x) else f"{100 * x:.1f}%"


def num(x: float, digits: int = 3) -> str:
    """A float to ``digits`` decimals; "n/a" for NaN."""
    return "n/a" if x is None or np.isnan(x) else f"{x:.{digits}f}"


# -- facts computed once from the Parquet data -----------------------------------------------


@dataclass(frozen=True)
class Facts:
    """Everything a report or a summary needs from the runs.

    Attributes:
        results: the loaded results directory.
        target: the outcome the report explains.
        points: `sim.report.data.point_outcomes` (one row per design point).
        packages: `sim.report.data.package_table` with a ``feasible_share`` column.
        outputs: sensitivity outputs (point columns) -> readable name.
        sensitivity: indices of the outputs.
        discovery: rules for the target.
        ranking: swept parameters ranked for the target, most influential first.
        ranked_by: the sensitivity method behind ``ranking``, or ``variance of means`` when
            the sensitivity analysis gave no index for the target.
    """

    results: D.Results
    target: D.Target
    points: pd.DataFrame
    packages: pd.DataFrame
    outputs: dict[str, str]
    sensitivity: Sensitivity
    discovery: Discovery
    ranking: pd.Series
    ranked_by: str

    def rate(self, column: str) -> float:
        """The share of all runs where the boolean ``column`` is true."""
        return float(D.flag(self.results.runs, column).mean())

    @property
    def target_rate(self) -> float:
        """The share of all runs where the target occurs."""
        return float(self.target.values(self.results.runs).mean())


def compute_facts(results: D.Results, target: D.Target) -> Facts:
    """Compute the point table, packages, sensitivity, discovery and parameter ranking."""
    points = D.point_outcomes(results, target)
    outputs = {"agreement": "agreement rate"}
    if target.kind != "agreement":
        outputs["target"] = f"{target.describe(results.labels)} rate"
    for a in results.actors:
        outputs[D.UTIL + a] = f"u({results.labels.actor(a)})"
    varied = results.varied_params
    sens = analyse(points, results.params, tuple(outputs), results.spec)
    key = "target" if "target" in outputs else "agreement"
    ranking, ranked_by = sens.ranking(key), sens.method
    if ranking.empty and varied and points[key].nunique() > 1:
        ranking, ranked_by = D.param_ranking(points, varied, key), "variance of means"
    runs = results.runs
    found = discover(runs[list(varied)], target.values(runs))
    packages = D.package_table(results)
    packages["feasible_share"] = D.feasible_share(results, packages)
    return Facts(results, target, points, packages, outputs, sens, found, ranking, ranked_by)


# -- sections from the Parquet data ---------------------------------------------------------


def choose_axes(facts: Facts, x: str | None, y: str | None) -> tuple[str | None, str | None]:
    """The heat map's parameters: the user's, else the most influential varied ones.

    Raises:
        UserError: an unknown parameter, or the same one for both axes.
    """
    results = facts.results
    picked = [D.resolve_param(v, results) if v else None for v in (x, y)]
    if picked[0] and picked[0] == picked[1]:
        raise UserError(f"--x and --y name the same parameter '{x}'")
    varied = results.varied_params
    ranked = [p for p in facts.ranking.index if p in varied]
    ranked += [p for p in varied if p not in ranked]
    pool = [p for p in ranked if p not in picked]
    for k in (0, 1):
        if picked[k] is None and pool:
            picked[k] = pool.pop(0)
    return picked[0], picked[1]


def _outcomes(facts: Facts) -> dict[str, pd.Series]:
    runs = facts.results.runs
    out = {"agreement": D.agreed(runs)}
    if "stillborn" in runs.columns:
        out["stillborn"] = D.flag(runs, "stillborn")
    if facts.target.kind == "package":
        out[facts.target.describe(facts.results.labels)] = facts.target.values(runs)
    return out


def _overview(doc: Doc, facts: Facts) -> None:
    results, runs, spec = facts.results, facts.results.runs, facts.results.spec
    if spec.get("question"):
        doc.para(f"**Question.** {spec['question']}")
    per_point = runs.groupby("point_id").size()
    reps = f"{per_point.iloc[0]}" if per_point.nunique() == 1 else (
        f"{per_point.min()}-{per_point.max()}"
    )
    design = design_kind(spec) or "unknown"
    doc.para(
        f"Base scenario: `{results.scenario_path or spec.get('scenario', 'unknown')}`. "
        f"Design: {design}, {len(per_point)} design points × {reps} replicates = "
        f"{len(runs)} runs (experiment seed {spec.get('seed', 'unknown')})."
    )
    lines = []
    for p in results.params:
        col = runs[p]
        if pd.api.types.is_numeric_dtype(col):
            vals = np.unique(col.dropna().to_numpy(dtype=float))
            span = (", ".join(f"{v:g}" for v in vals) if len(vals) <= 8
                    else f"{vals.min():g} to {vals.max():g} ({len(vals)} values)")
        else:
            span = ", ".join(results.labels.value(p, v)
                             for v in sorted(col.dropna().astype(str).unique()))
        lines.append(f"{results.labels.param(p)} (`{p[len(D.PARAM):]}`): {span}")
    if lines:
        doc.para("Swept parameters:")
        doc.items(lines)
    doc.heading("Outcomes over all runs")
    rows = [["agreement", int(D.agreed(runs).sum()), pct(facts.rate("agreement"))]]
    if "stillborn" in runs.columns:
        rows.append(["stillborn deal", int(D.flag(runs, "stillborn").sum()),
                     pct(facts.rate("stillborn"))])
    if facts.target.kind == "package":
        hits = facts.target.values(runs)
        rows.append([facts.target.describe(results.labels), int(hits.sum()), pct(hits.mean())])
    doc.table(["outcome", "runs", "share of runs"], rows)
    deals = runs[D.agreed(runs)]
    stats = []
    voted = runs["ratified"].dropna() if "ratified" in runs else pd.Series(dtype=bool)
    if len(voted):
        yes = int(voted.astype(bool).sum())
        stats.append(f"deals put to the ratifiers: {len(voted)}; ratified: {yes} "
                     f"({pct(yes / len(voted))})")
    if not deals.empty:
        if "round" in deals:
            stats.append(f"mean round of agreement: {num(deals['round'].astype(float).mean(), 2)}")
        if "pareto_optimal" in deals:
            share = deals["pareto_optimal"].astype(float).mean()
            stats.append(f"agreements that are Pareto-optimal: {pct(share)}")
        if "nash_distance" in deals:
            stats.append(
                "mean distance to the Nash solution: "
                f"{num(deals['nash_distance'].astype(float).mean())}"
            )
    if stats:
        doc.items(stats)
    if results.actors:
        doc.table(
            ["actor", "mean payoff, all runs (no deal: reservation value)",
             "mean utility of the agreements"],
            [[results.labels.actor(a), num(runs[D.UTIL + a].astype(float).mean()),
              num(deals[D.UTIL + a].astype(float).mean()) if not deals.empty else "n/a"]
             for a in results.actors],
        )
    if "reason" in runs:
        reasons = runs["reason"].astype("string").fillna("(none)").value_counts()
        doc.para("How the runs ended:")
        doc.table(["reason", "runs", "share"],
                  [[r, int(n), pct(n / len(runs))] for r, n in reasons.items()])


def _rates(doc: Doc, facts: Facts, x: str | None, y: str | None, out: Path,
           chosen: bool) -> None:
    results, runs = facts.results, facts.results.runs
    doc.heading("Where deals happen: outcome rates over the swept parameters")
    if x is None:
        doc.para("No parameter varies across the runs, so there is nothing to map.")
        return
    outcomes = _outcomes(facts)

    def show(column: str, v: object) -> str:
        return results.labels.value(column, v)

    lx = D.levels_of(runs[x])
    if chosen:
        how = "chosen on the command line"
    elif facts.ranking.empty:
        how = "in experiment order: the outcome does not vary, so nothing ranks them"
    else:
        how = f"the most influential by {_ranking_name(facts)}"
    if y is None:
        rates = pd.DataFrame({k: v.astype(float).groupby(lx, observed=True).mean()
                              for k, v in outcomes.items()})
        counts = lx.groupby(lx, observed=True).size()
        categorical = not pd.api.types.is_numeric_dtype(lx) or isinstance(
            lx.dtype, pd.CategoricalDtype)
        drawn = rates.set_axis([show(x, v) for v in rates.index]) if categorical else rates
        path = figures.rate_lines(drawn, results.labels.param(x), out / "rates.png",
                                  categorical=categorical)
        doc.image(path, f"Outcome rates by {results.labels.param(x)}")
        doc.table([results.labels.param(x), "runs", *[f"{k} rate" for k in rates.columns]],
                  [[show(x, i), int(counts[i]), *[pct(rates.at[i, k]) for k in rates.columns]]
                   for i in rates.index])
        return
    ly = D.levels_of(runs[y])
    panels, counts = {}, None
    for name, values in outcomes.items():
        grouped = values.astype(float).groupby([ly, lx], observed=True)
        panels[name] = _shown(grouped.mean().unstack(), show, x, y)
        counts = _shown(grouped.size().unstack().fillna(0).astype(int), show, x, y)
    path = figures.rate_heatmaps(panels, counts, results.labels.param(x),
                                 results.labels.param(y), out / "rates_heatmap.png")
    doc.para(f"Axes: {results.labels.param(x)} × {results.labels.param(y)} ({how}).")
    doc.image(path, f"Outcome rates by {results.labels.param(x)} and {results.labels.param(y)}")
    for name, table in panels.items():
        doc.para(f"{name.capitalize()} rate (runs per cell in brackets); rows: "
                 f"{results.labels.param(y)}, columns: {results.labels.param(x)}.")
        doc.table([results.labels.param(y), *table.columns],
                  [[i, *[f"{pct(table.at[i, c])} ({counts.at[i, c]})"
                                 if not np.isnan(table.at[i, c]) else "-"
                                 for c in table.columns]] for i in table.index])


def _ranking_name(facts: Facts) -> str:
    if facts.ranked_by in METHOD_TEXT:
        return METHOD_TEXT[facts.ranked_by]
    return "the variance of the outcome's means across levels"


def _shown(table: pd.DataFrame, show, x: str, y: str) -> pd.DataFrame:
    """A rate table with its levels as displayed (index: ``y``'s, columns: ``x``'s)."""
    table = table.copy()
    table.index = [show(y, v) for v in table.index]
    table.columns = [show(x, v) for v in table.columns]
    return table


def package_names(packages: pd.DataFrame) -> list[str]:
    """``P1``, ``P2``... in table order."""
    return [f"P{i + 1}" for i in range(len(packages))]


def _packages(doc: Doc, facts: Facts, out: Path) -> None:
    results = facts.results
    doc.heading("Reachable packages: what the parties agree on")
    table = facts.packages.head(TOP_PACKAGES)
    if table.empty:
        doc.para("No run ended in agreement.")
        return
    names = package_names(table)
    n_deals = int(facts.packages["count"].sum())
    doc.para(
        f"{len(facts.packages)} distinct packages were agreed in {n_deals} runs; the "
        f"{len(table)} most frequent are shown. A package counts as Pareto-optimal or "
        "feasible in the chart when it was so in at least half of its runs (at their design "
        "points); the table gives the exact shares."
    )
    frame = pd.DataFrame({
        "name": names,
        "count": table["count"].to_numpy(),
        "pareto": [None if np.isnan(v) else bool(v >= 0.5) for v in table["pareto_share"]],
        "feasible": [None if np.isnan(v) else bool(v >= 0.5) for v in table["feasible_share"]],
    })
    path = figures.package_bars(frame, out / "packages.png")
    doc.image(path, "Agreed packages by frequency")
    header = ["package", "runs", "share of agreements", "design points", "Pareto-optimal",
              "feasible", *[f"u({results.labels.actor(a)})" for a in results.actors]]
    doc.table(header, [
        [n, int(r["count"]), pct(r["share"]), int(r["points"]), pct(r["pareto_share"]),
         pct(r["feasible_share"]), *[num(r[D.UTIL + a]) for a in results.actors]]
        for n, (_, r) in zip(names, table.iterrows(), strict=True)
    ])
    doc.para("Terms of each package, issue by issue:")
    for start in range(0, len(table), TERMS_PER_TABLE):
        chunk = table.iloc[start:start + TERMS_PER_TABLE]
        doc.table(["issue", *names[start:start + TERMS_PER_TABLE]], [
            [results.labels.issue(i),
             *[results.labels.option(i, str(v)) for v in chunk[D.PKG + i]]]
            for i in results.issues
        ])


def _rules(doc: Doc, facts: Facts, found: Discovery, outcome: str) -> None:
    name = facts.results.labels.param
    value = facts.results.labels.value
    if found.message:
        doc.para(f"No rule for {outcome}: {found.message}.")
        return
    doc.para(
        f"{outcome.capitalize()}: {found.hits} of {found.runs} runs ({pct(found.base_rate)}). "
        f"Decision tree of depth ≤ 3 with at least {found.min_leaf} runs per leaf; it "
        f"classifies {pct(found.accuracy)} of the runs correctly. Boxes where {outcome} is "
        "more likely than on average, densest first:"
    )
    if not found.rules:
        doc.para("No box raises the rate above the average.")
        return
    doc.table(["conditions", "density", "coverage", "runs in box"], [
        [r.where(name, value), pct(r.density),
         pct(r.coverage), r.runs] for r in found.rules
    ])
    top = found.top
    if top is not None:
        doc.para(f"**Top rule** (best harmonic mean of density and coverage): "
                 f"{top.text(name, outcome, value)}.")


def _discovery(doc: Doc, facts: Facts) -> None:
    doc.heading("Scenario discovery: which parameter ranges make the outcome likely")
    doc.para("Density: the share of runs inside the box with the outcome. Coverage: the share "
             "of all runs with the outcome that fall inside the box.")
    labels = facts.results.labels
    _rules(doc, facts, facts.discovery, facts.target.describe(labels))
    runs = facts.results.runs
    if facts.target.kind != "stillborn" and D.flag(runs, "stillborn").any():
        extra = discover(runs[list(facts.results.varied_params)], D.flag(runs, "stillborn"))
        _rules(doc, facts, extra, "stillborn deal")


def _sensitivity(doc: Doc, facts: Facts) -> None:
    s = facts.sensitivity
    doc.heading("Sensitivity: which parameters matter most")
    if not s.supported:
        doc.para(f"The design does not support sensitivity indices: {s.reason}.")
        return
    doc.para(f"Method: {METHOD_TEXT[s.method]}. Why: {s.reason}.")
    if s.method == "variance":
        doc.para("The design does not support SALib's sensitivity indices; parameters are "
                 "ranked by the share of the outcome's variance across design points that "
                 "their level means explain.")
    cols = [c for c in facts.outputs if c in s.table.columns and s.table[c].notna().any()]
    label = facts.results.labels.param
    if cols:
        doc.table(["parameter", *[facts.outputs[c] for c in cols]],
                  [[label(p), *[num(s.table.at[p, c]) for c in cols]] for p in s.table.index])
    for name, extra in s.extra.items():
        doc.para(f"{name}:")
        doc.table(["parameter", *[facts.outputs[c] for c in cols]],
                  [[label(p), *[num(extra.at[p, c]) for c in cols]] for p in extra.index])
    doc.items([f"{facts.outputs.get(out, out)}: {remark}" for out, remark in s.notes])



def _replay(doc: Doc, facts: Facts, point: object, run: pd.Series, out: Path) -> None:
    """Utility space at the representative point; dance and dynamics of its run."""
    results = facts.results
    doc.heading(f"Utility space at the representative design point ({point})")
    values = D.point_params(results, point)
    if values:
        doc.para("Parameter values there: " + "; ".join(
            f"{results.labels.param(D.PARAM + k)} = {results.labels.value(D.PARAM + k, v)}"
            for k, v in values.items()) + ".")
    try:
        scenario = D.scenario_at_point(results, point)
    except UserError as exc:
        doc.para(f"Not drawn: {exc.lines[0]}.")
        return
    _utility_space(doc, facts, scenario, out)
    _dance(doc, facts, scenario, run, out)


def _utility_space(doc: Doc, facts: Facts, scenario, out: Path) -> None:
    from sim.core.analysis import SOLUTION_NAMES, analyze, package_dict
    from sim.scenario import compile_problem

    labels = facts.results.labels
    problem = compile_problem(scenario)
    an = analyze(problem, diagnostics=False)
    U = np.asarray(an.U, dtype=float)
    feasible = np.asarray(an.feasible, dtype=bool)
    frontier = np.asarray(an.feasible_pareto, dtype=bool)
    reached = D.package_rows(problem, facts.packages)
    counts = {int(r): int(c) for r, c in zip(reached, facts.packages["count"], strict=True)
              if r is not None}
    solutions = {k: an.solutions.get(k) for k in SOLUTION_NAMES}
    actors = [labels.actor(a) for a in problem.actors]
    path = figures.utility_space(U, feasible, frontier, solutions, counts, actors,
                                 out / "utility_space.png")
    doc.para(
        f"{int(feasible.sum())} of {len(U)} packages are inside every participant's red lines "
        f"and reservation values here; {int(frontier.sum())} of them are on the Pareto "
        f"frontier. Circles: the {len(counts)} packages agreed anywhere in the experiment "
        "(size: runs), placed with this point's utilities."
    )
    doc.image(path, "Utility space (pairwise projections): feasible set, Pareto frontier, "
                    "Nash and Kalai-Smorodinsky points, agreements reached")
    defined = {k: v for k, v in solutions.items() if v is not None}
    if not defined:
        doc.para("No package is feasible here, so the bargaining solutions are undefined.")
        return
    doc.para("Bargaining solutions over the feasible set at this point:")
    terms = {k: package_dict(problem, r) for k, r in defined.items()}
    rows = [[labels.issue(i), *[labels.option(i, t[i]) for t in terms.values()]]
            for i in problem.issues]
    rows += [[f"u({labels.actor(a)})", *[num(U[r, j]) for r in defined.values()]]
             for j, a in enumerate(problem.actors)]
    doc.table(["issue", *[k.replace("_", "-") for k in defined]], rows)


def _dance(doc: Doc, facts: Facts, scenario, run: pd.Series, out: Path) -> None:
    from sim.api import simulate
    from sim.engine.plot import dance

    results, labels = facts.results, facts.results.labels
    rounds = results.spec.get("rounds")
    result = simulate(scenario, int(run["seed"]), rounds=rounds, collect=True)
    doc.heading(f"The negotiation dance of run {int(run['run_id'])}")
    recorded = _ending(bool(run["agreement"]), str(run.get("reason", "")), run.get("round"))
    replayed = _ending(result.agreement, result.reason, result.round)
    if recorded == replayed:
        verdict = " (reproduced)"
    else:
        from sim import __version__

        m = results.manifest
        made = f"negsim {m.get('package_version', 'of unknown version')}"
        if m.get("git_commit"):
            made += f" at commit {str(m['git_commit'])[:12]}"
        verdict = (f". The re-simulation differs from the record: the results were written by "
                   f"{made}; this is negsim {__version__}")
    doc.para(f"Re-simulated from seed {int(run['seed'])}: {replayed}. Recorded in the "
             f"results: {recorded}{verdict}.")
    names = {a: (act.label or a) for a, act in scenario.actors.items()}
    path = dance(result, out / "dance.png", names, scenario.name)
    doc.image(path, "Proposals round by round: each actor's utility of what was put on the "
                    "table, with its reservation value")
    trace = result.trace
    state_cols = [c for c in trace.columns if c.startswith("state_")]
    res_cols = [c for c in trace.columns if c.startswith("reservation_")]
    if not state_cols and not res_cols:
        return
    state = trace.set_index("round")[state_cols]
    state.columns = [labels.state.get(c[6:], c[6:]) for c in state_cols]
    res = trace.set_index("round")[res_cols]
    res.columns = [labels.actor(c[12:]) for c in res_cols]
    end = int(trace["round"].iloc[-1])
    path = figures.trajectories(state, res, out / "trajectories.png", end=end)
    doc.image(path, "The war state and every actor's reservation value while the talks last")
    last = trace.iloc[-1]
    doc.table(["actor", "reservation, first round", "reservation, last round"], [
        [labels.actor(c[12:]), num(float(trace[c].iloc[0])), num(float(last[c]))]
        for c in res_cols
    ])


def _ending(agreement: bool, reason: str, round_: object) -> str:
    when = "" if round_ is None or pd.isna(round_) else f" in round {int(round_)}"
    what = "agreement" if agreement else (reason or "no agreement").replace("_", " ")
    return what + when


def _notes(doc: Doc, facts: Facts, point: object, run: pd.Series | None) -> None:
    doc.heading("How these numbers were computed")
    lines = [
        f"Rates, package counts, utilities and discovery rules: the {len(facts.results.runs)} "
        f"rows of `runs/` in `{facts.results.path}`.",
        f"Representative design point: {point}, the point whose "
        f"{facts.target.describe(facts.results.labels)} rate is closest to the rate over all "
        "runs (ties: more runs, then the lower id).",
    ]
    if run is not None:
        lines.append(
            f"Representative run: run {int(run['run_id'])} (seed {int(run['seed'])}), the first "
            "run at that point with the point's majority outcome; re-simulated from its seed."
        )
    lines.append("Package feasibility: the `feasible_rows` of each run's design point in "
                 "`points.parquet`.")
    if run is not None:
        lines.append("Utility space and bargaining solutions: recomputed (`sim.core.analysis`) "
                     "from the base scenario with the representative point's parameter values.")
    doc.items(lines)


def build_report(
    directory: str | Path, x: str | None = None, y: str | None = None,
    target: str = "agreement", replay: bool = True,
) -> Path:
    """Write ``report.md``, ``report.html`` and the figures into a results directory.

    Args:
        directory: the ``--out`` directory of a sweep.
        x: swept parameter on the heat map's x axis (default: the most influential).
        y: swept parameter on its y axis (default: the next most influential).
        target: ``agreement``, ``stillborn`` or ``package:<issue>=<option>``.
        replay: re-analyse and re-simulate the representative point and run (utility
            space, negotiation dance, trajectories).

    Returns:
        The path of ``report.md``.

    Raises:
        UserError: a missing or malformed directory, an unknown parameter or target.
    """
    results = D.load_results(directory)
    tgt = D.parse_target(target, results)
    for name in (x, y):
        if name:
            D.resolve_param(name, results)
    facts = compute_facts(results, tgt)
    xcol, ycol = choose_axes(facts, x, y)
    out = results.path / FIGURES
    out.mkdir(exist_ok=True)
    title = f"Report: {results.spec.get('name') or results.path.name}"
    doc = Doc(title)
    _overview(doc, facts)
    _rates(doc, facts, xcol, ycol, out, chosen=bool(x or y))
    _packages(doc, facts, out)
    point = D.representative_point(facts.points)
    run = D.representative_run(results, point, tgt)
    if replay:
        _replay(doc, facts, point, run, out)
    _discovery(doc, facts)
    _sensitivity(doc, facts)
    _notes(doc, facts, point, run if replay else None)
    md = results.path / "report.md"
    md.write_text(doc.markdown(results.path), encoding="utf-8")
    (results.path / "report.html").write_text(doc.html(), encoding="utf-8")
    return md


def summarize(directory: str | Path, target: str = "agreement", top: int = 3) -> dict:
    """A short machine-readable summary of a results directory (for the README's findings).

    Keys: ``experiment``, ``question``, ``runs``, ``points``, ``agreement_rate``,
    ``stillborn_rate``, ``target``, ``target_rate``, ``top_packages`` (terms, labels, runs,
    share of agreements), ``top_rule`` (text, density, coverage, runs) or None, and
    ``sensitivity`` (method, index, ranking of the parameters for the target).
    """
    results = D.load_results(directory)
    tgt = D.parse_target(target, results)
    facts = compute_facts(results, tgt)
    labels = results.labels
    packages = []
    for _, r in facts.packages.head(top).iterrows():
        terms = {i: r[D.PKG + i] for i in results.issues}
        packages.append({
            "terms": terms,
            "labels": {labels.issue(i): labels.option(i, o) for i, o in terms.items()},
            "runs": int(r["count"]),
            "share_of_agreements": float(r["share"]),
            "pareto_share": _float(r["pareto_share"]),
            "feasible_share": _float(r["feasible_share"]),
        })
    rule = facts.discovery.top
    key = "target" if "target" in facts.outputs else "agreement"
    ranking = facts.sensitivity.ranking(key)
    return {
        "results_dir": str(results.path),
        "experiment": results.spec.get("name"),
        "question": results.spec.get("question"),
        "runs": int(len(results.runs)),
        "points": int(results.runs["point_id"].nunique()),
        "agreement_rate": facts.rate("agreement"),
        "stillborn_rate": facts.rate("stillborn"),
        "target": tgt.describe(labels),
        "target_rate": facts.target_rate,
        "top_packages": packages,
        "top_rule": None if rule is None else {
            "text": rule.text(labels.param, tgt.describe(labels), labels.value),
            "density": rule.density,
            "coverage": rule.coverage,
            "runs": rule.runs,
        },
        "sensitivity": {
            "method": facts.sensitivity.method,
            "index": facts.sensitivity.index,
            "reason": facts.sensitivity.reason,
            "ranking": [
                {"param": p[len(D.PARAM):], "label": labels.param(p), "value": float(v)}
                for p, v in ranking.items()
            ],
        },
    }


def _float(v: object) -> float | None:
    return None if v is None or pd.isna(v) else float(v)
