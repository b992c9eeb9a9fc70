"""Walking away over a batch: who leaves at the end of a round (`rounds._walk_outs`).

Core objects:
    Shown: per run and actor, what the others have shown it in the current stage (the
        rounds of their proposals inside its acceptable set), for ``walk_rule: expected``.
    leaving: after a round, per walker, the runs where its rules make it leave.
    walk_outs: after a round, the runs where a walker leaves; they end (walk-out).
    continuation: `rounds.continuation_estimate` for many runs of one actor at once.

Rule 1 (``r_a > best_a``) applies in any round; rule 2 is ``r_a > seen_a`` from
``walk_away_after`` of the stage's clock on (``walk_rule: seen``), or ``r_a`` above the
discounted value of continuing, in any round (``walk_rule: expected``).
"""

from __future__ import annotations

import math

import numpy as np

from sim.engine.batch.play import Clock, Play
from sim.engine.protocols.records import WALK_AWAY

__all__ = ["Shown", "continuation", "leaving", "walk_outs"]


class Shown:
    """Per run and actor: the first round the others showed it something acceptable.

    Attributes:
        first: shape (B, n), that round (-1: none yet).
        value: shape (B, n), its utility of that first package.
        count: shape (B, n), how many such proposals (one per round at most).
    """

    def __init__(self, batch: int, n: int) -> None:
        self.first = np.full((batch, n), -1, dtype=np.int64)
        self.value = np.zeros((batch, n))
        self.count = np.zeros((batch, n), dtype=np.int64)

    def record(self, play: Play, live: np.ndarray, t: int) -> None:
        """Count round ``t``'s proposals (``play.last_offer``) in ``live`` (rule history)."""
        rows = play.last_offer[live]
        has = rows >= 0
        runs, rows = live[has], rows[has]
        if runs.size == 0:
            return
        who = play.proposer[runs, t]
        batch = play.batch
        for a in batch.walkers:
            hit = (who != a) & batch.acceptable[rows, a]
            if not hit.any():
                continue
            b, r = runs[hit], rows[hit]
            fresh = self.first[b, a] < 0
            self.first[b[fresh], a] = t
            self.value[b[fresh], a] = batch.utilities[r[fresh], a]
            self.count[b, a] += 1


def continuation(delta: float, best: float, seen: np.ndarray, first: np.ndarray,
                 value: np.ndarray, count: np.ndarray, t: int, left: int) -> np.ndarray:
    """`rounds.continuation_estimate` per run (``inf``: no case for leaving)."""
    est = np.full(seen.shape[0], math.inf)
    if left <= 0:
        return est
    ok = (seen != -math.inf) & (count >= 2)
    if not ok.any():
        return est
    s = seen[ok]
    g = np.maximum(0.0, (s - value[ok]) / np.maximum(t - first[ok], 1))
    k = np.arange(1, left + 1, dtype=np.float64)
    pw = delta ** k  # the same array as the per-run estimate's
    est[ok] = np.max(pw * np.minimum(best, s[:, None] + g[:, None] * k), axis=1)
    return est


def leaving(play: Play, rest: np.ndarray, t: int, clock: Clock | None = None,
            shown: Shown | None = None) -> list[np.ndarray]:
    """Per walker (``batch.walkers``), in which of ``rest`` its rules make it leave.

    Whether it is still at the table is the caller's to check.
    """
    batch = play.batch
    proto = batch.protocol
    start, length = (0, proto.deadline) if clock is None else clock
    who = []
    for a in batch.walkers:
        r = play.res[rest, t, a]
        w = r > batch.best[a]
        if shown is not None:
            est = continuation(float(proto.prepared.patience[a]), float(batch.best[a]),
                               play.seen[rest, a], shown.first[rest, a],
                               shown.value[rest, a], shown.count[rest, a], t,
                               start + length - 1 - t)
            w |= r > est
        elif t - start >= math.ceil(proto.walk_away_after * length):
            w |= r > play.seen[rest, a]
        who.append(w)
    return who


def walk_outs(play: Play, live: np.ndarray, t: int, done: np.ndarray,
              clock: Clock | None = None, shown: Shown | None = None) -> None:
    """The live runs not ``done`` this round where a walker leaves: they end (walk-out).

    ``clock``: the stage's ``(first round, rounds)`` (None: the protocol's); ``shown``:
    the rule history for ``walk_rule: expected`` (None: rule ``seen``).
    """
    batch = play.batch
    rest = live[~done[live]]
    who = leaving(play, rest, t, clock, shown)
    out = np.zeros(rest.size, dtype=bool)
    for w in who:
        out |= w
    for j in np.flatnonzero(out).tolist():
        b = int(rest[j])
        play.reason[b], play.end_round[b] = WALK_AWAY, t
        play.walked[b] = tuple(a for a, w in zip(batch.walkers, who, strict=True) if w[j])
        done[b] = True
