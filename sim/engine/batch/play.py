"""The state of a batch being played, and one offer round and one walk-out check over it.

Core objects:
    Play: per run of the batch, its reservation values, proposers, best value seen,
        and how it ended (reason, deal, round, ratified, walked out); the per-call
        copies of the kernels.
    offer_round: proposer ``p`` offers in some live runs; the responders answer; the runs
        where the rule passes settle (ratified or stillborn); ``seen`` is updated.
    walk_outs: after a round, the runs where a walker leaves (`rounds.walk_outs`).

What a protocol kernel needs beyond the offer round (stages, votes again, a mediator)
builds on these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine.batch.kernels import Kernel
from sim.engine.protocols.records import AGREEMENT, STILLBORN, WALK_AWAY
from sim.engine.protocols.summit_ratification import SummitRatification

__all__ = ["Play", "kernel", "offer_round", "update_seen", "walk_outs"]


@dataclass
class Play:
    """A batch of ``B`` runs being played (arrays over runs; see the module docstring)."""

    batch: Any  # the `sim.engine.batch.engine.Batch` plan
    kernels: tuple[Kernel | None, ...]
    res: np.ndarray  # (B, deadline, n): reservation values per round
    proposer: np.ndarray  # (B, deadline)
    seen: np.ndarray  # (B, n): best utility offered so far (walk-outs)
    reason: np.ndarray = field(init=False)
    end_round: np.ndarray = field(init=False)
    deal: np.ndarray = field(init=False)
    ratified: list[bool | None] = field(init=False)
    walked: list[tuple[int, ...]] = field(init=False)

    def __post_init__(self) -> None:
        B = self.res.shape[0]
        self.reason = np.array([""] * B, dtype=object)
        self.end_round = np.full(B, -1, dtype=np.int64)
        self.deal = np.full(B, -1, dtype=np.int64)
        self.ratified = [None] * B
        self.walked = [()] * B

    @classmethod
    def start(cls, batch: Any, kernels: tuple[Kernel | None, ...], res: np.ndarray,
              proposer: np.ndarray) -> Play:
        """A fresh play: nothing seen, nothing ended."""
        n = res.shape[2]
        return cls(batch, kernels, res, proposer, np.full((res.shape[0], n), -math.inf))


def kernel(kernels: tuple[Kernel | None, ...], a: int) -> Kernel:
    """The kernel of an acting actor (`plan` checked that it has one)."""
    k = kernels[a]
    assert k is not None
    return k


def offer_round(play: Play, runs: np.ndarray, p: int, t: int, done: np.ndarray) -> None:
    """Proposer ``p`` offers in ``runs``; settle the passed ones, update ``seen``."""
    batch, kernels, res = play.batch, play.kernels, play.res
    proto, view = batch.protocol, batch.view
    packages = batch.prepared.packages
    deadline, seats, n = proto.deadline, proto.seats, proto.n
    rows = kernel(kernels, p).propose(runs, t, proto.times, deadline, res[runs, t, p],
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
        yes = kernel(kernels, a).respond(runs, t, proto.times, deadline, res[runs, t, a],
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
                yes = kernel(kernels, a).respond(prun, t, proto.times, deadline,
                                                 res[prun, t, a], prow, packages)
                rmask |= (yes & view.acceptable[a][prow]).astype(np.int64) << j
            ok = batch.ratify[rmask]
        for b, r, o in zip(prun.tolist(), prow.tolist(), ok.tolist(), strict=True):
            play.reason[b] = AGREEMENT if o else STILLBORN
            play.deal[b], play.end_round[b] = r, t
            if batch.ratify is not None:
                play.ratified[b] = bool(o)
            elif isinstance(proto, SummitRatification):
                play.ratified[b] = True
        done[prun] = True
    if proto.walk_away:
        update_seen(play.seen, batch.utilities, batch.acceptable, runs[~passed],
                    offer[~passed], p, {a: v[~passed] for a, v in acc_by.items()}, seats)


def walk_outs(play: Play, live: np.ndarray, t: int, done: np.ndarray) -> None:
    """The live runs not ``done`` this round where a walker leaves: they end (walk-out)."""
    batch = play.batch
    proto = batch.protocol
    rest = live[~done[live]]
    late = t >= proto.walk_from
    out = np.zeros(rest.size, dtype=bool)
    who = []
    for a in batch.walkers:
        r = play.res[rest, t, a]
        w = (r > batch.best[a]) | (late & (r > play.seen[rest, a]))
        who.append(w)
        out |= w
    for j in np.flatnonzero(out).tolist():
        b = int(rest[j])
        play.reason[b], play.end_round[b] = WALK_AWAY, t
        play.walked[b] = tuple(a for a, w in zip(batch.walkers, who, strict=True) if w[j])
        done[b] = True


def update_seen(seen: np.ndarray, utilities: np.ndarray, acceptable: np.ndarray, runs: np.ndarray,
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
