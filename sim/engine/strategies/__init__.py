"""Negotiation strategies, one module each, registered by name.

Core objects:
    Strategy, StrategyParams: the contract (`sim.engine.strategies.base`).
    STRATEGIES, register, get, names, build, validate_params, UnknownStrategy: the
        registry (`sim.engine.strategies.registry`).
    SUPPORT: the modules of this package that define no strategy.

Every other module of this package defines exactly one strategy and is imported here by
discovery (no hand-kept list): adding a strategy is adding a module.

Example:
    >>> import numpy as np
    >>> from sim.engine.settings import StrategySpec
    >>> "boulware" in names()
    True
    >>> build(StrategySpec(kind="hardliner", params={"aspiration": 0.8}),
    ...       np.random.default_rng(0)).params.aspiration
    0.8
"""

from __future__ import annotations

from sim.engine.registry import discover
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.registry import (
    STRATEGIES,
    UnknownStrategy,
    build,
    format_params_error,
    get,
    names,
    register,
    validate_params,
)

__all__ = [
    "STRATEGIES",
    "MODULES",
    "SUPPORT",
    "Strategy",
    "StrategyParams",
    "UnknownStrategy",
    "build",
    "format_params_error",
    "get",
    "names",
    "register",
    "validate_params",
]

#: Modules of this package that are machinery, not strategies.
SUPPORT = frozenset({"base", "registry", "opponent", "kernel"})


#: The modules that define strategies, every one imported here.
MODULES = discover(__name__, __path__, SUPPORT)
