"""Bad experiment files and bad directories: exit code 2 with one-line errors, no traceback."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from sim.cli import main

DATA = Path(__file__).parent / "data" / "sweep"


def write_experiment(tmp_path: Path, body: str) -> Path:
    shutil.copy(DATA / "tiny.yaml", tmp_path / "tiny.yaml")
    path = tmp_path / "exp.yaml"
    header = "name: bad\nscenario: tiny.yaml\nseed: 1\n"
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return path


def run_cli(args: list[str], capsys) -> tuple[int, list[str]]:
    code = main(args)
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip()]


CASES = {
    "unknown path": (
        """
        parameters:
          - path: actors.b.patiense
            values: [0.9]
        """,
        ["parameters[0].path: unknown path 'actors.b.patiense'; nearest: actors.b.patience"],
    ),
    "empty range": (
        """
        parameters:
          - path: actors.b.patience
            range: {low: 0.99, high: 0.9, steps: 3}
        """,
        ["parameters[0].range: empty range: low 0.99 is greater than high 0.9"],
    ),
    "empty integer range": (
        """
        parameters:
          - path: protocol.deadline
            range: {low: 2.2, high: 2.8, integer: true}
        """,
        ["parameters[0].range: empty range: no integer between 2.2 and 2.8"],
    ),
    "empty values": (
        """
        parameters:
          - path: protocol.kind
            values: []
        """,
        ["parameters[0]: empty list of values"],
    ),
    "wrong value type": (
        """
        parameters:
          - path: actors.b.patience
            values: [0.9, high]
        """,
        ['parameters[0].values[1]: wrong type: "high" for actors.b.patience, which takes a number'],
    ),
    "range on text": (
        """
        parameters:
          - path: protocol.kind
            range: {low: 0, high: 1, steps: 2}
        """,
        ["parameters[0].range: protocol.kind takes text, not a number"],
    ),
    "fractional range on an integer field": (
        """
        parameters:
          - path: protocol.deadline
            range: {low: 2, high: 6, steps: 3}
        """,
        ["parameters[0].range: protocol.deadline takes a whole number; mark the range"],
    ),
    "wrong field type": (
        """
        replicates: many
        """,
        ["replicates: Input should be a valid integer"],
    ),
    "unknown field": (
        """
        replicate: 3
        """,
        ["replicate: unknown field"],
    ),
    "value breaks the scenario": (
        """
        parameters:
          - path: actors.b.patience
            values: [0.9, 1.5]
        """,
        ["point 1 (actors.b.patience=1.5): actors.b.patience: patience 1.5 is outside [0, 1]"],
    ),
    "unknown protocol": (
        """
        parameters:
          - path: protocol.kind
            values: [random_proposer, telepathy]
        """,
        ["point 1 (protocol.kind=telepathy): protocol.kind: unknown protocol 'telepathy'"],
    ),
    "sobol size": (
        """
        design: {kind: sobol, samples: 12}
        parameters:
          - path: actors.b.patience
            range: {low: 0.9, high: 0.99}
        """,
        ["design: a sobol design needs a power of two samples (got 12; try 8 or 16)"],
    ),
    "continuous grid without steps": (
        """
        parameters:
          - path: actors.b.patience
            range: {low: 0.9, high: 0.99}
        """,
        ["parameters[0].range: a continuous range needs 'steps' in a grid design"],
    ),
    "missing scenario file": (
        """
        parameters:
          - path: scenario
            values: [tiny.yaml, nowhere.yaml]
        """,
        ["parameters[0].values[1]: scenario file not found"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_experiment_exits_2_with_one_line(case, tmp_path, capsys):
    body, expected = CASES[case]
    path = write_experiment(tmp_path, body)
    code, lines = run_cli(["sweep", str(path), "--out", str(tmp_path / "out"), "-q"], capsys)
    assert code == 2
    assert len(lines) == len(expected), lines
    for line, want in zip(lines, expected, strict=True):
        assert line.startswith(str(path) + ": "), line
        assert want in line, line
        assert "Traceback" not in line
    assert not (tmp_path / "out").exists(), "nothing may run or be written"


def test_yaml_syntax_error_has_line_and_column(tmp_path, capsys):
    path = write_experiment(tmp_path, "parameters: [\n")
    code, lines = run_cli(["sweep", str(path), "-q"], capsys)
    assert code == 2 and len(lines) == 1
    assert "line " in lines[0] and "column " in lines[0] and "YAML error" in lines[0]


def test_missing_experiment_file(tmp_path, capsys):
    code, lines = run_cli(["sweep", str(tmp_path / "none.yaml"), "-q"], capsys)
    assert code == 2 and lines == [f"{tmp_path / 'none.yaml'}: file not found"]


def test_foreign_non_empty_directory_is_refused(tmp_path, capsys):
    path = write_experiment(tmp_path, "")
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, lines = run_cli(["sweep", str(path), "--out", str(out), "-q"], capsys)
    assert code == 2 and len(lines) == 1
    assert "is not empty and holds no manifest.json" in lines[0]
    assert (out / "notes.txt").read_text() == "mine"


def test_resume_needs_something_to_resume(tmp_path, capsys):
    path = write_experiment(tmp_path, "")
    code, lines = run_cli(
        ["sweep", str(path), "--out", str(tmp_path / "o"), "--resume", "-q"], capsys
    )
    assert code == 2 and len(lines) == 1 and "nothing to resume" in lines[0]


@pytest.mark.parametrize("option", [["--workers", "0"], ["--chunk-size", "0"]])
def test_bad_execution_options(option, tmp_path, capsys):
    path = write_experiment(tmp_path, "")
    code, lines = run_cli(["sweep", str(path), "--out", str(tmp_path / "o"), "-q", *option],
                          capsys)
    assert code == 2 and len(lines) == 1 and "must be at least 1" in lines[0]


@pytest.mark.parametrize("make", ["missing", "empty", "garbage"])
def test_reachable_bad_directory(make, tmp_path, capsys):
    target = tmp_path / "d"
    if make != "missing":
        target.mkdir()
    if make == "garbage":
        (target / "manifest.json").write_text("{not json")
    code, lines = run_cli(["reachable", str(target)], capsys)
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith(str(target))


@pytest.mark.parametrize("address", ["bogus://x:1", "127.0.0.1:8786", "tcp://", "tcp://a b:1"])
def test_bad_scheduler_address(address, tmp_path, capsys):
    path = write_experiment(tmp_path, "")
    code, lines = run_cli(["sweep", str(path), "--out", str(tmp_path / "o"), "-q",
                           "--scheduler", address], capsys)
    assert code == 2
    assert lines == [f"--scheduler: expected a scheduler address like tcp://HOST:PORT, "
                     f"got '{address}'"]
    assert not (tmp_path / "o").exists()


def test_scheduler_without_dask_installed(tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    path = write_experiment(tmp_path, "")
    code, lines = run_cli(["sweep", str(path), "--out", str(tmp_path / "o"), "-q",
                           "--scheduler", "tcp://127.0.0.1:8786"], capsys)
    assert code == 2 and len(lines) == 1
    assert "needs dask.distributed, which is not installed" in lines[0]
    assert "negsim[distributed]" in lines[0]
