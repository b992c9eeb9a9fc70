"""The engine's run settings: protocol, strategy and dynamics specs (pydantic, frozen).

Core objects:
    StrategySpec: a registered strategy name plus its parameters.
    AcceptanceSpec: veto actors plus a quota among the other responders.
    ProtocolSpec: a registered protocol name, deadline, acceptance rule, sequencing,
        walking away, plus protocol-specific parameters.
    StateVar / Event / ReservationRule / DynamicsSpec: the exogenous war state, scheduled
        events, and each actor's reservation value as a declared linear function of it.
    SpecSource: provenance attached to a setting (ignored by the engine).
    RunConfig: how a prepared problem is run: the protocol, one strategy per actor and the
        war dynamics.
    DEFAULT_STRATEGY: the strategy of an actor that names none.

The engine owns these models; scenario files embed them (`sim.scenario.specs` adds the
checks against the registries: a registered ``kind`` and ``params`` valid for it). The
engine itself validates ``params`` when it builds a protocol or a strategy, so settings
made in Python are checked too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "DEFAULT_STRATEGY",
    "AcceptanceSpec",
    "AudienceCost",
    "CeasefireEffect",
    "DynamicsSpec",
    "Event",
    "ProtocolSpec",
    "ReservationRule",
    "RunConfig",
    "SpecSource",
    "StateVar",
    "StrategySpec",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SpecSource(_Model):
    """Provenance (same shape as `sim.scenario.sources.Source`; the loader checks it there).

    The engine ignores it: `sim.scenario.numbers.strip_engine_provenance` removes
    provenance from the engine slots of a file before validation.
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
    source: SpecSource | None = Field(
        default=None, description="Why this actor plays this strategy."
    )


class AcceptanceSpec(_Model):
    """Who must accept: every veto actor, plus ``quota`` of the other responders."""

    veto: list[str] | Literal["all"] = Field(default="all", description="Veto actors, or 'all'.")
    quota: int | Literal["all", "majority"] = Field(
        default="all", description="How many non-veto responders must also accept."
    )


class ProtocolSpec(_Model):
    """How the talks are run.

    ``kind`` must be a name of `sim.engine.protocols.names()`; ``params`` is validated by
    that class's ``Params`` model (unknown keys are errors). The shared rules (acceptance,
    sequencing, walking away, deadline) are documented in `sim.engine.protocols.base`.
    """

    kind: str = Field(description="Registered protocol name.")
    deadline: int = Field(default=30, ge=1, le=10_000, description="Rounds before the talks end.")
    acceptance: AcceptanceSpec = Field(default_factory=AcceptanceSpec)
    sequencing: Literal["package", "ceasefire_first"] = Field(
        default="package",
        description="Package deal, or the ceasefire issue settled first on its own.",
    )
    ceasefire_issue: str = Field(default="ceasefire", description="Issue settled first.")
    stage1_deadline: int = Field(
        default=10, ge=1, le=10_000,
        description="ceasefire_first: rounds of stage 1 (the ceasefire alone); stage 2 then "
        "has its own clock of `deadline` rounds.",
    )
    walk_away: bool = Field(
        default=True, description="Actors may leave when talks are not worth it."
    )
    walk_away_after: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Fraction of the deadline after which an actor also leaves when nothing "
        "the others have shown willingness toward beats its reservation value (before "
        "that, only when nothing left on the agenda does).",
    )
    walk_rule: Literal["seen", "expected"] = Field(
        default="seen",
        description="Rule 2 of walking away: 'seen' (from walk_away_after on, leave when "
        "nothing the others have shown beats the reservation value) or 'expected' (in any "
        "round, leave when the discounted estimate of what continuing is worth, from the "
        "offers seen, their trend, the patience and the time left, falls below it; "
        "walk_away_after is then unused).",
    )
    disagreement: Literal["undiscounted", "discounted"] = Field(
        default="undiscounted",
        description="The solver's no-deal value: 'undiscounted' (default, as the agents: no "
        "deal is worth the reservation value whenever it happens, and any actor may take it "
        "in any round) or 'discounted' (no deal only at the deadline, discounted to it).",
    )
    params: dict[str, Any] = Field(default_factory=dict, description="Protocol parameters.")


class StateVar(_Model):
    """One exogenous state variable: initial value, drift and noise per round, bounds.

    Each round: ``x <- clip(x + drift + noise * N(0, 1) + events, min, max)``.
    """

    initial: float = Field(description="Value before the first round.")
    drift: float = Field(default=0.0, description="Change per round.")
    noise: float = Field(
        default=0.0, ge=0.0, description="Standard deviation of the change per round."
    )
    min: float = Field(default=float("-inf"), description="Lower bound (values are clipped).")
    max: float = Field(default=float("inf"), description="Upper bound (values are clipped).")
    label: str = Field(default="", description="Display label.")
    source: SpecSource | None = Field(default=None, description="Provenance of these numbers.")

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
    label: str = Field(default="", description="Display label.")
    source: SpecSource | None = Field(default=None, description="Provenance of the event.")


class ReservationRule(_Model):
    """reservation(t) = clip(base + sum_k coef_k * (state_k(t) - state_k.initial), 0, 1)."""

    coefficients: dict[str, float] = Field(
        default_factory=dict, description="State variable -> reservation change per unit."
    )
    source: SpecSource | None = Field(default=None, description="Provenance of the coefficients.")


class AudienceCost(_Model):
    """A domestic constraint on a negotiator: a declared move of its own reservation value.

    reservation(t) gains ``shift + per_round * t`` (then clipped to [0, 1]), on top of
    the reservation rule of the war state: a leader who promised total victory cannot
    accept what it could have accepted otherwise (``shift > 0``); one whose approval is
    falling settles for less as the talks drag on (``per_round < 0``).
    """

    shift: float = Field(default=0.0, ge=-1.0, le=1.0, description="Constant change.")
    per_round: float = Field(
        default=0.0, ge=-1.0, le=1.0, description="Change per round (round 0: none)."
    )
    label: str = Field(default="", description="Display label.")
    source: SpecSource | None = Field(default=None, description="Why the constraint exists.")


class CeasefireEffect(_Model):
    """What an agreed stage-1 ceasefire changes in the war while stage 2 runs.

    From the round after stage 1 settles on one of ``options``, every state variable's
    drift and noise are multiplied by their factors (1 when not listed) and the events
    whose label is in ``skip_events`` no longer happen.
    """

    options: list[str] = Field(
        min_length=1, description="Ceasefire options that put a ceasefire in force."
    )
    drift: dict[str, float] = Field(
        default_factory=dict, description="State variable -> factor on its drift (0: stops)."
    )
    noise: dict[str, float] = Field(
        default_factory=dict, description="State variable -> factor on its noise."
    )
    skip_events: list[str] = Field(
        default_factory=list, description="Labels of the events a ceasefire calls off."
    )
    source: SpecSource | None = Field(default=None, description="Why a ceasefire does this.")

    @model_validator(mode="after")
    def _factors(self) -> CeasefireEffect:
        for name, group in (("drift", self.drift), ("noise", self.noise)):
            for var, x in group.items():
                if x < 0:
                    raise PydanticCustomError(
                        "factor", "{g}.{v}: a factor must be >= 0, got {x}",
                        {"g": name, "v": var, "x": x},
                    )
        return self


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
    audience_costs: dict[str, AudienceCost] = Field(
        default_factory=dict,
        description="Actor id -> a domestic constraint moving its own reservation value.",
    )
    ceasefire_effect: CeasefireEffect | None = Field(
        default=None, description="ceasefire_first: how an agreed stage-1 ceasefire changes "
        "the war during stage 2 (None: it changes nothing)."
    )


#: The strategy of an actor that names none when the scenario has no default_strategy:
#: linear concession (Faratin et al., 1998), the neutral middle of the time-dependent
#: family.
DEFAULT_STRATEGY = StrategySpec(kind="linear")


@dataclass(frozen=True)
class RunConfig:
    """How a prepared problem is run.

    Attributes:
        protocol: the protocol settings.
        strategies: one strategy spec per actor, in problem order.
        dynamics: the war dynamics, or None for constant reservation values.
    """

    protocol: ProtocolSpec
    strategies: tuple[StrategySpec, ...]
    dynamics: DynamicsSpec | None = None
