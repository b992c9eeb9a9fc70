"""Invariant 13: every registered protocol, driven step by step with arbitrary legal moves.

A `RuleBasedStateMachine` plays one protocol through its public transition
``Protocol.step(state, parties, reservations, rng) -> StepResult``. The parties are
scripted: every proposal, draft, acceptance and objection is drawn by Hypothesis among the
moves the rules allow (a proposal from the actor's acceptable rows or a pass; an
acceptance only of an acceptable package). After every step the machine checks the new
state against what the shared rules of `sim.engine.protocols.base` say it must be: whose
turn it was, what is on the table, the stage history, who is still at the table, when the
talks end. One machine class is generated per registered protocol, so a protocol added to
the registry is covered without touching this file.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)
from strategies import budget, protocol_names, scenarios, seeds

from sim.api import prepare
from sim.engine import protocols
from sim.engine.observation import Response
from sim.engine.protocols.records import NEUTRAL, REASONS, Parties, ProtocolError
from sim.engine.protocols.rounds import clock
from sim.scenario import validate_data

SETTLING = {"ceasefire", "agreement", "stillborn"}


class ScriptedParty:
    """A party whose every move is drawn by the state machine among the legal ones."""

    def __init__(self, index: int, n_issues: int):
        self.index = index
        self.n_issues = n_issues
        self.data = None
        self.proposed: int | None = None
        self.answers: dict[int, Response] = {}

    def propose(self, obs):
        rows = obs.order.tolist()
        self.proposed = self.data.draw(
            st.none() | st.sampled_from(rows) if rows else st.none(),
            label=f"proposal of {self.index}",
        )
        return self.proposed

    def respond(self, obs, offer, explain=False):
        accept = bool(obs.acceptable[offer]) and self.data.draw(
            st.booleans(), label=f"answer of {self.index}"
        )
        objections = () if accept else tuple(self.data.draw(
            st.lists(st.integers(0, self.n_issues - 1), unique=True, max_size=3),
            label=f"objections of {self.index}",
        ))
        self.answers[offer] = Response(accept, objections)
        return self.answers[offer]


class ScriptedMediator:
    """A mediator whose every draft is drawn among its feasible rows (or a pass)."""

    def __init__(self):
        self.data = None
        self.drafted: int | None = None

    def draft(self, obs):
        rows = np.flatnonzero(obs.feasible).tolist()
        self.drafted = self.data.draw(
            st.none() | st.sampled_from(rows) if rows else st.none(), label="draft"
        )
        return self.drafted


def _next_seat(seats, active, after) -> int:
    """The first active seat after ``after`` in seat order (rotation), from scratch."""
    start = seats.index(after) + 1 if after in seats else 0
    for k in range(len(seats)):
        s = seats[(start + k) % len(seats)]
        if s in active:
            return s
    raise AssertionError("nobody left at the table")


class ProtocolMachine(RuleBasedStateMachine):
    """Drives one protocol (``KIND``) round by round; subclasses set ``KIND``."""

    KIND = ""

    def setup(self, data: dict, seed: int) -> None:
        scenario = validate_data(data)
        self.prepared = prepare(scenario)
        self.protocol = protocols.get(self.KIND)(self.prepared, scenario.protocol)
        n_issues = self.prepared.problem.n_issues
        n_actors = self.prepared.problem.n_actors
        self.agents = tuple(ScriptedParty(i, n_issues) for i in range(n_actors))
        self.mediator = ScriptedMediator() if self.protocol.mediator() is not None else None
        self.parties = Parties(self.agents, self.mediator)
        self.reservations = [float(r) for r in self.prepared.reservations]
        self.rng = np.random.default_rng(seed)
        self.state = self.protocol.initial()
        self.outcome = None
        self.rounds = 0

    @precondition(lambda self: hasattr(self, "state") and self.outcome is None)
    @rule(data=st.data())
    def play_a_round(self, data):
        """One round with arbitrary legal moves; then the new state is checked."""
        for agent in self.agents:
            agent.data, agent.proposed, agent.answers = data, None, {}
        if self.mediator is not None:
            self.mediator.data, self.mediator.drafted = data, None
        old = self.state
        result = self.protocol.step(old, self.parties, self.reservations, self.rng)
        self.check_step(old, result)
        self.state, self.outcome = result.state, result.outcome
        self.rounds += 1

    @precondition(lambda self: hasattr(self, "state") and self.outcome is not None)
    @rule()
    def closed_talks_stay_closed(self):
        """After the end: the outcome matches the final state (the machine plays no more)."""
        out, state = self.outcome, self.state
        assert out.round == state.round - 1
        assert out.walked == state.walked
        if out.reason in ("agreement", "stillborn"):
            assert out.row == state.on_table

    # ------------------------------------------------------------------ checks
    def check_step(self, old, result) -> None:
        new, rec = result.state, result.record
        p, seats = self.protocol, list(self.protocol.seats)
        assert rec.round == old.round and new.round == old.round + 1

        # whose turn it was
        proposer = rec.proposer
        if p.rotating:
            assert proposer == _next_seat(seats, old.active, old.turn)
            assert new.turn == proposer
        elif hasattr(p, "probability"):  # recognised at random
            assert proposer in old.active and p.probability[proposer] > 0
        elif self.mediator is not None:
            assert proposer == p.mediator_index
        else:
            assert proposer is None or proposer == NEUTRAL or proposer in old.active

        # what was put forward is what the scripted party chose
        row = rec.proposal
        chosen = (
            self.mediator.drafted if self.mediator is not None else self.agents[proposer].proposed
        )
        assert row == chosen

        # who answered, and what
        for a, resp in enumerate(rec.responses):
            if row is None:
                assert resp is None
            elif resp is not None:
                assert a in old.active and resp == self.agents[a].answers[row]
                if self.mediator is None:
                    assert a != proposer, "the proposer does not answer its own proposal"

        # what is on the table, and the stage history
        if rec.event == "ceasefire":
            option = int(self.prepared.packages[row, p.ceasefire_issue])
            assert new.view == ("rest", p.ceasefire_issue, option)
            assert new.ceasefire == option and new.on_table is None and new.history == ()
            assert new.stage_start == new.round  # stage 2 starts its own clock
        elif old.view[0] == "ceasefire" and new.view != old.view:
            # stage 1 ran out on its own clock: stage 2 opens on the whole package
            start, length = clock(p, old)
            assert new.round == start + length and new.view == ("package",)
            assert new.on_table is None and new.history == () and new.ceasefire is None
            assert new.stage_start == new.round
        elif row is not None:
            assert new.on_table == row
            assert new.history == (*old.history, (old.round, proposer, row))
            assert new.view == old.view
        else:
            assert new.on_table == old.on_table and new.history == old.history
            assert new.view == old.view

        # who is still at the table
        assert set(rec.walked) <= set(old.active)
        assert new.active == tuple(a for a in old.active if a not in rec.walked)
        assert new.walked == old.walked + tuple(rec.walked)

        # settling and ending
        assert rec.accepted == (rec.event in SETTLING)
        if result.outcome is not None:
            assert result.outcome.reason in REASONS
            if result.outcome.reason in ("agreement", "stillborn"):
                assert rec.accepted and result.outcome.row == row
            if result.outcome.reason == "deadline":
                start, length = clock(p, old)  # the current stage's clock ran out
                assert new.round == start + length <= p.deadline
        else:
            assert new.round < p.deadline, "the talks went on past the deadline"

    @invariant()
    def state_is_consistent(self):
        """Between rounds: within the deadline, only seated actors, a known proposer."""
        if not hasattr(self, "state"):
            return
        seats = list(self.protocol.seats)
        assert 0 <= self.state.round <= self.protocol.deadline
        assert set(self.state.active) <= set(seats)
        assert self.state.turn in (-1, NEUTRAL, *seats)
        assert self.state.round == self.rounds


def _machine_for(kind: str) -> type[ProtocolMachine]:
    """A state machine class for one registered protocol."""

    class Machine(ProtocolMachine):
        KIND = kind

        @initialize(
            data=scenarios(protocol=True, protocol_kinds=(kind,), max_packages=24,
                           max_actors=4, max_deadline=8),
            seed=seeds(),
        )
        def start(self, data, seed):
            self.setup(data, seed)

    Machine.__name__ = Machine.__qualname__ = f"{kind.title().replace('_', '')}Machine"
    Machine.TestCase.settings = settings(
        max_examples=budget(30), stateful_step_count=12, deadline=None
    )
    return Machine


for _kind in protocol_names():
    _cls = _machine_for(_kind)
    globals()[f"Test{_cls.__name__}"] = _cls.TestCase


# --------------------------------------------------------------------------- closed talks
def _closed(kind: str, how: str):
    """A model whose talks have just ended, by ``how``: ``deadline`` (opposed hardliners,
    two rounds) or ``agreement`` (two actors who want the same package, ten rounds)."""
    b_values = {"p": 0.0, "q": 1.0} if how == "deadline" else {"p": 1.0, "q": 0.0}
    data = {
        "name": "closed",
        "issues": {"x": {"options": {"p": "p", "q": "q"}}},
        "actors": {
            a: {"weights": {"x": {"value": 1.0, "source": {"assumption": "t"}}},
                "values": {"x": {"value": v, "source": {"assumption": "t"}}},
                "reservation": {"value": 0.0, "source": {"assumption": "t"}},
                "patience": {"value": 1.0, "source": {"assumption": "t"}},
                "strategy": {"kind": "hardliner"}}
            for a, v in (("a", {"p": 1.0, "q": 0.0}), ("b", b_values))
        },
        "protocol": {"kind": kind, "deadline": 2 if how == "deadline" else 10,
                     "walk_away": False},
    }
    from sim.api import model as NegotiationModel

    model = NegotiationModel(validate_data(data), seed=0, collect=False)
    model.run_model()
    assert model.outcome is not None and model.outcome.reason == how
    return model


@pytest.mark.parametrize("how", ["deadline", "agreement"])
@pytest.mark.parametrize("kind", protocol_names())
def test_closed_negotiation_accepts_no_more_moves(kind, how):
    """Invariant 13 (closure): once the talks have ended, the transition refuses another
    round with a ProtocolError, instead of playing on or crashing."""
    model = _closed(kind, how)
    t = min(model.state.round, model.deadline - 1)
    with pytest.raises(ProtocolError):
        model.protocol.step(model.state, model.parties, model.reservations[t], model.rng)
