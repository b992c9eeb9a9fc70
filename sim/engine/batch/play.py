"""The state of a batch being played, and one offer round over it.

Core objects:
    Play: per run of the batch, its reservation values, proposers, best value seen,
        and how it ended (reason, deal, round, ratified, walked out, votes held); the
        per-call copies of the kernels; the negotiators' beliefs (`batch.ratify.Votes`).
    offer_round: proposer ``p`` offers in some live runs; the responders answer; the runs
        where the rule passes settle (ratified, stillborn, or back to the table:
        `sim.engine.batch.ratify.settle`); ``seen`` is updated.
    ask: the first half of an offer round (propose, observe, respond), for protocols that
        settle differently (stage 1 of ``ceasefire_first``, `sim.engine.batch.stages`).

Walk-outs are in `sim.engine.batch.walks`.

What a protocol kernel needs beyond the offer round (stages, votes again, a mediator)
builds on these.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine.batch.kernels import Kernel, Memory
from sim.engine.batch.ratify import Votes, settle
from sim.engine.protocols.base import relative_times
from sim.engine.protocols.records import AGREEMENT, DEADLINE
from sim.engine.protocols.summit_ratification import SummitRatification

__all__ = ["Clock", "Play", "ask", "fresh_kernels", "kernel", "next_live", "offer_round",
           "stage_clock", "update_seen"]

#: A stage's clock: ``(first round, number of rounds)``.
Clock = tuple[int, int]


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
    last_offer: np.ndarray = field(init=False)  # (B,): each run's offer this round, -1
    attempts: np.ndarray = field(init=False)  # (B,): ratification votes held
    #: (B,): the ratifiers rejected the run's deal this round and the talks go on
    rejected: np.ndarray = field(init=False)
    votes: Votes | None = None  # summit with beliefs: each run's beliefs (`batch.ratify`)

    def __post_init__(self) -> None:
        B = self.res.shape[0]
        self.reason = np.array([""] * B, dtype=object)
        self.end_round = np.full(B, -1, dtype=np.int64)
        self.deal = np.full(B, -1, dtype=np.int64)
        self.ratified = [None] * B
        self.walked = [()] * B
        self.last_offer = np.full(B, -1, dtype=np.int64)
        self.attempts = np.zeros(B, dtype=np.int64)
        self.rejected = np.zeros(B, dtype=bool)

    @classmethod
    def start(cls, batch: Any, kernels: tuple[Kernel | None, ...], res: np.ndarray,
              proposer: np.ndarray) -> Play:
        """A fresh play: nothing seen, nothing ended."""
        n = res.shape[2]
        return cls(batch, kernels, res, proposer, np.full((res.shape[0], n), -math.inf))


def fresh_kernels(kernels: tuple[Kernel | None, ...], view: Any, rngs: list[Any]
                  ) -> tuple[Kernel | None, ...]:
    """Per-call copies of a plan's kernels, started for a batch of ``len(rngs)`` runs.

    A run's memory lives in its call, so threads may share a plan.
    """
    B = len(rngs)
    sizes = np.array([len(v) for v in view.parts[0][5]], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    out = tuple(None if k is None else copy.copy(k) for k in kernels)
    for k in out:
        if k is not None:
            k.memory = Memory(B, offsets, int(sizes.sum())) if k.uses_memory else None
            k.start(B, len(kernels))
            k.rngs = rngs
    return out


def kernel(kernels: tuple[Kernel | None, ...], a: int) -> Kernel:
    """The kernel of an acting actor (`plan` checked that it has one)."""
    k = kernels[a]
    assert k is not None
    return k


def stage_clock(proto: Any, t: int, clock: Clock | None) -> tuple[int, tuple[float, ...], int]:
    """``(round, relative times, deadline)`` the strategies see in round ``t``.

    ``clock``: ``(first round, rounds)`` of the current stage (``ceasefire_first``), or
    None: the protocol's own clock.
    """
    if clock is None:
        return t, proto.times, proto.deadline
    return t - clock[0], relative_times(clock[1]), clock[1]


def ask(play: Play, runs: np.ndarray, p: int, t: int, clock: Clock | None = None,
        active: tuple[int, ...] | None = None
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, np.ndarray]]:
    """Proposer ``p`` offers in ``runs``, the others observe it and respond.

    Returns the runs with an offer, their offers, where the rule passed, and per responder
    whether it accepted (red lines applied). Records each run's offer in ``last_offer``.
    ``active``: the seats still at the table in all of ``runs`` (None: every seat).
    """
    batch, kernels, res = play.batch, play.kernels, play.res
    proto, view = batch.protocol, batch.view
    packages = batch.prepared.packages
    seats, n = proto.seats, proto.n
    lt, times, deadline = stage_clock(proto, t, clock)
    rows = kernel(kernels, p).propose(runs, lt, times, deadline, res[runs, t, p], packages)
    play.last_offer[runs] = rows
    offered = rows >= 0
    runs, offer = runs[offered], rows[offered]
    opts = packages[offer]
    for a in range(n):
        ka = kernels[a]
        if a != p and ka is not None:
            ka.observe(runs, p, offer, opts)
    table = seats if active is None else active
    responders = proto.responders_after(table, p)
    mask = np.zeros(runs.size, dtype=np.int64)
    acc_by: dict[int, np.ndarray] = {}
    for j, a in enumerate(responders):
        yes = kernel(kernels, a).respond(runs, lt, times, deadline, res[runs, t, a],
                                         offer, packages) & view.acceptable[a][offer]
        acc_by[a] = yes
        mask |= yes.astype(np.int64) << j
    passes = batch.passes[p] if active is None else batch.pass_table(p, active)
    return runs, offer, passes[mask], acc_by


def offer_round(play: Play, runs: np.ndarray, p: int, t: int, done: np.ndarray,
                clock: Clock | None = None, active: tuple[int, ...] | None = None) -> None:
    """Proposer ``p`` offers in ``runs``; settle the passed ones, update ``seen``.

    ``clock``: the stage's clock (`stage_clock`), None: the protocol's; ``active``: the
    seats still at the table in all of ``runs`` (None: every seat).
    """
    batch, kernels, res = play.batch, play.kernels, play.res
    proto, view = batch.protocol, batch.view
    packages = batch.prepared.packages
    seats = proto.seats if active is None else active
    lt, times, deadline = stage_clock(proto, t, clock)
    runs, offer, passed, acc_by = ask(play, runs, p, t, clock, active)
    if passed.any():
        prun, prow = runs[passed], offer[passed]
        if batch.ratify is not None:
            rmask = np.zeros(prun.size, dtype=np.int64)
            for j, a in enumerate(batch.ratifiers):
                yes = kernel(kernels, a).respond(prun, lt, times, deadline,
                                                 res[prun, t, a], prow, packages)
                rmask |= (yes & view.acceptable[a][prow]).astype(np.int64) << j
            settle(play, prun, prow, batch.ratify[rmask], rmask, t, done)
        else:
            summit = isinstance(proto, SummitRatification)  # no ratifiers: ratified
            for b, r in zip(prun.tolist(), prow.tolist(), strict=True):
                play.reason[b] = AGREEMENT
                play.deal[b], play.end_round[b] = r, t
                if summit:
                    play.ratified[b] = True
                    play.attempts[b] += 1
            done[prun] = True
    if proto.walk_away:
        update_seen(play.seen, batch.utilities, batch.acceptable, runs[~passed],
                    offer[~passed], p, {a: v[~passed] for a, v in acc_by.items()}, seats)


def next_live(play: Play, live: np.ndarray, t: int, deadline: int, done: np.ndarray
              ) -> np.ndarray:
    """The runs live in round ``t + 1``; after the last round the rest end at the deadline."""
    if t + 1 >= deadline:
        last = live[~done[live]]
        play.reason[last] = DEADLINE
        play.end_round[last] = t
        done[last] = True
    return live[~done[live]]


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
