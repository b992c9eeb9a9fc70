"""Scenario files: the shipped scenarios validate; malformed files give one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.scenario import ScenarioError, compile_problem, load_raw, load_scenario
from sim.scenario.loader import merge

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
BAD = sorted((ROOT / "tests" / "data" / "bad_scenarios").glob("*.yaml"))


def _expected(path: Path) -> str:
    first = path.read_text().splitlines()[0] if path.read_text() else ""
    assert first.startswith("# expect: "), f"{path.name} lacks an '# expect:' header"
    return first[len("# expect: "):]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_validate(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "ok"


def test_at_least_fifteen_malformed_files():
    assert len(BAD) >= 15


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_malformed_file_exits_2_naming_the_field(path, capsys):
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert _expected(path) in err, err
    assert "Traceback" not in err
    for line in err.strip().splitlines():
        assert line.startswith(str(path)), line


def test_no_traceback_from_the_console_script(tmp_path):
    bad = BAD[0]
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) >= 1


def test_missing_file_is_a_user_error(capsys):
    assert main(["validate", "no/such/file.yaml"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_variants_extend_the_base_in_a_few_lines():
    base = load_raw(ROOT / "scenarios" / "alaska_summit.yaml")
    for path in SCENARIOS:
        if path.name == "alaska_summit.yaml":
            continue
        text = path.read_text()
        assert "extends:" in text, path.name
        if path.name != "europe_split.yaml":
            assert len(text.splitlines()) < 45, f"{path.name} should be a small variant"
    assert "europe" in base["actors"]


def test_europe_split_has_no_bloc_and_four_european_agents():
    s = load_scenario(ROOT / "scenarios" / "europe_split.yaml")
    assert "europe" not in s.actors
    assert {"troop_contributors", "non_contributors", "frontline_states",
            "sanctions_sceptic"} <= set(s.actors)
    assert len(s.actors) == 7


def test_alaska_has_the_eleven_issues_and_four_actors():
    s = load_scenario(ROOT / "scenarios" / "alaska_summit.yaml")
    p = compile_problem(s)
    assert p.n_outcomes == 52_488
    assert p.actors == ("united_states", "russia", "ukraine", "europe")
    for prefs in p.preferences:
        assert abs(prefs.weights.sum() - 1.0) < 1e-12


def test_every_actor_parameter_has_provenance():
    """Every weight, value table, reservation, patience and red line cites or assumes."""
    for path in SCENARIOS:
        raw = load_raw(path)
        for aid, actor in raw["actors"].items():
            for key in ("weights", "values"):
                for iid, entry in actor[key].items():
                    assert "source" in entry, (path.name, aid, key, iid)
            for key in ("reservation", "patience"):
                assert "source" in actor[key], (path.name, aid, key)
            for rl in actor.get("red_lines", []):
                assert "source" in rl, (path.name, aid, rl["name"])


def test_merge_rules():
    base = {"a": {"x": 1, "y": 2}, "l": [{"name": "p", "v": 1}, {"name": "q", "v": 2}],
            "source": {"quote": "q"}}
    over = {"a": {"y": None, "z": 3}, "l": [{"name": "q", "v": 5}, {"name": "p", "delete": True}],
            "plain": [1]}
    out = merge(base, over)
    assert out["a"] == {"x": 1, "z": 3}
    assert out["l"] == [{"name": "q", "v": 5}]
    assert merge({"source": {"quote": "a"}}, {"source": {"assumption": "b"}}) == {
        "source": {"assumption": "b"}}


def test_scenario_error_lines_are_one_per_problem(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("name: x\nissues: {a: {options: {x: X, y: Y}}}\nactors: {}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f)
    assert all(line.startswith(str(f)) for line in exc.value.lines)


def test_schema_command_prints_json_schema(capsys):
    assert main(["schema"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["title"] == "negsim scenario"
    assert "actors" in doc["properties"] and "extends" in doc["properties"]


@pytest.mark.parametrize("name", ["alaska_summit.yaml", "europe_split.yaml"])
def test_scenarios_readme_tables_are_in_step(name):
    from sim.scenario.provenance import provenance_markdown

    readme = (ROOT / "scenarios" / "README.md").read_text()
    assert provenance_markdown(ROOT / "scenarios" / name) in readme
