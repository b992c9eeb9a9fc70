"""Multilateral stacked alternating offers with a configurable proposer order.

Core object:
    AlternatingOffers (``alternating_offers``): each round the next actor in ``order``
        proposes; the others respond in seat order after it; the package passes when the
        acceptance rule is met (see `sim.engine.protocols.base`).

Source: R. Aydogan, D. Festen, K. Hindriks and C. Jonker (2017), "Alternating offers
protocols for multilateral negotiation", in *Modern Approaches to Agent-based Complex
Automated Negotiation*, Springer, 153-167 (the stacked alternating offers protocol, here
with every responder answering every offer); A. Rubinstein (1982), "Perfect equilibrium
in a bargaining model", *Econometrica* 50(1), 97-109, for two parties.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field, field_validator

from sim.engine.protocols.base import Game, Protocol
from sim.engine.protocols.records import Parties, ProtocolParams, ProtocolState, StepResult
from sim.engine.protocols.registry import register
from sim.engine.protocols.rounds import offer_round
from sim.engine.protocols.rules import check_actor_list, next_seat, unknown_actor_errors

__all__ = ["AlternatingOffers", "AlternatingOffersParams"]


class AlternatingOffersParams(ProtocolParams):
    """Parameters of `AlternatingOffers`."""

    order: list[str] | None = Field(
        default=None,
        description="Proposer order (actor ids, each once); default: the participating "
        "actors seated by id (every actor if fewer than two participate).",
    )

    @field_validator("order")
    @classmethod
    def _order(cls, v: list[str] | None) -> list[str] | None:
        return check_actor_list(v, 2, "actors")


@register
class AlternatingOffers(Protocol[AlternatingOffersParams]):
    """Stacked alternating offers among the actors of ``order``.

    Rule: in round ``t`` the next active actor of ``order`` after the last proposer
    proposes a package of the current candidate set (or passes); every other active actor
    answers, in ``order`` after the proposer; the package passes under the acceptance rule
    (veto actors plus a quota, the proposer supporting its own offer). Sequencing, walking
    away and the deadline are the shared rules of `sim.engine.protocols.base`.
    """

    name = "alternating_offers"
    Params = AlternatingOffersParams
    solvable = True
    rotating = True

    @classmethod
    def reference_errors(
        cls, params: Any, actors: Sequence[str]
    ) -> list[tuple[tuple[Any, ...], str]]:
        """Unknown actors in ``order``."""
        return unknown_actor_errors(params.order, actors, "order")

    def choose_seats(self) -> Sequence[int]:
        """``params.order``, or the participating actors seated by id."""
        if self.params.order is not None:
            return [self.index[a] for a in self.params.order]
        return self.participants()

    def _step(
        self,
        state: ProtocolState,
        parties: Parties,
        reservations: Sequence[float],
        rng: np.random.Generator,
    ) -> StepResult:
        """One round: the next proposer offers, the others respond (see the class)."""
        return offer_round(self, state, parties, reservations, self.next_proposer(state))

    def next_proposer(self, state: ProtocolState) -> int:
        """The next active seat after the last proposer."""
        return next_seat(self.seats, state.active, state.turn)

    def game(self) -> Game:
        """Alternating offers among the seats, proposers in seat order."""
        return self._game("alternating")
