"""The protocols: registry and validation, the shared rules (acceptance, sequencing,
walking away, deadline), one scripted case per protocol, and contract tests that every
registered protocol runs every shipped scenario and random valid scenarios."""

from __future__ import annotations

import copy
import glob
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import budget, scenarios

from sim.api import prepare, simulate
from sim.engine import protocols
from sim.engine.api import JSON_KEYS
from sim.engine.protocols.records import NEUTRAL, REASONS
from sim.engine.protocols.rules import AcceptanceRule, next_seat
from sim.scenario import ScenarioError, load_scenario, validate_data
from sim.scenario.specs import AcceptanceSpec, ProtocolSpec

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(glob.glob(str(ROOT / "scenarios" / "*.yaml")))
T = {"assumption": "test"}


# --------------------------------------------------------------------------- builders
def actor(weights, values, reservation, strategy, red_lines=(), participates=True):
    """An actor dict over the test agenda (weights and values in agenda order)."""
    issues = list(AGENDA)
    out = {
        "weights": {i: {"value": w, "source": T} for i, w in zip(issues, weights, strict=True)},
        "values": {
            i: {"value": dict(zip(AGENDA[i]["options"], v, strict=True)), "source": T}
            for i, v in zip(issues, values, strict=True)
        },
        "reservation": {"value": reservation, "source": T},
        "patience": {"value": 0.95, "source": T},
        "strategy": strategy,
        "participates": participates,
    }
    if red_lines:
        out["red_lines"] = [dict(r, source=T) for r in red_lines]
    return out


AGENDA = {
    "ceasefire": {"options": {"immediate": "Immediate", "in_package": "In a package",
                              "none": "None"}},
    "land": {"options": {"returned": "Returned", "frozen": "Frozen", "ceded": "Ceded"}},
    "nato": {"options": {"open": "Open", "neutral": "Neutral"}},
}
HARD = {"kind": "hardliner", "params": {"aspiration": 1.0}}
BATNA = {"kind": "reservation_aware"}
# Opposed preferences: a wants immediate/returned/open, b wants none/ceded/neutral.
A_VALUES = ([1.0, 0.5, 0.0], [1.0, 0.5, 0.0], [1.0, 0.0])
B_VALUES = ([0.0, 0.5, 1.0], [0.0, 0.5, 1.0], [0.0, 1.0])
C_VALUES = ([0.9, 0.6, 0.0], [0.9, 0.6, 0.0], [0.9, 0.0])  # never above 0.9


def make(protocol: dict, actors: dict) -> object:
    """A validated scenario over the test agenda."""
    return validate_data(
        {"name": "test", "issues": copy.deepcopy(AGENDA), "actors": actors,
         "protocol": protocol},
        "test",
    )


def three(a=BATNA, b=BATNA, c=BATNA, ra=0.1, rb=0.1, rc=0.1, extra=None,
          b_values=B_VALUES, c_values=C_VALUES) -> dict:
    """Actors a, b (by default opposed) and c (by default close to a, capped at 0.9)."""
    w = [1.0, 1.0, 1.0]
    extra = extra or {}
    return {
        "a": actor(w, A_VALUES, ra, a, **extra.get("a", {})),
        "b": actor(w, b_values, rb, b, **extra.get("b", {})),
        "c": actor(w, c_values, rc, c, **extra.get("c", {})),
    }


# b can live with an immediate ceasefire (0.3 > its reservation 0.2) but prefers it inside
# the package; elsewhere opposed to a
B_CEASEFIRE_OK = ([0.3, 1.0, 0.6], [0.0, 0.5, 1.0], [0.0, 1.0])
# c likes the middle: a's and b's favourite packages are worth 0.15 to it, its best 0.75
MIDDLE = ([0.0, 0.9, 0.0], [0.0, 0.9, 0.0], [0.45, 0.45])


def acceptable_to(prepared, row: int, who: list[int]) -> bool:
    """The package respects the agenda and the red lines of every actor in ``who``."""
    return bool(prepared.agenda_ok[row]) and all(prepared.red_ok[row, a] for a in who)


# --------------------------------------------------------------------------- registry
def test_registry_lists_the_four_protocols():
    assert set(protocols.names()) >= {
        "alternating_offers", "random_proposer", "single_text", "summit_ratification"
    }
    for name in protocols.names():
        assert protocols.get(name).name == name


def test_unknown_protocol_is_rejected_listing_the_registered_ones():
    with pytest.raises(ScenarioError) as err:
        make({"kind": "auction"}, three())
    line = " ".join(err.value.lines)
    assert "unknown protocol 'auction'" in line
    for name in protocols.names():
        assert name in line


def test_bad_protocol_params_are_located():
    with pytest.raises(ScenarioError) as err:
        make({"kind": "alternating_offers", "params": {"order": ["a", "zz"]}}, three())
    assert any("protocol.params.order[1]" in x and "unknown actor 'zz'" in x
               for x in err.value.lines)
    with pytest.raises(ScenarioError) as err:
        make({"kind": "random_proposer", "params": {"speed": 3}}, three())
    assert any("unknown parameter" in x for x in err.value.lines)
    with pytest.raises(ScenarioError) as err:
        make({"kind": "single_text", "params": {"strategy": {"kind": "boulware"}}}, three())
    assert any("cannot draft" in x for x in err.value.lines)


# --------------------------------------------------------------------------- acceptance
def rule(veto, quota, seats=(0, 1, 2, 3), actors=("a", "b", "c", "d")):
    return AcceptanceRule.build(AcceptanceSpec(veto=veto, quota=quota), seats, actors)


def test_unanimity_needs_everybody():
    r = rule("all", "all")
    active = (0, 1, 2, 3)
    assert r.passes(0, (1, 2, 3), active)
    assert not r.passes(0, (1, 2), active)
    assert not r.passes(0, (), active)
    # a neutral mediator: every party must accept
    assert r.passes(NEUTRAL, (0, 1, 2, 3), active)
    assert not r.passes(NEUTRAL, (1, 2, 3), active)


def test_majority_is_a_strict_majority_of_the_table():
    r = rule([], "majority")
    assert r.quota == 2  # floor(4 / 2): with the proposer, 3 of 4
    active = (0, 1, 2, 3)
    assert r.passes(0, (1, 2), active)
    assert not r.passes(0, (1,), active)
    r5 = rule([], "majority", seats=(0, 1, 2, 3, 4), actors=tuple("abcde"))
    assert r5.quota == 2  # 3 of 5
    r3 = rule([], "majority", seats=(0, 1, 2), actors=tuple("abc"))
    assert r3.quota == 1  # 2 of 3
    assert r3.passes(0, (2,), (0, 1, 2)) and not r3.passes(0, (), (0, 1, 2))


def test_veto_plus_k_of_the_others():
    r = rule(["a", "b"], 1)
    active = (0, 1, 2, 3)
    assert r.passes(0, (1, 2), active)  # a proposes, b (veto) and one other
    # c proposes, a and b accept: c's own support does not count towards the quota
    assert not r.passes(2, (0, 1), active)
    assert not r.passes(2, (0, 3), active)  # b (veto) missing
    assert not r.passes(0, (2, 3), active)  # b (veto) missing
    assert not r.passes(0, (1,), active)  # nobody else
    assert r.passes(2, (0, 1, 3), active)


def test_quota_capped_and_absent_veto_ignored():
    r = rule("all", 3)
    assert r.veto == frozenset({0, 1, 2, 3}) and r.quota == 0
    r2 = AcceptanceRule.build(AcceptanceSpec(veto=["d"], quota="all"), (0, 1, 2),
                              ("a", "b", "c", "d"))
    assert r2.veto == frozenset()


def test_reachability_after_walk_outs():
    r = rule([], 2, seats=(0, 1, 2), actors=tuple("abc"))
    assert r.reachable((0, 1, 2), (0, 1, 2))
    assert not r.reachable((0, 1), (0, 1))
    assert rule([], "all").reachable((0, 1), (0, 1))


def test_next_seat_cycles_over_the_active():
    seats = (0, 1, 2, 3)
    assert next_seat(seats, seats, -1) == 0
    assert next_seat(seats, seats, 3) == 0
    assert next_seat(seats, (0, 2, 3), 0) == 2


# --------------------------------------------------------------------------- protocols
def test_alternating_offers_follows_the_order():
    sc = make({"kind": "alternating_offers", "deadline": 6, "walk_away": False,
               "params": {"order": ["c", "a", "b"]}}, three(HARD, HARD, HARD))
    res = simulate(sc, 0)
    assert res.reason == "deadline" and res.rounds == 6
    assert list(res.trace["proposer"]) == ["c", "a", "b", "c", "a", "b"]
    # every other actor answered every offer; the proposer never answers its own
    table = res.table.columns
    for k, proposer in enumerate(table["proposer"]):
        for a in "abc":
            assert (table[f"response_{a}"][k] is None) == (a == proposer)


def test_agreement_respects_red_lines_of_every_supporter():
    red = {"a": {"red_lines": [{"name": "no_cession", "kind": "never", "issue": "land",
                                "option": "ceded"}]}}
    sc = make({"kind": "alternating_offers", "deadline": 40, "walk_away": False},
              three({"kind": "conceder"}, {"kind": "conceder"}, {"kind": "conceder"},
                    ra=0.0, rb=0.0, rc=0.0, extra=red))
    res = simulate(sc, 2)
    assert res.agreement and res.package["land"] != "ceded"
    prepared = prepare(sc)
    assert acceptable_to(prepared, res.row, [0, 1, 2])


def test_random_proposer_recognition_follows_the_probabilities():
    sc = make({"kind": "random_proposer", "deadline": 400, "walk_away": False,
               "params": {"probabilities": {"a": 0.8, "b": 0.2, "c": 0.0}}},
              three(HARD, HARD, HARD))
    res = simulate(sc, 11)
    counts = res.trace["proposer"].value_counts()
    assert "c" not in counts  # never recognised
    share = counts["a"] / res.rounds
    assert abs(share - 0.8) < 4 * math.sqrt(0.8 * 0.2 / res.rounds)
    # the draw uses the run's generator: another seed, another sequence
    other = simulate(sc, 12)
    assert list(other.trace["proposer"]) != list(res.trace["proposer"])


def test_single_text_neutral_mediator_drafts_until_accepted():
    sc = make({"kind": "single_text", "deadline": 30, "walk_away": False,
               "params": {"mediator": "neutral"}},
              three(ra=0.3, rb=0.3, rc=0.3))
    res = simulate(sc, 0)
    trace = res.trace
    assert set(trace["proposer"]) == {"mediator"}
    assert {"objections_a", "objections_b", "objections_c"} <= set(trace.columns)
    assert res.agreement
    last = trace.iloc[-1]
    assert all(last[f"response_{a}"] for a in "abc")
    # revisions follow objections: a rejected text is never drafted again
    assert trace["proposal"].is_unique


def test_single_text_actor_mediator_drafts_and_answers_as_a_party():
    sc = make({"kind": "single_text", "deadline": 30, "walk_away": False,
               "params": {"mediator": "c"}}, three(ra=0.3, rb=0.3, rc=0.3))
    res = simulate(sc, 0)
    trace = res.trace
    assert set(trace["proposer"]) == {"c"}
    prepared = prepare(sc)
    for row in trace["proposal"].dropna():  # drafted inside the mediator's own red lines
        assert prepared.red_ok[int(row), 2] and prepared.agenda_ok[int(row)]
    # as a party, c answers its own texts with its negotiating strategy
    assert trace["response_c"].notna().all()
    assert res.agreement and bool(trace["response_c"].iloc[-1])


def test_single_text_mediator_never_signs_below_its_own_demand():
    # c drafts from its own ranking, but as a hardliner party it signs only its best text;
    # a and b need something else: no deal
    sc = make({"kind": "single_text", "deadline": 12, "walk_away": False,
               "params": {"mediator": "c"}}, three(BATNA, BATNA, HARD, ra=0.3, rb=0.3))
    res = simulate(sc, 0)
    prepared = prepare(sc)
    best_c = prepared.view(("package",)).best[2]
    accepted_by_c = res.trace["proposal"][res.trace["response_c"].fillna(False)]
    assert all(prepared.U[int(r), 2] >= best_c - 1e-12 for r in accepted_by_c)
    if res.agreement:
        assert prepared.U[res.row, 2] >= best_c - 1e-12


def summit(rc: float, ratify_rule: dict | None = None) -> object:
    protocol = {"kind": "summit_ratification", "deadline": 10, "walk_away": False,
                "params": {"negotiators": ["a", "b"], "ratifiers": ["c"]}}
    if ratify_rule:
        protocol["acceptance"] = ratify_rule
    return make(protocol, three(ra=0.1, rb=0.1, rc=rc))


def test_summit_deal_rejected_by_ratifiers_is_stillborn():
    res = simulate(summit(rc=0.95), 0)  # c can never get 0.95: it rejects every deal
    assert res.stillborn and not res.agreement
    assert res.ratified is False and res.reason == "stillborn"
    assert res.package is not None and res.row is not None
    assert res.pareto_optimal is None and res.nash_distance is None
    last = res.trace.iloc[-1]
    assert last["event"] == "stillborn" and last["response_c"] == False  # noqa: E712
    # the ratifier answered only the deal, never the summit's offers
    assert res.trace["response_c"].isna().sum() == len(res.trace) - 1
    # no deal: payoffs are the reservation values; the rejected deal is kept aside
    assert res.utilities == {"a": 0.1, "b": 0.1, "c": 0.95}
    assert res.deal_utilities["a"] == pytest.approx(float(prepare(summit(0.95)).U[res.row, 0]))
    assert res.to_json()["stillborn"] is True


def test_summit_deal_accepted_by_ratifiers_is_an_agreement():
    res = simulate(summit(rc=0.0), 0)
    assert res.agreement and res.ratified is True and not res.stillborn
    assert res.reason == "agreement"


def test_summit_ratification_uses_the_acceptance_rule_among_ratifiers():
    # the ratifier is not a veto actor and the quota is 0: its rejection does not matter
    res = simulate(summit(rc=0.95, ratify_rule={"veto": ["a"], "quota": 0}), 0)
    assert res.agreement and res.ratified is True


# --------------------------------------------------------------------------- sequencing
def test_ceasefire_first_settles_the_ceasefire_then_the_rest():
    sc = make({"kind": "alternating_offers", "deadline": 30, "walk_away": False,
               "sequencing": "ceasefire_first", "params": {"order": ["a", "b"]}},
              three(ra=0.2, rb=0.2, rc=0.0, b_values=B_CEASEFIRE_OK))
    res = simulate(sc, 0)
    trace = res.trace
    stages = list(trace["stage"])
    k = stages.index("rest")
    assert stages[:k] == ["ceasefire"] * k and set(stages[k:]) == {"rest"}
    assert trace["event"].iloc[k - 1] == "ceasefire"
    agreed = res.ceasefire
    assert agreed is not None
    # stage 1 proposals name only the ceasefire; stage 2 holds it fixed
    assert all(p.startswith("ceasefire=") and ";" not in p for p in trace["package"][:k])
    assert all(f"ceasefire={agreed}" in p for p in trace["package"][k:].dropna())
    assert res.agreement and res.package["ceasefire"] == agreed
    assert res.round > k - 1
    # the stage-2 deal is feasible but dominated: (in_package, frozen, neutral) beats it
    prepared = prepare(sc)
    u = prepared.U[res.row]
    dominated = np.all(prepared.U >= u, axis=1) & np.any(prepared.U > u, axis=1)
    assert dominated.any() and res.pareto_optimal is False


def test_ceasefire_first_without_a_second_stage_deal_records_the_ceasefire():
    # a and b can each live with every ceasefire option, but not with each other's land
    red = {
        "a": {"red_lines": [{"name": "all_back", "kind": "at_most", "issue": "land",
                             "option": "returned"}]},
        "b": {"red_lines": [{"name": "keep", "kind": "at_least", "issue": "land",
                             "option": "frozen"}]},
    }
    sc = make({"kind": "alternating_offers", "deadline": 8, "walk_away": False,
               "sequencing": "ceasefire_first", "params": {"order": ["a", "b"]}},
              three(ra=0.2, rb=0.2, rc=0.0, extra=red, b_values=B_CEASEFIRE_OK))
    res = simulate(sc, 0)
    # stage 1 (default stage1_deadline 10) then stage 2 on its own clock of 8 rounds
    assert res.deadline == 10 + 8
    assert not res.agreement and res.reason == "deadline" and res.rounds < res.deadline
    assert res.ceasefire is not None
    k = int(res.trace["round"][res.trace["event"] == "ceasefire"].iloc[0])
    assert res.rounds == k + 1 + 8
    # no ceasefire_effect declared: the agreed option puts no ceasefire in force
    assert not res.ceasefire_only and res.outcome == "deadline"
    assert res.package == {"ceasefire": res.ceasefire} and res.row is None
    assert res.round == int(res.trace["round"][res.trace["event"] == "ceasefire"].iloc[0])
    assert res.to_json()["package"] == {"ceasefire": res.ceasefire}


def test_ceasefire_stage_values_options_by_their_stage_two_anchor():
    prepared = prepare(make({"kind": "alternating_offers"}, three()))
    view = prepared.view(("ceasefire", 0))
    rows = np.flatnonzero(view.candidate)
    assert len(rows) == 3  # one candidate per ceasefire option: its anchor
    assert sorted(prepared.packages[rows, 0].tolist()) == [0, 1, 2]
    anchors = prepared.anchors(0)
    assert sorted(anchors.tolist()) == sorted(rows.tolist())
    P = list(prepared.participants)
    r = prepared.reservations[P]
    for o, row in enumerate(anchors):
        assert view.utilities[0][row] == prepared.U[row, 0]  # valued by the whole package
        # the anchor is the Nash package among the feasible packages carrying o
        same = (prepared.packages[:, 0] == o) & prepared.inside_red_lines
        surplus = prepared.U[same][:, P] - r
        ok = np.all(surplus > 0, axis=1)
        nash = np.max(np.sum(np.log(surplus[ok]), axis=1))
        assert np.sum(np.log(prepared.U[row, P] - r)) == pytest.approx(nash)
    rest = prepared.view(("rest", 0, 2))
    assert np.all(prepared.packages[rest.candidate, 0] == 2)
    assert np.all(prepared.packages[rest.orders[1], 0] == 2)


# --------------------------------------------------------------------------- walking away
def test_walk_away_when_nothing_left_beats_no_deal():
    # c's best package is worth 0.9 < 0.95: it leaves after round 0; it is a veto actor
    sc = make({"kind": "alternating_offers", "deadline": 10}, three(rc=0.95))
    res = simulate(sc, 0)
    assert res.reason == "walk_away" and res.walked_out == ("c",) and res.rounds == 1
    assert not res.agreement and res.package is None


def test_walk_away_judges_the_others_after_the_opening_phase():
    # a and b are hardliners asking for opposite packages; c gets little from either
    # (but could get 0.9): it leaves once half the deadline has passed, and as a non-veto
    # actor with quota 0 the talks go on without it
    sc = make({"kind": "alternating_offers", "deadline": 10, "walk_away_after": 0.5,
               "acceptance": {"veto": ["a", "b"], "quota": 0}},
              three(HARD, HARD, HARD, ra=0.0, rb=0.0, rc=0.6, c_values=MIDDLE))
    res = simulate(sc, 0)
    walked = res.trace["walked"]
    assert list(walked[:5]) == [""] * 5 and walked.iloc[5] == "c"
    assert res.walked_out == ("c",) and res.reason == "deadline" and res.rounds == 10
    assert res.trace["response_c"].iloc[6:].isna().all()
    assert "c" not in set(res.trace["proposer"].iloc[6:])


def test_walk_out_that_leaves_the_quota_unreachable_breaks_the_talks():
    sc = make({"kind": "alternating_offers", "deadline": 10, "walk_away_after": 0.5,
               "acceptance": {"veto": [], "quota": 2}},
              three(HARD, HARD, HARD, ra=0.0, rb=0.0, rc=0.6, c_values=MIDDLE))
    res = simulate(sc, 0)
    assert res.reason == "walk_away" and res.walked_out == ("c",) and res.rounds == 6


def test_expected_walk_rule_leaves_once_the_trend_says_continuing_is_not_worth_it():
    # same table: c has seen a's and b's unmoving asks (0.15 to it) in rounds 0 and 1, so
    # its estimate of continuing is patience * 0.15 < 0.6 after round 1, whatever
    # walk_away_after says (the expectation rule does not read it)
    walked = []
    for after in (0.0, 1.0):
        sc = make({"kind": "alternating_offers", "deadline": 10, "walk_away_after": after,
                   "walk_rule": "expected", "acceptance": {"veto": ["a", "b"], "quota": 0}},
                  three(HARD, HARD, HARD, ra=0.0, rb=0.0, rc=0.6, c_values=MIDDLE))
        res = simulate(sc, 0)
        walked.append(list(res.trace["walked"]))
        assert res.walked_out == ("c",) and res.trace["walked"].iloc[1] == "c"
    assert walked[0] == walked[1]
    sc = make({"kind": "alternating_offers", "deadline": 10, "walk_away_after": 1.0,
               "acceptance": {"veto": ["a", "b"], "quota": 0}},
              three(HARD, HARD, HARD, ra=0.0, rb=0.0, rc=0.6, c_values=MIDDLE))
    assert simulate(sc, 0).walked_out == ()  # the threshold rule at 1.0 never judges


def test_no_walk_away_when_switched_off():
    sc = make({"kind": "alternating_offers", "deadline": 10, "walk_away": False},
              three(rc=0.95))
    res = simulate(sc, 0)
    assert res.walked_out == () and res.reason == "deadline"


# --------------------------------------------------------------------------- deadline
@pytest.mark.parametrize("kind", ["alternating_offers", "random_proposer", "single_text",
                                  "summit_ratification"])
def test_deadline_is_respected_and_overridable(kind):
    sc = make({"kind": kind, "deadline": 7, "walk_away": False}, three(HARD, HARD, HARD))
    res = simulate(sc, 5)
    assert res.rounds <= 7 and len(res.trace) == res.rounds
    if res.reason == "deadline":
        assert res.rounds == 7
    short = simulate(sc, 5, rounds=3)
    assert short.rounds <= 3 and short.deadline == 3


# --------------------------------------------------------------------------- contracts
@cache
def _shipped(path: str):
    scenario = load_scenario(path)
    return scenario, prepare(scenario)


def _variant(scenario, kind: str, deadline: int):
    """The scenario with its protocol switched to ``kind`` (other settings kept)."""
    spec = scenario.protocol or ProtocolSpec(kind=kind)
    params = spec.params if spec.kind == kind else {}
    new = ProtocolSpec(kind=kind, deadline=deadline, acceptance=spec.acceptance,
                       sequencing=spec.sequencing, ceasefire_issue=spec.ceasefire_issue,
                       walk_away=spec.walk_away, walk_away_after=spec.walk_away_after,
                       stage1_deadline=spec.stage1_deadline, params=params)
    return scenario.model_copy(update={"protocol": new})


def check_result(res, scenario, prepared, deadline: int) -> None:
    """Invariants every run of every protocol satisfies."""
    assert list(res.to_json()) == list(JSON_KEYS)
    assert res.reason in REASONS
    spec = scenario.protocol
    stage1 = spec.stage1_deadline if spec.sequencing == "ceasefire_first" else 0
    assert res.deadline == deadline + stage1  # stage 2 has its own clock
    assert 1 <= res.rounds <= res.deadline
    assert res.outcome == ("ceasefire_only" if res.ceasefire_only else res.reason)
    if res.ceasefire_only:
        assert res.ceasefire is not None and not res.agreement
    if res.durability is not None:
        assert 0.0 <= res.durability <= 1.0 and (res.agreement or res.ceasefire_only)
    assert res.agreement == (res.reason == "agreement")
    assert res.stillborn == (res.reason == "stillborn")
    if res.table is not None:
        assert len(res.table) == res.rounds
    if res.agreement or res.stillborn:
        assert set(res.package) == set(scenario.issues)
        assert prepared.agenda_ok[res.row]
    if res.agreement:
        assert isinstance(res.pareto_optimal, bool)
        assert res.utilities == res.deal_utilities
    else:
        assert res.pareto_optimal is None and res.nash_distance is None


@pytest.mark.parametrize("path", SHIPPED, ids=[Path(p).stem for p in SHIPPED])
@pytest.mark.parametrize("kind", sorted(protocols.names()))
def test_every_protocol_runs_every_shipped_scenario(path, kind):
    scenario, prepared = _shipped(path)
    variant = _variant(scenario, kind, deadline=12)
    res = simulate(variant, 3, prepared=prepared)
    check_result(res, variant, prepared, 12)
    again = simulate(variant, 3, prepared=prepared, collect=False)
    assert again == res and again.to_json() == res.to_json()


def test_shipped_scenarios_exist():
    assert any(Path(p).name == "alaska_summit.yaml" for p in SHIPPED)


@settings(max_examples=budget(20), deadline=None)
@given(data=scenarios(protocol=True, max_packages=60, max_deadline=8, max_actors=4),
       seed=st.integers(0, 2**32 - 1))
def test_every_protocol_on_random_valid_scenarios(data, seed):
    scenario = validate_data(data, "generated")
    prepared = prepare(scenario)
    res = simulate(scenario, seed, prepared=prepared)
    check_result(res, scenario, prepared, scenario.protocol.deadline)
    # a deal never breaks the red lines of an actor who supported it
    if res.agreement or res.stillborn:
        table = res.table.columns
        supporters = [i for i, a in enumerate(prepared.problem.actors)
                      if table[f"response_{a}"][-1] is True or table["proposer"][-1] == a]
        assert acceptable_to(prepared, res.row, supporters)
    assert simulate(scenario, seed, prepared=prepared, collect=False) == res


# --------------------------------------------------------------------------- equilibrium
@pytest.mark.parametrize("path", SHIPPED, ids=[Path(p).stem for p in SHIPPED])
@pytest.mark.parametrize("kind", ["alternating_offers", "random_proposer",
                                  "summit_ratification"])
def test_solver_mapping_on_every_shipped_scenario(path, kind):
    from sim.api import solve as solve_scenario

    scenario, prepared = _shipped(path)
    variant = _variant(scenario, kind, deadline=20)
    res = solve_scenario(variant, prepared=prepared)
    protocol = protocols.get(kind)(prepared, variant.protocol)
    actors = prepared.problem.actors
    assert list(res.to_json())[:4] == ["package", "round", "proposer", "utilities"]  # + added
    if res.package is None:
        assert res.proposer is None and res.round is None
        return
    row = res.row
    seats = list(protocol.seats)
    assert actors.index(res.proposer) in seats and 0 <= res.round < 20
    assert prepared.agenda_ok[row] and prepared.red_ok[row, actors.index(res.proposer)]
    assert res.utilities == {a: float(prepared.U[row, i]) for i, a in enumerate(actors)}
    if protocol.ratifies:
        # the negotiators only agree on what the ratifiers would ratify
        for r in protocol.ratifiers:
            if r in protocol.ratification_rule.veto or protocol.ratification_rule.quota is None:
                assert prepared.red_ok[row, r]
                assert prepared.U[row, r] >= prepared.reservations[r]


def test_solver_refuses_the_single_text():
    from sim.api import solve as solve_scenario
    from sim.engine.solve import SolveError

    with pytest.raises(SolveError, match="single_text"):
        solve_scenario(make({"kind": "single_text"}, three()))


def test_summit_equilibrium_avoids_stillborn_deals():
    from sim.api import solve as solve_scenario

    # c rejects everything: no ratifiable package, so no deal in equilibrium ...
    assert solve_scenario(summit(rc=0.95)).package is None
    # ... while a ratifier who accepts anything lets the summit agree
    res = solve_scenario(summit(rc=0.0))
    assert res.package is not None and res.proposer in ("a", "b")
