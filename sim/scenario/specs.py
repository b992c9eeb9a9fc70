"""Scenario slots for the engine: protocol, strategy and dynamics settings (pydantic).

Core objects:
    StrategySpec: a registered strategy name plus its parameters.
    AcceptanceSpec: veto actors plus a quota among the other responders.
    ProtocolSpec: a registered protocol name, deadline, acceptance rule, sequencing,
        walking away, plus protocol-specific parameters.
    StateVar / Event / ReservationRule / DynamicsSpec: the exogenous war state, scheduled
        events, and each actor's reservation value as a declared linear function of it.

Names of protocols and strategies are checked against the engine registries; their
``params`` are validated by the registered class's own ``Params`` model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SpecSource(_Model):
    """Provenance (same shape as `sim.scenario.sources.Source`; the loader checks it there).

    Files never reach the engine with it: `sim.scenario.numbers.strip_engine_provenance`
    removes provenance from the engine slots before validation.
    """

    quote: str | None = None
    supports: str | None = None
    derivation: str | None = None
    assumption: str | None = None


class StrategySpec(_Model):
    """A registered strategy and its parameters.

    ``kind`` must be a name of `sim.engine.strategies.names()`; ``params`` is validated by
    that class's ``Params`` model (unknown keys are errors).
    """

    kind: str = Field(description="Registered strategy name.")
    params: dict[str, Any] = Field(default_factory=dict, description="Strategy parameters.")
    source: SpecSource | None = Field(None, description="Why this actor plays this strategy.")

    @field_validator("kind")
    @classmethod
    def _registered(cls, v: str) -> str:
        return _registered_name("strategies", "strategy", v)

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return _registered_params("strategies", "strategy", info.data.get("kind"), v)


class AcceptanceSpec(_Model):
    """Who must accept: every veto actor, plus ``quota`` of the other responders."""

    veto: list[str] | Literal["all"] = Field("all", description="Veto actors, or 'all'.")
    quota: int | Literal["all", "majority"] = Field(
        "all", description="How many non-veto responders must also accept."
    )


class ProtocolSpec(_Model):
    """How the talks are run.

    ``kind`` must be a name of `sim.engine.protocols.names()`; ``params`` is validated by
    that class's ``Params`` model (unknown keys are errors). The shared rules (acceptance,
    sequencing, walking away, deadline) are documented in `sim.engine.protocols.base`.
    """

    kind: str = Field(description="Registered protocol name.")
    deadline: int = Field(30, ge=1, le=10_000, description="Rounds before the talks end.")
    acceptance: AcceptanceSpec = Field(default_factory=AcceptanceSpec)
    sequencing: Literal["package", "ceasefire_first"] = Field(
        "package", description="Package deal, or the ceasefire issue settled first on its own."
    )
    ceasefire_issue: str = Field("ceasefire", description="Issue settled first.")
    walk_away: bool = Field(True, description="Actors may leave when talks are not worth it.")
    walk_away_after: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Fraction of the deadline after which an actor also leaves when nothing "
        "the others have shown willingness toward beats its reservation value (before "
        "that, only when nothing left on the agenda does).",
    )
    params: dict[str, Any] = Field(default_factory=dict, description="Protocol parameters.")

    @field_validator("kind")
    @classmethod
    def _registered(cls, v: str) -> str:
        return _registered_name("protocols", "protocol", v)

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return _registered_params("protocols", "protocol", info.data.get("kind"), v)


class StateVar(_Model):
    """One exogenous state variable: initial value, drift and noise per round, bounds.

    Each round: ``x <- clip(x + drift + noise * N(0, 1) + events, min, max)``.
    """

    initial: float = Field(description="Value before the first round.")
    drift: float = Field(0.0, description="Change per round.")
    noise: float = Field(0.0, ge=0.0, description="Standard deviation of the change per round.")
    min: float = Field(float("-inf"), description="Lower bound (values are clipped).")
    max: float = Field(float("inf"), description="Upper bound (values are clipped).")
    label: str = Field("", description="Display label.")
    source: SpecSource | None = Field(None, description="Provenance of these numbers.")

    @model_validator(mode="after")
    def _bounds(self) -> StateVar:
        if self.min > self.max:
            raise PydanticCustomError(
                "bounds", "min {lo} exceeds max {hi}", {"lo": self.min, "hi": self.max}
            )
        if not self.min <= self.initial <= self.max:
            raise PydanticCustomError(
                "bounds",
                "initial {x} is outside [{lo}, {hi}]",
                {"x": self.initial, "lo": self.min, "hi": self.max},
            )
        return self


class Event(_Model):
    """A scheduled change of the state at a given round: ``set`` first, then ``add``."""

    round: int = Field(ge=0, description="Round (0-based) at which the event happens.")
    set: dict[str, float] = Field(default_factory=dict, description="Variables set to a value.")
    add: dict[str, float] = Field(default_factory=dict, description="Variables shifted by a value.")
    label: str = Field("", description="Display label.")
    source: SpecSource | None = Field(None, description="Provenance of the event.")


class ReservationRule(_Model):
    """reservation(t) = clip(base + sum_k coef_k * (state_k(t) - state_k.initial), 0, 1)."""

    coefficients: dict[str, float] = Field(
        default_factory=dict, description="State variable -> reservation change per unit."
    )
    source: SpecSource | None = Field(None, description="Provenance of the coefficients.")


class DynamicsSpec(_Model):
    """The war of attrition that goes on while the parties talk.

    Compiled to arrays by `sim.engine.dynamics.compile_dynamics`.
    """

    state: dict[str, StateVar] = Field(
        default_factory=dict, description="State variables, in this order."
    )
    events: list[Event] = Field(
        default_factory=list, description="Scheduled events; same-round events apply in order."
    )
    reservation: dict[str, ReservationRule] = Field(
        default_factory=dict, description="Actor id -> how its reservation value follows the state."
    )


def reference_errors(scenario: Scenario) -> list[tuple[tuple, str]]:
    """Locate references to unknown actors, issues or state variables in the engine slots."""
    errors: list[tuple[tuple, str]] = []
    actors = list(scenario.actors)
    p = scenario.protocol
    if p is not None:
        if isinstance(p.acceptance.veto, list):
            for j, a in enumerate(p.acceptance.veto):
                if a not in scenario.actors:
                    errors.append((("protocol", "acceptance", "veto", j),
                                   f"unknown actor '{a}'; allowed: {', '.join(actors)}"))
        if p.sequencing == "ceasefire_first" and p.ceasefire_issue not in scenario.issues:
            errors.append((("protocol", "ceasefire_issue"),
                           f"unknown issue '{p.ceasefire_issue}'; "
                           f"allowed: {', '.join(scenario.issues)}"))
        from sim.engine import protocols  # lazy: actor ids in protocol parameters

        errors.extend(protocols.reference_errors(scenario))
    d = scenario.dynamics
    if d is not None:
        names = list(d.state)
        for k, ev in enumerate(d.events):
            for field in ("set", "add"):
                for var in getattr(ev, field):
                    if var not in d.state:
                        errors.append((("dynamics", "events", k, field, var),
                                       f"unknown state variable '{var}'; "
                                       f"allowed: {', '.join(names)}"))
        for a, rule in d.reservation.items():
            if a not in scenario.actors:
                errors.append((("dynamics", "reservation", a),
                               f"unknown actor '{a}'; allowed: {', '.join(actors)}"))
            for var in rule.coefficients:
                if var not in d.state:
                    errors.append((("dynamics", "reservation", a, "coefficients", var),
                                   f"unknown state variable '{var}'; "
                                   f"allowed: {', '.join(names)}"))
    return errors


def _registry(module: str):
    """The engine registry module (imported lazily: the engine imports this module)."""
    from importlib import import_module

    return import_module(f"sim.engine.{module}")


def _registered_name(module: str, what: str, name: str) -> str:
    """``name`` if the registry knows it, else an error listing the registered names."""
    names = _registry(module).names()
    if name not in names:
        raise PydanticCustomError(
            f"unknown_{what}",
            "unknown {what} '{name}'; registered: {registered}",
            {"what": what, "name": name, "registered": ", ".join(names)},
        )
    return name


def _registered_params(module: str, what: str, kind: str | None, params: dict) -> dict:
    """``params`` validated by the registered class's own ``Params`` model."""
    if kind is None:  # the name itself was rejected
        return params
    try:
        _registry(module).validate_params(kind, params)
    except ValueError as exc:
        raise PydanticCustomError(f"{what}_params", "{msg}", {"msg": str(exc)}) from None
    return params
