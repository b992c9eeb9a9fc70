"""Whole-space analysis of a negotiation problem.

`analyze` enumerates every package, computes every actor's utility, the red-line and
agenda masks, the feasible set, the Pareto frontiers (of the agenda-allowed space and of
the feasible set), the four bargaining solutions over the feasible set and, optionally,
the constraint diagnostics.  Large spaces are processed chunk by chunk where that bounds
the temporaries (utilities, diagnostics); the result arrays themselves are kept whole.

Solutions are computed on the participants' utilities, with their reservation values as
the disagreement point.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .arrays import BoolArray, FloatArray, PackageArray
from .constraints import agenda_ok, red_line_ok, reservation_ok, resolve_reservations
from .diagnostics import blocks_alone, minimal_relaxation
from .pareto import pareto_mask, pareto_mask_subset
from .problem import Problem
from .solutions import egalitarian, kalai_smorodinsky, nash_point, utilitarian
from .space import decode, enumerate_packages
from .utility import utility_matrix

SOLUTION_NAMES = ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian")
_DIGITS = 6


@dataclass
class Analysis:
    """Everything `analyze` computes; arrays are aligned with package indices.

    Attributes:
        packages: option indices, shape (k, n_issues).
        U: utilities, shape (k, n_actors).
        red_ok: where none of an actor's red lines blocks, shape (k, n_actors).
        agenda_ok: where no agenda constraint blocks, shape (k,).
        feasible: the feasible set, shape (k,).
        pareto: Pareto-optimal among the agenda-allowed packages, shape (k,).
        feasible_pareto: Pareto-optimal among the feasible packages, shape (k,).
        reservations: reservation values used, shape (n_actors,).
        solutions: ``nash``, ``kalai_smorodinsky``, ``egalitarian``, ``utilitarian`` ->
            package index, or None when nothing is feasible.
        red_lines: `blocks_alone` output (empty without diagnostics).
        minimal_relaxation: `minimal_relaxation` output (None without diagnostics or
            when something is feasible).
        elapsed_s: wall-clock seconds spent in `analyze`.
    """

    packages: PackageArray
    U: FloatArray
    red_ok: BoolArray
    agenda_ok: BoolArray
    feasible: BoolArray
    pareto: BoolArray
    feasible_pareto: BoolArray
    reservations: FloatArray
    solutions: dict[str, int | None] = field(default_factory=dict)
    red_lines: list[dict[str, Any]] = field(default_factory=list)
    minimal_relaxation: dict[str, Any] | None = None
    elapsed_s: float = 0.0


def solve_all(U: FloatArray, participants: Iterable[int], reservations: ArrayLike,
              candidates: ArrayLike,
              nash_weights: ArrayLike | None = None) -> dict[str, int | None]:
    """The four bargaining solutions on the participants' utilities.

    Args:
        U: utilities, shape (k, n_actors).
        participants: actor indices whose utilities and reservations are used.
        reservations: per-actor reservation values, shape (n_actors,).
        candidates: bool mask (k,) of admissible packages.
        nash_weights: bargaining powers, one per actor (default equal); only the
            participants' entries are used.

    Returns:
        Dict name -> row index or None.
    """
    parts = list(participants)
    rows = np.flatnonzero(candidates)
    U = np.asarray(U)
    Up = np.empty((rows.size, len(parts)), order="F")  # the candidates, gathered once
    for j, a in enumerate(parts):
        Up[:, j] = U[:, a][rows]
    d = np.asarray(reservations, dtype=np.float64)[parts]
    w = None if nash_weights is None else np.asarray(nash_weights, dtype=np.float64)[parts]
    picks = {
        "nash": nash_point(Up, d, None, weights=w),
        "kalai_smorodinsky": kalai_smorodinsky(Up, d, None),
        "egalitarian": egalitarian(Up, d, None),
        "utilitarian": utilitarian(Up, None),
    }
    return {k: None if v is None else int(rows[v]) for k, v in picks.items()}


def analyze(problem: Problem, reservations: ArrayLike | None = None, diagnostics: bool = True,
            nash_weights: ArrayLike | None = None, reuse: Analysis | None = None) -> Analysis:
    """Analyse the whole outcome space of a problem.

    Args:
        problem: the compiled problem.
        reservations: per-actor reservation values; defaults to the preferences'.
        diagnostics: also compute `blocks_alone` and `minimal_relaxation`.
        nash_weights: bargaining powers for the Nash solution, one per actor.
        reuse: the analysis of a problem that differs from this one at most in its
            reservation values and participants: its packages, utilities, red-line and
            agenda masks and agenda frontier are taken as they are (the result is the
            same; the what-if dashboard saves most of the time this way).

    Returns:
        The `Analysis`.
    """
    t0 = time.perf_counter()
    if reuse is None:
        packages = enumerate_packages(problem.radix)
        U = utility_matrix(problem)
        red = red_line_ok(problem, packages)
        agenda = agenda_ok(problem, packages)
    else:
        packages, U, red, agenda = reuse.packages, reuse.U, reuse.red_ok, reuse.agenda_ok
    res = resolve_reservations(problem, reservations)
    parts = sorted(problem.participant_indices())
    feasible = agenda.copy()
    for a in parts:
        feasible &= red[:, a]
        feasible &= reservation_ok(U, res, a)
    pareto = pareto_mask(U, agenda) if reuse is None else reuse.pareto
    feasible_pareto = pareto_mask_subset(U, feasible, pareto)  # feasible is inside agenda
    solutions = solve_all(U, parts, res, feasible, nash_weights)
    red_lines, relax = [], None
    if diagnostics:
        red_lines = blocks_alone(problem, packages, U, res)
        if not feasible.any():
            relax = minimal_relaxation(problem, packages, U, reservations=res)
    return Analysis(packages=packages, U=U, red_ok=red, agenda_ok=agenda, feasible=feasible,
                    pareto=pareto, feasible_pareto=feasible_pareto, reservations=res,
                    solutions=solutions, red_lines=red_lines, minimal_relaxation=relax,
                    elapsed_s=time.perf_counter() - t0)


def package_dict(problem: Problem, row: ArrayLike) -> dict[str, str]:
    """A package as ``{issue_id: option_id}``.

    Args:
        problem: the compiled problem.
        row: a package index, or a sequence of option indices (one per issue).

    Returns:
        The mapping, in agenda order.
    """
    r = np.asarray(row)
    if r.ndim == 0:
        r = decode([int(r)], problem.radix)[0]
    return {issue: problem.options[i][int(o)] for i, (issue, o) in
            enumerate(zip(problem.issues, r.tolist(), strict=True))}


def _round(x: float) -> float:
    return round(float(x), _DIGITS)


def analysis_to_json(problem: Problem, analysis: Analysis) -> dict[str, Any]:
    """A JSON-ready summary of an analysis.

    Args:
        problem: the compiled problem.
        analysis: its `Analysis`.

    Returns:
        Dict with exactly ``n_outcomes``, ``n_feasible``, ``pareto_size``,
        ``feasible_pareto_size``, ``solutions``, ``red_lines``, ``minimal_relaxation`` and
        ``elapsed_s``; floats rounded to 6 decimals.
    """
    sols: dict[str, dict[str, Any] | None] = {}
    for name in SOLUTION_NAMES:
        idx = analysis.solutions.get(name)
        if idx is None:
            sols[name] = None
            continue
        sols[name] = {
            "package": package_dict(problem, analysis.packages[idx]),
            "utilities": {a: _round(analysis.U[idx, j]) for j, a in enumerate(problem.actors)},
        }
    return {
        "n_outcomes": int(analysis.packages.shape[0]),
        "n_feasible": int(np.count_nonzero(analysis.feasible)),
        "pareto_size": int(np.count_nonzero(analysis.pareto)),
        "feasible_pareto_size": int(np.count_nonzero(analysis.feasible_pareto)),
        "solutions": sols,
        "red_lines": [dict(r) for r in analysis.red_lines],
        "minimal_relaxation": (None if analysis.minimal_relaxation is None
                               else dict(analysis.minimal_relaxation)),
        "elapsed_s": _round(analysis.elapsed_s),
    }
