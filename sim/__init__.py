"""negsim: an agent-based simulator of multi-party negotiations.

The public API is small: load a scenario, compile it to a numeric problem, analyse its
outcome space, simulate a negotiation. Names are imported lazily so that the CLI starts fast.
"""

from importlib import import_module

__all__ = ["Scenario", "ScenarioError", "analyze", "compile_problem", "load_scenario", "simulate"]
__version__ = "0.1.0"

_WHERE = {
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.scenario",
    "compile_problem": "sim.scenario",
    "load_scenario": "sim.scenario",
    "analyze": "sim.core.analysis",
    "simulate": "sim.engine.api",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
