"""The results directory of a sweep: Parquet runs dataset, points, manifest, resume.

Layout of ``results/<experiment name>/`` (or ``--out DIR``)::

    manifest.json      Manifest: hash, package version, git commit, timestamps, counts
    experiment.yaml    ResolvedExperiment: the experiment with every design point
    points.parquet     one row per point: point_id, param.*, n_feasible, spe.*,
                       feasible_rows (list<int64>: rows of the packages feasible there)
    spaces.json        Spaces: issues and options per scenario, to decode package rows
    runs/part-*.parquet  one row per run (columns: `runs_schema`)

Every file is written atomically: to a hidden temporary file in the same directory, fsynced,
then ``os.replace``-d into place (and the directory fsynced). A ``kill -9`` therefore leaves
either a whole part file or none; stray temporaries are removed on the next start, and the
run ids found in the part files are the runs that are done.

Core objects:
    runs_schema / points_schema: the Arrow schemas (the column contract).
    ResultsDir: open (create, resume or refuse) a results directory; write parts, points and
        the manifest; read back what is done.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from pydantic import ValidationError

from sim.errors import UserError
from sim.experiment.labels import labelled_schema
from sim.experiment.plan import Plan
from sim.experiment.schema import (
    Counts,
    Manifest,
    OutcomeSpace,
    ResolvedExperiment,
    ResolvedPoint,
    Spaces,
)

LOCK = ".lock"
RUNS = "runs"
POINTS = "points.parquet"
MANIFEST = "manifest.json"
SPACES = "spaces.json"
EXPERIMENT = "experiment.yaml"
TMP_PREFIX = ".tmp-"


class StorageError(UserError):
    """A results directory that cannot be used (one line per problem)."""


def runs_schema(plan: Plan) -> pa.Schema:
    """The columns of the runs dataset, in order (a contract with the report writer)."""
    fields = [
        pa.field("run_id", pa.int64(), nullable=False),
        pa.field("point_id", pa.int64(), nullable=False),
        pa.field("replicate", pa.int32(), nullable=False),
        pa.field("seed", pa.int64(), nullable=False),
    ]
    fields += _param_fields(plan)
    fields.append(pa.field("agreement", pa.bool_(), nullable=False))
    fields += [pa.field(f"pkg.{i}", pa.string()) for i in plan.issues]
    fields.append(pa.field("round", pa.int32()))
    fields += [pa.field(f"u.{a}", pa.float64()) for a in plan.actors]
    fields += [
        pa.field("ratified", pa.bool_()),
        pa.field("stillborn", pa.bool_(), nullable=False),
        pa.field("pareto_optimal", pa.bool_()),
        pa.field("nash_distance", pa.float64()),
        pa.field("reason", pa.string()),
        pa.field("n_feasible", pa.int64(), nullable=False),
    ]
    fields += [pa.field(f"spe.{i}", pa.string()) for i in plan.issues]
    return labelled_schema(fields, plan)


def points_schema(plan: Plan) -> pa.Schema:
    """The columns of ``points.parquet``."""
    fields = [pa.field("point_id", pa.int64(), nullable=False)]
    fields += _param_fields(plan)
    fields.append(pa.field("n_feasible", pa.int64(), nullable=False))
    fields += [pa.field(f"spe.{i}", pa.string()) for i in plan.issues]
    fields.append(pa.field("feasible_rows", pa.list_(pa.int64())))
    return labelled_schema(fields, plan)


def _param_fields(plan: Plan) -> list[pa.Field]:
    return [
        pa.field(ax.column, pa.float64() if ax.numeric else pa.string()) for ax in plan.axes
    ]


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` atomically: ``write(fileobj)`` into a temp file, fsync, replace."""
    tmp = path.parent / f"{TMP_PREFIX}{path.name}.{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_dir(path.parent)


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


class ResultsDir:
    """An opened results directory (see the module docstring for the layout).

    Use `ResultsDir.open`; it creates, resumes or refuses the directory.
    """

    def __init__(self, path: Path, plan: Plan, manifest: Manifest):
        self._lock: BinaryIO | None = None
        self.path = path
        self.plan = plan
        self.manifest = manifest
        self.runs = path / RUNS
        self.schema = runs_schema(plan)

    @classmethod
    def open(
        cls, path: Path, plan: Plan, *, overwrite: bool = False, resume: bool = False
    ) -> ResultsDir:
        """Create ``path`` for ``plan``, or reopen it to resume the same experiment.

        Args:
            path: the results directory.
            plan: the experiment about to run.
            overwrite: delete an existing results directory (only one written by a sweep).
            resume: require an existing directory of this experiment.

        Raises:
            StorageError: a directory holding another experiment (different hash), a
                non-empty directory that is not a results directory, nothing to resume.
        """
        path = Path(path)
        manifest_path = path / MANIFEST
        if path.exists() and not path.is_dir():
            raise StorageError(f"{path}: exists and is not a directory")
        existing = _read_manifest(manifest_path) if manifest_path.exists() else None
        if existing is None and path.is_dir() and any(
            p.name != LOCK for p in path.iterdir()
        ):
            raise StorageError(
                f"{path}: exists, is not empty and holds no {MANIFEST}; "
                "choose another --out directory"
            )
        if existing is not None and overwrite:
            _lock(path).close()  # refuse to delete what another sweep is writing
            shutil.rmtree(path)
            existing = None
        if existing is not None and existing.experiment_hash != plan.experiment_hash:
            raise StorageError(
                f"{path}: holds results of a different experiment "
                f"(hash {existing.experiment_hash[:12]}, this one {plan.experiment_hash[:12]}); "
                "use another --out directory or --overwrite"
            )
        if existing is None and resume:
            raise StorageError(f"{path}: nothing to resume (no results of this experiment)")
        path.mkdir(parents=True, exist_ok=True)
        lock = _lock(path)
        if existing is None:
            existing = Manifest(
                experiment_name=plan.experiment.name,
                experiment_hash=plan.experiment_hash,
                package_version=_package_version(),
                git_commit=git_commit(),
                started=now(),
                counts=Counts(total=plan.n_runs, done=0),
            )
        out = cls(path, plan, existing)
        out._lock = lock
        out.write_manifest(existing)
        if not (path / EXPERIMENT).exists():
            out._write_experiment()
        if not (path / SPACES).exists():
            out._write_spaces()
        out.runs.mkdir(exist_ok=True)
        return out

    def close(self) -> None:
        """Release the directory's lock (another sweep may now open it)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # -- manifest and experiment -------------------------------------------------------

    def write_manifest(self, manifest: Manifest) -> None:
        """Replace ``manifest.json`` atomically."""
        self.manifest = manifest
        text = manifest.model_dump_json(indent=2) + "\n"
        atomic_write(self.path / MANIFEST, lambda f: f.write(text.encode("utf-8")))

    def update_counts(self, done: int, finished: bool = False) -> None:
        """Record ``done`` runs (and the end time when ``finished``)."""
        m = self.manifest.model_copy(
            update={
                "counts": Counts(total=self.plan.n_runs, done=done),
                "ended": now() if finished else None,
            }
        )
        self.write_manifest(m)

    def _write_experiment(self, batch: int = 4096) -> None:
        plan = self.plan
        exp = plan.experiment
        header = ResolvedExperiment(
            **exp.model_dump(),
            source_file=str(plan.file.resolve()),
            experiment_hash=plan.experiment_hash,
            n_points=plan.n_points,
            n_runs=plan.n_runs,
            points=[],
        ).model_dump(mode="json")
        header["scenario"] = str((plan.file.parent / exp.scenario).resolve())
        del header["points"]
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

        def write(f: BinaryIO) -> None:
            f.write(f"# Resolved by negsim sweep from {plan.file}; do not edit.\n".encode())
            f.write(yaml.dump(header, Dumper=dumper, sort_keys=False).encode("utf-8"))
            f.write(b"points:\n")
            for start in range(0, plan.n_points, batch):
                ids = np.arange(start, min(start + batch, plan.n_points))
                cols = plan.design.columns(ids)
                pts = [
                    ResolvedPoint(
                        point_id=int(pid),
                        params={ax.path: c[k] for ax, c in zip(plan.axes, cols, strict=True)},
                    ).model_dump(mode="json")
                    for k, pid in enumerate(ids)
                ]
                text = yaml.dump(
                    pts, Dumper=dumper, sort_keys=False, default_flow_style=None, width=10**9
                )
                f.write(text.encode("utf-8"))

        atomic_write(self.path / EXPERIMENT, write)

    def _write_spaces(self) -> None:
        plan = self.plan
        doc = Spaces(
            base=plan.base,
            scenarios={
                key: OutcomeSpace(
                    issues={i: list(issue["options"]) for i, issue in data["issues"].items()}
                )
                for key, data in plan.scenarios.items()
            },
        )
        text = doc.model_dump_json(indent=2) + "\n"
        atomic_write(self.path / SPACES, lambda f: f.write(text.encode("utf-8")))

    # -- runs ------------------------------------------------------------------------------

    def clean_temporaries(self) -> int:
        """Remove temporary files left by an interrupted writer; return how many."""
        n = 0
        for d in (self.path, self.runs):
            if d.is_dir():
                for p in d.glob(f"{TMP_PREFIX}*"):
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
                        n += 1
        return n

    def part_files(self) -> list[Path]:
        """The finished part files, sorted by name."""
        return sorted(self.runs.glob("part-*.parquet"))

    def done_mask(self) -> np.ndarray:
        """A bool per run id: True where the run is already in a part file.

        Raises:
            StorageError: an unreadable part file, or run ids outside this experiment.
        """
        done = np.zeros(self.plan.n_runs, dtype=bool)
        for part in self.part_files():
            try:
                ids = pq.read_table(part, columns=["run_id"]).column("run_id").to_numpy()
            except Exception as exc:  # pyarrow raises several types for corrupt files
                raise StorageError(
                    f"{part}: cannot read ({exc}); delete it and run again to redo its runs"
                ) from None
            if ids.size and (ids.min() < 0 or ids.max() >= self.plan.n_runs):
                raise StorageError(f"{part}: run ids outside this experiment's {self.plan.n_runs}")
            done[ids] = True
        return done

    def write_part(self, table: pa.Table) -> Path:
        """Write one part file atomically; its name carries its first run id."""
        first = int(pa.compute.min(table.column("run_id")).as_py())
        path = self.runs / f"part-{first:012d}-{table.num_rows:06d}.parquet"
        atomic_write(path, lambda f: pq.write_table(table, f))
        return path

    # -- points ------------------------------------------------------------------------

    def points_done(self) -> bool:
        """Whether ``points.parquet`` is complete (it is written once, atomically)."""
        return (self.path / POINTS).exists()

    def write_points(self, batches: Iterable[pa.RecordBatch]) -> None:
        """Write ``points.parquet`` from record batches (streamed), atomically."""
        schema = points_schema(self.plan)

        def write(f: BinaryIO) -> None:
            with pq.ParquetWriter(f, schema) as writer:
                for b in batches:
                    writer.write_batch(b)

        atomic_write(self.path / POINTS, write)

    def read_points(
        self, columns: list[str] | None = None, dictionary: list[str] | None = None
    ) -> pa.Table:
        """Read ``points.parquet`` (some columns; ``dictionary`` ones dictionary-encoded)."""
        return pq.read_table(self.path / POINTS, columns=columns, read_dictionary=dictionary)


def _lock(path: Path) -> BinaryIO:
    """Hold an exclusive lock on ``path/.lock`` for the life of this process.

    The kernel drops it when the process dies (even by ``kill -9``), so a stale lock never
    blocks a resume; a second live sweep on the same directory is refused.
    """
    f = open(path / LOCK, "a+b")  # noqa: SIM115 - held open on purpose
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise StorageError(
            f"{path}: another negsim sweep is writing to this directory; wait for it to end"
        ) from None
    return f


def _read_manifest(path: Path) -> Manifest:
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StorageError(f"{path}: not a valid negsim manifest ({first})") from None


def _package_version() -> str:
    from sim import __version__

    return __version__
