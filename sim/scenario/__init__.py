"""Scenario files: schema, loading with ``extends``, and compilation to a `Problem`."""

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
