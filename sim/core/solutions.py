"""Bargaining solutions over a utility matrix.

All functions take a utility matrix ``U`` of shape (k, n_actors) and an optional bool
mask of candidate rows, and return row indices of ``U``.

Comparison and tie-breaking rule (applies to every function here):

* Utilities (and disagreement points) are compared after rounding to `DECIMALS` (12)
  decimal places (`sim.core.utility.snap`), i.e. with a tolerance of about 1e-12, the
  same rule as the Pareto filter in `sim.core.pareto`.
* A solution maximises its score (Nash product, minimum normalised gain, ...), computed
  from the rounded utilities.  Every candidate whose score is within `TOL` (1e-12) of the
  best score is a tie; among the ties, the answer is the LOWEST row index that no other
  tie dominates.  Scores never decrease under domination, so the answer is always
  Pareto-optimal among the candidates (and is simply the lowest tied row when the ties
  are mutually undominated).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from .arrays import FloatArray, IntArray
from .pareto import _candidate_rows, _matrix, _pareto_columns, _snapped_columns, _weighted_sum
from .utility import TOL, snap


def _choose(U: FloatArray, rows: IntArray, score: FloatArray) -> int | None:
    """Apply the tie rule: best score within TOL, then lowest undominated row."""
    if rows.size == 0:
        return None
    best = score.max()
    if np.isneginf(best):
        tied = rows
    else:
        tied = rows[score >= best - TOL]
    if tied.size == 1:
        return int(tied[0])
    X = _snapped_columns(U, tied)
    return int(tied[_pareto_columns(X)].min())


def _best(
    U: ArrayLike,
    candidates: ArrayLike | None,
    score: Callable[[FloatArray, IntArray], FloatArray],
) -> int | None:
    """The tie rule's choice by ``score(U, rows)`` over the candidate rows; None if none."""
    U = _matrix(U)
    rows = _candidate_rows(U.shape[0], candidates)
    if rows.size == 0:
        return None
    return _choose(U, rows, score(U, rows))


def _min_normalised_gain(g: FloatArray) -> FloatArray:
    """Each row's smallest gain relative to the best gain of its actor (flat actors: 1)."""
    span = g.max(axis=0)
    flat = span <= TOL / 2
    norm: FloatArray = g / np.where(flat, 1.0, span)
    norm[:, flat] = 1.0
    worst: FloatArray = norm.min(axis=1)
    return worst


def _gains(U: FloatArray, d: ArrayLike, rows: IntArray) -> FloatArray:
    d = np.asarray(d, dtype=np.float64).ravel()
    if d.size != U.shape[1]:
        raise ValueError(f"disagreement point needs {U.shape[1]} values, got {d.size}")
    return snap(U[rows]) - snap(d)


def nash_point(
    U: ArrayLike,
    d: ArrayLike,
    candidates: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> int | None:
    """Nash bargaining solution: maximise ``prod_a (U_a - d_a) ** w_a``.

    Only candidates whose (rounded) gains are all >= 0 qualify, so a package sitting
    exactly on the disagreement point counts.  The score is ``sum_a w_a * log(gain_a)``
    over actors with ``w_a > 0``; when no qualifying candidate has all those gains
    positive every score is ``-inf`` and the tie rule picks among all qualifying
    candidates.

    Args:
        U: utilities, shape (k, n_actors).
        d: disagreement point (e.g. reservation values), shape (n_actors,).
        candidates: bool mask (k,) or row indices; ``None`` means every row.
        weights: bargaining powers, shape (n_actors,), non-negative; default all 1.

    Returns:
        Row index, or None when no candidate has all gains >= 0.
    """
    U = _matrix(U)
    rows = _candidate_rows(U.shape[0], candidates)
    w = np.ones(U.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (U.shape[1],) or np.any(w < 0):
        raise ValueError("weights must be non-negative, one per actor")
    if rows.size == 0:
        return None
    g = _gains(U, d, rows)
    ok = np.all(g >= -TOL / 2, axis=1)
    rows, g = rows[ok], g[ok]
    if rows.size == 0:
        return None
    active = w > 0
    with np.errstate(divide="ignore"):
        logs = np.log(np.where(g[:, active] > TOL / 2, g[:, active], 0.0))
    score = _weighted_sum(w[active], logs.T) if active.any() else np.zeros(rows.size)
    score = np.where(np.isnan(score), -np.inf, score)
    return _choose(U, rows, score)


def kalai_smorodinsky(
    U: ArrayLike, d: ArrayLike, candidates: ArrayLike | None = None
) -> int | None:
    """Kalai-Smorodinsky solution: maximise the minimum normalised gain.

    The normalised gain of actor a is ``(U_a - d_a) / (ideal_a - d_a)`` with ``ideal_a``
    the best utility of actor a over the candidates; an actor whose range
    ``ideal_a - d_a`` is not positive (after rounding) counts as fully satisfied (1).

    Args:
        U: utilities, shape (k, n_actors).
        d: disagreement point, shape (n_actors,).
        candidates: bool mask (k,) or row indices; ``None`` means every row.

    Returns:
        Row index, or None when there is no candidate.
    """
    return _best(U, candidates, lambda M, rows: _min_normalised_gain(_gains(M, d, rows)))


def egalitarian(U: ArrayLike, d: ArrayLike, candidates: ArrayLike | None = None) -> int | None:
    """Egalitarian solution: maximise the minimum gain ``min_a (U_a - d_a)``.

    Args:
        U: utilities, shape (k, n_actors).
        d: disagreement point, shape (n_actors,).
        candidates: bool mask (k,) or row indices; ``None`` means every row.

    Returns:
        Row index, or None when there is no candidate.
    """
    return _best(U, candidates, lambda M, rows: _gains(M, d, rows).min(axis=1))


def utilitarian(U: ArrayLike, candidates: ArrayLike | None = None) -> int | None:
    """Utilitarian solution: maximise the sum of utilities.

    Args:
        U: utilities, shape (k, n_actors).
        candidates: bool mask (k,) or row indices; ``None`` means every row.

    Returns:
        Row index, or None when there is no candidate.
    """
    return _best(U, candidates, lambda M, rows: snap(M[rows]).sum(axis=1))
