"""Negotiation strategies and their registry.

Core objects:
    Strategy, StrategyParams: the contract (`sim.engine.strategies.base`).
    register, get, names, build, validate_params, UnknownStrategy: the registry
        (`sim.engine.strategies.registry`).
    One module per strategy: ``time_dependent`` (with the ``boulware``, ``linear`` and
    ``conceder`` presets), ``reciprocal``, ``hardliner``, ``reservation_aware`` and
    ``mediator``. Importing this package registers them all.

Example:
    >>> import numpy as np
    >>> from sim.engine.strategies import build, names
    >>> from sim.scenario.specs import StrategySpec
    >>> "boulware" in names()
    True
    >>> build(StrategySpec(kind="hardliner", params={"aspiration": 0.8}),
    ...       np.random.default_rng(0)).params.aspiration
    0.8
"""

from sim.engine.strategies import (  # noqa: F401  (importing registers the strategies)
    hardliner,
    mediator,
    reciprocal,
    reservation_aware,
    time_dependent,
)
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.registry import (
    UnknownStrategy,
    build,
    format_params_error,
    get,
    names,
    register,
    validate_params,
)

__all__ = [
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
