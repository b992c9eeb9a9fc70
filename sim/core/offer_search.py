"""Per-round best-offer search shared by the equilibrium solvers.

Pure numpy. The acceptance rule and the tie-break order are documented in
`sim.core.solver`.

Round-invariant work is done once per proposer: its acceptable packages are sorted in the
tie-break order of `sim.core.solver` and their utility rows stored contiguously in that
order (with ``-inf`` wherever a package is unacceptable to an actor). In each round the
proposer's best passing package is then the *first* passing row of its sorted table; rows
are tested in geometrically growing blocks (vectorised over packages within a block) until
the first pass, and the scan stops at the last row whose own utility can still beat
waiting, found by binary search. Two shortcuts bound the cost when deals are hard to find:
a round is skipped at once if some required actor's best utility in the table misses its
threshold, and once 4,096 rows have failed, if an individually required actor (the
proposer, a vetoer, or anyone under unanimity) is satisfied by far fewer packages than
remain, only those packages are tested (read off that actor's presorted utilities, sorted
once on first use). A round therefore costs at most about one vectorised pass over the
table and usually a small prefix of it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .arrays import BoolArray, FloatArray, IntArray

__all__ = ["TIES_FIRST", "TIES_UNIFORM"]

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
        U: FloatArray,
        U_eff: FloatArray,
        acc: BoolArray,
        sum_key: FloatArray,
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
        self.table: FloatArray | None = U_eff.take(self.index, axis=0) if keep else None
        self._rank: IntArray | None = None
        whole = self.table if self.table is not None else U_eff.take(rows, axis=0)
        self.col_max = whole.max(axis=0) if size else np.full(U.shape[1], -np.inf)

    @property
    def rank(self) -> IntArray:
        """Position of every package in this table's order (table size if absent)."""
        if self._rank is None:
            rank = np.full(self._U_eff.shape[0], self.index.size, dtype=np.int64)
            rank[self.index] = np.arange(self.index.size)
            self._rank = rank
        return self._rank

    def rows(self, start: int, stop: int) -> FloatArray:
        """Utility rows (with -inf where unacceptable) of sorted positions start..stop."""
        if self.table is not None:
            return self.table[start:stop]
        return self._U_eff.take(self.index[start:stop], axis=0)


class _OfferBook:
    """Round-invariant precomputation plus the per-round best-offer search."""

    def __init__(
        self,
        U: FloatArray,
        acc: BoolArray,
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
        self._columns: dict[int, tuple[IntArray, FloatArray]] = {}
        keep = len(proposers) * U.size * U.itemsize <= _TABLE_BUDGET_BYTES
        sum_key = _tie_key(U.sum(axis=1), tol)
        self.tables = {p: _ProposerTable(p, U, U_eff, acc, sum_key, tol, keep) for p in proposers}
        self.votes = {p: _Vote(p, n, veto, quota) for p in proposers}

    def best(self, p: int, wait: FloatArray, ties: str) -> tuple[int, FloatArray | None]:
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
        rows = self.tie_set(p, wait, ties)
        if rows.size == 0:
            return -1, None
        package = int(rows[0])
        if ties == TIES_FIRST:
            return package, self.U[package]
        return package, self.U[rows].mean(axis=0)

    def tie_set(self, p: int, wait: FloatArray, ties: str = TIES_UNIFORM) -> IntArray:
        """The rows ``best`` chooses among: its choice first, then the rest of its tie set.

        Args:
            p: the proposer.
            wait: shape (n,), each actor's value of letting the round pass (current units).
            ties: ``"first"`` (only the choice) or ``"uniform"`` (the whole tie set: every
                passing package tied with the choice on own utility and utility sum).

        Returns:
            int64 rows, empty when no package passes or none beats waiting.
        """
        none = np.zeros(0, dtype=np.int64)
        tab = self.tables[p]
        vote = self.votes[p]
        if vote.impossible or tab.index.size == 0:
            return none
        threshold = wait - self.tol
        if not vote.feasible(tab.col_max >= threshold):
            return none  # even the best package for each actor falls short
        # Own utility >= threshold implies own key >= key(threshold) (rounding is monotone),
        # so positions past this bound can never be proposed.
        bound = int(
            np.searchsorted(tab.own_key_neg, -_tie_key(threshold[p : p + 1], self.tol)[0], "right")
        )
        hit = self._first_passing(tab, vote, threshold, bound)
        if hit < 0:
            return none
        if ties == TIES_FIRST:
            return tab.index[hit : hit + 1].astype(np.int64)
        stop = min(int(tab.block_end[hit]), bound)
        ok = vote.passes(tab.rows(hit, stop) >= threshold)
        return tab.index[hit:stop][ok].astype(np.int64)

    def _first_passing(
        self, tab: _ProposerTable, vote: _Vote, threshold: FloatArray, bound: int
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

    def _narrowest_candidates(self, vote: _Vote, threshold: FloatArray) -> IntArray:
        """Packages meeting the threshold of the most demanding individually required actor."""
        best: IntArray | None = None
        for a in vote.required:  # one binary search per required actor
            order, ascending = self._column(int(a))
            first = int(np.searchsorted(ascending, threshold[a], "left"))
            if best is None or order.size - first < best.size:
                best = order[first:]
        return best if best is not None else np.zeros(0, dtype=np.int64)

    def _column(self, a: int) -> tuple[IntArray, FloatArray]:
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

    def feasible(self, reachable: BoolArray) -> bool:
        """Whether a pass is possible given which actors can be satisfied at all (n,)."""
        if not reachable[self.p] or not reachable[self.veto_cols].all():
            return False
        return int(reachable[self.other_cols].sum()) >= self.need

    def passes(self, accepts: BoolArray) -> BoolArray:
        """Which packages pass, given the (m, n) accept matrix (column p = own test)."""
        if self.unanimous:
            everyone: BoolArray = np.all(accepts, axis=1)
            return everyone
        ok: BoolArray = accepts[:, self.p].copy()
        if self.veto_cols.size:
            ok &= accepts[:, self.veto_cols].all(axis=1)
        if self.need > 0:
            ok &= accepts[:, self.other_cols].sum(axis=1) >= self.need
        return ok


def _tie_key(x: FloatArray, tol: float) -> FloatArray:
    """Quantise values to multiples of ``tol`` so near-equal values compare equal."""
    return np.rint(x / tol) if tol > 0 else np.asarray(x, dtype=np.float64)
