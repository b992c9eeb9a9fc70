import itertools

import numpy as np
import pytest
from core_reference import (
    radix_of,
    random_problem,
    ref_blocks,
    ref_feasible,
    ref_packages,
    ref_participants,
    ref_reservations,
    ref_utility,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import (
    actor_utility,
    agenda_ok,
    clause_blocks,
    decode,
    encode,
    enumerate_packages,
    feasible_mask,
    red_line_ok,
    scalar_utility,
    utility_matrix,
)
from sim.core.constraints import literal_holds
from sim.core.problem import Clause, Literal, Preferences, Problem
from sim.core.space import package_dtype

radices = st.lists(st.integers(1, 7), min_size=0, max_size=6)
seeds = st.integers(0, 2**32 - 1)


@given(radices, st.data())
def test_encode_decode_roundtrip(radix, data):
    total = int(np.prod(radix)) if radix else 1
    idx = data.draw(st.lists(st.integers(0, total - 1), min_size=0, max_size=30))
    pk = decode(idx, radix)
    assert pk.shape == (len(idx), len(radix))
    assert pk.dtype == np.uint8
    assert encode(pk, radix).tolist() == idx


@given(radices, st.data())
def test_enumerate_matches_product_order(radix, data):
    total = int(np.prod(radix)) if radix else 1
    start = data.draw(st.integers(0, total))
    stop = data.draw(st.integers(start, total))
    got = enumerate_packages(radix, start, stop)
    want = ref_packages(radix)[start:stop]
    assert [tuple(r) for r in got.tolist()] == want
    np.testing.assert_array_equal(got, decode(np.arange(start, stop), radix))


def test_wide_issue_uses_uint16():
    radix = [3, 500, 2]
    assert package_dtype(radix) == np.uint16
    assert package_dtype([256, 2]) == np.uint8
    pk = enumerate_packages(radix)
    assert pk.dtype == np.uint16 and pk.shape == (3000, 3)
    assert np.array_equal(encode(pk, radix), np.arange(3000))
    assert decode([1999], radix).tolist() == [[1, 499, 1]]


def test_encode_rejects_bad_input():
    with pytest.raises(ValueError):
        encode([[0, 3]], [2, 3])
    with pytest.raises(ValueError):
        decode([6], [2, 3])
    assert encode([1, 2], [2, 3]).tolist() == [5]


@settings(max_examples=60, deadline=None)
@given(seeds)
def test_utilities_match_references(seed):
    problem = random_problem(seed)
    radix = radix_of(problem)
    pkgs = ref_packages(radix)
    P = enumerate_packages(radix)
    full = utility_matrix(problem)
    gathered = utility_matrix(problem, P, chunk=7)
    small_blocks = utility_matrix(problem, chunk=5)
    want = np.array([[ref_utility(problem, a, p) for a in range(problem.n_actors)] for p in pkgs])
    np.testing.assert_allclose(full, want, atol=1e-12, rtol=0)
    np.testing.assert_allclose(gathered, want, atol=1e-12, rtol=0)
    np.testing.assert_allclose(small_blocks, want, atol=1e-12, rtol=0)
    adopted = problem.adopted_masks()
    for a, prefs in enumerate(problem.preferences):
        np.testing.assert_allclose(actor_utility(prefs, P, adopted), want[:, a], atol=1e-12)
        for j in range(0, len(pkgs), max(1, len(pkgs) // 7)):
            assert scalar_utility(problem, a, pkgs[j]) == pytest.approx(want[j, a], abs=1e-12)
    assert full.dtype == np.float64 and full.shape == (len(pkgs), problem.n_actors)


@settings(max_examples=60, deadline=None)
@given(seeds)
def test_constraints_match_references(seed):
    problem = random_problem(seed)
    radix = radix_of(problem)
    pkgs = ref_packages(radix)
    P = enumerate_packages(radix)
    U = utility_matrix(problem)
    for prefs in problem.preferences:
        for c in prefs.red_lines:
            assert clause_blocks(c, P).tolist() == [ref_blocks(c, p) for p in pkgs]
    red = red_line_ok(problem, P)
    for a, prefs in enumerate(problem.preferences):
        assert red[:, a].tolist() == [not any(ref_blocks(c, p) for c in prefs.red_lines)
                                      for p in pkgs]
    assert agenda_ok(problem, P).tolist() == [
        not any(ref_blocks(c, p) for c in problem.constraints) for p in pkgs]
    for reservations in (None, np.linspace(0.1, 0.5, problem.n_actors)):
        res = ref_reservations(problem, reservations)
        want = [ref_feasible(problem, p, U[j], res) for j, p in enumerate(pkgs)]
        assert feasible_mask(problem, U, P, reservations).tolist() == want
    assert ref_participants(problem)  # participants are never empty


def test_literal_paths_agree():
    rng = np.random.default_rng(3)
    col = rng.integers(0, 40, 5000).astype(np.uint8)
    for n_true in (0, 1, 3, 4, 5, 20, 36, 37, 39, 40):
        mask = np.zeros(40, dtype=bool)
        mask[rng.choice(40, n_true, replace=False)] = True
        np.testing.assert_array_equal(literal_holds(mask, col), mask[col])


def test_empty_clause_blocks_everything_and_single_package():
    P = enumerate_packages([2, 2])
    assert clause_blocks(Clause("all", ()), P).all()
    c = Clause("x", (Literal(0, np.array([False, True])),))
    assert clause_blocks(c, np.array([1, 0])).tolist() == [True]


def test_mean_of_adopted_empty_value_and_clipping():
    prefs = Preferences(weights=np.array([0.5, 0.5]),
                        values=(np.array([0.0, 1.0]), np.array([0.0, 0.6])),
                        aggregation="mean_of_adopted", empty_value=0.25)
    prob = Problem(issues=("x", "y"), options=(("n", "y"), ("n", "y")), actors=("a",),
                   preferences=(prefs,))
    U = utility_matrix(prob)[:, 0]
    assert U.tolist() == pytest.approx([0.25, 0.6, 1.0, 0.8])
    bonus = Preferences(weights=np.array([1.0]), values=(np.array([0.5, 0.9]),),
                        interactions=(), aggregation="additive")
    prob2 = Problem(issues=("x",), options=(("n", "y"),), actors=("a",), preferences=(bonus,))
    from sim.core.problem import Interaction
    clipped = Preferences(weights=bonus.weights, values=bonus.values,
                          interactions=(Interaction(0, 1, 0, 1, 0.5),))
    prob3 = Problem(issues=("x",), options=(("n", "y"),), actors=("a",), preferences=(clipped,))
    assert utility_matrix(prob2)[:, 0].tolist() == pytest.approx([0.5, 0.9])
    assert utility_matrix(prob3)[:, 0].tolist() == pytest.approx([0.5, 1.0])


def test_product_space_is_lexicographic():
    radix = [3, 1, 2]
    assert [tuple(r) for r in enumerate_packages(radix).tolist()] == list(
        itertools.product(range(3), range(1), range(2)))
