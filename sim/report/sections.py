"""The report's sections computed from the Parquet data alone.

Sections (each adds its blocks to a `Doc`):
    overview_section: question, design, swept parameters, outcomes over all runs.
    rates_section: outcome rates over one or two swept parameters (`choose_axes`).
    packages_section: the agreed packages, their terms and shares.
    discovery_section: decision-tree boxes where the target is likely.
    sensitivity_section: which parameters matter most.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import UserError
from sim.report import figures
from sim.report.claims import CART, prim_block
from sim.report.data import agreed, flag, resolve_param, shown_path
from sim.report.discovery import Discovery, discover
from sim.report.document import Doc, num, pct, pct_ci
from sim.report.facts import Facts
from sim.report.labels import PARAM, PKG, UTIL
from sim.report.samples import lever_columns
from sim.report.sensitivity import METHOD_TEXT, design_kind
from sim.report.tables import levels_of, package_names

TOP_PACKAGES = 10


TERMS_PER_TABLE = 5

#: How a run ended (its ``reason``), in words.
REASONS = {"agreement": "agreement", "stillborn": "stillborn deal (the ratifiers said no)",
           "deadline": "no agreement by the deadline", "walk_away": "a party walked out"}


def choose_axes(facts: Facts, x: str | None, y: str | None) -> tuple[str | None, str | None]:
    """The heat map's parameters: the user's, else the most influential varied ones.

    With levers, the first varied lever comes first (x), then the most influential
    uncertainty.

    Raises:
        UserError: an unknown parameter, or the same one for both axes.
    """
    results = facts.results
    picked = [resolve_param(v, results) if v else None for v in (x, y)]
    if picked[0] and picked[0] == picked[1]:
        raise UserError(f"--x and --y name the same parameter '{x}'")
    varied = results.varied_params
    ranked = [p for p in lever_columns(results) if p in varied][:1]
    ranked += [p for p in facts.ranking.index if p in varied and p not in ranked]
    ranked += [p for p in varied if p not in ranked]
    pool = [p for p in ranked if p not in picked]
    for k in (0, 1):
        if picked[k] is None and pool:
            picked[k] = pool.pop(0)
    return picked[0], picked[1]


def _outcomes(facts: Facts) -> dict[str, pd.Series]:
    runs = facts.results.runs
    out = {"agreement": agreed(runs)}
    if "stillborn" in runs.columns:
        out["stillborn"] = flag(runs, "stillborn")
    if facts.target.kind == "package":
        out[facts.target.describe(facts.results.labels)] = facts.target.values(runs)
    return out


def overview_section(doc: Doc, facts: Facts) -> None:
    """Question, base scenario, design, swept parameters and the outcomes over all runs."""
    results, runs, spec = facts.results, facts.results.runs, facts.results.spec
    if spec.get("question"):
        doc.para(f"**Question.** {spec['question']}")
    per_point = runs.groupby("point_id").size()
    reps = f"{per_point.iloc[0]}" if per_point.nunique() == 1 else (
        f"{per_point.min()}-{per_point.max()}"
    )
    design = design_kind(spec) or "unknown"
    base = results.scenario_path or spec.get("scenario")
    doc.para(
        f"Base scenario: `{shown_path(base) if base else 'unknown'}`. "
        f"Design: {design}, {len(per_point)} design points × {reps} replicates = "
        f"{len(runs)} runs (experiment seed {spec.get('seed', 'unknown')})."
    )
    levers = lever_columns(results)
    if levers and "policy_id" in runs and "sample_id" in runs:
        crn = results.manifest.get("crn")
        doc.para(
            f"Levers x uncertainties: {runs['policy_id'].nunique()} policies (every "
            f"combination of the levers) x {runs['sample_id'].nunique()} samples of the "
            f"uncertainties ({design}); common random numbers "
            f"{'on' if crn else 'off' if crn is False else 'not recorded'}."
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
        role = " (lever)" if p in levers else " (uncertainty)" if levers else ""
        lines.append(f"{results.labels.param(p)} (`{p[len(PARAM):]}`){role}: {span}")
    if lines:
        doc.para("Swept parameters:")
        doc.items(lines)
    doc.heading("Outcomes over all runs")
    total = len(runs)
    rows = [["agreement", int(agreed(runs).sum()), pct_ci(facts.rate("agreement"), total)]]
    if "stillborn" in runs.columns:
        rows.append(["stillborn deal", int(flag(runs, "stillborn").sum()),
                     pct_ci(facts.rate("stillborn"), total)])
    if "ceasefire_only" in runs.columns:  # issue 12: a ceasefire agreed, no settlement
        cf = flag(runs, "ceasefire_only")
        if cf.any() or "stage1_ceasefire" in runs and runs["stage1_ceasefire"].notna().any():
            rows.append(["ceasefire only (stage-1 ceasefire holds, no settlement)",
                         int(cf.sum()), pct_ci(cf.mean(), total)])
    if facts.target.kind == "package":
        hits = facts.target.values(runs)
        rows.append([facts.target.describe(results.labels), int(hits.sum()),
                     pct_ci(hits.mean(), total)])
    doc.table(["outcome", "runs", "share of runs (Wilson 95% interval)"], rows)
    if "durability" in runs.columns and runs["durability"].notna().any():
        d = runs["durability"].astype(float)
        cf_d = d[flag(runs, "ceasefire_only")] if "ceasefire_only" in runs else d.iloc[:0]
        doc.para("Durability (in this model, under the scenario's declared durability "
                 "assumptions: the chance that what was agreed holds over its horizon): mean "
                 f"{num(d[agreed(runs)].mean())} over the agreements"
                 + (f", {num(cf_d.mean())} over the ceasefire-only outcomes" if len(cf_d.dropna())
                    else "") + ".")
    deals = runs[agreed(runs)]
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
            [[results.labels.actor(a), num(runs[UTIL + a].astype(float).mean()),
              num(deals[UTIL + a].astype(float).mean()) if not deals.empty else "n/a"]
             for a in results.actors],
        )
    if "reason" in runs:
        reasons = runs["reason"].astype("string").fillna("(none)").value_counts()
        doc.para("How the runs ended:")
        doc.table(["reason", "runs", "share"],
                  [[REASONS.get(str(r), str(r)), int(n), pct(n / len(runs))]
                   for r, n in reasons.items()])


def rates_section(doc: Doc, facts: Facts, x: str | None, y: str | None, out: Path,
                  chosen: bool) -> None:
    """Outcome rates by ``x`` (lines) or by ``x`` and ``y`` (heat maps); ``chosen`` by the user."""
    results, runs = facts.results, facts.results.runs
    doc.heading("Where deals happen: outcome rates over the swept parameters")
    if x is None:
        doc.para("No parameter varies across the runs, so there is nothing to map.")
        return
    outcomes = _outcomes(facts)

    def show(column: str, v: object) -> str:
        return results.labels.value(column, v)

    lx = levels_of(runs[x])
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
        shares = rates.to_numpy(dtype=float)
        doc.para("Rates with their Wilson 95% intervals in brackets.")
        doc.table([results.labels.param(x), "runs", *[f"{k} rate" for k in rates.columns]],
                  [[show(x, i), int(counts[i]), *[pct_ci(v, int(counts[i])) for v in shares[r]]]
                   for r, i in enumerate(rates.index)])
        return
    ly = levels_of(runs[y])
    panels: dict[str, pd.DataFrame] = {}
    cells = pd.DataFrame()  # runs per cell: the same for every outcome
    for name, values in outcomes.items():
        grouped = values.astype(float).groupby([ly, lx], observed=True)
        panels[name] = _shown(grouped.mean().unstack(), show, x, y)
        cells = _shown(grouped.size().unstack().fillna(0).astype(int), show, x, y)
    path = figures.rate_heatmaps(panels, cells, results.labels.param(x),
                                 results.labels.param(y), out / "rates_heatmap.png")
    doc.para(f"Axes: {results.labels.param(x)} × {results.labels.param(y)} ({how}).")
    doc.image(path, f"Outcome rates by {results.labels.param(x)} and {results.labels.param(y)}")
    for name, table in panels.items():
        doc.para(f"{name.capitalize()} rate, Wilson 95% interval in brackets, n runs per "
                 f"cell; rows: {results.labels.param(y)}, columns: "
                 f"{results.labels.param(x)}.")
        shares, n = table.to_numpy(dtype=float), cells.to_numpy()
        doc.table([results.labels.param(y), *table.columns],
                  [[i, *[f"{pct_ci(v, int(n[r, c]))} n={n[r, c]}" if not np.isnan(v) else "-"
                         for c, v in enumerate(shares[r])]] for r, i in enumerate(table.index)])


def _ranking_name(facts: Facts) -> str:
    if facts.ranked_by in METHOD_TEXT:
        return METHOD_TEXT[facts.ranked_by]
    return "the variance of the outcome's means across levels"


def _shown(table: pd.DataFrame, show: Callable[[str, object], str], x: str, y: str
           ) -> pd.DataFrame:
    """A rate table with its levels as displayed (index: ``y``'s, columns: ``x``'s)."""
    table = table.copy()
    table.index = [show(y, v) for v in table.index]
    table.columns = [show(x, v) for v in table.columns]
    return table


def packages_section(doc: Doc, facts: Facts, out: Path) -> None:
    """The most frequent agreed packages: chart, shares, utilities and terms."""
    results = facts.results
    doc.heading("Reachable packages: what the parties agree on")
    table = facts.packages.head(TOP_PACKAGES)
    if table.empty:
        doc.para("No run ended in agreement.")
        return
    names = package_names(table, results.issues, results.labels)
    n_deals = int(facts.packages["count"].sum())
    doc.para(
        f"{len(facts.packages)} distinct packages were agreed in {n_deals} runs; the "
        f"{len(table)} most frequent are shown. A package counts as Pareto-optimal or "
        "feasible in the chart when it was so in at least half of its runs (at their design "
        "points); the table gives the exact shares. Each package is named by the fewest of "
        "its terms that no other package shown has together; its full terms follow."
    )
    frame = pd.DataFrame({
        "name": [f"#{k} {n}" for k, n in enumerate(names, 1)],
        "count": table["count"].to_numpy(),
        "pareto": [None if np.isnan(v) else bool(v >= 0.5) for v in table["pareto_share"]],
        "feasible": [None if np.isnan(v) else bool(v >= 0.5) for v in table["feasible_share"]],
    })
    path = figures.package_bars(frame, out / "packages.png")
    doc.image(path, "Agreed packages by frequency")
    header = ["#", "package: what sets it apart", "runs", "share of agreements (95%)",
              "design points", "Pareto-optimal", "feasible",
              *[f"u({results.labels.actor(a)})" for a in results.actors]]
    doc.table(header, [
        [f"#{k}", n, int(r["count"]), pct_ci(r["share"], n_deals), int(r["points"]),
         pct(r["pareto_share"]),
         pct(r["feasible_share"]), *[num(r[UTIL + a]) for a in results.actors]]
        for k, (n, (_, r)) in enumerate(zip(names, table.iterrows(), strict=True), 1)
    ])
    doc.para("Terms of each package, issue by issue:")
    for start in range(0, len(table), TERMS_PER_TABLE):
        chunk = table.iloc[start:start + TERMS_PER_TABLE]
        numbers = [f"#{k + 1}" for k in range(start, start + len(chunk))]
        doc.table(["issue", *numbers], [
            [results.labels.issue(i),
             *[results.labels.option(i, str(v)) for v in chunk[PKG + i]]]
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
        f"**Method: {CART}.** Decision tree of depth ≤ 3 with at least {found.min_leaf} "
        "runs per leaf; it "
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


def discovery_section(doc: Doc, facts: Facts) -> None:
    """PRIM's box and the decision-tree rules for the target (and for stillborn deals)."""
    doc.heading("Scenario discovery: which parameter ranges make the outcome likely")
    doc.para("Density: the share of runs inside the box with the outcome. Coverage: the share "
             "of all runs with the outcome that fall inside the box.")
    labels = facts.results.labels
    prim_block(doc, facts.prim, facts.target.describe(labels), labels.param, labels.value)
    _rules(doc, facts, facts.discovery, facts.target.describe(labels))
    runs = facts.results.runs
    if facts.target.kind != "stillborn" and flag(runs, "stillborn").any():
        extra = discover(runs[list(facts.results.varied_params)], flag(runs, "stillborn"))
        _rules(doc, facts, extra, "stillborn deal")


def sensitivity_section(doc: Doc, facts: Facts) -> None:
    """The sensitivity method, why it was used, and its indices per output."""
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
    if s.scope:
        doc.para(s.scope)
    cols = [c for c in facts.outputs if c in s.table.columns and s.table[c].notna().any()]
    label = facts.results.labels.param

    def cells(values: np.ndarray, conf: np.ndarray | None) -> list[str]:
        if conf is None:
            return [num(v) for v in values]
        return [f"{num(v)} ± {num(c)}" for v, c in zip(values, conf, strict=True)]

    tables = {s.index: s.table, **s.extra}
    for name, frame in tables.items():
        if name.endswith("_conf") or not cols:
            continue
        conf_frame = tables.get(f"{name}_conf")
        values = frame[cols].to_numpy(dtype=float)
        conf = None if conf_frame is None else conf_frame[cols].to_numpy(dtype=float)
        if name != s.index:
            doc.para(f"{name}:")
        doc.table(["parameter", *[facts.outputs[c] for c in cols]],
                  [[label(p), *cells(values[r], None if conf is None else conf[r])]
                   for r, p in enumerate(frame.index)])
    doc.items([f"{facts.outputs.get(out, out)}: {remark}" for out, remark in s.notes])
