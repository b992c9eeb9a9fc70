"""Reports on a sweep's results directory: figures, scenario discovery, sensitivity.

Modules:
    data: load ``DIR`` (runs, points, experiment, manifest, outcome spaces), targets, the
        point and package tables, and the scenario of a design point (for re-simulation).
    discovery: shallow decision-tree boxes with PRIM's density and coverage.
    sensitivity: SALib Sobol / Morris / PAWN indices, or a variance-of-means ranking, as the
        design allows.
    figures: the PNG figures (matplotlib, Agg canvas).
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


def __getattr__(name: str):
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
