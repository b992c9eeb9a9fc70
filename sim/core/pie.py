"""Discretised "split the pie" outcome spaces for validating the bargaining solvers.

A pie of ``K`` indivisible units is split among ``n`` players. Every split is one option
of a single issue, and a player's utility for a split is its share ``units / K``. These
spaces are the textbook settings of Rubinstein (1982) and Baron and Ferejohn (1989), so
the equilibrium shares of `sim.core.solver` can be checked against closed forms.

The generators here are independent of the YAML scenario layer: they return plain
arrays, from which validation scenario files can be written.
"""

from __future__ import annotations

from math import comb

import numpy as np

__all__ = ["compositions", "pie_splits", "n_splits"]


def n_splits(n_players: int, K: int) -> int:
    """Number of ways to split ``K`` units among ``n_players`` (stars and bars).

    Args:
        n_players: number of players, at least 1.
        K: number of indivisible units, at least 0.

    Returns:
        ``C(K + n_players - 1, n_players - 1)``.
    """
    _check(n_players, K)
    return comb(K + n_players - 1, n_players - 1)


def compositions(n_parts: int, total: int) -> np.ndarray:
    """All weak compositions of ``total`` into ``n_parts`` non-negative integer parts.

    The rows are in lexicographically *descending* order (the first part is largest in
    the first row), so row 0 gives everything to part 0. Built one part at a time: each
    step expands every partial row by all the values its remainder allows, with
    ``np.repeat`` and a cumulative-offset trick (no Python loop over rows).

    Args:
        n_parts: number of parts, at least 1.
        total: the sum of every row, at least 0.

    Returns:
        Integer array of shape ``(C(total + n_parts - 1, n_parts - 1), n_parts)``.
    """
    _check(n_parts, total)
    parts = np.zeros((1, 0), dtype=np.int64)
    remaining = np.array([total], dtype=np.int64)
    for _ in range(n_parts - 1):
        counts = remaining + 1  # the next part takes remaining, remaining-1, ..., 0
        parent = np.repeat(np.arange(remaining.size), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        offset = np.arange(parent.size, dtype=np.int64) - starts
        value = remaining[parent] - offset
        parts = np.column_stack([parts[parent], value])
        remaining = remaining[parent] - value
    return np.column_stack([parts, remaining]).astype(np.int64, copy=False)


def pie_splits(n_players: int, K: int) -> tuple[tuple[str, ...], np.ndarray]:
    """Every split of a ``K``-unit pie among ``n_players``, with share utilities.

    Args:
        n_players: number of players, at least 1.
        K: number of units, at least 1 (the discretisation step is ``1 / K``).

    Returns:
        A pair ``(labels, U)``. ``labels[j]`` names split ``j`` as
        ``"split_<u0>_<u1>_..._<u(n-1)>"`` with the players' units (a valid option id);
        ``U`` has shape ``(n_splits(n_players, K), n_players)`` with ``U[j, a]`` the share
        of player ``a`` in split ``j`` (rows sum to 1). Rows follow `compositions`.

    Raises:
        ValueError: if ``n_players < 1`` or ``K < 1``.
    """
    if K < 1:
        raise ValueError(f"K must be at least 1, got {K}")
    units = compositions(n_players, K)
    labels = np.full(units.shape[0], "split", dtype=object)
    for a in range(n_players):  # one vectorised string concatenation per player
        labels = labels + "_" + units[:, a].astype(str).astype(object)
    U = units.astype(np.float64) / K
    return tuple(labels.tolist()), U


def _check(n: int, total: int) -> None:
    """Validate the sizes shared by the generators."""
    if int(n) != n or n < 1:
        raise ValueError(f"the number of players/parts must be a positive integer, got {n}")
    if int(total) != total or total < 0:
        raise ValueError(f"the number of units must be a non-negative integer, got {total}")
