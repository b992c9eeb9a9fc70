"""The records of a negotiation protocol: immutable state, typed step results, errors.

Core objects:
    ProtocolState: the immutable state of the talks between two rounds.
    RoundRecord: what happened in one round (one row of the trace).
    Outcome: how the talks ended.
    StepResult: the new state, the round's record and, once the talks are over, the outcome.
    Parties: what the model lends a protocol: the agents it may ask.
    Game: what a protocol hands the subgame-perfect solver (`Protocol.game`).
    ProtocolParams: base of every protocol's ``Params`` model.
    ProtocolError, ProtocolClosed: settings that cannot be run; a move after the end.
    AGREEMENT, DEADLINE, WALK_AWAY, STILLBORN, REASONS, NEUTRAL, EVENTS: the vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from sim.engine.observation import Response
from sim.errors import UserError

__all__ = [
    "AGREEMENT",
    "DEADLINE",
    "EVENTS",
    "NEUTRAL",
    "REASONS",
    "STILLBORN",
    "WALK_AWAY",
    "Game",
    "Outcome",
    "Parties",
    "ProtocolClosed",
    "ProtocolError",
    "ProtocolParams",
    "ProtocolState",
    "RoundRecord",
    "StepResult",
]

AGREEMENT = "agreement"
DEADLINE = "deadline"
WALK_AWAY = "walk_away"
STILLBORN = "stillborn"
#: Every way a run can end.
REASONS = (AGREEMENT, DEADLINE, WALK_AWAY, STILLBORN)
#: The proposer index of a mediator without preferences of its own.
NEUTRAL = -1
#: Round events recorded in the trace (besides "").
EVENTS = ("ceasefire", AGREEMENT, STILLBORN, WALK_AWAY, DEADLINE)


class ProtocolError(UserError):
    """Protocol settings that cannot be run (one readable line per problem)."""


class ProtocolParams(BaseModel):
    """Base of every protocol's ``Params`` model: unknown keys are errors, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ProtocolClosed(ProtocolError):
    """A move was made in a negotiation that is already over."""


@dataclass(frozen=True, slots=True)
class ProtocolState:
    """The talks between two rounds (immutable; every round makes a new one).

    Attributes:
        round: the next round to play, 0-based.
        view: key of the current stage's `StageView` (see `Prepared.view`).
        active: indices of the actors still at the table, in seat order.
        turn: the last proposer (rotation pointer; -1 before the first proposal).
        on_table: the last proposal or text of this stage, or None.
        history: ``(round, proposer, row)`` of every proposal of this stage, oldest first.
        seen: per actor index, its best utility over the packages somebody else has shown
            willingness toward in this stage (walk-away rule 2), ``-inf`` if none.
        ceasefire: the ceasefire option agreed in stage 1 (``ceasefire_first``), or None.
        ceasefire_round: the round in which it was agreed, or None.
        walked: indices of every actor who walked out so far.
        texts: single text only: the texts drafted in this stage, oldest first.
        objections: single text only: per text, party index -> issues objected to.
        closed: whether the talks are over (a closed negotiation accepts no more moves).
        stage_start: the first round of the current stage (its clock under
            ``ceasefire_first``; 0 in stage 1 and under ``package``).
    """

    round: int
    view: tuple
    active: tuple[int, ...]
    turn: int = -1
    on_table: int | None = None
    history: tuple[tuple[int, int, int], ...] = ()
    seen: tuple[float, ...] = ()
    ceasefire: int | None = None
    ceasefire_round: int | None = None
    walked: tuple[int, ...] = ()
    texts: tuple[int, ...] = ()
    objections: tuple[dict[int, tuple[int, ...]], ...] = ()
    closed: bool = False
    stage_start: int = 0


@dataclass(frozen=True, slots=True)
class RoundRecord:
    """What happened in one round.

    Attributes:
        round: the round, 0-based.
        stage: ``package``, ``ceasefire`` (stage 1) or ``rest`` (stage 2).
        proposer: who proposed or drafted (actor index; `NEUTRAL` for a neutral mediator;
            None when nobody could).
        proposal: the package row put forward, or None (a pass).
        responses: per actor index, its `Response` (None when it was not asked).
        accepted: whether the acceptance rule was met.
        event: ``""`` or one of ``ceasefire``, ``agreement``, ``stillborn``,
            ``walk_away``, ``deadline``.
        walked: actors who walked out at the end of this round.
        ratification: summit only: per actor index, each ratifier's `Response` to the deal
            (None elsewhere and in rounds without a deal).
    """

    round: int
    stage: str
    proposer: int | None
    proposal: int | None
    responses: tuple[Response | None, ...]
    accepted: bool
    event: str = ""
    walked: tuple[int, ...] = ()
    ratification: tuple[Response | None, ...] | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How the talks ended.

    Attributes:
        reason: ``agreement``, ``deadline``, ``walk_away`` or ``stillborn``.
        row: the deal (agreed, or rejected by the ratifiers), or None.
        round: the round of the deal or of the breakdown.
        ceasefire: the ceasefire option agreed in stage 1, or None.
        ceasefire_round: the round of that stage-1 agreement, or None.
        ratified: summit only: whether the ratifiers accepted the deal (None elsewhere,
            and when no deal was reached).
        walked: every actor who walked out.
    """

    reason: str
    row: int | None
    round: int | None
    ceasefire: int | None
    ceasefire_round: int | None
    ratified: bool | None
    walked: tuple[int, ...]

    @property
    def agreement(self) -> bool:
        """A deal was struck (and ratified, where ratification applies)."""
        return self.reason == AGREEMENT


@dataclass(frozen=True, slots=True)
class StepResult:
    """The result of one transition.

    Attributes:
        state: the state after the round.
        record: what happened in the round.
        outcome: how the talks ended, once they are over; None while they go on.
    """

    state: ProtocolState
    record: RoundRecord
    outcome: Outcome | None = None

    @property
    def done(self) -> bool:
        """Whether the talks are over."""
        return self.outcome is not None


@dataclass(frozen=True, slots=True)
class Parties:
    """What the model lends a protocol: the agents it may ask (never the model itself).

    Attributes:
        agents: per actor index, its agent (``propose(obs)``, ``respond(obs, offer)``).
        mediator: the single-text mediator agent (``draft(obs)``), or None.
    """

    agents: tuple[Any, ...]
    mediator: Any | None = None


@dataclass(frozen=True)
class Game:
    """The bargaining game a protocol poses to the subgame-perfect solver.

    Attributes:
        form: ``alternating`` (proposers in seat order) or ``random`` (a proposer
            recognised each round with ``probabilities``).
        seats: the players (actor indices), in seat order.
        veto: positions in ``seats`` of the veto players.
        quota: how many other non-veto responders must accept; None: all.
        deadline: the number of rounds.
        probabilities: shape (len(seats),), recognition probabilities summing to one
            (``random`` only).
        acceptable: shape (k,), bool, a further restriction of the packages that can be
            agreed (e.g. what the summit's ratifiers would ratify), or None.
        notes: the simplifications the mapping makes, in words.
    """

    form: str
    seats: tuple[int, ...]
    veto: tuple[int, ...]
    quota: int | None
    deadline: int
    probabilities: np.ndarray | None = None
    acceptable: np.ndarray | None = None
    notes: tuple[str, ...] = ()
