"""The strategy registry: names to classes, and building a strategy from a spec.

Core objects:
    register: class decorator, keyed by ``cls.name``.
    get, names: look-ups.
    validate_params: check a parameter mapping against the class's ``Params`` model.
    build: a ready strategy from a `StrategySpec` and an explicit generator.
    UnknownStrategy: the KeyError raised for an unregistered name; its message lists the
        registered names.

Scenario files name strategies by registry key only, never by import path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ValidationError

from sim.engine.strategies.base import Strategy, StrategyParams

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.specs import StrategySpec

__all__ = [
    "UnknownStrategy",
    "build",
    "format_params_error",
    "get",
    "names",
    "register",
    "validate_params",
]

_REGISTRY: dict[str, type[Strategy]] = {}


class UnknownStrategy(KeyError):
    """An unregistered strategy name; the message lists the registered ones."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.message = f"unknown strategy '{name}'; registered: {', '.join(names())}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator adding ``cls`` to the registry under ``cls.name``.

    Raises:
        TypeError: if ``cls`` is not a `Strategy` with a name and a ``Params`` model that
            forbids unknown keys.
        ValueError: if another class already holds the name.
    """
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise TypeError(f"{cls!r} is not a Strategy subclass")
    if not cls.name:
        raise TypeError(f"{cls.__name__} has no registry name")
    params = cls.Params
    if not (isinstance(params, type) and issubclass(params, StrategyParams)):
        raise TypeError(f"{cls.__name__}.Params must subclass StrategyParams")
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"strategy name '{cls.name}' is already taken by {existing.__name__}")
    _REGISTRY[cls.name] = cls
    return cls


def names() -> tuple[str, ...]:
    """The registered strategy names, sorted."""
    return tuple(sorted(_REGISTRY))


def get(name: str) -> type[Strategy]:
    """The class registered under ``name``.

    Raises:
        UnknownStrategy: if nothing is registered under ``name``.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownStrategy(name) from None


def format_params_error(exc: ValidationError) -> str:
    """One line per problem, e.g. ``'e': Input should be greater than 0``."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"'{loc}': {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def validate_params(name: str, params: dict[str, Any] | None) -> BaseModel:
    """Validate ``params`` against the ``Params`` model of strategy ``name``.

    Raises:
        UnknownStrategy: for an unregistered name.
        ValueError: with every parameter problem, formatted by `format_params_error`.
    """
    cls = get(name)
    try:
        return cls.Params.model_validate(params or {})
    except ValidationError as exc:
        raise ValueError(f"{name}: {format_params_error(exc)}") from None


def build(spec: StrategySpec, rng: np.random.Generator) -> Strategy:
    """A fresh strategy from its spec.

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
