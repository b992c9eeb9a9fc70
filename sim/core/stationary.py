"""Stationary equilibria of the never-ending bargaining game over a finite outcome space.

Pure numpy. The conventions of `sim.core.solver` hold (utilities ``U``, acceptability,
the veto-plus-quota rule, ties accepted within ``tol``), with no deadline: play moves
through ``L`` recognition *states* in a cycle, state ``s`` followed by ``(s + 1) % L``,
and in state ``s`` actor ``k`` proposes with probability ``recognition[s, k]``.
Alternating offers is one state per seat (``recognition[s]`` the unit vector of the
``s``-th proposer), Baron-Ferejohn random recognition a single state. A stationary
strategy makes every proposer's offer (a lottery over packages, or letting the round
pass) depend on the state only; ``values[s]`` is what each actor expects when state
``s`` begins, and a responder accepts in state ``s`` what is worth at least
``discount * values[s + 1]``.

Method
------
1. Value iteration from the disagreement point, ``V <- F(V)``, where ``F`` lets every
   proposer pick its best passing package (ties: uniform over its tie set, as
   `solve_random_proposer_stationary` does). Its iterates are the round-0 values of the
   finite games with deadline 1, 2, 3, ... (discounted disagreement); a fixed point is a
   stationary equilibrium in which proposers randomise only over exact ties.
2. When the iteration repeats itself instead (no such equilibrium exists on a discrete
   space, e.g. Baron-Ferejohn with unequal recognition or patience, where proposers
   must randomise over coalition partners whose prices differ by less than a grid
   step), it switches to fictitious play: ``V`` becomes the running average of ``F``
   over the iterations, and each proposer's offer the empirical lottery over the
   packages it chose. The reported values are those of the reported lotteries (solved
   exactly), and ``residual`` is the largest gain any proposer could still make by
   deviating or acceptance shortfall of an offered package at those values: 0 for an
   exact equilibrium, of the order of the grid step for an approximate one.

The continuous pie has an exact solver (`sim.core.stationary_pie`); this one is the
general case (any utilities, red lines and rule) and agrees with it up to the grid step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .arrays import FloatArray, IntArray
from .offer_search import TIES_UNIFORM, _OfferBook
from .solver import _validate_rule, _validate_tol

__all__ = ["StationarySPE", "recognition_cycle", "solve_stationary"]


@dataclass(frozen=True)
class StationarySPE:
    """A stationary equilibrium of the never-ending game.

    Attributes:
        values: shape (L, n), each actor's expected discounted payoff when state ``s``
            begins (``values[0]``: the game's ex-ante values, round-0 units).
        offers: per state, per actor, its offer as ``{package row: probability}`` (empty
            when it lets the round pass or is never recognised in that state).
        package: the most likely package of the first state in which a deal can happen,
            offered by its most likely proposer; None when no deal ever happens.
        round: that state's index (the round of the first possible deal), or None.
        proposer: that proposer, or None.
        agreement_probability: 1 when some state has a deal, else 0.
        converged: whether the reported profile is an exact equilibrium
            (``residual <= tol``).
        mixed: whether some proposer's offer is a lottery over more than one package.
        averaged: whether the value iteration cycled and fictitious play took over.
        residual: the largest deviation gain or acceptance shortfall (utility units).
        iterations: value iterations run (both phases).
    """

    values: FloatArray
    offers: tuple[tuple[dict[int, float], ...], ...]
    package: int | None
    round: int | None
    proposer: int | None
    agreement_probability: float
    converged: bool
    mixed: bool
    residual: float
    iterations: int
    averaged: bool = False


def recognition_cycle(order: Iterable[int], n: int) -> FloatArray:
    """The recognition states of alternating offers: one unit row per proposer in turn."""
    seq = [int(k) for k in order]
    if not seq or any(k < 0 or k >= n for k in seq):
        raise ValueError(f"the proposer order must list actor indices in [0, {n})")
    P = np.zeros((len(seq), n))
    P[np.arange(len(seq)), seq] = 1.0
    return P


def solve_stationary(
    U: ArrayLike,
    acceptable: ArrayLike,
    disagreement: ArrayLike,
    discount: ArrayLike,
    recognition: ArrayLike,
    veto: Iterable[int] | None = None,
    quota: int | None = None,
    *,
    tol: float = 1e-9,
    fixed_point_tol: float = 1e-12,
    max_iter: int = 2_000,
    average_iter: int = 4_000,
) -> StationarySPE:
    """Solve the never-ending game for a stationary equilibrium (see the module docstring).

    Args:
        U: shape (k, n), utilities.
        acceptable: shape (k, n), bool.
        disagreement: shape (n,) or scalar: the starting point of the iteration (and each
            actor's value when no deal ever happens and its discount is 1).
        discount: shape (n,) or scalar, discount factors in [0, 1].
        recognition: shape (L, n) (or (n,)): per state, each actor's recognition
            probability (rows sum to 1).
        veto: actor indices whose acceptance is required (None: nobody).
        quota: how many of the other non-veto responders must accept (None: all).
        tol: acceptance and tie tolerance; also the residual still counted as converged.
        fixed_point_tol: convergence tolerance of the value iteration.
        max_iter: value iterations before fictitious play takes over.
        average_iter: fictitious-play iterations.

    Returns:
        The `StationarySPE`.

    Raises:
        ValueError: on malformed inputs.
    """
    U = np.ascontiguousarray(U, dtype=np.float64)
    if U.ndim != 2 or U.shape[1] < 1 or not np.all(np.isfinite(U)):
        raise ValueError(f"U must be a finite (k, n) array, got shape {U.shape}")
    k, n = U.shape
    acc = np.asarray(acceptable)
    if acc.shape != U.shape or acc.dtype != np.bool_:
        raise ValueError(f"acceptable must be a bool array of shape {U.shape}")
    d = np.broadcast_to(np.asarray(disagreement, dtype=np.float64), (n,)).copy()
    delta = np.broadcast_to(np.asarray(discount, dtype=np.float64), (n,)).copy()
    if not np.all((delta >= 0) & (delta <= 1)):
        raise ValueError(f"discount factors must lie in [0, 1], got {delta}")
    P = np.atleast_2d(np.asarray(recognition, dtype=np.float64))
    if P.shape[1] != n or np.any(P < 0) or np.any(np.abs(P.sum(axis=1) - 1) > 1e-9):
        raise ValueError(f"recognition must be (L, {n}) with rows summing to 1")
    veto_set, quota = _validate_rule(veto, quota, n)
    tol = _validate_tol(tol)
    if int(max_iter) != max_iter or max_iter < 1 or int(average_iter) != average_iter:
        raise ValueError("max_iter must be a positive integer, average_iter an integer")
    L = P.shape[0]
    nxt = (np.arange(L) + 1) % L
    proposers = sorted({int(j) for j in np.flatnonzero(P.sum(axis=0) > 0)})
    book = _OfferBook(U, acc, proposers, veto_set, quota, tol)

    def sweep(V: FloatArray) -> tuple[FloatArray, list[list[IntArray]]]:
        new = np.zeros_like(V)
        chosen: list[list[IntArray]] = []
        for s in range(L):
            wait = delta * V[nxt[s]]
            row: list[IntArray] = []
            for j in range(n):
                if P[s, j] <= 0:
                    row.append(np.zeros(0, dtype=np.int64))
                    continue
                ties = book.tie_set(j, wait, TIES_UNIFORM)
                row.append(ties)
                new[s] += P[s, j] * (U[ties].mean(axis=0) if ties.size else wait)
            chosen.append(row)
        return new, chosen

    V = np.broadcast_to(d, (L, n)).copy()
    seen: set[bytes] = {V.tobytes()}
    iterations, averaged = 0, False
    chosen: list[list[IntArray]] = []
    while iterations < max_iter:
        iterations += 1
        new, chosen = sweep(V)
        step = float(np.abs(new - V).max())
        V = new
        if step <= fixed_point_tol:
            break
        key = V.tobytes()
        if key in seen:
            averaged = True
            break
        seen.add(key)
    else:  # no fixed point within max_iter
        averaged = True
    weights = [[_lottery(ties) for ties in row] for row in chosen]
    if averaged:
        counts = [[dict(w) for w in row] for row in weights]
        average = V.copy()
        for m in range(1, average_iter + 1):
            new, picks = sweep(average)
            average += (new - average) / (m + 1)
            if m == average_iter // 2:  # offers: the lotteries of the second half only
                counts = [[{} for _j in range(n)] for _s in range(L)]
            for s in range(L):
                for j in range(n):
                    for r, q in _lottery(picks[s][j]).items():
                        counts[s][j][r] = counts[s][j].get(r, 0.0) + q
        iterations += average_iter
        weights = [[_normalise(c) for c in row] for row in counts]
    offers = tuple(tuple(w) for w in weights)
    values = _profile_values(U, d, delta, P, offers, nxt)
    residual = _residual(U, book, delta, P, offers, values, nxt, veto_set, quota)
    package, first, proposer = _reported(P, offers)
    return StationarySPE(
        values=values, offers=offers, package=package, round=first, proposer=proposer,
        agreement_probability=0.0 if package is None else 1.0,
        converged=bool(residual <= tol), mixed=any(len(o) > 1 for row in offers for o in row),
        residual=residual, iterations=iterations, averaged=averaged,
    )


def _lottery(ties: IntArray) -> dict[int, float]:
    """Uniform weights over a tie set."""
    if ties.size == 0:
        return {}
    q = 1.0 / ties.size
    return {int(r): q for r in ties.tolist()}


def _normalise(counts: dict[int, float]) -> dict[int, float]:
    total = sum(counts.values())
    if total <= 0:
        return {}
    out = {r: c / total for r, c in counts.items() if c / total > 1e-12}
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def _profile_values(U: FloatArray, d: FloatArray, delta: FloatArray, P: FloatArray,
                    offers: tuple[tuple[dict[int, float], ...], ...],
                    nxt: IntArray) -> FloatArray:
    """The values of a stationary profile: ``V[s] = deal part + pass share * delta V[s+1]``."""
    L, n = P.shape
    deal = np.zeros((L, n))
    carry = np.zeros(L)
    for s in range(L):
        for j in range(n):
            if P[s, j] <= 0:
                continue
            if offers[s][j]:
                rows = np.fromiter(offers[s][j].keys(), dtype=np.int64)
                q = np.fromiter(offers[s][j].values(), dtype=np.float64)
                deal[s] += P[s, j] * (q @ U[rows])
            else:
                carry[s] += P[s, j]
    V = np.empty((L, n))
    shift = np.zeros((L, L))
    shift[np.arange(L), nxt] = 1.0
    for a in range(n):
        A = np.eye(L) - delta[a] * carry[:, None] * shift
        if abs(np.linalg.det(A)) < 1e-12:  # no deal ever and no discounting
            V[:, a] = d[a]
        else:
            V[:, a] = np.linalg.solve(A, deal[:, a])
    return V


def _residual(U: FloatArray, book: _OfferBook, delta: FloatArray, P: FloatArray,
              offers: tuple[tuple[dict[int, float], ...], ...], V: FloatArray,
              nxt: IntArray, veto: frozenset[int], quota: int | None) -> float:
    """Largest deviation gain of a proposer or acceptance shortfall of an offered package."""
    L, n = P.shape
    worst = 0.0
    for s in range(L):
        wait = delta * V[nxt[s]]
        for j in range(n):
            if P[s, j] <= 0:
                continue
            offer = offers[s][j]
            if offer:
                rows = np.fromiter(offer.keys(), dtype=np.int64)
                q = np.fromiter(offer.values(), dtype=np.float64)
                own = float(q @ U[rows, j])
                worst = max(worst, _shortfall(U[rows], book.U_eff[rows], wait, j, veto, quota))
            else:
                own = float(wait[j])
            best = book.tie_set(j, wait, "first")
            alternative = max(float(wait[j]), float(U[best[0], j]) if best.size else -np.inf)
            worst = max(worst, alternative - own)
    return worst


def _shortfall(Urows: FloatArray, Ueff: FloatArray, wait: FloatArray, p: int,
               veto: frozenset[int], quota: int | None) -> float:
    """By how much the offered rows miss the rule (0 when every one passes)."""
    gap = np.maximum(wait[None, :] - Ueff, 0.0)  # inf where unacceptable
    n = Urows.shape[1]
    vetoes = [a for a in sorted(veto) if a != p]
    others = [a for a in range(n) if a != p and a not in veto]
    need = len(others) if quota is None else int(quota)
    worst = gap[:, [p, *vetoes]].max(axis=1)
    if need > 0:
        if need > len(others):
            return float("inf")
        kth = np.sort(gap[:, others], axis=1)[:, need - 1]
        worst = np.maximum(worst, kth)
    return float(worst.max()) if worst.size else 0.0


def _reported(P: FloatArray, offers: tuple[tuple[dict[int, float], ...], ...]
              ) -> tuple[int | None, int | None, int | None]:
    """(package, state, proposer) of the first state with a deal."""
    L, n = P.shape
    for s in range(L):
        weight = np.array([P[s, j] if offers[s][j] else -1.0 for j in range(n)])
        if weight.max() > 0:
            j = int(np.argmax(weight))
            return next(iter(offers[s][j])), s, j
    return None, None, None
