"""The Mesa model of one negotiation run.

Core objects:
    RunConfig: how a prepared problem is run: the protocol, one strategy per actor and the
        war dynamics (`sim.scenario.run_config` takes them from a scenario; benchmarks and
        tests may give them directly).
    NegotiationModel: a `mesa.Model` wiring the protocol, one `Negotiator` agent per actor
        (plus a `Mediator` for the single text) and the war dynamics. One ``step()`` is one
        round; ``running`` turns false on agreement, breakdown or deadline. A
        ``DataCollector`` table (``rounds``) records every round, and Mesa's model and
        agent reporters (`sim.engine.reporters`) the same values once per step.

Randomness: one ``numpy.random.Generator`` per run, ``default_rng(seed)``, handed to Mesa
(``mesa.Model(rng=...)``, available as ``model.rng``) and from there to every strategy,
the random proposer and the dynamics. Nothing else draws random numbers. The dynamics are
pre-drawn for the whole deadline when the model is built, so a run's war does not depend
on how many rounds are played, and ``collect`` never changes what happens.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from sim.engine import protocols, strategies
from sim.engine.agents import Mediator, Negotiator
from sim.engine.dynamics import audience_offsets, compile_dynamics
from sim.engine.prepared import Prepared
from sim.engine.protocols.records import NEUTRAL, Outcome, Parties, RoundRecord
from sim.engine.reporters import agent_reporters, model_reporters, opening_row
from sim.engine.settings import DEFAULT_STRATEGY, RunConfig, StrategySpec
from sim.engine.strategies.base import Drafter, Strategy
from sim.errors import UserError

__all__ = ["DEFAULT_STRATEGY", "NegotiationModel", "RunConfig"]

#: The proposer column's value for a neutral mediator.
MEDIATOR_LABEL = "mediator"


class NegotiationModel(mesa.Model):
    """One negotiation run (see the module docstring).

    Attributes:
        seed: the recorded seed of ``rng``.
        prepared: the problem's precomputation.
        config: the run settings.
        protocol: the configured protocol.
        deadline: the number of rounds.
        negotiators: one `Negotiator` agent per actor, in problem order.
        mediator: the single-text `Mediator`, or None.
        dynamics: the compiled war dynamics.
        war: shape (deadline, n_vars), the pre-drawn state of every round.
        reservations: per round, every actor's reservation value.
        state: the protocol state.
        last: the last round's `RoundRecord`, or None before the first round.
        outcome: how the talks ended, or None while they run.
        current: the ``rounds`` row of the last round (before the first: `opening_row`),
            which the Mesa reporters read; only kept up to date when ``collect`` is on.
        datacollector: the round table (``rounds``) and the model and agent reporters, or
            None when ``collect`` is off.
    """

    def __init__(
        self,
        prepared: Prepared,
        config: RunConfig,
        seed: int,
        rounds: int | None = None,
        collect: bool = True,
    ) -> None:
        """Build a run.

        Args:
            prepared: the problem's precomputation (`sim.engine.prepare`).
            config: the run settings (`sim.scenario.run_config` reads a scenario's).
            seed: the run's seed (recorded; the only source of randomness).
            rounds: overrides the protocol deadline.
            collect: record every round in ``datacollector``.

        Raises:
            UserError: settings that cannot be run.
        """
        self.seed = int(seed)
        super().__init__(rng=np.random.default_rng(self.seed))
        self.prepared = prepared
        self.config = config
        problem = prepared.problem
        if len(config.strategies) != problem.n_actors:
            raise ValueError(
                f"expected {problem.n_actors} strategies, got {len(config.strategies)}"
            )
        try:
            cls = protocols.get(config.protocol.kind)
        except KeyError as exc:
            raise UserError(f"protocol.kind: {exc.args[0]}") from None
        self.protocol: protocols.Protocol[Any] = cls(prepared, config.protocol, rounds)
        self.deadline = self.protocol.deadline

        self.negotiators = tuple(
            Negotiator(self, i, actor, problem.preferences[i],
                       _build_strategy(config.strategies[i], self.rng, actor))
            for i, actor in enumerate(problem.actors)
        )
        if any(n.strategy.needs_equilibrium for n in self.negotiators):
            from sim.engine.equilibrium_play import bind_equilibrium

            bind_equilibrium(self.negotiators, prepared, config.protocol, rounds)
        mediator = self.protocol.mediator()
        self.mediator: Mediator | None = None
        if mediator is not None:
            index, spec = mediator
            drafter = _build_strategy(spec, self.rng, "mediator")
            assert isinstance(drafter, Drafter)  # the protocol's Params admit drafters only
            self.mediator = Mediator(self, index, drafter)
        self.parties = Parties(tuple(self.negotiators), self.mediator)

        self.dynamics = compile_dynamics(config.dynamics, problem.actors, prepared.reservations)
        issue = self.protocol.ceasefire_issue
        allowed = problem.options[issue] if issue is not None else ()
        for name in self.dynamics.ceasefire_options if issue is not None else ():
            if issue is not None and name not in allowed:
                raise UserError(f"dynamics.ceasefire_effect.options: unknown option '{name}' "
                                f"of issue '{problem.issues[issue]}'; allowed: "
                                f"{', '.join(allowed)}")
        self._draws: np.ndarray | None = None
        #: the round from which an agreed stage-1 ceasefire holds, or None
        self.ceasefire_from: int | None = None
        if self.dynamics.n_vars:
            self._draws = self.dynamics.draws(self.deadline - 1, self.rng)
            self.war = self.dynamics.path(self.deadline - 1, self._draws)
            self.reservations: list[list[float]] = self.dynamics.reservations(self.war).tolist()
            self._war_rows: list[list[float]] = self.war.tolist()
        else:  # constant reservation values: no state, no draws
            self.war = np.zeros((self.deadline, 0))
            self.reservations = [prepared.reservations.tolist()] * self.deadline
            self._war_rows = [[]] * self.deadline
        # the negotiators' domestic constraints (audience costs), or None
        self._audience = audience_offsets(config.dynamics, problem.actors, self.deadline)
        self._with_audience()

        self.state = self.protocol.initial()
        self.last: RoundRecord | None = None
        self.outcome: Outcome | None = None
        self._labels = tuple(problem.actors)
        self._objections = self.protocol.records_objections
        self._columns = self.columns()
        self.current: dict[str, Any] = {}
        self.datacollector: mesa.DataCollector | None = None
        if collect:
            self.current = opening_row(self._columns, self._labels, self.reservations[0],
                                       self._war_rows[0], tuple(self.dynamics.names))
            self.datacollector = mesa.DataCollector(
                model_reporters=model_reporters(tuple(self.dynamics.names)),
                agent_reporters=agent_reporters(),
                tables={"rounds": self._columns},
            )
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ the loop
    def step(self) -> None:
        """Play one round (no-op once the talks are over)."""
        if self.outcome is not None:
            self.running = False
            return
        t = self.state.round
        result = self.protocol.step(self.state, self.parties, self.reservations[t], self.rng)
        if result.state.ceasefire is not None and self.state.ceasefire is None:
            self._ceasefire(result.state.ceasefire, t + 1)
        if result.outcome is None and result.state.view != self.state.view:
            # a new stage (ceasefire_first) is a negotiation of its own: every negotiator
            # starts it afresh, whatever its strategy learnt in stage 1
            for agent in self.negotiators:
                agent.strategy.reset()
        self.state = result.state
        self.last = result.record
        if result.outcome is not None:
            self.outcome = result.outcome
            self.running = False
        if self.datacollector is not None:
            self.current = self.row(result.record)
            self.datacollector.add_table_row("rounds", self.current)
            self.datacollector.collect(self)

    # ------------------------------------------------------------------ recording
    def columns(self) -> list[str]:
        """The columns of the ``rounds`` table."""
        labels = self._labels
        cols = ["round", "stage", "proposer", "proposal", "accepted", "event", "walked"]
        cols += [f"utility_{a}" for a in labels]
        cols += [f"response_{a}" for a in labels]
        if self._objections:
            cols += [f"objections_{a}" for a in labels]
        cols += [f"reservation_{a}" for a in labels]
        cols += [f"state_{v}" for v in self.dynamics.names]
        return cols

    def _ceasefire(self, option: int, start: int) -> None:
        """Stage 1 settled on ``option``: a ceasefire option changes the war from ``start``."""
        issue = self.protocol.ceasefire_issue
        assert issue is not None  # a stage-1 settlement exists only under ceasefire_first
        name = self.prepared.problem.options[issue][option]
        if name not in self.dynamics.ceasefire_options:
            return
        self.ceasefire_from = start
        if not self.dynamics.n_vars or start >= self.deadline:
            return
        self.war = self.dynamics.with_ceasefire(self.war, self._draws, start)
        self.reservations = self.dynamics.reservations(self.war).tolist()
        self._with_audience()
        self._war_rows = self.war.tolist()

    def _with_audience(self) -> None:
        """Add the audience costs to the reservation values (clipped to [0, 1])."""
        if self._audience is not None:
            moved = np.clip(np.asarray(self.reservations) + self._audience, 0.0, 1.0)
            self.reservations = moved.tolist()

    def row(self, rec: RoundRecord) -> dict[str, Any]:
        """One ``rounds`` table row for a round record.

        ``utility_<actor>`` is the actor's utility of the proposal in the round's stage
        (stage 1 of ``ceasefire_first``: of the option's stage-2 anchor, the package the
        actors value the option by);
        ``response_<actor>`` is True/False, None when not asked (ratifiers answer in the
        round of the summit's deal); ``walked`` lists who walked out at the end of it.
        """
        labels = self._labels
        n = len(labels)
        t = rec.round
        p = rec.proposer
        proposer = None if p is None else (MEDIATOR_LABEL if p == NEUTRAL else labels[p])
        walked = ",".join(labels[a] for a in rec.walked) if rec.walked else ""
        values = [t, rec.stage, proposer, rec.proposal, rec.accepted, rec.event, walked]
        row = rec.proposal
        if row is None:
            values += [None] * n
        else:
            values += self.prepared.U[row].tolist()
        responses = rec.responses
        if rec.ratification is not None:
            responses = tuple(r if r is not None else q
                              for r, q in zip(rec.ratification, responses, strict=True))
        values += [None if r is None else r.accept for r in responses]
        if self._objections:
            issues = self.prepared.problem.issues
            values += [
                "" if r is None or r.accept else ",".join(issues[j] for j in r.objections)
                for r in responses
            ]
        values += self.reservations[t]
        values += self._war_rows[t]
        return dict(zip(self._columns, values, strict=True))


def _build_strategy(spec: StrategySpec, rng: np.random.Generator, who: str) -> Strategy[Any]:
    """Build a strategy, turning a bad spec into a one-line `UserError`."""
    try:
        return strategies.build(spec, rng)
    except KeyError as exc:
        raise UserError(f"{who}: strategy: {exc}") from None
    except ValueError as exc:
        raise UserError(f"{who}: strategy: {exc}") from None
