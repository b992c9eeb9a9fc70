"""Whole-space analysis of a negotiation problem.

`analyze` enumerates every package, computes every actor's utility, the red-line and
agenda masks, the feasible set, the zone of an acceptance rule (`sim.core.zone`; by
default unanimity among the participants, which is the feasible set), the Pareto
frontiers (of the agenda-allowed space, of the feasible set and of the zone), the four
bargaining solutions over the zone and over the feasible set and, optionally, the
constraint diagnostics and per-actor thresholds (`sim.core.thresholds`).  Large spaces
are processed chunk by chunk where that bounds the temporaries (utilities, diagnostics);
the result arrays themselves are kept whole.

Solutions are computed on the utilities of the rule's voters (its seats and, for the
summit, the ratifiers; the participants, for the feasible set), with their reservation
values as the disagreement point and each actor's ``bargaining_power`` as its exponent
in the Nash product. Over a zone that is not unanimous the formulas are unchanged:
Kalai-Smorodinsky, egalitarian and utilitarian count the negative gains of voters a
package leaves below their reservation value, and the Nash product, defined only where
every gain is non-negative, is taken over the zone's packages that every voter accepts
(None when there is none).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
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
from .thresholds import actor_summary, ideal_point
from .utility import utility_matrix
from .zone import VotingRule, accepting, unanimity, zone_mask

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
        rule: the acceptance rule of the zone (unanimity among the participants unless
            another was given).
        zone: shape (k,), the packages that could pass under ``rule``.
        zone_pareto: Pareto-optimal among the zone's packages, shape (k,).
        solutions_unanimous: the solutions over the feasible set (the same as
            ``solutions`` under unanimity).
        nash_weights: the bargaining powers used, shape (n_actors,).
        actors: per actor, `sim.core.thresholds.actor_summary` (empty without
            diagnostics).
        ideal: each actor's best utility over the zone, or None when it is empty.
        strict: whether reservation values were strict thresholds.
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
    rule: VotingRule | None = None
    zone: BoolArray | None = None
    zone_pareto: BoolArray | None = None
    solutions_unanimous: dict[str, int | None] = field(default_factory=dict)
    nash_weights: FloatArray | None = None
    actors: list[dict[str, Any]] = field(default_factory=list)
    ideal: FloatArray | None = None
    strict: bool = False


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
            nash_weights: ArrayLike | None = None, rule: VotingRule | None = None,
            strict: bool = False, reuse: Analysis | None = None) -> Analysis:
    """Analyse the whole outcome space of a problem.

    Args:
        problem: the compiled problem.
        reservations: per-actor reservation values; defaults to the preferences'.
        diagnostics: also compute `blocks_alone`, `minimal_relaxation` and the per-actor
            thresholds.
        nash_weights: bargaining powers for the Nash solution, one per actor; defaults to
            each actor's ``bargaining_power``.
        rule: the acceptance rule whose zone the solutions are taken over; defaults to
            unanimity among the participants (the feasible set).
        strict: reservation values are strict thresholds (worth more than no deal).
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
        feasible &= reservation_ok(U, res, a, strict)
    weights = np.asarray([p.bargaining_power for p in problem.preferences]
                         if nash_weights is None else nash_weights, dtype=np.float64)
    pareto = pareto_mask(U, agenda) if reuse is None else reuse.pareto
    feasible_pareto = pareto_mask_subset(U, feasible, pareto)  # feasible is inside agenda
    unanimous = solve_all(U, parts, res, feasible, weights)
    red_lines, relax, actors = [], None, []
    if diagnostics:
        red_lines = blocks_alone(problem, packages, U, res, strict)
        if not feasible.any():
            relax = minimal_relaxation(problem, packages, U, reservations=res, strict=strict)
        actors = actor_summary(U, red, agenda, res, parts, strict)
    base = Analysis(packages=packages, U=U, red_ok=red, agenda_ok=agenda, feasible=feasible,
                    pareto=pareto, feasible_pareto=feasible_pareto, reservations=res,
                    solutions=unanimous, red_lines=red_lines, minimal_relaxation=relax,
                    rule=unanimity(parts), zone=feasible, zone_pareto=feasible_pareto,
                    solutions_unanimous=unanimous, nash_weights=weights, actors=actors,
                    ideal=ideal_point(U, feasible), strict=strict)
    out = base if rule is None else with_rule(base, rule)
    out.elapsed_s = time.perf_counter() - t0
    return out


def with_rule(analysis: Analysis, rule: VotingRule) -> Analysis:
    """The analysis with its zone and solutions taken under ``rule`` (a new `Analysis`).

    Args:
        analysis: an `analyze` result (its feasible set, frontier and weights are kept).
        rule: the acceptance rule.
    """
    a = analysis
    zone = zone_mask(accepting(a.U, a.red_ok, a.agenda_ok, a.reservations, rule, a.strict), rule)
    weights = a.nash_weights
    return replace(a, rule=rule, zone=zone, zone_pareto=pareto_mask_subset(a.U, zone, a.pareto),
                   solutions=solve_all(a.U, rule.voters, a.reservations, zone, weights),
                   ideal=ideal_point(a.U, zone))


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
        Dict with ``n_outcomes``, ``n_feasible`` (the rule's zone), ``n_feasible_unanimous``
        (the feasible set), ``pareto_size``, ``feasible_pareto_size`` (of the zone),
        ``solutions`` (over the zone), ``solutions_unanimous``, ``acceptance`` (the rule),
        ``bargaining_power``, ``strict``, ``ideal_point``, ``actors``, ``red_lines``,
        ``minimal_relaxation`` and ``elapsed_s``; floats rounded to 6 decimals.
    """
    zone = analysis.feasible if analysis.zone is None else analysis.zone
    zone_pareto = analysis.feasible_pareto if analysis.zone_pareto is None else analysis.zone_pareto
    weights = analysis.nash_weights
    ideal = analysis.ideal
    return {
        "n_outcomes": int(analysis.packages.shape[0]),
        "n_feasible": int(np.count_nonzero(zone)),
        "n_feasible_unanimous": int(np.count_nonzero(analysis.feasible)),
        "pareto_size": int(np.count_nonzero(analysis.pareto)),
        "feasible_pareto_size": int(np.count_nonzero(zone_pareto)),
        "solutions": _solutions(problem, analysis, analysis.solutions),
        "solutions_unanimous": _solutions(
            problem, analysis, analysis.solutions_unanimous or analysis.solutions),
        "acceptance": None if analysis.rule is None else rule_json(problem, analysis.rule),
        "bargaining_power": {a: (1.0 if weights is None else _round(weights[j]))
                             for j, a in enumerate(problem.actors)},
        "strict": bool(analysis.strict),
        "ideal_point": (None if ideal is None else
                        {a: _round(ideal[j]) for j, a in enumerate(problem.actors)}),
        "actors": {a: dict(row, reservation=_round(analysis.reservations[j]))
                   for j, (a, row) in enumerate(zip(problem.actors, analysis.actors,
                                                    strict=False))},
        "red_lines": [dict(r) for r in analysis.red_lines],
        "minimal_relaxation": (None if analysis.minimal_relaxation is None
                               else dict(analysis.minimal_relaxation)),
        "elapsed_s": _round(analysis.elapsed_s),
    }


def _solutions(problem: Problem, analysis: Analysis,
               picks: dict[str, int | None]) -> dict[str, dict[str, Any] | None]:
    sols: dict[str, dict[str, Any] | None] = {}
    for name in SOLUTION_NAMES:
        idx = picks.get(name)
        sols[name] = None if idx is None else package_json(problem, analysis, idx)
    return sols


def package_json(problem: Problem, analysis: Analysis, row: int) -> dict[str, Any]:
    """``{package, utilities}`` of one package row."""
    return {
        "package": package_dict(problem, analysis.packages[row]),
        "utilities": {a: _round(analysis.U[row, j]) for j, a in enumerate(problem.actors)},
    }


def rule_json(problem: Problem, rule: VotingRule) -> dict[str, Any]:
    """The acceptance rule with actor ids: seats, veto, quota, proposers, restriction."""
    ids = problem.actors
    return {
        "rule": rule.label,
        "seats": [ids[a] for a in rule.seats],
        "veto": [ids[a] for a in rule.seats if a in rule.veto],
        "quota": rule.quota,
        "proposers": None if rule.proposers is None else [ids[a] for a in rule.proposers],
        "ratifiers": [ids[a] for a in rule.ratifiers],
        "restricted": rule.restrict is not None,
        "unanimous": rule.unanimous,
    }


#: What ``analyze --list`` can list.
LISTS = ("feasible", "pareto")


def package_list(problem: Problem, analysis: Analysis, kind: str,
                 limit: int | None = None) -> dict[str, Any]:
    """The packages of the zone (``feasible``) or of its Pareto frontier (``pareto``).

    Args:
        problem: the compiled problem.
        analysis: its `Analysis`.
        kind: ``feasible`` or ``pareto``.
        limit: list at most this many (in package order); None lists all.

    Returns:
        ``{"kind", "total", "limit", "packages": [{package, utilities}, ...]}``.
    """
    if kind not in LISTS:
        raise ValueError(f"kind must be one of {', '.join(LISTS)}, got {kind!r}")
    zone = analysis.feasible if analysis.zone is None else analysis.zone
    if kind == "pareto":
        zone = analysis.feasible_pareto if analysis.zone_pareto is None else analysis.zone_pareto
    rows = np.flatnonzero(zone)
    shown = rows if limit is None else rows[: max(int(limit), 0)]
    return {"kind": kind, "total": int(rows.size), "limit": limit,
            "packages": [package_json(problem, analysis, int(r)) for r in shown]}
