"""``ceasefire_first`` over a batch: stage 1 settles the ceasefire alone, then stage 2.

Core objects:
    Stages: the plans of both stages: stage 1 on the ceasefire view, and one plan per view
        stage 2 may open on (the ceasefire issue fixed at each option, or the whole package
        when stage 1 runs out), each with the strategies' kernels on that view.
    stage_plans: build them from the batch plan (`sim.engine.batch.engine.plan`).
    run_staged: play a list of seeds through both stages; one `RunResult` per seed.

The rules are those of `sim.engine.protocols.rounds` (documented in
`sim.engine.protocols.base`): every stage has its own clock (strategies see the round and
deadline of the stage, walk-away rule 2 starts at ``walk_away_after`` of it), its own
proposal history and ``seen`` values, and fresh strategies (the model resets them when
stage 2 opens, so each stage's kernels start with empty memories). The proposer keeps
rotating across the stage change. A stage-1 settlement is not put to ratifiers; an option
that puts a ceasefire in force (``dynamics.ceasefire_effect``) changes the war from the
next round on: the run's trajectory is recomputed from the same standard normals
(`Dynamics.with_ceasefire`, here for all the runs that settled in the same round at once).

Each round the live runs are grouped by stage, stage-2 view and stage start (one clock),
then by proposer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine.api import RunResult
from sim.engine.batch.draws import draw_proposers, noisy_draws, trajectories
from sim.engine.batch.kernels import Kernel, kernel_for
from sim.engine.batch.play import Play, ask, fresh_kernels, offer_round, update_seen
from sim.engine.batch.result import result
from sim.engine.batch.walks import Shown, walk_outs
from sim.engine.dynamics import Dynamics
from sim.engine.protocols.records import DEADLINE

__all__ = ["Stages", "run_staged", "stage_plans"]


@dataclass(frozen=True)
class Stages:
    """The plans of a ``ceasefire_first`` batch (see the module docstring).

    Attributes:
        issue: the ceasefire issue.
        first: the stage-1 plan (the ceasefire view).
        second: the stage-2 plans: one per option of the issue (index = option), then the
            whole package (stage 1 ran out).
        length1, length2: the rounds of stage 1 and of stage 2.
        effect: the options that put a ceasefire in force.
    """

    issue: int
    first: Any
    second: tuple[Any, ...]
    length1: int
    length2: int
    effect: frozenset[int]


def _on_view(batch: Any, key: tuple) -> Any:
    """The batch plan with every kernel and stage array on the view ``key``."""
    view = batch.prepared.view(key)
    kernels: list[Kernel | None] = [None if k is None else kernel_for(k.strategy, view, i)
                                    for i, k in enumerate(batch.kernels)]
    return dataclasses.replace(
        batch, view=view, kernels=tuple(kernels), stages=None,
        utilities=np.stack(view.utilities, axis=1), acceptable=np.stack(view.acceptable, axis=1),
        best=np.asarray(view.best, dtype=np.float64))


def stage_plans(batch: Any) -> Stages | None:
    """The stage plans of a ``ceasefire_first`` batch plan (None: invalid settings)."""
    proto, prepared = batch.protocol, batch.prepared
    issue = proto.ceasefire_issue
    names = prepared.problem.options[issue]
    if any(o not in names for o in batch.dynamics.ceasefire_options):
        return None  # the per-run engine reports the unknown option
    second = [_on_view(batch, ("rest", issue, o)) for o in range(len(names))]
    second.append(_on_view(batch, ("package",)))
    effect = frozenset(names.index(o) for o in batch.dynamics.ceasefire_options)
    first = dataclasses.replace(batch, stages=None)
    return Stages(issue, first, tuple(second), proto.stage1_deadline, proto.stage2_deadline,
                  effect)


def run_staged(batch: Any, seeds: Sequence[int]) -> list[RunResult]:
    """Play one run per seed through both stages; results in seed order."""
    st: Stages = batch.stages
    proto, prepared = batch.protocol, batch.prepared
    plans = (st.first, *st.second)
    B, D, seats = len(seeds), proto.deadline, proto.seats
    live_draws = any(k is not None and k.draws for p in plans for k in p.kernels)
    res, proposer, rngs, noise = noisy_draws(prepared, batch.dynamics, proto, seeds,
                                             live=live_draws, audience=batch.audience)
    plays = [Play.start(p, fresh_kernels(p.kernels, p.view, rngs), res, proposer)
             for p in plans]
    for other in plays[1:]:  # one end state per run, whichever stage it ends in
        other.reason, other.end_round, other.deal = plays[0].reason, plays[0].end_round, \
            plays[0].deal
        other.ratified, other.walked = plays[0].ratified, plays[0].walked
    expected = proto.spec.walk_rule == "expected"
    shown = [Shown(B, proto.n) if expected else None for _ in plays]
    where = np.zeros(B, dtype=np.int64)  # 0: stage 1, else 1 + the stage-2 plan
    start = np.zeros(B, dtype=np.int64)  # the first round of the run's current stage
    option = np.full(B, -1, dtype=np.int64)
    settled = np.full(B, -1, dtype=np.int64)
    live = np.arange(B)
    for t in range(D):
        if live.size == 0:
            break
        done = np.zeros(B, dtype=bool)
        if live_draws:
            draw_proposers(proto, rngs, live, t, proposer)
        one = live[where[live] == 0]
        if one.size:
            _stage_one(st, plays[0], shown[0], one, t, done, where, start, option, settled,
                       noise, batch)
        two = live[(where[live] > 0) & (start[live] <= t)]
        if two.size:
            group = where[two] * (D + 1) + start[two]
            for g in np.unique(group).tolist():
                sub = two[group == g]
                k, s = divmod(g, D + 1)
                clock = (s, st.length2)
                who = proposer[sub, t]
                for p in seats:
                    if (who == p).any():
                        offer_round(plays[k], sub[who == p], p, t, done, clock)
                if proto.walk_away:
                    if shown[k] is not None:
                        shown[k].record(plays[k], sub, t)
                    walk_outs(plays[k], sub, t, done, clock, shown[k])
                if t + 1 >= s + st.length2:
                    last = sub[~done[sub]]
                    plays[0].reason[last] = DEADLINE
                    plays[0].end_round[last] = t
                    done[last] = True
        live = live[~done[live]]
    names = prepared.problem.options[st.issue]
    out = []
    for b in range(B):
        o = int(option[b])
        cf = None if o < 0 else (names[o], int(settled[b]), o in st.effect)
        out.append(result(prepared, D, int(seeds[b]), str(plays[0].reason[b]),
                          int(plays[0].deal[b]), int(plays[0].end_round[b]),
                          plays[0].ratified[b], plays[0].walked[b], res[b],
                          ceasefire=cf, issue=st.issue))
    return out


def _stage_one(st: Stages, play: Play, shown: Shown | None, runs: np.ndarray, t: int,
               done: np.ndarray, where: np.ndarray, start: np.ndarray, option: np.ndarray,
               settled: np.ndarray, noise: np.ndarray, batch: Any) -> None:
    """Round ``t`` of stage 1 in ``runs``: settlements, walk-outs, the stage running out."""
    proto = batch.protocol
    plan = play.batch
    clock = (0, st.length1)
    who = play.proposer[runs, t]
    moved = np.zeros(runs.size, dtype=bool)
    for p in proto.seats:
        mine = who == p
        if not mine.any():
            continue
        sub, offer, passed, acc_by = ask(play, runs[mine], p, t, clock)
        if passed.any():
            prun = sub[passed]
            opts = batch.prepared.packages[offer[passed], st.issue]
            option[prun], settled[prun] = opts, t
            where[prun], start[prun] = 1 + opts, t + 1
            moved[np.isin(runs, prun)] = True
            cease = prun[np.isin(opts, list(st.effect))]
            if cease.size and batch.dynamics.n_vars and t + 1 < proto.deadline:
                _ceasefire(batch.dynamics, play.res, noise, cease, t + 1, batch.audience)
        if proto.walk_away:
            update_seen(play.seen, plan.utilities, plan.acceptable, sub[~passed],
                        offer[~passed], p, {a: v[~passed] for a, v in acc_by.items()},
                        proto.seats)
    rest = runs[~moved]
    if proto.walk_away:
        if shown is not None:
            shown.record(play, rest, t)
        walk_outs(play, rest, t, done, clock, shown)
    if t + 1 >= st.length1:  # stage 1 ran out: stage 2 opens on the whole package
        over = rest[~done[rest]]
        where[over], start[over] = len(st.second), t + 1


def _ceasefire(dyn: Dynamics, res: np.ndarray, noise: np.ndarray, runs: np.ndarray,
               first: int, audience: np.ndarray | None) -> None:
    """A ceasefire holds in ``runs`` from round ``first`` on: their reservation values again.

    `Dynamics.with_ceasefire` for all of them at once (the same element-wise operations
    on the same standard normals), then each run's reservation values as the model
    computes them (audience costs added again).
    """
    war = trajectories(dyn, noise[runs])
    drift = dyn.drift * dyn.ceasefire_drift
    scale = dyn.noise * dyn.ceasefire_noise
    z = noise[runs]
    for r in range(max(first, 1), war.shape[1]):
        inc = drift + scale * z[:, r - 1] if dyn.noisy else drift
        war[:, r] = np.clip(dyn._events_at(war[:, r - 1] + inc, r, dyn.ceasefire_events),
                            dyn.lower, dyn.upper)
    for j, b in enumerate(runs.tolist()):
        values = dyn.reservations(war[j])
        res[b] = values if audience is None else np.clip(values + audience, 0.0, 1.0)
