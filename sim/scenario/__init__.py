"""Scenario files: schema, loading with ``extends``, and compilation to a `Problem`.

The names below are imported on first use (PEP 562): ``import sim.scenario.limits`` (the
command line does it for every command) then does not build the scenario models or
import numpy, and ``negsim --help`` stays light (issue 15, item 4).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.scenario.compile import compile_problem, run_config
    from sim.scenario.loader import ScenarioError, load_raw, load_scenario, validate_data
    from sim.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "compile_problem",
    "load_raw",
    "load_scenario",
    "run_config",
    "validate_data",
]

_HOME = {
    "compile_problem": "compile",
    "run_config": "compile",
    "ScenarioError": "loader",
    "load_raw": "loader",
    "load_scenario": "loader",
    "validate_data": "loader",
    "Scenario": "schema",
}


def __getattr__(name: str) -> Any:
    """The public names, imported from their module when first asked for."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
