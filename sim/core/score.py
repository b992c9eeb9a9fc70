"""Score one hand-drafted package against the whole outcome space.

Core objects:
    PackageScore: what one package gives each actor (utility, margin to its reservation
        value), which red lines and agenda constraints it breaks (by name), whether it is
        feasible and Pareto-optimal, a package that dominates it and the nearest feasible
        package. ``to_json()`` is what ``negsim score --json`` prints.
    score_package: compute a `PackageScore` from a problem and its `Analysis`.

Conventions (the same as the analysis and the engine's run scoring):
    * Feasible: allowed by the agenda, inside every participant's red lines and worth at
      least each participant's reservation value (`Analysis.feasible`).
    * Pareto dominance is over every actor's utility, compared after rounding
      (`sim.core.utility.snap`). A feasible package is judged against the agenda-allowed
      packages inside every participant's red lines (a package dominating it clears the
      same reservation values, so it is feasible too); any other package against all
      agenda-allowed packages. This is the rule ``negsim run`` applies to an agreement.
    * ``dominated_by``: among the dominating packages, the one with the largest total gain
      over the scored package (lowest index on ties); it is Pareto-optimal itself.
    * ``nearest``: the feasible packages that change the fewest issues, ties broken by the
      Nash product of the participants' gains over their reservation values, then by the
      Nash solution's tie rule (`sim.core.solutions`). A feasible package is its own nearest.

Every step is a numpy operation over all packages at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .analysis import Analysis, package_dict
from .arrays import BoolArray, FloatArray
from .constraints import clause_blocks, reservation_ok
from .problem import Problem
from .solutions import nash_point
from .utility import snap

__all__ = ["JSON_KEYS", "PackageScore", "score_package"]

#: The keys of `PackageScore.to_json`, in order.
JSON_KEYS = (
    "package",
    "utilities",
    "reservations",
    "margins",
    "red_lines_broken",
    "constraints_broken",
    "below_reservation",
    "feasible",
    "pareto_optimal",
    "dominated_by",
    "nearest_feasible",
)
_DIGITS = 6


@dataclass(frozen=True, eq=False)
class PackageScore:
    """The score of one package (see the module docstring for the rules).

    Attributes:
        problem: the problem the package was scored in.
        row: the package's index in the outcome space.
        utilities: every actor's utility of it, shape (n_actors,).
        reservations: the reservation values used, shape (n_actors,).
        red_lines: ``(actor index, red-line name)`` of every red line it breaks (every
            actor's, participant or not).
        constraints: names of the agenda constraints it breaks.
        below: participants whose utility is below their reservation value.
        feasible: whether it is in the feasible set.
        pareto_optimal: whether no package (of the set it is judged against) dominates it.
        dominated_by: the dominating package with the largest total gain, or None.
        nearest: the nearest feasible package, or None when nothing is feasible.
        changed: issue indices where ``nearest`` differs from the package.
        nash_product: the Nash product of ``nearest`` (participants' gains), or None.
        others: package index -> every actor's utility, for ``dominated_by`` and ``nearest``.
    """

    problem: Problem
    row: int
    utilities: FloatArray
    reservations: FloatArray
    red_lines: tuple[tuple[int, str], ...]
    constraints: tuple[str, ...]
    below: tuple[int, ...]
    feasible: bool
    pareto_optimal: bool
    dominated_by: int | None
    nearest: int | None
    changed: tuple[int, ...]
    nash_product: float | None
    others: dict[int, FloatArray]

    @property
    def margins(self) -> FloatArray:
        """Utility minus reservation value, per actor."""
        out: FloatArray = self.utilities - self.reservations
        return out

    def to_json(self) -> dict[str, Any]:
        """The score as a JSON-ready dict with exactly the keys of `JSON_KEYS`.

        Floats are rounded to 6 decimals; packages are ``{issue: option}``.
        """
        p = self.problem
        actors = p.actors

        def per_actor(x: FloatArray) -> dict[str, float]:
            return {a: round(float(x[j]), _DIGITS) for j, a in enumerate(actors)}

        def other(row: int | None, **extra: Any) -> dict[str, Any] | None:
            if row is None:
                return None
            u = self.others[row]
            return {"package": package_dict(p, row), **extra, "utilities": per_actor(u)}

        nash = None if self.nash_product is None else round(self.nash_product, _DIGITS)
        return {
            "package": package_dict(p, self.row),
            "utilities": per_actor(self.utilities),
            "reservations": per_actor(self.reservations),
            "margins": per_actor(self.margins),
            "red_lines_broken": [{"actor": actors[a], "name": n} for a, n in self.red_lines],
            "constraints_broken": list(self.constraints),
            "below_reservation": [actors[a] for a in self.below],
            "feasible": self.feasible,
            "pareto_optimal": self.pareto_optimal,
            "dominated_by": other(self.dominated_by),
            "nearest_feasible": other(
                self.nearest, changed=[p.issues[i] for i in self.changed], nash_product=nash
            ),
        }


def score_package(problem: Problem, analysis: Analysis, row: int) -> PackageScore:
    """Score package ``row`` of ``problem``.

    Args:
        problem: the compiled problem.
        analysis: its analysis (`sim.core.analysis.analyze`), with the reservation values
            and participants the package is judged by.
        row: the package's index in the outcome space.

    Returns:
        The `PackageScore`.

    Raises:
        IndexError: ``row`` is outside the outcome space.
    """
    k = analysis.packages.shape[0]
    if not 0 <= row < k:
        raise IndexError(f"package {row} is outside the outcome space (0..{k - 1})")
    U, res = analysis.U, analysis.reservations
    option_row = analysis.packages[row]
    parts = sorted(problem.participant_indices())

    red = tuple(
        (a, clause.name)
        for a, prefs in enumerate(problem.preferences)
        for clause in prefs.red_lines
        if bool(clause_blocks(clause, option_row)[0])
    )
    constraints = tuple(
        c.name for c in problem.constraints if bool(clause_blocks(c, option_row)[0])
    )
    u_row = U[row : row + 1]
    below = tuple(a for a in parts if not bool(reservation_ok(u_row, res, a)[0]))
    feasible = bool(analysis.feasible[row])

    judged: BoolArray = analysis.agenda_ok
    if feasible:
        judged = analysis.agenda_ok & analysis.red_ok[:, parts].all(axis=1)
    dominated_by = _best_dominator(U, judged, row)

    nearest: int | None = None
    changed: tuple[int, ...] = ()
    nash: float | None = None
    rows = np.flatnonzero(analysis.feasible)
    if rows.size:
        distance = np.count_nonzero(analysis.packages[rows] != option_row, axis=1)
        closest = rows[distance == distance.min()]
        pick = nash_point(U[:, parts], res[parts], candidates=closest)
        assert pick is not None  # feasible rows all have gains >= 0
        nearest = int(pick)
        changed = tuple(int(i) for i in
                        np.flatnonzero(analysis.packages[nearest] != option_row))
        gains = np.maximum(snap(U[nearest, parts]) - snap(res[parts]), 0.0)
        nash = float(np.prod(gains))
    return PackageScore(
        problem=problem, row=int(row), utilities=U[row].copy(), reservations=res.copy(),
        red_lines=red, constraints=constraints, below=below, feasible=feasible,
        pareto_optimal=dominated_by is None, dominated_by=dominated_by, nearest=nearest,
        changed=changed, nash_product=nash,
        others={r: U[r].copy() for r in (dominated_by, nearest) if r is not None},
    )


def _best_dominator(U: FloatArray, candidates: BoolArray, row: int) -> int | None:
    """The candidate dominating ``row`` with the largest total gain (lowest on ties)."""
    rows = np.flatnonzero(candidates)
    X = snap(U[rows])
    p = snap(U[row])
    dominates = np.all(X >= p, axis=1) & np.any(X > p, axis=1)
    if not dominates.any():
        return None
    rows, X = rows[dominates], X[dominates]
    total = (X - p).sum(axis=1)
    return int(rows[int(np.argmax(total))])
