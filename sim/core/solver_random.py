"""Baron-Ferejohn random-proposer solvers: finite horizon and stationary (infinite horizon).

Conventions (timing, acceptance rule, tie rules, `SPEResult`) are those of `sim.core.solver`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .arrays import FloatArray, IntArray
from .offer_search import TIES_UNIFORM, _OfferBook
from .solver import (
    SPEResult,
    _backward_induction,
    _finite_result,
    _terminal,
    _validate_deadline,
    _validate_probabilities,
    _validate_rule,
    _validate_space,
    _validate_ties,
    _validate_tol,
)

__all__ = ["solve_random_proposer", "solve_random_proposer_stationary"]


def solve_random_proposer(
    U: ArrayLike,
    acceptable: ArrayLike,
    disagreement: ArrayLike,
    discount: ArrayLike,
    deadline: int,
    probabilities: ArrayLike,
    veto: Iterable[int] | None = None,
    quota: int | None = None,
    *,
    discount_disagreement: bool = True,
    outside_option: bool = False,
    ties: str = TIES_UNIFORM,
    tol: float = 1e-9,
) -> SPEResult:
    """Solve the finite-horizon Baron-Ferejohn game with recognition probabilities.

    Each round, actor ``p`` is recognised as proposer with probability ``prob_p``.
    Backward induction on expected continuation values:
    ``C[t] = sum_p prob_p * (payoff row when p proposes in round t)``, where the payoff
    row is the utility row of p's best passing package (averaged over p's tie set when
    ``ties="uniform"``) or ``delta * C[t + 1]`` when p lets the round pass. Responders in
    round ``t`` accept iff acceptable and ``U >= delta * C[t + 1] - tol``.

    Args:
        U: shape (k, n), utilities.
        acceptable: shape (k, n), bool.
        disagreement: shape (n,) or scalar, reservation values.
        discount: shape (n,) or scalar, discount factors in [0, 1].
        deadline: number of rounds ``T`` (>= 0).
        probabilities: shape (n,), non-negative recognition probabilities summing to 1.
        veto: actor indices whose acceptance is required (None: nobody).
        quota: how many of the remaining responders must accept (None: all of them).
        discount_disagreement: if True disagreement is worth ``delta**T * d`` at round 0.
        outside_option: every actor may take ``d`` in any round (`sim.core.solver`):
            thresholds are floored at ``d``.
        ties: ``"uniform"`` (expected values average the proposer's tie set) or
            ``"first"`` (the deterministic tie-break only).
        tol: acceptance and tie tolerance.

    Returns:
        The equilibrium; ``proposals`` holds each recognisable proposer's round-0
        package, ``plan`` has shape (T, n).

    Raises:
        ValueError: on malformed inputs, or when undiscounted disagreement overflows.
    """
    U, acc, d, delta = _validate_space(U, acceptable, disagreement, discount)
    n = U.shape[1]
    T = _validate_deadline(deadline)
    prob = _validate_probabilities(probabilities, n)
    veto_set, quota = _validate_rule(veto, quota, n)
    tol = _validate_tol(tol)
    ties = _validate_ties(ties)

    proposers = [int(p) for p in np.flatnonzero(prob > 0)]
    book = _OfferBook(U, acc, proposers, veto_set, quota, tol)

    def play(t: int, wait: FloatArray) -> tuple[IntArray, FloatArray]:
        return _expected_round(book, proposers, prob, wait, ties)

    terminal = _terminal(d, delta, T, discount_disagreement)
    plan, C = _backward_induction(terminal, delta, (T, n), play,
                                  d if outside_option else None)

    deal_prob = (plan >= 0).astype(np.float64) @ prob  # (T,): P(deal | round t reached)
    if T == 0:
        proposals: dict[int, int | None] = {p: None for p in proposers}
    else:
        proposals = {p: (int(plan[0, p]) if plan[0, p] >= 0 else None) for p in proposers}
    agreement_probability = float(1.0 - np.prod(1.0 - np.clip(deal_prob, 0.0, 1.0)))
    live = np.flatnonzero(deal_prob > 0)
    if live.size == 0:
        return _finite_result(U, d, plan, C, None, proposals=proposals)
    t0 = int(live[0])
    proposer = _most_likely_dealer(plan[t0], prob)
    deal = (t0, proposer, int(plan[t0, proposer]))
    return _finite_result(U, d, plan, C, deal, agreement_probability, proposals)


def solve_random_proposer_stationary(
    U: ArrayLike,
    acceptable: ArrayLike,
    disagreement: ArrayLike,
    discount: ArrayLike,
    probabilities: ArrayLike,
    veto: Iterable[int] | None = None,
    quota: int | None = None,
    *,
    breakdown: bool = False,
    ties: str = TIES_UNIFORM,
    tol: float = 1e-9,
    fixed_point_tol: float = 1e-12,
    max_iter: int = 10_000,
    initial: ArrayLike | None = None,
) -> SPEResult:
    """Solve the infinite-horizon Baron-Ferejohn game for a stationary equilibrium.

    Fixed-point iteration on the continuation-value vector ``v`` (shape (n,)):
    ``v <- F(v) = sum_p prob_p * (payoff row when p proposes against thresholds w(v))``
    with ``w(v) = delta * v`` (responders accept iff acceptable and ``U >= w - tol``; a
    proposer with no passing package that beats ``w_p`` lets the round pass, worth
    ``w``). Starting from ``v = disagreement`` the iterates are exactly the round-0 values
    of the finite-horizon game with deadline 1, 2, 3, ... (discounted disagreement), so a
    limit is the infinite-horizon limit of `solve_random_proposer`. Iteration stops when
    ``max|F(v) - v| <= fixed_point_tol``, when an iterate repeats exactly (a cycle: not
    converged), or after ``max_iter`` iterations.

    With ``breakdown=True``, ``1 - delta_a`` is instead read as a per-round probability
    that talks break down and ``a`` receives ``d_a``: ``w(v) = delta * v + (1 - delta) * d``.

    On a discretised pie with equal probabilities, a common ``delta`` and
    ``ties="uniform"`` this reproduces the Baron-Ferejohn (1989) stationary shares up to
    the grid step.

    Args:
        U: shape (k, n), utilities.
        acceptable: shape (k, n), bool.
        disagreement: shape (n,) or scalar: the starting point of the iteration, and the
            breakdown payoff when ``breakdown`` is True.
        discount: shape (n,) or scalar (common discount), in [0, 1].
        probabilities: shape (n,), recognition probabilities summing to 1.
        veto: actor indices whose acceptance is required (None: nobody).
        quota: how many of the remaining responders must accept (None: all of them).
        breakdown: interpret ``1 - delta`` as a breakdown risk paying ``disagreement``.
        ties: ``"uniform"`` or ``"first"`` (see the module docstring).
        tol: acceptance and tie tolerance.
        fixed_point_tol: convergence tolerance on ``max|F(v) - v|``.
        max_iter: maximum number of iterations (>= 1).
        initial: optional starting vector (shape (n,)) instead of ``disagreement``.

    Returns:
        The stationary equilibrium: ``values`` is the fixed point ``v``, ``proposals`` the
        stationary proposal of each recognisable actor, ``round`` is 0 when some proposer
        strikes a deal (None otherwise), ``converged``/``iterations`` report the
        iteration.

    Raises:
        ValueError: on malformed inputs.
    """
    U, acc, d, delta = _validate_space(U, acceptable, disagreement, discount)
    n = U.shape[1]
    prob = _validate_probabilities(probabilities, n)
    veto_set, quota = _validate_rule(veto, quota, n)
    tol = _validate_tol(tol)
    ties = _validate_ties(ties)
    if int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter}")
    if not fixed_point_tol >= 0:
        raise ValueError(f"fixed_point_tol must be >= 0, got {fixed_point_tol}")
    if initial is None:
        v = d.copy()
    else:
        v = np.asarray(initial, dtype=np.float64).copy()
        if v.shape != (n,) or not np.all(np.isfinite(v)):
            raise ValueError(f"initial must be a finite vector of shape ({n},)")

    proposers = [int(p) for p in np.flatnonzero(prob > 0)]
    book = _OfferBook(U, acc, proposers, veto_set, quota, tol)
    risk = (1.0 - delta) * d if breakdown else np.zeros(n)

    seen: dict[bytes, int] = {v.tobytes(): 0}
    converged = False
    iterations = 0
    rows = np.full(n, -1, dtype=np.int64)
    for iterations in range(1, int(max_iter) + 1):
        rows, new = _expected_round(book, proposers, prob, delta * v + risk, ties)
        step = float(np.max(np.abs(new - v)))
        v = new
        if step <= fixed_point_tol:
            converged = True
            break
        key = v.tobytes()
        if key in seen:  # the iteration is periodic: no fixed point will be reached
            break
        seen[key] = iterations

    proposals = {p: (int(rows[p]) if rows[p] >= 0 else None) for p in proposers}
    dealing = rows >= 0
    proposer: int | None
    package: int | None
    first_round: int | None
    if np.any(dealing):
        proposer = _most_likely_dealer(rows, prob)
        package = int(rows[proposer])
        utilities = U[package].copy()
        first_round = 0
    else:
        proposer = package = first_round = None
        utilities = d.copy()
    p_deal = float(prob[dealing].sum())
    return SPEResult(
        package=package,
        round=first_round,
        proposer=proposer,
        utilities=utilities,
        values=v.copy(),
        proposals=proposals,
        plan=None,
        continuation=v[None, :].copy(),
        agreement_probability=1.0 if p_deal > 0 else 0.0,
        converged=converged,
        iterations=iterations,
    )


def _expected_round(
    book: _OfferBook,
    proposers: Sequence[int],
    prob: FloatArray,
    wait: FloatArray,
    ties: str,
) -> tuple[IntArray, FloatArray]:
    """One random-recognition round: each proposer's package and the expected payoff."""
    rows = np.full(prob.size, -1, dtype=np.int64)
    value = np.zeros_like(wait)
    for p in proposers:  # one vectorised search per recognisable actor
        row, payoff = book.best(p, wait, ties)
        rows[p] = row
        value += prob[p] * (payoff if row >= 0 else wait)
    return rows, value


def _most_likely_dealer(rows: IntArray, prob: FloatArray) -> int:
    """The proposer with the highest probability among those striking a deal."""
    weight = np.where(rows >= 0, prob, -1.0)
    return int(np.argmax(weight))  # argmax returns the lowest index among ties
