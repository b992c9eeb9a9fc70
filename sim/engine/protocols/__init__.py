"""The protocol registry: names to classes, and validation of `ProtocolSpec` settings.

Core objects:
    register: class decorator, keyed by ``cls.name``.
    get, names: look-ups (``get`` raises `UnknownProtocol`, whose message lists the
        registered names).
    validate_params: check a ``params`` mapping against the class's ``Params`` model.
    reference_errors: protocol parameters that name unknown actors, located at their
        field path (called by `sim.scenario.specs.reference_errors`).

Scenario files name a protocol by its registry key only, never by import path. The four
shipped protocols register themselves when this package is imported; importing it pulls
in numpy and pydantic only (no mesa), so ``negsim validate`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from sim.engine.protocols.base import Protocol

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario

__all__ = [
    "UnknownProtocol",
    "get",
    "names",
    "reference_errors",
    "register",
    "validate_params",
]

_REGISTRY: dict[str, type[Protocol]] = {}


class UnknownProtocol(KeyError):
    """An unregistered protocol name; the message lists the registered ones."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.message = f"unknown protocol '{name}'; registered: {', '.join(names())}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def register(cls: type[Protocol]) -> type[Protocol]:
    """Class decorator adding ``cls`` to the registry under ``cls.name``.

    Raises:
        TypeError: if ``cls`` is not a `Protocol` subclass with a name and a ``Params``
            model.
        ValueError: if another class already holds the name.
    """
    if not (isinstance(cls, type) and issubclass(cls, Protocol)):
        raise TypeError(f"{cls!r} is not a Protocol subclass")
    if not cls.name:
        raise TypeError(f"{cls.__name__} has no registry name")
    if not (isinstance(cls.Params, type) and issubclass(cls.Params, BaseModel)):
        raise TypeError(f"{cls.__name__}.Params must be a pydantic model")
    existing = _REGISTRY.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"protocol name '{cls.name}' is already taken by {existing.__name__}")
    _REGISTRY[cls.name] = cls
    return cls


def names() -> tuple[str, ...]:
    """The registered protocol names, sorted."""
    return tuple(sorted(_REGISTRY))


def get(name: str) -> type[Protocol]:
    """The class registered under ``name``.

    Raises:
        UnknownProtocol: if nothing is registered under ``name``.
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownProtocol(name) from None


def validate_params(name: str, params: dict[str, Any] | None) -> BaseModel:
    """Validate ``params`` against the ``Params`` model of protocol ``name``.

    Raises:
        UnknownProtocol: for an unregistered name.
        ValueError: one ``'field': problem`` item per parameter problem, joined by ``; ``.
    """
    cls = get(name)
    try:
        return cls.Params.model_validate(params or {})
    except ValidationError as exc:
        parts = []
        for err in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in err["loc"])
            msg = "unknown parameter" if err["type"] == "extra_forbidden" else err["msg"]
            parts.append(f"'{loc}': {msg}" if loc else msg)
        raise ValueError(f"{name}: {'; '.join(parts)}") from None


def reference_errors(scenario: Scenario) -> list[tuple[tuple, str]]:
    """Protocol parameters naming unknown actors, as ``(field path, message)`` pairs.

    Unknown names or invalid parameters are reported by the `ProtocolSpec` validators
    themselves; this only checks the references that need the whole scenario.
    """
    spec = scenario.protocol
    if spec is None or spec.kind not in _REGISTRY:
        return []
    try:
        params = validate_params(spec.kind, spec.params)
    except ValueError:
        return []
    actors = tuple(scenario.actors)
    return [
        (("protocol", "params", *loc), msg)
        for loc, msg in _REGISTRY[spec.kind].reference_errors(params, actors)
    ]


def _register_builtins() -> None:
    from sim.engine.protocols import (  # noqa: F401 - imported for registration
        alternating_offers,
        random_proposer,
        single_text,
        summit_ratification,
    )


_register_builtins()
