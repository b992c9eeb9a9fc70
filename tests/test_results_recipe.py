"""Results other tools read well: labels in the Parquet metadata, and the README's recipe
for pandas, polars and duckdb run as written on a small sweep of the demo experiment.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from sim.cli import main
from sim.experiment.labels import KEY, read_labels_doc
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A copy of the project's files with ``results/demo`` from a small demo sweep."""
    where = tmp_path_factory.mktemp("recipe")
    for sub in ("scenarios", "experiments"):
        shutil.copytree(ROOT / sub, where / sub)
    demo = where / "experiments" / "demo.yaml"
    spec = yaml.safe_load(demo.read_text())
    spec["replicates"] = 4  # 2 formats x 3 patience levels x 4 = 24 runs
    demo.write_text(yaml.safe_dump(spec, sort_keys=False))
    code = main(["sweep", str(demo), "--out", str(where / "results" / "demo"),
                 "--workers", "1", "-q"])
    assert code == 0
    return where


def test_every_parquet_file_names_its_ids(scratch):
    out = scratch / "results" / "demo"
    base = load_scenario(scratch / "scenarios" / "alaska_summit.yaml")
    table = load_scenario(scratch / "scenarios" / "zelenskyy_at_table.yaml")
    files = [out / "points.parquet", *sorted((out / "runs").glob("part-*.parquet"))]
    assert len(files) >= 2
    docs = [read_labels_doc(f) for f in files]
    assert all(d == docs[0] for d in docs)
    doc = docs[0]
    assert doc["scenario"] == base.name
    assert sorted(doc["scenarios"].values()) == sorted([base.name, table.name])
    assert doc["issues"] == {i: iss.label or i for i, iss in base.issues.items()}
    assert doc["options"] == {i: dict(iss.options) for i, iss in base.issues.items()}
    assert doc["actors"] == {a: act.label or a for a, act in base.actors.items()}
    spec = yaml.safe_load((scratch / "experiments" / "demo.yaml").read_text())
    assert doc["params"] == {f"param.{p['path']}": p["label"]
                             for p in spec["parameters"] if p.get("label")}
    assert doc["params"]  # the demo labels its parameters
    runs = pq.read_table(out / "runs").to_pandas()
    assert set(runs["param.scenario"]) == set(doc["scenarios"])  # the key is the value
    for column in runs.columns:
        if column.startswith("pkg."):
            issue = column[len("pkg."):]
            assert set(runs[column].dropna()) <= set(doc["options"][issue])
    # plain pyarrow sees the same document under the documented key
    raw = pq.read_schema(files[0]).metadata[KEY.encode()]
    assert json.loads(raw) == doc


def test_read_labels_doc_is_none_without_labels(tmp_path):
    import pyarrow as pa

    pq.write_table(pa.table({"x": [1]}), tmp_path / "plain.parquet")
    assert read_labels_doc(tmp_path / "plain.parquet") is None
    assert read_labels_doc(tmp_path / "missing.parquet") is None


def test_the_readme_recipe_runs_with_pandas_polars_and_duckdb(scratch, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    recipe = next(b for b in blocks if "import duckdb" in b)
    for tool in ("pandas", "polars", "duckdb"):
        assert f"import {tool}" in recipe
    monkeypatch.chdir(scratch)
    exec(compile(recipe, "README.md (recipe)", "exec"), {})
    printed = capsys.readouterr().out
    base = load_scenario(scratch / "scenarios" / "alaska_summit.yaml")
    assert base.name in printed and "Frozen at the line of contact" in printed
    assert "Zelenskyy at the table" in printed  # scenario names, not file paths
