"""Loading results directories, targets and the tables behind the report.

`write_results` builds a synthetic results directory with exactly the columns of a
`negsim sweep` (the other report tests import it).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sim.errors import UserError
from sim.experiment import dataset
from sim.experiment.reachable import PackageSpace
from sim.experiment.schema import Counts, Manifest
from sim.report import data as D
from sim.report import replay
from sim.report import tables as T

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "alaska_summit.yaml"
ISSUES = ("ceasefire", "crimea", "donbas", "south", "other_land", "ukraine_nato",
          "nato_expansion", "security_guarantees", "eu_membership", "long_range_strikes",
          "us_pressure")
ACTORS = ("united_states", "russia", "ukraine", "europe")
PACKAGES = (
    ("in_package", "unresolved", "frozen", "frozen", "returned", "deferred", "political_pledge",
     "us_weapons", "free_to_seek", "mutual_moratorium", "status_quo"),
    ("in_package", "unresolved", "frozen", "frozen", "kept", "neutrality", "political_pledge",
     "us_weapons", "free_to_seek", "mutual_moratorium", "relief"),
    ("immediate", "unresolved", "frozen", "frozen", "returned", "deferred", "no_commitment",
     "peacekeepers_and_weapons", "free_to_seek", "no_moratorium", "status_quo"),
)
PATIENCE = (0.9, 0.92, 0.94, 0.96, 0.98)
SEQUENCING = ("package", "ceasefire_first")


def planted(patience: float, sequencing: str) -> float:
    """The planted agreement probability: high iff patience < 0.95 and a package deal."""
    return 0.9 if patience < 0.95 and sequencing == "package" else 0.1


def write_results(
    out: Path, replicates: int = 8, seed: int = 7, sequencing: tuple[str, ...] = SEQUENCING
) -> Path:
    """A grid over Russia's patience x sequencing with the sweep's exact columns."""
    rng = np.random.default_rng(seed)
    points = [(p, s) for p in PATIENCE for s in sequencing]
    rows = []
    for pid, (patience, seq) in enumerate(points):
        for rep in range(replicates):
            agree = bool(rng.random() < planted(patience, seq))
            stillborn = (not agree) and bool(rng.random() < 0.5)
            row = {
                "run_id": pid * replicates + rep, "point_id": pid, "replicate": rep,
                "seed": int(rng.integers(2**62)),
                "param.actors.russia.patience": patience, "param.protocol.sequencing": seq,
                "agreement": agree,
            }
            pkg = PACKAGES[int(rng.integers(len(PACKAGES)))] if agree or stillborn else None
            for i, issue in enumerate(ISSUES):
                row[f"pkg.{issue}"] = None if pkg is None else pkg[i]
            row["round"] = int(rng.integers(1, 20)) if pkg is not None else None
            for a in ACTORS:
                row[f"u.{a}"] = float(rng.random())
            row["ratified"] = True if agree else (False if stillborn else None)
            row["stillborn"] = stillborn
            row["pareto_optimal"] = bool(rng.random() < 0.7) if agree else None
            row["nash_distance"] = float(rng.random()) if agree else None
            row["reason"] = "agreement" if agree else ("stillborn" if stillborn else "deadline")
            row["n_feasible"] = 120
            for issue in ISSUES:
                row[f"spe.{issue}"] = None
            rows.append(row)
    frame = pd.DataFrame(rows)
    schema = pa.schema(
        [("run_id", pa.int64()), ("point_id", pa.int64()), ("replicate", pa.int32()),
         ("seed", pa.int64()), ("param.actors.russia.patience", pa.float64()),
         ("param.protocol.sequencing", pa.string()), ("agreement", pa.bool_())]
        + [(f"pkg.{i}", pa.string()) for i in ISSUES] + [("round", pa.int32())]
        + [(f"u.{a}", pa.float64()) for a in ACTORS]
        + [("ratified", pa.bool_()), ("stillborn", pa.bool_()), ("pareto_optimal", pa.bool_()),
           ("nash_distance", pa.float64()), ("reason", pa.string()), ("n_feasible", pa.int64())]
        + [(f"spe.{i}", pa.string()) for i in ISSUES]
    )
    (out / "runs").mkdir(parents=True)
    half = len(frame) // 2
    records = []
    for part in (frame.iloc[:half], frame.iloc[half:]):
        table = pa.Table.from_pandas(part, schema=schema, preserve_index=False)
        data = dataset.parquet_bytes(table)
        ids = table.column("run_id").to_numpy()
        name = f"part-{int(ids[0]):012d}-{ids.size:06d}.parquet"
        (out / "runs" / name).write_bytes(data)
        records.append(dataset.part_record(name, data, ids))
    space = scenario_space()
    first = PackageSpace.of(space).encode(dict(zip(ISSUES, PACKAGES[0], strict=True)))
    pts = pd.DataFrame({
        "point_id": range(len(points)),
        "param.actors.russia.patience": [p for p, _ in points],
        "param.protocol.sequencing": [s for _, s in points],
        "n_feasible": 120,
        # PACKAGES[0] is feasible at even points only; the others nowhere
        "feasible_rows": [[0, first] if pid % 2 == 0 else [0] for pid in range(len(points))],
    })
    pq.write_table(pa.Table.from_pandas(pts, preserve_index=False), out / "points.parquet")
    experiment = {
        "name": "synthetic", "question": "Does patience matter?", "description": "",
        "scenario": str(SCENARIO),
        "parameters": [
            {"path": "actors.russia.patience", "values": None,
             "range": {"low": 0.9, "high": 0.98, "steps": 5, "integer": False}, "label": ""},
            {"path": "protocol.sequencing", "values": list(sequencing), "range": None,
             "label": "sequencing"},
        ],
        "design": {"kind": "grid", "samples": None}, "replicates": replicates, "seed": seed,
        "rounds": None, "source_file": str(out / "synthetic.yaml"), "experiment_hash": "0" * 64,
        "n_points": len(points), "n_runs": len(frame),
        "points": [{"point_id": i, "params": {"actors.russia.patience": p,
                                              "protocol.sequencing": s}}
                   for i, (p, s) in enumerate(points)],
    }
    (out / "experiment.yaml").write_text(yaml.safe_dump(experiment, sort_keys=False))
    spaces = {"format": "negsim-spaces/1", "base": "alaska_summit.yaml",
              "scenarios": {"alaska_summit.yaml": {"issues": space}}}
    (out / "spaces.json").write_text(json.dumps(spaces))
    write_manifest(out, records, total=len(frame))
    return out


def write_manifest(out: Path, records: list, total: int) -> None:
    """A manifest recording these parts and the side files found in ``out``."""
    files = {n: dataset.file_sha256(out / n) for n in ("experiment.yaml", "spaces.json",
                                                       "points.parquet") if (out / n).exists()}
    manifest = Manifest(experiment_name="synthetic", experiment_hash="0" * 64,
                        package_version="0", git_commit=None, started="2025-08-15T00:00:00",
                        counts=Counts(total=total, done=sum(r.rows for r in records)),
                        parts=records, files=files)
    (out / "manifest.json").write_text(manifest.model_dump_json())


def scenario_space() -> dict[str, list[str]]:
    raw = yaml.safe_load(SCENARIO.read_text())
    return {i: list(v["options"]) for i, v in raw["issues"].items()}


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    return write_results(tmp_path_factory.mktemp("results"))


def test_load_reads_columns_and_labels(results_dir):
    r = D.load_results(results_dir)
    assert r.params == ("param.actors.russia.patience", "param.protocol.sequencing")
    assert r.issues == ISSUES and r.actors == ACTORS
    assert len(r.runs) == 80 and r.runs["run_id"].is_monotonic_increasing
    assert r.labels.actor("russia") == "Russia (Putin)"
    assert r.labels.param("param.actors.russia.patience") == "Russia (Putin): patience"
    assert r.labels.param("param.protocol.sequencing") == "sequencing"  # experiment label
    assert r.scenario_path == SCENARIO


def test_load_errors_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not a results directory"):
        D.load_results(tmp_path / "missing")
    with pytest.raises(UserError, match="not a sweep results directory"):
        D.load_results(tmp_path)


def test_parse_target(results_dir):
    r = D.load_results(results_dir)
    assert D.parse_target("agreement", r) == D.Target("agreement")
    assert D.parse_target("package:crimea=unresolved", r) == D.Target(
        "package", "crimea", "unresolved")
    for bad, msg in (("deal", "expected agreement"), ("package:mars=x", "unknown issue"),
                     ("package:crimea=x", "unknown option")):
        with pytest.raises(UserError, match=msg):
            D.parse_target(bad, r)


def test_point_outcomes_match_runs(results_dir):
    r = D.load_results(results_dir)
    pts = T.point_outcomes(r, D.Target("stillborn"))
    assert len(pts) == 10 and (pts["runs"] == 8).all()
    raw = pd.read_parquet(results_dir / "runs")
    for _, p in pts.iterrows():
        sub = raw[raw["point_id"] == p["point_id"]]
        assert p["agreement"] == pytest.approx(sub["agreement"].mean())
        assert p["target"] == pytest.approx(sub["stillborn"].mean())


def test_package_table_counts(results_dir):
    r = D.load_results(results_dir)
    table = T.package_table(r)
    raw = pd.read_parquet(results_dir / "runs")
    deals = raw[raw["agreement"]]
    assert table["count"].sum() == len(deals)
    assert table["count"].is_monotonic_decreasing
    top = table.iloc[0]
    mask = np.ones(len(deals), dtype=bool)
    for i in ISSUES:
        mask &= (deals[f"pkg.{i}"] == top[f"pkg.{i}"]).to_numpy()
    assert top["count"] == mask.sum()
    assert top["pareto_share"] == pytest.approx(deals[mask]["pareto_optimal"].astype(float).mean())


def test_scenario_at_point_applies_values(results_dir):
    r = D.load_results(results_dir)
    sc = replay.scenario_at_point(r, 9)  # patience 0.98, ceasefire_first
    assert sc.actors["russia"].patience.value == pytest.approx(0.98)
    assert sc.protocol.sequencing == "ceasefire_first"


def test_package_rows_round_trip():
    from sim.core.analysis import package_dict
    from sim.scenario import compile_problem, load_scenario

    problem = compile_problem(load_scenario(SCENARIO))
    space = scenario_space()
    assert replay.problem_space(problem) == space
    for pkg in PACKAGES:
        terms = dict(zip(ISSUES, pkg, strict=True))
        row = PackageSpace.of(space).encode(terms)
        assert package_dict(problem, row) == terms
    assert PackageSpace.of(space).encode({"ceasefire": "never"}) is None


def test_feasible_share_from_points(results_dir):
    r = D.load_results(results_dir)
    table = T.package_table(r)
    share = T.feasible_share(r, table)
    deals = r.runs[D.agreed(r.runs)]
    for k, row in table.iterrows():
        mask = np.ones(len(deals), dtype=bool)
        for i in ISSUES:
            mask &= (deals[f"pkg.{i}"] == row[f"pkg.{i}"]).to_numpy()
        if row["pkg.other_land"] == PACKAGES[0][4] and row["pkg.us_pressure"] == "status_quo" \
                and row["pkg.ceasefire"] == "in_package":
            expected = (deals[mask]["point_id"] % 2 == 0).mean()
        else:
            expected = 0.0
        assert share[k] == pytest.approx(expected)


def test_shown_path_is_relative_inside_the_working_directory(tmp_path, monkeypatch):
    """A committed report names repository paths, never the machine's absolute ones."""
    repo = tmp_path / "repo"
    (repo / "scenarios").mkdir(parents=True)
    monkeypatch.chdir(repo)
    assert D.shown_path(repo / "scenarios" / "x.yaml") == "scenarios/x.yaml"
    outside = tmp_path / "elsewhere" / "q1"
    assert D.shown_path(outside) == outside.as_posix()
    assert Path(D.shown_path(outside)).is_absolute()
