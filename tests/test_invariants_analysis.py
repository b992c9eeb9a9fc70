"""Invariants of the exact analysis and of the equilibrium solver on whole scenarios.

The matrix-level properties of `sim.core.pareto` and `sim.core.solutions` (Pareto masks and
Nash against brute force on random utility matrices) are unit-tested in
`tests/test_core_solutions.py`; here the same meanings are checked end to end, on scenario
files built by `tests/strategies.py` and compiled by `sim.scenario`, with the brute-force
references of `tests/core_reference.py` (utilities, red lines, dominance) as oracles.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from core_reference import (
    dominates,
    radix_of,
    ref_feasible,
    ref_packages,
    ref_participants,
    ref_reservations,
    ref_utility,
)
from hypothesis import assume, event, given, settings
from strategies import budget, scenarios

from sim.api import prepare
from sim.api import solve as solve_scenario
from sim.core import analyze
from sim.engine import protocols
from sim.engine.solve import SolveError
from sim.scenario import ScenarioError, compile_problem, validate_data

SMALL = dict(max_packages=48, max_actors=4, max_red_lines=2,
             max_reservation=0.5)
TOL = 1e-9
#: Dominance margin for the solver's choices: it treats utilities within ``tol = 1e-9``
#: as equal, so only clearer improvements must never be passed over.
MARGIN = 1e-7


def _brute(problem):
    pkgs = ref_packages(radix_of(problem))
    rows = [[ref_utility(problem, a, p) for a in range(problem.n_actors)] for p in pkgs]
    return pkgs, rows


# --------------------------------------------------------------------------- 12. analysis
@settings(max_examples=budget(50))
@given(data=scenarios(**SMALL))
def test_analysis_pareto_members_are_undominated_and_the_rest_dominated(data):
    """Invariant 12 (Pareto): among the feasible (and among the agenda-allowed) packages,
    every Pareto member is undominated and every other package is dominated."""
    problem = compile_problem(validate_data(data))
    result = analyze(problem, diagnostics=False)
    pkgs, rows = _brute(problem)
    res = ref_reservations(problem)
    feasible = [i for i, p in enumerate(pkgs) if ref_feasible(problem, p, rows[i], res)]
    assert set(np.flatnonzero(result.feasible)) == set(feasible)
    allowed = [i for i in range(len(pkgs)) if result.agenda_ok[i]]
    for mask, pool in ((result.feasible_pareto, feasible), (result.pareto, allowed)):
        for i in pool:
            beaten = any(dominates(rows[j], rows[i]) for j in pool)
            assert bool(mask[i]) == (not beaten), (i, rows[i])
        assert not any(mask[i] for i in range(len(pkgs)) if i not in pool)


@settings(max_examples=budget(50))
@given(data=scenarios(**SMALL))
def test_analysis_nash_maximises_the_product_of_gains(data):
    """Invariant 12 (Nash): the Nash solution is feasible and no feasible package gives a
    larger product of the participants' gains over their reservation values."""
    problem = compile_problem(validate_data(data))
    result = analyze(problem, diagnostics=False)
    pkgs, rows = _brute(problem)
    res = ref_reservations(problem)
    parts = ref_participants(problem)
    feasible = [i for i, p in enumerate(pkgs) if ref_feasible(problem, p, rows[i], res)]
    event(f"feasible packages: {'none' if not feasible else 'some'}")
    nash = result.solutions["nash"]
    if not feasible:
        assert nash is None
        return
    assert nash in feasible

    def product(i: int) -> float:
        return math.prod(max(rows[i][a] - res[a], 0.0) for a in parts)

    best = max(product(i) for i in feasible)
    assert product(nash) >= best - TOL * max(1.0, best)


# --------------------------------------------------------------------------- 11. solver
def _solve(data: dict):
    """(scenario, prepared, protocol, solution); protocols without an SPE are skipped."""
    scenario = validate_data(data)
    prepared = prepare(scenario)
    try:
        solution = solve_scenario(scenario, prepared=prepared)
    except SolveError:
        assume(False)
    protocol = protocols.get(scenario.protocol.kind)(prepared, scenario.protocol)
    return scenario, prepared, protocol, solution


def _needed(scenario, protocol) -> list[int]:
    """Seat positions whose consent every deal needs (veto actors; all under quota 'all')."""
    seats = list(protocol.seats)
    if protocol.ratifies:
        return list(range(len(seats)))  # unanimity among the negotiators
    rule = protocol.rule
    return [j for j, a in enumerate(seats) if a in rule.veto or rule.quota is None]


@settings(max_examples=budget(50))
@given(data=scenarios(**SMALL, protocol=True, max_deadline=8))
def test_subgame_perfect_solution_is_individually_rational(data):
    """Invariant 11 (rationality): every actor whose consent a deal needs expects at least
    its disagreement payoff in the subgame-perfect equilibrium (both in round-0 units)."""
    scenario, prepared, protocol, solution = _solve(data)
    spe = solution.spe
    seats = list(protocol.seats)
    T = protocol.deadline
    event(f"equilibrium: {'deal' if solution.row is not None else 'no deal'}")
    for j in _needed(scenario, protocol):
        a = seats[j]
        d, delta = prepared.reservations[a], prepared.patience[a]
        assert spe.values[j] >= delta**T * d - TOL, (scenario.protocol.kind, j, spe.values)


@settings(max_examples=budget(50))
@given(data=scenarios(**SMALL, protocol=True, dynamics=False, max_deadline=8))
def test_subgame_perfect_solution_is_pareto_optimal_in_the_feasible_set(data):
    """Invariant 11 (efficiency, no dynamics): the equilibrium package exists whenever the
    feasible set is non-empty and the acceptance rule can be met at all, and no feasible
    package gives every seated actor at least as much and one of them more."""
    scenario, prepared, protocol, solution = _solve(data)
    seats = list(protocol.seats)
    rule = getattr(protocol, "rule", None)
    proposers = protocol.proposers(seats)
    if rule is not None and not all(rule.reachable(seats, [p]) for p in proposers):
        # Some proposer can never pass anything (two actors, no veto, quota 2; or a veto
        # actor's turn never comes before the deadline): the existence claim does not
        # apply, in the simulation as in the equilibrium.
        event("acceptance rule unreachable for some proposer")
        if not any(rule.reachable(seats, [p]) for p in proposers):
            assert solution.row is None
        return
    bound = set(seats) | set(getattr(protocol, "ratifiers", ())) | set(prepared.participants)
    U, res = prepared.U, prepared.reservations
    feasible = prepared.agenda_ok.copy()
    for a in bound:
        feasible &= prepared.red_ok[:, a] & (U[:, a] >= res[a])
    event(f"feasible packages: {'none' if not feasible.any() else 'some'}")
    if not feasible.any():
        return
    row = solution.row
    assert row is not None, "a feasible package exists but the equilibrium has no deal"
    mine = U[row, seats]
    for q in np.flatnonzero(feasible):
        better = U[q, seats]
        assert not (np.all(better >= mine - TOL) and np.any(better > mine + MARGIN)), (
            f"feasible package {q} dominates the equilibrium package {row}: "
            f"{better.tolist()} vs {mine.tolist()}"
        )


# --------------------------------------------------------------------------- found
_S = {"assumption": "counterexample"}
#: Found by the builders above: a scenario in which no actor participates once validated
#: and then crashed the analysis; the schema now rejects it.
NOBODY_PARTICIPATES = {
    "name": "nobody participates",
    "issues": {"x": {"options": {"p": "p", "q": "q"}}},
    "actors": {
        a: {"weights": {"x": {"value": 1.0, "source": _S}},
            "values": {"x": {"value": v, "source": _S}},
            "reservation": {"value": 0.0, "source": _S},
            "patience": {"value": 1.0, "source": _S},
            "participates": False}
        for a, v in (("a", {"p": 1.0, "q": 0.0}), ("b", {"p": 0.0, "q": 1.0}))
    },
}


def test_a_scenario_where_nobody_participates_is_rejected():
    """Every valid scenario can be analysed: one where no actor participates is invalid."""
    with pytest.raises(ScenarioError) as exc:
        validate_data(NOBODY_PARTICIPATES)
    assert any("actors: at least one actor must participate" in line for line in exc.value.lines)
