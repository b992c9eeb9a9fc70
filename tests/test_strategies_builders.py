"""The hypothesis builders of `tests/strategies.py` are themselves tested.

They must build *valid* domain objects (every scenario passes `validate_data`, every
runnable scenario builds a model), reach every kind of red line, protocol and strategy in
the registries, and shrink to small examples.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from strategies import (
    RED_LINE_KINDS,
    agendas,
    budget,
    dynamics_specs,
    n_packages,
    package_space,
    permute_scenario,
    protocol_names,
    scenarios,
    seeds,
    strategy_names,
    strategy_specs,
)

from sim.scenario import Scenario, validate_data

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
#: Coverage checks look for one example and need no shrinking (shrinking a whole scenario
#: costs minutes): generation only.
FIND = settings(
    max_examples=2000,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
    deadline=None,
)
#: The first example Hypothesis generates is its simplest one (what shrinking aims at).
FIRST = settings(FIND, max_examples=1)


def _red_line_kinds(data: dict) -> set[str]:
    kinds = {rl["kind"] for a in data["actors"].values() for rl in a.get("red_lines", [])}
    return kinds | {c["kind"] for c in data.get("constraints", [])}


# --------------------------------------------------------------------------- validity
@settings(max_examples=budget(40))
@given(data=scenarios())
def test_every_generated_scenario_validates(data):
    """Builders: every scenario (1-8 issues, 2-4 options, 2-6 actors) passes validate_data."""
    scenario = validate_data(data)
    assert isinstance(scenario, Scenario)
    assert 1 <= len(scenario.issues) <= 8
    assert all(2 <= len(i.options) <= 4 for i in scenario.issues.values())
    assert 2 <= len(scenario.actors) <= 6


@settings(max_examples=budget(25))
@given(data=scenarios(protocol=True, dynamics=True, strategies=True, max_packages=64))
def test_generated_run_settings_build_a_model(data):
    """Builders: protocol, strategy and dynamics settings are runnable, not only valid."""
    from sim.api import model as NegotiationModel

    model = NegotiationModel(validate_data(data), seed=0, collect=False)
    model.step()
    protocol = data["protocol"]
    stage1 = (protocol.get("stage1_deadline", 10)
              if protocol.get("sequencing") == "ceasefire_first" else 0)
    assert model.deadline == protocol["deadline"] + stage1  # stage 2 has its own clock


@settings(max_examples=budget(40))
@given(agenda=agendas())
def test_agendas_have_snake_case_ids_and_bounded_sizes(agenda):
    """Builders: agendas hold 1-8 issues of 2-4 distinct snake_case options."""
    assert 1 <= len(agenda) <= 8
    for iid, issue in agenda.items():
        assert SNAKE.match(iid)
        opts = list(issue["options"])
        assert 2 <= len(opts) <= 4
        assert all(SNAKE.match(o) for o in opts)
        assert issue.get("baseline", opts[0]) in opts


@settings(max_examples=budget(40))
@given(agenda=agendas(max_packages=50))
def test_max_packages_bounds_the_package_space(agenda):
    """Builders: ``max_packages`` caps the product of option counts (beyond one issue)."""
    size = n_packages({"issues": agenda})
    assert size <= 50 or len(agenda) == 1


@settings(max_examples=budget(25))
@given(data=st.data())
def test_dynamics_state_bounds_are_consistent(data):
    """Builders: state variables start inside their bounds; events and rules name them."""
    spec = data.draw(dynamics_specs(["a", "b", "c"]))
    for var in spec["state"].values():
        assert var.get("min", -float("inf")) <= var["initial"] <= var.get("max", float("inf"))
    names = set(spec["state"])
    for ev in spec.get("events", []):
        assert set(ev.get("set", {})) | set(ev.get("add", {})) <= names
    for actor, rule in spec.get("reservation", {}).items():
        assert actor in {"a", "b", "c"} and set(rule["coefficients"]) <= names


@settings(max_examples=budget(25))
@given(spec=strategy_specs())
def test_strategy_specs_build(spec):
    """Builders: every drawn strategy spec builds through the registry."""
    import numpy as np

    from sim.engine.strategies import build
    from sim.scenario.specs import StrategySpec

    strategy = build(StrategySpec.model_validate(spec), np.random.default_rng(0))
    assert strategy.name == spec["kind"]


# --------------------------------------------------------------------------- coverage
@pytest.mark.parametrize("kind", RED_LINE_KINDS)
def test_every_red_line_kind_is_generated(kind):
    """Builders: each red-line kind (never/at_least/at_most/not_both/if_then) occurs."""
    found = find(scenarios(max_issues=3), lambda d: kind in _red_line_kinds(d), settings=FIND)
    validate_data(found)


@pytest.mark.parametrize("kind", protocol_names())
def test_every_registered_protocol_is_generated(kind):
    """Builders: every protocol of the registry is drawn (a new one is covered automatically)."""
    found = find(
        scenarios(max_issues=2, protocol=True),
        lambda d: d["protocol"]["kind"] == kind,
        settings=FIND,
    )
    validate_data(found)


@pytest.mark.parametrize("kind", strategy_names())
def test_every_registered_strategy_is_generated(kind):
    """Builders: every negotiating strategy of the registry is drawn, with parameters."""
    found = find(strategy_specs(), lambda s: s["kind"] == kind, settings=FIND)
    assert found["kind"] == kind


@pytest.mark.parametrize(
    "feature",
    ["interactions", "mean_of_adopted", "not_participating", "ceasefire_first",
     "veto_list", "integer_quota", "events", "reservation_rules", "default_strategy"],
)
def test_every_schema_feature_is_generated(feature):
    """Builders: each optional feature of the scenario format is reachable."""
    def has(d: dict) -> bool:
        actors = d["actors"].values()
        p = d.get("protocol") or {}
        acc = p.get("acceptance") or {}
        dyn = d.get("dynamics") or {}
        return {
            "interactions": any(a.get("interactions") for a in actors),
            "mean_of_adopted": any(a.get("aggregation") == "mean_of_adopted" for a in actors),
            "not_participating": any(a.get("participates") is False for a in actors),
            "ceasefire_first": p.get("sequencing") == "ceasefire_first",
            "veto_list": isinstance(acc.get("veto"), list) and bool(acc.get("veto")),
            "integer_quota": isinstance(acc.get("quota"), int) and acc["quota"] > 0,
            "events": bool(dyn.get("events")),
            "reservation_rules": bool(dyn.get("reservation")),
            "default_strategy": "default_strategy" in d,
        }[feature]

    builder = scenarios(
        max_issues=2, max_actors=4, protocol=True, dynamics=True,
        protocol_kinds=("alternating_offers",) if feature == "integer_quota" else None,
    )
    validate_data(find(builder, has, settings=FIND))


# --------------------------------------------------------------------------- shrinking
def test_scenarios_simplest_example_is_minimal():
    """Builders are shrink-friendly: the simplest scenario has 1 issue, 2 options, 2 actors."""
    smallest = find(scenarios(), lambda d: True, settings=FIRST)
    assert len(smallest["issues"]) == 1
    assert len(next(iter(smallest["issues"].values()))["options"]) == 2
    assert len(smallest["actors"]) == 2
    assert all("red_lines" not in a for a in smallest["actors"].values())
    assert "protocol" not in smallest and "dynamics" not in smallest


def test_a_failing_property_shrinks_to_few_actors():
    """Builders are shrink-friendly: a property needing 3 actors shrinks to 3 bare actors."""
    shrink = settings(FIND, max_examples=200, phases=[Phase.generate, Phase.shrink])
    found = find(
        scenarios(max_issues=2, max_options=2, max_actors=4, max_red_lines=1,
                  max_interactions=0, max_constraints=0, protocol=False, dynamics=False,
                  strategies=False),
        lambda d: len(d["actors"]) >= 3,
        settings=shrink,
    )
    assert len(found["actors"]) == 3 and len(found["issues"]) == 1
    assert all("red_lines" not in a for a in found["actors"].values())


@settings(max_examples=budget(25))
@given(seed=seeds())
def test_seeds_seed_numpy(seed):
    """Builders: seeds are non-negative integers accepted by numpy.random.default_rng."""
    import numpy as np

    assert seed >= 0
    np.random.default_rng(seed)


# --------------------------------------------------------------------------- helpers
@settings(max_examples=budget(25))
@given(data=st.data())
def test_permute_scenario_keeps_the_scenario_valid_and_reorders_only(data):
    """Helpers: permute_scenario reorders the actor and issue mappings and nothing else."""
    base = data.draw(scenarios(max_issues=4, max_actors=4))
    actors = data.draw(st.permutations(list(base["actors"])))
    issues = data.draw(st.permutations(list(base["issues"])))
    out = permute_scenario(base, actors, issues)
    assert list(out["actors"]) == actors and list(out["issues"]) == issues
    assert out == base  # dict equality ignores order: nothing else changed
    validate_data(out)


@settings(max_examples=budget(25))
@given(data=scenarios(max_issues=3))
def test_package_space_enumerates_every_combination(data):
    """Helpers: package_space lists each combination of options once."""
    space = package_space(data)
    assert len(space) == n_packages(data)
    assert len({tuple(p.items()) for p in space}) == len(space)
