"""The compiled negotiation problem: plain arrays, no pydantic, no mesa.

Core objects:
    Literal: "issue i takes one of these options" (a boolean mask over the issue's options).
    Clause: a conjunction of literals that is *forbidden*. Every red line and agenda
        constraint compiles to one clause ("never X" = forbid [I=X]; "at least Y" =
        forbid [I below Y]; "not (A and B)" = forbid [A][B]; "if A then B" = forbid [A][not B]).
    Interaction: a bonus or penalty added to an actor's utility when two options co-occur.
    Preferences: one actor's weights, value tables, interactions, aggregation rule,
        reservation value, patience and red lines.
    Problem: the agenda (issues with ordered options), the actors' preferences and the
        agenda-level constraints.

The scenario layer (`sim.scenario`) builds a `Problem`; everything numeric in
`sim.core` consumes one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray
from .durability import DurabilityModel

ADDITIVE = "additive"
MEAN_OF_ADOPTED = "mean_of_adopted"
AGGREGATIONS = (ADDITIVE, MEAN_OF_ADOPTED)


@dataclass(frozen=True)
class Literal:
    """Issue ``issue`` takes one of the options where ``mask`` is true."""

    issue: int
    mask: BoolArray  # shape (n_options_of_issue,)


@dataclass(frozen=True)
class Clause:
    """A forbidden conjunction: a package is blocked when *all* literals hold."""

    name: str
    literals: tuple[Literal, ...]


@dataclass(frozen=True)
class Interaction:
    """``delta`` is added to the utility when both (issue_a, option_a) and (issue_b, option_b)."""

    issue_a: int
    option_a: int
    issue_b: int
    option_b: int
    delta: float


@dataclass(frozen=True)
class Preferences:
    """One actor's preferences over packages.

    Attributes:
        weights: shape (n_issues,), non-negative, sums to 1.
        values: one array per issue, shape (n_options,), each value in [0, 1] (a
            `sim.core.generated.ValueTables` builds generated issues' tables on demand).
        interactions: pairwise bonuses/penalties; the total utility is clipped to [0, 1].
        aggregation: ``additive`` (weighted sum) or ``mean_of_adopted`` (weighted mean of the
            values of the adopted items; the empty package scores ``empty_value``).
        reservation: utility of no deal, in [0, 1].
        patience: discount factor per round, in [0, 1].
        red_lines: forbidden clauses; a package hitting any of them is unacceptable.
        empty_value: the score of a package that adopts nothing (``mean_of_adopted`` only).
        bargaining_power: the actor's exponent in the (asymmetric) Nash product, >= 0.
    """

    weights: FloatArray
    values: Sequence[FloatArray]
    interactions: tuple[Interaction, ...] = ()
    aggregation: str = ADDITIVE
    reservation: float = 0.0
    patience: float = 1.0
    red_lines: tuple[Clause, ...] = ()
    empty_value: float = 0.0
    bargaining_power: float = 1.0


@dataclass(frozen=True)
class Problem:
    """A negotiation problem over the product space of the issues' options.

    Attributes:
        issues: issue ids, in agenda order.
        options: per issue, its option ids in their declared order (a tuple, or a
            generated sequence of `sim.core.generated` for divisible and split issues).
        actors: actor ids, in file order.
        preferences: one `Preferences` per actor, aligned with ``actors``.
        constraints: agenda-level forbidden clauses (mutually exclusive options).
        adopted: per issue, a bool mask of the options that count as "adopted" for
            ``mean_of_adopted`` (by default every option but the first).
        participants: indices of the actors whose red lines and reservation values define
            the feasible set (by default all).
        labels: display names: ``issues`` and ``actors`` map ids to labels, ``options``
            maps each issue id to ``{option id: label}`` (empty when not compiled from a
            scenario).
        durability: the declared durability model (`sim.core.durability`), or None.
    """

    issues: tuple[str, ...]
    options: tuple[Sequence[str], ...]
    actors: tuple[str, ...]
    preferences: tuple[Preferences, ...]
    constraints: tuple[Clause, ...] = ()
    adopted: tuple[BoolArray, ...] | None = None
    participants: tuple[int, ...] | None = None
    labels: dict[str, Any] = field(default_factory=dict)
    durability: DurabilityModel | None = None

    @property
    def n_issues(self) -> int:
        """Number of issues."""
        return len(self.issues)

    @property
    def n_actors(self) -> int:
        """Number of actors."""
        return len(self.actors)

    @property
    def radix(self) -> IntArray:
        """Options per issue (the mixed radix of package indices)."""
        return np.array([len(o) for o in self.options], dtype=np.int64)

    @property
    def n_outcomes(self) -> int:
        """Size of the full outcome space (product of options per issue)."""
        return int(np.prod(self.radix)) if self.options else 1

    def adopted_masks(self) -> tuple[BoolArray, ...]:
        """The adopted-option masks, defaulting to every option but the first."""
        if self.adopted is not None:
            return self.adopted
        masks = []
        for opts in self.options:
            m = np.ones(len(opts), dtype=bool)
            m[0] = False
            masks.append(m)
        return tuple(masks)

    def participant_indices(self) -> tuple[int, ...]:
        """Actors whose red lines and reservation values bound the feasible set."""
        if self.participants is not None:
            return self.participants
        return tuple(range(self.n_actors))
