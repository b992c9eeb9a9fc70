"""What ``negsim analyze --json`` prints: the core analysis plus what only the file knows.

Core object:
    analysis_document: `sim.core.analysis.analysis_to_json` with, added,
        ``bargaining_power_source`` (each actor's provenance of its bargaining power),
        ``scales`` (each actor's score range) and, in every reported package,
        ``scores`` (its utilities in each actor's own units), and the ``list`` of
        feasible or Pareto-optimal packages when asked for.
"""

from __future__ import annotations

from typing import Any

from sim.core.analysis import Analysis, analysis_to_json, package_list
from sim.core.problem import Problem
from sim.scenario.compile import scale_of
from sim.scenario.schema import Scenario, Source

__all__ = ["analysis_document", "provenance", "scores"]

#: Decimals kept for scores (as for utilities).
DIGITS = 6


def provenance(source: Source | None, default: str) -> str:
    """``quote: ...`` or ``assumption: ...``, or ``default`` without a source."""
    if source is None:
        return default
    if source.quote is not None:
        return f"quote: {source.quote}"
    return f"assumption: {source.assumption}"


def scores(scenario: Scenario, utilities: dict[str, float]) -> dict[str, float]:
    """Utilities in each actor's own units (``min + u * (max - min)``)."""
    out = {}
    for a, u in utilities.items():
        lo, hi = scale_of(scenario.actors[a])
        out[a] = round(lo + float(u) * (hi - lo), DIGITS)
    return out


def _with_scores(scenario: Scenario, entry: dict[str, Any] | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return dict(entry, scores=scores(scenario, entry["utilities"]))


def analysis_document(scenario: Scenario, problem: Problem, analysis: Analysis,
                      listing: str | None = None, limit: int | None = None) -> dict[str, Any]:
    """The ``analyze --json`` object (see the module docstring).

    Args:
        scenario: the validated scenario.
        problem: its compiled problem.
        analysis: its analysis (`sim.api.analyze`).
        listing: ``feasible`` or ``pareto`` to add ``list``; None adds nothing.
        limit: list at most this many packages.
    """
    doc = analysis_to_json(problem, analysis)
    for key in ("solutions", "solutions_unanimous"):
        doc[key] = {name: _with_scores(scenario, s) for name, s in doc[key].items()}
    doc["bargaining_power_source"] = {
        a: provenance(None if act.bargaining_power is None else act.bargaining_power.source,
                      "default: equal bargaining power (1)")
        for a, act in scenario.actors.items()
    }
    doc["scales"] = {a: dict(zip(("min", "max"), scale_of(act), strict=True))
                     for a, act in scenario.actors.items()}
    if listing is not None:
        listed = package_list(problem, analysis, listing, limit)
        listed["packages"] = [_with_scores(scenario, p) for p in listed["packages"]]
        doc["list"] = listed
    return doc
