"""Issue kinds, generated value tables and actor scales in scenario files.

Core objects (used by `sim.scenario.schema` and `sim.scenario.compile`):
    IssueKindFields: ``kind`` (``options``, ``divisible``, ``split``) and ``among`` of an
        issue; `check_issue_kind` checks an issue's fields fit its kind.
    LinearValues, Linear: a value table given as ``linear: {at_0, at_1}`` instead of
        listing every option (``at_0 + (at_1 - at_0) * share``).
    ScaleRange, ScaledValidation, current_scale: an actor's ``scale`` (its scores run
        from ``min`` to ``max`` instead of 0 to 1) and the validation context that checks
        its value tables and reservation value against that range.
    option_ids, value_table_errors, table_required, among_errors: cross-field checks.
    compile_options, compile_values, normalise: what compilation needs.

Issue kinds
    ``options`` (the default): the options are listed (``options: {id: label}``).
    ``divisible``: a share of something in ``steps`` equal steps: options ``0_of_N`` ..
        ``N_of_N`` (share ``j / N``), generated.
    ``split``: a pie of ``steps`` units divided among the actors listed in ``among``:
        one option per division, ``a_40__b_60`` (actor, units), generated; an actor's
        value table defaults to its own share (``linear: {at_0: 0, at_1: 1}``).
    Generated issues list no options; at most 25,000,000 options per issue.

Scales
    An actor with ``scale: {value: {min: 0, max: 100}, source: ...}`` writes its value
    tables and reservation value in its own units; compilation maps ``x`` to
    ``(x - min) / (max - min)``, and reports convert back. Interaction deltas, the
    reservation rules of the dynamics and generated (``linear``) values of split issues
    given without a table stay in normalised units.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from math import comb
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, ModelWrapValidatorHandler, model_validator
from pydantic_core import PydanticCustomError

from sim.core.generated import DivisibleOptions, Linear, SplitOptions

__all__ = [
    "MAX_GENERATED",
    "IssueKindFields",
    "LinearTable",
    "LinearValues",
    "ScaleRange",
    "ScaledValidation",
    "allowed_text",
    "among_errors",
    "check_issue_kind",
    "compile_options",
    "compile_values",
    "current_scale",
    "normalise",
    "option_ids",
    "table_required",
    "value_table_errors",
]

#: The most options a generated issue may have.
MAX_GENERATED = 25_000_000
GENERATED = ("divisible", "split")

_SCALE: ContextVar[tuple[float, float]] = ContextVar("negsim_scale", default=(0.0, 1.0))


def current_scale() -> tuple[float, float]:
    """The ``(min, max)`` of the actor being validated ((0, 1) outside an actor)."""
    return _SCALE.get()


def out_of_scale(x: float) -> bool:
    """Whether ``x`` lies outside the current actor's scale."""
    lo, hi = current_scale()
    return not lo <= x <= hi


def scale_text() -> str:
    """The current scale as ``[min, max]``."""
    lo, hi = current_scale()
    return f"[{lo:g}, {hi:g}]"


@contextmanager
def _scaled(bounds: tuple[float, float]) -> Iterator[None]:
    token = _SCALE.set(bounds)
    try:
        yield
    finally:
        _SCALE.reset(token)


class ScaleRange(BaseModel):
    """An actor's score range."""

    model_config = {"extra": "forbid", "frozen": True}

    min: float = Field(description="The score of the worst outcome (utility 0).")
    max: float = Field(description="The score of the best outcome (utility 1).")

    @model_validator(mode="after")
    def _ordered(self) -> ScaleRange:
        if not (np.isfinite(self.min) and np.isfinite(self.max) and self.min < self.max):
            raise PydanticCustomError("scale", "need finite min < max, got [{lo}, {hi}]",
                                      {"lo": self.min, "hi": self.max})
        return self


def _raw_bounds(data: Any) -> tuple[float, float]:
    """The scale an actor's raw mapping declares ((0, 1) when absent or malformed)."""
    try:
        value = data["scale"]["value"]
        lo, hi = float(value["min"]), float(value["max"])
    except (KeyError, TypeError, ValueError):
        return 0.0, 1.0
    return (lo, hi) if np.isfinite(lo) and np.isfinite(hi) and lo < hi else (0.0, 1.0)


class ScaledValidation(BaseModel):
    """Validates an actor's value tables and reservation value against its ``scale``."""

    @model_validator(mode="wrap")
    @classmethod
    def _within_scale(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        bounds = _raw_bounds(data) if isinstance(data, dict) else (0.0, 1.0)
        with _scaled(bounds):
            return handler(data)


class LinearTable(BaseModel):
    """``at_0 + (at_1 - at_0) * share``: the values of a generated issue's options."""

    model_config = {"extra": "forbid", "frozen": True}

    at_0: float = Field(description="Value of share 0 (nothing, or none of the pie).")
    at_1: float = Field(description="Value of share 1 (all of it, or the whole pie).")

    @model_validator(mode="after")
    def _in_scale(self) -> LinearTable:
        for name in ("at_0", "at_1"):
            x = getattr(self, name)
            if out_of_scale(x):
                raise PydanticCustomError("value_range", "{name} {value} is outside {scale}",
                                          {"name": name, "value": x, "scale": scale_text()})
        return self


class LinearValues(BaseModel):
    """The ``linear`` alternative to listing a value for every option."""

    linear: LinearTable | None = Field(
        None, description="Divisible or split issues: values linear in the share.")

    @model_validator(mode="after")
    def _one_form(self) -> Any:
        if (getattr(self, "value", None) is None) == (self.linear is None):
            raise PydanticCustomError("values", "give exactly one of 'value' or 'linear'")
        return self


class IssueKindFields(BaseModel):
    """The kind of an issue and, for a split, who shares the pie."""

    kind: Literal["options", "divisible", "split"] = Field(
        "options", description="options (listed), divisible (a share in steps) or split "
        "(a pie of steps units divided among the actors of 'among').")
    among: list[str] | None = Field(None, description="split: the actors sharing the pie.")


def check_issue_kind(issue: Any) -> Any:
    """Raise the first mismatch between an issue's kind and its fields."""
    kind, steps = issue.kind, issue.steps
    if kind == "options":
        if steps is not None or issue.among is not None:
            raise PydanticCustomError("kind", "'steps' and 'among' need kind divisible or split")
        return issue
    if issue.options:
        raise PydanticCustomError("kind", "a {kind} issue generates its options: do not list "
                                  "'options'", {"kind": kind})
    if steps is None:
        raise PydanticCustomError("kind", "a {kind} issue needs 'steps'", {"kind": kind})
    n = steps.value
    if n != int(n) or n < 1:
        raise PydanticCustomError("kind", "steps must be a positive integer, got {n}", {"n": n})
    if kind == "divisible":
        if issue.among is not None:
            raise PydanticCustomError("kind", "'among' needs kind split")
        size = int(n) + 1
    else:
        among = issue.among or []
        if not among or len(set(among)) != len(among):
            raise PydanticCustomError("kind", "a split needs 'among': one or more distinct actors")
        size = comb(int(n) + len(among) - 1, len(among) - 1)
    if size > MAX_GENERATED:
        raise PydanticCustomError(
            "kind", "{size:,} options is too many (at most {cap:,}): fewer steps or actors",
            {"size": size, "cap": MAX_GENERATED})
    return issue


def option_ids(issue: Any) -> Sequence[str]:
    """The issue's option ids: the listed ones, or the generated sequence."""
    if issue.kind == "divisible":
        return DivisibleOptions(int(issue.steps.value))
    if issue.kind == "split":
        return SplitOptions(tuple(issue.among), int(issue.steps.value))
    return tuple(issue.options)


compile_options = option_ids


def allowed_text(allowed: Sequence[str]) -> str:
    """The options an error message lists: all listed ones, or the generated range."""
    if isinstance(allowed, tuple):
        return ", ".join(allowed)
    return f"{allowed[0]} ... {allowed[-1]} ({len(allowed):,} generated options)"


def table_required(issue: Any) -> bool:
    """Whether every actor must give a value table for the issue (not for splits)."""
    return bool(issue.kind != "split")


def value_table_errors(iid: str, issue: Any, table: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Problems of one value table, located relative to ``values.<iid>``."""
    if table.linear is not None:
        if issue.kind == "options":
            return [(("linear",), "linear values need a divisible or split issue")]
        return []
    allowed = option_ids(issue)
    out: list[tuple[tuple[Any, ...], str]] = []
    listed = issue.kind == "options"
    members = set(allowed) if listed else allowed  # a set: no quadratic time on long lists
    for opt in table.value:
        if opt not in members:
            hint = allowed_text(allowed)
            out.append((("value", opt), f"unknown option '{opt}' of issue '{iid}'; "
                                        f"allowed: {hint}"))
    if listed:
        lacking = [o for o in allowed if o not in table.value]
        if lacking:
            out.append((("value",), f"missing value for option(s): {', '.join(lacking)}"))
    elif sum(o in allowed for o in table.value) < len(allowed):
        out.append((("value",), f"missing values: list all {len(allowed):,} options or "
                                "give 'linear'"))
    return out


def among_errors(issues: dict[str, Any], actors: Sequence[str]) -> list[tuple[tuple[Any, ...],
                                                                             str]]:
    """Split issues naming unknown actors in ``among``."""
    out: list[tuple[tuple[Any, ...], str]] = []
    for iid, issue in issues.items():
        for j, a in enumerate(issue.among or []):
            if a not in actors:
                out.append((("issues", iid, "among", j),
                            f"unknown actor '{a}'; allowed: {', '.join(actors)}"))
    return out


def normalise(x: float, bounds: tuple[float, float]) -> float:
    """A score in the actor's units as a utility in [0, 1]."""
    lo, hi = bounds
    return (float(x) - lo) / (hi - lo)


def compile_values(issue: Any, options: Sequence[str], table: Any, actor: str,
                   bounds: tuple[float, float]) -> np.ndarray | Linear:
    """One actor's value table for one issue: an array, or a `Linear` recipe."""
    if table is None or table.linear is not None:
        at_0, at_1 = (0.0, 1.0) if table is None else (
            normalise(table.linear.at_0, bounds), normalise(table.linear.at_1, bounds))
        assert isinstance(options, DivisibleOptions | SplitOptions)
        part = None
        if isinstance(options, SplitOptions) and actor in options.recipients:
            part = options.recipients.index(actor)
        return Linear(options, at_0, at_1, part)
    values = np.fromiter((table.value[o] for o in options), dtype=np.float64,
                         count=len(options))
    lo, hi = bounds
    return (values - lo) / (hi - lo)
