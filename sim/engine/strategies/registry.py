"""The strategy registry: ``STRATEGIES``, its functions, and building a strategy.

Core objects:
    STRATEGIES: the `Registry` of `Strategy` classes, keyed by ``cls.name``.
    register, get, names, validate_params: its methods, as functions.
    build: a ready strategy from a `StrategySpec` and an explicit generator.
    UnknownStrategy: the ``KeyError`` for an unregistered name (an `UnknownName`).

A strategy module imports ``register`` from here, never from its package.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.registry import Registry, UnknownName, format_params_error
from sim.engine.settings import StrategySpec
from sim.engine.strategies.base import Strategy

__all__ = [
    "STRATEGIES",
    "UnknownStrategy",
    "build",
    "format_params_error",
    "get",
    "names",
    "register",
    "validate_params",
]

STRATEGIES: Registry[type[Strategy[Any]]] = Registry("strategy", Strategy)
UnknownStrategy = UnknownName

register = STRATEGIES.register
get = STRATEGIES.get
names = STRATEGIES.names
validate_params = STRATEGIES.validate_params


def build(spec: StrategySpec, rng: np.random.Generator) -> Strategy[Any]:
    """A fresh strategy from its spec (its parameters validated once, here).

    Args:
        spec: the strategy name (``kind``) and its parameters.
        rng: the explicit generator the strategy may draw from.

    Returns:
        The strategy, reset and ready for a negotiation.

    Raises:
        UnknownStrategy: for an unregistered name.
        ValueError: for invalid parameters.
    """
    cls = get(spec.kind)
    return cls(validate_params(spec.kind, spec.params), rng)
