"""Actors' utilities over packages.

Utility of a package for one actor (see `Preferences`):

* ``additive``: ``sum_i w_i * values[i][option_i]``;
* ``mean_of_adopted``: ``sum w_i * v_i / sum w_i`` over the issues whose chosen option
  counts as adopted, or ``empty_value`` when that weight sum is zero (nothing adopted);

then each `Interaction` whose two options both occur adds its ``delta``, and the total
is clipped to [0, 1].

`actor_utility` gathers per issue over a package array; `utility_matrix` over the whole
space uses the product structure instead (a prefix part plus a suffix part per block),
which avoids most gathers.  `scalar_utility` is the plain-Python reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .arrays import FloatArray, IntArray, PackageArray
from .generated import value_at
from .problem import ADDITIVE, MEAN_OF_ADOPTED, Preferences, Problem
from .space import n_outcomes

DECIMALS = 12
TOL = 1e-12


def snap(x: ArrayLike) -> FloatArray:
    """Utilities rounded to `DECIMALS` places: the grid on which `sim.core` compares them.

    Comparing rounded values (rather than testing ``|a - b| < TOL``) keeps equality and
    order transitive while floating noise below ~1e-12 never separates two values.
    """
    values = np.asarray(x, dtype=np.float64)
    return np.round(values, DECIMALS)


def _as_packages(packages: ArrayLike) -> PackageArray:
    p = np.asarray(packages)
    return p.reshape(1, -1) if p.ndim == 1 else p


def _issue_tables(
    prefs: Preferences, adopted_masks: Sequence[ArrayLike]
) -> tuple[list[FloatArray], list[FloatArray] | None]:
    """Per-issue numerator tables and (mean_of_adopted only) denominator tables."""
    w = np.asarray(prefs.weights, dtype=np.float64)
    if prefs.aggregation == ADDITIVE:
        return [w[i] * np.asarray(v, dtype=np.float64) for i, v in enumerate(prefs.values)], None
    if prefs.aggregation == MEAN_OF_ADOPTED:
        den = [w[i] * np.asarray(m, dtype=np.float64) for i, m in enumerate(adopted_masks)]
        num = [d * np.asarray(v, dtype=np.float64) for d, v in zip(den, prefs.values, strict=True)]
        return num, den
    raise ValueError(f"unknown aggregation {prefs.aggregation!r}")


def _finish(num: FloatArray, den: FloatArray | None, empty_value: float) -> FloatArray:
    if den is None:
        return num
    pos = den > 0
    out = np.full(num.shape, float(empty_value))
    np.divide(num, den, out=out, where=pos)
    return out


def actor_utility(
    prefs: Preferences, packages: ArrayLike, adopted_masks: Sequence[ArrayLike]
) -> FloatArray:
    """One actor's utility for each package.

    Args:
        prefs: the actor's preferences.
        packages: option indices, shape (k, n_issues) (a 1-D array is one package).
        adopted_masks: per issue, a bool mask of the options that count as adopted.

    Returns:
        float64 array, shape (k,), clipped to [0, 1].
    """
    p = _as_packages(packages)
    num_t, den_t = _issue_tables(prefs, adopted_masks)
    k = p.shape[0]
    num = np.zeros(k)
    den = None if den_t is None else np.zeros(k)
    for i in range(p.shape[1]):
        col = p[:, i]
        if num_t[i].any():
            num += num_t[i][col]
        if den is not None and den_t is not None and den_t[i].any():
            den += den_t[i][col]
    u = _finish(num, den, prefs.empty_value)
    for it in prefs.interactions:
        hit = (p[:, it.issue_a] == it.option_a) & (p[:, it.issue_b] == it.option_b)
        u += it.delta * hit
    return np.clip(u, 0.0, 1.0, out=u)


def scalar_utility(problem: Problem, actor_index: int, package_tuple: Iterable[int]) -> float:
    """Plain-Python utility of one package for one actor (the reference definition).

    Args:
        problem: the compiled problem.
        actor_index: index into ``problem.actors``.
        package_tuple: one option index per issue.

    Returns:
        The utility, in [0, 1].
    """
    prefs = problem.preferences[actor_index]
    adopted = problem.adopted_masks()
    pkg = [int(o) for o in package_tuple]
    if prefs.aggregation == ADDITIVE:
        u = 0.0
        for i, o in enumerate(pkg):
            u += float(prefs.weights[i]) * value_at(prefs.values, i, o)
    elif prefs.aggregation == MEAN_OF_ADOPTED:
        num = 0.0
        den = 0.0
        for i, o in enumerate(pkg):
            if adopted[i][o]:
                num += float(prefs.weights[i]) * value_at(prefs.values, i, o)
                den += float(prefs.weights[i])
        u = num / den if den > 0 else float(prefs.empty_value)
    else:
        raise ValueError(f"unknown aggregation {prefs.aggregation!r}")
    for it in prefs.interactions:
        if pkg[it.issue_a] == it.option_a and pkg[it.issue_b] == it.option_b:
            u += float(it.delta)
    return min(1.0, max(0.0, u))


def _kron_sum(tables: list[FloatArray]) -> FloatArray:
    """Values over a product sub-space: entry for (o_1, ..., o_m) is sum_j tables[j][o_j]."""
    acc = np.zeros(1)
    for t in tables:
        acc = (acc[:, None] + t[None, :]).ravel()
    return acc


def _kron_prod(vectors: list[FloatArray]) -> FloatArray:
    acc = np.ones(1)
    for v in vectors:
        acc = (acc[:, None] * v[None, :]).ravel()
    return acc


def _split_point(radix: IntArray, chunk: int) -> int:
    """First issue of the longest suffix whose sub-space has at most ``chunk`` packages."""
    s, size = radix.size, 1
    while s > 0 and size * int(radix[s - 1]) <= max(chunk, 1):
        size *= int(radix[s - 1])
        s -= 1
    return min(s, radix.size - 1) if radix.size else 0


def _full_space_utility(problem: Problem, chunk: int) -> FloatArray:
    """`utility_matrix` over the whole space, block by block (prefix x suffix)."""
    radix = problem.radix
    k = n_outcomes(radix)
    U = np.empty((k, problem.n_actors), order="F")
    if radix.size == 0:
        for a, prefs in enumerate(problem.preferences):
            U[:, a] = actor_utility(prefs, np.zeros((1, 0), dtype=np.uint8), ())
        return U
    s = _split_point(radix, chunk)
    n_suf = n_outcomes(radix[s:])
    n_pre = k // n_suf
    rows_per_block = max(1, chunk // n_suf)
    adopted = problem.adopted_masks()
    for a, prefs in enumerate(problem.preferences):
        num_t, den_t = _issue_tables(prefs, adopted)
        parts = [(_kron_sum(num_t[:s]), _kron_sum(num_t[s:]))]
        if den_t is not None:
            parts.append((_kron_sum(den_t[:s]), _kron_sum(den_t[s:])))
        inter = []
        for it in prefs.interactions:
            ind = [np.zeros(int(r)) if i in (it.issue_a, it.issue_b) else np.ones(int(r))
                   for i, r in enumerate(radix)]
            if it.issue_a == it.issue_b:
                if it.option_a != it.option_b:
                    continue
                ind[it.issue_a][it.option_a] = 1.0
            else:
                ind[it.issue_a][it.option_a] = 1.0
                ind[it.issue_b][it.option_b] = 1.0
            inter.append((it.delta, _kron_prod(ind[:s]), _kron_prod(ind[s:])))
        col = U[:, a]
        for p0 in range(0, n_pre, rows_per_block):
            p1 = min(n_pre, p0 + rows_per_block)
            blocks = [np.add.outer(pre[p0:p1], suf).ravel() for pre, suf in parts]
            u = _finish(blocks[0], blocks[1] if len(blocks) > 1 else None, prefs.empty_value)
            for delta, pre, suf in inter:
                u += delta * np.multiply.outer(pre[p0:p1], suf).ravel()
            np.clip(u, 0.0, 1.0, out=u)
            col[p0 * n_suf : p1 * n_suf] = u
    return U


def utility_matrix(
    problem: Problem, packages: ArrayLike | None = None, chunk: int = 2_000_000
) -> FloatArray:
    """Every actor's utility for each package.

    Args:
        problem: the compiled problem.
        packages: option indices, shape (k, n_issues); ``None`` means the whole space in
            package-index order.
        chunk: packages processed at once (bounds the temporaries).

    Returns:
        float64 array, shape (k, n_actors), column-major (each actor's column contiguous).
    """
    if packages is None:
        return _full_space_utility(problem, chunk)
    p = _as_packages(packages)
    U = np.empty((p.shape[0], problem.n_actors), order="F")
    adopted = problem.adopted_masks()
    for s in range(0, p.shape[0], chunk):
        block = p[s : s + chunk]
        for a, prefs in enumerate(problem.preferences):
            U[s : s + chunk, a] = actor_utility(prefs, block, adopted)
    return U
