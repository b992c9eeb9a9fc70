"""The engine slots of a scenario file, checked against the engine registries.

Core objects:
    StrategySpec, ProtocolSpec: the engine's settings models (`sim.engine.settings`) with
        the file-format checks added: ``kind`` names a registered strategy or protocol and
        ``params`` is valid for that class's ``Params`` model, each error located at its
        field path.
    AcceptanceSpec, DynamicsSpec, StateVar, Event, ReservationRule, SpecSource: the
        engine's models, re-exported unchanged.
    reference_errors: references to unknown actors, issues or state variables in the
        engine slots, located at their field path (needs the whole scenario).

The arrows point down: this module imports the engine's settings and registries; the
engine never imports the file format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from sim.engine import settings
from sim.engine.protocols.registry import PROTOCOLS
from sim.engine.registry import Registry
from sim.engine.settings import (
    AcceptanceSpec,
    DynamicsSpec,
    Event,
    ReservationRule,
    SpecSource,
    StateVar,
)
from sim.engine.strategies.registry import STRATEGIES

__all__ = [
    "AcceptanceSpec",
    "DynamicsSpec",
    "Event",
    "ProtocolSpec",
    "ReservationRule",
    "SpecSource",
    "StateVar",
    "StrategySpec",
    "equilibrium_errors",
    "reference_errors",
]

Loc = tuple[Any, ...]


def _registered_name(registry: Registry[Any], name: str) -> str:
    """``name`` if ``registry`` knows it, else an error listing the registered names."""
    if name not in registry:
        what = registry.what
        raise PydanticCustomError(
            f"unknown_{what}",
            "unknown {what} '{name}'; registered: {registered}",
            {"what": what, "name": name, "registered": ", ".join(registry.names())},
        )
    return name


def _registered_params(
    registry: Registry[Any], kind: str | None, params: dict[str, Any]
) -> dict[str, Any]:
    """``params`` checked by the registered class's own ``Params`` model."""
    if kind is None:  # the name itself was rejected
        return params
    try:
        registry.validate_params(kind, params)
    except ValueError as exc:
        raise PydanticCustomError(
            f"{registry.what}_params", "{msg}", {"msg": str(exc)}
        ) from None
    return params


class StrategySpec(settings.StrategySpec):
    """A registered strategy and its parameters.

    ``kind`` must be a name of `sim.engine.strategies.names()`; ``params`` is validated by
    that class's ``Params`` model (unknown keys are errors).
    """

    @field_validator("kind")
    @classmethod
    def _registered(cls, v: str) -> str:
        return _registered_name(STRATEGIES, v)

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return _registered_params(STRATEGIES, info.data.get("kind"), v)


class ProtocolSpec(settings.ProtocolSpec):
    """How the talks are run.

    ``kind`` must be a name of `sim.engine.protocols.names()`; ``params`` is validated by
    that class's ``Params`` model (unknown keys are errors). The shared rules (acceptance,
    sequencing, walking away, deadline) are documented in `sim.engine.protocols.base`.
    """

    @field_validator("kind")
    @classmethod
    def _registered(cls, v: str) -> str:
        return _registered_name(PROTOCOLS, v)

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return _registered_params(PROTOCOLS, info.data.get("kind"), v)


def _unknown(kind: str, name: str, allowed: Sequence[str]) -> str:
    return f"unknown {kind} '{name}'; allowed: {', '.join(allowed)}"


def reference_errors(
    actors: Sequence[str],
    issues: Sequence[str],
    protocol: settings.ProtocolSpec | None,
    dynamics: settings.DynamicsSpec | None,
    strategies: Mapping[str, settings.StrategySpec | None] | None = None,
) -> list[tuple[Loc, str]]:
    """Locate references to unknown actors, issues or state variables in the engine slots.

    Args:
        actors: the scenario's actor ids.
        issues: the scenario's issue ids.
        protocol: its protocol settings, if any.
        dynamics: its dynamics, if any.
        strategies: actor id -> its strategy (for `equilibrium_errors`), if given.

    Returns:
        ``(field path, message)`` pairs, in field order.
    """
    errors: list[tuple[Loc, str]] = []
    actors = list(actors)
    if protocol is not None:
        errors.extend(_protocol_errors(actors, list(issues), protocol))
    if dynamics is not None:
        errors.extend(_dynamics_errors(actors, dynamics))
    if strategies is not None:
        errors.extend(equilibrium_errors(strategies, protocol))
    return errors


def _protocol_errors(
    actors: list[str], issues: list[str], p: settings.ProtocolSpec
) -> list[tuple[Loc, str]]:
    errors: list[tuple[Loc, str]] = []
    if isinstance(p.acceptance.veto, list):
        for j, a in enumerate(p.acceptance.veto):
            if a not in actors:
                errors.append((("protocol", "acceptance", "veto", j),
                               _unknown("actor", a, actors)))
    if p.sequencing == "ceasefire_first" and p.ceasefire_issue not in issues:
        errors.append((("protocol", "ceasefire_issue"),
                       _unknown("issue", p.ceasefire_issue, issues)))
    if p.kind in PROTOCOLS:
        try:
            params = PROTOCOLS.validate_params(p.kind, p.params)
        except ValueError:  # reported by the ProtocolSpec validator
            return errors
        for loc, msg in PROTOCOLS.get(p.kind).reference_errors(params, tuple(actors)):
            errors.append((("protocol", "params", *loc), msg))
    return errors


def _dynamics_errors(actors: list[str], d: settings.DynamicsSpec) -> list[tuple[Loc, str]]:
    errors: list[tuple[Loc, str]] = []
    names = list(d.state)
    for k, ev in enumerate(d.events):
        for field, changes in (("set", ev.set), ("add", ev.add)):
            for var in changes:
                if var not in d.state:
                    errors.append((("dynamics", "events", k, field, var),
                                   _unknown("state variable", var, names)))
    effect = d.ceasefire_effect  # a stage-1 ceasefire's factors and called-off events
    if effect is not None:
        for field, factors in (("drift", effect.drift), ("noise", effect.noise)):
            for var in factors:
                if var not in d.state:
                    errors.append((("dynamics", "ceasefire_effect", field, var),
                                   _unknown("state variable", var, names)))
        labels = [ev.label for ev in d.events]
        for j, lab in enumerate(effect.skip_events):
            if lab not in labels:
                errors.append((("dynamics", "ceasefire_effect", "skip_events", j),
                               _unknown("event label", lab, labels)))
    rules: Mapping[str, settings.ReservationRule] = d.reservation
    for a, rule in rules.items():
        if a not in actors:
            errors.append((("dynamics", "reservation", a), _unknown("actor", a, actors)))
        for var in rule.coefficients:
            if var not in d.state:
                errors.append((("dynamics", "reservation", a, "coefficients", var),
                               _unknown("state variable", var, names)))
    for a in d.audience_costs:  # issue 11: the negotiators' domestic constraints
        if a not in actors:
            errors.append((("dynamics", "audience_costs", a), _unknown("actor", a, actors)))
    return errors


def equilibrium_errors(
    strategies: Mapping[str, settings.StrategySpec | None],
    protocol: settings.ProtocolSpec | None,
) -> list[tuple[Loc, str]]:
    """Equilibrium-playing strategies under a protocol the solver does not handle.

    A strategy with ``needs_equilibrium`` is located at ``actors.<id>.strategy.kind``.

    Args:
        strategies: actor id -> its strategy spec (None: the default).
        protocol: the protocol settings, if any.
    """
    if protocol is None or protocol.kind not in PROTOCOLS:
        return []
    if PROTOCOLS.get(protocol.kind).solvable:
        return []
    solvable = ", ".join(n for n, c in sorted(PROTOCOLS.classes().items()) if c.solvable)
    errors: list[tuple[Loc, str]] = []
    for actor, spec in strategies.items():
        if spec is None or spec.kind not in STRATEGIES:
            continue
        if getattr(STRATEGIES.get(spec.kind), "needs_equilibrium", False):
            errors.append((("actors", actor, "strategy", "kind"),
                           f"{spec.kind} plays the subgame-perfect equilibrium, which "
                           f"{protocol.kind} does not define; use it with {solvable}"))
    return errors
