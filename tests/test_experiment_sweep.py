"""Sweeps on the real engine: columns, determinism across executors, resume, refusal."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.api import prepare, simulate
from sim.api import solve as solve_scenario
from sim.cli import main
from sim.experiment.design import run_seed
from sim.experiment.plan import load_plan
from sim.experiment.runner import SweepOptions, sweep
from sim.experiment.storage import StorageError
from sim.scenario.loader import validate_data

DATA = Path(__file__).parent / "data" / "sweep"


@pytest.fixture()
def exp_dir(tmp_path: Path) -> Path:
    for name in ("tiny.yaml", "grid.yaml", "lhs.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def read_runs(out: Path) -> pa.Table:
    return pq.read_table(out / "runs").sort_by("run_id")


def run(exp: Path, out: Path, **kw) -> pa.Table:
    sweep(exp, SweepOptions(out=out, progress="quiet", **kw))
    return read_runs(out)


@pytest.fixture()
def baseline(exp_dir: Path) -> tuple[Path, pa.Table]:
    """The grid experiment run in-process, default chunks."""
    exp = exp_dir / "grid.yaml"
    return exp, run(exp, exp_dir / "base", workers=1)


def test_columns_are_the_contract(baseline):
    _, table = baseline
    expected = [
        ("run_id", pa.int64()), ("point_id", pa.int64()), ("replicate", pa.int32()),
        ("seed", pa.int64()), ("policy_id", pa.int64()), ("sample_id", pa.int64()),
        ("param.protocol.kind", pa.string()),
        ("param.actors.b.patience", pa.float64()), ("agreement", pa.bool_()),
        ("pkg.ceasefire", pa.string()), ("pkg.land", pa.string()), ("round", pa.int32()),
        ("u.a", pa.float64()), ("u.b", pa.float64()), ("u.c", pa.float64()),
        ("ratified", pa.bool_()), ("stillborn", pa.bool_()), ("pareto_optimal", pa.bool_()),
        ("nash_distance", pa.float64()), ("reason", pa.string()),
        # issue 12: the stage-1 ceasefire, ceasefire_only, outcome and durability
        ("stage1_ceasefire", pa.string()), ("ceasefire_only", pa.bool_()),
        ("outcome", pa.string()), ("durability", pa.float64()),
        ("n_feasible", pa.int64()), ("spe.ceasefire", pa.string()), ("spe.land", pa.string()),
    ]
    assert [(f.name, f.type) for f in table.schema] == expected
    assert table.num_rows == 30
    assert table.column("run_id").to_pylist() == list(range(30))
    assert table.column("point_id").to_pylist() == [i // 5 for i in range(30)]
    assert table.column("replicate").to_pylist() == [i % 5 for i in range(30)]
    # packages are recorded for agreements only
    agreement = table.column("agreement").to_pylist()
    land = table.column("pkg.land").to_pylist()
    assert all((x is not None) == a for a, x in zip(agreement, land, strict=True))


def test_rows_equal_direct_simulate_calls(baseline):
    exp, table = baseline
    plan = load_plan(exp)
    rows = table.to_pylist()
    for r in rows[::7]:
        values = [r[f"param.{ax.path}"] for ax in plan.axes]
        scenario = validate_data(plan.scenario_dict(values))
        assert r["seed"] == run_seed(7, r["point_id"], r["replicate"], crn=True)
        res = simulate(scenario, r["seed"], collect=False)
        assert r["agreement"] == res.agreement and r["reason"] == res.reason
        assert r["stillborn"] == res.stillborn and r["round"] == res.round
        for actor, u in res.utilities.items():
            assert r[f"u.{actor}"] == u
        if res.agreement:
            assert {i: r[f"pkg.{i}"] for i in ("ceasefire", "land")} == res.package
        prepared = prepare(scenario)
        assert r["n_feasible"] == int(prepared.feasible.sum())


def test_points_table_and_spe(baseline, exp_dir):
    exp, table = baseline
    plan = load_plan(exp)
    points = pq.read_table(exp_dir / "base" / "points.parquet").sort_by("point_id").to_pylist()
    assert [p["point_id"] for p in points] == list(range(6))
    for p in points:
        values = [p[f"param.{ax.path}"] for ax in plan.axes]
        scenario = validate_data(plan.scenario_dict(values))
        prepared = prepare(scenario)
        assert p["feasible_rows"] == np.flatnonzero(prepared.feasible).tolist()
        assert p["n_feasible"] == len(p["feasible_rows"])
        if p["param.protocol.kind"] == "single_text":
            assert p["spe.land"] is None and p["spe.ceasefire"] is None
        else:
            spe = solve_scenario(scenario, prepared=prepared).package
            assert {"ceasefire": p["spe.ceasefire"], "land": p["spe.land"]} == (
                spe or {"ceasefire": None, "land": None}
            )
    # every run carries its point's figures
    by_point = {p["point_id"]: p for p in points}
    for r in table.to_pylist():
        assert r["n_feasible"] == by_point[r["point_id"]]["n_feasible"]
        assert r["spe.land"] == by_point[r["point_id"]]["spe.land"]


def test_results_do_not_depend_on_executor_or_chunking(baseline, exp_dir):
    exp, base = baseline
    assert run(exp, exp_dir / "c1", workers=1, chunk_size=1).equals(base)
    assert run(exp, exp_dir / "c7", workers=2, chunk_size=7).equals(base)
    assert run(exp, exp_dir / "cd", workers=2).equals(base)
    assert len(list((exp_dir / "c1" / "runs").glob("part-*.parquet"))) == 30


def test_dask_local_cluster_gives_the_same_dataset(baseline, exp_dir):
    distributed = pytest.importorskip("dask.distributed")
    exp, base = baseline
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
        host="127.0.0.1", protocol="tcp",
    ) as cluster:
        table = run(exp, exp_dir / "dask", scheduler=cluster.scheduler_address, chunk_size=4)
    assert table.equals(base)


def test_lhs_with_rounds_override_is_deterministic(exp_dir):
    exp = exp_dir / "lhs.yaml"
    a = run(exp, exp_dir / "l1", workers=1)
    b = run(exp, exp_dir / "l2", workers=2, chunk_size=3)
    assert a.equals(b)
    assert a.num_rows == 32
    rounds = [r for r in a.column("round").to_pylist() if r is not None]
    assert all(0 <= r < 6 for r in rounds)
    kinds = set(a.column("param.protocol.kind").to_pylist())
    assert kinds == {"random_proposer", "summit_ratification"}


def test_rerun_adds_nothing_and_repair_completes_missing_parts(baseline, exp_dir):
    exp, base = baseline
    out = exp_dir / "r"
    run(exp, out, workers=1, chunk_size=4)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    summary = sweep(exp, SweepOptions(out=out, progress="quiet"))
    assert summary.ran == 0 and summary.already == 30
    # lose some parts (as if killed before writing them) and leave a stray temporary
    for p in parts[1::2]:
        p.unlink()
    (out / "runs" / ".tmp-part-000000000999-000001.parquet.123").write_bytes(b"partial")
    with pytest.raises(StorageError) as refused:  # a recorded part is gone: no silent redo
        sweep(exp, SweepOptions(out=out, progress="quiet", resume=True, workers=2))
    assert all(p.name in str(refused.value) for p in parts[1::2])
    summary = sweep(exp, SweepOptions(out=out, progress="quiet", resume=True, workers=2,
                                      repair=True))
    assert summary.already + summary.ran == 30 and summary.ran > 0
    assert len(summary.repaired) == len(parts[1::2])
    table = read_runs(out)
    assert table.equals(base)
    assert not list((out / "runs").glob(".tmp-*"))
    manifest = (out / "manifest.json").read_text()
    assert '"done": 30' in manifest and '"ended": null' not in manifest


def test_another_experiment_in_the_same_directory_is_refused(baseline, exp_dir, capsys):
    exp, base = baseline
    other = exp_dir / "other.yaml"
    other.write_text((exp_dir / "grid.yaml").read_text().replace("seed: 7", "seed: 8"))
    code = main(["sweep", str(other), "--out", str(exp_dir / "base"), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "holds results of a different experiment" in err[0]
    assert read_runs(exp_dir / "base").equals(base)


def test_overwrite_starts_again(baseline, exp_dir, capsys):
    exp, base = baseline
    other = exp_dir / "other.yaml"
    other.write_text((exp_dir / "grid.yaml").read_text().replace("seed: 7", "seed: 8"))
    code = main(["sweep", str(other), "--out", str(exp_dir / "base"), "-q", "--overwrite",
                 "--workers", "1"])
    assert code == 0
    table = read_runs(exp_dir / "base")
    assert table.num_rows == 30
    assert table.column("seed").to_pylist() != base.column("seed").to_pylist()


def test_resolved_experiment_and_manifest(baseline, exp_dir):
    import json

    import yaml

    from sim.experiment.schema import Manifest, ResolvedExperiment

    exp, _ = baseline
    out = exp_dir / "base"
    resolved = ResolvedExperiment.model_validate(
        yaml.safe_load((out / "experiment.yaml").read_text())
    )
    assert resolved.n_points == 6 and resolved.n_runs == 30
    assert [p.point_id for p in resolved.points] == list(range(6))
    assert resolved.points[5].params == {"protocol.kind": "single_text",
                                         "actors.b.patience": 0.99}
    assert Path(resolved.scenario).is_absolute() and Path(resolved.scenario).is_file()
    manifest = Manifest.model_validate(json.loads((out / "manifest.json").read_text()))
    assert manifest.counts.total == manifest.counts.done == 30
    assert manifest.experiment_hash == resolved.experiment_hash
    assert manifest.ended is not None and manifest.started <= manifest.ended


def test_finished_models_are_released(exp_dir):
    import mesa

    run(exp_dir / "grid.yaml", exp_dir / "mem", workers=1)
    finished = [m for m in list(mesa.Agent._ids) if not m.running]
    assert finished == [], "finished models must not stay referenced (memory bound)"


def test_in_flight_tasks_are_bounded():
    import math as m

    from sim.experiment.executors import Pool

    pulled = 0

    def tasks():
        nonlocal pulled
        for i in range(200):
            pulled += 1
            yield i, (float(i),)

    with Pool(2) as pool:
        got = []
        for meta, result in pool.map_unordered(m.sqrt, tasks()):
            assert pulled - len(got) <= pool.window + 1  # in flight, plus the one yielded
            got.append((meta, result))
    assert sorted(got) == [(i, m.sqrt(i)) for i in range(200)]


def test_guided_chunks_shrink_to_the_end_and_cover_every_run(exp_dir):
    from sim.experiment.runner import _run_tasks, chunk_size

    assert chunk_size(1_000_000, 2) == 1000
    assert chunk_size(6000, 2) == 750
    assert chunk_size(100, 2) == 32
    assert chunk_size(5, 2) == 5
    plan = load_plan(exp_dir / "lhs.yaml")
    done = np.zeros(plan.n_runs, dtype=bool)
    done[[3, 4, 17]] = True
    sizes, ids = [], []
    for meta, _ in _run_tasks(plan, plan.job(), done, None, 2, block=10):
        run_ids = meta[0]
        assert run_ids[0] // 10 == run_ids[-1] // 10  # never across a block
        sizes.append(len(run_ids))
        ids.extend(run_ids.tolist())
    assert ids == [i for i in range(plan.n_runs) if i not in (3, 4, 17)]
    assert max(sizes) <= 10


def test_a_second_live_sweep_on_the_same_directory_is_refused(baseline, exp_dir, capsys):
    from sim.experiment.storage import _lock

    exp, base = baseline
    held = _lock(exp_dir / "base")  # as if another sweep were writing there
    try:
        code = main(["sweep", str(exp), "--out", str(exp_dir / "base"), "-q", "--workers", "1"])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and "another negsim sweep is writing" in err[0]
    finally:
        held.close()
    assert main(["sweep", str(exp), "--out", str(exp_dir / "base"), "-q", "--workers", "1"]) == 0
    assert read_runs(exp_dir / "base").equals(base)
