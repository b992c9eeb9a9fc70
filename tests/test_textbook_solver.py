"""The never-ending game: stationary equilibria against closed forms and brute force.

Closed forms (continuous pie, `sim.core.stationary_pie`):
* Rubinstein (1982): the first proposer keeps (1 - d2) / (1 - d1 d2).
* Baron-Ferejohn (1989), unanimity: with a common discount every value equals the
  recognition probability (v = p); with per-player discounts v solves the linear system
  v_i = p_i (1 - sum_{j != i} d_j v_j) + (1 - p_i) d_i v_i.
* Baron-Ferejohn, majority (q others), equal recognition and a common discount: v = 1/n,
  the proposer keeps 1 - d q / n and pays q others d / n, chosen at random.
* Baron-Ferejohn, majority, *unequal* recognition: every value is still 1/n as long as
  every p_i lies in [(1 - d) / (n - (q + 1) d), 1 / (n - q d)] (then proposers mix over
  partners so that i is included with aggregate probability 1/d - p_i (n/d - q)); outside
  that range the exact equilibrium conditions are checked by brute force.
The general solver over enumerated packages (`sim.core.stationary`) is compared with the
continuous one on small grids (within a few grid steps) and checked by brute force.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.core.pie import pie_splits
from sim.core.stationary import recognition_cycle, solve_stationary
from sim.core.stationary_pie import coalition_mixture, solve_pie

ROOT = Path(__file__).resolve().parents[1]
FIVE = ROOT / "scenarios" / "validation" / "baron_ferejohn_five_players.yaml"


def equilibrium_violation(P, delta, veto, quota, eq) -> float:
    """Independent check of a pie equilibrium: balance, cost-minimising coalitions."""
    P = np.atleast_2d(P)
    L, n = P.shape
    delta = np.broadcast_to(np.asarray(delta, float), (n,))
    W = eq.values
    worst = 0.0
    for s in range(L):
        price = delta * W[(s + 1) % L]
        expected = np.zeros(n)
        for k in range(n):
            others = [j for j in range(n) if j != k and j not in veto]
            need = len(others) if quota is None else quota
            if need > len(others):
                expected += P[s, k] * price
                continue
            x = eq.inclusion[s, k]
            vetoes = [j for j in veto if j != k]
            worst = max(worst, abs(x[others].sum() - need), *(abs(x[j] - 1) for j in vetoes))
            # every coalition in the support is cost-minimising (brute force)
            best = min(sum(price[list(c)]) for c in combinations(others, need)) if need else 0
            paid = float(price[others] @ x[others])
            worst = max(worst, paid - best)
            share = np.zeros(n)
            share[vetoes] = price[vetoes]
            share[others] = price[others] * x[others]
            share[k] = 1 - share.sum()
            expected += P[s, k] * share
        worst = max(worst, float(np.abs(expected - W[s]).max()))
    return worst


@pytest.mark.parametrize("d1,d2", [(0.9, 0.8), (0.95, 0.95), (0.6, 0.9), (0.5, 0.0)])
def test_rubinstein_closed_form(d1, d2):
    eq = solve_pie(recognition_cycle([0, 1], 2), [d1, d2])
    assert eq.converged
    assert eq.values[0, 0] == pytest.approx((1 - d2) / (1 - d1 * d2), abs=1e-9)
    assert eq.values[1, 1] == pytest.approx((1 - d1) / (1 - d1 * d2), abs=1e-9)


@pytest.mark.parametrize("p", [[1 / 3] * 3, [0.5, 0.3, 0.2], [0.1, 0.2, 0.3, 0.4]])
def test_baron_ferejohn_unanimity_values_equal_recognition(p):
    eq = solve_pie(p, 0.9)
    assert eq.converged
    np.testing.assert_allclose(eq.values[0], p, atol=1e-9)
    n = len(p)
    for k in range(n):  # the proposer pays everyone its price 0.9 p_j and keeps the rest
        assert eq.keeps[0, k] == pytest.approx(1 - 0.9 * (1 - p[k]), abs=1e-9)


def test_baron_ferejohn_unanimity_per_player_patience():
    p, d = np.array([0.2, 0.3, 0.5]), np.array([0.9, 0.6, 0.8])
    n = 3
    A = np.zeros((n, n))
    for i in range(n):  # v_i = p_i (1 - sum_{j!=i} d_j v_j) + (1 - p_i) d_i v_i
        A[i] = p[i] * d
        A[i, i] = 1 - (1 - p[i]) * d[i]
    v = np.linalg.solve(A, p)
    eq = solve_pie(p, d)
    assert eq.converged
    np.testing.assert_allclose(eq.values[0], v, atol=1e-9)


@pytest.mark.parametrize("n,q", [(3, 1), (5, 2), (7, 3)])
def test_baron_ferejohn_majority_equal_recognition(n, q):
    d = 0.9
    eq = solve_pie([1 / n] * n, d, quota=q)
    assert eq.converged
    np.testing.assert_allclose(eq.values[0], 1 / n, atol=1e-9)
    np.testing.assert_allclose(eq.keeps[0], 1 - d * q / n, atol=1e-9)
    np.testing.assert_allclose(eq.prices[0], d / n, atol=1e-9)
    # symmetric mixing: every other player is included with probability q / (n - 1)
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(eq.inclusion[0][off].sum() / (n * (n - 1)), q / (n - 1))


@pytest.mark.parametrize("p,q", [([0.45, 0.35, 0.2], 1), ([0.3, 0.25, 0.2, 0.15, 0.1], 2)])
def test_baron_ferejohn_majority_unequal_recognition_equal_values(p, q):
    d, n = 0.9, len(p)
    p = np.array(p)
    assert np.all((p >= (1 - d) / (n - (q + 1) * d)) & (p <= 1 / (n - q * d)))
    eq = solve_pie(p, d, quota=q)
    assert eq.converged
    np.testing.assert_allclose(eq.values[0], 1 / n, atol=1e-9)
    inclusion = (p[:, None] * eq.inclusion[0]).sum(axis=0)  # aggregate over proposers
    np.testing.assert_allclose(inclusion, 1 / d - p * (n / d - q), atol=1e-8)
    assert equilibrium_violation(p, d, (), q, eq) < 1e-9


@pytest.mark.parametrize("seed", range(12))
def test_random_rules_meet_the_equilibrium_conditions(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 6))
    alternating = bool(rng.integers(2))
    P = recognition_cycle(rng.permutation(n), n) if alternating else rng.dirichlet(np.ones(n))
    d = rng.uniform(0.0, 0.99, n)
    veto = tuple(int(a) for a in np.flatnonzero(rng.random(n) < 0.25))
    quota = None if rng.random() < 0.3 else int(rng.integers(0, n))
    eq = solve_pie(P, d, veto, quota)
    assert eq.converged
    assert equilibrium_violation(P, d, veto, quota, eq) < 1e-8


def test_coalition_mixture_has_the_marginals():
    x = np.array([0.3, 0.9, 0.5, 0.3])
    mix = coalition_mixture(x, 2)
    assert sum(q for _m, q in mix) == pytest.approx(1.0)
    marginal = np.zeros(4)
    for members, q in mix:
        assert len(members) == 2 == len(set(members))
        marginal[list(members)] += q
    np.testing.assert_allclose(marginal, x)


@pytest.mark.parametrize("P,delta,quota,K", [
    ([[0.45, 0.35, 0.2]], 0.9, 1, 60),
    ([[0.7, 0.2, 0.1]], 0.9, 1, 60),
    (recognition_cycle([0, 1], 2), [0.9, 0.8], None, 100),
    ([[1 / 3] * 3], [0.9, 0.7, 0.8], None, 60),
])
def test_the_general_solver_agrees_with_the_pie_up_to_the_grid(P, delta, quota, K):
    n = np.atleast_2d(P).shape[1]
    _, U = pie_splits(n, K)
    spe = solve_stationary(U, np.ones(U.shape, bool), 0.0, delta, P, None, quota)
    eq = solve_pie(P, delta, (), quota)
    assert np.abs(spe.values - eq.values).max() <= (n + 1) / K
    assert spe.residual <= (n + 1) / K
    for s, row in enumerate(spe.offers):
        for k, lottery in enumerate(row):
            if np.atleast_2d(P)[s][k] > 0:  # every recognised proposer makes an offer here
                assert sum(lottery.values()) == pytest.approx(1.0)


def test_the_general_solver_is_an_exact_equilibrium_on_a_random_space():
    rng = np.random.default_rng(7)
    U = rng.random((60, 3))
    acc = rng.random((60, 3)) > 0.1
    P = np.array([[0.5, 0.3, 0.2]])
    delta = np.array([0.9, 0.8, 0.95])
    spe = solve_stationary(U, acc, 0.0, delta, P, veto=[0], quota=1)
    assert spe.converged and spe.residual == 0.0
    wait = delta * spe.values[0]
    yes = acc & (U >= wait - 1e-9)  # who accepts what at the equilibrium thresholds
    expected = np.zeros(3)
    for k in range(3):  # brute force over packages: veto 0 plus one of the others
        others = [a for a in (1, 2) if a != k]
        passing = [j for j in range(60) if acc[j, k] and (k == 0 or yes[j, 0])
                   and sum(yes[j, a] for a in others) >= 1]
        best = max((U[j, k] for j in passing), default=-np.inf)
        offer = spe.offers[0][k]
        if best < wait[k]:
            assert offer == {}
            expected += P[0, k] * wait
            continue
        assert offer and all(j in passing and U[j, k] >= best - 1e-9 for j in offer)
        expected += P[0, k] * sum(q * U[j] for j, q in offer.items())
    np.testing.assert_allclose(spe.values[0], expected, atol=1e-12)


def _cli(args, capsys) -> dict:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_five_players_split_a_hundred_units_through_the_cli(capsys):
    out = _cli(["solve", str(FIVE), "--horizon", "infinite", "--json"], capsys)
    assert out["horizon"] == "infinite" and out["converged"] is True
    assert out["values"] == {f"p{i}": pytest.approx(0.2, abs=1e-6) for i in range(1, 6)}
    u = sorted(out["utilities"].values(), reverse=True)
    assert u == pytest.approx([0.64, 0.18, 0.18, 0.0, 0.0])  # 1 - 0.9 * 2/5; 0.9 / 5
    for lottery in out["offers"].values():
        assert sum(o["probability"] for o in lottery) == pytest.approx(1.0)
        assert all(sorted(o["utilities"].values())[-3:] == pytest.approx([0.18, 0.18, 0.64])
                   for o in lottery)
    assert any("Eraslan" in note for note in out["notes"])


def test_unequal_recognition_in_the_five_player_file(tmp_path, capsys):
    probs = {"p1": 0.3, "p2": 0.25, "p3": 0.2, "p4": 0.15, "p5": 0.1}
    f = tmp_path / "unequal.yaml"
    f.write_text(f"extends: {FIVE}\nprotocol:\n  params:\n    probabilities: "
                 f"{json.dumps(probs)}\n")
    out = _cli(["solve", str(f), "--horizon", "infinite", "--json"], capsys)
    eq = solve_pie(list(probs.values()), 0.9, (), 2)
    assert out["values"] == {a: pytest.approx(v, abs=1e-6) for a, v in zip(probs, eq.values[0],
                                                                            strict=True)}
    assert all(v == pytest.approx(0.2, abs=1e-6) for v in out["values"].values())
    assert max(len(lottery) for lottery in out["offers"].values()) > 1  # proposers mix


def test_the_horizon_options_are_checked(capsys):
    assert main(["solve", str(FIVE), "--horizon", "infinite", "--rounds", "5"]) == 2
    assert "--rounds" in capsys.readouterr().err
    assert main(["solve", str(FIVE), "--horizon", "forever"]) == 2
    assert "--horizon" in capsys.readouterr().err


def test_the_finite_solver_takes_more_rounds_than_files_allow(tmp_path, capsys):
    text = (ROOT / "tests" / "data" / "mini.yaml").read_text()
    path = tmp_path / "mini.yaml"
    path.write_text(text + "\nprotocol: {kind: alternating_offers, deadline: 10000}\n")
    out = _cli(["solve", str(path), "--rounds", "12000", "--json"], capsys)
    assert out["horizon"] == "finite" and out["round"] == 0


def test_patience_zero_responders_accept_anything():
    _, U = pie_splits(2, 50)
    spe = solve_stationary(U, np.ones(U.shape, bool), 0.0, [0.9, 0.0],
                           recognition_cycle([0, 1], 2))
    assert spe.values[0, 0] == pytest.approx(1.0)  # (1 - 0) / (1 - 0)


@pytest.mark.parametrize("protocol", [
    "{kind: alternating_offers, acceptance: {veto: [b], quota: 1}}",
    "{kind: random_proposer, params: {probabilities: {a: 0.6, b: 0.3, c: 0.1}}}",
    "{kind: summit_ratification, params: {negotiators: [a, b], ratifiers: [c]}}",
])
def test_every_solvable_protocol_has_a_never_ending_game(tmp_path, protocol):
    import sim

    path = tmp_path / "mini.yaml"
    path.write_text((ROOT / "tests" / "data" / "mini.yaml").read_text()
                    + f"protocol: {protocol}\n")
    result = sim.solve(path, horizon="infinite")
    prepared = sim.prepare(path)
    assert result.horizon == "infinite" and result.residual is not None
    for actor, lottery in result.offers.items():  # offers stay inside the proposer's red lines
        a = prepared.problem.actors.index(actor)
        for row, q in lottery:
            assert prepared.agenda_ok[row] and prepared.red_ok[row, a] and 0 < q <= 1
    if result.converged:
        assert result.residual <= 1e-9


def test_the_single_text_has_no_never_ending_game(tmp_path, capsys):
    path = tmp_path / "mini.yaml"
    path.write_text((ROOT / "tests" / "data" / "mini.yaml").read_text()
                    + "protocol: {kind: single_text}\n")
    assert main(["solve", str(path), "--horizon", "infinite"]) == 2
    assert "single_text" in capsys.readouterr().err
