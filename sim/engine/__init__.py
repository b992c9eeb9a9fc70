"""The negotiation engine: Mesa model, agents, protocols, strategies and dynamics.

Core objects (imported lazily, so that loading a scenario does not import mesa):
    run, RunResult: run one negotiation of a prepared problem and its result
        (`sim.engine.api`).
    NegotiationModel, RunConfig: the Mesa model of one run (`sim.engine.model`).
    Prepared, prepare: per-problem precomputation shared by runs (`sim.engine.prepared`).
    solve, SolveResult: the subgame-perfect equilibrium of a protocol (`sim.engine.solve`).

The engine takes a compiled `sim.core.Problem` and a `RunConfig`, never a scenario file:
it owns its settings (`sim.engine.settings`) and never imports `sim.scenario`.
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
    "SolveResult",
    "prepare",
    "run",
    "solve",
]

_LAZY = {
    "run": "sim.engine.api",
    "RunResult": "sim.engine.api",
    "NegotiationModel": "sim.engine.model",
    "RunConfig": "sim.engine.model",
    "Prepared": "sim.engine.prepared",
    "prepare": "sim.engine.prepared",
    "solve": "sim.engine.solve",
    "SolveResult": "sim.engine.solve",
}


def __getattr__(name: str) -> Any:
    """Import the public objects on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sim.engine' has no attribute '{name}'")
    return getattr(importlib.import_module(module), name)
