"""A real ``kill -9`` of a ``negsim sweep`` process mid-run, then completing it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.experiment.runner import SweepOptions, sweep

DATA = Path(__file__).parent / "data" / "sweep"
EXPERIMENT = """\
name: kill_me
scenario: tiny.yaml
parameters:
  - path: protocol.kind
    values: [random_proposer, alternating_offers]
  - path: actors.a.reservation
    range: {low: 0.1, high: 0.3, steps: 3}
replicates: 100
seed: 99
"""
TOTAL = 2 * 3 * 100


def parts(out: Path) -> list[Path]:
    return list((out / "runs").glob("part-*.parquet")) if (out / "runs").is_dir() else []


def test_kill_9_mid_run_then_rerun_completes_exactly(tmp_path):
    shutil.copy(DATA / "tiny.yaml", tmp_path / "tiny.yaml")
    exp = tmp_path / "kill.yaml"
    exp.write_text(EXPERIMENT)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(out),
           "--workers", "2", "--chunk-size", "3"]
    env = {**os.environ, "CI": "true"}
    proc = subprocess.Popen(cmd, start_new_session=True, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while len(parts(out)) < 4 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its pool workers, like kill -9
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done_before = pq.read_table(out / "runs", columns=["run_id"]).num_rows
    assert 0 < done_before < TOTAL

    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr

    table = pq.read_table(out / "runs").sort_by("run_id")
    ids = table.column("run_id").to_pylist()
    assert ids == list(range(TOTAL)), "runs lost or duplicated"
    assert not list(out.rglob(".tmp-*"))

    sweep(exp, SweepOptions(out=tmp_path / "clean", workers=1, progress="quiet"))
    clean = pq.read_table(tmp_path / "clean" / "runs").sort_by("run_id")
    assert table.equals(clean)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree(pid: int) -> list[int]:
    kids = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [pid, *(int(k) for k in kids.read_text().split())]
    except OSError:
        return [pid]


@pytest.mark.slow
def test_memory_stays_flat_over_a_long_sweep(tmp_path):
    """60,000 runs on two workers: resident memory after warm-up does not grow."""
    shutil.copy(DATA / "tiny.yaml", tmp_path / "tiny.yaml")
    exp = tmp_path / "long.yaml"
    exp.write_text(
        "name: long\nscenario: tiny.yaml\nparameters:\n"
        "  - path: actors.a.reservation\n    range: {low: 0.1, high: 0.3, steps: 20}\n"
        "replicates: 3000\nseed: 3\n"
    )
    cmd = [sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(tmp_path / "o"),
           "--workers", "2"]  # batched runs are fast: enough of them to watch memory
    proc = subprocess.Popen(cmd, env={**os.environ, "CI": "true"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples = []
    while proc.poll() is None:
        done = len(parts(tmp_path / "o"))
        samples.append((done, sum(_rss_mb(p) for p in _tree(proc.pid))))
        time.sleep(0.1)
    assert proc.returncode == 0
    warm = [m for d, m in samples if d >= 3]
    assert len(warm) >= 8, "the sweep was too short to observe"
    early, late = max(warm[: len(warm) // 4]), max(warm[-len(warm) // 4 :])
    assert late - early < 40, f"memory grew from {early:.0f} MB to {late:.0f} MB"
    assert late < 1024


def test_results_do_not_depend_on_the_string_hash_seed(tmp_path):
    """Spawned workers (Dask, other machines) get their own PYTHONHASHSEED."""
    for name in ("tiny.yaml", "grid.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    tables = []
    for seed in ("1", "2"):
        out = tmp_path / f"h{seed}"
        cmd = [sys.executable, "-m", "sim", "sweep", str(tmp_path / "grid.yaml"),
               "--out", str(out), "--workers", "1", "-q"]
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        tables.append(pq.read_table(out / "runs").sort_by("run_id"))
    assert tables[0].equals(tables[1])
