"""Random recognition of the proposer each round (Baron and Ferejohn).

Core object:
    RandomProposer (``random_proposer``): each round one actor is recognised as proposer
        with its recognition probability, drawn from the run's generator; the others
        respond; the acceptance rule decides (see `sim.engine.protocols.base`).

Source: D. P. Baron and J. A. Ferejohn (1989), "Bargaining in legislatures", *American
Political Science Review* 83(4), 1181-1206.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field, field_validator

from sim.engine.protocols.base import Game, Protocol
from sim.engine.protocols.records import (
    Parties,
    ProtocolError,
    ProtocolParams,
    ProtocolState,
    StepResult,
)
from sim.engine.protocols.registry import register
from sim.engine.protocols.rounds import offer_round

__all__ = ["RandomProposer", "RandomProposerParams"]


class RandomProposerParams(ProtocolParams):
    """Parameters of `RandomProposer`."""

    probabilities: dict[str, float] | None = Field(
        default=None,
        description="Recognition probability per actor at the table (non-negative; "
        "normalised to sum to one); default: uniform over the participating actors "
        "(every actor if fewer than two participate).",
    )

    @field_validator("probabilities")
    @classmethod
    def _probabilities(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None:
            if len(v) < 2:
                raise ValueError("needs at least two actors")
            bad = [a for a, p in v.items() if not p >= 0.0 or p == float("inf")]
            if bad:
                raise ValueError(f"probabilities must be finite and >= 0 ({', '.join(bad)})")
            if sum(v.values()) <= 0.0:
                raise ValueError("probabilities must not all be zero")
        return v


@register
class RandomProposer(Protocol[RandomProposerParams]):
    """Baron-Ferejohn bargaining: a randomly recognised proposer each round.

    Rule: in every round the proposer is drawn among the active actors with positive
    recognition probability, with probabilities renormalised over them (one uniform draw
    ``u`` from the run's generator, inverted through the cumulative probabilities in seat
    order); the proposer offers a package of the current candidate set, the other active
    actors respond in seat order after it, and the acceptance rule decides. Sequencing,
    walking away and the deadline are the shared rules of `sim.engine.protocols.base`.
    """

    name = "random_proposer"
    Params = RandomProposerParams
    solvable = True

    @classmethod
    def reference_errors(
        cls, params: Any, actors: Sequence[str]
    ) -> list[tuple[tuple[Any, ...], str]]:
        """Unknown actors among the keys of ``probabilities``."""
        out: list[tuple[tuple[Any, ...], str]] = []
        for a in params.probabilities or {}:
            if a not in actors:
                out.append((("probabilities", a),
                            f"unknown actor '{a}'; allowed: {', '.join(actors)}"))
        return out

    def choose_seats(self) -> Sequence[int]:
        """The actors named in ``probabilities``, or the participating actors."""
        probs = self.params.probabilities
        if probs is not None:
            seats = [self.index[a] for a in probs]
            self.probability = {self.index[a]: float(p) for a, p in probs.items()}
        else:
            seats = self.participants()
            self.probability = {s: 1.0 / len(seats) for s in seats}
        return seats

    def proposers(self, active: Sequence[int]) -> tuple[int, ...]:
        """Active actors with a positive recognition probability."""
        return tuple(a for a in active if self.probability[a] > 0.0)

    def _step(
        self,
        state: ProtocolState,
        parties: Parties,
        reservations: Sequence[float],
        rng: np.random.Generator,
    ) -> StepResult:
        """One round with a proposer drawn from ``rng`` (the run's generator)."""
        return offer_round(self, state, parties, reservations, self.draw(state, rng))

    def game(self) -> Game:
        """Baron-Ferejohn bargaining among the seats with the recognition probabilities."""
        p = np.array([self.probability[a] for a in self.seats], dtype=np.float64)
        return self._game("random", probabilities=p / p.sum())

    def draw(self, state: ProtocolState, rng: Any) -> int:
        """Recognise a proposer among the active actors (one ``rng.random()`` draw)."""
        candidates = self.proposers(state.active)
        if not candidates:
            raise ProtocolError(f"{self.name}: nobody left who can be recognised")
        total = sum(self.probability[a] for a in candidates)
        u = float(rng.random()) * total
        acc = 0.0
        for a in candidates:
            acc += self.probability[a]
            if u < acc:
                return a
        return candidates[-1]
