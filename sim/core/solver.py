"""Subgame-perfect equilibria of bargaining games over a finite outcome space.

Pure numpy (no mesa, no pydantic). The outcome space is a finite set of ``k`` packages;
``U[j, a]`` is actor ``a``'s utility for package ``j``; ``acceptable[j, a]`` is False when
package ``j`` breaks one of ``a``'s red lines or the agenda constraints (then ``a`` can
neither propose nor accept ``j``, although ``j`` may still pass without ``a`` under a
quota rule, in which case ``a`` receives ``U[j, a]``).

Timing and discounting convention
---------------------------------
Rounds are numbered ``0 .. T-1`` (``T`` = ``deadline``). Actor ``a`` values a deal on
package ``j`` struck in round ``t`` at ``delta_a**t * U[j, a]`` (round-0 units). When the
deadline passes without a deal every actor receives its disagreement value ``d_a``, worth
``delta_a**T * d_a`` by default (``discount_disagreement=True``: disagreement is "one
round after the last round") or ``d_a`` undiscounted (``discount_disagreement=False``).

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

Vectorisation
-------------
Round-invariant work is done once per proposer: its acceptable packages are sorted in the
tie-break order above and their utility rows stored contiguously in that order (with
``-inf`` wherever a package is unacceptable to an actor). In each round the proposer's
best passing package is then the *first* passing row of its sorted table; rows are tested
in geometrically growing blocks (vectorised over packages within a block) until the first
pass, and the scan stops at the last row whose own utility can still beat waiting, found
by binary search. Two shortcuts bound the cost when deals are hard to find: a round is
skipped at once if some required actor's best utility in the table misses its threshold,
and once 4,096 rows have failed, if an individually required actor (the proposer, a
vetoer, or anyone under unanimity) is satisfied by far fewer packages than remain, only
those packages are tested (read off that actor's presorted utilities, sorted once on
first use). A round therefore costs at most about one vectorised pass over the table and
usually a small prefix of it.

Discrete outcome spaces
-----------------------
On a grid of step ``h`` (e.g. a pie of ``K`` units, ``h = 1/K``) each responder must be
offered the smallest grid value covering its continuation, so equilibrium shares differ
from continuous closed forms. In two-player alternating offers the round-ups alternate
in sign along the backward induction and the round-0 share lies within
``h / (1 - delta_1 delta_2)`` of the finite-horizon continuous value (not within ``h``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "SPEResult",
    "TIES_FIRST",
    "TIES_UNIFORM",
    "solve_alternating",
    "solve_random_proposer",
    "solve_random_proposer_stationary",
]

TIES_FIRST = "first"
TIES_UNIFORM = "uniform"
_TIES = (TIES_FIRST, TIES_UNIFORM)

#: Contiguous per-proposer sorted tables are kept while their total size stays below this
#: many bytes; larger problems gather the rows of each scanned block on the fly instead.
_TABLE_BUDGET_BYTES = 512 * 2**20
_FIRST_BLOCK = 256
_BLOCK_GROWTH = 4
_SWITCH_AFTER = 4096
#: Relative cost per package of testing gathered candidates versus a contiguous scan.
_CANDIDATE_COST = 2


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
    utilities: np.ndarray
    values: np.ndarray
    proposals: dict[int, int | None] | None = None
    plan: np.ndarray | None = None
    continuation: np.ndarray | None = None
    agreement_probability: float = 0.0
    converged: bool | None = None
    iterations: int | None = None

    @property
    def agreed(self) -> bool:
        """Whether the equilibrium path reaches a deal (with positive probability)."""
        return self.package is not None


# --------------------------------------------------------------------------------------
# Public solvers
# --------------------------------------------------------------------------------------


def solve_alternating(
    U: np.ndarray,
    acceptable: np.ndarray,
    disagreement: np.ndarray | float,
    discount: np.ndarray | float,
    deadline: int,
    proposer_order: Sequence[int],
    veto: Iterable[int] | None = None,
    quota: int | None = None,
    *,
    discount_disagreement: bool = True,
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
        discount: shape (n,) or scalar, per-round discount factors in (0, 1].
        deadline: number of rounds ``T`` (>= 0; 0 means immediate disagreement).
        proposer_order: non-empty sequence of actor indices, cycled round by round.
        veto: actor indices whose acceptance is required (None: nobody).
        quota: how many of the remaining responders must accept (None: all of them).
        discount_disagreement: if True disagreement is worth ``delta**T * d`` at round 0,
            otherwise ``d``.
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

    C = np.empty((T + 1, n))
    C[T] = _terminal(d, delta, T, discount_disagreement)
    plan = np.full(T, -1, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        wait = delta * C[t + 1]
        row, payoff = book.best(order[t % len(order)], wait, TIES_FIRST)
        plan[t] = row
        C[t] = payoff if row >= 0 else wait

    agreed_rounds = np.flatnonzero(plan >= 0)
    if agreed_rounds.size:
        t0 = int(agreed_rounds[0])
        package = int(plan[t0])
        return SPEResult(
            package=package,
            round=t0,
            proposer=order[t0 % len(order)],
            utilities=U[package].copy(),
            values=C[0].copy(),
            plan=plan,
            continuation=C,
            agreement_probability=1.0,
        )
    return SPEResult(
        package=None,
        round=None,
        proposer=None,
        utilities=d.copy(),
        values=C[0].copy(),
        plan=plan,
        continuation=C,
        agreement_probability=0.0,
    )


def solve_random_proposer(
    U: np.ndarray,
    acceptable: np.ndarray,
    disagreement: np.ndarray | float,
    discount: np.ndarray | float,
    deadline: int,
    probabilities: np.ndarray | Sequence[float],
    veto: Iterable[int] | None = None,
    quota: int | None = None,
    *,
    discount_disagreement: bool = True,
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
        discount: shape (n,) or scalar, discount factors in (0, 1].
        deadline: number of rounds ``T`` (>= 0).
        probabilities: shape (n,), non-negative recognition probabilities summing to 1.
        veto: actor indices whose acceptance is required (None: nobody).
        quota: how many of the remaining responders must accept (None: all of them).
        discount_disagreement: if True disagreement is worth ``delta**T * d`` at round 0.
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

    C = np.empty((T + 1, n))
    C[T] = _terminal(d, delta, T, discount_disagreement)
    plan = np.full((T, n), -1, dtype=np.int64)
    for t in range(T - 1, -1, -1):
        wait = delta * C[t + 1]
        plan[t], C[t] = _expected_round(book, proposers, prob, wait, ties)

    deal_prob = (plan >= 0).astype(np.float64) @ prob  # (T,): P(deal | round t reached)
    if T == 0:
        proposals: dict[int, int | None] = {p: None for p in proposers}
    else:
        proposals = {p: (int(plan[0, p]) if plan[0, p] >= 0 else None) for p in proposers}
    agreement_probability = float(1.0 - np.prod(1.0 - np.clip(deal_prob, 0.0, 1.0)))
    live = np.flatnonzero(deal_prob > 0)
    if live.size:
        t0 = int(live[0])
        proposer = _most_likely_dealer(plan[t0], prob)
        package = int(plan[t0, proposer])
        return SPEResult(
            package=package,
            round=t0,
            proposer=proposer,
            utilities=U[package].copy(),
            values=C[0].copy(),
            proposals=proposals,
            plan=plan,
            continuation=C,
            agreement_probability=agreement_probability,
        )
    return SPEResult(
        package=None,
        round=None,
        proposer=None,
        utilities=d.copy(),
        values=C[0].copy(),
        proposals=proposals,
        plan=plan,
        continuation=C,
        agreement_probability=0.0,
    )


def solve_random_proposer_stationary(
    U: np.ndarray,
    acceptable: np.ndarray,
    disagreement: np.ndarray | float,
    discount: np.ndarray | float,
    probabilities: np.ndarray | Sequence[float],
    veto: Iterable[int] | None = None,
    quota: int | None = None,
    *,
    breakdown: bool = False,
    ties: str = TIES_UNIFORM,
    tol: float = 1e-9,
    fixed_point_tol: float = 1e-12,
    max_iter: int = 10_000,
    initial: np.ndarray | None = None,
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
        discount: shape (n,) or scalar (common discount), in (0, 1].
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
    if np.any(dealing):
        proposer = _most_likely_dealer(rows, prob)
        package = int(rows[proposer])
        utilities = U[package].copy()
        first_round: int | None = 0
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


# --------------------------------------------------------------------------------------
# Offer search
# --------------------------------------------------------------------------------------


class _ProposerTable:
    """One proposer's acceptable packages in tie-break order, with their utility rows.

    Attributes:
        index: package rows sorted by (own key desc, sum key desc, row asc).
        own_key_neg: ascending ``-own_key`` for binary search of the scan bound.
        block_end: for each sorted position, the end of its (own key, sum key) tie block.
        table: contiguous ``U_eff[index]`` or None (then rows are gathered per block).
        col_max: shape (n,), each actor's best utility over the table (-inf if empty).
        rank: position of every package in the table order (built on first use).
    """

    def __init__(
        self,
        p: int,
        U: np.ndarray,
        U_eff: np.ndarray,
        acc: np.ndarray,
        sum_key: np.ndarray,
        tol: float,
        keep: bool,
    ):
        rows = np.flatnonzero(acc[:, p])
        own_key = _tie_key(U[rows, p], tol)
        # Primary order: own key descending (runs of equal keys are re-sorted below).
        order = np.argsort(-own_key)
        own_key = own_key[order]
        same_own = own_key[1:] == own_key[:-1]
        if np.any(same_own):
            # Re-sort only the positions inside runs of equal own key, by (run, sum key
            # descending, row ascending); runs are contiguous, so they keep their slots.
            in_run = np.zeros(order.size, dtype=bool)
            in_run[1:] |= same_own
            in_run[:-1] |= same_own
            pos = np.flatnonzero(in_run)
            run_id = np.cumsum(np.concatenate(([True], ~same_own)))[pos]
            sub = order[pos]
            order[pos] = sub[np.lexsort((rows[sub], -sum_key[rows[sub]], run_id))]
        self.index = rows[order]
        self.own_key_neg = -own_key
        size = self.index.size
        if size:
            sorted_sum = sum_key[self.index]
            change = np.flatnonzero(~same_own | (sorted_sum[1:] != sorted_sum[:-1]))
            ends = np.append(change + 1, size)
            self.block_end = np.repeat(ends, np.diff(np.concatenate(([0], ends))))
        else:
            self.block_end = np.zeros(0, dtype=np.int64)
        self._U_eff = U_eff
        self.table = U_eff.take(self.index, axis=0) if keep else None
        self._rank: np.ndarray | None = None
        whole = self.table if keep else U_eff.take(rows, axis=0)
        self.col_max = whole.max(axis=0) if size else np.full(U.shape[1], -np.inf)

    @property
    def rank(self) -> np.ndarray:
        """Position of every package in this table's order (table size if absent)."""
        if self._rank is None:
            rank = np.full(self._U_eff.shape[0], self.index.size, dtype=np.int64)
            rank[self.index] = np.arange(self.index.size)
            self._rank = rank
        return self._rank

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Utility rows (with -inf where unacceptable) of sorted positions start..stop."""
        if self.table is not None:
            return self.table[start:stop]
        return self._U_eff.take(self.index[start:stop], axis=0)


class _OfferBook:
    """Round-invariant precomputation plus the per-round best-offer search."""

    def __init__(
        self,
        U: np.ndarray,
        acc: np.ndarray,
        proposers: Iterable[int],
        veto: frozenset[int],
        quota: int | None,
        tol: float,
    ):
        self.U = U
        self.tol = tol
        n = U.shape[1]
        proposers = sorted(set(proposers))
        U_eff = np.where(acc, U, -np.inf)
        self.U_eff = U_eff
        self._columns: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        keep = len(proposers) * U.size * U.itemsize <= _TABLE_BUDGET_BYTES
        sum_key = _tie_key(U.sum(axis=1), tol)
        self.tables = {p: _ProposerTable(p, U, U_eff, acc, sum_key, tol, keep) for p in proposers}
        self.votes = {p: _Vote(p, n, veto, quota) for p in proposers}

    def best(self, p: int, wait: np.ndarray, ties: str) -> tuple[int, np.ndarray | None]:
        """Proposer ``p``'s best passing package against continuation thresholds ``wait``.

        Args:
            p: the proposer.
            wait: shape (n,), each actor's value of letting the round pass (current units).
            ties: ``"first"`` or ``"uniform"``.

        Returns:
            ``(row, payoff)``: the chosen package row and the payoff row (the package's
            utilities, or the mean over the tie set for ``"uniform"``); ``(-1, None)`` if
            no package passes or none beats waiting for the proposer.
        """
        tab = self.tables[p]
        vote = self.votes[p]
        if vote.impossible or tab.index.size == 0:
            return -1, None
        threshold = wait - self.tol
        if not vote.feasible(tab.col_max >= threshold):
            return -1, None  # even the best package for each actor falls short
        # Own utility >= threshold implies own key >= key(threshold) (rounding is monotone),
        # so positions past this bound can never be proposed.
        bound = int(
            np.searchsorted(tab.own_key_neg, -_tie_key(threshold[p : p + 1], self.tol)[0], "right")
        )
        hit = self._first_passing(tab, vote, threshold, bound)
        if hit < 0:
            return -1, None
        package = int(tab.index[hit])
        if ties == TIES_FIRST:
            return package, self.U[package]
        stop = min(int(tab.block_end[hit]), bound)
        ok = vote.passes(tab.rows(hit, stop) >= threshold)
        return package, self.U[tab.index[hit:stop][ok]].mean(axis=0)

    def _first_passing(
        self, tab: _ProposerTable, vote: _Vote, threshold: np.ndarray, bound: int
    ) -> int:
        """First passing position of the proposer's table before ``bound``, or -1.

        Scans the table in growing blocks. Once ``_SWITCH_AFTER`` rows have failed, and if
        some individually required actor (the proposer, a vetoer, or anyone under
        unanimity) is satisfied by fewer packages than remain to be scanned, only those
        packages are tested (found from that actor's presorted utilities) and the
        passing one with the smallest position in the proposer's order is returned.
        """
        start, size = 0, _FIRST_BLOCK
        tried_narrow = False
        while start < bound:
            if start >= _SWITCH_AFTER and not tried_narrow:
                tried_narrow = True
                cand = self._narrowest_candidates(vote, threshold)
                if _CANDIDATE_COST * cand.size < bound - start:
                    pos = tab.rank[cand]
                    inside = (pos >= start) & (pos < bound)
                    cand, pos = cand[inside], pos[inside]
                    ok = vote.passes(self.U_eff.take(cand, axis=0) >= threshold)
                    return int(pos[ok].min()) if np.any(ok) else -1
            stop = min(bound, start + size)
            ok = vote.passes(tab.rows(start, stop) >= threshold)
            first = int(np.argmax(ok))
            if ok[first]:
                return start + first
            start, size = stop, size * _BLOCK_GROWTH
        return -1

    def _narrowest_candidates(self, vote: _Vote, threshold: np.ndarray) -> np.ndarray:
        """Packages meeting the threshold of the most demanding individually required actor."""
        best: np.ndarray | None = None
        for a in vote.required:  # one binary search per required actor
            order, ascending = self._column(int(a))
            first = int(np.searchsorted(ascending, threshold[a], "left"))
            if best is None or order.size - first < best.size:
                best = order[first:]
        return best if best is not None else np.zeros(0, dtype=np.int64)

    def _column(self, a: int) -> tuple[np.ndarray, np.ndarray]:
        """Actor ``a``'s packages in ascending order of utility, and those utilities."""
        if a not in self._columns:
            order = np.argsort(self.U_eff[:, a])
            self._columns[a] = (order, self.U_eff[order, a])
        return self._columns[a]


class _Vote:
    """The acceptance rule seen from one proposer."""

    def __init__(self, p: int, n: int, veto: frozenset[int], quota: int | None):
        self.p = p
        self.veto_cols = np.array(sorted(veto - {p}), dtype=np.int64)
        self.other_cols = np.array(
            [a for a in range(n) if a != p and a not in veto], dtype=np.int64
        )
        self.need = self.other_cols.size if quota is None else int(quota)
        self.impossible = self.need > self.other_cols.size
        self.unanimous = self.need == self.other_cols.size
        # actors each of whom must accept for a package to pass (proposer included)
        self.required = np.concatenate(
            ([p], self.veto_cols, self.other_cols if self.unanimous else [])
        ).astype(np.int64)

    def feasible(self, reachable: np.ndarray) -> bool:
        """Whether a pass is possible given which actors can be satisfied at all (n,)."""
        if not reachable[self.p] or not reachable[self.veto_cols].all():
            return False
        return int(reachable[self.other_cols].sum()) >= self.need

    def passes(self, accepts: np.ndarray) -> np.ndarray:
        """Which packages pass, given the (m, n) accept matrix (column p = own test)."""
        if self.unanimous:
            return accepts.all(axis=1)
        ok = accepts[:, self.p].copy()
        if self.veto_cols.size:
            ok &= accepts[:, self.veto_cols].all(axis=1)
        if self.need > 0:
            ok &= accepts[:, self.other_cols].sum(axis=1) >= self.need
        return ok


def _expected_round(
    book: _OfferBook,
    proposers: Sequence[int],
    prob: np.ndarray,
    wait: np.ndarray,
    ties: str,
) -> tuple[np.ndarray, np.ndarray]:
    """One random-recognition round: each proposer's package and the expected payoff."""
    rows = np.full(prob.size, -1, dtype=np.int64)
    value = np.zeros_like(wait)
    for p in proposers:  # one vectorised search per recognisable actor
        row, payoff = book.best(p, wait, ties)
        rows[p] = row
        value += prob[p] * (payoff if row >= 0 else wait)
    return rows, value


def _most_likely_dealer(rows: np.ndarray, prob: np.ndarray) -> int:
    """The proposer with the highest probability among those striking a deal."""
    weight = np.where(rows >= 0, prob, -1.0)
    return int(np.argmax(weight))  # argmax returns the lowest index among ties


def _tie_key(x: np.ndarray, tol: float) -> np.ndarray:
    """Quantise values to multiples of ``tol`` so near-equal values compare equal."""
    return np.rint(x / tol) if tol > 0 else np.asarray(x, dtype=np.float64)


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def _validate_space(
    U: np.ndarray,
    acceptable: np.ndarray,
    disagreement: np.ndarray | float,
    discount: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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
    if not np.all((delta > 0) & (delta <= 1)):
        raise ValueError(f"discount factors must lie in (0, 1], got {delta}")
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


def _validate_probabilities(probabilities: np.ndarray | Sequence[float], n: int) -> np.ndarray:
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


def _terminal(d: np.ndarray, delta: np.ndarray, T: int, discounted: bool) -> np.ndarray:
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
