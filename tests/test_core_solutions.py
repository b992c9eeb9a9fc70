import numpy as np
import pytest
from core_reference import (
    dominates,
    permute_actors,
    permute_issues,
    radix_of,
    random_problem,
    ref_egalitarian,
    ref_ks,
    ref_nash,
    ref_packages,
    ref_pareto,
    ref_utilitarian,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import budget

from sim.core import (
    analyze,
    egalitarian,
    is_pareto_optimal,
    kalai_smorodinsky,
    nash_point,
    pareto_mask,
    utilitarian,
)
from sim.core import pareto as par
from sim.core.pareto import pareto_mask_subset

seeds = st.integers(0, 2**32 - 1)


def random_matrix(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random utilities with ties and duplicated rows, plus a random candidate mask."""
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(1, 120)), int(rng.integers(1, 6))
    kind = rng.integers(3)
    if kind == 0:
        U = rng.random((k, n))
    elif kind == 1:
        U = rng.integers(0, 4, (k, n)) / 3.0
    else:
        U = rng.random((k, n))
        U[rng.integers(0, k, k // 2)] = U[rng.integers(0, k, k // 2)]
    if rng.random() < 0.3:  # floating noise below the tolerance must not break ties
        U = U + rng.choice([0.0, 1e-15, -1e-15], size=U.shape)
    cand = rng.random(k) < rng.uniform(0.2, 1.0)
    return U, cand


# Pareto filter tuning that forces the divide-and-conquer and static-pivot paths on small inputs.
SMALL_TUNING = {
    "_LEAF": 4,
    "_BRUTE_PAIRS": 16,
    "_STATIC_MIN": 40,
    "_SAMPLE": 16,
    "_STATIC_PIVOTS": 4,
    "_CHUNK_COLS": 32,
}


def use_small_tuning(mp: pytest.MonkeyPatch) -> None:
    for name, value in SMALL_TUNING.items():
        mp.setattr(par, name, value)


@pytest.fixture
def small_leaves(monkeypatch):
    """Force the divide-and-conquer and static-pivot paths on small inputs."""
    use_small_tuning(monkeypatch)


@settings(max_examples=budget(120), deadline=None)
@given(seeds)
def test_pareto_matches_brute_force(seed):
    U, cand = random_matrix(seed)
    rows = [tuple(r) for r in U.tolist()]
    want = set(ref_pareto(rows, list(np.flatnonzero(cand))))
    assert set(np.flatnonzero(pareto_mask(U, cand))) == want
    assert set(np.flatnonzero(pareto_mask(U))) == set(ref_pareto(rows, list(range(len(rows)))))


@settings(max_examples=budget(120), deadline=None)
@given(seeds)
def test_pareto_divide_and_conquer_paths(seed):
    with pytest.MonkeyPatch.context() as mp:
        use_small_tuning(mp)
        U, cand = random_matrix(seed)
        rows = [tuple(r) for r in U.tolist()]
        got = pareto_mask(U, cand)
    assert set(np.flatnonzero(got)) == set(ref_pareto(rows, list(np.flatnonzero(cand))))


@settings(max_examples=budget(100), deadline=None)
@given(seeds, st.booleans())
def test_pareto_subset_reuses_superset_frontier(seed, tiny_leaves):
    U, sup = random_matrix(seed)
    rng = np.random.default_rng(seed + 7)
    cand = sup & (rng.random(sup.size) < rng.uniform(0.3, 1.0))
    with pytest.MonkeyPatch.context() as mp:
        if tiny_leaves:
            mp.setattr(par, "_LEAF", 4)
            mp.setattr(par, "_BRUTE_PAIRS", 16)
        got = pareto_mask_subset(U, cand, pareto_mask(U, sup))
    rows = [tuple(r) for r in U.tolist()]
    assert set(np.flatnonzero(got)) == set(ref_pareto(rows, list(np.flatnonzero(cand))))


@settings(max_examples=budget(80), deadline=None)
@given(seeds)
def test_pareto_members_undominated_and_others_dominated(seed):
    U, cand = random_matrix(seed)
    m = pareto_mask(U, cand)
    members = np.flatnonzero(m)
    assert not (m & ~cand).any()
    for i in np.flatnonzero(cand):
        if m[i]:
            assert is_pareto_optimal(U, i, cand)
        else:
            assert any(dominates(U[j], U[i]) for j in members)


def test_pareto_larger_against_numpy_brute_force(small_leaves):
    rng = np.random.default_rng(11)
    for n in (2, 3, 5):
        U = np.round(rng.random((1500, n)), 2)  # coarse: many ties and duplicates
        brute = np.array([not (np.all(U >= u, 1) & np.any(U > u, 1)).any() for u in U])
        np.testing.assert_array_equal(pareto_mask(U), brute)


def test_pareto_default_parameters_on_a_few_thousand_rows():
    rng = np.random.default_rng(5)
    for n in (4, 6):
        U = rng.random((3000, n)) @ np.abs(rng.normal(size=(n, n)))
        brute = np.array([not (np.all(U >= u, 1) & np.any(U > u, 1)).any() for u in U])
        np.testing.assert_array_equal(pareto_mask(U), brute)


def test_pareto_degenerate_inputs():
    assert pareto_mask(np.zeros((0, 3))).shape == (0,)
    assert pareto_mask(np.ones((4, 2))).all()  # exact duplicates are all optimal
    assert pareto_mask(np.array([[0.3], [0.1 + 0.2], [0.2]])).tolist() == [True, True, False]
    assert pareto_mask(np.ones((3, 0))).all()
    assert not pareto_mask(np.ones((3, 2)), np.zeros(3, dtype=bool)).any()


@settings(max_examples=budget(100), deadline=None)
@given(seeds)
def test_solutions_match_references(seed):
    U, cand = random_matrix(seed)
    rng = np.random.default_rng(seed + 1)
    d = np.round(rng.uniform(0, 0.5, U.shape[1]), 2)
    rows = [tuple(r) for r in U.tolist()]
    cl = [int(i) for i in np.flatnonzero(cand)]
    w = rng.uniform(0, 2, U.shape[1])
    assert nash_point(U, d, cand) == ref_nash(rows, list(d), cl)
    assert nash_point(U, d, cand, weights=w) == ref_nash(rows, list(d), cl, list(w))
    assert kalai_smorodinsky(U, d, cand) == ref_ks(rows, list(d), cl)
    assert egalitarian(U, d, cand) == ref_egalitarian(rows, list(d), cl)
    assert utilitarian(U, cand) == ref_utilitarian(rows, cl)


@settings(max_examples=budget(100), deadline=None)
@given(seeds)
def test_solutions_lie_on_the_frontier(seed):
    U, cand = random_matrix(seed)
    d = np.zeros(U.shape[1])
    for pick in (nash_point(U, d, cand), kalai_smorodinsky(U, d, cand),
                 egalitarian(U, d, cand), utilitarian(U, cand)):
        if pick is not None:
            assert cand[pick] and is_pareto_optimal(U, pick, cand)


def test_solution_edge_cases():
    U = np.array([[0.5, 0.5], [0.5, 0.5], [0.2, 0.9]])
    assert nash_point(U, [0.0, 0.0], None) == 0  # ties -> lowest index
    assert nash_point(U, [0.6, 0.0], None) is None  # nobody gains enough
    assert nash_point(U, [0.5, 0.5], None) == 0  # all gains zero -> lowest qualifying
    assert egalitarian(U, [0, 0], np.zeros(3, dtype=bool)) is None
    # a dominated row tied on the score is never chosen
    V = np.array([[0.5, 0.5], [0.5, 0.6]])
    assert nash_point(V, [0.5, 0.0], None) == 1
    assert kalai_smorodinsky(np.array([[0.4, 0.4], [0.4, 0.7]]), [0.4, 0.0]) == 1
    with pytest.raises(ValueError):
        nash_point(U, [0.0], None)


def _objective(name, U, d, idx, feasible):
    """The solution's score, recomputed independently (vectorised over rows ``idx``)."""
    g = U[idx] - d
    if name == "nash":
        return np.sum(np.log(np.maximum(g, 1e-300)), axis=-1)
    if name == "egalitarian":
        return g.min(axis=-1)
    if name == "utilitarian":
        return U[idx].sum(axis=-1)
    span = (U[feasible] - d).max(axis=0)
    norm = np.where(span > 1e-12, g / np.where(span > 1e-12, span, 1.0), 1.0)
    return norm.min(axis=-1)


@settings(max_examples=budget(40), deadline=None)
@given(seeds, st.randoms(use_true_random=False))
def test_permuting_actors_permutes_columns_only(seed, rnd):
    problem = random_problem(seed, n_actors=(2, 4))
    perm = list(range(problem.n_actors))
    rnd.shuffle(perm)
    a = analyze(problem)
    b = analyze(permute_actors(problem, perm))
    np.testing.assert_allclose(b.U, a.U[:, perm], atol=1e-15)
    np.testing.assert_array_equal(b.red_ok, a.red_ok[:, perm])
    np.testing.assert_array_equal(b.feasible, a.feasible)
    np.testing.assert_array_equal(b.pareto, a.pareto)
    np.testing.assert_array_equal(b.feasible_pareto, a.feasible_pareto)
    for name, ia in a.solutions.items():
        ib = b.solutions[name]
        assert (ia is None) == (ib is None)
        if ia is not None:
            np.testing.assert_allclose(b.U[ib], a.U[ia][perm], atol=1e-9)


@settings(max_examples=budget(40), deadline=None)
@given(seeds, st.randoms(use_true_random=False))
def test_permuting_issues_maps_packages(seed, rnd):
    problem = random_problem(seed, n_issues=(2, 5))
    perm = list(range(problem.n_issues))
    rnd.shuffle(perm)
    other = permute_issues(problem, perm)
    a, b = analyze(problem), analyze(other)
    pk_a = ref_packages(radix_of(problem))
    index_b = {p: i for i, p in enumerate(ref_packages(radix_of(other)))}
    mapping = np.array([index_b[tuple(p[j] for j in perm)] for p in pk_a])
    np.testing.assert_allclose(b.U[mapping], a.U, atol=1e-12)
    for field in ("feasible", "pareto", "feasible_pareto", "agenda_ok"):
        np.testing.assert_array_equal(getattr(b, field)[mapping], getattr(a, field))
    parts = sorted(problem.participant_indices())
    d = a.reservations[parts]
    for name, ia in a.solutions.items():
        ib = b.solutions[name]
        assert (ia is None) == (ib is None)
        if ia is None:
            continue
        Ua, Ub = a.U[:, parts], b.U[:, parts]
        oa = _objective(name, Ua, d, ia, a.feasible)
        ob = _objective(name, Ub, d, ib, b.feasible)
        assert ob == pytest.approx(oa, abs=1e-9)
        assert b.feasible[ib] and is_pareto_optimal(Ub, ib, b.feasible)
        rows = np.flatnonzero(a.feasible)
        near = np.abs(_objective(name, Ua, d, rows, a.feasible) - oa) <= 1e-9
        # a unique optimum in the participants' utilities (the solutions' objective and
        # tie rule see only participants: a non-participant's utility may differ)
        if np.unique(np.round(Ua[rows[near]], 9), axis=0).shape[0] == 1:
            np.testing.assert_allclose(Ub[ib], Ua[ia], atol=1e-12)


@settings(max_examples=budget(40), deadline=None)
@given(seeds)
def test_nash_and_ks_on_feasible_frontier_of_problems(seed):
    problem = random_problem(seed)
    a = analyze(problem)
    parts = sorted(problem.participant_indices())
    for name in ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian"):
        idx = a.solutions[name]
        if not a.feasible.any():
            assert idx is None
            continue
        assert idx is not None and a.feasible[idx]
        assert is_pareto_optimal(a.U[:, parts], idx, a.feasible)
        if problem.participants is None:
            assert a.feasible_pareto[idx]
