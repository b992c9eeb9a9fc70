"""Group commit: several parts per manifest write, and a crash before that write loses
the group's runs only (they run again on resume, with the same results)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.experiment import group
from sim.experiment.layout import MANIFEST, PENDING_PREFIX
from sim.experiment.runner import SweepOptions, sweep
from sim.experiment.storage import ResultsDir

DATA = Path(__file__).parent / "data" / "sweep"


class Crash(BaseException):
    """Stands for the process dying (not an error the sweep could handle)."""


@pytest.fixture()
def exp(tmp_path: Path) -> Path:
    for name in ("tiny.yaml", "grid.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path / "grid.yaml"


def _manifest_parts(out: Path) -> list[str]:
    return [p["name"] for p in json.loads((out / MANIFEST).read_text())["parts"]]


def test_parts_share_manifest_writes(exp, tmp_path, monkeypatch):
    writes: list[int] = []
    real = ResultsDir.write_manifest

    def counted(self, sync_dir=True):
        writes.append(len(self.parts))
        return real(self, sync_dir)

    monkeypatch.setattr(ResultsDir, "write_manifest", counted)
    monkeypatch.setattr(group.GroupCommit.__init__, "__defaults__", (4, 3600.0))
    out = tmp_path / "out"
    summary = sweep(exp, SweepOptions(out=out, workers=1, chunk_size=2, progress="quiet"))
    part_writes = [n for n in writes if n > 0]
    assert summary.chunks == len(_manifest_parts(out)) > 4
    # every manifest write after the first records a whole group (4) or the final rest
    steps = [b - a for a, b in zip([0, *part_writes], part_writes, strict=False) if b > a]
    assert steps[:-1] == [4] * (len(steps) - 1) and 0 < steps[-1] <= 4
    assert len(steps) < summary.chunks


def test_a_crash_before_the_manifest_write_loses_only_the_group(exp, tmp_path, monkeypatch):
    clean = tmp_path / "clean"
    sweep(exp, SweepOptions(out=clean, workers=1, progress="quiet"))
    real = ResultsDir.write_manifest
    calls = {"n": 0}

    def dies(self, sync_dir=True):
        if self.runs.is_dir() and any(p.name.startswith(PENDING_PREFIX)
                                      for p in self.runs.iterdir()):
            calls["n"] += 1
            if calls["n"] >= 2:  # the second group (and any retry): dies before the write
                raise Crash
        return real(self, sync_dir)

    monkeypatch.setattr(ResultsDir, "write_manifest", dies)
    monkeypatch.setattr(group.GroupCommit.__init__, "__defaults__", (3, 3600.0))
    out = tmp_path / "out"
    with pytest.raises(Crash):
        sweep(exp, SweepOptions(out=out, workers=1, chunk_size=2, progress="quiet"))
    recorded = _manifest_parts(out)
    assert len(recorded) == 3  # the first group only
    monkeypatch.setattr(ResultsDir, "write_manifest", real)
    sweep(exp, SweepOptions(out=out, workers=1, chunk_size=2, progress="quiet", resume=True))
    assert not [p for p in (out / "runs").iterdir() if p.name.startswith(PENDING_PREFIX)]
    got = pq.read_table(out / "runs").sort_by("run_id")
    assert got.equals(pq.read_table(clean / "runs").sort_by("run_id"))


def test_a_stop_during_a_group_commit_records_each_part_once(exp, tmp_path, monkeypatch):
    """SIGTERM while a group's manifest is written: the stop waits for the commit, the
    sweep ends with 143's exception, and no part is recorded twice (the drain used to
    commit the just-committed group again)."""
    import os
    import signal

    from sim.experiment.dataset import verify
    from sim.experiment.stopping import Interrupted

    real = ResultsDir.write_manifest
    sent = {"n": 0}

    def signalled(self, sync_dir=True):
        out = real(self, sync_dir)
        if self.parts and sent["n"] == 0:  # the first group is now recorded
            sent["n"] = 1
            os.kill(os.getpid(), signal.SIGTERM)  # arrives inside the critical block
        return out

    monkeypatch.setattr(ResultsDir, "write_manifest", signalled)
    monkeypatch.setattr(group.GroupCommit.__init__, "__defaults__", (3, 3600.0))
    out = tmp_path / "out"
    with pytest.raises(Interrupted):
        sweep(exp, SweepOptions(out=out, workers=1, chunk_size=2, progress="quiet"))
    names = _manifest_parts(out)
    assert sent["n"] == 1 and names and len(names) == len(set(names)), names
    monkeypatch.setattr(ResultsDir, "write_manifest", real)
    assert verify(out).problems == []
