"""The round logic every protocol shares: observe, ask, conclude, walk away.

Core objects:
    observe: the one builder of a negotiator's frozen `Observation`.
    ask: put a package to responders; every response and who accepted (red lines bind).
    offer_round: a round in which one proposer offers and the others respond (alternating
        offers, random proposer, the summit).
    conclude: finish a round the same way for every protocol: acceptance, stage change or
        deal, walking away, deadline (the rules are documented in
        `sim.engine.protocols.base`).

Functions of the protocol, so that the protocol class stays a configuration plus hooks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.observation import Observation, Response
from sim.engine.protocols.base import Protocol, relative_times
from sim.engine.protocols.records import (
    AGREEMENT,
    DEADLINE,
    NEUTRAL,
    REJECTED,
    STILLBORN,
    WALK_AWAY,
    Outcome,
    Parties,
    ProtocolState,
    RoundRecord,
    StepResult,
)
from sim.errors import InternalError

if TYPE_CHECKING:
    from sim.engine.prepared import StageView

__all__ = ["ask", "check_proposal", "clock", "conclude", "observe", "offer_round", "stage_time"]

History = tuple[tuple[int, int, int], ...]


def clock(protocol: Protocol, state: ProtocolState) -> tuple[int, int]:
    """``(first round, number of rounds)`` of the current stage's clock."""
    if protocol.ceasefire_issue is None:
        return 0, protocol.deadline
    if state.view[0] == "ceasefire":
        return 0, protocol.stage1_deadline
    return state.stage_start, protocol.stage2_deadline


def stage_time(protocol: Protocol, state: ProtocolState) -> tuple[int, int, float]:
    """``(round, deadline, relative time)`` on the current stage's clock."""
    start, length = clock(protocol, state)
    local = state.round - start
    return local, length, relative_times(length)[min(local, length - 1)]


def _late(protocol: Protocol, state: ProtocolState) -> bool:
    """Whether walk-away rule 2 applies in this round (``walk_away_after`` reached)."""
    if protocol.ceasefire_issue is None:
        return state.round >= protocol.walk_from
    start, length = clock(protocol, state)
    return state.round - start >= math.ceil(protocol.walk_away_after * length)


def _stage_over(protocol: Protocol, state: ProtocolState) -> bool:
    """Whether the round just played (``state.round``) was the last of its stage."""
    start, length = clock(protocol, state)
    return state.round + 1 >= start + length


def observe(
    protocol: Protocol,
    state: ProtocolState,
    view: StageView,
    actor: int,
    reservation: float,
    on_table: int | None,
    history: History,
) -> Observation:
    """The frozen observation of ``actor`` in the current round and stage."""
    if protocol.ceasefire_issue is None:
        t, deadline, time = state.round, protocol.deadline, protocol.times[state.round]
    else:  # every stage has its own clock
        t, deadline, time = stage_time(protocol, state)
    u, order, su, asc, acc, values, weights = view.parts[actor]
    beliefs = state.beliefs
    return Observation(
        t, deadline, time, actor, protocol.n, protocol.packages, u,
        order, su, acc, float(reservation), history, on_table, values, weights,
        float(protocol.prepared.patience[actor]), asc, protocol.prepared.issue_rank,
        None if beliefs is None else beliefs.of(actor),
    )


def ask(
    protocol: Protocol,
    state: ProtocolState,
    view: StageView,
    row: int,
    responders: Iterable[int],
    parties: Parties,
    reservations: Sequence[float],
    history: History,
) -> tuple[tuple[Response | None, ...], tuple[int, ...]]:
    """Put ``row`` to ``responders``; return every response and who accepted.

    An acceptance of a row outside the responder's acceptable set counts as a rejection
    (red lines bind). Rejections name the issues objected to only where the protocol
    reads them (``records_objections``).
    """
    responses: list[Response | None] = [None] * protocol.n
    accepted = []
    agents = parties.agents
    explain = protocol.records_objections
    for a in responders:
        obs = observe(protocol, state, view, a, reservations[a], row, history)
        resp = agents[a].respond(obs, row, explain)
        responses[a] = resp
        if resp.accept and obs.acceptable[row]:
            accepted.append(a)
    return tuple(responses), tuple(accepted)


def check_proposal(protocol: Protocol, view: StageView, actor: int, row: int) -> None:
    """Fail loudly when an agent proposes outside its own acceptable set (a strategy bug).

    Raises:
        InternalError: the proposal is outside the actor's acceptable set.
    """
    if not (0 <= row < view.candidate.shape[0]) or not view.acceptable[actor][row]:
        raise InternalError(
            f"{protocol.actors[actor]} proposed package row {row}, outside its acceptable "
            "set in this stage (a strategy bug)"
        )


def offer_round(
    protocol: Protocol,
    state: ProtocolState,
    parties: Parties,
    reservations: Sequence[float],
    proposer: int,
) -> StepResult:
    """One round in which ``proposer`` offers and the other active seats respond."""
    view = protocol.prepared.view(state.view)
    obs = observe(protocol, state, view, proposer, reservations[proposer], state.on_table,
                  state.history)
    row = parties.agents[proposer].propose(obs)
    if row is None:
        return conclude(
            protocol, state, view, proposer, None, (None,) * protocol.n, (), parties,
            reservations, turn=proposer,
        )
    row = int(row)
    check_proposal(protocol, view, proposer, row)
    history = (*state.history, (state.round, proposer, row))
    responders = protocol.responders_after(state.active, proposer)
    responses, accepted = ask(
        protocol, state, view, row, responders, parties, reservations, history
    )
    return conclude(
        protocol, state, view, proposer, row, responses, accepted, parties, reservations,
        turn=proposer, history=history,
    )


def conclude(
    protocol: Protocol,
    state: ProtocolState,
    view: StageView,
    proposer: int | None,
    row: int | None,
    responses: tuple[Response | None, ...],
    accepted: tuple[int, ...],
    parties: Parties,
    reservations: Sequence[float],
    *,
    turn: int | None = None,
    history: History | None = None,
    texts: tuple[int, ...] | None = None,
    objections: tuple[dict[int, tuple[int, ...]], ...] | None = None,
    proposer_supports: bool = True,
) -> StepResult:
    """Finish a round: acceptance, stage change or deal, walking away, deadline.

    Args:
        protocol: the protocol.
        state: the state before the round.
        view: the current stage view.
        proposer: who proposed or drafted (`NEUTRAL` for a neutral mediator), or None.
        row: the proposal, or None for a pass.
        responses: per actor index, its response.
        accepted: the responders who accepted (red lines already applied).
        parties: the agents (for ratification).
        reservations: per actor index, this round's reservation value.
        turn: the new rotation pointer (default: unchanged).
        history: the stage history including this round's proposal.
        texts: single text: the texts including this round's.
        objections: single text: the objections including this round's.
        proposer_supports: whether the proposer counts as accepting its proposal (False
            for a mediator's text: every party answers it, the mediator's own party
            included).

    Returns:
        The step result.
    """
    t = state.round
    history = state.history if history is None else history
    turn = state.turn if turn is None else turn
    texts = state.texts if texts is None else texts
    objections = state.objections if objections is None else objections
    sponsor = NEUTRAL if proposer is None or not proposer_supports else proposer
    if row is not None and protocol.rule.passes(sponsor, accepted, state.active):
        return _settle(protocol, state, view, proposer, row, responses, parties,
                       reservations, turn, history, texts, objections)
    seen = state.seen
    walked: tuple[int, ...] = ()
    active, all_walked = state.active, state.walked
    if protocol.walk_away:
        if row is not None:
            supporters = accepted if proposer is None else (proposer, *accepted)
            seen = _update_seen(seen, view, row, supporters, active)
        walked = _walk_outs(protocol, state, view, seen, reservations, history)
        if walked:
            active = tuple(a for a in active if a not in walked)
            all_walked = all_walked + walked
    new = ProtocolState(
        t + 1, state.view, active, turn, state.on_table if row is None else row, history,
        seen, state.ceasefire, state.ceasefire_round, all_walked, texts, objections,
        beliefs=state.beliefs, attempts=state.attempts, stage_start=state.stage_start,
    )
    outcome = None
    event = ""
    if walked and _breaks_down(protocol, walked, active):
        event = WALK_AWAY
    elif view.name == "ceasefire" and _stage_over(protocol, state):
        # stage 1 ran out: stage 2 opens on the whole package, the ceasefire still open
        new = ProtocolState(t + 1, ("package",), active, turn, None, (),
                            (-math.inf,) * protocol.n, None, None, all_walked,
                            stage_start=t + 1)
    elif _stage_over(protocol, state):
        event = DEADLINE
    if event:
        outcome = Outcome(event, None, t, state.ceasefire, state.ceasefire_round, None,
                          all_walked, state.attempts)
    record = RoundRecord(t, view.name, proposer, row, responses, False, event, walked)
    return StepResult(new, record, outcome)


def _settle(
    protocol: Protocol,
    state: ProtocolState,
    view: StageView,
    proposer: int | None,
    row: int,
    responses: tuple[Response | None, ...],
    parties: Parties,
    reservations: Sequence[float],
    turn: int,
    history: History,
    texts: tuple[int, ...],
    objections: tuple[dict[int, tuple[int, ...]], ...],
) -> StepResult:
    """A passed proposal: settle stage 1 (ceasefire) or end the talks with the deal."""
    t = state.round
    if view.name == "ceasefire":
        issue = protocol.ceasefire_issue
        assert issue is not None  # a ceasefire stage exists only under ceasefire_first
        option = int(protocol.packages[row, issue])
        new = ProtocolState(
            t + 1, ("rest", issue, option), state.active, turn, None, (),
            (-math.inf,) * protocol.n, option, t, state.walked, stage_start=t + 1,
            beliefs=state.beliefs, attempts=state.attempts,
        )
        record = RoundRecord(t, view.name, proposer, row, responses, True, "ceasefire")
        return StepResult(new, record, None)  # stage 2 has its own clock
    ratified, ratification = protocol.on_agreement(
        state, view, row, parties, reservations, history
    )
    attempts = state.attempts + (ratified is not None)
    new = ProtocolState(
        t + 1, state.view, state.active, turn, row, history, state.seen, state.ceasefire,
        state.ceasefire_round, state.walked, texts, objections, stage_start=state.stage_start,
        beliefs=state.beliefs, attempts=attempts,
    )
    if ratified is False:
        resumed = protocol.on_rejection(new, row, ratification)
        if resumed is not None:  # back to the table
            record = RoundRecord(t, view.name, proposer, row, responses, True, REJECTED, (),
                                 ratification)
            return StepResult(resumed, record, None)
    reason = STILLBORN if ratified is False else AGREEMENT
    record = RoundRecord(t, view.name, proposer, row, responses, True, reason, (), ratification)
    outcome = Outcome(reason, row, t, state.ceasefire, state.ceasefire_round, ratified,
                      state.walked, attempts)
    return StepResult(new, record, outcome)


def _update_seen(
    seen: tuple[float, ...],
    view: StageView,
    row: int,
    supporters: tuple[int, ...],
    active: Sequence[int],
) -> tuple[float, ...]:
    """Raise ``seen_a`` with ``row`` for every ``a`` that somebody else supported."""
    if not supporters:
        return seen
    out = list(seen)
    only = supporters[0] if len(set(supporters)) == 1 else None
    utilities, acceptable = view.utilities, view.acceptable
    for a in active:
        if a == only:
            continue
        if acceptable[a][row]:
            x = float(utilities[a][row])
            if x > out[a]:
                out[a] = x
    return tuple(out)


def _walk_outs(
    protocol: Protocol,
    state: ProtocolState,
    view: StageView,
    seen: tuple[float, ...],
    reservations: Sequence[float],
    history: History = (),
) -> tuple[int, ...]:
    """The actors who leave at the end of this round (rules 1 and 2)."""
    expected = protocol.spec.walk_rule == "expected"
    late = _late(protocol, state)
    out = []
    for a in state.active:
        if not protocol.can_walk(a):
            continue
        r = reservations[a]
        if r > view.best[a]:
            out.append(a)
        elif expected:
            start, length = clock(protocol, state)
            left = start + length - 1 - state.round
            if r > continuation_estimate(protocol, left, view, seen[a], a, history,
                                         state.round):
                out.append(a)
        elif late and r > seen[a]:
            out.append(a)
    return tuple(out)


def continuation_estimate(protocol: Protocol, left: int, view: StageView, seen: float,
                          a: int, history: History, t: int) -> float:
    """Actor ``a``'s estimate, after round ``t``, of what continuing the talks is worth.

    ``max over k = 1..L of delta**k * min(best, seen + g * k)``: ``L = left`` rounds are
    left on the stage's clock,
    ``delta`` is its patience, ``best`` the most any candidate could give it, ``seen``
    the best the others have shown willingness toward (inside its acceptable set) and
    ``g >= 0`` the rate at which that has improved since the others first showed
    something acceptable to it (from the stage history). ``inf`` (no case for leaving)
    until the others have proposed something acceptable to it in two different rounds
    (one round shows no trend), and in the last round (the deadline ends the talks
    anyway).
    """
    if left <= 0 or seen == -math.inf:
        return math.inf
    shown = [(r, row) for r, p, row in history if p != a and view.acceptable[a][row]]
    if len({r for r, _ in shown}) < 2:  # offers of one round show no trend yet
        return math.inf
    t0, row0 = shown[0]
    g = max(0.0, (seen - float(view.utilities[a][row0])) / max(t - t0, 1))
    delta = float(protocol.prepared.patience[a])
    best = float(view.best[a])
    k = np.arange(1, left + 1, dtype=np.float64)
    return float(np.max(delta ** k * np.minimum(best, seen + g * k)))


def _breaks_down(protocol: Protocol, walked: tuple[int, ...], active: tuple[int, ...]) -> bool:
    """Whether the walk-outs end the talks (see `sim.engine.protocols.base`)."""
    rule = protocol.rule
    if any(a in rule.veto or protocol.essential(a) for a in walked):
        return True
    if len(active) < 2:
        return True
    proposers = protocol.proposers(active)
    return not proposers or not rule.reachable(active, proposers)
