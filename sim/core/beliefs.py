"""Beliefs about a ratifier: a discrete prior over its types, updated by Bayes' rule.

A negotiator at a summit does not know what the absent parties will ratify. In this model
a ratifier's *type* is a pair (reservation value, which of its red lines are real): the
type accepts a package when the package violates none of its real red lines and is worth
at least its reservation value to it (the ratifier's own utilities are taken as known; the
uncertainty is over how much it holds out for and which of its declared red lines bind).

Core objects:
    TypeSpace: the grid of types: reservation values (ascending, the last one ``inf``, a
        type that rejects every package) times enumerated red-line combinations.
    Belief: a probability vector over a `TypeSpace` (shape (combos, grid)), plus an
        optional fallback belief over a wider space used when the evidence contradicts
        every type of the prior.
    prior: a belief from a reservation grid with weights and independent Bernoulli
        probabilities that each red line is real.
    acceptance: the believed probability that the ratifier accepts each package
        (vectorised over packages: one matrix product and one ``searchsorted``).
    accepts: which types accept one package, shape (combos, grid).
    observe: Bayes' rule after an observed answer to one package: a rejection zeroes every
        type that would have accepted it, an acceptance every type that would have
        rejected it; the rest is renormalised.
    ratification: the believed probability that a ratification rule passes (veto
        ratifiers plus a quota of the others), the ratifiers' types independent.

Pure numpy; nothing here knows about scenarios or the engine.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MAX_RED_LINES",
    "Belief",
    "TypeSpace",
    "acceptance",
    "accepts",
    "observe",
    "prior",
    "ratification",
]

#: At most this many red lines per ratifier are enumerated (2**12 combinations).
MAX_RED_LINES = 12


@dataclass(frozen=True, eq=False)
class TypeSpace:
    """The types of one ratifier.

    Attributes:
        reservations: shape (g,), ascending reservation values; the last is ``inf``.
        real: shape (c, n_red_lines), bool, each row one combination of real red lines.
    """

    reservations: np.ndarray
    real: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(combinations, grid points)``."""
        return int(self.real.shape[0]), int(self.reservations.shape[0])


@dataclass(frozen=True, eq=False)
class Belief:
    """A probability distribution over a ratifier's types.

    Attributes:
        space: the types.
        prob: shape ``space.shape``, non-negative, summing to one.
        fallback: the belief that replaces this one when an observation leaves no type of
            it with positive probability (already updated on every observation), or None:
            then the belief becomes a point mass on the type that rejects everything.
    """

    space: TypeSpace
    prob: np.ndarray
    fallback: Belief | None = None


def _space(reservations: Sequence[float], n_red_lines: int) -> TypeSpace:
    if n_red_lines > MAX_RED_LINES:
        raise ValueError(f"at most {MAX_RED_LINES} red lines per ratifier, got {n_red_lines}")
    grid = np.unique(np.asarray([float(r) for r in reservations], dtype=np.float64))
    if grid.size == 0 or not np.isposinf(grid[-1]):
        grid = np.append(grid, np.inf)
    combos = list(itertools.product((False, True), repeat=n_red_lines))
    real = np.array(combos, dtype=bool).reshape(len(combos), n_red_lines)
    return TypeSpace(grid, real)


def prior(
    reservations: Sequence[float],
    weights: Sequence[float],
    real: Sequence[float],
    fallback: Belief | None = None,
) -> Belief:
    """A belief with independent reservation value and red lines.

    Args:
        reservations: grid of reservation values (``inf``: rejects everything).
        weights: non-negative weight of each grid point (normalised here).
        real: per red line of the ratifier, the probability that it is real.
        fallback: see `Belief`.

    Raises:
        ValueError: lengths differ, a weight is negative or all are zero, or a
            probability lies outside [0, 1].
    """
    res = np.asarray([float(r) for r in reservations], dtype=np.float64)
    w = np.asarray([float(x) for x in weights], dtype=np.float64)
    q = np.asarray([float(x) for x in real], dtype=np.float64)
    if res.shape != w.shape or res.ndim != 1:
        raise ValueError("reservations and weights must be 1-d and of the same length")
    if np.any(w < 0) or not w.sum() > 0:
        raise ValueError("weights must be non-negative and not all zero")
    if np.any((q < 0) | (q > 1)):
        raise ValueError("red-line probabilities must lie in [0, 1]")
    space = _space(res.tolist(), q.size)
    on_grid = np.zeros(space.reservations.size)
    np.add.at(on_grid, np.searchsorted(space.reservations, res), w)
    on_grid /= on_grid.sum()
    combo = np.where(space.real, q[None, :], 1.0 - q[None, :]).prod(axis=1)
    prob = combo[:, None] * on_grid[None, :]
    return Belief(space, prob / prob.sum(), fallback)


def _blocked(space: TypeSpace, violated: np.ndarray) -> np.ndarray:
    """Shape (..., c): the package violates a red line that the combination holds real."""
    v = np.asarray(violated, dtype=np.float64)  # a float product: BLAS, exact for 0/1
    return (v @ space.real.T.astype(np.float64)) > 0.5


def acceptance(belief: Belief, utility: np.ndarray, violated: np.ndarray) -> np.ndarray:
    """Believed probability that the ratifier accepts each package.

    Vectorised: packages are grouped by which red lines they violate (a bit pattern), the
    accepting mass is tabulated per pattern and grid point, then looked up per package.

    Args:
        belief: the belief.
        utility: shape (k,), the ratifier's utility of every package.
        violated: shape (k, n_red_lines), bool, which of its red lines each package
            violates.

    Returns:
        Shape (k,), in [0, 1]: the prior mass of the types that would accept.
    """
    space = belief.space
    u = np.asarray(utility, dtype=np.float64)
    v = np.asarray(violated, dtype=np.float64)
    n_red = space.real.shape[1]
    # mass[c, j]: probability of combination c with a reservation among the first j points
    mass = np.concatenate([np.zeros((space.shape[0], 1)), belief.prob.cumsum(axis=1)], axis=1)
    # per pattern of violated red lines (at most 2**n_red), the accepting mass by grid index
    patterns = ((np.arange(2 ** n_red)[:, None] >> np.arange(n_red)) & 1).astype(np.float64)
    table = (~_blocked(space, patterns)).astype(np.float64) @ mass
    code = (v @ (2.0 ** np.arange(n_red))).astype(np.int64)  # each package's pattern
    below = np.searchsorted(space.reservations, u, side="right")  # points with r <= u
    return np.clip(table[code, below], 0.0, 1.0)


def accepts(space: TypeSpace, utility: float, violated: np.ndarray) -> np.ndarray:
    """Shape (c, g), bool: the types that accept a package of this utility and violations."""
    ok = ~_blocked(space, np.asarray(violated, dtype=bool)[None, :])[0]
    return ok[:, None] & (space.reservations[None, :] <= float(utility))


def observe(belief: Belief, utility: float, violated: np.ndarray, accepted: bool) -> Belief:
    """Bayes' rule after the ratifier answered one package (types answer deterministically).

    The likelihood of the answer is 1 for the types that would give it and 0 for the
    others, so the posterior is the prior restricted to the consistent types,
    renormalised. When no type of the prior is consistent, the (already updated) fallback
    takes over; without a fallback, a rejection leaves a point mass on the type that
    rejects everything, and an acceptance a point mass on the type with no real red line
    whose reservation value is the accepted package's utility (on a new grid).

    Args:
        belief: the belief before the answer.
        utility: the ratifier's utility of the package.
        violated: shape (n_red_lines,), bool, which of its red lines the package violates.
        accepted: the answer.

    Returns:
        The posterior.
    """
    fallback = None
    if belief.fallback is not None:
        fallback = observe(belief.fallback, utility, violated, accepted)
    keep = accepts(belief.space, utility, violated)
    if not accepted:
        keep = ~keep
    post = np.where(keep, belief.prob, 0.0)
    total = float(post.sum())
    if total > 0.0 and math.isfinite(total):
        return Belief(belief.space, post / total, fallback)
    if fallback is not None:
        return fallback
    if accepted:  # a new grid: the type with no real red line and this reservation value
        space = TypeSpace(np.array([float(utility), np.inf]), belief.space.real)
        point = np.zeros((space.shape[0], 2))
        point[0, 0] = 1.0  # the first combination holds no red line real
        return Belief(space, point, None)
    point = np.zeros_like(belief.prob)
    point[0, -1] = 1.0  # the reservation value inf rejects everything
    return Belief(belief.space, point, None)


def ratification(p: np.ndarray, veto: np.ndarray, quota: int | None) -> np.ndarray:
    """Believed probability that a ratification passes, ratifiers independent.

    Args:
        p: shape (k, R), each ratifier's believed acceptance of every package.
        veto: shape (R,), bool, the veto ratifiers (all must accept).
        quota: how many of the other ratifiers must accept; None: all of them.

    Returns:
        Shape (k,): the product over veto ratifiers times the probability that at least
        ``quota`` of the others accept (a Poisson-binomial tail, by dynamic programming
        over the ratifiers, vectorised over packages).
    """
    p = np.asarray(p, dtype=np.float64)
    veto = np.asarray(veto, dtype=bool)
    k = p.shape[0]
    out = p[:, veto].prod(axis=1) if veto.any() else np.ones(k)
    others = p[:, ~veto]
    if quota is None:
        return out * others.prod(axis=1)
    if quota <= 0:
        return out
    dist = np.zeros((k, others.shape[1] + 1))
    dist[:, 0] = 1.0
    for j in range(others.shape[1]):  # a loop over ratifiers, not packages
        q = others[:, j:j + 1]
        shifted = np.concatenate([np.zeros((k, 1)), dist[:, :-1]], axis=1)
        dist = dist * (1.0 - q) + shifted * q
    return out * dist[:, quota:].sum(axis=1)
