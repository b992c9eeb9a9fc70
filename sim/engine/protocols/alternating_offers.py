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

from sim.engine.protocols import register
from sim.engine.protocols.base import (
    Parties,
    Protocol,
    ProtocolParams,
    ProtocolState,
    StepResult,
    check_actor_list,
    next_seat,
)

__all__ = ["AlternatingOffers", "AlternatingOffersParams"]


class AlternatingOffersParams(ProtocolParams):
    """Parameters of `AlternatingOffers`."""

    order: list[str] | None = Field(
        None,
        description="Proposer order (actor ids, each once); default: the participating "
        "actors seated by id (every actor if fewer than two participate).",
    )

    @field_validator("order")
    @classmethod
    def _order(cls, v: list[str] | None) -> list[str] | None:
        return check_actor_list(v, 2, "actors")


def unknown_actor_errors(
    names: Sequence[str] | None, actors: Sequence[str], field: str
) -> list[tuple[tuple, str]]:
    """``(location, message)`` for every entry of ``names`` that is not an actor id."""
    out = []
    for j, a in enumerate(names or ()):
        if a not in actors:
            out.append(((field, j), f"unknown actor '{a}'; allowed: {', '.join(actors)}"))
    return out


@register
class AlternatingOffers(Protocol):
    """Stacked alternating offers among the actors of ``order``.

    Rule: in round ``t`` the next active actor of ``order`` after the last proposer
    proposes a package of the current candidate set (or passes); every other active actor
    answers, in ``order`` after the proposer; the package passes under the acceptance rule
    (veto actors plus a quota, the proposer supporting its own offer). Sequencing, walking
    away and the deadline are the shared rules of `sim.engine.protocols.base`.
    """

    name = "alternating_offers"
    Params = AlternatingOffersParams

    @classmethod
    def reference_errors(cls, params: Any, actors: Sequence[str]) -> list[tuple[tuple, str]]:
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


def offer_round(
    protocol: Protocol,
    state: ProtocolState,
    parties: Parties,
    reservations: Sequence[float],
    proposer: int,
) -> StepResult:
    """One round in which ``proposer`` offers and the other active seats respond.

    Shared by the alternating-offers, random-proposer and summit protocols.
    """
    view = protocol.prepared.view(state.view)
    obs = protocol.observe(state, view, proposer, reservations[proposer], state.on_table,
                           state.history)
    row = parties.agents[proposer].propose(obs)
    if row is None:
        return protocol.conclude(
            state, view, proposer, None, (None,) * protocol.n, (), parties, reservations,
            turn=proposer,
        )
    row = int(row)
    protocol.check_proposal(view, proposer, row)
    history = (*state.history, (state.round, proposer, row))
    responders = protocol.responders_after(state.active, proposer)
    responses, accepted = protocol.ask(
        state, view, proposer, row, responders, parties, reservations, history
    )
    return protocol.conclude(
        state, view, proposer, row, responses, accepted, parties, reservations,
        turn=proposer, history=history,
    )
