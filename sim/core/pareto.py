"""Pareto frontier of a utility matrix.

All functions take a utility matrix ``U`` of shape (k, n_actors) and an optional bool
mask (or index array) of candidate rows.

Comparison rule (shared with the bargaining solutions in `sim.core.solutions`):
utilities are compared after rounding to `DECIMALS` (12) decimal places
(`sim.core.utility.snap`), i.e. with a tolerance of about 1e-12, so floating noise never
turns a tie into a domination.  Rounding (rather than an epsilon test) keeps domination
transitive, which the fast Pareto filter relies on.  Row ``q`` *dominates* row ``p`` when,
after rounding, ``q >= p`` for every actor and ``q > p`` for at least one; rows with
identical rounded utilities are all Pareto-optimal.

The Pareto filter (`pareto_mask`) is exact.  It first drops rows strictly dominated by
"pivot" rows (rows maximising positive weighted sums; for very large inputs also
frontier rows of a random sample, applied block by block), then finds the frontier of
the survivors by multidimensional divide and conquer (split on the widest actor at the
median; the low half is filtered by the high half's frontier on the remaining actors,
recursively, with bounding-box pruning and brute force on small blocks).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .arrays import BoolArray, FloatArray, IntArray
from .utility import DECIMALS, snap

# Pareto filter tuning: weighted-sum pivots first, then divide and conquer.
_PIVOT_SEED = 20250815
_MAX_PIVOTS = 48
_MIN_PIVOT_KILL = 0.02
_LEAF = 128
_BRUTE_PAIRS = 1 << 17
_STATIC_MIN = 200_000  # inputs at least this wide get the sampled static pivots first
_STATIC_PIVOTS = 24
_SAMPLE = 1 << 15
_CHUNK_COLS = 1 << 14


def _matrix(U: ArrayLike) -> FloatArray:
    U = np.asarray(U, dtype=np.float64)
    if U.ndim == 1:
        U = U.reshape(-1, 1)
    if U.ndim != 2:
        raise ValueError(f"U must be 2-D, got shape {U.shape}")
    return U


def _candidate_rows(k: int, candidates: ArrayLike | None) -> IntArray:
    if candidates is None:
        return np.arange(k, dtype=np.int64)
    c = np.asarray(candidates)
    if c.dtype == bool:
        if c.shape != (k,):
            raise ValueError(f"candidate mask must have shape ({k},), got {c.shape}")
        return np.flatnonzero(c)
    return np.unique(c.astype(np.int64))


def _snapped_columns(U: FloatArray, rows: IntArray) -> FloatArray:
    """Rounded utilities of ``rows``, shape (n_actors, len(rows)), one contiguous row per actor."""
    X = np.empty((U.shape[1], rows.size))
    whole = rows.size == U.shape[0]  # rows are sorted and unique, so this means all rows
    for a in range(U.shape[1]):
        np.round(U[:, a] if whole else U[:, a][rows], DECIMALS, out=X[a])
    return X


def _weighted_sum(w: FloatArray, Y: FloatArray) -> FloatArray:
    """``w @ Y`` row by row (keeps multi-threaded BLAS out of the hot loop)."""
    s: FloatArray = w[0] * Y[0]
    for a in range(1, Y.shape[0]):
        s += w[a] * Y[a]
    return s


def _strictly_below(Y: FloatArray, v: FloatArray) -> BoolArray:
    """Columns of Y strictly dominated by the column v (``<=`` everywhere, not equal)."""
    out: BoolArray = Y[0] <= v[0]
    for a in range(1, Y.shape[0]):
        out &= Y[a] <= v[a]
    same = out & (Y[0] == v[0])
    if same.any():  # rare: columns equal to v on the first row may equal v entirely
        idx = np.flatnonzero(same)
        out[idx[np.all(Y[:, idx] == v[:, None], axis=0)]] = False
    return out


def _static_pivots(X: FloatArray, rng: np.random.Generator) -> IntArray:
    """Pivot columns for a large X: the best-sum column plus frontier points of a sample.

    Pivots only need to be real columns (a column they dominate is dominated), so
    choosing them on a random sample is safe; frontier points of the sample that
    maximise random positive weighted sums spread over the frontier.
    """
    d, n = X.shape
    sample = np.sort(rng.choice(n, size=min(n, _SAMPLE), replace=False))
    front = sample[_pareto_columns(X[:, sample])]
    F = X[:, front]
    picks = {int(np.argmax(_weighted_sum(np.ones(d), X)))}
    for t in range(_STATIC_PIVOTS):
        w = np.ones(d) if t == 0 else rng.dirichlet(np.ones(d)) + 1e-3
        picks.add(int(front[np.argmax(_weighted_sum(w, F))]))
    return np.array(sorted(picks), dtype=np.int64)


def _static_filter(X: FloatArray, pivots: IntArray) -> BoolArray:
    """Mask of the columns of X not strictly dominated by any pivot column.

    Works on cache-sized blocks of columns, compacting each block as pivots remove
    columns from it.
    """
    V = X[:, pivots]
    keep = np.zeros(X.shape[1], dtype=bool)
    for c0 in range(0, X.shape[1], _CHUNK_COLS):
        Y = X[:, c0 : c0 + _CHUNK_COLS]
        idx = np.arange(Y.shape[1])
        for j in range(V.shape[1]):
            alive = ~_strictly_below(Y, V[:, j])
            if not alive.all():
                Y, idx = Y[:, alive], idx[alive]
        keep[c0 + idx] = True
    return keep


def _pivot_filter(X: FloatArray) -> tuple[IntArray, FloatArray]:
    """Drop columns strictly dominated by pivots; cheap and removes most columns.

    Pivots are real columns, so every dropped column is truly dominated.  Large inputs
    first go through `_static_filter` with `_static_pivots`; then pivots maximising
    positive weighted sums (the plain sum first, then deterministic pseudo-random
    weights) are picked one at a time among the survivors, until one removes less than
    `_MIN_PIVOT_KILL` of them.

    Returns:
        (positions of the surviving columns, their columns).
    """
    d, n = X.shape
    rng = np.random.default_rng(_PIVOT_SEED)
    if n >= _STATIC_MIN:
        pos = np.flatnonzero(_static_filter(X, _static_pivots(X, rng)))
        Y = X[:, pos]
    else:
        pos, Y = np.arange(n), X
    for t in range(_MAX_PIVOTS):
        m = pos.size
        if m <= _LEAF:
            break
        w = np.ones(d) if t == 0 else rng.dirichlet(np.ones(d)) + 1e-3
        drop = _strictly_below(Y, Y[:, int(np.argmax(_weighted_sum(w, Y)))])
        n_drop = int(np.count_nonzero(drop))
        if n_drop:
            keep = ~drop
            pos, Y = pos[keep], Y[:, keep]
        if t > d and n_drop < _MIN_PIVOT_KILL * m:
            break
    return pos, Y


def _all_rows(
    A: FloatArray, bound: FloatArray, op: Callable[[FloatArray, np.float64], BoolArray]
) -> BoolArray:
    """Columns of A where ``op(A[r], bound[r])`` holds on every row."""
    out = op(A[0], bound[0])
    for r in range(1, A.shape[0]):
        out &= op(A[r], bound[r])
    return out


def _weakly_dominated(QK: FloatArray, PK: FloatArray) -> BoolArray:
    """For each column of PK: is some column of QK >= it on every row."""
    n_q, n_p = QK.shape[1], PK.shape[1]
    out = np.zeros(n_p, dtype=bool)
    step = max(1, _BRUTE_PAIRS // max(n_p, 1))
    for s in range(0, n_q, step):
        Qb = QK[:, s : s + step]
        ge = Qb[0][:, None] >= PK[0][None, :]
        for r in range(1, QK.shape[0]):
            ge &= Qb[r][:, None] >= PK[r][None, :]
        out |= ge.any(axis=0)
    return out


def _filter(P: IntArray, PK: FloatArray, QK: FloatArray) -> IntArray:
    """Columns of P not weakly dominated, on the rows of PK/QK, by any column of QK.

    Multidimensional divide and conquer: split both sets at a threshold ``t`` on one
    row; high P can only be dominated by high Q, low P by high Q (that row is then
    settled and dropped) or by low Q.
    """
    if P.size == 0 or QK.shape[1] == 0:
        return P
    if PK.shape[0] == 0:
        return P[:0]
    lo = PK.min(axis=1)
    qok = _all_rows(QK, lo, np.greater_equal)
    if not qok.all():
        QK = QK[:, qok]
        if QK.shape[1] == 0:
            return P
    hi = QK.max(axis=1)
    reach = _all_rows(PK, hi, np.less_equal)
    safe = P[~reach]
    if not reach.all():
        P, PK = P[reach], PK[:, reach]
        if P.size == 0:
            return safe
    if PK.shape[0] == 1:
        return safe  # every remaining p has p <= max(Q) on the only row left
    if P.size * QK.shape[1] <= _BRUTE_PAIRS:
        return np.concatenate([safe, P[~_weakly_dominated(QK, PK)]])
    both_min = np.minimum(lo, QK.min(axis=1))
    both_max = np.maximum(PK.max(axis=1), hi)
    spread = both_max - both_min
    j = int(np.argmax(spread))
    rest = np.array([r for r in range(PK.shape[0]) if r != j], dtype=np.int64)
    if spread[j] <= 0:
        return np.concatenate([safe, _filter(P, PK[rest], QK[rest])])
    t = _split_value(np.concatenate([PK[j], QK[j]]), both_max[j])
    ph, qh = PK[j] > t, QK[j] > t
    pl = ~ph
    QH, QL = QK[:, qh], QK[:, ~qh]
    r_hi = _filter(P[ph], PK[:, ph], QH)
    P_lo, PK_lo = P[pl], PK[:, pl]
    keep_lo = _filter(np.arange(P_lo.size), PK_lo[rest], QH[rest])
    r_lo = _filter(P_lo[keep_lo], PK_lo[:, keep_lo], QL)
    return np.concatenate([safe, r_hi, r_lo])


def _leaf_front(X: FloatArray) -> IntArray:
    """Local indices of the Pareto-optimal columns of a small X (brute force)."""
    ge = X[0][:, None] >= X[0][None, :]
    for a in range(1, X.shape[0]):
        ge &= X[a][:, None] >= X[a][None, :]
    return np.flatnonzero(~(ge & ~ge.T).any(axis=0))


def _split_value(v: FloatArray, top: float) -> float:
    """A threshold with values on both sides: the median, or the largest value below top."""
    t = float(np.partition(v, v.size // 2)[v.size // 2])
    return float(v[v < top].max()) if t >= top else t


def _front(X: FloatArray) -> IntArray:
    """Local indices of the Pareto-optimal columns of X, by divide and conquer.

    Split at a threshold on the row of widest spread: the high half's frontier is final
    within X.  A low column can only be dominated by a high one if it is weakly
    dominated on the other rows (the split row already favours every high column), so
    the low half is first filtered by the high frontier, then solved recursively.
    """
    n = X.shape[1]
    if n <= _LEAF:
        return _leaf_front(X)
    hi = X.max(axis=1)
    spread = hi - X.min(axis=1)
    a = int(np.argmax(spread))
    if spread[a] <= 0:
        return np.arange(n)  # all columns identical
    h = X[a] > _split_value(X[a], hi[a])
    cols_h, cols_l = np.flatnonzero(h), np.flatnonzero(~h)
    SH = cols_h[_front(X[:, cols_h])]
    rest = np.array([r for r in range(X.shape[0]) if r != a], dtype=np.int64)
    cols_l = cols_l[_filter(np.arange(cols_l.size), X[:, cols_l][rest], X[:, SH][rest])]
    SL = cols_l[_front(X[:, cols_l])]
    return np.concatenate([SH, SL])


def _pareto_columns(X: FloatArray) -> IntArray:
    """Positions of the Pareto-optimal columns of X (n_actors, n)."""
    d, n = X.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if d == 1:
        return np.flatnonzero(X[0] >= X[0].max())
    pos, Y = _pivot_filter(X)
    return np.sort(pos[_front(Y)])


def _start_mask(
    U: ArrayLike, candidates: ArrayLike | None
) -> tuple[FloatArray, IntArray, BoolArray]:
    """``U`` as a matrix, the sorted candidate rows and an all-False mask of shape (k,)."""
    U = _matrix(U)
    return U, _candidate_rows(U.shape[0], candidates), np.zeros(U.shape[0], dtype=bool)


def pareto_mask(U: ArrayLike, candidates: ArrayLike | None = None) -> BoolArray:
    """Pareto-optimal rows among the candidates.

    Exact (see the module docstring for the rounding rule) and fast on large inputs: rows
    dominated by a few weighted-sum maximisers are dropped first, then a
    multidimensional divide and conquer finds the frontier among the survivors.

    Args:
        U: utilities, shape (k, n_actors).
        candidates: bool mask (k,) or row indices; ``None`` means every row.

    Returns:
        bool array, shape (k,): True for Pareto-optimal candidate rows.
    """
    U, rows, out = _start_mask(U, candidates)
    if rows.size == 0 or U.shape[1] == 0:
        out[rows] = True  # nothing to compare: every candidate (if any) is optimal
        return out
    X = _snapped_columns(U, rows)
    out[rows[_pareto_columns(X)]] = True
    return out


def pareto_mask_subset(
    U: ArrayLike, candidates: ArrayLike, superset_pareto: ArrayLike
) -> BoolArray:
    """Pareto-optimal rows among ``candidates``, reusing the frontier of a superset.

    Equivalent to ``pareto_mask(U, candidates)`` whenever ``superset_pareto`` is
    ``pareto_mask(U, S)`` for a candidate set ``S`` containing ``candidates`` (e.g. the
    feasible set inside the agenda-allowed set).  Superset-optimal candidates stay
    optimal; the other candidates are first filtered by them (a candidate equal to a
    superset-optimal row would itself be superset-optimal, so weak domination is strict
    here), and the frontier of the survivors completes the answer.

    Args:
        U: utilities, shape (k, n_actors).
        candidates: bool mask (k,) or row indices.
        superset_pareto: bool mask (k,) of the Pareto-optimal rows of the superset.

    Returns:
        bool array, shape (k,).
    """
    U, rows, out = _start_mask(U, candidates)
    if rows.size == 0 or U.shape[1] == 0:
        out[rows] = True  # nothing to compare: every candidate (if any) is optimal
        return out
    sup = np.asarray(superset_pareto, dtype=bool)[rows]
    known, rest = rows[sup], rows[~sup]
    out[known] = True
    if rest.size == 0:
        return out
    XR = _snapped_columns(U, rest)
    keep = _filter(np.arange(rest.size), XR, _snapped_columns(U, known))
    survivors = rest[keep]
    out[survivors[_pareto_columns(XR[:, keep])]] = True
    return out


def is_pareto_optimal(U: ArrayLike, index: int, candidates: ArrayLike | None = None) -> bool:
    """Whether row ``index`` is Pareto-optimal among the candidates (simple oracle).

    Args:
        U: utilities, shape (k, n_actors).
        index: the row to test (it need not be a candidate itself).
        candidates: bool mask (k,) or row indices; ``None`` means every row.

    Returns:
        True if no candidate row dominates row ``index``.
    """
    U = _matrix(U)
    rows = _candidate_rows(U.shape[0], candidates)
    X = snap(U[rows])
    p = snap(U[int(index)])
    dominated = np.all(X >= p, axis=1) & np.any(X > p, axis=1)
    return not bool(dominated.any())
