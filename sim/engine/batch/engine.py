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
generator), ``package`` sequencing, and a table from which any walk-out ends the talks
(every seat that may walk is a veto actor, essential, or its leaving makes the rule
unreachable), so the table never changes while a run goes on. Each round, the live runs
are grouped by their proposer. Every actor
(ratifiers included) needs a strategy kernel (`sim.engine.batch.kernels`). Anything else
falls back to the per-run engine, with the reason.

Randomness stays per run: each run's generator is ``default_rng(seed)``, drawn from in
the order of `NegotiationModel` (Mesa's seed for ``model.random``, the war's trajectory,
then one draw per round for a random proposer); the kernelised strategies draw nothing.
So a run's result does not depend on the batch it is played in. The per-run engine
(`NegotiationModel`) remains the reference implementation; the equivalence property
(tests/test_batch_equivalence.py) checks this engine against it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine import protocols, strategies
from sim.engine.api import RunResult, nash_distance, package_dict, pareto_optimal
from sim.engine.batch.kernels import KERNELS, Kernel, Memory, kernel_for
from sim.engine.dynamics import Dynamics, compile_dynamics
from sim.engine.prepared import Prepared, StageView
from sim.engine.protocols.alternating_offers import AlternatingOffers
from sim.engine.protocols.random_proposer import RandomProposer
from sim.engine.protocols.records import AGREEMENT, DEADLINE, NEUTRAL, STILLBORN, WALK_AWAY
from sim.engine.protocols.summit_ratification import SummitRatification
from sim.engine.settings import RunConfig
from sim.errors import UserError

__all__ = ["Batch", "Fallback", "plan", "run_batch"]

#: Protocol classes (exact) whose rounds this engine plays.
PROTOCOLS: tuple[type, ...] = (AlternatingOffers, SummitRatification, RandomProposer)


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
    if protocol.first_view != ("package",):
        return Fallback("ceasefire_first sequencing has no batch kernel")
    if protocol.mediator() is not None:
        return Fallback("a mediator has no batch kernel")
    if isinstance(protocol, SummitRatification) and (
            protocol.params.renegotiate or getattr(protocol.params, "beliefs", None) is not None):
        return Fallback("renegotiation and beliefs about ratifiers have no batch kernel")
    if config.dynamics is not None and config.dynamics.audience_costs:
        return Fallback("audience costs have no batch kernel")
    seats = protocol.seats
    if protocol.walk_away and config.protocol.walk_rule != "seen":
        return Fallback(f"walk_rule {config.protocol.walk_rule} has no batch kernel")
    if protocol.walk_away:
        for a in seats:
            if protocol.can_walk(a) and not _breaks_alone(protocol, a):
                return Fallback(f"{protocol.actors[a]} may walk out without ending the talks")
    view = prepared.view(protocol.first_view)
    acting = set(seats) | set(getattr(protocol, "ratifiers", ()))
    kernels: list[Kernel | None] = []
    dummy = np.random.default_rng(0)  # kernelised strategies never draw (stochastic = False)
    for i, spec in enumerate(config.strategies):
        try:
            strategy = strategies.build(spec, dummy)
        except (KeyError, ValueError):
            return Fallback("invalid settings")  # the per-run engine reports them
        kernel = kernel_for(strategy, view, i)
        if kernel is None and i in acting:
            return Fallback(f"strategy {spec.kind} ({protocol.actors[i]}) has no batch kernel"
                            + (" with these parameters" if type(strategy) in KERNELS else ""))
        kernels.append(kernel)
    passes = {}
    for p in seats:
        passes[p] = _pass_table(protocol.rule, p, protocol.responders_after(seats, p), seats)
    ratifiers: tuple[int, ...] = ()
    ratify = None
    if isinstance(protocol, SummitRatification) and protocol.ratifiers:
        ratifiers = protocol.ratifiers
        ratify = _pass_table(protocol.ratification_rule, NEUTRAL, ratifiers, ratifiers)
    dynamics = compile_dynamics(config.dynamics, prepared.problem.actors, prepared.reservations)
    return Batch(prepared, protocol, view, tuple(kernels), dynamics, passes, ratify, ratifiers)


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


def _draws(batch: Batch, seeds: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Every run's reservation values (B, deadline, n) and proposers (B, deadline).

    Drawn from each run's generator in the order of the model: Mesa's seed, the war's
    trajectory, then (random proposer) one uniform per round, inverted through the
    cumulative recognition probabilities as `RandomProposer.draw` does. Rounds a run does
    not reach draw numbers nothing else uses.
    """
    prepared, dyn, proto = batch.prepared, batch.dynamics, batch.protocol
    deadline = proto.deadline
    seats = proto.seats
    res = np.empty((len(seeds), deadline, prepared.problem.n_actors))
    proposer = np.empty((len(seeds), deadline), dtype=np.int64)
    proposer[:] = np.array([seats[t % len(seats)] for t in range(deadline)])
    cands: tuple[int, ...] = ()
    cum = np.zeros(0)
    total = 0.0
    if isinstance(proto, RandomProposer):
        cands = proto.proposers(seats)
        acc, sums = 0.0, []
        for a in cands:
            acc += proto.probability[a]
            sums.append(acc)
        cum, total = np.array(sums), sum(proto.probability[a] for a in cands)
    noise = np.zeros((len(seeds), deadline - 1, dyn.n_vars))
    for b, seed in enumerate(seeds):
        rng = np.random.default_rng(int(seed))
        rng.integers(np.iinfo(np.int32).max)  # mesa.Model's seed for model.random
        if dyn.n_vars and dyn.noisy:
            noise[b] = rng.standard_normal((deadline - 1, dyn.n_vars))
        if cands:
            k = np.searchsorted(cum, rng.random(deadline) * total, side="right")
            proposer[b] = np.asarray(cands)[np.minimum(k, len(cands) - 1)]
    if dyn.n_vars:
        war = _trajectories(dyn, noise)
        for b in range(len(seeds)):
            res[b] = dyn.reservations(war[b])
    else:
        res[:] = prepared.reservations
    return res, proposer


def _trajectories(dyn: Dynamics, z: np.ndarray) -> np.ndarray:
    """`Dynamics.trajectory` of every run at once from its standard normals ``z``.

    ``z`` shape (B, rounds, n_vars); the same element-wise operations in the same order
    as the per-run trajectory, so every state is bit for bit the same.
    """
    B, rounds, n_vars = z.shape
    if dyn.noisy:
        inc = dyn.drift + dyn.noise * z
    else:
        inc = np.broadcast_to(dyn.drift, (B, rounds, n_vars))
    out = np.empty((B, rounds + 1, n_vars))
    out[:, 0] = dyn.initial()
    unbounded = np.all(np.isinf(dyn.lower)) and np.all(np.isinf(dyn.upper))
    if unbounded and all(r == 0 for r in dyn.events):
        np.cumsum(np.concatenate([out[:, :1], inc], axis=1), axis=1, out=out)
        return out
    for r in range(1, rounds + 1):
        out[:, r] = np.clip(dyn._events_at(out[:, r - 1] + inc[:, r - 1], r),
                            dyn.lower, dyn.upper)
    return out


def run_batch(batch: Batch, seeds: Sequence[int]) -> list[RunResult]:
    """Play one run per seed (see the module docstring); results in seed order."""
    proto, view = batch.protocol, batch.view
    # per-call copies: a run's memory lives in its call, so threads may share a plan
    kernels = tuple(None if k is None else copy.copy(k) for k in batch.kernels)
    prepared = batch.prepared
    packages = prepared.packages
    n, deadline, seats = proto.n, proto.deadline, proto.seats
    B = len(seeds)
    res, proposer = _draws(batch, seeds)
    sizes = np.array([len(v) for v in view.parts[0][5]], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    for k in kernels:
        if k is not None:
            k.memory = Memory(B, offsets, int(sizes.sum())) if k.uses_memory else None
            k.start(B, n)
    seen = np.full((B, n), -math.inf)
    utilities = np.stack(view.utilities, axis=1) if n else np.zeros((0, 0))
    acceptable = np.stack(view.acceptable, axis=1)
    best = np.asarray(view.best, dtype=np.float64)
    walkers = [a for a in seats if proto.can_walk(a)]
    reason = np.array([""] * B, dtype=object)
    end_round = np.full(B, -1, dtype=np.int64)
    deal = np.full(B, -1, dtype=np.int64)
    ratified: list[bool | None] = [None] * B
    walked: list[tuple[int, ...]] = [()] * B
    live = np.arange(B)

    def offer_round(runs: np.ndarray, p: int, t: int, done: np.ndarray) -> None:
        """Proposer ``p`` offers in ``runs``; settle the passed ones, update ``seen``."""
        rows = _k(kernels, p).propose(runs, t, proto.times, deadline, res[runs, t, p],
                                      packages)
        offered = rows >= 0
        runs, offer = runs[offered], rows[offered]
        opts = packages[offer]
        for a in range(n):
            ka = kernels[a]
            if a != p and ka is not None:
                ka.observe(runs, p, offer, opts)
        responders = proto.responders_after(seats, p)
        mask = np.zeros(runs.size, dtype=np.int64)
        acc_by: dict[int, np.ndarray] = {}
        for j, a in enumerate(responders):
            yes = _k(kernels, a).respond(runs, t, proto.times, deadline, res[runs, t, a],
                                         offer, packages) & view.acceptable[a][offer]
            acc_by[a] = yes
            mask |= yes.astype(np.int64) << j
        passed = batch.passes[p][mask]
        if passed.any():
            prun, prow = runs[passed], offer[passed]
            ok = np.ones(prun.size, dtype=bool)
            if batch.ratify is not None:
                rmask = np.zeros(prun.size, dtype=np.int64)
                for j, a in enumerate(batch.ratifiers):
                    yes = _k(kernels, a).respond(prun, t, proto.times, deadline,
                                                 res[prun, t, a], prow, packages)
                    rmask |= (yes & view.acceptable[a][prow]).astype(np.int64) << j
                ok = batch.ratify[rmask]
            for b, r, o in zip(prun.tolist(), prow.tolist(), ok.tolist(), strict=True):
                reason[b] = AGREEMENT if o else STILLBORN
                deal[b], end_round[b] = r, t
                if batch.ratify is not None:
                    ratified[b] = bool(o)
                elif isinstance(proto, SummitRatification):
                    ratified[b] = True
            done[prun] = True
        if proto.walk_away:
            _seen(seen, utilities, acceptable, runs[~passed], offer[~passed], p,
                  {a: v[~passed] for a, v in acc_by.items()}, seats)

    for t in range(deadline):
        if live.size == 0:
            break
        done = np.zeros(B, dtype=bool)
        who_proposes = proposer[live, t]
        for p in seats:
            sub = live[who_proposes == p]
            if sub.size:
                offer_round(sub, p, t, done)
        if proto.walk_away:
            rest = live[~done[live]]
            late = t >= proto.walk_from
            out = np.zeros(rest.size, dtype=bool)
            who = []
            for a in walkers:
                r = res[rest, t, a]
                w = (r > best[a]) | (late & (r > seen[rest, a]))
                who.append(w)
                out |= w
            for j in np.flatnonzero(out).tolist():
                b = int(rest[j])
                reason[b], end_round[b] = WALK_AWAY, t
                walked[b] = tuple(a for a, w in zip(walkers, who, strict=True) if w[j])
                done[b] = True
        if t + 1 >= deadline:
            last = live[~done[live]]
            reason[last] = DEADLINE
            end_round[last] = t
            done[last] = True
        live = live[~done[live]]
    return [_result(batch, int(seeds[b]), str(reason[b]), int(deal[b]), int(end_round[b]),
                    ratified[b], walked[b], res[b]) for b in range(B)]


def _k(kernels: tuple[Kernel | None, ...], a: int) -> Kernel:
    """The kernel of an acting actor (`plan` checked that it has one)."""
    kernel = kernels[a]
    assert kernel is not None
    return kernel


def _seen(seen: np.ndarray, utilities: np.ndarray, acceptable: np.ndarray, runs: np.ndarray,
          offer: np.ndarray, p: int, acc_by: dict[int, np.ndarray], seats: Sequence[int]
          ) -> None:
    """`sim.engine.protocols.rounds._update_seen` for every run with an offer."""
    if runs.size == 0:
        return
    anyone = np.zeros(runs.size, dtype=bool)
    for v in acc_by.values():
        anyone |= v
    for a in seats:
        upd = acceptable[offer, a]
        if a == p:
            upd = upd & anyone  # supporters = (p,) alone: p's own offer does not count
        x = utilities[offer, a]
        cur = seen[runs, a]
        seen[runs, a] = np.where(upd & (x > cur), x, cur)


def _result(batch: Batch, seed: int, reason: str, row: int, t: int, ratified: bool | None,
            walked: tuple[int, ...], res: np.ndarray) -> RunResult:
    """The `RunResult` of one finished run (as `sim.engine.api.result_of`)."""
    prepared = batch.prepared
    actors = prepared.problem.actors
    agreement = reason == AGREEMENT
    package = deal_utilities = None
    settled = None
    if row >= 0:
        package = package_dict(prepared, row)
        deal_utilities = {a: float(prepared.U[row, i]) for i, a in enumerate(actors)}
        settled = t
    pareto = nash = None
    if agreement:
        assert deal_utilities is not None
        utilities = dict(deal_utilities)
        pareto = pareto_optimal(prepared, row, res[t].tolist())
        nash = nash_distance(prepared, row)
    else:
        utilities = {a: float(r) for a, r in zip(actors, res[t].tolist(), strict=True)}
    model_d = prepared.problem.durability  # package sequencing: no stage-1 ceasefire here
    durability = None
    if model_d is not None and agreement:
        durability = float(model_d.of(prepared.packages[row:row + 1])[0])
    return RunResult(
        agreement=agreement, package=package, row=None if row < 0 else row, round=settled,
        utilities=utilities, ratified=ratified, stillborn=reason == STILLBORN,
        pareto_optimal=pareto, nash_distance=nash, seed=seed, reason=reason, rounds=t + 1,
        deadline=batch.protocol.deadline, ceasefire=None,
        walked_out=tuple(actors[a] for a in walked), deal_utilities=deal_utilities,
        durability=durability, attempts=int(ratified is not None), table=None,
    )
