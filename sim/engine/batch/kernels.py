"""Batch kernels of strategies: one actor's decisions for many runs at once, as arrays.

Core objects:
    Memory: the frequency opponent model of one actor in every run of a batch (option
        counts in the other parties' proposals, `sim.engine.strategies.opponent`).
    Kernel: base of a strategy kernel: ``propose`` and ``respond`` over arrays of runs.
    kernel_for: the kernel of a built strategy, or None when its exact class has none.

A kernel reproduces its strategy's per-run rule (``_propose``, ``_respond`` and the final
check of `Strategy.propose` / `Strategy.respond`) bit for bit; the equivalence property
(tests/test_batch_equivalence.py) is the guard. Kernels are keyed by the *exact* strategy
class: a subclass (a new strategy built on `TimeDependent`, say) has no kernel until it
registers one, and its runs fall back to the per-run engine.

Arrays: ``res`` is shape (B,), this actor's reservation value in each run of the batch
this round; rows are int64 with -1 for "none".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sim.engine.prepared import StageView
from sim.engine.strategies.base import Strategy
from sim.engine.strategies.boulware import Boulware
from sim.engine.strategies.conceder import Conceder
from sim.engine.strategies.hardliner import Hardliner
from sim.engine.strategies.linear import Linear
from sim.engine.strategies.reciprocal import Reciprocal
from sim.engine.strategies.reservation_aware import ReservationAware
from sim.engine.strategies.time_dependent import TimeDependent

__all__ = ["KERNELS", "Kernel", "Memory", "kernel_for"]


class Memory:
    """Per run, the option counts of one actor's frequency model.

    Attributes:
        counts: shape (B, n_options), int64.
        n_counted: shape (B,), how many proposals by others were counted.
    """

    def __init__(self, batch: int, offsets: np.ndarray, n_options: int) -> None:
        self.offsets = offsets
        # float64 holds these integer counts exactly (< 2**53) and lets a shared window be
        # scored by one matrix product
        self.counts = np.zeros((batch, n_options), dtype=np.float64)
        self.n_counted = np.zeros(batch, dtype=np.int64)

    def count(self, runs: np.ndarray, options: np.ndarray) -> None:
        """Count one proposal per run: ``options`` shape (len(runs), n_issues)."""
        if runs.size:  # one option per issue: the flat indices of a run are distinct
            flat = (options + self.offsets + (runs * self.counts.shape[1])[:, None]).ravel()
            self.counts.ravel()[flat] += 1.0
            self.n_counted[runs] += 1

    def most_similar_shared(self, runs: np.ndarray, cand: np.ndarray,
                            packages: np.ndarray) -> np.ndarray:
        """`most_similar` when every run has the same candidates ``cand`` (shape (W,))."""
        onehot = np.zeros((cand.shape[0], self.counts.shape[1]))
        onehot[np.arange(cand.shape[0])[:, None], packages[cand] + self.offsets] = 1.0
        pick = np.argmax(self.counts[runs] @ onehot.T, axis=1)
        pick[self.n_counted[runs] == 0] = 0
        return cand[pick]

    def most_similar(self, runs: np.ndarray, cand: np.ndarray, valid: np.ndarray,
                     packages: np.ndarray) -> np.ndarray:
        """Per run, the candidate with the highest summed count (first maximum).

        ``cand`` shape (b, W) of rows in the caller's order, ``valid`` its mask (each run
        has at least one valid candidate, the valid ones first). With nothing counted
        yet, the first candidate (`FrequencyModel.most_similar`).
        """
        width = self.counts.shape[1]
        opts = packages[np.where(valid, cand, 0)] + self.offsets  # (b, W, n_issues)
        opts += (runs * width)[:, None, None]  # into the flat counts: one gather, no copy
        scores = self.counts.ravel()[opts].sum(axis=2)
        scores = np.where(valid, scores, -1)
        pick = np.argmax(scores, axis=1)
        pick[self.n_counted[runs] == 0] = 0
        return cand[np.arange(cand.shape[0]), pick]


class Kernel:
    """One actor's strategy over a batch of runs (see the module docstring).

    Attributes:
        strategy: the built strategy (its parameters and scalar curve).
        actor: the actor index.
        u, order, su, asc, acceptable: the actor's stage arrays (`StageView.parts`).
        memory: its frequency model per run, or None.
    """

    uses_memory = False

    def __init__(self, strategy: Strategy[Any], view: StageView, actor: int) -> None:
        self.strategy = strategy
        self.actor = actor
        u, order, su, asc, acc, _values, _weights = view.parts[actor]
        self.u, self.order, self.su, self.asc, self.acceptable = u, order, su, asc, acc
        self.m = int(order.shape[0])
        self.memory: Memory | None = None

    def observe(self, runs: np.ndarray, who: int, offer: np.ndarray,
                options: np.ndarray) -> None:
        """Another party ``who`` proposed ``offer`` in ``runs`` (options: its options)."""
        if self.memory is not None:
            self.memory.count(runs, options)

    def start(self, batch: int, n_actors: int) -> None:
        """Per-run state for a batch of ``batch`` runs (none by default)."""

    def count_at_or_above(self, target: np.ndarray) -> np.ndarray:
        """`Strategy.count_at_or_above` for every run."""
        return self.m - np.searchsorted(self.asc, target, side="left")

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        """Per run, the proposed row or -1 (a pass)."""
        raise NotImplementedError

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        """Per run, whether it accepts ``offer`` (before red lines bind)."""
        raise NotImplementedError

    def _window_pick(self, runs: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                     packages: np.ndarray, nearest_first: bool) -> np.ndarray:
        """Per run, the most similar row of ``order[lo:hi]`` (``hi > lo``)."""
        assert self.memory is not None
        if lo.min() == lo.max() and hi.min() == hi.max():  # one window for every run
            cand = self.order[int(lo[0]):int(hi[0])]
            if nearest_first:
                cand = cand[np.argsort(self.u[cand], kind="stable")]
            return self.memory.most_similar_shared(runs, cand, packages)
        width = int((hi - lo).max())
        idx = lo[:, None] + np.arange(width)[None, :]
        valid = idx < hi[:, None]
        cand = self.order[np.minimum(idx, self.m - 1)]
        if nearest_first:  # ascending own utility, ties in order of `order` (stable)
            key = np.where(valid, self.u[cand], np.inf)
            perm = np.argsort(key, axis=1, kind="stable")
            cand = np.take_along_axis(cand, perm, axis=1)
            valid = np.take_along_axis(valid, perm, axis=1)
        return self.memory.most_similar(runs, cand, valid, packages)


class TimeDependentKernel(Kernel):
    """`TimeDependent` (and its presets) with ``explore == 0``."""

    uses_memory = True

    def aspiration_at(self, res: np.ndarray, t: float) -> np.ndarray:
        """`TimeDependent.aspiration_at` for every run (``order`` non-empty)."""
        u_max, u_low = float(self.su[0]), float(self.su[-1])
        u_min = np.maximum(res, u_low)
        f = self.strategy.conceded(t)  # type: ignore[attr-defined]
        asp = np.minimum(u_min + (1.0 - f) * (u_max - u_min), u_max)
        return np.where(u_min > u_max, u_min, asp)

    def _window(self, runs: np.ndarray, res: np.ndarray, target: np.ndarray,
                packages: np.ndarray, nearest_first: bool) -> np.ndarray:
        """Per run, the chosen row of the window at ``target``, -1 where there is none."""
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        ok = res <= self.su[0]
        if not ok.any():
            return out
        n = np.maximum(self.count_at_or_above(target[ok]), 1)
        lo = np.maximum(0, n - self.strategy.params.window)
        out[ok] = self._window_pick(runs[ok], lo, n, packages, nearest_first)
        return out

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:
            return np.full(runs.shape[0], -1, dtype=np.int64)
        rows = self._window(runs, res, self.aspiration_at(res, times[t]), packages, True)
        # the final check (reservation-aware: never below the reservation value)
        bad = (rows >= 0) & (self.u[np.maximum(rows, 0)] < res)
        rows[bad] = -1
        return rows

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:
            return np.zeros(runs.shape[0], dtype=bool)
        u = self.u[offer]
        ok = self.acceptable[offer] & (u >= res)
        yes = ok & (u >= self.aspiration_at(res, times[t]))
        t_next = min(1.0, (t + 1) / max(deadline - 1, 1))
        target = self.aspiration_at(res, t_next)
        maybe = ok & ~yes & (u >= target)
        if maybe.any():
            sub = np.flatnonzero(maybe)
            rows = self._window(runs[sub], res[sub], target[sub], packages, False)
            has = rows >= 0
            yes[sub[has]] = u[sub[has]] >= self.u[rows[has]]
        return yes


class ReservationAwareKernel(Kernel):
    """`ReservationAware`."""

    uses_memory = True

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        if self.m == 0:
            return out
        p = self.strategy.params
        n = np.minimum(self.count_at_or_above(res + p.margin), p.window)
        ok = n > 0
        if ok.any():
            out[ok] = self._window_pick(runs[ok], np.zeros(int(ok.sum()), dtype=np.int64),
                                        n[ok], packages, False)
        return out

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:
            return np.zeros(runs.shape[0], dtype=bool)
        return self.acceptable[offer] & (self.u[offer] >= res + self.strategy.params.margin)


class HardlinerKernel(Kernel):
    """`Hardliner`: its best package; accepts at or above a fixed demand."""

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        row = int(self.order[0]) if self.m else -1
        return np.full(runs.shape[0], row, dtype=np.int64)

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:
            return np.zeros(runs.shape[0], dtype=bool)
        u_max, u_low = float(self.su[0]), float(self.su[-1])
        demand = min(u_low + self.strategy.params.aspiration * (u_max - u_low), u_max)
        return self.acceptable[offer] & (self.u[offer] >= demand)


class ReciprocalKernel(Kernel):
    """`Reciprocal`: the target moves by the others' concessions (tit for tat).

    The reference updates its target lazily (`Reciprocal._sync`: the new proposals in
    history order, then a clamp to ``[u_low, u_max]``). Here each proposal's change is
    applied when it is made, in the same order and with the same operations, and the clamp
    is applied exactly where the strategy syncs: every proposal, and every response to an
    offer inside its acceptable set.
    """

    uses_memory = True

    def start(self, batch: int, n_actors: int) -> None:
        self.others = max(n_actors - 1, 1)
        self.target = np.full(batch, float(self.su[0]) if self.m else 0.0)
        self.last = np.full((batch, n_actors), np.nan)
        self.proposed = np.zeros(batch, dtype=bool)

    def observe(self, runs: np.ndarray, who: int, offer: np.ndarray,
                options: np.ndarray) -> None:
        super().observe(runs, who, offer, options)
        u = self.u[offer]
        prev = self.last[runs, who]
        has = ~np.isnan(prev)
        self.target[runs[has]] -= (u[has] - prev[has]) / self.others
        self.last[runs, who] = u

    def _sync(self, runs: np.ndarray) -> np.ndarray:
        t = np.minimum(np.maximum(self.target[runs], float(self.su[-1])), float(self.su[0]))
        self.target[runs] = t
        return t

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        if self.m == 0:
            return out
        target = self._sync(runs)
        mc = self.strategy.params.min_concession
        if mc > 0.0:
            again = self.proposed[runs]
            target = np.where(again, np.maximum(target - mc, float(self.su[-1])), target)
            self.target[runs] = target
        self.proposed[runs] = True
        demand = np.maximum(target, res)
        ok = self.su[0] >= demand
        if ok.any():
            n = np.maximum(self.count_at_or_above(demand[ok]), 1)
            lo = np.maximum(0, n - self.strategy.params.window)
            out[ok] = self._window_pick(runs[ok], lo, n, packages, False)
        bad = (out >= 0) & (self.u[np.maximum(out, 0)] < res)  # the final check
        out[bad] = -1
        return out

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        yes = np.zeros(runs.shape[0], dtype=bool)
        if self.m == 0:
            return yes
        acc = self.acceptable[offer]
        if acc.any():
            sub = np.flatnonzero(acc)
            demand = np.maximum(self._sync(runs[sub]), res[sub])
            yes[sub] = self.u[offer[sub]] >= demand
        return yes


def _time_dependent(strategy: Strategy[Any], view: StageView, actor: int) -> Kernel | None:
    if getattr(strategy, "stochastic", False):
        return None  # explore > 0 draws per proposal: per-run engine
    return TimeDependentKernel(strategy, view, actor)


def _reservation_aware(strategy: Strategy[Any], view: StageView, actor: int) -> Kernel | None:
    return ReservationAwareKernel(strategy, view, actor)


#: Exact strategy class -> kernel factory (None from the factory: these params have none).
KERNELS: dict[type, Callable[[Strategy[Any], StageView, int], Kernel | None]] = {
    TimeDependent: _time_dependent,
    Boulware: _time_dependent,
    Linear: _time_dependent,
    Conceder: _time_dependent,
    ReservationAware: _reservation_aware,
    Hardliner: lambda strategy, view, actor: HardlinerKernel(strategy, view, actor),
    Reciprocal: lambda strategy, view, actor: ReciprocalKernel(strategy, view, actor),
}


def kernel_for(strategy: Strategy[Any], view: StageView, actor: int) -> Kernel | None:
    """The batch kernel of ``strategy`` for ``actor``, or None (per-run fallback)."""
    factory = KERNELS.get(type(strategy))
    return None if factory is None else factory(strategy, view, actor)
