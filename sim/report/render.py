"""The report: ``report.md`` and ``report.html`` for a results directory, and its summary.

Core objects:
    build_report: ``negsim report DIR``: figures, ``report.md`` and ``report.html``, from
        the sections of `sim.report.sections` and `sim.report.replay`.
    summarize: the short machine-readable summary behind the README's findings.

Every number in the report is computed from the runs (or from runs re-simulated from their
recorded seeds); the text only formats them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim import glossary
from sim.atomic import atomic_write
from sim.errors import UserError
from sim.report.claims import CART, robustness_section, robustness_summary
from sim.report.data import load_results, parse_target, resolve_param, shown_path
from sim.report.document import Doc
from sim.report.facts import Facts, compute_facts
from sim.report.labels import PARAM, PKG
from sim.report.replay import replay_section
from sim.report.sections import (
    choose_axes,
    discovery_section,
    overview_section,
    packages_section,
    rates_section,
    sensitivity_section,
)
from sim.report.tables import representative_point, representative_run

FIGURES = "figures"


def _notes(doc: Doc, facts: Facts, point: int, run: pd.Series | None) -> None:
    doc.heading("How these numbers were computed")
    results = facts.results
    where = shown_path(results.path)
    source = results.manifest.get("experiment_file")
    if Path(where).is_absolute() and source:
        # outside the working directory: name the command that regenerates it instead
        where = (f"the results directory of `negsim sweep {shown_path(source)} --out DIR` "
                 "(regenerate: that command, then `negsim report DIR`)")
    else:
        where = f"`{where}`"
    lines = [
        f"Rates, package counts, utilities and discovery rules: the {len(results.runs)} "
        f"rows of `runs/` in {where}.",
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
        source = ("the scenarios as swept (`scenarios.yaml`)" if facts.results.scenarios
                  is not None else "the base scenario file as it is now")
        lines.append("Utility space and bargaining solutions: recomputed (`sim.core.analysis`) "
                     f"from {source} with the representative point's parameter values.")
    lines += [f"Changed since the sweep: {w}." for w in facts.results.warnings]
    doc.items(lines)


#: The steps `build_report` announces to its ``progress`` callback, in order, once the
#: directory is read and the options are checked (bad input fails before any step).
STEPS = ("rates, packages, discovery and sensitivity",
         "outcome rates over the swept parameters", "reachable packages",
         "utility space and the representative run, re-simulated",
         "scenario discovery and sensitivity",
         "writing report.md and report.html")


def build_report(
    directory: str | Path, x: str | None = None, y: str | None = None,
    target: str = "agreement", replay: bool = True, strict: bool = False,
    progress: Callable[[int, str], None] | None = None,
) -> Path:
    """Write ``report.md``, ``report.html`` and the figures into a results directory.

    Args:
        directory: the ``--out`` directory of a sweep.
        x: swept parameter on the heat map's x axis (default: the most influential).
        y: swept parameter on its y axis (default: the next most influential).
        target: ``agreement``, ``stillborn`` or ``package:<issue>=<option>``.
        replay: re-analyse and re-simulate the representative point and run (utility
            space, negotiation dance, trajectories).
        strict: refuse the directory when a scenario file changed since the sweep.
        progress: called with ``(k, step)`` as step k (1-based) of `STEPS` begins; the
            replay step is skipped without ``replay``.

    Returns:
        The path of ``report.md``.

    Raises:
        UserError: a missing or malformed directory, an unknown parameter or target.
    """
    def step(k: int) -> None:
        if progress is not None:
            progress(k, STEPS[k - 1])

    results = load_results(directory, strict=strict)
    tgt = parse_target(target, results)
    axes = [resolve_param(name, results) for name in (x, y) if name]
    if len(axes) == 2 and axes[0] == axes[1]:
        raise UserError(f"--x and --y name the same parameter '{x}'")
    step(1)
    facts = compute_facts(results, tgt)
    xcol, ycol = choose_axes(facts, x, y)
    out = results.path / FIGURES
    out.mkdir(exist_ok=True)
    title = f"Report: {results.spec.get('name') or results.path.name}"
    doc = Doc(title)
    overview_section(doc, facts)
    step(2)
    rates_section(doc, facts, xcol, ycol, out, chosen=bool(x or y))
    step(3)
    packages_section(doc, facts, out)
    point = representative_point(facts.points)
    run = representative_run(results, point, tgt)
    if replay:
        step(4)
        replay_section(doc, facts, point, run, out)
    step(5)
    discovery_section(doc, facts)
    robustness_section(doc, results)
    sensitivity_section(doc, facts)
    _notes(doc, facts, point, run if replay else None)
    doc.heading("Terms used")
    doc.items(glossary.lines())
    step(6)
    md = results.path / "report.md"
    text, page = doc.markdown(results.path).encode("utf-8"), doc.html().encode("utf-8")
    atomic_write(md, lambda f: f.write(text))
    atomic_write(results.path / "report.html", lambda f: f.write(page))
    return md


def summarize(directory: str | Path, target: str = "agreement", top: int = 3) -> dict:
    """A short machine-readable summary of a results directory (for the README's findings).

    Keys: ``experiment``, ``question``, ``runs``, ``points``, ``agreement_rate``,
    ``stillborn_rate``, ``target``, ``target_rate``, ``top_packages`` (terms, labels, runs,
    share of agreements), ``top_rule`` (text, density, coverage, runs, method) or None,
    ``prim`` (method, where, density, coverage, lift, qp) or None, ``robustness`` (the
    claim's block, `sim.experiment.robustness.summary`, with ``flip_box``) or None, and
    ``sensitivity`` (method, index, ranking of the parameters for the target).
    """
    results = load_results(directory)
    tgt = parse_target(target, results)
    facts = compute_facts(results, tgt)
    labels = results.labels
    packages = []
    for _, r in facts.packages.head(top).iterrows():
        terms = {i: r[PKG + i] for i in results.issues}
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
            "method": CART,
        },
        "prim": None if facts.prim is None else {
            "method": facts.prim.method,
            "where": " and ".join(c.text(labels.param, labels.value)
                                  for c in facts.prim.conditions) or "all runs",
            "density": facts.prim.density,
            "coverage": facts.prim.coverage,
            "lift": facts.prim.lift,
            "qp": {k: _float(v) for k, v in facts.prim.qp.items()},
        },
        "robustness": robustness_summary(results),
        "sensitivity": {
            "method": facts.sensitivity.method,
            "index": facts.sensitivity.index,
            "reason": facts.sensitivity.reason,
            "ranking": [
                {"param": str(p)[len(PARAM):], "label": labels.param(str(p)), "value": float(v)}
                for p, v in ranking.items()
            ],
        },
    }


def _float(v: float | None) -> float | None:
    return None if v is None or pd.isna(v) else float(v)
