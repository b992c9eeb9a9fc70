"""Red lines, agenda constraints and the feasible set.

Every constraint is a `Clause`: a forbidden conjunction of literals.  A package is
blocked by a clause when every literal holds (a clause without literals blocks
everything).  A package is *feasible* when no agenda constraint blocks it and, for every
participant actor, none of that actor's red lines blocks it and its utility reaches the
actor's reservation value.  Utilities and reservation values are compared after rounding
to 12 decimals (`sim.core.utility.snap`), so floating noise never rejects a package
sitting exactly on the reservation value; with ``strict`` the threshold is strict (a
package must be worth *more* than the reservation value, by more than that noise).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .arrays import BoolArray, FloatArray, PackageArray
from .problem import Clause, Problem
from .utility import TOL, snap

_COMPARE_MAX = 4  # literals selecting at most this many options use comparisons, not gathers


def literal_holds(mask: ArrayLike, column: PackageArray) -> BoolArray:
    """Where an issue's column takes one of the options selected by ``mask``.

    Args:
        mask: bool mask over the issue's options.
        column: the issue's option index for each package.

    Returns:
        bool array shaped like ``column``.
    """
    mask = np.asarray(mask, dtype=bool)
    n_true = int(mask.sum())
    if n_true == 0:
        return np.zeros(column.shape, dtype=bool)
    if n_true == mask.size:
        return np.ones(column.shape, dtype=bool)
    if min(n_true, mask.size - n_true) <= _COMPARE_MAX:
        negate = n_true > mask.size - n_true
        picks = np.flatnonzero(~mask if negate else mask)
        out: BoolArray = column == picks[0]
        for o in picks[1:]:
            out |= column == o
        return ~out if negate else out
    return mask[column]


def _as_2d(packages: ArrayLike) -> PackageArray:
    """Packages as a 2-d array (a single package becomes one row)."""
    p = np.asarray(packages)
    return p.reshape(1, -1) if p.ndim == 1 else p


def clause_blocks(clause: Clause, packages: ArrayLike) -> BoolArray:
    """Where a clause blocks each package (every literal holds).

    Args:
        clause: the forbidden conjunction.
        packages: option indices, shape (k, n_issues).

    Returns:
        bool array, shape (k,).
    """
    p = _as_2d(packages)
    out = np.ones(p.shape[0], dtype=bool)
    for lit in clause.literals:
        out &= literal_holds(lit.mask, p[:, lit.issue])
    return out


def red_line_ok(problem: Problem, packages: ArrayLike) -> BoolArray:
    """Where none of an actor's red lines blocks a package.

    Args:
        problem: the compiled problem.
        packages: option indices, shape (k, n_issues).

    Returns:
        bool array, shape (k, n_actors) (computed for every actor, participant or not).
    """
    p = _as_2d(packages)
    out = np.ones((p.shape[0], problem.n_actors), dtype=bool, order="F")
    for a, prefs in enumerate(problem.preferences):
        col = out[:, a]
        for clause in prefs.red_lines:
            col &= ~clause_blocks(clause, p)
    return out


def agenda_ok(problem: Problem, packages: ArrayLike) -> BoolArray:
    """Where no agenda-level constraint blocks a package.

    Args:
        problem: the compiled problem.
        packages: option indices, shape (k, n_issues).

    Returns:
        bool array, shape (k,).
    """
    p = _as_2d(packages)
    out = np.ones(p.shape[0], dtype=bool)
    for clause in problem.constraints:
        out &= ~clause_blocks(clause, p)
    return out


def default_reservations(problem: Problem) -> FloatArray:
    """Each actor's reservation value from its preferences, shape (n_actors,)."""
    return np.array([float(p.reservation) for p in problem.preferences], dtype=np.float64)


def resolve_reservations(problem: Problem, reservations: ArrayLike | None = None) -> FloatArray:
    """``reservations`` as a float array aligned with actors (defaults from preferences).

    Raises:
        ValueError: if the given array is not aligned with the actors.
    """
    if reservations is None:
        return default_reservations(problem)
    r = np.asarray(reservations, dtype=np.float64).ravel()
    if r.size != problem.n_actors:
        raise ValueError(f"need {problem.n_actors} reservation values, got {r.size}")
    return r


def reservation_ok(U: FloatArray, reservations: FloatArray, actor: int,
                   strict: bool = False) -> BoolArray:
    """Where actor ``actor``'s rounded utility reaches (``strict``: exceeds) its reservation."""
    gap = snap(U[:, actor]) - snap(reservations[actor])
    return gap > TOL / 2 if strict else gap >= -TOL / 2


def feasible_mask(
    problem: Problem, U: FloatArray, packages: ArrayLike, reservations: ArrayLike | None = None,
    strict: bool = False,
) -> BoolArray:
    """Packages acceptable to every participant and allowed by the agenda.

    Args:
        problem: the compiled problem.
        U: utility matrix, shape (k, n_actors), rows aligned with ``packages``.
        packages: option indices, shape (k, n_issues).
        reservations: per-actor reservation values (e.g. round-varying ones from the
            engine); defaults to each actor's ``Preferences.reservation``.
        strict: a package must be worth more than each reservation value.

    Returns:
        bool array, shape (k,).
    """
    p = _as_2d(packages)
    res = resolve_reservations(problem, reservations)
    out = agenda_ok(problem, p)
    for a in problem.participant_indices():
        out &= reservation_ok(U, res, a, strict)
        for clause in problem.preferences[a].red_lines:
            out &= ~clause_blocks(clause, p)
    return out
