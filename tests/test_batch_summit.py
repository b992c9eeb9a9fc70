"""The batched engine on the two-level summit: renegotiation, beliefs, look-ahead (issue 15).

``summit_ratification`` with ``renegotiate`` and ``max_attempts`` (a rejected deal back to
the table), with the negotiators' ``beliefs`` about the ratifiers (accurate, naive or
custom priors, updated by Bayes' rule after every vote, per run), and the strategies that
read them (``ratification_aware``) or play the solver's game (``equilibrium``): for random
valid scenarios and seeds the batched results equal the per-run engine's, field by field
(``attempts`` and ``beliefs_final`` included), whatever the batch size and the order of
the seeds (`_check` in tests/test_batch_equivalence.py). The shipped summit scenarios, every
design point of experiments/q7_information.yaml and equilibrium tables play batched.
"""

from __future__ import annotations

import copy
import glob
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import budget, fit_equilibrium, scenarios, seeds
from test_batch_equivalence import KERNEL_STRATEGIES, _check

from sim.api import load, prepare
from sim.engine.api import run
from sim.engine.batch import Fallback, plan, run_batch, simulate_many
from sim.engine.batch.ratify import Votes
from sim.engine.protocols.summit_ratification import SummitRatification
from sim.engine.settings import RunConfig, StrategySpec
from sim.experiment.worker import release_finished_models
from sim.scenario import compile_problem, run_config, validate_data

#: Why the batch engine may refuse one of these examples.
ALLOWED = ("may walk out", "under ceasefire_first have no batch kernel")
SUMMITS = ["scenarios/summit_accurate_beliefs.yaml", "scenarios/summit_naive_beliefs.yaml",
           "scenarios/summit_audience_costs.yaml"]


def _setup(data: dict):
    scenario = validate_data(copy.deepcopy(data))
    return prepare(compile_problem(scenario)), run_config(scenario)


def _custom(draw, data: dict) -> dict:
    """A custom prior for some negotiator-ratifier pairs of the scenario ``data``."""
    prepared, config = _setup(data)
    proto = SummitRatification(prepared, config.protocol)
    names = prepared.problem.actors
    out: dict = {}
    for n in proto.seats:
        for r in proto.ratifiers:
            if not draw(st.booleans()):
                continue
            grid = draw(st.lists(st.sampled_from([0.0, 0.2, 0.35, 0.5, 0.8, 1.0])
                                 | st.floats(0.0, 1.0), min_size=1, max_size=4))
            spec: dict = {"reservation": grid}
            if draw(st.booleans()):
                spec["weights"] = [draw(st.sampled_from([0.5, 1.0, 3.0])) for _ in grid]
            lines = [c.name for c in prepared.problem.preferences[r].red_lines]
            real = draw(st.lists(st.sampled_from(lines), unique=True)) if lines else []
            spec["red_lines"] = {k: draw(st.sampled_from([0.0, 0.5, 1.0]) | st.floats(0, 1))
                                 for k in real}
            out.setdefault(names[n], {})[names[r]] = spec
    return out


@st.composite
def summits(draw, sequencing: str = "package") -> dict:
    """A summit scenario with renegotiation, beliefs and look-ahead strategies drawn."""
    look = st.one_of(
        st.just({"kind": "ratification_aware"}),
        st.builds(lambda p: {"kind": "ratification_aware", "params": {"preset": p}},
                  st.sampled_from(["boulware", "linear", "conceder"])),
        st.builds(lambda w, x: {"kind": "ratification_aware",
                                "params": {"window": w, "explore": x}},
                  st.integers(1, 8), st.sampled_from([0.0, 0.3, 1.0])),
        st.just({"kind": "equilibrium"}))
    data = draw(scenarios(protocol=True, protocol_kinds=("summit_ratification",),
                          strategies=True, strategy_kinds=KERNEL_STRATEGIES, max_packages=48,
                          max_actors=4, max_deadline=10))
    for actor in data["actors"].values():
        if draw(st.booleans()):
            actor["strategy"] = draw(look)
    proto = data["protocol"]
    if sequencing == "package":
        proto.pop("ceasefire_issue", None)
        proto["sequencing"] = "package"
    else:
        proto["sequencing"] = "ceasefire_first"
        proto.setdefault("ceasefire_issue", draw(st.sampled_from(list(data["issues"]))))
        proto["stage1_deadline"] = draw(st.integers(1, 4))
    params = proto.setdefault("params", {})
    params["renegotiate"] = draw(st.booleans())
    if params["renegotiate"] and draw(st.booleans()):
        params["max_attempts"] = draw(st.integers(1, 4))
    prior = draw(st.sampled_from([None, "accurate", "naive", "custom"]))
    if prior == "accurate":
        params["beliefs"] = {"prior": "accurate",
                             "spread": draw(st.sampled_from([0.0, 0.05, 0.2, 0.5])),
                             "points": draw(st.integers(1, 7))}
    elif prior is not None:
        params["beliefs"] = {"prior": prior}
    if sequencing != "package" and not (params["renegotiate"] or prior):
        params["renegotiate"] = True  # this test is about what falls back there
    fit_equilibrium(data)
    if prior == "custom":
        params["beliefs"]["custom"] = _custom(draw, data)
    return data


def _events(results) -> None:
    """Hypothesis statistics: did the examples renegotiate, and how did they end?"""
    if any(r.attempts > 1 for r in results):
        event("renegotiated")
    if any(r.beliefs_final is not None for r in results):
        event("beliefs_final")
    for r in results:
        event(f"reason: {r.reason}")


@settings(max_examples=budget(40), deadline=None)
@given(data=st.data())
def test_renegotiation_and_beliefs_batched_equal_per_run(data):
    """Random summits: renegotiation on or off, any max_attempts, any prior, look-ahead
    and equilibrium seats among the other kernel strategies, any deadline."""
    prepared, config = _setup(data.draw(summits()))
    seed_list = data.draw(st.lists(seeds(), min_size=1, max_size=6, unique=True))
    rounds = data.draw(st.one_of(st.none(), st.integers(1, 12)))
    reason = _check(prepared, config, seed_list, rounds)
    assert reason is None or any(r in reason for r in ALLOWED), reason
    _events(simulate_many(prepared, config, seed_list, rounds, check=False)[0])


@settings(max_examples=budget(10), deadline=None)
@given(data=st.data())
def test_ceasefire_first_with_renegotiation_or_beliefs_falls_back(data):
    """Staged talks with either have no kernel: a precise reason, the per-run results."""
    prepared, config = _setup(data.draw(summits("ceasefire_first")))
    got = plan(prepared, config)
    assert isinstance(got, Fallback)
    assert got.reason in ("renegotiation or beliefs about ratifiers under ceasefire_first "
                          "have no batch kernel", "invalid settings") \
        or "may walk out" in got.reason, got.reason
    seed_list = data.draw(st.lists(seeds(), min_size=1, max_size=3, unique=True))
    _check(prepared, config, seed_list)


def _seeded(path: str):
    scenario = load(path)
    return prepare(scenario), run_config(scenario)


@pytest.mark.parametrize("path", SUMMITS)
def test_shipped_summits_batch_and_match(path):
    """The three two-level summit scenarios: batched, equal run by run."""
    prepared, config = _seeded(path)
    assert not isinstance(plan(prepared, config), Fallback)
    assert _check(prepared, config, list(range(24)), note=False) is None
    assert _check(prepared, config, [7, 3], rounds=3, note=False) is None


def test_naive_negotiators_renegotiate_in_the_batch():
    """The naive prior: the first vote fails, the beliefs move, the second passes."""
    prepared, config = _seeded("scenarios/summit_naive_beliefs.yaml")
    batch = plan(prepared, config)
    assert not isinstance(batch, Fallback)
    got = run_batch(batch, [0, 1, 2])
    assert all(r.attempts == 2 and r.agreement for r in got)
    assert got == [run(prepared, config, s, collect=False) for s in (0, 1, 2)]
    assert got[0].beliefs_final is not None


def _q7_points():
    from sim.experiment.design import run_seed
    from sim.experiment.plan import load_plan

    exp = load_plan("experiments/q7_information.yaml")
    job = exp.job()
    ids = np.arange(exp.n_points)
    cols = exp.design.columns(ids)
    for k, pid in enumerate(ids.tolist()):
        scenario, _ = job.scenario(pid, [c[k] for c in cols])
        yield pid, scenario, [run_seed(exp.experiment.seed, pid, r) for r in range(2)]


def test_every_q7_design_point_batches_and_matches():
    """experiments/q7_information.yaml: each of its points plays batched, run by run equal."""
    n = 0
    for pid, scenario, seed_list in _q7_points():
        prepared, config = prepare(scenario), run_config(scenario)
        assert not isinstance(plan(prepared, config), Fallback), pid
        ref = [run(prepared, config, s, collect=False) for s in seed_list]
        got, reason = simulate_many(prepared, config, seed_list)
        assert reason is None and got == ref, pid
        n += 1
        release_finished_models()  # Mesa keeps every model that made an agent (worker.py)
    assert n == 36


def _equilibrium(path: str, rounds: int | None = None):
    prepared, config = _seeded(path)
    specs = tuple(StrategySpec(kind="equilibrium") for _ in config.strategies)
    return prepared, RunConfig(config.protocol, specs, config.dynamics)


EQUILIBRIUM = ["scenarios/alaska_summit.yaml", "scenarios/summit_naive_beliefs.yaml",
               *sorted(p for p in glob.glob("scenarios/validation/*.yaml") if "five" not in p)]


@pytest.mark.parametrize("path", EQUILIBRIUM)
def test_equilibrium_tables_batch_and_match(path):
    """Every seat plays the solver's game: batched, equal to the per-run engine."""
    prepared, config = _equilibrium(path)
    assert not isinstance(plan(prepared, config), Fallback)
    assert _check(prepared, config, list(range(10)), note=False) is None
    assert _check(prepared, config, [4, 2], rounds=3, note=False) is None


TINY = Path(__file__).parent / "data" / "sweep" / "tiny.yaml"


def _tiny_summit(prior: dict | None, strategies: dict, reservation: float = 0.6,
                 coefficient: float = 0.6, noise: float = 0.25, attempts: int | None = 3,
                 deadline: int = 12, walk: dict | None = None) -> dict:
    """tests/data/sweep/tiny.yaml as a summit of a and b ratified by c, on a noisy war."""
    d = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    params: dict = {"negotiators": ["a", "b"], "ratifiers": ["c"], "renegotiate": True}
    if attempts is not None:
        params["max_attempts"] = attempts
    if prior is not None:
        params["beliefs"] = prior
    d["protocol"] = {"kind": "summit_ratification", "deadline": deadline,
                     "walk_away": False, "params": params, **(walk or {})}
    d["dynamics"]["state"]["front"]["noise"] = noise
    d["dynamics"]["reservation"]["c"] = {"coefficients": {"front": coefficient}}
    d["actors"]["c"]["reservation"]["value"] = reservation
    for a, spec in strategies.items():
        d["actors"][a]["strategy"] = spec
    return d


@settings(max_examples=budget(50), deadline=None)
@given(data=st.data())
def test_votes_on_a_moving_war_batched_equal_per_run(data):
    """A ratifier whose reservation value moves with a noisy war: many rejected deals,
    renegotiated under every prior, with look-ahead, equilibrium and other seats, and
    negotiators who may walk out (never in the round of a rejected deal)."""
    look = st.sampled_from([
        {"kind": "ratification_aware", "params": {"preset": "conceder"}},
        {"kind": "ratification_aware", "params": {"preset": "boulware", "explore": 0.5}},
        {"kind": "ratification_aware", "params": {"window": 2}},
        {"kind": "equilibrium"}, {"kind": "conceder"}, {"kind": "reservation_aware"},
        {"kind": "hardliner"}])
    prior = data.draw(st.sampled_from([
        None, {"prior": "naive"}, {"prior": "accurate"},
        {"prior": "accurate", "spread": 0.3, "points": 7},
        {"prior": "custom", "custom": {"a": {"c": {"reservation": [0.1, 0.6, 0.9],
                                                    "weights": [1.0, 2.0, 1.0]}},
                                       "b": {"c": {"reservation": [0.0]}}}}]))
    ratifier = st.sampled_from([{"kind": "reservation_aware"}, {"kind": "hardliner"},
                                {"kind": "conceder"}, {"kind": "boulware"},
                                {"kind": "ratification_aware"}, {"kind": "equilibrium"}])
    d = _tiny_summit(prior, {"a": data.draw(look), "b": data.draw(look),
                             "c": data.draw(ratifier)},
                     reservation=data.draw(st.sampled_from([0.3, 0.5, 0.6, 0.7, 0.8])),
                     coefficient=data.draw(st.sampled_from([0.0, 0.6, 1.2, -0.8])),
                     attempts=data.draw(st.sampled_from([None, 1, 2, 3, 5])),
                     deadline=data.draw(st.integers(2, 16)),
                     walk=data.draw(st.sampled_from([None, {"walk_away": True,
                                                            "walk_away_after": 0.0},
                                                     {"walk_away": True,
                                                      "walk_rule": "expected"}])))
    prepared, config = _setup(d)
    seed_list = data.draw(st.lists(seeds(), min_size=2, max_size=8, unique=True))
    assert _check(prepared, config, seed_list) is None
    _events(simulate_many(prepared, config, seed_list, check=False)[0])


def test_batch_size_does_not_change_a_run():
    """Seeds played in one batch equal the same seeds played one per batch."""
    d = _tiny_summit({"prior": "naive"},
                     {"a": {"kind": "ratification_aware", "params": {"preset": "conceder"}},
                      "b": {"kind": "ratification_aware", "params": {"preset": "boulware"}}})
    prepared, config = _setup(d)
    batch = plan(prepared, config)
    assert not isinstance(batch, Fallback)
    seed_list = list(range(40))
    together = run_batch(batch, seed_list)
    assert together == [run_batch(batch, [s])[0] for s in seed_list]
    assert together == [run(prepared, config, s, collect=False) for s in seed_list]
    assert len({(r.row, r.round, r.attempts) for r in together}) > 1  # the runs differ
    assert any(r.attempts > 1 for r in together)  # some renegotiated


def test_votes_share_one_posterior_per_vote_history():
    """Runs with the same votes share a node; its posterior is `TableBeliefs.observe`'s."""
    prepared, config = _seeded("scenarios/summit_accurate_beliefs.yaml")
    proto = SummitRatification(prepared, config.protocol)
    prior = proto.initial().beliefs
    votes = Votes(prior, 4)
    votes.observe(np.array([0, 1, 2]), np.array([5, 5, 7]), np.array([1, 1, 1]))
    assert votes.at.tolist() == [1, 1, 2, 0] and len(votes.states) == 3
    votes.observe(np.array([0]), np.array([9]), np.array([2]))
    want = prior.observe(5, [True, False]).observe(9, [False, True])
    got = votes.states[int(votes.at[0])]
    for a, b in zip(got.ratification, want.ratification, strict=True):
        assert np.array_equal(a, b)
    (pos, node, p), = votes.groups(np.array([1]), proto.seats[0])
    assert node == 1 and p is votes.states[1].of(proto.seats[0])
    assert votes.groups(np.array([3]), proto.ratifiers[0])[0][2] is None


def test_the_kernels_ranking_is_the_strategys_at_every_reservation_value():
    """Expected-utility rankings per belief and reservation value, ties at ``u == d`` too
    (the packages worth exactly the reservation value stay in)."""
    from sim.engine.observation import Observation
    from sim.engine.strategies.ratification_aware import RatificationAware, _positive, _rank

    prepared, config = _seeded("scenarios/summit_accurate_beliefs.yaml")
    proto = SummitRatification(prepared, config.protocol)
    prior = proto.initial().beliefs
    after = prior.observe(int(np.flatnonzero(prior.ratification[0] > 0.3)[0]), [False, True])
    view = prepared.view(("package",))
    checked = 0
    for beliefs, a in [(b, a) for b in (prior, after) for a in proto.seats]:
        u, order, su, asc, acc, values, weights = view.parts[a]
        p = beliefs.of(a)
        positive = _positive(p, order, u)
        kept = positive[2]  # own utilities of the packages with p > 0, descending
        if kept.size < 4:
            continue
        for d in [0.0, float(kept[kept.size // 3]), float(kept[-1]), float(kept[0]),
                  float(su[-1]), 0.4242]:
            checked += 1
            obs = Observation(0, 10, 0.0, a, prepared.problem.n_actors, prepared.packages,
                              u, order, su, acc, d, (), None, values, weights,
                              ascending_utilities=asc, ratification=p)
            strategy = RatificationAware(None, np.random.default_rng(0))
            assert strategy._ranked(obs)
            rows, eu, asc_eu = _rank(positive, d)
            assert np.array_equal(rows, strategy._rows) and np.array_equal(eu, strategy._eu)
            assert np.array_equal(asc_eu, strategy._asc)
    assert checked >= 6
