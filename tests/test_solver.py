"""Validation of the subgame-perfect equilibrium solvers against bargaining theory.

Every test builds its outcome space directly as arrays ("split the pie" spaces come from
`sim.core.pie.pie_splits`), with pinned parameters.

Discretisation. On a pie of K units the grid step is h = 1/K. A responder whose
continuation is w must be offered the smallest grid share >= w, i.e. ceil(w K)/K, which
exceeds w by less than h. These round-ups are the only source of error against the
continuous closed forms, and the tolerances below are the worst-case bounds they imply
(derived in each test's docstring), not fitted numbers.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import budget  # tests/strategies.py: scales with the hypothesis profile

import sim.core.offer_search as offer_search
from sim.core.pie import compositions, n_splits, pie_splits
from sim.core.solver import SPEResult, solve_alternating
from sim.core.solver_random import solve_random_proposer, solve_random_proposer_stationary

EPS = 1e-9


def _pie(n: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    _, U = pie_splits(n, K)
    return U, np.ones(U.shape, dtype=bool)


# ======================================================================================
# pie generator
# ======================================================================================


@pytest.mark.parametrize(("n", "K"), [(1, 5), (2, 10), (3, 60), (5, 20)])
def test_pie_splits_enumerates_every_split_once(n, K):
    labels, U = pie_splits(n, K)
    assert U.shape == (math.comb(K + n - 1, n - 1), n) == (n_splits(n, K), n)
    assert len(labels) == U.shape[0] == len(set(labels))
    np.testing.assert_allclose(U.sum(axis=1), 1.0)
    units = np.rint(U * K).astype(int)
    np.testing.assert_allclose(units / K, U)
    assert units.min() >= 0
    assert len({tuple(r) for r in units.tolist()}) == U.shape[0]
    assert labels[0] == "split_" + "_".join([str(K)] + ["0"] * (n - 1))


def test_compositions_small_cases():
    assert compositions(2, 2).tolist() == [[2, 0], [1, 1], [0, 2]]
    assert compositions(3, 0).tolist() == [[0, 0, 0]]
    assert compositions(1, 4).tolist() == [[4]]
    with pytest.raises(ValueError):
        pie_splits(2, 0)
    with pytest.raises(ValueError):
        compositions(0, 3)


# ======================================================================================
# Rubinstein (1982): two players, alternating offers
# ======================================================================================


@pytest.mark.parametrize(
    ("d1", "d2", "K"),
    [(0.9, 0.8, 1000), (0.95, 0.95, 1000), (0.8, 0.6, 1000), (0.9, 0.8, 10000), (0.6, 0.9, 1000)],
)
def test_rubinstein_long_horizon_matches_infinite_horizon_share(d1, d2, K):
    """Finite horizon T = 200 vs the infinite-horizon share x* = (1 - d2) / (1 - d1 d2).

    Write s_t for the round-t proposer's share on the grid, with s_{T-1} = 1 (the last
    proposer takes all; disagreement is 0) and s_t = 1 - ceil(delta_r s_{t+1} K) / K
    = 1 - delta_r s_{t+1} - rho_t with rho_t in [0, h). The continuous finite-horizon
    values c_t obey the same recursion with rho = 0, so D_t = s_t - c_t satisfies
    D_t = -delta_r D_{t+1} - rho_t, an alternating series: |D_0| < h / (1 - d1 d2).
    The finite-horizon tail is |c_0 - x*| <= prod of the T - 1 responders' discounts
    <= max(d1, d2)**(T - 1). Hence |s_0 - x*| < h / (1 - d1 d2) + max(d)**(T - 1).
    (The step error does not vanish with T: the discrete game's backward induction
    settles on a 2-cycle of shares near x*, so "within one step" is not a valid bound.)
    """
    T = 200
    U, acc = _pie(2, K)
    res = solve_alternating(U, acc, 0.0, [d1, d2], T, [0, 1])
    x_star = (1 - d2) / (1 - d1 * d2)
    bound = (1 / K) / (1 - d1 * d2) + max(d1, d2) ** (T - 1)
    assert res.round == 0 and res.proposer == 0
    assert abs(res.utilities[0] - x_star) < bound
    np.testing.assert_allclose(res.utilities.sum(), 1.0)
    np.testing.assert_allclose(res.values, res.utilities)  # immediate agreement
    # roles swapped: player 1 proposes first and gets (1 - d1) / (1 - d1 d2)
    swapped = solve_alternating(U, acc, 0.0, [d1, d2], T, [1, 0])
    assert swapped.proposer == 1
    assert abs(swapped.utilities[1] - (1 - d1) / (1 - d1 * d2)) < bound


def test_rubinstein_error_shrinks_with_the_grid():
    """The discretisation error bound h / (1 - d1 d2) scales with h = 1/K."""
    d1, d2 = 0.95, 0.95
    x_star = (1 - d2) / (1 - d1 * d2)
    errors = []
    for K in (100, 1000, 10000):
        U, acc = _pie(2, K)
        res = solve_alternating(U, acc, 0.0, [d1, d2], 400, [0, 1])
        errors.append(abs(res.utilities[0] - x_star))
        assert errors[-1] < (1 / K) / (1 - d1 * d2) + 0.95**399
    assert errors[2] < errors[0]


@pytest.mark.parametrize("K", [10, 1000])
def test_rubinstein_short_deadlines_closed_forms(K):
    """Backward induction for T = 1, 2, 3 with d1 = 0.9, d2 = 0.8 and proposers 0, 1, 0.

    Disagreement 0 (discounted convention, C_T = d):
      T=1: player 0 proposes, player 1's continuation is 0 -> (1, 0).
      T=2: round 1: player 1 takes all, C_1 = (0, 1); round 0: player 1 needs d2 * 1
           -> (1 - d2, d2) = (0.2, 0.8).
      T=3: round 2: player 0 takes all, C_2 = (1, 0); round 1: player 1 offers d1
           -> C_1 = (d1, 1 - d1); round 0: player 0 offers d2 (1 - d1)
           -> (1 - d2 (1 - d1), d2 (1 - d1)) = (0.92, 0.08).
    With disagreement values (r1, r2) = (0.3, 0.25):
      T=1: player 1 needs d2 r2 = 0.8 * 0.25 = 0.2 -> (1 - d2 r2, d2 r2) = (0.8, 0.2)
           (and 0.8 >= d1 r1 = 0.27, so player 0 prefers proposing to waiting);
      T=2: round 1: player 0 needs d1 r1 = 0.27 -> C_1 = (0.27, 0.73); round 0:
           player 1 needs 0.8 * 0.73 = 0.584 -> (1 - d2 (1 - d1 r1), d2 (1 - d1 r1))
           = (0.416, 0.584).
    For K = 1000 these shares lie on the grid and are reproduced exactly (up to EPS). For
    K = 10 the responder is offered the smallest grid share covering its continuation:
    every round-up adds < h, so the round-0 share is within (T - 1) h of the closed form.
    """
    d = np.array([0.9, 0.8])
    U, acc = _pie(2, K)
    h = 1.0 / K
    cases = [
        (1, [0.0, 0.0], [1.0, 0.0]),
        (2, [0.0, 0.0], [0.2, 0.8]),
        (3, [0.0, 0.0], [0.92, 0.08]),
        (1, [0.3, 0.25], [0.8, 0.2]),
        (2, [0.3, 0.25], [0.416, 0.584]),
    ]
    for T, dis, expected in cases:
        res = solve_alternating(U, acc, dis, d, T, [0, 1])
        assert res.round == 0 and res.proposer == 0
        tol = EPS if K == 1000 else (T - 1) * h + EPS
        np.testing.assert_allclose(res.utilities, expected, atol=tol)
        assert res.continuation.shape == (T + 1, 2)
        np.testing.assert_allclose(res.continuation[T], dis)  # discounted convention: C_T = d


def test_rubinstein_short_deadline_exact_grid_rounding():
    """K = 10, T = 2: player 1's continuation d2 = 0.8 is on the grid, so (0.2, 0.8); with
    d2 = 0.75 player 1 must get ceil(7.5)/10 = 0.8 as well, and with d2 = 0.71 also 0.8."""
    U, acc = _pie(2, 10)
    for d2 in (0.8, 0.75, 0.71):
        res = solve_alternating(U, acc, 0.0, [0.9, d2], 2, [0, 1])
        np.testing.assert_allclose(res.utilities, [0.2, 0.8], atol=EPS)


def test_disagreement_discounting_option():
    """T = 1, d = (0, 0.5), d2 = 0.8: the responder needs 0.8 * 0.5 = 0.4 when the
    disagreement at the deadline is discounted (worth delta**T d), 0.5 when it is not."""
    U, acc = _pie(2, 100)
    res = solve_alternating(U, acc, [0.0, 0.5], [0.9, 0.8], 1, [0])
    np.testing.assert_allclose(res.utilities, [0.6, 0.4], atol=EPS)
    res = solve_alternating(U, acc, [0.0, 0.5], [0.9, 0.8], 1, [0], discount_disagreement=False)
    np.testing.assert_allclose(res.utilities, [0.5, 0.5], atol=EPS)
    # with no deal possible the values are the (un)discounted disagreement values
    none = np.zeros_like(acc)
    res = solve_alternating(U, none, [0.2, 0.5], [0.9, 0.8], 3, [0, 1])
    assert res.package is None and res.round is None and res.proposer is None
    np.testing.assert_allclose(res.values, [0.2 * 0.9**3, 0.5 * 0.8**3])
    np.testing.assert_allclose(res.utilities, [0.2, 0.5])
    res = solve_alternating(U, none, [0.2, 0.5], [0.9, 0.8], 3, [0, 1], discount_disagreement=False)
    np.testing.assert_allclose(res.values, [0.2, 0.5])


# ======================================================================================
# Baron-Ferejohn (1989): random recognition, stationary equilibrium
# ======================================================================================


def _bf_check(res: SPEResult, U: np.ndarray, K: int, delta: float, bought: int) -> None:
    """Checks shared by the Baron-Ferejohn tests (see `test_baron_ferejohn_stationary`)."""
    n = U.shape[1]
    h = 1.0 / K
    price = math.ceil(delta * K / n - 1e-9) / K  # grid share covering delta * v = delta / n
    assert res.converged
    assert res.round == 0
    np.testing.assert_allclose(res.values, np.full(n, 1.0 / n), atol=EPS)  # ex-ante 1/n
    assert set(res.proposals) == set(range(n))
    for p, row in res.proposals.items():
        assert row is not None
        shares = np.rint(U[row] * K) / K
        others = np.delete(shares, p)
        paid = others[others > 0]
        # theory: proposer keeps 1 - delta * bought / n, each bought responder gets delta/n
        assert abs(shares[p] - (1 - delta * bought / n)) < bought * h + EPS
        assert paid.size == bought
        assert np.all(np.abs(paid - delta / n) < h)
        # exact discrete prediction
        assert shares[p] == pytest.approx(1 - bought * price)
        np.testing.assert_allclose(paid, price)


@pytest.mark.parametrize(("n", "K"), [(3, 60), (5, 20)])
@pytest.mark.parametrize("rule", ["unanimity", "majority"])
def test_baron_ferejohn_stationary(n, K, rule):
    """Baron-Ferejohn (1989) with equal recognition probabilities and delta = 0.9.

    Symmetric stationary shares: under unanimity the proposer keeps 1 - delta (n-1)/n and
    each other player gets delta/n; under majority rule (quota (n-1)/2 of the others, no
    vetoes) the proposer keeps 1 - delta (n-1)/(2n) and buys (n-1)/2 others at delta/n.
    Ex-ante every share is 1/n.

    On the grid the continuation values stay exactly 1/n (every round ends in a deal that
    splits the whole pie, and the uniform tie rule keeps the game symmetric), so each
    bought responder must be offered exactly ceil(K delta/n)/K, which exceeds delta/n by
    less than h; the proposer's share is therefore below the continuous one by less than
    (number bought) * h. Spaces: n=3, K=60 has 1,891 splits and K delta/n = 18 is on the
    grid (exact); n=5, K=20 has 10,626 splits and K delta/n = 3.6 is rounded to 4
    (proposer off by 1.6 steps under unanimity, 0.8 under majority). Both stay far below
    a few hundred thousand packages, so the test is fast.
    """
    delta = 0.9
    U, acc = _pie(n, K)
    quota = None if rule == "unanimity" else (n - 1) // 2
    bought = n - 1 if rule == "unanimity" else (n - 1) // 2
    res = solve_random_proposer_stationary(U, acc, 0.0, delta, np.full(n, 1.0 / n), quota=quota)
    _bf_check(res, U, K, delta, bought)


@pytest.mark.slow
@pytest.mark.parametrize("rule", ["unanimity", "majority"])
def test_baron_ferejohn_five_players_on_exact_grid(rule):
    """n=5, K=50 (316,251 splits): K delta/n = 9 is on the grid, so the stationary shares
    are the continuous ones exactly: 0.28 / 0.18 each (unanimity), 0.64 / 0.18 x 2."""
    n, K, delta = 5, 50, 0.9
    U, acc = _pie(n, K)
    quota = None if rule == "unanimity" else 2
    bought = 4 if rule == "unanimity" else 2
    res = solve_random_proposer_stationary(U, acc, 0.0, delta, np.full(n, 0.2), quota=quota)
    _bf_check(res, U, K, delta, bought)
    assert res.utilities[res.proposer] == pytest.approx(1 - delta * bought / n)


@pytest.mark.parametrize("rule", ["unanimity", "majority"])
def test_finite_random_proposer_converges_to_stationary(rule):
    """The finite-horizon game with a long deadline has the stationary round-0 values and
    proposals (the stationary iteration from d is exactly its backward induction)."""
    n, K, delta = 3, 60, 0.9
    U, acc = _pie(n, K)
    quota = None if rule == "unanimity" else 1
    probs = np.full(n, 1.0 / n)
    stat = solve_random_proposer_stationary(U, acc, 0.0, delta, probs, quota=quota)
    fin = solve_random_proposer(U, acc, 0.0, delta, 60, probs, quota=quota)
    np.testing.assert_allclose(fin.values, stat.values, atol=EPS)
    assert fin.proposals == stat.proposals
    assert fin.round == 0 and fin.agreement_probability == pytest.approx(1.0)
    assert fin.plan.shape == (60, n) and np.all(fin.plan >= 0)


def test_baron_ferejohn_unequal_probabilities_and_discounts():
    """Two players, unanimity, recognition (p, 1-p), discounts (d1, d2), infinite horizon:
    v_a = p_a (1 - delta_b v_b) + (1 - p_a) delta_a v_a, solved in closed form. On a
    K = 2000 grid each proposal rounds the responder's price up by < h, which perturbs
    the fixed point by at most h / (1 - max delta) in each value."""
    p, d1, d2, K = 0.7, 0.9, 0.8, 2000
    A = np.array([[1 - (1 - p) * d1, p * d2], [(1 - p) * d1, 1 - p * d2]])
    v = np.linalg.solve(A, np.array([p, 1 - p]))
    U, acc = _pie(2, K)
    res = solve_random_proposer_stationary(U, acc, 0.0, [d1, d2], [p, 1 - p])
    assert res.converged
    np.testing.assert_allclose(res.values, v, atol=(1 / K) / (1 - max(d1, d2)))
    assert res.proposer == 0
    assert abs(res.utilities[1] - d2 * v[1]) < 1 / K + 1e-3


def test_stationary_first_tie_rule_cycles_under_majority():
    """With the deterministic tie-break a majority proposer always buys the same partner,
    which breaks the symmetry the stationary equilibrium needs: the iteration becomes
    periodic and is reported as not converged (the reason ``ties="uniform"`` is the
    default)."""
    U, acc = _pie(3, 60)
    res = solve_random_proposer_stationary(
        U, acc, 0.0, 0.9, np.full(3, 1 / 3), quota=1, ties="first"
    )
    assert res.converged is False
    assert res.iterations < 100


def test_stationary_breakdown_risk():
    """Breakdown reading of the discount with reservation values: one proposer (prob 1),
    two players, unanimity. The responder's price is delta v2 + (1 - delta) d2 with
    v2 = its (constant) accepted share, so v2 = d2 exactly: the proposer pays d2."""
    U, acc = _pie(2, 100)
    res = solve_random_proposer_stationary(U, acc, [0.1, 0.3], 0.9, [1.0, 0.0], breakdown=True)
    assert res.converged
    np.testing.assert_allclose(res.utilities, [0.7, 0.3], atol=EPS)
    assert res.proposals == {0: res.package}


# ======================================================================================
# Brute-force reference (plain Python, exact fractions) and property tests
# ======================================================================================


def _passes(U, acc, j, p, thresholds, veto, quota, n):
    if not acc[j][p] or U[j][p] < thresholds[p]:
        return False
    yes = {a: acc[j][a] and U[j][a] >= thresholds[a] for a in range(n) if a != p}
    vetoers = [a for a in veto if a != p]
    others = [a for a in range(n) if a != p and a not in veto]
    need = len(others) if quota is None else quota
    return all(yes[a] for a in vetoers) and sum(yes[a] for a in others) >= need


def brute_alternating(U, acc, d, delta, T, order, veto, quota, discount_disagreement=True):
    """Backward induction in round-0 units: a deal on j at t is worth delta^t U[j]."""
    n, k = len(d), len(U)
    W = [d[a] * (delta[a] ** T if discount_disagreement else 1) for a in range(n)]
    plan = [-1] * T
    for t in reversed(range(T)):
        p = order[t % len(order)]
        # in round-t units a responder needs W / delta^t
        thr = [W[a] / delta[a] ** t for a in range(n)]
        best = None
        for j in range(k):
            if _passes(U, acc, j, p, thr, veto, quota, n):
                key = (U[j][p], sum(U[j]), -j)
                if best is None or key > best[0]:
                    best = (key, j)
        if best is not None:
            plan[t] = best[1]
            W = [delta[a] ** t * U[best[1]][a] for a in range(n)]
    return plan, W


def brute_random(U, acc, d, delta, T, prob, veto, quota, ties):
    """Backward induction on expected values in current-round units."""
    n, k = len(d), len(U)
    C = list(d)
    plan = [[-1] * n for _ in range(T)]
    for t in reversed(range(T)):
        wait = [delta[a] * C[a] for a in range(n)]
        new = [Fraction(0)] * n
        for p in range(n):
            if prob[p] == 0:
                continue
            passing = [j for j in range(k) if _passes(U, acc, j, p, wait, veto, quota, n)]
            if not passing:
                payoff = wait
            else:
                j0 = max(passing, key=lambda j, p=p: (U[j][p], sum(U[j]), -j))
                plan[t][p] = j0
                if ties == "first":
                    payoff = U[j0]
                else:
                    tied = [j for j in passing if U[j][p] == U[j0][p] and sum(U[j]) == sum(U[j0])]
                    payoff = [sum(Fraction(U[j][a]) for j in tied) / len(tied) for a in range(n)]
            new = [new[a] + prob[p] * payoff[a] for a in range(n)]
        C = new
    return plan, C


QUARTERS = [Fraction(i, 4) for i in range(5)]
DISCOUNTS = [Fraction(1, 2), Fraction(3, 4), Fraction(1)]


@st.composite
def games(draw, max_packages=20):
    n = draw(st.integers(2, 3))
    k = draw(st.integers(3, max_packages))
    U = [[draw(st.sampled_from(QUARTERS)) for _ in range(n)] for _ in range(k)]
    acc = [[draw(st.sampled_from([True, True, True, False])) for _ in range(n)] for _ in range(k)]
    d = [draw(st.sampled_from(QUARTERS[:3])) for _ in range(n)]
    delta = [draw(st.sampled_from(DISCOUNTS)) for _ in range(n)]
    T = draw(st.integers(1, 4))
    veto = sorted(draw(st.sets(st.integers(0, n - 1), max_size=n)))
    quota = draw(st.one_of(st.none(), st.integers(0, n - 1)))
    return {
        "n": n,
        "U": U,
        "acc": acc,
        "d": d,
        "delta": delta,
        "T": T,
        "veto": veto,
        "quota": quota,
    }


def _arrays(g):
    U = np.array([[float(x) for x in row] for row in g["U"]])
    acc = np.array(g["acc"], dtype=bool)
    d = np.array([float(x) for x in g["d"]])
    delta = np.array([float(x) for x in g["delta"]])
    return U, acc, d, delta


# Cheap properties (a few ms per example): many examples even under the ``ci`` profile.
PROPERTY_SETTINGS = settings(
    max_examples=budget(200), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(g=games(), data=st.data())
def test_alternating_matches_brute_force(g, data):
    n = g["n"]
    order = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    disc_dis = data.draw(st.booleans())
    U, acc, d, delta = _arrays(g)
    res = solve_alternating(
        U, acc, d, delta, g["T"], order, g["veto"], g["quota"], discount_disagreement=disc_dis
    )
    plan, W = brute_alternating(
        g["U"], g["acc"], g["d"], g["delta"], g["T"], order, g["veto"], g["quota"], disc_dis
    )
    assert res.plan.tolist() == plan
    np.testing.assert_allclose(res.values, [float(w) for w in W], atol=1e-12)
    agreed = [t for t, j in enumerate(plan) if j >= 0]
    if agreed:
        assert res.round == agreed[0] and res.package == plan[agreed[0]]
        assert res.proposer == order[agreed[0] % len(order)]
        np.testing.assert_allclose(res.utilities, U[res.package])
    else:
        assert res.package is None and res.round is None
        np.testing.assert_allclose(res.utilities, d)


@PROPERTY_SETTINGS
@given(g=games(), data=st.data())
def test_random_proposer_matches_brute_force(g, data):
    n = g["n"]
    probs = {
        2: [(Fraction(1, 2), Fraction(1, 2)), (Fraction(3, 4), Fraction(1, 4)), (1, 0)],
        3: [(Fraction(1, 3),) * 3, (Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)), (0, 1, 0)],
    }[n]
    prob = data.draw(st.sampled_from(probs))
    ties = data.draw(st.sampled_from(["first", "uniform"]))
    U, acc, d, delta = _arrays(g)
    res = solve_random_proposer(
        U,
        acc,
        d,
        delta,
        g["T"],
        np.array([float(x) for x in prob]),
        g["veto"],
        g["quota"],
        ties=ties,
    )
    plan, C = brute_random(
        g["U"],
        g["acc"],
        g["d"],
        g["delta"],
        g["T"],
        [Fraction(x) for x in prob],
        g["veto"],
        g["quota"],
        ties,
    )
    assert res.plan.tolist() == plan
    np.testing.assert_allclose(res.values, [float(c) for c in C], atol=1e-12)
    live = [p for p in range(n) if prob[p] > 0]
    assert res.proposals == {p: (plan[0][p] if plan[0][p] >= 0 else None) for p in live}


@PROPERTY_SETTINGS
@given(g=games(), data=st.data())
def test_spe_package_is_individually_rational_and_acceptable_to_vetoers(g, data):
    """The proposer and every required responder get at least their discounted
    disagreement value delta^(T - t) d in the agreement round t; under unanimity that is
    everyone, and the expected round-0 values are individually rational too."""
    n, T = g["n"], g["T"]
    U, acc, d, delta = _arrays(g)
    order = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    unanimity = data.draw(st.booleans())
    veto, quota = (g["veto"], None) if unanimity else (g["veto"], g["quota"])
    res = solve_alternating(U, acc, d, delta, T, order, veto, quota)
    if res.package is not None:
        t, j, p = res.round, res.package, res.proposer
        floor = delta ** (T - t) * d
        must = set(veto) | {p} | (set(range(n)) if quota is None else set())
        for a in must:
            assert acc[j, a]
            assert U[j, a] >= floor[a] - EPS
    if quota is None:
        assert np.all(res.values >= delta**T * d - EPS)

    prob = np.full(n, 1.0 / n)
    rp = solve_random_proposer(U, acc, d, delta, T, prob, veto, quota)
    for p, j in rp.proposals.items():
        if j is None:
            continue
        must = set(veto) | {p} | (set(range(n)) if quota is None else set())
        for a in must:
            assert acc[j, a] and U[j, a] >= delta[a] ** T * d[a] - EPS
    if quota is None:
        assert np.all(rp.values >= delta**T * d - EPS)


def _pareto_dominated(U, acc_all, j):
    better_eq = np.all(U[acc_all] >= U[j], axis=1)
    strictly = np.any(U[acc_all] > U[j], axis=1)
    return bool(np.any(better_eq & strictly))


@PROPERTY_SETTINGS
@given(g=games(), data=st.data())
def test_undiscounted_agreement_is_pareto_optimal(g, data):
    """With discount 1 the agreed package (any round, any rule) is not Pareto-dominated
    by any package acceptable to every actor: such a package would pass as well (the
    rule is monotone) and the proposer, maximising its utility and then the utility sum,
    would have chosen it."""
    n = g["n"]
    U, acc, d, _ = _arrays(g)
    order = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
    res = solve_alternating(U, acc, d, 1.0, g["T"], order, g["veto"], g["quota"])
    acc_all = acc.all(axis=1)
    if res.package is not None:
        assert not _pareto_dominated(U, acc_all, res.package)
    rp = solve_random_proposer(U, acc, d, 1.0, g["T"], np.full(n, 1.0 / n), g["veto"], g["quota"])
    for j in rp.proposals.values():
        if j is not None:
            assert not _pareto_dominated(U, acc_all, j)
    # the same single-shot brute force: T = 1, everyone must agree
    one = solve_alternating(U, acc, d, 1.0, 1, [order[0]])
    if one.package is not None:
        assert not _pareto_dominated(U, acc_all, one.package)


# ======================================================================================
# Large spaces: the block scan and the narrow-candidate search vs a plain numpy reference
# ======================================================================================


def numpy_reference_alternating(U, acc, d, delta, T, order, veto, quota):
    """Full-scan reference: every round tests every package (no early exit)."""
    n = U.shape[1]
    idx = np.arange(U.shape[0])
    C = d.astype(float).copy()
    plan = np.full(T, -1)
    for t in range(T - 1, -1, -1):
        p = order[t % len(order)]
        wait = delta * C
        A = acc & (U >= wait - 1e-9)
        vet = [a for a in veto if a != p]
        oth = [a for a in range(n) if a != p and a not in veto]
        need = len(oth) if quota is None else quota
        ok = A[:, p] & A[:, vet].all(axis=1) & (A[:, oth].sum(axis=1) >= need)
        if ok.any():
            cand = idx[ok]
            pick = np.lexsort((cand, -U[cand].sum(axis=1), -U[cand, p]))[0]
            plan[t] = cand[pick]
            C = U[cand[pick]].copy()
        else:
            C = wait
    return plan, C


@pytest.mark.parametrize("keep_tables", [True, False])
@pytest.mark.parametrize(
    ("dis", "veto", "quota"),
    [
        ([0.3, 0.4, 0.35, 0.45], None, None),
        ([0.0, 0.97, 0.97, 0.97], None, None),  # deals are rare: the narrow search path
        ([0.0, 0.97, 0.2, 0.2], [1], 1),
        ([0.5, 0.5, 0.5, 0.5], [0], 2),
    ],
)
def test_large_space_matches_full_scan_reference(monkeypatch, keep_tables, dis, veto, quota):
    if not keep_tables:  # force the gather-per-block path used for very large spaces
        monkeypatch.setattr(offer_search, "_TABLE_BUDGET_BYTES", 0)
    rng = np.random.default_rng(7)
    U = np.round(rng.random((20_000, 4)), 3)  # 3 decimals: plenty of exact ties
    acc = rng.random(U.shape) >= 0.05
    dis = np.array(dis)
    delta = np.array([0.95, 0.9, 0.97, 0.99])
    order = [0, 1, 2, 3]
    res = solve_alternating(U, acc, dis, delta, 30, order, veto, quota)
    plan, C = numpy_reference_alternating(U, acc, dis, delta, 30, order, veto or [], quota)
    assert res.plan.tolist() == plan.tolist()
    np.testing.assert_allclose(res.values, C, atol=1e-12)


def test_narrow_candidate_path_is_exercised(monkeypatch):
    """Guard that the large-space test above really reaches the narrow search."""
    calls = []
    original = offer_search._OfferBook._narrowest_candidates

    def spy(self, vote, threshold):
        out = original(self, vote, threshold)
        calls.append(out.size)
        return out

    monkeypatch.setattr(offer_search._OfferBook, "_narrowest_candidates", spy)
    rng = np.random.default_rng(7)
    U = np.round(rng.random((20_000, 4)), 3)
    acc = rng.random(U.shape) >= 0.05
    solve_alternating(U, acc, [0.0, 0.97, 0.97, 0.97], 1.0, 10, [0])
    assert calls and min(calls) < 5_000


# ======================================================================================
# Result fields, edge cases, validation
# ======================================================================================


def test_result_fields_random_proposer():
    U, acc = _pie(3, 30)
    res = solve_random_proposer(U, acc, 0.0, 0.9, 5, [0.5, 0.25, 0.25])
    assert res.round == 0 and res.proposer == 0  # the most likely proposer
    assert res.package == res.proposals[0]
    np.testing.assert_allclose(res.utilities, U[res.package])
    assert res.plan.shape == (5, 3) and res.continuation.shape == (6, 3)
    assert res.agreement_probability == pytest.approx(1.0)
    np.testing.assert_allclose(res.values.sum(), 1.0)  # immediate agreement, pie shared


def test_zero_probability_proposer_who_accepts_nothing():
    """Only player 1 is ever recognised and it finds no package acceptable, so every round
    passes and the game ends in disagreement (worth delta^3 d) with probability 1."""
    U, acc = _pie(2, 10)
    acc = acc.copy()
    acc[:, 1] = False
    res = solve_random_proposer(U, acc, [0.1, 0.2], 0.5, 3, [0.0, 1.0])
    assert res.package is None and res.agreement_probability == 0.0
    assert res.proposals == {1: None}
    np.testing.assert_allclose(res.values, [0.1 * 0.125, 0.2 * 0.125])
    assert np.all(res.plan == -1)


def test_agreement_can_be_delayed_on_the_path():
    """Player 0 proposes in round 0 but finds no package acceptable; player 1 proposes in
    round 1 and, with quota 0, needs nobody's consent: agreement in round 1 on its best
    package, worth delta * U at round 0."""
    U = np.array([[0.6, 0.4], [0.2, 0.8]])
    acc = np.array([[False, True], [False, True]])
    res = solve_alternating(U, acc, 0.0, 0.9, 2, [0, 1], quota=0)
    assert res.round == 1 and res.proposer == 1 and res.package == 1
    np.testing.assert_allclose(res.values, 0.9 * U[1])
    assert res.plan.tolist() == [-1, 1]


def test_deadline_zero_is_immediate_disagreement():
    U, acc = _pie(2, 4)
    res = solve_alternating(U, acc, [0.3, 0.2], 0.9, 0, [0])
    assert res.package is None and res.plan.shape == (0,)
    np.testing.assert_allclose(res.values, [0.3, 0.2])
    rp = solve_random_proposer(U, acc, [0.3, 0.2], 0.9, 0, [0.5, 0.5])
    assert rp.package is None and rp.proposals == {0: None, 1: None}


def test_impossible_quota_blocks_proposals():
    U, acc = _pie(3, 6)
    # veto {0}, quota 2: proposer 1 has only one "other" responder (2) and cannot pass
    res = solve_alternating(U, acc, 0.0, 0.9, 1, [1], veto=[0], quota=2)
    assert res.package is None
    res = solve_alternating(U, acc, 0.0, 0.9, 1, [0], veto=[0], quota=2)
    assert res.package is not None and res.utilities[0] == pytest.approx(1.0)


def test_input_validation():
    U, acc = _pie(2, 4)
    with pytest.raises(ValueError):
        solve_alternating(U[:, :, None], acc, 0.0, 0.9, 2, [0, 1])
    with pytest.raises(ValueError):
        solve_alternating(U, acc[:, :1], 0.0, 0.9, 2, [0, 1])
    with pytest.raises(ValueError):
        solve_alternating(U, acc.astype(int), 0.0, 0.9, 2, [0, 1])
    with pytest.raises(ValueError):
        solve_alternating(U, acc, 0.0, -0.1, 2, [0, 1])  # patience 0 is allowed, below is not
    with pytest.raises(ValueError):
        solve_alternating(U, acc, 0.0, 1.1, 2, [0, 1])
    with pytest.raises(ValueError):
        solve_alternating(U, acc, 0.0, 0.9, -1, [0, 1])
    with pytest.raises(ValueError):
        solve_alternating(U, acc, 0.0, 0.9, 2, [])
    with pytest.raises(ValueError):
        solve_alternating(U, acc, 0.0, 0.9, 2, [0, 2])
    with pytest.raises(ValueError):
        solve_alternating(U, acc, 0.0, 0.9, 2, [0, 1], veto=[3])
    with pytest.raises(ValueError):
        solve_alternating(U, acc, 0.0, 0.9, 2, [0, 1], quota=-1)
    with pytest.raises(ValueError):
        solve_alternating(U, acc, [0.0, np.nan], 0.9, 2, [0, 1])
    with pytest.raises(ValueError):
        solve_random_proposer(U, acc, 0.0, 0.9, 2, [0.5, 0.6])
    with pytest.raises(ValueError):
        solve_random_proposer(U, acc, 0.0, 0.9, 2, [0.5, 0.5], ties="random")
    with pytest.raises(ValueError):
        solve_random_proposer_stationary(U, acc, 0.0, 0.9, [1.0], max_iter=5)
    with pytest.raises(ValueError):  # undiscounted disagreement overflows in round-T units
        solve_alternating(U, acc, 0.5, 0.01, 400, [0, 1], discount_disagreement=False)


def test_every_tie_rule_tie_breaks_deterministically():
    """Equal proposer utility: higher utility sum wins, then the lower index."""
    U = np.array([[0.5, 0.1], [0.5, 0.3], [0.5, 0.3], [0.4, 0.9]])
    acc = np.ones_like(U, dtype=bool)
    res = solve_alternating(U, acc, 0.0, 1.0, 1, [0])
    assert res.package == 1
    rp = solve_random_proposer(U, acc, 0.0, 1.0, 1, [1.0, 0.0], ties="uniform")
    assert rp.package == 1
    np.testing.assert_allclose(rp.values, [0.5, 0.3])  # tie set {1, 2}, same utilities


@pytest.mark.parametrize("n", [2, 3])
def test_small_exhaustive_pie_alternating_unanimity(n):
    """Cross-check on every 2/3-player split of 4 units for all proposer cycles of length
    <= 2 and deadlines <= 3 against the exact brute force."""
    K = 4
    _, U = pie_splits(n, K)
    Uf = [[Fraction(int(round(x * K)), K) for x in row] for row in U]
    acc = np.ones(U.shape, dtype=bool)
    accl = acc.tolist()
    delta = [Fraction(3, 4)] * n
    for T in (1, 2, 3):
        for order in product(range(n), repeat=2):
            res = solve_alternating(U, acc, 0.0, 0.75, T, list(order))
            plan, W = brute_alternating(Uf, accl, [0] * n, delta, T, list(order), [], None)
            assert res.plan.tolist() == plan
            np.testing.assert_allclose(res.values, [float(w) for w in W])
