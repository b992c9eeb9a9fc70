"""The Mesa model of one negotiation run.

Core objects:
    RunConfig: how a prepared problem is run: the protocol, one strategy per actor and the
        war dynamics (taken from a scenario, or given directly, e.g. by benchmarks).
    NegotiationModel: a `mesa.Model` wiring the protocol, one `Negotiator` agent per actor
        (plus a `Mediator` for the single text) and the war dynamics. One ``step()`` is one
        round; ``running`` turns false on agreement, breakdown or deadline. A
        ``DataCollector`` table (``rounds``) records every round.

Randomness: one ``numpy.random.Generator`` per run, ``default_rng(seed)``, handed to Mesa
(``mesa.Model(rng=...)``, available as ``model.rng``) and from there to every strategy,
the random proposer and the dynamics. Nothing else draws random numbers. The dynamics are
pre-drawn for the whole deadline when the model is built, so a run's war does not depend
on how many rounds are played, and ``collect`` never changes what happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.engine import protocols
from sim.engine.agents import Mediator, Negotiator
from sim.engine.dynamics import compile_dynamics
from sim.engine.prepared import Prepared, prepare
from sim.engine.protocols.base import NEUTRAL, Outcome, Parties, RoundRecord
from sim.errors import UserError
from sim.scenario.specs import DynamicsSpec, ProtocolSpec, StrategySpec

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.schema import Scenario

__all__ = ["DEFAULT_STRATEGY", "NegotiationModel", "RunConfig"]

#: The strategy of an actor that names none when the scenario has no default_strategy:
#: linear concession (Faratin et al., 1998), the neutral middle of the time-dependent
#: family.
DEFAULT_STRATEGY = StrategySpec(kind="linear")
#: The proposer column's value for a neutral mediator.
MEDIATOR_LABEL = "mediator"


@dataclass(frozen=True)
class RunConfig:
    """How a prepared problem is run.

    Attributes:
        protocol: the protocol settings.
        strategies: one strategy spec per actor, in problem order.
        dynamics: the war dynamics, or None for constant reservation values.
    """

    protocol: ProtocolSpec
    strategies: tuple[StrategySpec, ...]
    dynamics: DynamicsSpec | None = None

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> RunConfig:
        """The run settings a scenario declares.

        An actor's strategy is its own ``strategy``, else the scenario's
        ``default_strategy``, else `DEFAULT_STRATEGY`.

        Raises:
            UserError: the scenario has no ``protocol`` (it is analysis-only).
        """
        if scenario.protocol is None:
            raise UserError(
                f"{scenario.name}: protocol: the scenario has no protocol, so it cannot be "
                "run (add a 'protocol' section)"
            )
        default = scenario.default_strategy or DEFAULT_STRATEGY
        strategies = tuple(a.strategy or default for a in scenario.actors.values())
        return cls(scenario.protocol, strategies, scenario.dynamics)


class NegotiationModel(mesa.Model):
    """One negotiation run (see the module docstring).

    Attributes:
        seed: the recorded seed of ``rng``.
        prepared: the scenario's precomputation.
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
        datacollector: the round table (``rounds``), or None when ``collect`` is off.
    """

    def __init__(
        self,
        source: Scenario | Prepared,
        seed: int,
        rounds: int | None = None,
        collect: bool = True,
        config: RunConfig | None = None,
    ) -> None:
        """Build a run.

        Args:
            source: a validated scenario, or its `Prepared` precomputation.
            seed: the run's seed (recorded; the only source of randomness).
            rounds: overrides the protocol deadline.
            collect: record every round in ``datacollector``.
            config: run settings; default: those of the scenario.

        Raises:
            UserError: settings that cannot be run (e.g. no protocol).
        """
        if isinstance(source, Prepared):
            prepared = source
            scenario = source.scenario
        else:
            scenario = source
            prepared = prepare(source)
        if config is None:
            if scenario is None:
                raise ValueError("a Prepared built from a bare Problem needs a RunConfig")
            config = RunConfig.from_scenario(scenario)
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
        self.protocol = cls(prepared, config.protocol, rounds)
        self.deadline = self.protocol.deadline

        from sim.engine import strategies

        self.negotiators = tuple(
            Negotiator(self, i, actor, problem.preferences[i],
                       _build_strategy(strategies, config.strategies[i], self.rng, actor))
            for i, actor in enumerate(problem.actors)
        )
        mediator = self.protocol.mediator()
        self.mediator = None
        if mediator is not None:
            index, spec = mediator
            self.mediator = Mediator(
                self, index, _build_strategy(strategies, spec, self.rng, "mediator")
            )
        self.parties = Parties(tuple(self.negotiators), self.mediator)

        self.dynamics = compile_dynamics(config.dynamics, problem.actors, prepared.reservations)
        if self.dynamics.n_vars:
            self.war = self.dynamics.trajectory(self.deadline - 1, self.rng)
            self.reservations: list[list[float]] = self.dynamics.reservations(self.war).tolist()
            self._war_rows: list[list[float]] = self.war.tolist()
        else:  # constant reservation values: no state, no draws
            self.war = np.zeros((self.deadline, 0))
            self.reservations = [prepared.reservations.tolist()] * self.deadline
            self._war_rows = [[]] * self.deadline

        self.state = self.protocol.initial()
        self.last: RoundRecord | None = None
        self.outcome: Outcome | None = None
        self._labels = tuple(problem.actors)
        self._objections = self.protocol.name == "single_text"
        self._columns = self.columns()
        self.datacollector = (
            mesa.DataCollector(tables={"rounds": self._columns}) if collect else None
        )

    # ------------------------------------------------------------------ the loop
    def step(self) -> None:
        """Play one round (no-op once the talks are over)."""
        if self.outcome is not None:
            self.running = False
            return
        t = self.state.round
        result = self.protocol.step(self.state, self.parties, self.reservations[t], self.rng)
        self.state = result.state
        self.last = result.record
        if self.datacollector is not None:
            self.datacollector.add_table_row("rounds", self.row(result.record))
        if result.outcome is not None:
            self.outcome = result.outcome
            self.running = False

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

    def row(self, rec: RoundRecord) -> dict:
        """One ``rounds`` table row for a round record.

        ``utility_<actor>`` is the actor's utility of the proposal in the round's stage
        (stage 1 of ``ceasefire_first``: its value of the ceasefire option);
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
        elif rec.stage == "ceasefire":
            i = self.protocol.ceasefire_issue
            o = int(self.prepared.packages[row, i])
            values += [float(v[i][o]) for v in self.prepared.values]
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


def _build_strategy(strategies, spec: StrategySpec, rng: np.random.Generator, who: str):
    """Build a strategy, turning a bad spec into a one-line `UserError`."""
    try:
        return strategies.build(spec, rng)
    except KeyError as exc:
        raise UserError(f"{who}: strategy: {exc}") from None
    except ValueError as exc:
        raise UserError(f"{who}: strategy: {exc}") from None
