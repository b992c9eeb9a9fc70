"""The negotiation engine: Mesa model, agents, protocols, strategies and dynamics.

Core objects (imported lazily, so that loading a scenario does not import mesa):
    simulate, RunResult: run one negotiation and its result (`sim.engine.api`).
    NegotiationModel, RunConfig: the Mesa model of one run (`sim.engine.model`).
    Prepared, prepare: per-scenario precomputation shared by runs (`sim.engine.prepared`).
    solve_scenario: the subgame-perfect equilibrium of a scenario's protocol
        (`sim.engine.solve`).

Subpackages: ``protocols`` (one module per protocol, registered by name) and
``strategies`` (one module per strategy, registered by name).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "NegotiationModel",
    "Prepared",
    "RunConfig",
    "RunResult",
    "prepare",
    "simulate",
    "solve_scenario",
]

_LAZY = {
    "simulate": "sim.engine.api",
    "RunResult": "sim.engine.api",
    "NegotiationModel": "sim.engine.model",
    "RunConfig": "sim.engine.model",
    "Prepared": "sim.engine.prepared",
    "prepare": "sim.engine.prepared",
    "solve_scenario": "sim.engine.solve",
}


def __getattr__(name: str) -> Any:
    """Import the public objects on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.engine' has no attribute '{name}'")
    return getattr(importlib.import_module(module), name)
