"""Subgame-perfect equilibria of bargaining games over a finite outcome space.

Pure numpy (no mesa, no pydantic). The outcome space is a finite set of ``k`` packages;
``U[j, a]`` is actor ``a``'s utility for package ``j``; ``acceptable[j, a]`` is False when
package ``j`` breaks one of ``a``'s red lines or the agenda constraints (then ``a`` can
neither propose nor accept ``j``, although ``j`` may still pass without ``a`` under a
quota rule, in which case ``a`` receives ``U[j, a]``).

The solvers: `solve_alternating` (here), `solve_random_proposer` and
`solve_random_proposer_stationary` (`sim.core.solver_random`). This module also holds
their result type `SPEResult`, the conventions below and the input checks; the per-round
best-offer search they share is `sim.core.offer_search`.

Timing and discounting convention
---------------------------------
Rounds are numbered ``0 .. T-1`` (``T`` = ``deadline``). Actor ``a`` values a deal on
package ``j`` struck in round ``t`` at ``delta_a**t * U[j, a]`` (round-0 units). When the
deadline passes without a deal every actor receives its disagreement value ``d_a``, worth
``delta_a**T * d_a`` by default (``discount_disagreement=True``: disagreement is "one
round after the last round") or ``d_a`` undiscounted (``discount_disagreement=False``).

Outside option (``outside_option=True``): every actor may also leave in any round with
``d_a``, worth ``d_a`` in that round's units: thresholds become ``max(d, delta * C[t + 1])``
(a round that passes is worth that much), so nobody accepts or proposes below ``d_a``.
It is the agents' no-deal convention (`sim.engine.solve`, ``disagreement: undiscounted``);
how one actor's departure changes the others' game is not modelled.

Internally every continuation value is kept in *current-round* units: ``C[t, a]`` is what
actor ``a`` expects if round ``t`` is reached, measured so that a deal in round ``t`` on
``j`` is worth ``U[j, a]``. Waiting one round is then worth ``delta_a * C[t + 1, a]``, and
``C[0]`` equals the expected discounted payoff at round 0 (``SPEResult.values``). The
terminal row is ``C[T] = d`` (discounted disagreement) or ``d * delta**-T``
(undiscounted). Current units avoid the underflow of ``delta**t`` on long horizons.

Acceptance rule
---------------
A rule is a set of veto players plus a quota. In round ``t`` with proposer ``p`` and
continuation thresholds ``w = delta * C[t + 1]``:

* responder ``a`` accepts package ``j`` iff ``acceptable[j, a]`` and
  ``U[j, a] >= w_a - tol`` (ties are accepted);
* the proposer counts as accepting its own proposal; it only proposes packages it finds
  acceptable and that are worth at least waiting (``U[j, p] >= w_p - tol``), because it
  can always make an offer that is rejected and pass the round;
* a package passes iff every veto player other than ``p`` accepts AND at least ``quota``
  of the *other* responders (neither ``p`` nor a veto player) accept. The proposer thus
  only needs the ``quota`` cheapest non-veto responders. ``quota=None`` means all of
  them (unanimity together with the vetoes). If a proposer has fewer than ``quota``
  other responders it can never pass a proposal.

If no package passes, the round ends without agreement and play moves on to ``t + 1``.

Tie-breaking
------------
Among the packages that pass, the proposer picks the one with the highest own utility,
then the highest sum of all actors' utilities, then the lowest package index. Utilities
and sums that round to the same multiple of ``tol`` are treated as equal (with
``tol=0`` exact float equality is used). The alternating-offers solver always uses this
deterministic rule. The random-proposer solvers default to ``ties="uniform"``: for the
*continuation values* the proposer randomises uniformly over every passing package tied
with its choice on (own utility, utility sum); this is the discrete analogue of the
symmetric stationary equilibrium of Baron and Ferejohn (1989), where the proposer draws
its coalition partners at random. The reported package is always the deterministic one.

Offer search
------------
Each round's best passing offer is found by `sim.core.offer_search` (one presorted table
per proposer, scanned in growing blocks; see that module for the details and costs).

Discrete outcome spaces
-----------------------
On a grid of step ``h`` (e.g. a pie of ``K`` units, ``h = 1/K``) each responder must be
offered the smallest grid value covering its continuation, so equilibrium shares differ
from continuous closed forms. In two-player alternating offers the round-ups alternate
in sign along the backward induction and the round-0 share lies within
``h / (1 - delta_1 delta_2)`` of the finite-horizon continuous value (not within ``h``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .arrays import BoolArray, FloatArray, IntArray
from .offer_search import _TIES, TIES_FIRST, TIES_UNIFORM, _OfferBook

__all__ = [
    "SPEResult",
    "TIES_FIRST",
    "TIES_UNIFORM",
    "solve_alternating",
]


@dataclass(frozen=True)
class SPEResult:
    """The subgame-perfect equilibrium of a bargaining game.

    Attributes:
        package: row of the agreed package on the equilibrium path, or None when the
            game ends in disagreement. For the random-proposer solvers (where the path is
            random) it is the package proposed in round ``round`` by ``proposer``.
        round: first round in which agreement happens (alternating offers) or happens
            with positive probability (random proposer); None if never.
        proposer: who proposes ``package`` in ``round``; for the random-proposer solvers
            the most likely recognised proposer whose proposal passes in that round (ties:
            lowest index). None if no agreement.
        utilities: shape (n,), undiscounted utilities of ``package``, or the
            (undiscounted) disagreement values when there is no agreement.
        values: shape (n,), expected discounted equilibrium payoffs at round 0 (round-0
            units), i.e. ``C[0]``.
        proposals: random-proposer solvers only: for every actor with positive
            recognition probability, the package it proposes in round 0 (stationary: in
            every round), or None when it lets the round pass.
        plan: per-round equilibrium proposals (-1 = the round passes). Alternating
            offers: shape (T,), the package the round-``t`` proposer gets accepted.
            Finite random proposer: shape (T, n), column ``p`` for proposer ``p`` (-1
            also for actors never recognised). None for the stationary solver.
        continuation: shape (T + 1, n), continuation values ``C[t]`` in round-``t``
            units (row ``T`` is the terminal disagreement row). Stationary solver: shape
            (1, n), the fixed point ``v``.
        agreement_probability: probability that a deal is eventually struck (0 or 1 for
            alternating offers).
        converged: stationary solver only: whether the fixed-point iteration converged.
        iterations: stationary solver only: number of fixed-point iterations run.
    """

    package: int | None
    round: int | None
    proposer: int | None
    utilities: FloatArray
    values: FloatArray
    proposals: dict[int, int | None] | None = None
    plan: IntArray | None = None
    continuation: FloatArray | None = None
    agreement_probability: float = 0.0
    converged: bool | None = None
    iterations: int | None = None

    @property
    def agreed(self) -> bool:
        """Whether the equilibrium path reaches a deal (with positive probability)."""
        return self.package is not None


# --------------------------------------------------------------------------------------
# Alternating offers
# --------------------------------------------------------------------------------------


def solve_alternating(
    U: ArrayLike,
    acceptable: ArrayLike,
    disagreement: ArrayLike,
    discount: ArrayLike,
    deadline: int,
    proposer_order: Sequence[int],
    veto: Iterable[int] | None = None,
    quota: int | None = None,
    *,
    discount_disagreement: bool = True,
    outside_option: bool = False,
    tol: float = 1e-9,
) -> SPEResult:
    """Solve stacked alternating offers with a deterministic proposer cycle.

    Backward induction from ``C[T]`` (the disagreement row, see the module docstring):
    in round ``t`` the proposer ``proposer_order[t % len(proposer_order)]`` makes its best
    passing offer under the acceptance rule; ``C[t]`` is the utility row of that package,
    or ``delta * C[t + 1]`` when no package passes.

    Args:
        U: shape (k, n), utilities (normally in [0, 1]).
        acceptable: shape (k, n), bool; False where a package is unacceptable to an actor.
        disagreement: shape (n,) or scalar, the reservation values ``d``.
        discount: shape (n,) or scalar, per-round discount factors in [0, 1].
        deadline: number of rounds ``T`` (>= 0; 0 means immediate disagreement).
        proposer_order: non-empty sequence of actor indices, cycled round by round.
        veto: actor indices whose acceptance is required (None: nobody).
        quota: how many of the remaining responders must accept (None: all of them).
        discount_disagreement: if True disagreement is worth ``delta**T * d`` at round 0,
            otherwise ``d``.
        outside_option: every actor may take ``d`` in any round (module docstring).
        tol: acceptance and tie tolerance (see the module docstring).

    Returns:
        The equilibrium, with ``plan`` of shape (T,) and ``continuation`` (T + 1, n).

    Raises:
        ValueError: on malformed inputs, or when undiscounted disagreement overflows.
    """
    U, acc, d, delta = _validate_space(U, acceptable, disagreement, discount)
    n = U.shape[1]
    T = _validate_deadline(deadline)
    order = _validate_order(proposer_order, n)
    veto_set, quota = _validate_rule(veto, quota, n)
    tol = _validate_tol(tol)

    proposers = sorted({order[t % len(order)] for t in range(min(T, len(order)))})
    book = _OfferBook(U, acc, proposers, veto_set, quota, tol)

    def play(t: int, wait: FloatArray) -> tuple[int, FloatArray]:
        row, payoff = book.best(order[t % len(order)], wait, TIES_FIRST)
        return row, (payoff if payoff is not None else wait)

    terminal = _terminal(d, delta, T, discount_disagreement)
    plan, C = _backward_induction(terminal, delta, (T,), play, d if outside_option else None)

    agreed_rounds = np.flatnonzero(plan >= 0)
    if agreed_rounds.size == 0:
        return _finite_result(U, d, plan, C, None)
    t0 = int(agreed_rounds[0])
    return _finite_result(U, d, plan, C, (t0, order[t0 % len(order)], int(plan[t0])), 1.0)


# --------------------------------------------------------------------------------------
# Backward induction (shared with `sim.core.solver_random`)
# --------------------------------------------------------------------------------------


def _backward_induction(
    terminal: FloatArray,
    delta: FloatArray,
    plan_shape: tuple[int, ...],
    play: Callable[[int, FloatArray], tuple[int | IntArray, FloatArray]],
    floor: FloatArray | None = None,
) -> tuple[IntArray, FloatArray]:
    """Continuation values ``C`` from the terminal row back to round 0, and the plan.

    Args:
        terminal: shape (n,), the disagreement row ``C[T]`` (see `_terminal`).
        delta: shape (n,), discount factors.
        plan_shape: shape of the plan, ``(T, ...)``; ``T`` is the number of rounds.
        play: ``play(t, wait)`` plays round ``t`` against the continuation thresholds
            ``wait = delta * C[t + 1]`` and returns the round's plan entry (-1 where the
            round passes) and its payoff row ``C[t]``.
        floor: shape (n,), the outside options: thresholds are
            ``max(floor, delta * C[t + 1])`` (None: no outside option).

    Returns:
        ``(plan, C)``: the plan (int64, -1 filled) and ``C`` of shape (T + 1, n).
    """
    T = plan_shape[0]
    C = np.empty((T + 1, terminal.size))
    C[T] = terminal
    plan = np.full(plan_shape, -1, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        wait = delta * C[t + 1]
        plan[t], C[t] = play(t, wait if floor is None else np.maximum(wait, floor))
    return plan, C


def _finite_result(
    U: FloatArray,
    d: FloatArray,
    plan: IntArray,
    C: FloatArray,
    deal: tuple[int, int, int] | None,
    agreement_probability: float = 0.0,
    proposals: dict[int, int | None] | None = None,
) -> SPEResult:
    """The `SPEResult` of a finite-horizon game.

    Args:
        U: shape (k, n), utilities.
        d: shape (n,), disagreement values (the utilities when there is no deal).
        plan: the equilibrium plan.
        C: shape (T + 1, n), continuation values.
        deal: ``(round, proposer, package)`` of the reported deal, or None.
        agreement_probability: probability of an eventual deal (ignored without one).
        proposals: each recognisable proposer's round-0 package (random proposer only).

    Returns:
        The result; ``values`` is ``C[0]``.
    """
    if deal is None:
        package = t0 = proposer = None
        utilities = d.copy()
        agreement_probability = 0.0
    else:
        t0, proposer, package = deal
        utilities = U[package].copy()
    return SPEResult(
        package=package,
        round=t0,
        proposer=proposer,
        utilities=utilities,
        values=C[0].copy(),
        proposals=proposals,
        plan=plan,
        continuation=C,
        agreement_probability=agreement_probability,
    )


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def _validate_space(
    U: ArrayLike,
    acceptable: ArrayLike,
    disagreement: ArrayLike,
    discount: ArrayLike,
) -> tuple[FloatArray, BoolArray, FloatArray, FloatArray]:
    """Check shapes and ranges; broadcast scalar disagreement and discount to (n,)."""
    U = np.ascontiguousarray(U, dtype=np.float64)
    if U.ndim != 2 or U.shape[1] < 1:
        raise ValueError(f"U must have shape (k, n) with n >= 1, got {U.shape}")
    if not np.all(np.isfinite(U)):
        raise ValueError("U must be finite")
    acc = np.asarray(acceptable)
    if acc.shape != U.shape:
        raise ValueError(f"acceptable must have shape {U.shape}, got {acc.shape}")
    if acc.dtype != np.bool_:
        raise ValueError(f"acceptable must be a bool array, got dtype {acc.dtype}")
    n = U.shape[1]
    d = np.broadcast_to(np.asarray(disagreement, dtype=np.float64), (n,)).copy()
    if not np.all(np.isfinite(d)):
        raise ValueError("disagreement must be finite")
    delta = np.broadcast_to(np.asarray(discount, dtype=np.float64), (n,)).copy()
    if not np.all((delta >= 0) & (delta <= 1)):
        raise ValueError(f"discount factors must lie in [0, 1], got {delta}")
    return U, acc, d, delta


def _validate_deadline(deadline: int) -> int:
    """The deadline must be a non-negative integer."""
    if isinstance(deadline, bool) or int(deadline) != deadline or deadline < 0:
        raise ValueError(f"deadline must be a non-negative integer, got {deadline!r}")
    return int(deadline)


def _validate_order(order: Sequence[int], n: int) -> list[int]:
    """A non-empty list of valid actor indices."""
    if any(isinstance(p, bool) or int(p) != p for p in order):
        raise ValueError(f"proposer_order entries must be integers, got {list(order)}")
    out = [int(p) for p in order]
    if not out:
        raise ValueError("proposer_order must not be empty")
    if any(p < 0 or p >= n for p in out):
        raise ValueError(f"proposer_order entries must be actor indices in [0, {n}), got {out}")
    return out


def _validate_rule(
    veto: Iterable[int] | None, quota: int | None, n: int
) -> tuple[frozenset[int], int | None]:
    """Veto indices in range and a non-negative integer quota (or None)."""
    veto_set = frozenset(int(a) for a in veto) if veto is not None else frozenset()
    if any(a < 0 or a >= n for a in veto_set):
        raise ValueError(f"veto entries must be actor indices in [0, {n}), got {sorted(veto_set)}")
    if quota is not None and (isinstance(quota, bool) or int(quota) != quota or quota < 0):
        raise ValueError(f"quota must be a non-negative integer or None, got {quota!r}")
    return veto_set, (None if quota is None else int(quota))


def _validate_probabilities(probabilities: ArrayLike, n: int) -> FloatArray:
    """Recognition probabilities: shape (n,), non-negative, summing to 1."""
    prob = np.asarray(probabilities, dtype=np.float64)
    if prob.shape != (n,):
        raise ValueError(f"probabilities must have shape ({n},), got {prob.shape}")
    if not np.all(np.isfinite(prob)) or np.any(prob < 0) or abs(prob.sum() - 1.0) > 1e-9:
        raise ValueError(f"probabilities must be non-negative and sum to 1, got {prob}")
    return prob


def _validate_tol(tol: float) -> float:
    """The tolerance must be a finite non-negative number."""
    tol = float(tol)
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be finite and >= 0, got {tol}")
    return tol


def _validate_ties(ties: str) -> str:
    """One of the supported tie rules."""
    if ties not in _TIES:
        raise ValueError(f"ties must be one of {_TIES}, got {ties!r}")
    return ties


def _terminal(d: FloatArray, delta: FloatArray, T: int, discounted: bool) -> FloatArray:
    """The disagreement row ``C[T]`` in round-T units."""
    if discounted:
        return d.copy()
    with np.errstate(over="ignore"):
        scale = delta ** (-float(T))
        term = np.where(d == 0, 0.0, d * scale)
    if not np.all(np.isfinite(term)):
        raise ValueError(
            "undiscounted disagreement overflows float64 in round-T units "
            "(delta**T underflows); shorten the deadline or discount disagreement"
        )
    return term
