import json

import numpy as np
import pytest
from core_reference import (
    radix_of,
    random_problem,
    ref_blocks_alone,
    ref_egalitarian,
    ref_feasible,
    ref_ks,
    ref_minimal_relaxation,
    ref_nash,
    ref_packages,
    ref_pareto,
    ref_participants,
    ref_reservations,
    ref_utilitarian,
    ref_utility,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import budget

from sim.core import (
    analysis_to_json,
    analyze,
    blocks_alone,
    enumerate_packages,
    minimal_relaxation,
    package_dict,
    utility_matrix,
)
from sim.core.problem import Clause, Literal, Preferences, Problem

seeds = st.integers(0, 2**32 - 1)


def _reference(problem, reservations=None):
    pkgs = ref_packages(radix_of(problem))
    U = [tuple(ref_utility(problem, a, p) for a in range(problem.n_actors)) for p in pkgs]
    return pkgs, U, ref_reservations(problem, reservations)


@settings(max_examples=budget(60), deadline=None)
@given(seeds)
def test_blocks_alone_matches_reference(seed):
    problem = random_problem(seed)
    pkgs, Uref, res = _reference(problem)
    P = enumerate_packages(radix_of(problem))
    U = utility_matrix(problem)
    assert blocks_alone(problem, P, U) == ref_blocks_alone(problem, pkgs, Uref, res)


@settings(max_examples=budget(60), deadline=None)
@given(seeds, st.booleans())
def test_minimal_relaxation_matches_subset_search(seed, harsh):
    problem = random_problem(seed, n_actors=(1, 3))
    reservations = None
    if harsh:  # push towards an empty feasible set
        reservations = np.full(problem.n_actors, 0.5)
    pkgs, Uref, res = _reference(problem, reservations)
    P = enumerate_packages(radix_of(problem))
    U = utility_matrix(problem)
    got = minimal_relaxation(problem, P, U, reservations=reservations)
    want = ref_minimal_relaxation(problem, pkgs, Uref, res)
    if want is None:
        assert got is None
        return
    lines, opens = want
    assert [(d["actor"], d["name"]) for d in got["red_lines"]] == [
        (problem.actors[a], n) for a, n in lines]
    assert got["opens"] == opens
    if opens:
        ex = got["example_package"]
        dropped = set(lines)
        assert ref_feasible(problem, pkgs[ex], Uref[ex], res, dropped)
        opened = [i for i in range(len(pkgs)) if ref_feasible(problem, pkgs[i], Uref[i], res,
                                                                dropped)]
        parts = ref_participants(problem)
        rows = [tuple(u[a] for a in parts) for u in Uref]
        assert ex == ref_nash(rows, [res[a] for a in parts], opened)
    else:
        assert got["reason"]


def _toy(red_lines, reservation=0.0, constraints=()):
    """Two issues of three options, two additive actors with opposite tastes."""
    a = Preferences(weights=np.array([0.5, 0.5]),
                    values=(np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.5, 1.0])),
                    reservation=reservation, red_lines=tuple(red_lines))
    b = Preferences(weights=np.array([0.5, 0.5]),
                    values=(np.array([1.0, 0.5, 0.0]), np.array([1.0, 0.5, 0.0])),
                    reservation=reservation)
    return Problem(issues=("x", "y"), options=(("lo", "mid", "hi"),) * 2, actors=("A", "B"),
                   preferences=(a, b), constraints=tuple(constraints))


def test_single_red_line_blocking_everything_is_found():
    everything = Clause("nothing goes", ())
    minor = Clause("never x=lo", (Literal(0, np.array([True, False, False])),))
    problem = _toy([minor, everything])
    an = analyze(problem)
    assert not an.feasible.any()
    assert an.minimal_relaxation["red_lines"] == [{"actor": "A", "name": "nothing goes"}]
    assert an.minimal_relaxation["opens"] == 6
    assert an.solutions == dict.fromkeys(an.solutions)
    by_name = {r["name"]: r["blocks_alone"] for r in an.red_lines if r["kind"] == "red_line"}
    assert by_name == {"never x=lo": 0, "nothing goes": 6}
    out = analysis_to_json(problem, an)
    assert out["n_feasible"] == 0 and all(v is None for v in out["solutions"].values())
    json.dumps(out)


def test_reservations_alone_empty_the_set():
    problem = _toy([Clause("never x=lo", (Literal(0, np.array([True, False, False])),))],
                   reservation=0.8)
    an = analyze(problem)
    assert not an.feasible.any()
    assert an.minimal_relaxation["red_lines"] == [] and an.minimal_relaxation["opens"] == 0
    assert "reservation" in an.minimal_relaxation["reason"]


def test_relaxation_needs_too_many_red_lines():
    m = np.array([True, True, True])
    lines = [Clause(f"r{i}", (Literal(0, m),)) for i in range(4)]
    problem = _toy(lines)
    res = minimal_relaxation(problem, enumerate_packages(problem.radix),
                             utility_matrix(problem), max_size=3)
    assert res["red_lines"] == [] and "at least 4" in res["reason"]
    res = minimal_relaxation(problem, enumerate_packages(problem.radix),
                             utility_matrix(problem), max_size=4)
    assert len(res["red_lines"]) == 4 and res["opens"] == 9


def test_agenda_constraints_reported_and_kept():
    ex = Clause("x and y both hi", (Literal(0, np.array([False, False, True])),
                                    Literal(1, np.array([False, False, True]))))
    problem = _toy([], constraints=[ex])
    an = analyze(problem)
    assert {"actor": "agenda", "name": "x and y both hi", "blocks_alone": 1,
            "kind": "agenda"} in an.red_lines
    assert not an.pareto[8] and an.agenda_ok.sum() == 8


@settings(max_examples=budget(40), deadline=None)
@given(seeds)
def test_analyze_matches_references(seed):
    problem = random_problem(seed)
    pkgs, Uref, res = _reference(problem)
    an = analyze(problem)
    np.testing.assert_allclose(an.U, np.array(Uref), atol=1e-12)
    feas = [i for i in range(len(pkgs)) if ref_feasible(problem, pkgs[i], Uref[i], res)]
    allowed = [i for i in range(len(pkgs))
               if not any(all(bool(lit.mask[pkgs[i][lit.issue]]) for lit in c.literals)
                          for c in problem.constraints)]
    assert np.flatnonzero(an.feasible).tolist() == feas
    assert set(np.flatnonzero(an.pareto)) == set(ref_pareto(Uref, allowed))
    assert set(np.flatnonzero(an.feasible_pareto)) == set(ref_pareto(Uref, feas))
    parts = ref_participants(problem)
    rows = [tuple(u[a] for a in parts) for u in Uref]
    d = [res[a] for a in parts]
    assert an.solutions == {
        "nash": ref_nash(rows, d, feas),
        "kalai_smorodinsky": ref_ks(rows, d, feas),
        "egalitarian": ref_egalitarian(rows, d, feas),
        "utilitarian": ref_utilitarian(rows, feas),
    }
    out = analysis_to_json(problem, an)
    assert {"n_outcomes", "n_feasible", "pareto_size", "feasible_pareto_size", "solutions",
            "red_lines", "minimal_relaxation", "elapsed_s"} <= set(out)  # keys only added
    assert out["n_feasible_unanimous"] == out["n_feasible"]  # no rule given: unanimity
    assert out["n_outcomes"] == len(pkgs) and out["n_feasible"] == len(feas)
    for name, s in out["solutions"].items():
        if s is not None:
            idx = an.solutions[name]
            assert s["package"] == package_dict(problem, idx)
            assert s["utilities"] == {a: round(float(an.U[idx, j]), 6)
                                      for j, a in enumerate(problem.actors)}
    json.dumps(out)


def test_one_issue_and_duplicated_rows():
    a = Preferences(weights=np.array([1.0]), values=(np.array([0.2, 0.7, 0.7, 0.4]),))
    b = Preferences(weights=np.array([1.0]), values=(np.array([0.9, 0.3, 0.3, 0.8]),))
    problem = Problem(issues=("deal",), options=(("p", "q", "r", "s"),), actors=("A", "B"),
                      preferences=(a, b))
    an = analyze(problem)
    assert an.pareto.tolist() == [True, True, True, True]
    assert an.solutions["utilitarian"] == 3
    assert package_dict(problem, 1) == {"deal": "q"}
    assert package_dict(problem, [2]) == {"deal": "r"}
    assert an.minimal_relaxation is None
    assert an.red_lines == [{"actor": a, "name": "reservation", "blocks_alone": 0,
                             "kind": "reservation"} for a in ("A", "B")]


def test_analyze_options():
    problem = _toy([])
    an = analyze(problem, reservations=[0.5, 0.5], diagnostics=False, nash_weights=[3.0, 1.0])
    assert an.red_lines == [] and an.minimal_relaxation is None
    assert an.reservations.tolist() == [0.5, 0.5]
    U = an.U[an.solutions["nash"]]
    assert U[0] >= U[1]
    with pytest.raises(ValueError):
        analyze(problem, reservations=[0.1])
