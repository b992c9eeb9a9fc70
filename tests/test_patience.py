"""Patience that matters, one no-deal value, the equilibrium agents (issue 11, part B).

Properties (each checked able to fail by breaking the code on purpose; see the notes):
* with patience 1 and no dynamics, ``discounting`` plays exactly as its time-dependent
  counterpart (same preset), run for run;
* an all-``equilibrium`` table agrees on ``negsim solve``'s package in the solver's round
  (alternating offers and the summit);
* raising an actor's patience never lowers its equilibrium value (two players,
  alternating offers over a pie, no dynamics), and the strategies that read patience
  (trait ``reads_patience``) move the same way on common random numbers;
* under the ``undiscounted`` no-deal value no actor who accepts the equilibrium package
  gets less than its reservation value.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import budget, fit_equilibrium, scenarios, seeds

from sim.api import load, prepare, simulate, solve
from sim.core import solve_alternating
from sim.engine import strategies
from sim.errors import UserError

SOLVABLE_TABLE = ("alternating_offers", "summit_ratification")
PRESETS = ("boulware", "linear", "conceder")
SOURCE = {"assumption": "test"}


def _set_patience(data: dict, value: float) -> None:
    for actor in data["actors"].values():
        actor["patience"] = {"value": value, "source": SOURCE}


def _no_walk(data: dict) -> None:
    data["protocol"]["walk_away"] = False


# ----------------------------------------------------------------- discounting = its curve
@settings(max_examples=budget(25), deadline=None)
@given(data=scenarios(protocol=True, dynamics=False, strategies=False, max_packages=48,
                      max_actors=4, max_deadline=10),
       preset=st.sampled_from(PRESETS), seed=seeds())
def test_discounting_with_patience_one_plays_as_its_time_dependent_counterpart(
        data, preset, seed):
    _set_patience(data, 1.0)
    plain, aware = copy.deepcopy(data), copy.deepcopy(data)
    for actor in plain["actors"].values():
        actor["strategy"] = {"kind": preset}
    for actor in aware["actors"].values():
        actor["strategy"] = {"kind": "discounting", "params": {"preset": preset}}
    a = simulate(plain, seed=seed)
    b = simulate(aware, seed=seed)
    assert a.to_json() == b.to_json()
    assert a.trace is not None and b.trace is not None
    assert a.trace.equals(b.trace)


def test_discounting_reads_patience_below_one():
    """The counterpart property is not vacuous: on the summit, patience moves the run."""
    base = load("scenarios/discounting/alaska_summit.yaml").model_dump(mode="json")
    runs = []
    for p in (0.5, 0.995):
        d = copy.deepcopy(base)
        d["actors"]["russia"]["patience"]["value"] = p
        runs.append(simulate(d, seed=1, collect=False))
    assert runs[0].package != runs[1].package


# ----------------------------------------------------------------- equilibrium = solve
@settings(max_examples=budget(25), deadline=None)
@given(data=scenarios(protocol=True, protocol_kinds=SOLVABLE_TABLE, dynamics=False,
                      strategies=False, max_packages=48, max_actors=4, max_deadline=10),
       disagreement=st.sampled_from(["undiscounted", "discounted"]), seed=seeds())
def test_an_equilibrium_table_reproduces_negsim_solve(data, disagreement, seed):
    _no_walk(data)
    data["protocol"]["sequencing"] = "package"  # the solver solves the package game only
    data["protocol"]["disagreement"] = disagreement
    for actor in data["actors"].values():
        actor["strategy"] = {"kind": "equilibrium"}
    eq = solve(data)
    run = simulate(data, seed=seed, collect=False)
    if eq.package is None:
        assert run.deal_utilities is None
        return
    assert run.package == eq.package
    assert run.round == eq.round
    assert run.stillborn is False


def test_equilibrium_is_refused_where_no_equilibrium_is_defined():
    data = load("scenarios/zelenskyy_at_table.yaml").model_dump(mode="json")
    data["protocol"]["kind"] = "single_text"
    data["protocol"]["params"] = {}
    data["actors"]["russia"]["strategy"] = {"kind": "equilibrium"}
    with pytest.raises(UserError, match="actors.russia.strategy.kind: equilibrium"):
        load(data)


def test_fit_equilibrium_keeps_generated_scenarios_valid():
    data = {"protocol": {"kind": "single_text"},
            "actors": {"a": {"strategy": {"kind": "equilibrium", "params": {}}}}}
    assert fit_equilibrium(data)["actors"]["a"]["strategy"]["kind"] == "reservation_aware"


# ----------------------------------------------------------------- one no-deal value
@settings(max_examples=budget(60), deadline=None)
@given(k=st.integers(2, 12), n=st.integers(2, 3), T=st.integers(1, 8),
       seed=st.integers(0, 2**32 - 1))
def test_undiscounted_no_deal_never_gives_an_acceptor_less_than_its_reservation(k, n, T, seed):
    rng = np.random.default_rng(seed)
    U = rng.random((k, n))
    d = rng.random(n) * 0.8
    delta = rng.random(n)
    acc = np.ones((k, n), dtype=bool)
    res = solve_alternating(U, acc, d, delta, T, list(range(n)), outside_option=True)
    if res.package is not None:  # unanimity: everybody accepted it
        assert np.all(U[res.package] >= d - 1e-9)
    assert np.all(res.values >= d - 1e-9)


def test_discounted_no_deal_can_push_an_actor_below_its_reservation():
    """The convention matters: Rubinstein-style pie, a patient rival, d = 0.4."""
    K = 10
    U = np.stack([np.arange(K + 1) / K, 1 - np.arange(K + 1) / K], axis=1)
    acc = np.ones_like(U, dtype=bool)
    args = (U, acc, [0.0, 0.4], [0.99, 0.3], 20, [0, 1])
    low = solve_alternating(*args)  # discounted disagreement (the solver's old default)
    floor = solve_alternating(*args, outside_option=True)
    assert U[low.package, 1] < 0.4 <= U[floor.package, 1]


# ----------------------------------------------------------------- patience is monotone
def _pie_scenario(K: int, deadline: int, p0: float, p1: float, kind: str) -> dict:
    player = {"weights": {"pie": {"value": 1, "source": SOURCE}},
              "reservation": {"value": 0, "source": SOURCE},
              "strategy": {"kind": kind}}
    return {
        "name": "pie",
        "issues": {"pie": {"kind": "split", "steps": {"value": K, "source": SOURCE},
                           "among": ["a", "b"]}},
        "actors": {
            "a": {**copy.deepcopy(player), "patience": {"value": p0, "source": SOURCE}},
            "b": {**copy.deepcopy(player), "patience": {"value": p1, "source": SOURCE}},
        },
        "protocol": {"kind": "alternating_offers", "deadline": deadline, "walk_away": False},
    }


# patience is 0 or in [1e-6, 1] (the scenario bounds refuse a positive patience below 1e-6)
PATIENCE = st.one_of(st.just(0.0), st.floats(1e-6, 1.0))


@settings(max_examples=budget(40), deadline=None)
@given(K=st.integers(2, 30), T=st.integers(1, 12), lo=PATIENCE,
       up=PATIENCE, other=PATIENCE,
       disagreement=st.sampled_from(["undiscounted", "discounted"]))
def test_more_patience_never_lowers_the_equilibrium_value(K, T, lo, up, other, disagreement):
    hi = lo + (1.0 - lo) * up
    values = []
    for p in (lo, hi):
        data = _pie_scenario(K, T, p, other, "equilibrium")
        data["protocol"]["disagreement"] = disagreement
        values.append(solve(data).values["a"])
    assert values[1] >= values[0] - 1e-9


READERS = tuple(n for n in strategies.names() if strategies.get(n).reads_patience)


def test_the_registry_names_strategies_that_read_patience():
    assert {"discounting", "equilibrium"} <= set(READERS)


@pytest.mark.parametrize("kind", READERS)
@settings(max_examples=budget(15), deadline=None)
@given(K=st.integers(4, 20), T=st.integers(2, 12), lo=st.floats(0.3, 0.9),
       other=st.floats(0.3, 1.0), seed=seeds())
def test_patience_readers_move_with_patience_on_common_random_numbers(kind, K, T, lo,
                                                                       other, seed):
    """Raising an actor's patience, all else and the seed equal, never lowers its
    utility in a two-player pie game (measured over the strategies that read patience)."""
    hi = 1.0
    u = []
    for p in (lo, hi):
        data = _pie_scenario(K, T, p, other, kind)
        u.append(simulate(data, seed=seed, collect=False).utilities["a"])
    assert u[1] >= u[0] - 1e-9


def test_prepared_is_shared_by_equilibrium_runs():
    data = load("scenarios/alaska_summit.yaml").model_dump(mode="json")
    for a in ("united_states", "russia"):
        data["actors"][a]["strategy"] = {"kind": "equilibrium"}
    prepared = prepare(data)
    eq = solve(data, prepared=prepared)
    run = simulate(data, seed=3, prepared=prepared, collect=False)
    assert run.package == eq.package and run.round == eq.round and run.agreement


# ----------------------------------------------------------------- sweeps of a dead patience
@pytest.mark.parametrize(("scenario", "warned"), [("alaska_summit.yaml", True),
                                                  ("discounting/alaska_summit.yaml", False)])
def test_a_sweep_of_a_patience_nobody_reads_is_flagged(tmp_path, scenario, warned):
    from pathlib import Path

    from sim.experiment.patience import patience_warnings
    from sim.experiment.plan import load_plan

    root = Path(__file__).resolve().parents[1]
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: e\nscenario: {root / 'scenarios' / scenario}\nparameters:\n"
                   "  - path: actors.russia.patience\n    values: [0.5, 0.9]\nseed: 1\n")
    lines = patience_warnings(load_plan(exp))
    assert bool(lines) is warned
    if warned:
        assert "actors.russia.patience" in lines[0] and "discounting" in lines[0]
