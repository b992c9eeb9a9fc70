"""Issue 12 items 4 and 5: the ceasefire-first format and the durability model.

Stage 1 settles the ceasefire on its own clock, valued by the settlement each option leads
to; an agreed ceasefire changes the war during stage 2 as the scenario declares; a
ceasefire without a settlement is its own outcome (``ceasefire_only``). Durability is a
declared proportional-hazards-times-credibility model computed over all packages at once.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.api import model, prepare, simulate
from sim.core.durability import DurabilityModel, durability
from sim.core.space import enumerate_packages
from sim.scenario import ScenarioError, load_scenario, validate_data

ROOT = Path(__file__).resolve().parent.parent
T = {"assumption": "test"}
AGENDA = {
    "ceasefire": {"options": {"immediate": "Immediate", "in_package": "In a package"}},
    "land": {"options": {"returned": "Returned", "frozen": "Frozen", "ceded": "Ceded"}},
    "guarantees": {"options": {"none": "None", "weapons": "Weapons",
                               "troops": "Peacekeepers"}},
}


def actor(weights, values, reservation=0.05, red_lines=()):
    out = {
        "weights": {i: {"value": w, "source": T} for i, w in zip(AGENDA, weights, strict=True)},
        "values": {i: {"value": dict(zip(AGENDA[i]["options"], v, strict=True)), "source": T}
                   for i, v in zip(AGENDA, values, strict=True)},
        "reservation": {"value": reservation, "source": T},
        "patience": {"value": 0.95, "source": T},
        "strategy": {"kind": "linear"},
    }
    if red_lines:
        out["red_lines"] = [dict(r, source=T) for r in red_lines]
    return out


DYNAMICS = {
    "state": {"front": {"initial": 0.5, "drift": -0.01, "noise": 0.002},
              "tariff": {"initial": 0.0}},
    "events": [{"round": 6, "label": "tariffs", "set": {"tariff": 1.0}}],
    "reservation": {"b": {"coefficients": {"front": -0.5, "tariff": -0.1}}},
    "ceasefire_effect": {"options": ["immediate"], "drift": {"front": 0.0},
                         "noise": {"front": 0.0}, "skip_events": ["tariffs"]},
}
DURABILITY = {
    "horizon": {"value": 4, "source": T},
    "base_hazard": {"value": 0.25, "source": T},
    "ceasefire_only_hazard_ratio": {"value": 2.0, "source": T},
    "drivers": {"guarantees": {"hazard_ratio": {"none": 1.0, "weapons": 0.7, "troops": 0.45},
                               "source": T}},
}


def scenario(b_ceasefire=(0.8, 0.6), a_red=(), b_red=(), dynamics=True, **protocol):
    data = {
        "name": "cf",
        "issues": copy.deepcopy(AGENDA),
        "actors": {
            "a": actor([1, 1, 1], ([1.0, 0.5], [1.0, 0.5, 0.0], [0.0, 0.5, 1.0]),
                       red_lines=a_red),
            "b": actor([1, 1, 1], (list(b_ceasefire), [0.0, 0.5, 1.0], [1.0, 0.5, 0.0]),
                       red_lines=b_red),
        },
        "protocol": {"kind": "alternating_offers", "deadline": 6, "stage1_deadline": 4,
                     "walk_away": False, "sequencing": "ceasefire_first",
                     "params": {"order": ["a", "b"]}, **protocol},
        "durability": copy.deepcopy(DURABILITY),
    }
    if dynamics:
        data["dynamics"] = copy.deepcopy(DYNAMICS)
    return validate_data(data, "test")


# --------------------------------------------------------------------------- stage 1
def test_stage_one_values_an_option_by_the_settlement_it_leads_to():
    prepared = prepare(scenario())
    view = prepared.view(("ceasefire", 0))
    anchors = prepared.anchors(0)
    rows = np.flatnonzero(view.candidate)
    assert sorted(rows.tolist()) == sorted(anchors.tolist())
    for a in range(2):  # the option's value is the anchor package's utility, not v_a(o)
        np.testing.assert_array_equal(view.utilities[a][anchors], prepared.U[anchors, a])


def test_stage_one_produces_an_immediate_ceasefire_when_the_parties_prefer_it():
    sc = scenario(b_ceasefire=(0.8, 0.6))  # both rank immediate first
    prepared = prepare(sc)
    imm, pkg = prepared.anchors(0)
    assert np.all(prepared.U[imm] > prepared.U[pkg])
    res = simulate(sc, 0)
    assert res.ceasefire == "immediate"
    assert res.to_json()["stage1_ceasefire"] == "immediate"


def test_stage_one_settles_in_package_when_the_veto_party_needs_it():
    # b loses a lot with an immediate ceasefire: its anchor is worth less than b's no deal
    sc = scenario(b_ceasefire=(0.0, 1.0))
    data = sc.model_dump(mode="json", exclude_none=True)
    data["actors"]["b"]["weights"]["ceasefire"]["value"] = 6.0
    data["actors"]["b"]["reservation"]["value"] = 0.5
    sc = validate_data(data, "test")
    prepared = prepare(sc)
    imm, pkg = prepared.anchors(0)
    assert prepared.U[imm, 1] < 0.5 < prepared.U[pkg, 1]
    res = simulate(sc, 0)
    assert res.ceasefire == "in_package" and not res.ceasefire_only


def test_stage_one_has_its_own_clock_and_expires_into_the_package():
    # a never signs a ceasefire inside a package, b never an immediate one
    sc = scenario(a_red=[{"name": "now", "kind": "never", "issue": "ceasefire",
                          "option": "in_package"}],
                  b_red=[{"name": "later", "kind": "never", "issue": "ceasefire",
                          "option": "immediate"}])
    res = simulate(sc, 0)
    stages = list(res.trace["stage"])
    assert stages[:4] == ["ceasefire"] * 4  # stage 1: stage1_deadline rounds
    assert set(stages[4:]) <= {"package"} and res.ceasefire is None
    assert res.deadline == 4 + 6 and res.rounds == 10 and res.reason == "deadline"


# --------------------------------------------------------------------------- stage 2
def test_an_agreed_ceasefire_changes_the_war_during_stage_two():
    with_effect = model(scenario(), 3)
    with_effect.run_model()
    k = with_effect.ceasefire_from
    assert k is not None and 1 <= k < 6  # the ceasefire holds before the tariff event
    sc = scenario()
    no_effect = sc.dynamics.model_copy(update={"ceasefire_effect": None})
    without = model(sc.model_copy(update={"dynamics": no_effect}), 3)
    without.run_model()
    assert without.ceasefire_from is None
    war, base = with_effect.war, without.war
    front, tariff = 0, 1
    np.testing.assert_array_equal(war[:k], base[:k])  # same draws until the ceasefire
    assert np.all(war[k:, front] == war[k - 1, front])  # the front stops
    assert np.all(base[k:, front] < base[k - 1, front])  # without it, it moves on
    assert np.all(war[:, tariff] == 0.0) and base[-1, tariff] == 1.0  # tariffs called off
    r_with = np.asarray(with_effect.reservations)[:, 1]
    r_base = np.asarray(without.reservations)[:, 1]
    assert not np.allclose(r_with[k:], r_base[k:])  # b's no-deal value follows the war


def test_a_ceasefire_without_a_settlement_is_recorded_as_ceasefire_only():
    # a wants all land back, b keeps at least the line: no stage-2 deal exists
    sc = scenario(a_red=[{"name": "all", "kind": "at_most", "issue": "land",
                          "option": "returned"}],
                  b_red=[{"name": "keep", "kind": "at_least", "issue": "land",
                          "option": "frozen"}])
    res = simulate(sc, 0)
    assert res.ceasefire == "immediate" and not res.agreement
    assert res.ceasefire_only and res.outcome == "ceasefire_only"
    doc = res.to_json()
    assert doc["ceasefire_only"] is True and doc["outcome"] == "ceasefire_only"
    assert doc["durability"] == pytest.approx(math.exp(-4 * 0.25 * 2.0), abs=1e-6)
    assert res.reason == "deadline"  # reason keeps its meaning


def test_an_agreement_reports_the_durability_of_its_package():
    res = simulate(scenario(), 0)
    assert res.agreement and res.durability is not None
    prepared = prepare(scenario())
    expected = prepared.problem.durability.of(prepared.packages)[res.row]
    assert res.durability == pytest.approx(float(expected))


# --------------------------------------------------------------------------- durability
@st.composite
def models(draw):
    radix = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    hr = tuple(tuple(draw(st.floats(0.05, 5.0)) for _ in range(r)) for r in radix)
    cr = tuple(tuple(draw(st.floats(0.01, 1.0)) for _ in range(r)) for r in radix)
    m = DurabilityModel(horizon=draw(st.floats(0.1, 10.0)),
                        base_hazard=draw(st.one_of(st.just(0.0), st.floats(0.01, 2.0))),
                        hazard_ratios=hr,
                        credibility=cr)
    return m, np.asarray(radix)


def _one(m: DurabilityModel, package) -> float:
    """The formula of `sim.core.durability`, one package at a time."""
    c = math.prod(m.credibility[i][o] for i, o in enumerate(package))
    hr = math.prod(m.hazard_ratios[i][o] for i, o in enumerate(package))
    return c * math.exp(-m.horizon * m.base_hazard * hr)


@settings(max_examples=60, deadline=None)
@given(models())
def test_durability_is_a_probability_and_vectorised_equals_per_package(mr):
    m, radix = mr
    packages = enumerate_packages(radix)
    d = durability(m, packages)
    assert d.shape == (packages.shape[0],)
    assert np.all((d >= 0.0) & (d <= 1.0))
    np.testing.assert_allclose(d, [_one(m, p) for p in packages], rtol=1e-12, atol=1e-300)


@settings(max_examples=60, deadline=None)
@given(models(), st.data())
def test_durability_is_monotone_in_every_driver(mr, data):
    m, radix = mr
    packages = enumerate_packages(radix)
    i = data.draw(st.integers(0, len(radix) - 1))
    o = data.draw(st.integers(0, int(radix[i]) - 1))
    has = packages[:, i] == o
    d = durability(m, packages)

    def bumped(table, factor, cap=None):
        row = list(table[i])
        row[o] = row[o] * factor if cap is None else min(cap, row[o] * factor)
        return tuple(tuple(row) if j == i else t for j, t in enumerate(table))

    riskier = DurabilityModel(m.horizon, m.base_hazard, bumped(m.hazard_ratios, 1.5),
                              m.credibility)
    d2 = durability(riskier, packages)
    assert np.all(d2[has] <= d[has]) and np.array_equal(d2[~has], d[~has])
    if m.base_hazard > 0:
        assert np.all((d2[has] < d[has]) | (d[has] < 1e-300))  # strictly, unless underflow
    credible = DurabilityModel(m.horizon, m.base_hazard, m.hazard_ratios,
                               bumped(m.credibility, 1.5, cap=1.0))
    d3 = durability(credible, packages)
    assert np.all(d3[has] >= d[has]) and np.array_equal(d3[~has], d[~has])


def test_the_shipped_guarantees_and_commitments_move_durability_as_declared():
    prepared = prepare(load_scenario(ROOT / "scenarios" / "alaska_summit.yaml"))
    p = prepared.problem
    d = p.durability.of(prepared.packages)
    col = prepared.packages[:, p.issues.index("security_guarantees")]
    nato = prepared.packages[:, p.issues.index("nato_expansion")]
    opts = p.options[p.issues.index("security_guarantees")]
    n_opts = p.options[p.issues.index("nato_expansion")]
    base = (nato == n_opts.index("no_commitment"))
    means = [d[(col == opts.index(o)) & base].mean()
             for o in ("none", "us_weapons", "peacekeepers_and_weapons")]
    assert means[0] < means[1] < means[2]  # more guarantees, more durable
    halts = [d[nato == n_opts.index(o)].mean()
             for o in ("no_commitment", "binding_halt", "political_pledge")]
    assert halts[0] > halts[1] > halts[2]  # a commitment that may not hold lowers it


def test_the_nato_halt_is_no_longer_a_us_red_line_but_stays_a_variant():
    base = prepare(load_scenario(ROOT / "scenarios" / "alaska_summit.yaml"))
    variant = prepare(load_scenario(ROOT / "scenarios" / "us_nato_red_line.yaml"))
    p = base.problem
    us = p.actors.index("united_states")
    halt = base.packages[:, p.issues.index("nato_expansion")] == \
        p.options[p.issues.index("nato_expansion")].index("binding_halt")
    assert base.red_ok[halt, us].all()
    assert not variant.red_ok[halt, us].any()


def test_a_driver_naming_an_unknown_option_is_a_located_error():
    data = scenario().model_dump(mode="json", exclude_none=True)
    data["durability"]["drivers"]["guarantees"]["hazard_ratio"]["tanks"] = 0.5
    with pytest.raises(ScenarioError) as err:
        validate_data(data, "test.yaml")
    assert "durability.drivers.guarantees.hazard_ratio.tanks" in str(err.value)
    assert "unknown option 'tanks'" in str(err.value)


# --------------------------------------------------------------------------- sweeps
def test_a_sweep_records_ceasefire_only_and_reachable_ranks_by_durable_value(tmp_path):
    import json

    import pandas as pd
    import yaml

    from sim.experiment.reachable import reachable
    from sim.experiment.runner import SweepOptions, sweep

    base = scenario().model_dump(mode="json", exclude_none=True)
    (tmp_path / "cf.yaml").write_text(yaml.safe_dump(base, sort_keys=False))
    never = {"a": [{"name": "all", "kind": "at_most", "issue": "land", "option": "returned",
                    "source": T}],
             "b": [{"name": "keep", "kind": "at_least", "issue": "land", "option": "frozen",
                    "source": T}]}
    stuck = copy.deepcopy(base)
    for who, rls in never.items():
        stuck["actors"][who]["red_lines"] = rls
    (tmp_path / "stuck.yaml").write_text(yaml.safe_dump(stuck, sort_keys=False))
    (tmp_path / "exp.yaml").write_text(yaml.safe_dump({
        "name": "cf", "scenario": "cf.yaml", "replicates": 3, "seed": 5,
        "parameters": [{"path": "scenario", "values": ["cf.yaml", "stuck.yaml"]}],
        "design": {"kind": "grid"}}))
    out = tmp_path / "out"
    sweep(tmp_path / "exp.yaml", SweepOptions(out=out, workers=1, progress="quiet"))
    runs = pd.read_parquet(out / "runs")
    assert {"stage1_ceasefire", "ceasefire_only", "outcome", "durability"} <= set(runs)
    stuck_runs = runs[runs["param.scenario"].str.endswith("stuck.yaml")]
    assert stuck_runs["ceasefire_only"].all() and (stuck_runs["outcome"] == "ceasefire_only").all()
    assert (stuck_runs["stage1_ceasefire"] == "immediate").all()
    assert stuck_runs["durability"].to_numpy() == pytest.approx(math.exp(-2.0))
    doc = reachable(out)
    assert doc["ceasefire_only_rate"] == pytest.approx(runs["ceasefire_only"].mean())
    assert sum(doc["outcome_shares"].values()) == pytest.approx(1.0)
    (cf,) = doc["ceasefire_only"]
    assert cf["stage1_ceasefire"] == "immediate" and cf["count"] == len(stuck_runs)
    for e in doc["reached"]:  # durability of the package and utility x durability per actor
        rows = runs[runs["agreement"] & (runs["pkg.land"] == e["package"]["land"]) &
                    (runs["pkg.guarantees"] == e["package"]["guarantees"]) &
                    (runs["pkg.ceasefire"] == e["package"]["ceasefire"])]
        assert e["durability"] == pytest.approx(rows["durability"].mean(), abs=1e-6)
        assert e["expected_durable_value"]["a"] == pytest.approx(
            rows["u.a"].mean() * rows["durability"].mean(), abs=1e-6)
    joint = [r["expected_durable_value"]["joint"] for r in doc["ranked_by_durable_value"]]
    assert joint == sorted(joint, reverse=True)
    assert {r["outcome"] for r in doc["ranked_by_durable_value"]} == {"agreement",
                                                                       "ceasefire_only"}
    json.dumps(doc)  # JSON-ready
