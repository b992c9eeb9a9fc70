"""The mediated single negotiating text, played over a batch of runs.

Core objects:
    Mediation: the single-text part of a batch plan: the drafting kernel, the pass table
        of a text (nobody counted as its sponsor), each party's objection rule.
    mediation: that part for a `SingleText` protocol, or the reason it must run per run.
    run_single_text: play a batch of seeds of a single-text plan (`run_batch` dispatches).

The round is `SingleText._step` over arrays of runs: the mediator drafts (or passes when
nothing is feasible), every party at the table answers in seat order and, rejecting,
names the issues it objects to (a strategy with the default `Strategy.objections`: its
largest shortfalls; a strategy with its own rule: its `ObjectingKernel`); the text passes
under the acceptance rule; otherwise the mediator hears the objections and drafts (the
walk-away and deadline rules are those of the offer protocols, `play.walk_outs`). Runs
draw from their own generators in the per-run order: the drafter first, then the parties
in seat order.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine import strategies
from sim.engine.api import RunResult
from sim.engine.batch.draws import draws
from sim.engine.batch.play import Play, kernel, next_live, update_seen
from sim.engine.batch.result import result
from sim.engine.batch.walks import walk_outs
from sim.engine.observation import MediatorObservation
from sim.engine.prepared import Prepared, StageView
from sim.engine.protocols.records import AGREEMENT, NEUTRAL
from sim.engine.strategies.base import MAX_OBJECTIONS, Strategy
from sim.engine.strategies.kernel import (
    DraftKernel,
    Kernel,
    Memory,
    ObjectingKernel,
    draft_kernel_for,
    top_issues,
    value_table,
)

__all__ = ["Mediation", "mediation", "run_single_text"]


@dataclass
class Mediation:
    """The single-text part of a batch plan (see the module docstring).

    Attributes:
        mediator: the drafting actor's index, or `NEUTRAL`.
        drafter: the drafting kernel (copied per call).
        shortfall: per party with the default objections, shape (n_issues, most
            options): ``w_i * (max v_i - v_i(option))``.
        issues: shape (n_issues,), bool, the issues negotiated in the stage.
    """

    mediator: int
    drafter: DraftKernel
    shortfall: dict[int, np.ndarray]
    issues: np.ndarray


def mediation(prepared: Prepared, protocol: Any, view: StageView,
              kernels: Sequence[Kernel | None]) -> Mediation | str:
    """The single-text part of the plan, or why these settings must run per run."""
    m, spec = protocol.mediator()
    try:
        drafting = strategies.build(spec, np.random.default_rng(0))
    except (KeyError, ValueError):
        return "invalid settings"
    if m == NEUTRAL:
        utilities, feasible = prepared.neutral_utilities, view.candidate
    else:
        utilities, feasible = view.utilities[m], view.acceptable[m]
    obs = MediatorObservation(
        round=0, deadline=protocol.deadline, relative_time=protocol.times[0],
        packages=prepared.packages, radix=prepared.radix, utilities=utilities,
        feasible=feasible, tiebreak=prepared.canonical, issue_rank=prepared.issue_rank,
    )
    drafter = draft_kernel_for(drafting, obs)
    if drafter is None:
        return f"mediator strategy {spec.kind} has no batch kernel"
    shortfall = {}
    for a in protocol.seats:
        k = kernel(tuple(kernels), a)
        if isinstance(k, ObjectingKernel):
            continue
        if type(k.strategy).objections is not Strategy.objections:
            return (f"the objections of strategy {k.strategy.name} ({protocol.actors[a]}) "
                    "have no batch kernel")
        shortfall[a] = _shortfall(view.parts[a][5], view.parts[a][6])
    issues = np.zeros(prepared.radix.shape[0], dtype=bool)
    issues[list(view.issue_set)] = True
    return Mediation(m, drafter, shortfall, issues)


def _shortfall(values: Any, weights: Any) -> np.ndarray:
    """The shortfall table of `Strategy.objections` (padded with zeros)."""
    table, w = value_table(values, weights)
    out = np.zeros_like(table)
    for i, v in enumerate(values):
        tab = np.asarray(v, dtype=np.float64)
        out[i, :tab.size] = w[i] * (tab.max() - tab)
    return out


def _default_objections(shortfall: np.ndarray, options: np.ndarray, rank: np.ndarray
                        ) -> np.ndarray:
    """`Strategy.objections` per run: the largest positive shortfalls, at most three."""
    loss = shortfall[np.arange(options.shape[1]), options]
    return top_issues(loss, loss > 0.0, rank, MAX_OBJECTIONS)


def run_single_text(batch: Any, seeds: Sequence[int]) -> list[RunResult]:
    """Play one run per seed of a single-text plan; results in seed order."""
    proto, view, prepared = batch.protocol, batch.view, batch.prepared
    med: Mediation = batch.mediation
    kernels = tuple(None if k is None else copy.copy(k) for k in batch.kernels)
    drafter = copy.copy(med.drafter)
    deadline = proto.deadline
    B = len(seeds)
    res, proposer, rngs = draws(prepared, batch.dynamics, proto, seeds, live=True,
                                audience=batch.audience)
    sizes = np.array([len(v) for v in view.parts[0][5]], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    for k in kernels:
        if k is not None:
            k.memory = Memory(B, offsets, int(sizes.sum())) if k.uses_memory else None
            k.start(B, proto.n)
            k.rngs = rngs
    drafter.start(B, deadline)
    drafter.rngs = rngs
    play = Play.start(batch, kernels, res, proposer)
    texts = np.full((B, deadline), -1, dtype=np.int64)
    n_texts = np.zeros(B, dtype=np.int64)
    live = np.arange(B)
    for t in range(deadline):
        if live.size == 0:
            break
        done = np.zeros(B, dtype=bool)
        _round(play, med, drafter, live, t, done, texts, n_texts)
        if proto.walk_away:
            walk_outs(play, live, t, done)  # rule ``seen`` (`plan`)
        live = next_live(play, live, t, deadline, done)
    return [result(prepared, deadline, int(seeds[b]), str(play.reason[b]), int(play.deal[b]),
                   int(play.end_round[b]), play.ratified[b], play.walked[b], res[b])
            for b in range(B)]


def _round(play: Play, med: Mediation, drafter: DraftKernel, live: np.ndarray, t: int,
           done: np.ndarray, texts: np.ndarray, n_texts: np.ndarray) -> None:
    """Round ``t`` of the live runs: draft, answers and objections, pass or hear."""
    batch, kernels, res = play.batch, play.kernels, play.res
    proto, view, prepared = batch.protocol, batch.view, batch.prepared
    packages, seats, m = prepared.packages, proto.seats, med.mediator
    rows = drafter.draft(live, t, proto.deadline, texts, n_texts)
    runs, offer = live[rows >= 0], rows[rows >= 0]
    if runs.size == 0:
        return  # nothing feasible: a pass (nothing seen, nothing heard)
    n = n_texts[runs]
    before = np.where(n > 0, texts[runs, np.maximum(n - 1, 0)], -1)
    texts[runs, n] = offer
    n_texts[runs] += 1
    opts = packages[offer]
    for a in range(proto.n):
        ka = kernels[a]
        if a != m and ka is not None:  # the drafts enter every other party's history
            ka.observe(runs, m, offer, opts)
    time, rank = proto.times[t], prepared.issue_rank
    mask = np.zeros(runs.size, dtype=np.int64)
    objected = np.zeros(opts.shape, dtype=np.int64)
    acc_by: dict[int, np.ndarray] = {}
    for j, a in enumerate(seats):
        ka = kernel(kernels, a)
        yes = ka.respond(runs, t, proto.times, proto.deadline, res[runs, t, a], offer,
                         packages) & view.acceptable[a][offer]
        acc_by[a] = yes
        mask |= yes.astype(np.int64) << j
        no = np.flatnonzero(~yes)
        if no.size == 0:
            continue
        if isinstance(ka, ObjectingKernel):
            names = ka.objections(runs[no], t, time, offer[no], before[no], packages, rank)
        else:
            names = _default_objections(med.shortfall[a], opts[no].astype(np.int64), rank)
        objected[no] += names & med.issues
    passed = batch.passes[NEUTRAL][mask]
    for b, r in zip(runs[passed].tolist(), offer[passed].tolist(), strict=True):
        play.reason[b] = AGREEMENT
        play.deal[b], play.end_round[b] = r, t
    done[runs[passed]] = True
    drafter.hear(runs[~passed], objected[~passed])
    if proto.walk_away:  # a draft shows the mediator's willingness (the only supporter: m)
        update_seen(play.seen, batch.utilities, batch.acceptable, runs[~passed],
                    offer[~passed], m,
                    {a: v[~passed] for a, v in acc_by.items() if a != m}, seats)
