"""``negsim score`` and `sim.score`: every field against a brute-force oracle, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from core_reference import (
    dominates,
    gain,
    random_problem,
    ref_blocks,
    ref_feasible,
    ref_packages,
    ref_participants,
    ref_reservations,
    ref_utility,
    rnd,
)

import sim
from sim.cli import main
from sim.core.analysis import analyze, package_dict
from sim.core.score import JSON_KEYS, score_package

ROOT = Path(__file__).resolve().parent.parent
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"
MINI = ROOT / "tests" / "data" / "mini.yaml"


def _reference(problem, row):
    """Every field of the score, by brute force in plain Python."""
    pkgs = ref_packages([len(o) for o in problem.options])
    rows = [[ref_utility(problem, a, p) for a in range(problem.n_actors)] for p in pkgs]
    res = ref_reservations(problem)
    parts = ref_participants(problem)
    feasible = [i for i, p in enumerate(pkgs) if ref_feasible(problem, p, rows[i], res)]
    agenda = [i for i, p in enumerate(pkgs)
              if not any(ref_blocks(c, p) for c in problem.constraints)]
    inside = [i for i in agenda if not any(ref_blocks(c, pkgs[i]) for a in parts
                                           for c in problem.preferences[a].red_lines)]
    judged = inside if row in feasible else agenda
    doms = [j for j in judged if dominates(rows[j], rows[row])]
    best = None
    if doms:
        total = {j: sum(rnd(x) - rnd(y) for x, y in zip(rows[j], rows[row], strict=True))
                 for j in doms}
        best = min(doms, key=lambda j: (-total[j], j))
    nearest = []
    if feasible:
        dist = {j: sum(a != b for a, b in zip(pkgs[j], pkgs[row], strict=True)) for j in feasible}
        m = min(dist.values())
        nearest = [j for j in feasible if dist[j] == m]
    red = [(a, c.name) for a in range(problem.n_actors)
           for c in problem.preferences[a].red_lines if ref_blocks(c, pkgs[row])]
    return {"rows": rows, "res": res, "parts": parts, "feasible": row in feasible,
            "dominators": doms, "best": best, "nearest": nearest, "red": red,
            "total": (lambda j: sum(rnd(x) - rnd(y) for x, y in zip(rows[j], rows[row],
                                                                  strict=True)))}


@pytest.mark.parametrize("seed", range(40))
def test_score_matches_brute_force(seed):
    problem = random_problem(seed, max_outcomes=120)
    analysis = analyze(problem, diagnostics=False)
    row = int(np.random.default_rng(seed).integers(problem.n_outcomes))
    s = score_package(problem, analysis, row)
    ref = _reference(problem, row)
    assert s.feasible == ref["feasible"]
    assert list(s.red_lines) == ref["red"]
    assert s.pareto_optimal == (not ref["dominators"])
    assert (s.dominated_by is None) == (ref["best"] is None)
    if s.dominated_by is not None:  # the largest total gain; ties may differ only in index
        assert s.dominated_by in ref["dominators"]
        assert math.isclose(ref["total"](s.dominated_by), ref["total"](ref["best"]),
                            abs_tol=1e-9)
        assert s.dominated_by == ref["best"]
    np.testing.assert_allclose(s.utilities, ref["rows"][row], atol=1e-12)
    np.testing.assert_allclose(s.margins, np.array(ref["rows"][row]) - ref["res"], atol=1e-12)
    below = [a for a in ref["parts"] if gain(ref["rows"][row], ref["res"], a) < -1e-12 / 2]
    assert list(s.below) == below
    if not ref["nearest"]:
        assert s.nearest is None and s.nash_product is None
        return
    assert s.nearest in ref["nearest"]
    products = {j: math.prod(max(gain(ref["rows"][j], ref["res"], a), 0.0) for a in ref["parts"])
                for j in ref["nearest"]}
    assert s.nash_product == pytest.approx(max(products.values()), abs=1e-12)
    if s.feasible:
        assert s.nearest == row and s.changed == ()


def test_score_agrees_with_the_analysis_pareto_masks():
    problem = sim.compile_problem(sim.load(ALASKA))
    analysis = analyze(problem, diagnostics=False)
    rng = np.random.default_rng(7)
    rows = np.concatenate([np.flatnonzero(analysis.feasible)[:40],
                           rng.integers(0, problem.n_outcomes, 40)])
    for row in rows.tolist():
        s = score_package(problem, analysis, row)
        mask = analysis.feasible_pareto if s.feasible else analysis.pareto
        if analysis.agenda_ok[row]:
            assert s.pareto_optimal == bool(mask[row])
        if s.dominated_by is not None:
            dom = s.dominated_by
            assert not analysis.feasible[row] or analysis.feasible[dom]
            assert (analysis.feasible_pareto if s.feasible else analysis.pareto)[dom]


def test_the_nash_package_is_feasible_pareto_optimal_and_its_own_nearest():
    problem = sim.compile_problem(sim.load(ALASKA))
    analysis = analyze(problem, diagnostics=False)
    nash = analysis.solutions["nash"]
    doc = sim.score(problem, package_dict(problem, nash), analysis=analysis).to_json()
    assert tuple(doc) == JSON_KEYS
    assert doc["feasible"] and doc["pareto_optimal"] and doc["dominated_by"] is None
    assert doc["nearest_feasible"]["package"] == doc["package"]
    assert doc["nearest_feasible"]["changed"] == []
    assert doc["red_lines_broken"] == [] and doc["below_reservation"] == []


# --------------------------------------------------------------------------- the CLI
MAXIMAL_UKRAINE = ("ceasefire=immediate,crimea=ukrainian_claim,donbas=returned,south=returned,"
                   "other_land=returned,ukraine_nato=path_open,nato_expansion=no_commitment,"
                   "security_guarantees=peacekeepers_and_weapons,eu_membership=free_to_seek,"
                   "long_range_strikes=no_moratorium,us_pressure=tariffs")


def negsim(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_score_json_names_the_red_lines_and_the_nearest_deal(capsys):
    code, out, err = negsim(capsys, "score", ALASKA, "--package", MAXIMAL_UKRAINE, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert tuple(doc) == JSON_KEYS
    assert doc == sim.score(ALASKA, MAXIMAL_UKRAINE).to_json()
    scenario = sim.load(ALASKA)
    for item in doc["red_lines_broken"]:  # every name is one of that actor's red lines
        assert item["name"] in {r.name for r in scenario.actors[item["actor"]].red_lines}
    assert {("russia", "no_nato_path"), ("russia", "keep_crimea")} <= {
        (r["actor"], r["name"]) for r in doc["red_lines_broken"]}
    assert doc["feasible"] is False and doc["below_reservation"] == ["russia"]
    assert doc["margins"]["russia"] == pytest.approx(
        doc["utilities"]["russia"] - doc["reservations"]["russia"], abs=2e-6)
    near = doc["nearest_feasible"]
    assert sim.score(ALASKA, near["package"]).to_json()["feasible"] is True
    changed = [i for i, o in near["package"].items() if doc["package"][i] != o]
    assert near["changed"] == changed


def test_score_readable_output_uses_labels(capsys):
    code, out, _ = negsim(capsys, "score", ALASKA, "--package", MAXIMAL_UKRAINE)
    assert code == 0
    assert "Russia (Putin)" in out and "Crimea is not handed back" in out
    assert "The nearest feasible package changes" in out and "not feasible" in out


@pytest.mark.parametrize(("package", "fragments"), [
    ("a=immediate", ["unknown issue 'a'; allowed: ceasefire, land",
                     "missing issue 'ceasefire'; allowed options: immediate, in_package, none"]),
    ("ceasefire=soon,land=frozen", ["unknown option 'soon' of issue 'ceasefire'; allowed: "
                                    "immediate, in_package, none"]),
    ("ceasefire,land=frozen", ["'ceasefire' is not issue=option"]),
    ("land=frozen,land=ceded", ["issue 'land' is given twice"]),
])
def test_bad_package_strings_exit_2_listing_what_is_allowed(capsys, package, fragments):
    code, out, err = negsim(capsys, "score", MINI, "--package", package)
    assert code == 2 and out == ""
    assert "Traceback" not in err
    for fragment in fragments:
        assert f"--package: {fragment}" in err
