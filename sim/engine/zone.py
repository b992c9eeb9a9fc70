"""The acceptance rule of a protocol as a `sim.core.zone.VotingRule` (for the analysis).

Core object:
    voting_rule: build the protocol on a prepared problem and read off who sits at the
        table, who must accept and who may propose.

How a protocol maps onto the rule
    A solvable protocol's game (`Protocol.game`) gives it: the game's seats, veto
    players and quota; proposers are every seat (alternating offers, the summit) or the
    seats with positive recognition probability (random proposer); the game's extra
    restriction carries over (the summit: only what its ratifiers would ratify at their
    base reservation values, and the ratifiers count among the rule's voters, whose
    utilities the bargaining solutions weigh). Any other protocol gives its seats and
    acceptance rule; when nobody proposes (a mediator drafts: ``NEUTRAL`` in
    `Protocol.proposers`) the rule has no proposers, and a mediator that is an actor
    drafts only inside its own red lines and the agenda constraints, which then restrict
    the zone too. Sequencing is not part of the zone (the package as a whole is judged).
"""

from __future__ import annotations

import numpy as np

from sim.core.zone import VotingRule
from sim.engine.prepared import Prepared
from sim.engine.protocols import PROTOCOLS
from sim.engine.protocols.records import NEUTRAL
from sim.engine.settings import ProtocolSpec

__all__ = ["voting_rule"]


def voting_rule(prepared: Prepared, spec: ProtocolSpec) -> VotingRule:
    """The acceptance rule the protocol ``spec`` applies on ``prepared`` (see the module).

    Raises:
        ProtocolError: the protocol cannot be set up for this problem.
    """
    protocol = PROTOCOLS.get(spec.kind)(prepared, spec)
    if protocol.solvable:
        game = protocol.game()
        seats = tuple(game.seats)
        proposers = seats
        if game.probabilities is not None:
            proposers = tuple(a for a, p in zip(seats, game.probabilities, strict=True) if p > 0)
        restrict = None if game.acceptable is None else np.asarray(game.acceptable, dtype=bool)
        ratifiers = tuple(getattr(protocol, "ratifiers", ())) if protocol.ratifies else ()
        return VotingRule(seats, frozenset(seats[j] for j in game.veto), game.quota, proposers,
                          restrict, spec.kind, ratifiers)
    seats = tuple(protocol.seats)
    able = tuple(a for a in protocol.proposers(seats) if a != NEUTRAL)
    restrict = None
    mediator = protocol.mediator()
    if mediator is not None and mediator[0] != NEUTRAL:
        restrict = np.asarray(prepared.agenda_ok & prepared.red_ok[:, mediator[0]], dtype=bool)
    return VotingRule(seats, protocol.rule.veto, protocol.rule.quota, able or None, restrict,
                      spec.kind)
