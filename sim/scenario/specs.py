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

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SpecSource(_Model):
    """Provenance (same shape as `sim.scenario.schema.Source`)."""

    quote: str | None = None
    assumption: str | None = None


class StrategySpec(_Model):
    """A registered strategy and its parameters."""

    kind: str = Field(description="Registered strategy name.")
    params: dict[str, Any] = Field(default_factory=dict, description="Strategy parameters.")
    source: SpecSource | None = Field(None, description="Why this actor plays this strategy.")


class AcceptanceSpec(_Model):
    """Who must accept: every veto actor, plus ``quota`` of the other responders."""

    veto: list[str] | Literal["all"] = Field("all", description="Veto actors, or 'all'.")
    quota: int | Literal["all", "majority"] = Field(
        "all", description="How many non-veto responders must also accept."
    )


class ProtocolSpec(_Model):
    """How the talks are run."""

    kind: str = Field(description="Registered protocol name.")
    deadline: int = Field(30, ge=1, le=10_000, description="Rounds before the talks end.")
    acceptance: AcceptanceSpec = Field(default_factory=AcceptanceSpec)
    sequencing: Literal["package", "ceasefire_first"] = Field(
        "package", description="Package deal, or the ceasefire issue settled first on its own."
    )
    ceasefire_issue: str = Field("ceasefire", description="Issue settled first.")
    walk_away: bool = Field(True, description="Actors may leave when talks are not worth it.")
    params: dict[str, Any] = Field(default_factory=dict, description="Protocol parameters.")


class StateVar(_Model):
    """One exogenous state variable: initial value, drift and noise per round, bounds."""

    initial: float
    drift: float = 0.0
    noise: float = Field(0.0, ge=0.0)
    min: float = float("-inf")
    max: float = float("inf")
    label: str = ""
    source: SpecSource | None = None


class Event(_Model):
    """A scheduled change of the state at a given round."""

    round: int = Field(ge=0)
    set: dict[str, float] = Field(default_factory=dict)
    add: dict[str, float] = Field(default_factory=dict)
    label: str = ""
    source: SpecSource | None = None


class ReservationRule(_Model):
    """reservation(t) = clip(base + sum_k coef_k * (state_k(t) - state_k(0)), 0, 1)."""

    coefficients: dict[str, float] = Field(default_factory=dict)
    source: SpecSource | None = None


class DynamicsSpec(_Model):
    """The war of attrition that goes on while the parties talk."""

    state: dict[str, StateVar] = Field(default_factory=dict)
    events: list[Event] = Field(default_factory=list)
    reservation: dict[str, ReservationRule] = Field(default_factory=dict)

    @field_validator("events")
    @classmethod
    def _events(cls, v: list[Event]) -> list[Event]:
        return v


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
