"""Batch kernels: one actor's strategy over many runs at once, as arrays (issue 15).

Core objects:
    Memory: the frequency opponent model of one actor in every run of a batch (option
        counts in the other parties' proposals, `sim.engine.strategies.opponent`).
    Kernel: base of a strategy kernel: ``propose`` and ``respond`` over arrays of runs.
    kernel_for: the kernel of a built strategy, or None when its exact class has none.
    ObjectingKernel: a kernel whose strategy names its own objections (single text).
    DraftKernel, draft_kernel_for: a single-text mediator's drafting rule over many runs
        (declared on the strategy class as ``draft_kernel``).
    top_issues, value_table: helpers for objections over many runs.

A strategy declares its kernel in its own module (class attribute ``kernel``, with
`Strategy.batchable` saying whether these parameters have one). `kernel_for` reads the
attribute on the *exact* class: a subclass that changes a rule (a new strategy built on
`TimeDependent`, say) has no kernel until it declares its own, and its runs fall back to
the per-run engine. A kernel reproduces its strategy's per-run rule bit for bit; the
equivalence property (tests/test_batch_equivalence.py) is the guard.

Arrays: ``res`` is shape (B,), this actor's reservation value in each run of the batch
this round; rows are int64 with -1 for "none".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.engine.prepared import StageView


__all__ = ["DraftKernel", "Kernel", "Memory", "ObjectingKernel", "draft_kernel_for",
           "kernel_for", "top_issues", "value_table"]


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
    #: Whether it draws random numbers during the rounds: then ``rngs[b]`` is run ``b``'s
    #: generator, positioned where the per-run engine's strategy would draw next.
    draws = False

    def __init__(self, strategy: Any, view: StageView, actor: int) -> None:
        self.strategy = strategy
        self.actor = actor
        u, order, su, asc, acc, _values, _weights = view.parts[actor]
        self.u, self.order, self.su, self.asc, self.acceptable = u, order, su, asc, acc
        self.m = int(order.shape[0])
        self.memory: Memory | None = None
        self.rngs: list[np.random.Generator] = []
        #: summit with beliefs: per run, the negotiators' beliefs about the ratifiers (set
        #: by the batch engine; ``groups(runs, actor)`` -> ``[(positions in runs, belief
        #: key, this actor's ratification vector or None)]``), else None
        self.beliefs: Any = None

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


def kernel_for(strategy: Any, view: StageView, actor: int) -> Kernel | None:
    """The batch kernel of ``strategy`` for ``actor``, or None (per-run fallback)."""
    cls = type(strategy).__dict__.get("kernel")
    if cls is None or not strategy.batchable():
        return None
    return cls(strategy, view, actor)


class ObjectingKernel(Kernel):
    """A kernel whose strategy overrides `Strategy.objections` (the single text asks).

    The single text asks every party that rejects a text for its objections; a strategy
    with the default `Strategy.objections` needs nothing more of its kernel, one with its
    own rule has an `ObjectingKernel`.
    """

    def objections(self, runs: np.ndarray, t: int, time: float, offer: np.ndarray,
                   before: np.ndarray, packages: np.ndarray, rank: np.ndarray
                   ) -> np.ndarray:
        """Per run, shape (b, n_issues) bool: the issues it objects to in ``offer``.

        ``before``: per run, the text before ``offer`` in this stage (-1: none); ``time``
        the relative time of round ``t``; ``rank`` each issue's rank by id.
        """
        raise NotImplementedError


class DraftKernel:
    """A single-text mediator's drafting strategy over a batch of runs.

    Attributes:
        strategy: the built drafting strategy (its parameters, its helpers).
        obs: a `MediatorObservation` of round 0 (the stage's arrays, for the helpers).
        rngs: per run, its generator, positioned where the per-run mediator draws next.
    """

    #: Whether it draws random numbers while drafting.
    draws = False

    def __init__(self, strategy: Any, obs: Any) -> None:
        self.strategy = strategy
        self.obs = obs
        self.rngs: list[np.random.Generator] = []

    def start(self, batch: int, deadline: int) -> None:
        """Per-run state for a batch of ``batch`` runs."""

    def draft(self, runs: np.ndarray, t: int, deadline: int, texts: np.ndarray,
              n_texts: np.ndarray) -> np.ndarray:
        """Per run, the next text (a feasible row) or -1 when nothing is feasible.

        ``texts`` shape (B, deadline): every run's texts so far (-1 beyond ``n_texts``).
        """
        raise NotImplementedError

    def hear(self, runs: np.ndarray, objected: np.ndarray) -> None:
        """The last text failed in ``runs``: ``objected[b, i]`` parties objected to issue i."""


def draft_kernel_for(strategy: Any, obs: Any) -> DraftKernel | None:
    """The drafting kernel of ``strategy`` (exact class), or None (per-run fallback)."""
    cls = type(strategy).__dict__.get("draft_kernel")
    if cls is None or not strategy.batchable():
        return None
    out: DraftKernel = cls(strategy, obs)
    return out


def value_table(values: Any, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(table, w)``: the value tables padded to shape (n_issues, most options), weights."""
    tables = [np.asarray(v, dtype=np.float64) for v in values]
    out = np.zeros((len(tables), max((t.size for t in tables), default=0)))
    for i, tab in enumerate(tables):
        out[i, :tab.size] = tab
    return out, np.asarray(weights, dtype=np.float64)


def top_issues(loss: np.ndarray, cand: np.ndarray, rank: np.ndarray, most: int
               ) -> np.ndarray:
    """Per row, the first ``most`` issues of ``cand`` by loss descending, then rank.

    ``loss`` and ``cand`` shape (b, n_issues); returns a bool mask of the same shape.
    """
    b, n = loss.shape
    if n == 0:
        return np.zeros((b, 0), dtype=bool)
    neg = -loss + 0.0  # -0.0 and 0.0 tie, as in a Python sort
    perm = np.lexsort((np.broadcast_to(rank, (b, n)), neg, ~cand), axis=-1)
    pos = np.empty_like(perm)
    np.put_along_axis(pos, perm, np.arange(n)[None, :].repeat(b, axis=0), axis=-1)
    return cand & (pos < most)
