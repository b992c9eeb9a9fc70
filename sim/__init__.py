"""negsim: an agent-based simulator of multi-party negotiations.

The facade (``sim.__all__``), for notebooks and scripts:
    load, analyze, prepare, model, simulate, solve, score: scenarios, their exact
        analysis, one run, the rational benchmark and one hand-drafted package (`sim.api`).
    sweep: run an experiment file into a results directory (`sim.experiment.facade`).
    load_results, report: read a results directory back (runs and points as pandas
        DataFrames) and write its report (`sim.report.facade`).
    Scenario, ScenarioError, compile_problem, load_scenario: the file format
        (`sim.scenario`).

Names are imported lazily, so that the CLI starts fast.

Example:
    >>> import sim
    >>> "simulate" in sim.__all__
    True
"""

from importlib import import_module
from typing import Any

__all__ = [
    "Scenario",
    "ScenarioError",
    "analyze",
    "compile_problem",
    "load",
    "load_results",
    "load_scenario",
    "model",
    "prepare",
    "report",
    "score",
    "simulate",
    "solve",
    "sweep",
]
__version__ = "0.1.0"

_WHERE = {
    "Scenario": ("sim.scenario", "Scenario"),
    "ScenarioError": ("sim.scenario", "ScenarioError"),
    "compile_problem": ("sim.scenario", "compile_problem"),
    "load_scenario": ("sim.scenario", "load_scenario"),
    "load": ("sim.api", "load"),
    "analyze": ("sim.api", "analyze"),
    "prepare": ("sim.api", "prepare"),
    "model": ("sim.api", "model"),
    "simulate": ("sim.api", "simulate"),
    "solve": ("sim.api", "solve"),
    "score": ("sim.api", "score"),
    "sweep": ("sim.experiment.facade", "sweep"),
    "load_results": ("sim.report.facade", "load_results"),
}


def __getattr__(name: str) -> Any:
    """Import a facade name on first use."""
    if name == "report":  # the package, callable as the facade function (sim.report(DIR))
        return import_module("sim.report")
    if name in _WHERE:
        module, attr = _WHERE[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
