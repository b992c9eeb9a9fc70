"""The dashboard's computations without a browser: edits, views, figures, the command."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from core_reference import random_problem

from sim.cli import main
from sim.core.analysis import analyze
from sim.dashboard import figures
from sim.dashboard.text import Names, table
from sim.dashboard.whatif import (
    PARAMS,
    Base,
    Mapped,
    apply_edits,
    edited,
    hashable,
    utility_edits,
    view,
)
from sim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"


@pytest.fixture(scope="module")
def base() -> Base:
    return Base.load(ALASKA)


@pytest.mark.parametrize("seed", range(25))
def test_reusing_an_analysis_gives_the_same_analysis(seed):
    problem = random_problem(seed)
    first = analyze(problem, diagnostics=False)
    rng = np.random.default_rng(seed)
    prefs = tuple(replace(p, reservation=float(rng.uniform(0, 0.6)))
                  for p in problem.preferences)
    parts = tuple(sorted(rng.choice(problem.n_actors, size=max(1, problem.n_actors - 1),
                                    replace=False).tolist()))
    moved = replace(problem, preferences=prefs, participants=parts)
    fresh, reused = analyze(moved, diagnostics=False), analyze(moved, diagnostics=False,
                                                                 reuse=first)
    for name in ("U", "red_ok", "agenda_ok", "feasible", "pareto", "feasible_pareto",
                 "reservations"):
        np.testing.assert_array_equal(getattr(fresh, name), getattr(reused, name))
    assert fresh.solutions == reused.solutions


def test_an_edited_view_counts_what_negsim_analyze_counts_on_the_written_edit(base, tmp_path,
                                                                             capsys):
    edits = (("actors.russia.reservation", 0.6), ("actors.europe.participates", False),
             ("actors.ukraine.weights.crimea", 0.3))
    v = view(edited(base, edits))
    path = tmp_path / "whatif.yaml"
    path.write_text(yaml.safe_dump(apply_edits(base.data, edits), sort_keys=False))
    assert main(["analyze", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["n_feasible"] == v.n_feasible
    assert doc["feasible_pareto_size"] == int(v.analysis.feasible_pareto.sum())
    nash = v.solution("nash")
    assert nash is not None
    assert doc["solutions"]["nash"]["package"] == dict(
        zip(v.problem.issues, [v.problem.options[i][o] for i, o in
                               enumerate(v.options_of(nash))], strict=True))
    assert base.data["actors"]["russia"]["reservation"]["value"] == 0.55  # left untouched


def test_edits_that_keep_the_utilities_reuse_them(base):
    edits = (("actors.russia.reservation", 0.5), ("protocol.deadline", 12),
             ("dynamics.events[0].round", 3), ("actors.ukraine.weights.south", 0.2),
             ("actors.europe.participates", False))
    assert utility_edits(edits) == (("actors.ukraine.weights.south", 0.2),)
    reuse = view(edited(base, utility_edits(edits))).analysis
    fresh = view(edited(base, edits))
    assert view(edited(base, edits), reuse=reuse).n_feasible == fresh.n_feasible


def test_the_table_can_be_replaced_whole_and_bad_edits_are_refused(base):
    seats = hashable({"negotiators": ["ukraine", "russia"]})
    assert isinstance(seats, Mapped)
    scenario = edited(base, ((PARAMS, seats),))
    assert scenario.protocol is not None
    assert scenario.protocol.params == {"negotiators": ["ukraine", "russia"]}
    with pytest.raises(ScenarioError):
        edited(base, ((PARAMS, hashable({"negotiators": ["ukraine"]})),))  # needs two
    with pytest.raises(ScenarioError):
        edited(base, (("actors.russia.reservation", 1.5),))


def test_figures_are_json_options_with_the_labels(base):
    v = view(base.scenario)
    names = Names(base.scenario, v.problem)
    option = figures.utility_space(v, 1, 2, v.solution("nash"), names.actors, names.row_terms)
    json.dumps(option)
    series = {s["name"] for s in option["series"]}
    feasible_name = f"feasible ({v.n_feasible:,})"
    assert {feasible_name, "Nash package", "KS package", "drafted package"} <= series
    assert option["xAxis"]["name"] == "utility of Russia (Putin)"
    feasible = next(s for s in option["series"] if s["name"] == feasible_name)
    assert len(feasible["data"]) == v.n_feasible
    assert feasible["data"][0]["name"].startswith("Ceasefire: ")
    front = next(s for s in option["series"] if s["name"].startswith("Pareto frontier"))
    xs = [p[0] for p in front["data"]]
    ys = [p[1] for p in front["data"]]
    assert xs == sorted(xs) and ys == sorted(ys, reverse=True)


def test_tables_escape_their_cells():
    html = table(["a"], [["<b>x</b>\ny"]], "t", [{"k": '"q"'}])
    assert "&lt;b&gt;x&lt;/b&gt;<br>y" in html and 'data-k="&quot;q&quot;"' in html


@pytest.mark.parametrize(("args", "fragment"), [
    (["dashboard", "no/such/file.yaml"], "no/such/file.yaml"),
    (["dashboard", str(ALASKA), "--results", "no/such/dir"], "--results: no/such/dir"),
])
def test_dashboard_bad_input_is_one_line_and_exit_2(capsys, args, fragment):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
