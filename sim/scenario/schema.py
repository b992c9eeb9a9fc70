"""Scenario files: the pydantic v2 schema (the only schema for what is negotiated).

Core objects:
    Source: provenance (`sim.scenario.sources`), a graded verbatim ``quote`` from the source
        article or a one-line ``assumption``.
    Sourced: a number with its provenance (``{value: 0.3, source: {...}}``).
    Issue: an issue on the agenda with its ordered options (a mapping id -> label).
    RedLine: declarative constraints (``never``, ``at_least``, ``at_most``, ``not_both``,
        ``if_then``), a discriminated union on ``kind``; never code.
    Actor: weights, value tables, interactions, reservation value, patience, red lines,
        aggregation rule and (optionally) the strategy the engine gives it.
    Scenario: agenda, actors, agenda constraints and the protocol/dynamics slots.

Cross-field checks (unknown issues/options, weights, coverage of value tables) run in
`Scenario`'s validator and raise errors located at the offending field path.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from sim.scenario.sources import Source
from sim.scenario.specs import DynamicsSpec, ProtocolSpec, StrategySpec, reference_errors

SNAKE = r"^[a-z][a-z0-9_]*$"
SnakeId = Annotated[str, Field(pattern=SNAKE, description="snake_case identifier")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Sourced(_Model):
    """A number with its provenance."""

    value: float = Field(description="The parameter's value.")
    source: Source = Field(description="Provenance of the value.")


class ValueTable(_Model):
    """An actor's value for every option of one issue, each in [0, 1]."""

    value: dict[str, float] = Field(description="Option id -> value in [0, 1].")
    source: Source = Field(description="Provenance of the value table.")

    @field_validator("value")
    @classmethod
    def _in_unit_interval(cls, v: dict[str, float]) -> dict[str, float]:
        for key, x in v.items():
            if not (0.0 <= x <= 1.0):
                raise PydanticCustomError(
                    "value_range",
                    "value {value} for option '{option}' is outside [0, 1]",
                    {"value": x, "option": key},
                )
        return v


class Issue(_Model):
    """One issue on the agenda; options are ordered as written."""

    label: str = Field(default="", description="Display label.")
    options: dict[str, str] = Field(
        description="Ordered options: snake_case id -> display label (at least two)."
    )
    baseline: str | None = Field(
        default=None,
        description=(
            "The option meaning 'not adopted' for mean_of_adopted aggregation "
            "(default: the first option)."
        ),
    )
    description: str = Field(default="", description="What the issue is about.")

    @field_validator("options")
    @classmethod
    def _options(cls, v: dict[str, str]) -> dict[str, str]:
        if len(v) < 2:
            raise PydanticCustomError("options", "an issue needs at least two options")
        for key in v:
            if not re.match(SNAKE, key):
                raise PydanticCustomError(
                    "snake_id", "option id '{key}' is not snake_case", {"key": key}
                )
        return v


class Condition(_Model):
    """Issue ``issue`` takes ``option`` (or one of ``options``)."""

    issue: str = Field(description="Issue id.")
    option: str | None = Field(default=None, description="One option id.")
    options: list[str] | None = Field(default=None, description="Several option ids (any of them).")

    @model_validator(mode="after")
    def _one_of(self) -> Condition:
        if (self.option is None) == (self.options is None):
            raise PydanticCustomError("condition", "give exactly one of 'option' or 'options'")
        if self.options is not None and not self.options:
            raise PydanticCustomError("condition", "'options' must not be empty")
        return self


class _RedLineBase(_Model):
    name: SnakeId = Field(description="Red-line name, unique per actor.")
    source: Source = Field(description="Provenance of the red line.")
    label: str = Field(default="", description="Human-readable statement.")


class Never(_RedLineBase):
    """Never ``option`` (or any of ``options``) on ``issue``."""

    kind: Literal["never"]
    issue: str
    option: str | None = None
    options: list[str] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Never:
        if (self.option is None) == (self.options is None):
            raise PydanticCustomError("condition", "give exactly one of 'option' or 'options'")
        return self


class AtLeast(_RedLineBase):
    """``issue`` must be at ``option`` or later in its declared order."""

    kind: Literal["at_least"]
    issue: str
    option: str


class AtMost(_RedLineBase):
    """``issue`` must be at ``option`` or earlier in its declared order."""

    kind: Literal["at_most"]
    issue: str
    option: str


class NotBoth(_RedLineBase):
    """Not (``a`` and ``b``)."""

    kind: Literal["not_both"]
    a: Condition
    b: Condition


class IfThen(_RedLineBase):
    """If ``if`` holds then ``then`` must hold."""

    kind: Literal["if_then"]
    if_: Condition = Field(alias="if")
    then: Condition


RedLine = Annotated[Never | AtLeast | AtMost | NotBoth | IfThen, Field(discriminator="kind")]


class Interaction(_Model):
    """A bonus (delta > 0) or penalty (delta < 0) when two options occur together."""

    a: Condition
    b: Condition
    delta: float = Field(ge=-1.0, le=1.0, description="Added to the utility, in [-1, 1].")
    source: Source


class Actor(_Model):
    """One negotiating party (or bloc)."""

    label: str = Field(default="", description="Display name.")
    weights: dict[str, Sourced] = Field(
        description="Issue id -> weight (non-negative; normalised to sum 1)."
    )
    values: dict[str, ValueTable] = Field(description="Issue id -> option values in [0, 1].")
    interactions: list[Interaction] = Field(default_factory=list)
    aggregation: Literal["additive", "mean_of_adopted"] = Field(
        default="additive", description="How issue values combine into a package utility."
    )
    empty_value: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="mean_of_adopted: utility of a package adopting nothing.",
    )
    reservation: Sourced = Field(description="Utility of no deal (BATNA), in [0, 1].")
    patience: Sourced = Field(description="Discount factor per round, in (0, 1].")
    red_lines: list[RedLine] = Field(default_factory=list)
    participates: bool = Field(
        default=True, description="Whether its red lines and reservation bound the feasible set."
    )
    strategy: StrategySpec | None = Field(
        default=None, description="Negotiation strategy (engine)."
    )

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, Sourced]) -> dict[str, Sourced]:
        for key, w in v.items():
            if w.value < 0:
                raise PydanticCustomError(
                    "weight", "weight of '{key}' is negative ({w})", {"key": key, "w": w.value}
                )
        if v and sum(w.value for w in v.values()) <= 0:
            raise PydanticCustomError("weight", "weights are all zero")
        return v

    @field_validator("reservation")
    @classmethod
    def _reservation(cls, v: Sourced) -> Sourced:
        if not 0.0 <= v.value <= 1.0:
            raise PydanticCustomError("range", "reservation {v} is outside [0, 1]", {"v": v.value})
        return v

    @field_validator("patience")
    @classmethod
    def _patience(cls, v: Sourced) -> Sourced:
        if not 0.0 < v.value <= 1.0:
            raise PydanticCustomError("range", "patience {v} is outside (0, 1]", {"v": v.value})
        return v


class Scenario(_Model):
    """A negotiation scenario: what is negotiated, by whom, and (optionally) how."""

    name: str = Field(description="Scenario name.")
    description: str = Field(default="", description="What this scenario represents.")
    source_text: str | None = Field(
        default=None,
        description="Path (relative to the file) of the article that quotes must come from.",
    )
    issues: dict[str, Issue] = Field(description="Issue id -> issue, in agenda order.")
    actors: dict[str, Actor] = Field(description="Actor id -> actor, in file order.")
    constraints: list[RedLine] = Field(
        default_factory=list, description="Agenda-level constraints (mutually exclusive options)."
    )
    protocol: ProtocolSpec | None = Field(
        default=None, description="How the talks are run (engine)."
    )
    dynamics: DynamicsSpec | None = Field(
        default=None, description="The war while they talk (engine)."
    )
    default_strategy: StrategySpec | None = Field(
        default=None, description="Strategy for actors that do not name one."
    )

    @field_validator("issues", "actors")
    @classmethod
    def _ids(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if not v:
            raise PydanticCustomError("empty", "at least one entry is required")
        for key in v:
            if not re.match(SNAKE, key):
                raise PydanticCustomError(
                    "snake_id", "id '{key}' is not snake_case", {"key": key}
                )
        return v

    @model_validator(mode="after")
    def _cross_check(self) -> Scenario:
        errors: list[InitErrorDetails] = []

        def err(loc: tuple, msg: str) -> None:
            errors.append(
                InitErrorDetails(
                    type=PydanticCustomError("reference", msg), loc=loc, input=None
                )
            )

        issues = self.issues
        if not any(a.participates for a in self.actors.values()):
            err(("actors",), "at least one actor must participate (participates: true)")
        for iid, issue in issues.items():
            if issue.baseline is not None and issue.baseline not in issue.options:
                err(("issues", iid, "baseline"),
                    f"unknown option '{issue.baseline}'; allowed: {', '.join(issue.options)}")

        def check_cond(loc: tuple, issue_id: str, option: str | None, options: list | None):
            if issue_id not in issues:
                err(loc + ("issue",),
                    f"unknown issue '{issue_id}'; allowed: {', '.join(issues)}")
                return
            allowed = issues[issue_id].options
            if option is not None and option not in allowed:
                err(loc + ("option",),
                    f"unknown option '{option}' of issue '{issue_id}'; "
                    f"allowed: {', '.join(allowed)}")
            for j, o in enumerate(options or []):
                if o not in allowed:
                    err(loc + ("options", j),
                        f"unknown option '{o}' of issue '{issue_id}'; "
                        f"allowed: {', '.join(allowed)}")

        def check_red_line(loc: tuple, rl: Any) -> None:
            if isinstance(rl, Never):
                check_cond(loc, rl.issue, rl.option, rl.options)
            elif isinstance(rl, AtLeast | AtMost):
                check_cond(loc, rl.issue, rl.option, None)
            elif isinstance(rl, NotBoth):
                check_cond(loc + ("a",), rl.a.issue, rl.a.option, rl.a.options)
                check_cond(loc + ("b",), rl.b.issue, rl.b.option, rl.b.options)
            elif isinstance(rl, IfThen):
                check_cond(loc + ("if",), rl.if_.issue, rl.if_.option, rl.if_.options)
                check_cond(loc + ("then",), rl.then.issue, rl.then.option, rl.then.options)

        for aid, actor in self.actors.items():
            base = ("actors", aid)
            for iid in actor.weights:
                if iid not in issues:
                    err(base + ("weights", iid),
                        f"unknown issue '{iid}'; allowed: {', '.join(issues)}")
            missing = [i for i in issues if i not in actor.weights]
            if missing:
                err(base + ("weights",), f"missing weight for issue(s): {', '.join(missing)}")
            for iid, table in actor.values.items():
                if iid not in issues:
                    err(base + ("values", iid),
                        f"unknown issue '{iid}'; allowed: {', '.join(issues)}")
                    continue
                allowed = issues[iid].options
                for opt in table.value:
                    if opt not in allowed:
                        err(base + ("values", iid, "value", opt),
                            f"unknown option '{opt}' of issue '{iid}'; "
                            f"allowed: {', '.join(allowed)}")
                lacking = [o for o in allowed if o not in table.value]
                if lacking:
                    err(base + ("values", iid, "value"),
                        f"missing value for option(s): {', '.join(lacking)}")
            missing = [i for i in issues if i not in actor.values]
            if missing:
                err(base + ("values",), f"missing value table for issue(s): {', '.join(missing)}")
            for k, inter in enumerate(actor.interactions):
                loc: tuple[str | int, ...] = base + ("interactions", k)
                check_cond(loc + ("a",), inter.a.issue, inter.a.option, inter.a.options)
                check_cond(loc + ("b",), inter.b.issue, inter.b.option, inter.b.options)
            seen: set[str] = set()
            for k, rl in enumerate(actor.red_lines):
                loc = base + ("red_lines", k)
                if rl.name in seen:
                    err(loc + ("name",), f"duplicate red-line name '{rl.name}'")
                seen.add(rl.name)
                check_red_line(loc, rl)
        seen = set()
        for k, rl in enumerate(self.constraints):
            where: tuple = ("constraints", k)
            if rl.name in seen:
                err(where + ("name",), f"duplicate constraint name '{rl.name}'")
            seen.add(rl.name)
            check_red_line(where, rl)
        errors.extend(_engine_reference_errors(self))
        if errors:
            raise ValidationError.from_exception_data("Scenario", errors)
        return self


def _engine_reference_errors(scenario: Scenario) -> list[InitErrorDetails]:
    """Errors where protocol/dynamics/strategy settings name unknown actors or issues."""
    out = []
    found = reference_errors(
        tuple(scenario.actors), tuple(scenario.issues), scenario.protocol, scenario.dynamics
    )
    for loc, msg in found:
        out.append(
            InitErrorDetails(type=PydanticCustomError("reference", msg), loc=loc, input=None)
        )
    return out
