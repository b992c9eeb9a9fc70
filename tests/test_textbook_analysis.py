"""The analysis under a scenario's own rule, bargaining power, generated issues, scales,
per-actor thresholds and the listing, each against brute force or a closed form.
"""

from __future__ import annotations

import json
from itertools import combinations
from math import comb
from pathlib import Path

import numpy as np
import pytest
from core_reference import (
    radix_of,
    random_problem,
    ref_blocks,
    ref_egalitarian,
    ref_ks,
    ref_nash,
    ref_packages,
    ref_reservations,
    ref_utilitarian,
    ref_utility,
    rnd,
)

import sim
from sim.cli import main
from sim.core.analysis import analyze, with_rule
from sim.core.thresholds import actor_summary
from sim.core.utility import TOL
from sim.core.zone import VotingRule

ROOT = Path(__file__).resolve().parents[1]
MINI = (ROOT / "tests" / "data" / "mini.yaml").read_text()
SRC = "{assumption: t}"


def ref_accepts(problem, pkg, u, res, a, strict=False) -> bool:
    if any(ref_blocks(c, pkg) for c in problem.constraints):
        return False
    if any(ref_blocks(c, pkg) for c in problem.preferences[a].red_lines):
        return False
    gap = rnd(u[a]) - rnd(res[a])
    return gap > TOL / 2 if strict else gap >= -TOL / 2


def ref_passes(rule: VotingRule, yes: set[int]) -> bool:
    """Some proposer and some set of accepting responders meet the rule (subsets)."""
    seats = list(rule.seats)
    proposers = [None] if rule.proposers is None else list(rule.proposers)
    for p in proposers:
        if p is not None and p not in yes:
            continue
        responders = [a for a in seats if a != p and a in yes]
        for size in range(len(responders) + 1):
            for group in combinations(responders, size):
                if not all(v in group for v in rule.veto if v != p and v in seats):
                    continue
                others = [a for a in seats if a != p and a not in rule.veto]
                need = len(others) if rule.quota is None else rule.quota
                if sum(1 for a in group if a not in rule.veto) >= need:
                    return True
    return False


def random_rule(rng, n: int) -> VotingRule:
    seats = tuple(int(a) for a in rng.permutation(n)[: int(rng.integers(1, n + 1))])
    veto = frozenset(int(a) for a in seats if rng.random() < 0.3)
    quota = None if rng.random() < 0.3 else int(rng.integers(0, len(seats) + 1))
    proposers = None if rng.random() < 0.25 else tuple(a for a in seats if rng.random() < 0.7)
    return VotingRule(seats, veto, quota, proposers or None, None, "random")


@pytest.mark.parametrize("seed", range(30))
def test_the_zone_and_its_solutions_match_brute_force(seed):
    problem = random_problem(seed, n_actors=(2, 4))
    rng = np.random.default_rng(seed)
    rule = random_rule(rng, problem.n_actors)
    an = with_rule(analyze(problem), rule)
    pkgs = ref_packages(radix_of(problem))
    res = ref_reservations(problem)
    U = [tuple(ref_utility(problem, a, p) for a in range(problem.n_actors)) for p in pkgs]
    zone = [j for j, (p, u) in enumerate(zip(pkgs, U, strict=True))
            if ref_passes(rule, {a for a in rule.seats if ref_accepts(problem, p, u, res, a)})]
    assert np.flatnonzero(an.zone).tolist() == zone
    rows = [tuple(u[a] for a in rule.seats) for u in U]
    d = [res[a] for a in rule.seats]
    assert an.solutions == {
        "nash": ref_nash(rows, d, zone), "kalai_smorodinsky": ref_ks(rows, d, zone),
        "egalitarian": ref_egalitarian(rows, d, zone), "utilitarian": ref_utilitarian(rows, zone),
    }
    if zone:
        np.testing.assert_allclose(an.ideal, np.max([[rnd(x) for x in U[j]] for j in zone],
                                                    axis=0))


@pytest.mark.parametrize("seed", range(20))
def test_thresholds_and_strictness_match_brute_force(seed):
    problem = random_problem(seed, n_actors=(2, 4))
    strict = bool(seed % 2)
    an = analyze(problem, strict=strict)
    pkgs = ref_packages(radix_of(problem))
    res = ref_reservations(problem)
    U = [tuple(ref_utility(problem, a, p) for a in range(problem.n_actors)) for p in pkgs]
    parts = list(problem.participant_indices())
    feasible = [j for j, (p, u) in enumerate(zip(pkgs, U, strict=True))
                if all(ref_accepts(problem, p, u, res, a, strict) for a in parts)]
    assert np.flatnonzero(an.feasible).tolist() == feasible
    for a, row in enumerate(an.actors):
        mine = [j for j, (p, u) in enumerate(zip(pkgs, U, strict=True))
                if ref_accepts(problem, p, u, res, a, strict)]
        assert row["acceptable"] == len(mine)
        assert row["best"] == (max(rnd(U[j][a]) for j in mine) if mine else None)
        if a not in parts:
            assert row["max_reservation"] is None
            continue
        # the binding threshold: the feasible set is non-empty exactly up to it
        top = row["max_reservation"]
        for r in ([] if top is None else [top]) + [1.0 + 1e-6]:
            raised = list(res)
            raised[a] = r
            ok = any(all(ref_accepts(problem, p, u, raised, b, strict) for b in parts)
                     for p, u in zip(pkgs, U, strict=True))
            assert ok == (top is not None and (r < top if strict else r <= top))


def test_reservation_values_are_named_constraints():
    problem = random_problem(3, n_actors=(2, 3))
    an = analyze(problem)
    rows = [r for r in an.red_lines if r["kind"] == "reservation"]
    assert [r["actor"] for r in rows] == [problem.actors[a]
                                          for a in sorted(problem.participant_indices())]
    summary = actor_summary(an.U, an.red_ok, an.agenda_ok, an.reservations,
                            problem.participant_indices())
    assert len(summary) == problem.n_actors


def _scenario(tmp_path, body: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def _json(args, capsys) -> dict:
    assert main(args) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_analyze_reports_the_rule_zone_of_a_veto_plus_quota_scenario(tmp_path, capsys):
    f = _scenario(tmp_path, MINI + "protocol: {kind: alternating_offers, acceptance: "
                  "{veto: [b], quota: 1}}\n")
    out = _json(["analyze", str(f), "--json", "--list", "feasible"], capsys)
    scenario = sim.load(f)
    an = sim.analyze(scenario)
    assert out["n_feasible"] == int(an.zone.sum()) >= out["n_feasible_unanimous"]
    assert out["n_feasible_unanimous"] == int(an.feasible.sum())
    assert out["acceptance"]["veto"] == ["b"] and out["acceptance"]["quota"] == 1
    assert not out["acceptance"]["unanimous"]
    assert out["list"]["total"] == out["n_feasible"] == len(out["list"]["packages"])
    # the unanimous set is what every actor accepts, the zone what b plus one more accepts
    problem = sim.scenario.compile_problem(scenario)
    U, res = an.U, an.reservations
    for j in range(U.shape[0]):
        yes = {a for a in range(3) if an.agenda_ok[j] and an.red_ok[j, a] and U[j, a] >= res[a]}
        assert bool(an.zone[j]) == ("b" in {problem.actors[a] for a in yes} and len(yes) >= 2)
    assert main(["analyze", str(f), "--json", "--list", "nothing"]) == 2


def test_unanimity_scenarios_keep_their_counts(capsys):
    out = _json(["analyze", str(ROOT / "scenarios" / "alaska_summit.yaml"), "--json"], capsys)
    assert out["n_feasible"] == out["n_feasible_unanimous"]
    assert out["solutions"] == out["solutions_unanimous"]
    assert {r["kind"] for r in out["red_lines"]} == {"red_line", "agenda", "reservation"}


def test_bargaining_power_gives_the_asymmetric_nash_split(tmp_path, capsys):
    # two actors split a divisible share: Nash maximises x^w1 (1 - x)^w2 -> x = w1/(w1 + w2)
    body = f"""
name: power
issues:
  share: {{kind: divisible, steps: {{value: 100, source: {SRC}}}}}
actors:
  a:
    weights: {{share: {{value: 1, source: {SRC}}}}}
    values: {{share: {{linear: {{at_0: 0, at_1: 1}}, source: {SRC}}}}}
    reservation: {{value: 0, source: {SRC}}}
    patience: {{value: 0.9, source: {SRC}}}
    bargaining_power: {{value: 3, source: {{assumption: stronger}}}}
  b:
    weights: {{share: {{value: 1, source: {SRC}}}}}
    values: {{share: {{linear: {{at_0: 1, at_1: 0}}, source: {SRC}}}}}
    reservation: {{value: 0, source: {SRC}}}
    patience: {{value: 0.9, source: {SRC}}}
"""
    out = _json(["analyze", str(_scenario(tmp_path, body)), "--json"], capsys)
    assert out["n_outcomes"] == 101
    assert out["solutions"]["nash"]["package"] == {"share": "75_of_100"}
    assert out["bargaining_power"] == {"a": 3.0, "b": 1.0}
    assert out["bargaining_power_source"]["a"] == "assumption: stronger"
    assert out["bargaining_power_source"]["b"].startswith("default")


def test_a_split_generates_its_options_and_own_share_values(tmp_path):
    body = f"""
name: pie
issues:
  pie: {{kind: split, steps: {{value: 6, source: {SRC}}}, among: [a, b, c]}}
actors:
""" + "".join(f"""  {a}:
    weights: {{pie: {{value: 1, source: {SRC}}}}}
    reservation: {{value: 0, source: {SRC}}}
    patience: {{value: 0.9, source: {SRC}}}
""" for a in ("a", "b", "c", "d"))
    scenario = sim.load(_scenario(tmp_path, body))
    an = sim.analyze(scenario)
    assert an.packages.shape[0] == comb(6 + 2, 2)
    problem = sim.scenario.compile_problem(scenario)
    for j in range(an.packages.shape[0]):
        units = problem.options[0].units(j)
        np.testing.assert_allclose(an.U[j], [*(np.array(units) / 6), 0.0])  # d gets nothing
    assert problem.options[0][0] == "a_6__b_0__c_0"


def test_scores_on_an_actor_scale(tmp_path, capsys):
    body = MINI.replace(
        "  c:\n", "  c:\n    scale: {value: {min: 0, max: 100}, source: {assumption: points}}\n"
    ).replace(
        "      ceasefire: {value: {immediate: 1.0, in_package: 0.7, none: 0.0}, source: "
        "{assumption: t}}\n      land: {value: {returned: 0.8, frozen: 0.7, ceded: 0.2}",
        "      ceasefire: {value: {immediate: 100, in_package: 70, none: 0}, source: "
        "{assumption: t}}\n      land: {value: {returned: 80, frozen: 70, ceded: 20}",
    ).replace("    reservation: {value: 0.3, source: {assumption: t}}\n    patience: {value: 0.9,",
              "    reservation: {value: 30, source: {assumption: t}}\n    patience: {value: 0.9,")
    scaled = _json(["analyze", str(_scenario(tmp_path, body)), "--json"], capsys)
    plain = _json(["analyze", str(_scenario(tmp_path, MINI, "p.yaml")), "--json"], capsys)
    assert scaled["n_feasible"] == plain["n_feasible"]
    assert scaled["solutions"]["nash"]["utilities"] == plain["solutions"]["nash"]["utilities"]
    nash = scaled["solutions"]["nash"]
    assert nash["scores"]["c"] == pytest.approx(100 * nash["utilities"]["c"])
    assert nash["scores"]["a"] == nash["utilities"]["a"]
    assert scaled["scales"]["c"] == {"min": 0.0, "max": 100.0}
    bad = body.replace("immediate: 100,", "immediate: 120,")
    assert main(["validate", str(_scenario(tmp_path, bad, "bad.yaml"))]) == 2
    assert "outside [0, 100]" in capsys.readouterr().err


def test_generated_issues_are_validated_in_one_line(tmp_path, capsys):
    huge = MINI.replace("  land:\n    options: {returned: Returned, frozen: Frozen, ceded: Ceded}",
                        "  land: {kind: split, steps: {value: 2000, source: {assumption: t}}, "
                        "among: [a, b, c, nobody]}")
    assert main(["validate", str(_scenario(tmp_path, huge))]) == 2
    err = capsys.readouterr().err
    assert "too many" in err and "issues.land" in err and "Traceback" not in err
    unknown = huge.replace("nobody", "b").replace("2000", "5")
    assert main(["validate", str(_scenario(tmp_path, unknown, "u.yaml"))]) == 2
    assert "distinct" in capsys.readouterr().err


def test_patience_zero_is_allowed(tmp_path, capsys):
    body = MINI.replace("patience: {value: 0.9,", "patience: {value: 0.0,")
    assert main(["validate", str(_scenario(tmp_path, body))]) == 0
    capsys.readouterr()


def test_a_single_text_zone_has_no_proposer_and_keeps_to_the_mediator(tmp_path):
    f = _scenario(tmp_path, MINI + "protocol: {kind: single_text, acceptance: {veto: [], "
                  "quota: 2}, params: {mediator: a, parties: [b, c]}}\n")
    an = sim.analyze(f)
    assert an.rule is not None and an.rule.proposers is None
    U, res = an.U, an.reservations
    for j in range(U.shape[0]):  # both parties accept, inside the drafting actor's red lines
        yes = [b for b in (1, 2) if an.agenda_ok[j] and an.red_ok[j, b] and U[j, b] >= res[b]]
        assert bool(an.zone[j]) == (len(yes) == 2 and bool(an.red_ok[j, 0]))
