"""The protocol base class and the rules every protocol shares.

Core objects:
    Protocol: base class of the registered protocols. A protocol is an immutable
        configuration plus a transition ``step(state, parties, reservations) ->
        StepResult``; it asks the parties for their actions through frozen observations
        and does no I/O. Its hooks (seats, rule, proposers, mediator, who may walk, what
        happens on agreement, the game it poses to the solver) and traits
        (``solvable``, ``records_objections``, ``rotating``, ``ratifies``) are all other
        code may ask of it: nothing outside this package checks a protocol by name.
    Unsolvable: raised by `Protocol.game` where no equilibrium is defined.

The records (`sim.engine.protocols.records`), the acceptance rule and rotation
(`sim.engine.protocols.rules`) and the round logic (`sim.engine.protocols.rounds`) live in
their own modules. The rules every protocol shares are documented here once.

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
    ``ceasefire_first``: stage 1 settles the ceasefire issue alone, on its own clock of
    ``stage1_deadline`` rounds. Its candidates are the ceasefire options (each represented
    by one agenda-allowed package carrying it). An actor values option ``o`` by the
    settlement it leads to: its utility of the stage-2 anchor of ``o``, the Nash bargaining
    package among the agenda-allowed packages with ``o`` inside every participant's red
    lines (disagreement point the base reservation values), and compares that with its
    current reservation value like any other offer; it may accept ``o`` only if such a
    package exists and respects its own red lines (an actor does not agree to a ceasefire
    that leaves it nothing it could sign). See `sim.engine.prepared.Prepared.view`. Once
    stage 1 passes, stage 2 negotiates the whole package with the ceasefire issue fixed at
    the agreed option (a candidate mask); proposals, histories and strategies restart (the
    model resets them); stage 2 has its own clock of ``deadline`` rounds. If stage 1 runs
    out without a passed option, stage 2 opens on the whole package, the ceasefire issue
    still open. An agreed option that puts a ceasefire in force (the dynamics'
    ``ceasefire_effect``) changes the war from the next round on; a run that settles such an
    option but not stage 2 ends in ``ceasefire_only``, not a failure.

Walking away (when ``ProtocolSpec.walk_away``)
    At the end of every round without a deal, each actor ``a`` still at the table compares
    its current reservation value ``r_a`` with two numbers of the current stage:

    1. ``best_a``: the most it could get from any candidate package inside its own
       acceptable set; ``r_a > best_a`` makes it leave, in any round.
    2. ``seen_a``: the most it could get from a package that somebody other than ``a`` has
       shown willingness toward in this stage (proposed it, drafted it, or accepted it)
       and that lies inside ``a``'s acceptable set (``-inf`` if none). From round
       ``ceil(walk_away_after * deadline)`` on, ``r_a > seen_a`` makes it leave: the
       others have had time to show what they would give, and it is not enough.
       ``walk_rule: expected``: rule 2 is instead ``r_a`` above the discounted value of
       continuing (`sim.engine.protocols.rounds.continuation_estimate`), in any round.

    A walk-out by a veto actor, a mediator that is a party, or one that leaves the quota
    unreachable (or fewer than two parties at the table) breaks the talks down; otherwise
    they continue without the actor. A neutral mediator and summit ratifiers never walk.

Deadline
    Rounds are numbered ``0 .. deadline - 1``; after the last one without a deal the talks
    end with reason ``deadline``. Under ``ceasefire_first`` every stage has its own clock
    (stage 1: ``stage1_deadline`` rounds; stage 2: ``deadline`` rounds from its first
    round), so the run lasts at most ``stage1_deadline + deadline`` rounds; strategies
    see the round and deadline of the current stage's clock, and the walk-away rule 2
    starts at ``walk_away_after`` of the current stage.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

import numpy as np
from pydantic import ValidationError

from sim.engine.observation import relative_time
from sim.engine.protocols.records import (
    Game,
    Parties,
    ProtocolClosed,
    ProtocolError,
    ProtocolParams,
    ProtocolState,
    StepResult,
)
from sim.engine.protocols.rules import AcceptanceRule
from sim.engine.registry import format_params_error
from sim.engine.settings import ProtocolSpec, StrategySpec

if TYPE_CHECKING:
    from sim.engine.prepared import Prepared, StageView

__all__ = ["Game", "Protocol", "Unsolvable"]

P = TypeVar("P", bound=ProtocolParams)


class Unsolvable(Exception):
    """`Protocol.game` of a protocol without a subgame-perfect equilibrium.

    Attributes:
        reason: why, in a few words (e.g. "the mediator follows a procedure").
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Protocol(ABC, Generic[P]):
    """Base class of a negotiation protocol (see the module docstring for shared rules).

    Subclasses set ``name`` and ``Params``, choose the table (``seats``) and implement
    ``_step``; `sim.engine.protocols.rounds.conclude` finishes a round the same way for
    all of them.

    Attributes:
        name: the registry key.
        Params: the pydantic model of the protocol's ``params``.
        solvable: whether `game` poses a game to the subgame-perfect solver.
        records_objections: whether its parties name the issues they object to when they
            reject (the round table then records them; elsewhere nobody computes them).
        rotating: whether the proposer rotates over the seats, the next active seat after
            the last proposer each round.
        ratifies: whether a deal struck at the table goes to ratifiers (``ratifiers``,
            ``ratification_rule``): the scenario's acceptance rule then applies to the
            ratification, and the table itself decides by unanimity.
        prepared: the problem's precomputation.
        spec: the protocol settings.
        params: the validated ``Params``.
        deadline: the number of rounds.
        seats: indices of the actors at the table, in seat order.
        rule: the acceptance rule among ``seats``.
    """

    name: ClassVar[str] = ""
    Params: ClassVar[type[ProtocolParams]] = ProtocolParams
    solvable: ClassVar[bool] = False
    records_objections: ClassVar[bool] = False
    rotating: ClassVar[bool] = False
    ratifies: ClassVar[bool] = False

    def __init__(
        self, prepared: Prepared, spec: ProtocolSpec, deadline: int | None = None
    ) -> None:
        """Configure the protocol for one problem.

        Args:
            prepared: the problem's precomputation (utilities, stage views).
            spec: the protocol settings (``spec.kind`` should name this class).
            deadline: overrides ``spec.deadline`` (the ``--rounds`` option).

        Raises:
            ProtocolError: settings that name unknown actors or cannot be run.
        """
        self.prepared = prepared
        self.spec = spec
        try:
            self.params: P = cast(P, type(self).Params.model_validate(spec.params or {}))
        except ValidationError as exc:
            raise ProtocolError(
                f"protocol.params: {self.name}: {format_params_error(exc)}"
            ) from None
        errors = self.reference_errors(self.params, prepared.problem.actors)
        if errors:
            raise ProtocolError(
                [f"protocol.params.{'.'.join(str(p) for p in loc)}: {msg}" for loc, msg in errors]
            )
        self.deadline = int(deadline if deadline is not None else spec.deadline)
        if self.deadline < 1:
            raise ProtocolError(f"rounds: must be at least 1, got {self.deadline}")
        #: rounds of stage 1 (ceasefire_first) and of the final stage; ``deadline`` is
        #: then the most rounds a run can last
        self.stage1_deadline = 0
        self.stage2_deadline = self.deadline
        problem = prepared.problem
        self.actors: tuple[str, ...] = problem.actors
        self.n = problem.n_actors
        self.index = {a: i for i, a in enumerate(problem.actors)}
        self.seats: tuple[int, ...] = tuple(self.choose_seats())
        if len(set(self.seats)) != len(self.seats):
            raise ProtocolError(f"{self.name}: an actor is seated twice")
        self.rule = self.make_rule()
        self.ceasefire_issue: int | None = None
        self.first_view: tuple[Any, ...] = ("package",)
        if spec.sequencing == "ceasefire_first":
            if spec.ceasefire_issue not in problem.issues:
                raise ProtocolError(
                    f"protocol.ceasefire_issue: unknown issue '{spec.ceasefire_issue}'; "
                    f"allowed: {', '.join(problem.issues)}"
                )
            self.ceasefire_issue = problem.issues.index(spec.ceasefire_issue)
            self.first_view = ("ceasefire", self.ceasefire_issue)
            self.stage1_deadline = int(spec.stage1_deadline)
            self.deadline = self.stage1_deadline + self.stage2_deadline
        self.walk_away = bool(spec.walk_away)
        self.walk_away_after = float(spec.walk_away_after)
        self.walk_from = math.ceil(self.walk_away_after * self.deadline)
        self.times = relative_times(self.deadline)
        self.packages = prepared.packages
        self._after: dict[int, tuple[int, ...]] = {}

    # ------------------------------------------------------------------ configuration
    @classmethod
    def reference_errors(
        cls, params: Any, actors: Sequence[str]
    ) -> list[tuple[tuple[Any, ...], str]]:
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

    def can_walk(self, actor: int) -> bool:
        """Whether ``actor`` may walk out (everyone at the table by default)."""
        return True

    def essential(self, actor: int) -> bool:
        """Whether the talks cannot go on without ``actor`` (besides veto actors)."""
        return False

    def on_agreement(
        self,
        state: ProtocolState,
        view: StageView,
        row: int,
        parties: Parties,
        reservations: Sequence[float],
        history: tuple[tuple[int, int, int], ...],
    ) -> tuple[bool | None, tuple[Any, ...] | None]:
        """Hook run when the final stage passes: ``(ratified, ratification responses)``.

        The default has no ratification: ``(None, None)``.
        """
        return None, None

    def on_rejection(self, state: ProtocolState, row: int,
                     ratification: tuple[Any, ...] | None) -> ProtocolState | None:
        """Ratifiers rejected ``row``: ``state`` (after the round) updated, or None: stillborn."""
        return None

    def game(self) -> Game:
        """The game this protocol poses to the subgame-perfect solver.

        The solver plays it among the seats with the protocol's acceptance rule, each
        actor's red lines and the agenda constraints as acceptability, its base
        reservation value as its disagreement payoff and its patience as its discount
        factor (see `sim.engine.solve`).

        Raises:
            Unsolvable: no subgame-perfect equilibrium is defined for this protocol.
        """
        raise Unsolvable("it defines no bargaining game")

    def _game(self, form: str, **extra: Any) -> Game:
        """A `Game` over the seats with this protocol's rule and deadline."""
        position = {a: j for j, a in enumerate(self.seats)}
        notes = []
        if self.spec.sequencing == "ceasefire_first":
            notes.append("ceasefire_first sequencing is not modelled: package game solved "
                         "over the stage-2 deadline")
        notes.append("reservation values held at their base values (dynamics not modelled)")
        notes.extend(extra.pop("notes", ()))
        return Game(
            form=form,
            seats=self.seats,
            veto=tuple(sorted(position[a] for a in self.rule.veto)),
            quota=self.rule.quota,
            deadline=self.stage2_deadline,
            notes=tuple(notes),
            **extra,
        )

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


_TIMES: dict[int, tuple[float, ...]] = {}


def relative_times(deadline: int) -> tuple[float, ...]:
    """``relative_time(t, deadline)`` for every round, computed once per deadline."""
    times = _TIMES.get(deadline)
    if times is None:
        times = tuple(relative_time(t, deadline) for t in range(deadline))
        _TIMES[deadline] = times
    return times
