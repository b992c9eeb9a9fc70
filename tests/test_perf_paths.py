"""The shortcuts of issue 15's start-up and memory work give the same answers as the long way.

- `sim.scenario.loader.parse_yaml` parses a text once per process: later calls return an
  equal, independent copy; a text with a problem is never remembered.
- ``negsim validate`` reads a scenario file once.
- The durable summary of ``reachable`` reads only the columns it uses, with the same result
  as reading every column.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
import yaml

from sim.scenario import loader

ROOT = Path(__file__).resolve().parents[1]
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"


def test_a_text_parsed_again_is_an_equal_independent_copy() -> None:
    text = "a: [1, 2.5, {b: x}]\nc: &k {d: 1}\ne: *k\n"
    first = loader.parse_yaml(text, "one.yaml")
    second = loader.parse_yaml(text, "two.yaml")
    assert first == second == yaml.safe_load(text)
    assert first is not second and first["a"] is not second["a"]
    first["a"][2]["b"] = "changed"
    assert loader.parse_yaml(text, "three.yaml")["a"][2]["b"] == "x"
    assert second["e"] is second["c"]  # an alias stays one shared object, as PyYAML gives it


def test_a_text_with_a_problem_is_reported_at_every_call_with_its_file() -> None:
    text = "a: 1\na: 2\n"
    for name in ("first.yaml", "second.yaml"):
        with pytest.raises(loader.ScenarioError) as exc:
            loader.parse_yaml(text, name)
        assert exc.value.lines[0].startswith(f"{name}: line 2")


def test_validate_reads_a_scenario_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.cli import main
    from sim.experiment import checkfile

    reads: list[Path] = []
    real = loader.read_yaml_file

    def counting(path: Path, what: str = "") -> object:
        reads.append(Path(path).resolve())
        return real(path, what)

    monkeypatch.setattr(loader, "read_yaml_file", counting)
    monkeypatch.setattr(checkfile, "read_yaml_file", counting)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert main(["validate", str(ALASKA)]) == 0
    assert out.getvalue().strip() == "ok"
    assert reads.count(ALASKA.resolve()) == 1


def test_the_durable_summary_reads_its_columns_only_and_agrees_with_a_full_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.experiment import dataset, durable
    from sim.experiment.runner import SweepOptions, sweep

    (tmp_path / "exp.yaml").write_text(yaml.safe_dump({
        "name": "cols", "scenario": str(ALASKA), "replicates": 4, "seed": 3,
        "parameters": [{"path": "actors.russia.patience", "values": [0.95, 0.99]}],
        "design": {"kind": "grid"}}))
    out = tmp_path / "out"
    sweep(tmp_path / "exp.yaml", SweepOptions(out=out, workers=1, progress="quiet"))
    manifest = dataset.read_manifest(out)
    pkg_cols = [c for c in dataset.read_runs(out, None, None, manifest).column_names
                if c.startswith("pkg.")]

    asked: list[list[str] | None] = []
    real = dataset.read_runs

    def spy(directory: Path, columns: list[str] | None = None, *args: object,
            **kwargs: object) -> object:
        asked.append(columns)
        return real(directory, columns, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(dataset, "read_runs", spy)
    projected = durable.durable_summary(out, manifest, pkg_cols)
    monkeypatch.setattr(durable, "_run_columns", lambda path, manifest: None)
    full = durable.durable_summary(out, manifest, pkg_cols)
    assert projected is not None and projected == full
    assert asked[1] is None  # the long way
    used = asked[0]
    assert used is not None and set(used) == {
        "point_id", *durable.COLUMNS, *pkg_cols, *(c for c in used if c.startswith("u."))}
    assert any(c.startswith("u.") for c in used)
