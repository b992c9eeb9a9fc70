"""Tables that shrink: walk-outs that leave the talks going, over a batch.

Core objects:
    Tables: per bit-mask of the seats still at the table, its seats, the rotation's next
        proposer, the random proposer's recognition, and whether walk-outs end the talks.
    run_tables: play a batch in which some seat may walk out while the talks go on
        without it (``alternating_offers``, ``random_proposer``; ``package`` sequencing,
        no mediator).

Each run keeps the seats still at the table as a bit-mask over the seat positions (bit
``j``: ``seats[j]``) and the position of its last proposer (the rotation's ``turn``).
Each round the live runs are grouped by their mask, then by their proposer, and offer
with the responders and the pass table of their own table (`Batch.pass_table`: the
veto and quota bars of the full table, which do not fall when actors walk out, among
the active seats after the proposer). As in `sim.engine.protocols.rounds`:

- rotation: the next active seat after the last proposer in seat order
  (`sim.engine.protocols.rules.next_seat`); a proposer that passes keeps the turn;
- random proposer: each round one ``rng.random()`` of the run's generator, times the
  recognition probabilities' total over the active proposers, inverted through their
  cumulative probabilities in seat order (`RandomProposer.draw`); drawn ahead (the same
  numbers) unless a kernel draws too, then at the start of each round before the
  kernels' draws;
- walk-outs: the active walkers whose rules make them leave (`walks.leaving`) leave
  at the end of the round, in seat order, added to the run's ``walked``; the talks end
  (``walk_away``) when `rounds._breaks_down` says so for them and the table left, else
  they go on. ``seen`` is kept for the active seats only.

The strategies see nothing of who is at the table (no field of `Observation` says),
so the kernels need no change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.engine.api import RunResult
from sim.engine.batch.draws import draws
from sim.engine.batch.play import Play, fresh_kernels, next_live, offer_round
from sim.engine.batch.result import result
from sim.engine.batch.walks import Shown, leaving
from sim.engine.protocols.random_proposer import RandomProposer
from sim.engine.protocols.records import WALK_AWAY
from sim.engine.protocols.rounds import _breaks_down
from sim.engine.protocols.rules import next_seat

__all__ = ["Tables", "run_tables"]


class Tables:
    """What each table (a bit-mask over the seat positions) implies; built lazily."""

    def __init__(self, proto: Any) -> None:
        self.proto = proto
        self.seats: tuple[int, ...] = tuple(proto.seats)
        self.full = (1 << len(self.seats)) - 1
        self.position = np.zeros(proto.n, dtype=np.int64)
        for j, s in enumerate(self.seats):
            self.position[s] = j
        self._active: dict[int, tuple[int, ...]] = {}
        self._next: dict[int, np.ndarray] = {}
        self._recognition: dict[int, tuple[np.ndarray, np.ndarray, float]] = {}
        self._ends: dict[tuple[tuple[int, ...], int], bool] = {}

    def active(self, mask: int) -> tuple[int, ...]:
        """The seats of ``mask``, in seat order."""
        got = self._active.get(mask)
        if got is None:
            got = tuple(s for j, s in enumerate(self.seats) if mask >> j & 1)
            self._active[mask] = got
        return got

    def next_proposer(self, mask: int, turn: np.ndarray) -> np.ndarray:
        """The rotation's proposer after the last proposer at position ``turn``.

        ``turn`` == ``len(seats)``: nobody has proposed yet (``turn`` -1 in the state).
        """
        table = self._next.get(mask)
        if table is None:
            active = self.active(mask)
            after = [*self.seats, -1]
            table = np.array([next_seat(self.seats, active, a) for a in after], dtype=np.int64)
            self._next[mask] = table
        return table[turn]

    def recognise(self, mask: int, u: np.ndarray) -> np.ndarray:
        """The random proposer recognised by uniforms ``u`` at table ``mask``."""
        got = self._recognition.get(mask)
        if got is None:
            proto = self.proto
            cands = proto.proposers(self.active(mask))
            acc, sums = 0.0, []
            for a in cands:  # the same sums, in the same order, as `RandomProposer.draw`
                acc += proto.probability[a]
                sums.append(acc)
            total = sum(proto.probability[a] for a in cands)
            got = (np.asarray(cands, dtype=np.int64), np.array(sums), total)
            self._recognition[mask] = got
        cands, cum, total = got
        k = np.searchsorted(cum, u * total, side="right")
        return cands[np.minimum(k, len(cands) - 1)]

    def ends(self, walked: tuple[int, ...], mask: int) -> bool:
        """Whether ``walked`` leaving, table ``mask`` left, ends the talks."""
        key = (walked, mask)
        got = self._ends.get(key)
        if got is None:
            got = _breaks_down(self.proto, walked, self.active(mask))
            self._ends[key] = got
        return got


def run_tables(batch: Any, seeds: Sequence[int]) -> list[RunResult]:
    """Play one run per seed on tables that may shrink (see the module docstring)."""
    proto, view, prepared = batch.protocol, batch.view, batch.prepared
    deadline = proto.deadline
    B = len(seeds)
    tables = Tables(proto)
    live_draws = any(k is not None and k.draws for k in batch.kernels)
    res, proposer, rngs = draws(prepared, batch.dynamics, proto, seeds, live=True,
                                audience=batch.audience)
    recognised = isinstance(proto, RandomProposer)
    ahead = None
    if recognised and not live_draws:  # the numbers each round would draw, drawn now
        ahead = np.array([rng.random(deadline) for rng in rngs]).reshape(B, deadline)
    kernels = fresh_kernels(batch.kernels, view, rngs)
    play = Play.start(batch, kernels, res, proposer)
    shown = Shown(B, proto.n) if proto.spec.walk_rule == "expected" else None
    mask = np.full(B, tables.full, dtype=np.int64)
    turn = np.full(B, len(tables.seats), dtype=np.int64)
    live = np.arange(B)
    for t in range(deadline):
        if live.size == 0:
            break
        done = np.zeros(B, dtype=bool)
        u = None
        if ahead is not None:
            u = ahead[live, t]
        elif recognised:  # the round's draw comes before the kernels'
            u = np.array([rngs[b].random() for b in live.tolist()])
        groups, where = np.unique(mask[live], return_inverse=True)
        for g, m in enumerate(groups.tolist()):
            here = where == g
            runs = live[here]
            if u is not None:
                who = tables.recognise(m, u[here])
            else:
                who = tables.next_proposer(m, turn[runs])
            proposer[runs, t] = who
            turn[runs] = tables.position[who]
            active = None if m == tables.full else tables.active(m)
            for p in np.unique(who).tolist():
                offer_round(play, runs[who == p], p, t, done, active=active)
        if proto.walk_away:
            if shown is not None:
                shown.record(play, live, t)
            _walk_outs(play, tables, live, t, done, mask, shown)
        live = next_live(play, live, t, deadline, done)
    return [result(prepared, deadline, int(seeds[b]), str(play.reason[b]), int(play.deal[b]),
                   int(play.end_round[b]), play.ratified[b], play.walked[b], res[b],
                   attempts=int(play.attempts[b])) for b in range(B)]


def _walk_outs(play: Play, tables: Tables, live: np.ndarray, t: int, done: np.ndarray,
               mask: np.ndarray, shown: Shown | None) -> None:
    """The active walkers who leave after round ``t``; the runs they end are ``done``."""
    walkers = play.batch.walkers
    rest = live[~done[live]]
    bits = tables.position[list(walkers)] if walkers else np.zeros(0, dtype=np.int64)
    who = leaving(play, rest, t, shown=shown)
    out = np.zeros(rest.size, dtype=bool)
    for j, w in enumerate(who):
        w &= (mask[rest] >> bits[j] & 1).astype(bool)  # only who is still at the table
        out |= w
    for i in np.flatnonzero(out).tolist():
        b = int(rest[i])
        walked = tuple(a for a, w in zip(walkers, who, strict=True) if w[i])
        left = int(mask[b])
        for a in walked:
            left &= ~(1 << int(tables.position[a]))
        mask[b] = left
        play.walked[b] = play.walked[b] + walked
        if tables.ends(walked, left):
            play.reason[b], play.end_round[b] = WALK_AWAY, t
            done[b] = True
