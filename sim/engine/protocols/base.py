"""Shared protocol machinery: immutable state, typed step results and the common rules.

Core objects:
    AcceptanceRule: veto actors plus a quota among the other responders.
    ProtocolState: the immutable state of the talks between two rounds.
    RoundRecord: what happened in one round (one row of the trace).
    Outcome: how the talks ended.
    StepResult: the new state, the round's record and, once the talks are over, the outcome.
    Protocol: base class of the registered protocols. A protocol is an immutable
        configuration plus a transition ``step(state, parties, reservations) ->
        StepResult``; it asks the parties for their actions through frozen observations
        and does no I/O.
    next_seat: the rotation helper.

The rules every protocol shares are documented here once.

Acceptance rule
    ``veto`` is a set of actors at the table, ``quota`` a count. A proposal passes when
    every active veto actor other than the proposer accepts and at least ``quota`` of the
    other active responders (neither the proposer nor a veto actor) accept; the proposer
    counts as accepting its own proposal. This is exactly the rule of
    `sim.core.solver`, so a simulated protocol and its equilibrium agree on what passes.
    From `AcceptanceSpec`: ``veto: all`` makes every actor at the table a veto actor
    (unanimity); ``quota: all`` requires every non-veto responder; ``quota: majority`` is
    ``floor(M / 2)`` where ``M`` is the number of non-veto actors at the table when the
    talks open: with no veto actors this is exactly a strict majority of the table, the
    proposer voting for its own proposal (3 of 4, 3 of 5, 2 of 3). ``veto: [a, b]`` with
    ``quota: k`` reads "these two plus k of the others". Veto actors not at the table are
    ignored; an integer quota is capped at ``M``. Veto and quota bars do not fall when
    actors walk out (``quota: all`` means all who are still there). An acceptance of
    a package outside the responder's own acceptable set (red lines, agenda, candidate
    set) counts as a rejection: red lines bind.

Sequencing (agenda)
    ``package``: one stage, candidates are all packages the agenda constraints allow;
    nothing is agreed until everything is agreed.
    ``ceasefire_first``: stage 1 settles the ceasefire issue alone. Its candidates are the
    ceasefire options (each represented by one agenda-allowed package carrying it; only
    that issue counts); an actor values option ``o`` by its own value table for the issue,
    ``v_a(o)`` in [0, 1], compares it with its current reservation value like any other
    offer, and may accept ``o`` only if some agenda-allowed package with ``o`` respects its
    red lines (an actor does not agree to a ceasefire that leaves it nothing it could sign).
    Once stage 1 passes, stage 2 negotiates the whole package with the ceasefire issue
    fixed at the agreed option (a candidate mask); proposals and histories restart. A run
    that settles stage 1 but not stage 2 ends without agreement but records the ceasefire
    outcome. See `sim.engine.prepared.Prepared.view`.

Walking away (when ``ProtocolSpec.walk_away``)
    At the end of every round without a deal, each actor ``a`` still at the table compares
    its current reservation value ``r_a`` with two numbers of the current stage:

    1. ``best_a``: the most it could get from any candidate package inside its own
       acceptable set. If ``r_a > best_a`` nothing left on the agenda beats no deal: it
       leaves, in any round.
    2. ``seen_a``: the most it could get from a package that somebody other than ``a`` has
       shown willingness toward in this stage (proposed it, drafted it, or accepted it)
       and that lies inside ``a``'s acceptable set (``-inf`` if none). From round
       ``ceil(walk_away_after * deadline)`` on, ``r_a > seen_a`` makes it leave: the
       others have had time to show what they would give, and it is not enough.

    A walk-out by a veto actor, a mediator that is a party, or one that leaves the quota
    unreachable (or fewer than two parties at the table) breaks the talks down; otherwise
    they continue without the actor. A neutral mediator and summit ratifiers never walk.

Deadline
    Rounds are numbered ``0 .. deadline - 1``; after the last one without a deal the talks
    end with reason ``deadline``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from sim.engine.observation import Observation, Response, relative_time
from sim.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.prepared import Prepared, StageView
    from sim.scenario.specs import AcceptanceSpec, ProtocolSpec, StrategySpec

__all__ = [
    "AGREEMENT",
    "DEADLINE",
    "NEUTRAL",
    "REASONS",
    "STILLBORN",
    "WALK_AWAY",
    "AcceptanceRule",
    "Outcome",
    "Parties",
    "Protocol",
    "ProtocolError",
    "ProtocolParams",
    "ProtocolState",
    "RoundRecord",
    "StepResult",
    "next_seat",
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


# --------------------------------------------------------------------------------------
# Acceptance rule
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AcceptanceRule:
    """Veto actors plus a quota among the other responders (see the module docstring).

    Attributes:
        veto: indices of the veto actors.
        quota: how many non-veto responders other than the proposer must accept; None
            means all of them.
    """

    veto: frozenset[int]
    quota: int | None

    @classmethod
    def build(
        cls, spec: AcceptanceSpec, seats: Sequence[int], actors: Sequence[str]
    ) -> AcceptanceRule:
        """The rule among the actors in ``seats`` from a scenario's `AcceptanceSpec`.

        Veto actors who are not among ``seats`` are ignored, and an integer quota above
        the number of non-veto seats is capped at that number (so ``veto: all`` with any
        quota is unanimity). Every schema-valid setting therefore yields a rule.

        Args:
            spec: the scenario's acceptance settings.
            seats: indices of the actors the rule applies to.
            actors: every actor id, by index.
        """
        seat_set = set(seats)
        if spec.veto == "all":
            veto = frozenset(seats)
        else:
            index = {a: i for i, a in enumerate(actors)}
            veto = frozenset(index[a] for a in spec.veto if index.get(a) in seat_set)
        m = sum(1 for s in seats if s not in veto)
        if spec.quota == "all":
            quota: int | None = None
        elif spec.quota == "majority":
            quota = m // 2
        else:
            quota = min(max(int(spec.quota), 0), m)
        return cls(veto, quota)

    def passes(self, proposer: int, accepted: Iterable[int], active: Sequence[int]) -> bool:
        """Whether a proposal passes.

        Args:
            proposer: the proposer's index (`NEUTRAL` or any index outside ``active`` for
                nobody, e.g. a neutral mediator or a ratification vote).
            accepted: the responders who accepted.
            active: the actors still at the table.

        Returns:
            True when every veto responder and ``quota`` of the others accepted.
        """
        acc = set(accepted)
        count = 0
        for a in active:
            if a == proposer:
                continue
            if a in self.veto:
                if a not in acc:
                    return False
            elif a in acc:
                count += 1
            elif self.quota is None:
                return False
        return self.quota is None or count >= self.quota

    def reachable(self, active: Sequence[int], proposers: Iterable[int]) -> bool:
        """Whether some proposer could still gather the quota among ``active``."""
        if self.quota is None:
            return True
        for p in proposers:
            if sum(1 for a in active if a != p and a not in self.veto) >= self.quota:
                return True
        return False


# --------------------------------------------------------------------------------------
# State, records, results
# --------------------------------------------------------------------------------------


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


def next_seat(seats: Sequence[int], active: Sequence[int], after: int) -> int:
    """The first active seat after ``after`` in ``seats`` order, cycling.

    Args:
        seats: the seat order (actor indices).
        active: the actors still at the table.
        after: the last proposer, or -1 to start from the first seat.

    Returns:
        An actor index from ``active``.
    """
    start = seats.index(after) + 1 if after in seats else 0
    n = len(seats)
    for k in range(n):
        s = seats[(start + k) % n]
        if s in active:
            return s
    raise ProtocolError("nobody is left at the table")


# --------------------------------------------------------------------------------------
# The protocol base class
# --------------------------------------------------------------------------------------


class Protocol(ABC):
    """Base class of a negotiation protocol (see the module docstring for shared rules).

    Subclasses set ``name`` and ``Params``, choose the table (``seats``) and implement
    `step`; `Protocol.conclude` finishes a round the same way for all of them.

    Attributes:
        name: the registry key.
        Params: the pydantic model of the protocol's ``params``.
        prepared: the scenario's precomputation.
        spec: the protocol settings.
        params: the validated ``Params``.
        deadline: the number of rounds.
        seats: indices of the actors at the table, in seat order.
        rule: the acceptance rule among ``seats``.
    """

    name: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]] = ProtocolParams

    def __init__(
        self, prepared: Prepared, spec: ProtocolSpec, deadline: int | None = None
    ) -> None:
        """Configure the protocol for one scenario.

        Args:
            prepared: the scenario's precomputation (utilities, stage views).
            spec: the protocol settings (``spec.kind`` should name this class).
            deadline: overrides ``spec.deadline`` (the ``--rounds`` option).

        Raises:
            ProtocolError: settings that name unknown actors or cannot be run.
        """
        from sim.engine.protocols import validate_params

        self.prepared = prepared
        self.spec = spec
        try:
            self.params = validate_params(self.name, spec.params)
        except ValueError as exc:
            raise ProtocolError(f"protocol.params: {exc}") from None
        errors = self.reference_errors(self.params, prepared.problem.actors)
        if errors:
            raise ProtocolError(
                [f"protocol.params.{'.'.join(str(p) for p in loc)}: {msg}" for loc, msg in errors]
            )
        self.deadline = int(deadline if deadline is not None else spec.deadline)
        if self.deadline < 1:
            raise ProtocolError(f"rounds: must be at least 1, got {self.deadline}")
        problem = prepared.problem
        self.actors: tuple[str, ...] = problem.actors
        self.n = problem.n_actors
        self.index = {a: i for i, a in enumerate(problem.actors)}
        self.seats: tuple[int, ...] = tuple(self.choose_seats())
        if len(set(self.seats)) != len(self.seats):
            raise ProtocolError(f"{self.name}: an actor is seated twice")
        self.rule = self.make_rule()
        if spec.sequencing == "ceasefire_first":
            if spec.ceasefire_issue not in problem.issues:
                raise ProtocolError(
                    f"protocol.ceasefire_issue: unknown issue '{spec.ceasefire_issue}'; "
                    f"allowed: {', '.join(problem.issues)}"
                )
            self.ceasefire_issue: int | None = problem.issues.index(spec.ceasefire_issue)
            self.first_view: tuple = ("ceasefire", self.ceasefire_issue)
        else:
            self.ceasefire_issue = None
            self.first_view = ("package",)
        self.walk_away = bool(spec.walk_away)
        self.walk_from = math.ceil(float(spec.walk_away_after) * self.deadline)
        self._times = _relative_times(self.deadline)
        self._packages = prepared.packages
        self._after: dict[int, tuple[int, ...]] = {}

    # ------------------------------------------------------------------ configuration
    @classmethod
    def reference_errors(
        cls, params: BaseModel, actors: Sequence[str]
    ) -> list[tuple[tuple, str]]:
        """Parameters naming unknown actors, as ``(location within params, message)``.

        Args:
            params: the validated ``Params``.
            actors: the scenario's actor ids.
        """
        return []

    @abstractmethod
    def choose_seats(self) -> Sequence[int]:
        """The actors at the table, in seat order (from ``params`` and the problem)."""

    def make_rule(self) -> AcceptanceRule:
        """The acceptance rule among the seats (from ``spec.acceptance``)."""
        return AcceptanceRule.build(self.spec.acceptance, self.seats, self.actors)

    def participants(self) -> list[int]:
        """The default table: the participating actors, seated by actor id.

        Seating by id (not by file order) means that reordering the actors in a file
        changes nothing; a protocol's ``order`` parameter seats them otherwise. Every
        actor sits at the table when fewer than two participate (``Actor.participates``).

        Raises:
            ProtocolError: the scenario has a single actor.
        """
        seats = list(self.prepared.problem.participant_indices())
        if len(seats) < 2:
            seats = list(range(self.n))
        if len(seats) < 2:
            raise ProtocolError(f"{self.name}: a negotiation needs at least two actors")
        actors = self.prepared.problem.actors
        return sorted(seats, key=lambda i: actors[i])

    def proposers(self, active: Sequence[int]) -> tuple[int, ...]:
        """Who may still make proposals among ``active`` (for quota reachability)."""
        return tuple(active)

    def mediator(self) -> tuple[int, StrategySpec] | None:
        """The drafting mediator's index and strategy, for protocols that have one."""
        return None

    # ------------------------------------------------------------------ transitions
    def initial(self) -> ProtocolState:
        """The state before round 0."""
        return ProtocolState(
            round=0,
            view=self.first_view,
            active=self.seats,
            seen=(-math.inf,) * self.n,
        )

    def step(
        self,
        state: ProtocolState,
        parties: Parties,
        reservations: Sequence[float],
        rng: np.random.Generator,
    ) -> StepResult:
        """Play one round; a closed negotiation (or one past its deadline) refuses.

        Args:
            state: the state before the round.
            parties: the agents to ask.
            reservations: per actor index, its reservation value in this round.
            rng: the run's generator (the only source of randomness).

        Returns:
            The new state, the round's record and, if the talks ended, the outcome (the
            state is then marked closed).

        Raises:
            ProtocolClosed: the talks are already over.
        """
        if state.closed or state.round >= self.deadline:
            raise ProtocolClosed(
                f"the negotiation is closed (round {state.round}, deadline {self.deadline})"
            )
        result = self._step(state, parties, reservations, rng)
        if result.outcome is not None:
            result = StepResult(replace(result.state, closed=True), result.record, result.outcome)
        return result

    @abstractmethod
    def _step(
        self,
        state: ProtocolState,
        parties: Parties,
        reservations: Sequence[float],
        rng: np.random.Generator,
    ) -> StepResult:
        """Play one round of this protocol (``step`` guards closed negotiations)."""

    # ------------------------------------------------------------------ helpers
    def observe(
        self,
        state: ProtocolState,
        view: StageView,
        actor: int,
        reservation: float,
        on_table: int | None,
        history: tuple[tuple[int, int, int], ...],
    ) -> Observation:
        """The frozen observation of ``actor`` in the current round and stage."""
        t = state.round
        u, order, su, acc, values, weights = view.parts[actor]
        return Observation(
            t, self.deadline, self._times[t], actor, self.n, self._packages, u, order, su, acc,
            float(reservation), history, on_table, values, weights,
        )

    def ask(
        self,
        state: ProtocolState,
        view: StageView,
        proposer: int,
        row: int,
        responders: Iterable[int],
        parties: Parties,
        reservations: Sequence[float],
        history: tuple[tuple[int, int, int], ...],
    ) -> tuple[tuple[Response | None, ...], tuple[int, ...]]:
        """Put ``row`` to ``responders``; return every response and who accepted.

        An acceptance of a row outside the responder's acceptable set counts as a
        rejection (red lines bind).
        """
        responses: list[Response | None] = [None] * self.n
        accepted = []
        agents = parties.agents
        parts = view.parts
        t = state.round
        head = (t, self.deadline, self._times[t])
        n, packages = self.n, self._packages
        for a in responders:
            u, order, su, acc, values, weights = parts[a]
            obs = Observation(*head, a, n, packages, u, order, su, acc, float(reservations[a]),
                              history, row, values, weights)
            resp = agents[a].respond(obs, row)
            responses[a] = resp
            if resp.accept and acc[row]:
                accepted.append(a)
        return tuple(responses), tuple(accepted)

    def check_proposal(self, view: StageView, actor: int, row: int) -> None:
        """Fail loudly when an agent proposes outside its own acceptable set."""
        if not (0 <= row < view.candidate.shape[0]) or not view.acceptable[actor][row]:
            raise ProtocolError(
                f"{self.actors[actor]} proposed package row {row}, outside its acceptable "
                "set in this stage (a strategy bug)"
            )

    def responders_after(self, active: Sequence[int], proposer: int) -> tuple[int, ...]:
        """The active seats after ``proposer``, cycling (the response order)."""
        after = self._after.get(proposer)
        if after is None:
            seats = self.seats
            start = seats.index(proposer) + 1 if proposer in seats else 0
            after = tuple(seats[(start + k) % len(seats)] for k in range(len(seats)))
            after = tuple(s for s in after if s != proposer)
            self._after[proposer] = after
        if len(active) == len(self.seats):
            return after
        return tuple(s for s in after if s in active)

    def on_agreement(
        self,
        state: ProtocolState,
        view: StageView,
        row: int,
        parties: Parties,
        reservations: Sequence[float],
        history: tuple[tuple[int, int, int], ...],
    ) -> tuple[bool | None, tuple[Response | None, ...] | None]:
        """Hook run when the final stage passes: ``(ratified, ratification responses)``.

        The default has no ratification: ``(None, None)``.
        """
        return None, None

    def conclude(
        self,
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
        history: tuple[tuple[int, int, int], ...] | None = None,
        texts: tuple[int, ...] | None = None,
        objections: tuple[dict[int, tuple[int, ...]], ...] | None = None,
        proposer_supports: bool = True,
    ) -> StepResult:
        """Finish a round: acceptance, stage change or deal, walking away, deadline.

        Args:
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
            proposer_supports: whether the proposer counts as accepting its proposal
                (False for a mediator's text: every party answers it, the mediator's
                own party included).

        Returns:
            The step result.
        """
        t = state.round
        if history is None:
            history = state.history
        if turn is None:
            turn = state.turn
        sponsor = NEUTRAL if proposer is None or not proposer_supports else proposer
        passed = row is not None and self.rule.passes(sponsor, accepted, state.active)
        if passed:
            return self._settle(state, view, proposer, row, responses, parties, reservations,
                                turn, history, texts, objections)
        seen = state.seen
        walked: tuple[int, ...] = ()
        active, all_walked = state.active, state.walked
        if self.walk_away:
            if row is not None:
                supporters = accepted if proposer is None else (proposer, *accepted)
                seen = self._update_seen(seen, view, row, supporters, active)
            walked = self._walk_outs(state, view, seen, reservations)
            if walked:
                active = tuple(a for a in active if a not in walked)
                all_walked = all_walked + walked
        new = ProtocolState(
            t + 1,
            state.view,
            active,
            turn,
            state.on_table if row is None else row,
            history,
            seen,
            state.ceasefire,
            state.ceasefire_round,
            all_walked,
            state.texts if texts is None else texts,
            state.objections if objections is None else objections,
        )
        outcome = None
        event = ""
        if walked and self._breaks_down(walked, active):
            event = WALK_AWAY
        elif t + 1 >= self.deadline:
            event = DEADLINE
        if event:
            outcome = Outcome(event, None, t, state.ceasefire, state.ceasefire_round, None,
                              all_walked)
        record = RoundRecord(t, view.name, proposer, row, responses, False, event, walked)
        return StepResult(new, record, outcome)

    def _settle(
        self,
        state: ProtocolState,
        view: StageView,
        proposer: int | None,
        row: int,
        responses: tuple[Response | None, ...],
        parties: Parties,
        reservations: Sequence[float],
        turn: int,
        history: tuple[tuple[int, int, int], ...],
        texts: tuple[int, ...] | None,
        objections: tuple[dict[int, tuple[int, ...]], ...] | None,
    ) -> StepResult:
        """A passed proposal: settle stage 1 (ceasefire) or end the talks with the deal."""
        t = state.round
        if view.name == "ceasefire":
            option = int(self._packages[row, self.ceasefire_issue])
            new = ProtocolState(
                t + 1,
                ("rest", self.ceasefire_issue, option),
                state.active,
                turn,
                None,
                (),
                (-math.inf,) * self.n,
                option,
                t,
                state.walked,
            )
            record = RoundRecord(t, view.name, proposer, row, responses, True, "ceasefire")
            outcome = None
            if t + 1 >= self.deadline:  # settled in the last round: no time for the rest
                outcome = Outcome(DEADLINE, None, t, option, t, None, state.walked)
            return StepResult(new, record, outcome)
        ratified, ratification = self.on_agreement(
            state, view, row, parties, reservations, history
        )
        reason = STILLBORN if ratified is False else AGREEMENT
        new = ProtocolState(
            t + 1,
            state.view,
            state.active,
            turn,
            row,
            history,
            state.seen,
            state.ceasefire,
            state.ceasefire_round,
            state.walked,
            state.texts if texts is None else texts,
            state.objections if objections is None else objections,
        )
        record = RoundRecord(
            t, view.name, proposer, row, responses, True, reason, (), ratification
        )
        outcome = Outcome(reason, row, t, state.ceasefire, state.ceasefire_round, ratified,
                          state.walked)
        return StepResult(new, record, outcome)

    # ------------------------------------------------------------------ walking away
    def _update_seen(
        self,
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
        parts = view.parts
        for a in active:
            if a == only:
                continue
            u, _, _, acc, _, _ = parts[a]
            if acc[row]:
                x = float(u[row])
                if x > out[a]:
                    out[a] = x
        return tuple(out)

    def _walk_outs(
        self,
        state: ProtocolState,
        view: StageView,
        seen: tuple[float, ...],
        reservations: Sequence[float],
    ) -> tuple[int, ...]:
        """The actors who leave at the end of this round (rules 1 and 2)."""
        late = state.round >= self.walk_from
        out = []
        for a in state.active:
            if not self.can_walk(a):
                continue
            r = reservations[a]
            if r > view.best[a] or (late and r > seen[a]):
                out.append(a)
        return tuple(out)

    def can_walk(self, actor: int) -> bool:
        """Whether ``actor`` may walk out (everyone at the table by default)."""
        return True

    def _breaks_down(self, walked: tuple[int, ...], active: tuple[int, ...]) -> bool:
        """Whether the walk-outs end the talks (see the module docstring)."""
        if any(a in self.rule.veto or self.essential(a) for a in walked):
            return True
        if len(active) < 2:
            return True
        proposers = self.proposers(active)
        return not proposers or not self.rule.reachable(active, proposers)

    def essential(self, actor: int) -> bool:
        """Whether the talks cannot go on without ``actor`` (besides veto actors)."""
        return False


_TIMES: dict[int, tuple[float, ...]] = {}


def _relative_times(deadline: int) -> tuple[float, ...]:
    """``relative_time(t, deadline)`` for every round, computed once per deadline."""
    times = _TIMES.get(deadline)
    if times is None:
        times = tuple(relative_time(t, deadline) for t in range(deadline))
        _TIMES[deadline] = times
    return times


def check_actor_list(v: list[str] | None, minimum: int = 0, noun: str = "actors"):
    """Validate a parameter listing actor ids: at least ``minimum`` of them, none twice.

    Raises:
        ValueError: too few entries or a duplicate (pydantic reports it at the field).
    """
    if v is not None:
        if len(v) < minimum:
            raise ValueError(f"needs at least {minimum} {noun}")
        dup = sorted({a for a in v if v.count(a) > 1})
        if dup:
            raise ValueError(f"actor(s) listed twice: {', '.join(dup)}")
    return v
