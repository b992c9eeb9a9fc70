"""The batched engine on staged talks, audience costs and the expected walk rule (issue 15).

``ceasefire_first`` (stage 1 on its own clock, stage 2 on the views it opens, the
ceasefire changing the war), ``dynamics.audience_costs`` and ``walk_rule: expected``: for
random valid scenarios and seeds the batched results equal the per-run engine's, field by
field, whatever the batch size and the order of the seeds (`_check` in
tests/test_batch_equivalence.py), and these settings no longer fall back.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import budget, scenarios, seeds
from test_batch_equivalence import KERNEL_PROTOCOLS, KERNEL_STRATEGIES, _check

from sim.api import load, prepare
from sim.engine.api import run
from sim.engine.batch import Fallback, plan, run_batch
from sim.scenario import compile_problem, run_config, validate_data

#: Why the batch engine may still refuse one of these examples: a walk-out that does not
#: end the talks under ceasefire_first or in a mediated single text (package sequencing
#: shrinks the table: tests/test_batch_tables.py), and the mediated single text under
#: ceasefire_first or walk_rule expected, which have no kernel (yet)
ALLOWED = ("may walk out", "in a mediated single text")


def _factor() -> st.SearchStrategy[float]:
    return st.sampled_from([0.0, 0.5, 1.0, 2.0]) | st.floats(0.0, 3.0)


@st.composite
def staged(draw, sequencing: str | None = None) -> dict:
    """A kernel scenario with the settings of this file drawn on top."""
    data = draw(scenarios(protocol=True, protocol_kinds=KERNEL_PROTOCOLS, strategies=True,
                          strategy_kinds=KERNEL_STRATEGIES, max_packages=48, max_actors=4,
                          max_deadline=10))
    proto = data["protocol"]
    issues = list(data["issues"])
    if (sequencing or draw(st.sampled_from(["package", "ceasefire_first"]))) == "package":
        proto.pop("ceasefire_issue", None)
        proto["sequencing"] = "package"
    else:
        proto["sequencing"] = "ceasefire_first"
        proto.setdefault("ceasefire_issue", draw(st.sampled_from(issues)))
        proto["stage1_deadline"] = draw(st.integers(1, 6))
    proto["walk_rule"] = draw(st.sampled_from(["seen", "expected"]))
    actors = list(data["actors"])
    if draw(st.booleans()):
        dyn = data.setdefault("dynamics", {"state": {"x": {"initial": 0.0, "drift": 0.01}}})
        costs = st.fixed_dictionaries({}, optional={
            "shift": st.sampled_from([0.0, 0.1, -0.2]) | st.floats(-1, 1),
            "per_round": st.sampled_from([0.0, 0.02, -0.05]) | st.floats(-0.2, 0.2)})
        dyn["audience_costs"] = {a: draw(costs) for a in
                                 draw(st.lists(st.sampled_from(actors), min_size=1,
                                               unique=True))}
    dyn = data.get("dynamics")
    if dyn is not None and proto["sequencing"] == "ceasefire_first" and draw(st.booleans()):
        options = list(data["issues"][proto["ceasefire_issue"]]["options"])
        names = list(dyn["state"])
        for k, ev in enumerate(dyn.get("events", [])):
            ev["label"] = f"event {k}"
        labels = [ev["label"] for ev in dyn.get("events", [])]
        dyn["ceasefire_effect"] = {
            "options": draw(st.lists(st.sampled_from(options), min_size=1, unique=True)),
            "drift": {v: draw(_factor()) for v in draw(st.lists(st.sampled_from(names),
                                                               unique=True))},
            "noise": {v: draw(_factor()) for v in draw(st.lists(st.sampled_from(names),
                                                               unique=True))},
            "skip_events": draw(st.lists(st.sampled_from(labels), unique=True))
            if labels else [],
        }
    return data


def _setup(data: dict):
    scenario = validate_data(data)
    return prepare(compile_problem(scenario)), run_config(scenario)


@settings(max_examples=budget(40), deadline=None)
@given(data=st.data())
def test_ceasefire_first_batched_equals_per_run(data):
    """Both stages, their clocks, views and the ceasefire's war: the per-run results."""
    prepared, config = _setup(data.draw(staged("ceasefire_first")))
    seed_list = data.draw(st.lists(seeds(), min_size=1, max_size=6, unique=True))
    rounds = data.draw(st.one_of(st.none(), st.integers(1, 12)))
    reason = _check(prepared, config, seed_list, rounds)
    assert reason is None or any(r in reason for r in ALLOWED), reason


@settings(max_examples=budget(25), deadline=None)
@given(data=st.data())
def test_audience_costs_and_expected_walks_batched_equal_per_run(data):
    """Audience costs and ``walk_rule: expected``, under either sequencing."""
    prepared, config = _setup(data.draw(staged()))
    seed_list = data.draw(st.lists(seeds(), min_size=1, max_size=6, unique=True))
    reason = _check(prepared, config, seed_list)
    assert reason is None or any(r in reason for r in ALLOWED), reason


def test_shipped_ceasefire_first_batches_and_matches():
    """scenarios/ceasefire_first.yaml (Q5) plays batched, equal to the per-run engine."""
    scenario = load("scenarios/ceasefire_first.yaml")
    prepared, config = prepare(scenario), run_config(scenario)
    assert not isinstance(plan(prepared, config), Fallback)
    assert _check(prepared, config, list(range(40)), note=False) is None
    assert _check(prepared, config, [5, 2], rounds=3, note=False) is None


def test_the_summit_ceasefire_first_settles_stage_one_without_ratifiers():
    """Q5's other cell: the Alaska summit under ceasefire_first, ceasefires in force."""
    scenario = load("scenarios/alaska_summit.yaml")
    prepared, config = prepare(scenario), run_config(scenario)
    from sim.engine.settings import RunConfig

    proto = config.protocol.model_copy(update={"sequencing": "ceasefire_first",
                                               "ceasefire_issue": "ceasefire"})
    other = RunConfig(proto, config.strategies, config.dynamics)
    batch = plan(prepared, other)
    assert not isinstance(batch, Fallback)
    got = run_batch(batch, list(range(30)))
    assert got == [run(prepared, other, s, collect=False) for s in range(30)]
    assert any(r.ceasefire is not None for r in got)  # stage 1 settles in some runs


TINY = Path(__file__).parent / "data" / "sweep" / "tiny.yaml"


@settings(max_examples=budget(25), deadline=None)
@given(data=st.data())
def test_walk_outs_on_a_moving_war_batched_equal_per_run(data):
    """A war that moves every walker's reservation value: many walk-outs, by either rule.

    Random scenarios rarely reach the expected rule's estimate (two rounds of acceptable
    offers, then a reservation value above it); this small one does, in either stage.
    """
    d = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    d["protocol"] = {
        "kind": data.draw(st.sampled_from(["random_proposer", "alternating_offers"])),
        "deadline": data.draw(st.integers(2, 30)), "walk_away": True,
        "walk_rule": data.draw(st.sampled_from(["seen", "expected"])),
        "walk_away_after": data.draw(st.sampled_from([0.0, 0.5, 0.8])),
        "sequencing": data.draw(st.sampled_from(["package", "ceasefire_first"])),
        "ceasefire_issue": "ceasefire", "stage1_deadline": data.draw(st.integers(1, 5)),
    }
    coef = st.floats(-2.0, 2.0)
    d["dynamics"]["reservation"] = {a: {"coefficients": {"front": data.draw(coef)}}
                                    for a in "abc"}
    if data.draw(st.booleans()):
        d["dynamics"]["ceasefire_effect"] = {"options": ["immediate"], "drift": {"front": 0.0}}
    kinds = st.sampled_from(KERNEL_STRATEGIES)
    for a in "abc":
        d["actors"][a]["strategy"] = {"kind": data.draw(kinds)}
        d["actors"][a]["patience"] = {"value": data.draw(st.sampled_from([0.9, 0.99, 1.0])),
                                      "source": {"assumption": "t"}}
    prepared, config = _setup(d)
    seed_list = data.draw(st.lists(seeds(), min_size=2, max_size=8, unique=True))
    assert _check(prepared, config, seed_list) is None


def _cf_first(kinds: tuple[str, ...]):
    from sim.engine.settings import RunConfig, StrategySpec

    scenario = load("scenarios/ceasefire_first.yaml")
    prepared, config = prepare(scenario), run_config(scenario)
    specs = tuple(StrategySpec(kind=k) for k in kinds)
    return prepared, RunConfig(config.protocol, specs, config.dynamics)


def test_strategies_start_stage_two_afresh():
    """The model resets every strategy when stage 2 opens: no stage-1 counts carry over.

    Before, a frequency model kept its stage-1 counts whenever stage 2's history was not
    yet shorter than what it had seen, and then skipped that many stage-2 proposals; the
    batch engine's kernels start each stage with empty memories.
    """
    from sim.engine.model import NegotiationModel

    prepared, config = _cf_first(("hardliner", "reservation_aware", "reservation_aware",
                                  "discounting"))
    for seed in range(4):
        model = NegotiationModel(prepared, config, seed, collect=False)
        while model.running and model.state.view[0] == "ceasefire":
            model.step()
        assert model.state.view[0] != "ceasefire"
        for agent in model.negotiators:
            memory = getattr(agent.strategy, "_model", None)
            assert memory is None or memory.n_counted == 0
    batch = plan(prepared, config)
    assert not isinstance(batch, Fallback)
    seeds8 = list(range(8))
    assert run_batch(batch, seeds8) == [run(prepared, config, s, collect=False) for s in seeds8]


def test_a_ceasefire_first_sweep_batches_every_run_bit_identically(tmp_path, monkeypatch):
    """A sweep over sequencing x walk rule: nothing played one by one, 1 or 2 workers."""
    import shutil

    import pyarrow.parquet as pq

    from sim.experiment.runner import SweepOptions, sweep
    from sim.experiment.worker import BATCH_ENV

    shutil.copy(TINY, tmp_path / "tiny.yaml")
    exp = tmp_path / "staged.yaml"
    exp.write_text(
        "name: staged\nquestion: Does ceasefire first batch?\nscenario: tiny.yaml\n"
        "parameters:\n  - path: protocol.sequencing\n    values: [package, ceasefire_first]\n"
        "  - path: protocol.ceasefire_issue\n    values: [ceasefire]\n"
        "  - path: protocol.walk_rule\n    values: [seen, expected]\n"
        "design: {kind: grid}\nreplicates: 10\nseed: 5\n", encoding="utf-8")

    def table(out, **kw):
        summary = sweep(exp, SweepOptions(out=tmp_path / out, progress="quiet", **kw))
        return summary, pq.read_table(tmp_path / out / "runs").sort_by("run_id")

    batched, one = table("b1", workers=1)
    _, two = table("b2", workers=2, chunk_size=3)
    monkeypatch.setenv(BATCH_ENV, "0")
    _, ref = table("ref", workers=1)
    assert batched.per_run == ()
    assert one.equals(ref) and two.equals(ref)
