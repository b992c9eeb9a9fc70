"""``negsim run`` and ``negsim solve``: output, determinism, files, one-line errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from sim.cli import app, main, run_cmd, solve_cmd

ROOT = Path(__file__).resolve().parent.parent
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"
GOLDEN = Path(__file__).resolve().parent / "golden" / "alaska_seed1.json"
MINI = Path(__file__).resolve().parent / "data" / "mini.yaml"


@pytest.fixture(autouse=True, scope="module")
def commands():
    """``run`` and ``solve`` on the CLI (the CLI module wires them; idempotent here)."""
    names = {c.name for c in app.registered_commands}
    if "run" not in names:
        run_cmd.register(app)
    if "solve" not in names:
        solve_cmd.register(app)


def negsim(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def scenario_file(tmp_path: Path, protocol: dict | None, name: str = "s.yaml") -> Path:
    data = copy.deepcopy(yaml.safe_load(MINI.read_text()))
    if protocol is not None:
        data["protocol"] = protocol
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


# --------------------------------------------------------------------------- run
def test_run_json_is_byte_identical_for_a_seed(capsys):
    code, first, _ = negsim(capsys, "run", ALASKA, "--seed", 3, "--json")
    assert code == 0
    code, second, _ = negsim(capsys, "run", ALASKA, "--seed", 3, "--json")
    assert code == 0 and first == second
    doc = json.loads(first)
    assert list(doc) == ["agreement", "package", "round", "utilities", "ratified",
                         "stillborn", "pareto_optimal", "nash_distance", "seed",
                         "stage1_ceasefire", "ceasefire_only", "outcome", "durability"]
    assert doc["seed"] == 3


def test_run_default_seed_is_zero_and_printed(capsys):
    code, out, _ = negsim(capsys, "run", ALASKA, "--json")
    assert code == 0 and json.loads(out)["seed"] == 0
    code, text, _ = negsim(capsys, "run", ALASKA)
    assert code == 0 and "seed 0" in text
    code, again, _ = negsim(capsys, "run", ALASKA)
    assert text == again


def test_run_readable_account(capsys):
    code, text, _ = negsim(capsys, "run", ALASKA, "--seed", 1)
    assert code == 0
    assert "Alaska summit" in text and "Round by round" in text
    assert "Outcome:" in text and "utility" in text
    doc = json.loads(GOLDEN.read_text())
    if doc["package"] is not None:
        assert "The deal" in text or "The package on record" in text
    if doc["ratified"] is not None:
        assert "Ratified:" in text


def test_run_seed_1_matches_the_golden_file(capsys):
    code, out, _ = negsim(capsys, "run", ALASKA, "--seed", 1, "--json")
    assert code == 0 and json.loads(out) == json.loads(GOLDEN.read_text())


def test_run_writes_trace_and_plot(capsys, tmp_path):
    trace, plot = tmp_path / "t.parquet", tmp_path / "d.png"
    code, out, _ = negsim(capsys, "run", ALASKA, "--seed", 1, "--json", "--trace", trace,
                          "--plot", plot)
    assert code == 0
    table = pq.read_table(trace)
    assert {"round", "stage", "proposer", "proposal", "package", "utility_russia",
            "response_ukraine", "reservation_europe"} <= set(table.column_names)
    assert table.schema.field("proposal").type == "int64"
    assert table.schema.field("response_russia").type == "bool"
    rounds = table.column("round").to_pylist()
    assert rounds == list(range(len(rounds)))
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # collecting the trace does not change the result
    code, plain, _ = negsim(capsys, "run", ALASKA, "--seed", 1, "--json")
    assert plain == out


def test_run_rounds_override(capsys, tmp_path):
    path = scenario_file(tmp_path, {"kind": "alternating_offers", "deadline": 50,
                                    "walk_away": False})
    trace = tmp_path / "t.parquet"
    code, _, _ = negsim(capsys, "run", path, "--rounds", 2, "--trace", trace, "--json")
    assert code == 0 and pq.read_table(trace).num_rows <= 2


@pytest.mark.parametrize("args, fragment", [
    (["run", "missing.yaml"], "file not found"),
    (["run", ALASKA, "--trace", "/nonexistent/dir/t.parquet", "--json"], "cannot write"),
    (["run", ALASKA, "--plot", "/nonexistent/dir/d.png", "--json"], "cannot write"),
])
def test_run_bad_input_is_one_line_and_exit_2(capsys, args, fragment):
    code, out, err = negsim(capsys, *args)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0]


def test_run_rejects_bad_rounds(capsys):
    code, _, _ = negsim(capsys, "run", ALASKA, "--rounds", 0)
    assert code == 2


def test_run_unknown_protocol_lists_the_registered(capsys, tmp_path):
    path = scenario_file(tmp_path, {"kind": "auction"})
    code, _, err = negsim(capsys, "run", path)
    assert code == 2
    assert "unknown protocol 'auction'" in err and "alternating_offers" in err
    assert len(err.strip().splitlines()) == 1


def test_run_analysis_only_scenario_is_an_error(capsys, tmp_path):
    path = scenario_file(tmp_path, None)
    code, _, err = negsim(capsys, "run", path)
    assert code == 2 and "no protocol" in err and len(err.strip().splitlines()) == 1


# --------------------------------------------------------------------------- solve
def test_solve_json(capsys):
    code, out, _ = negsim(capsys, "solve", ALASKA, "--json")
    assert code == 0
    doc = json.loads(out)
    assert list(doc)[:4] == ["package", "round", "proposer", "utilities"]  # keys only added
    scenario = yaml.safe_load(ALASKA.read_text())
    assert set(doc["utilities"]) == set(scenario["actors"])
    if doc["package"] is not None:
        assert set(doc["package"]) == set(scenario["issues"])
        assert doc["proposer"] in scenario["protocol"]["params"]["negotiators"]
        for issue, option in doc["package"].items():
            assert option in scenario["issues"][issue]["options"]
    code, again, _ = negsim(capsys, "solve", ALASKA, "--json")
    assert again == out
    code, text, _ = negsim(capsys, "solve", ALASKA)
    assert code == 0 and "subgame-perfect equilibrium" in text


def test_solve_single_text_has_no_equilibrium(capsys, tmp_path):
    path = scenario_file(tmp_path, {"kind": "single_text"})
    code, out, err = negsim(capsys, "solve", path, "--json")
    assert code == 2 and out == ""
    assert "single_text" in err and len(err.strip().splitlines()) == 1
