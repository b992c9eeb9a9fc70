"""Reports on a sweep's results directory: figures, scenario discovery, sensitivity.

Modules (each imports only those above it in this list):
    labels: the column prefixes and readable names from the base scenario.
    data: load ``DIR`` (runs, points, experiment, manifest, outcome spaces) and the target.
    tables: the point and package tables, package feasibility, the representative point
        and run.
    discovery: shallow decision-tree boxes (CART) with PRIM's density and coverage.
    prim: real PRIM from EMA Workbench (the ``discovery`` extra, imported lazily).
    sensitivity: SALib Sobol / Morris / PAWN indices, or a variance-of-means ranking, as the
        design allows.
    samples: levers x uncertainties: the uncertainty sample as a design of its own.
    facts: everything computed once from the runs, shared by the report and the summary.
    document: the report as blocks, written as Markdown or self-contained HTML.
    figures: the PNG figures (matplotlib, Agg canvas).
    claims: the PRIM block and the robustness of an experiment's claim.
    sections: the sections computed from the Parquet data.
    replay: the sections rebuilt from the model (the scenario of a design point, its
        utility space, a re-simulated run).
    render: the report itself (``report.md`` and a self-contained ``report.html``) and the
        machine-readable findings summary.

Public entry points: `build_report` (``negsim report DIR``) and `summarize`
(``negsim report DIR --summary``).
"""

import sys
import types
from importlib import import_module
from typing import Any

__all__ = ["build_report", "load_results", "report", "summarize"]

_WHERE = {
    "build_report": "sim.report.render",
    "summarize": "sim.report.render",
    "load_results": "sim.report.data",
    "report": "sim.report.facade",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'sim.report' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    """``sim.report(DIR)`` writes the report even where ``sim.report`` is this package.

    Importing ``sim.report`` makes the package an attribute of ``sim`` under the same name
    as the facade function, so the package itself forwards calls to `facade.report`.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return import_module("sim.report.facade").report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
