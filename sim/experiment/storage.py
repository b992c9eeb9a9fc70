"""The results directory of a sweep as its writer sees it: lock, manifest, commits, resume.

The layout is in `sim.experiment.layout`; every read goes through the verified reader
(`sim.experiment.dataset`).

The directory is locked before anything in it is looked at (an exclusive ``flock`` on
``.lock``, dropped by the kernel when the process dies, even by ``kill -9``): of two sweeps
started on one ``--out`` at the same instant, one runs and the other is refused.

A part file is committed in three steps: its bytes go to ``runs/.pending-<name>``, the
manifest is replaced (fsynced) with one that records it (name, run ids, rows, sha256), then
the pending file is renamed to ``runs/<name>``. A ``kill -9`` at any moment leaves a
directory whose manifest is right: an unrecorded pending file is removed on the next start,
a recorded one is renamed into place, and readers read recorded parts only. Several parts
may share one manifest write (`ResultsDir.commit_many`): one fsync per group. After a power
failure, a part whose bytes did not reach the disk fails its checksum and ``--repair`` runs
it again.

Core objects:
    StorageError: a results directory that cannot be used (one line per problem).
    ResultsDir: open (create, resume or refuse) a results directory; commit parts, side
        files and the manifest; verify (and with ``repair``, mend) what is there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from sim.atomic import TMP_PREFIX, atomic_write, fsync_dir
from sim.experiment import dataset
from sim.experiment.dataset import ResultsError
from sim.experiment.layout import (
    LOCK,
    MANIFEST,
    PENDING_PREFIX,
    POINTS,
    QUARANTINE,
    RUNS,
    points_schema,
    runs_schema,
)
from sim.experiment.plan import Plan
from sim.experiment.schema import Counts, Manifest, PartRecord
from sim.experiment.sidefiles import WRITERS, write_points
from sim.experiment.sources import scenario_files

__all__ = ["ResultsDir", "StorageError", "atomic_write", "points_schema", "runs_schema"]


class StorageError(ResultsError):
    """A results directory that cannot be used (one line per problem)."""


def git_commit() -> str | None:
    """``git rev-parse HEAD`` of the source tree of this package, or None."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = out.stdout.strip()
    return text if out.returncode == 0 and text else None


def now() -> str:
    """The current time, ISO 8601 in UTC."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _cannot_write(path: Path, exc: OSError) -> StorageError:
    return StorageError(f"{path}: cannot write ({exc.strerror or exc}); nothing recorded "
                        "so far is lost: free the space or fix the permissions, then run "
                        "the same command again")


class ResultsDir:
    """An opened, locked results directory (see the module docstring).

    Use `ResultsDir.open`; it creates, resumes or refuses the directory.
    """

    def __init__(self, path: Path, plan: Plan, manifest: Manifest, lock: BinaryIO):
        self._lock: BinaryIO | None = lock
        self.path = path
        self.plan = plan
        self.manifest = manifest
        self.runs = path / RUNS
        self.schema = runs_schema(plan)
        self.parts: list[PartRecord] = list(manifest.parts or [])
        self.files: dict[str, str] = dict(manifest.files)

    @classmethod
    def open(cls, path: Path, plan: Plan, *, overwrite: bool = False,
             resume: bool = False) -> ResultsDir:
        """Lock ``path`` and create it for ``plan``, or reopen it to resume the experiment.

        Reads no part file (see `verify`), so it can run before a process pool is forked.

        Args:
            path: the results directory.
            plan: the experiment about to run.
            overwrite: empty an existing results directory (only one written by a sweep).
            resume: require an existing directory of this experiment.

        Raises:
            StorageError: a directory holding another experiment (different hash), a
                non-empty directory that is not a results directory, nothing to resume,
                another sweep writing there, a directory that cannot be written.
        """
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise StorageError(f"{path}: exists and is not a directory")
        _refuse_foreign(path)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        lock = _lock(path)
        try:
            return cls._open_locked(path, plan, lock, overwrite, resume)
        except BaseException:
            lock.close()
            raise

    @classmethod
    def _open_locked(cls, path: Path, plan: Plan, lock: BinaryIO, overwrite: bool,
                     resume: bool) -> ResultsDir:
        _refuse_foreign(path)  # again, now that no other sweep can be writing
        existing = dataset.read_manifest(path) if (path / MANIFEST).exists() else None
        if existing is not None and overwrite:
            _empty(path)
            existing = None
        if existing is not None and existing.experiment_hash != plan.experiment_hash:
            raise StorageError(
                f"{path}: holds results of a different experiment "
                f"(hash {existing.experiment_hash[:12]}, this one {plan.experiment_hash[:12]}); "
                "use another --out directory or --overwrite"
            )
        if existing is None and resume:
            raise StorageError(f"{path}: nothing to resume (no results of this experiment)")
        if existing is not None and existing.parts is None:
            raise StorageError(
                f"{path / MANIFEST}: records no part files (written by an older negsim), so "
                "its runs cannot be verified; sweep again with --overwrite or into a new "
                "directory"
            )
        if existing is None:
            existing = Manifest(
                experiment_name=plan.experiment.name,
                experiment_hash=plan.experiment_hash,
                package_version=_package_version(),
                git_commit=git_commit(),
                started=now(),
                counts=Counts(total=plan.n_runs, done=0),
                experiment_file=str(plan.file.resolve()),
                crn=plan.experiment.crn,
                parts=[],
                scenario_files=scenario_files(plan.file, list(plan.scenarios)),
            )
        out = cls(path, plan, existing, lock)
        try:
            out.write_manifest()  # first: a directory with a manifest is a results directory
            out.runs.mkdir(exist_ok=True)
        except OSError as exc:
            raise _cannot_write(path, exc) from None
        return out

    def close(self) -> None:
        """Release the directory's lock (another sweep may now open it)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # -- manifest ------------------------------------------------------------------------

    @property
    def done_runs(self) -> int:
        """Runs in the recorded parts."""
        return sum(r.rows for r in self.parts)

    def write_manifest(self, sync_dir: bool = True) -> None:
        """Replace ``manifest.json`` atomically with the current records."""
        done = self.done_runs
        complete = done == self.plan.n_runs
        m = self.manifest.model_copy(update={
            "counts": Counts(total=self.plan.n_runs, done=done),
            "ended": (self.manifest.ended or now()) if complete else None,
            "parts": list(self.parts),
            "files": dict(self.files),
        })
        self.manifest = m
        text = m.model_dump_json(indent=2) + "\n"
        atomic_write(self.path / MANIFEST, lambda f: f.write(text.encode("utf-8")), sync_dir)

    def write_side_files(self) -> None:
        """Write (and record) every side file the manifest does not record yet."""
        try:
            for name, write in WRITERS.items():
                if name not in self.files:
                    self.files[name] = write(self.path, self.plan)
            self.write_manifest()
        except OSError as exc:
            raise _cannot_write(self.path, exc) from None

    # -- resume --------------------------------------------------------------------------

    def recover(self) -> None:
        """Finish or undo what an interrupted writer left: temporaries and pending parts."""
        recorded = {r.name: r for r in self.parts}
        for d in (self.path, self.runs):
            if not d.is_dir():
                continue
            for p in d.iterdir():
                if p.name.startswith(TMP_PREFIX):
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
                elif p.name.startswith(PENDING_PREFIX) and d == self.runs:
                    rec = recorded.get(p.name[len(PENDING_PREFIX):])
                    final = self.runs / p.name[len(PENDING_PREFIX):]
                    if (rec is not None and not final.exists()
                            and dataset.file_sha256(p) == rec.sha256):
                        os.replace(p, final)  # committed, not yet renamed: roll forward
                    else:
                        p.unlink()

    def verify(self, repair: bool = False) -> tuple[np.ndarray, list[dataset.Problem]]:
        """Verify every recorded file: a bool per run id (True where done), and the problems.

        With ``repair``, bad and stray files move to ``quarantine/``, and the records of
        missing or bad parts and side files are dropped, so that their runs run again and
        the side files are written again.

        Raises:
            StorageError: (without ``repair``) one line per problem, then how to repair.
        """
        self.recover()
        check = dataset.verify(self.path, self.manifest)
        if check.problems and not repair:
            raise StorageError(check.lines())
        if check.problems:
            self._mend(check.problems)
        done = np.zeros(self.plan.n_runs, dtype=bool)
        for r in self.parts:
            done[r.first_run : r.last_run + 1] = True
        return done, check.problems

    def _mend(self, problems: list[dataset.Problem]) -> None:
        bad_parts = {p.record.name for p in problems if p.record is not None}
        bad_files = {p.path.name for p in problems if p.record is None and p.kind != "extra"}
        for p in problems:
            if p.kind != "missing" and p.path.exists():
                _quarantine(self.path, p.path)
        self.parts = [r for r in self.parts if r.name not in bad_parts]
        self.files = {k: v for k, v in self.files.items() if k not in bad_files}
        self.write_manifest()

    # -- runs ----------------------------------------------------------------------------

    def commit(self, table: pa.Table) -> PartRecord:
        """Commit one part (consecutive run ids) in three steps (see the module docstring)."""
        return self.commit_many([table])[0]

    def commit_many(self, tables: list[pa.Table]) -> list[PartRecord]:
        """Commit several parts with one manifest write (`sim.experiment.commit`)."""
        from sim.experiment.commit import commit_many

        return commit_many(self, tables, _cannot_write)

    # -- points --------------------------------------------------------------------------

    def points_done(self) -> bool:
        """Whether ``points.parquet`` is written and recorded."""
        return POINTS in self.files and (self.path / POINTS).exists()

    def write_points(self, batches: Iterable[pa.RecordBatch]) -> None:
        """Write ``points.parquet`` from record batches, atomically; record it.

        The batches (one row per design point, prepared in the workers) are gathered first,
        where a SIGINT or SIGTERM may stop the sweep; the file and its manifest record are
        then written as one critical block, so a stop never leaves an unrecorded
        ``points.parquet`` that ``--verify`` would call a stray.
        """
        from sim.experiment.stopping import critical

        gathered = list(batches)
        with critical():
            try:
                self.files[POINTS] = write_points(self.path, self.plan, gathered)
                self.write_manifest()
            except OSError as exc:
                raise _cannot_write(self.path / POINTS, exc) from None

    def read_points(self, columns: list[str] | None = None,
                    dictionary: list[str] | None = None) -> pa.Table:
        """Read ``points.parquet`` (verified; ``dictionary`` columns dictionary-encoded)."""
        return dataset.read_points(self.path, self.manifest, columns, dictionary)


def _refuse_foreign(path: Path) -> None:
    """Refuse a non-empty directory that holds no manifest (hidden names do not count)."""
    if not path.is_dir() or (path / MANIFEST).exists():
        return
    if any(not p.name.startswith(".") for p in path.iterdir()):
        raise StorageError(
            f"{path}: exists, is not empty and holds no {MANIFEST}; "
            "choose another --out directory"
        )


def _empty(path: Path) -> None:
    """Delete everything in a results directory but its lock (for --overwrite)."""
    for p in path.iterdir():
        if p.name == LOCK:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()
    fsync_dir(path)


def _quarantine(directory: Path, path: Path) -> Path:
    """Move ``path`` into ``directory/quarantine/`` under a name not taken yet."""
    target_dir = directory / QUARANTINE
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    k = 1
    while target.exists():
        target = target_dir / f"{path.name}.{k}"
        k += 1
    os.replace(path, target)
    return target


def _lock(path: Path) -> BinaryIO:
    """Hold an exclusive lock on ``path/.lock`` for the life of this process.

    The kernel drops it when the process dies (even by ``kill -9``), so a stale lock never
    blocks a resume; a second live sweep on the same directory is refused.
    """
    try:
        f = open(path / LOCK, "a+b")  # noqa: SIM115 - held open on purpose
    except OSError as exc:
        raise _cannot_write(path / LOCK, exc) from None
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise StorageError(
            f"{path}: another negsim sweep is writing to this directory; wait for it to end"
        ) from None
    return f


def _package_version() -> str:
    from sim import __version__

    return __version__
