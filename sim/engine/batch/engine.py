"""The batched engine: many runs of one prepared problem and run config, round by round.

Core objects:
    Batch: a configured batch plan: the protocol, every actor's kernel, the pass tables.
    plan: a `Batch` for (prepared, config, rounds), or the reason why the per-run engine
        must play it (`Fallback`).
    run_batch: play a list of seeds; one `RunResult` per seed, equal field by field to
        `sim.engine.api.run(..., collect=False)` with that seed.

What it covers. Protocols whose rounds are `sim.engine.protocols.rounds.offer_round` with
the proposer rotating over the seats (``alternating_offers``, ``summit_ratification``) or
recognised at random (``random_proposer``: one uniform draw per round from the run's
generator), and the mediated ``single_text`` (`sim.engine.batch.single_text`: a drafting
kernel, the parties' answers and objections), ``package`` and ``ceasefire_first``
sequencing (`sim.engine.batch.stages`), audience costs, both walk rules. A table from
which any walk-out ends the talks (every seat that may walk is a veto actor, essential,
or its leaving makes the rule unreachable) never changes while a run goes on; one that a
seat may leave while the talks go on shrinks run by run (`sim.engine.batch.tables`)
under ``alternating_offers`` and ``random_proposer`` with ``package`` sequencing, and
falls back under ``ceasefire_first`` or in a single text. The summit's ratification
vote, with ``renegotiate`` (a rejected deal back to the table, ``max_attempts``) and the
negotiators' ``beliefs`` about the ratifiers, per run (`sim.engine.batch.ratify`: one
posterior per vote history, handed to the kernels that read it), under ``package``
sequencing (under ``ceasefire_first`` either falls back). Equilibrium agents get the play
the model binds (`sim.engine.equilibrium_play`), once per plan. Each round, the live runs
are grouped by their proposer (on a table that shrinks, first by their table). Every
actor (ratifiers included) needs a strategy kernel (`sim.engine.batch.kernels`). Anything
else falls back to the per-run engine, with the reason.

Randomness stays per run: each run's generator is ``default_rng(seed)``, drawn from in
the order of `NegotiationModel` (Mesa's seed for ``model.random``, the war's trajectory,
then one draw per round for a random proposer); kernels that draw (``Kernel.draws``, a
drafting mediator's) take their numbers from the same generators in the per-run order.
So a run's result does not depend on the batch it is played in. The per-run engine
(`NegotiationModel`) remains the reference implementation; the equivalence property
(tests/test_batch_equivalence.py) checks this engine against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from sim.engine import protocols, strategies
from sim.engine.api import RunResult
from sim.engine.batch.draws import draw_proposers, draws
from sim.engine.batch.kernels import KERNELS, Kernel, kernel_for
from sim.engine.batch.play import Play, fresh_kernels, next_live, offer_round
from sim.engine.batch.ratify import Votes
from sim.engine.batch.result import result
from sim.engine.batch.single_text import Mediation, mediation, run_single_text
from sim.engine.batch.stages import run_staged, stage_plans
from sim.engine.batch.tables import run_tables
from sim.engine.batch.walks import Shown, walk_outs
from sim.engine.dynamics import Dynamics, audience_offsets, compile_dynamics
from sim.engine.equilibrium_play import seat_plays
from sim.engine.prepared import Prepared, StageView
from sim.engine.protocols.alternating_offers import AlternatingOffers
from sim.engine.protocols.random_proposer import RandomProposer
from sim.engine.protocols.records import NEUTRAL
from sim.engine.protocols.single_text import SingleText
from sim.engine.protocols.summit_ratification import SummitRatification
from sim.engine.settings import RunConfig
from sim.errors import UserError

__all__ = ["Batch", "Fallback", "plan", "run_batch"]

#: Protocol classes (exact) whose rounds this engine plays.
PROTOCOLS: tuple[type, ...] = (AlternatingOffers, SummitRatification, RandomProposer,
                               SingleText)


@dataclass(frozen=True)
class Fallback:
    """Why a configuration runs on the per-run engine (``reason``: one line)."""

    reason: str


@dataclass
class Batch:
    """A batch plan (see the module docstring)."""

    prepared: Prepared
    protocol: protocols.Protocol[Any]
    view: StageView
    kernels: tuple[Kernel | None, ...]
    dynamics: Dynamics
    passes: dict[int, np.ndarray]
    ratify: np.ndarray | None
    ratifiers: tuple[int, ...]
    walkers: tuple[int, ...] = ()
    utilities: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    acceptable: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    best: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mediation: Mediation | None = None  # the single text's drafter (`batch.single_text`)
    #: shape (deadline, n): audience costs added to the reservation values, or None
    audience: np.ndarray | None = None
    #: ``ceasefire_first``: the plans of both stages (`sim.engine.batch.stages`), else None
    stages: Any = None
    #: summit: whether a rejected deal returns to the table, and the most votes (None: any)
    renegotiate: bool = False
    max_attempts: int | None = None
    #: summit with beliefs: the negotiators' prior beliefs (`TableBeliefs`), else None
    prior: Any = None
    #: whether a walk-out may leave the talks going on a smaller table (`batch.tables`)
    shrinks: bool = False
    #: pass tables of smaller tables, by (proposer, seats still at the table), built lazily
    smaller: dict[tuple[int, tuple[int, ...]], np.ndarray] = field(default_factory=dict)

    def pass_table(self, p: int, active: tuple[int, ...]) -> np.ndarray:
        """The pass table of proposer ``p`` when only ``active`` are at the table.

        The rule's veto and quota bars are those of the full table (they do not fall
        when actors walk out); the responders are the active seats after ``p``.
        """
        if len(active) == len(self.protocol.seats):
            return self.passes[p]
        key = (p, active)
        got = self.smaller.get(key)
        if got is None:
            proto = self.protocol
            got = _pass_table(proto.rule, p, proto.responders_after(active, p), active)
            self.smaller[key] = got
        return got


def _pass_table(rule: Any, sponsor: int, voters: Sequence[int], active: Sequence[int]
                ) -> np.ndarray:
    """``table[mask]``: whether the rule passes when the voters in bit-mask ``mask`` accept."""
    out = np.zeros(1 << len(voters), dtype=bool)
    for mask in range(out.shape[0]):
        acc = [v for k, v in enumerate(voters) if mask >> k & 1]
        out[mask] = rule.passes(sponsor, acc, active)
    return out


def plan(prepared: Prepared, config: RunConfig, rounds: int | None = None) -> Batch | Fallback:
    """A batch plan for this problem and config, or why it must run per run.

    Invalid settings give a `Fallback` too: the per-run engine then reports them.
    """
    try:
        cls = protocols.get(config.protocol.kind)
        if cls not in PROTOCOLS:
            return Fallback(f"protocol {cls.name} has no batch kernel")
        protocol = cls(prepared, config.protocol, rounds)
    except (KeyError, ValueError, UserError):
        return Fallback("invalid settings")  # the per-run engine reports them
    prior = None
    if isinstance(protocol, SummitRatification):
        if protocol.ceasefire_issue is not None and (
                protocol.params.renegotiate or protocol.params.beliefs is not None):
            return Fallback("renegotiation or beliefs about ratifiers under ceasefire_first "
                            "have no batch kernel")
        try:
            prior = protocol.initial().beliefs  # the same in every run (prepared.derived)
        except UserError:
            return Fallback("invalid settings")  # the per-run engine reports them
    seats = protocol.seats
    shrinking = [a for a in seats if protocol.walk_away and protocol.can_walk(a)
                 and not _breaks_alone(protocol, a)]
    if shrinking:  # a table that may shrink (`sim.engine.batch.tables`)
        where = ""
        if protocol.mediator() is not None:
            where = "of a mediated single text"
        elif protocol.ceasefire_issue is not None:
            where = "under ceasefire_first"
        elif not isinstance(protocol, (AlternatingOffers, RandomProposer)):
            where = f"under {cls.name}"
        if where:
            return Fallback(f"{protocol.actors[shrinking[0]]} may walk out {where} without "
                            "ending the talks (no batch kernel)")
    view = prepared.view(protocol.first_view)
    acting = set(seats) | set(getattr(protocol, "ratifiers", ()))
    kernels: list[Kernel | None] = []
    dummy = np.random.default_rng(0)  # kernelised strategies never draw (stochastic = False)
    built = []
    for spec in config.strategies:
        try:
            built.append(strategies.build(spec, dummy))
        except (KeyError, ValueError):
            return Fallback("invalid settings")  # the per-run engine reports them
    if any(s.needs_equilibrium for s in built):
        try:  # as the model binds it: the same game, deadline and no-deal convention
            plays = seat_plays(prepared, config.protocol, rounds)
        except UserError:
            return Fallback("invalid settings")  # the per-run engine reports them
        for i, s in enumerate(built):
            if s.needs_equilibrium:
                cast(Any, s).bind(plays[i])  # `Equilibrium.bind`
    for i, strategy in enumerate(built):
        spec = config.strategies[i]
        kernel = kernel_for(strategy, view, i)
        if kernel is None and i in acting:
            return Fallback(f"strategy {spec.kind} ({protocol.actors[i]}) has no batch kernel"
                            + (" with these parameters" if type(strategy) in KERNELS else ""))
        kernels.append(kernel)
    passes = {}
    for p in seats:
        passes[p] = _pass_table(protocol.rule, p, protocol.responders_after(seats, p), seats)
    med: Mediation | None = None
    if protocol.mediator() is not None:
        got = mediation(prepared, protocol, view, kernels)
        if isinstance(got, str):
            return Fallback(got)
        med = got
        passes[NEUTRAL] = _pass_table(protocol.rule, NEUTRAL, seats, seats)
    ratifiers: tuple[int, ...] = ()
    ratify = None
    if isinstance(protocol, SummitRatification) and protocol.ratifiers:
        ratifiers = protocol.ratifiers
        ratify = _pass_table(protocol.ratification_rule, NEUTRAL, ratifiers, ratifiers)
    problem = prepared.problem
    dynamics = compile_dynamics(config.dynamics, problem.actors, prepared.reservations)
    try:
        audience = audience_offsets(config.dynamics, problem.actors, protocol.deadline)
    except ValueError:
        return Fallback("invalid settings")  # the per-run engine reports them
    n = protocol.n
    batch = Batch(prepared, protocol, view, tuple(kernels), dynamics, passes, ratify,
                  ratifiers, walkers=tuple(a for a in seats if protocol.can_walk(a)),
                  utilities=np.stack(view.utilities, axis=1) if n else np.zeros((0, 0)),
                  acceptable=np.stack(view.acceptable, axis=1),
                  best=np.asarray(view.best, dtype=np.float64), mediation=med,
                  audience=audience, prior=prior)
    batch.shrinks = bool(shrinking)
    if isinstance(protocol, SummitRatification):
        batch.renegotiate = bool(protocol.params.renegotiate)
        batch.max_attempts = protocol.params.max_attempts
    if med is not None and protocol.walk_away and config.protocol.walk_rule != "seen":
        return Fallback("walk_rule expected in a mediated single text has no batch kernel")
    if protocol.ceasefire_issue is not None:
        if med is not None:
            return Fallback("ceasefire_first in a mediated single text has no batch kernel")
        stages = stage_plans(batch)
        if stages is None:
            return Fallback("invalid settings")  # the per-run engine reports them
        batch.stages = stages
    return batch


def _breaks_alone(protocol: protocols.Protocol[Any], a: int) -> bool:
    """Whether ``a`` walking out alone ends the talks (then any walk-out does)."""
    rule = protocol.rule
    if a in rule.veto or protocol.essential(a):
        return True
    active = tuple(s for s in protocol.seats if s != a)
    if len(active) < 2:
        return True
    proposers = protocol.proposers(active)
    return not proposers or not rule.reachable(active, proposers)


def run_batch(batch: Batch, seeds: Sequence[int]) -> list[RunResult]:
    """Play one run per seed (see the module docstring); results in seed order."""
    if batch.mediation is not None:
        return run_single_text(batch, seeds)
    proto, view, prepared = batch.protocol, batch.view, batch.prepared
    if batch.stages is not None:
        return run_staged(batch, seeds)
    if batch.shrinks:
        return run_tables(batch, seeds)
    deadline, seats = proto.deadline, proto.seats
    B = len(seeds)
    live_draws = any(k is not None and k.draws for k in batch.kernels)
    res, proposer, rngs = draws(prepared, batch.dynamics, proto, seeds, live=live_draws,
                                audience=batch.audience)
    kernels = fresh_kernels(batch.kernels, view, rngs)
    play = Play.start(batch, kernels, res, proposer)
    if batch.prior is not None:
        play.votes = Votes(batch.prior, B)
        for k in kernels:
            if k is not None:
                k.beliefs = play.votes
    shown = Shown(B, proto.n) if proto.spec.walk_rule == "expected" else None
    live = np.arange(B)
    for t in range(deadline):
        if live.size == 0:
            break
        done = np.zeros(B, dtype=bool)
        if live_draws:
            draw_proposers(proto, rngs, live, t, proposer)
        who_proposes = proposer[live, t]
        play.rejected[live] = False
        for p in seats:
            sub = live[who_proposes == p]
            if sub.size:
                offer_round(play, sub, p, t, done)
        if proto.walk_away:
            if shown is not None:
                shown.record(play, live, t)
            # no walk-outs in the round of a rejected deal (`rounds._settle`)
            walk_outs(play, live[~play.rejected[live]], t, done, shown=shown)
        live = next_live(play, live, t, deadline, done)
    actors = prepared.problem.actors
    out = []
    for b in range(B):
        row, ratified = int(play.deal[b]), play.ratified[b]
        final = None
        if play.votes is not None and row >= 0 and ratified is not None:
            final = play.votes.final(b, row, actors)
        out.append(result(prepared, deadline, int(seeds[b]), str(play.reason[b]), row,
                          int(play.end_round[b]), ratified, play.walked[b], res[b],
                          attempts=int(play.attempts[b]), beliefs_final=final))
    return out
