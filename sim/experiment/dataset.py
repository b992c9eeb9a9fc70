"""The one verified reader of a results directory: what the manifest records, and only that.

Every reader of sweep results goes through here: ``negsim reachable``, ``negsim report``,
the resume of an interrupted sweep, ``negsim sweep --verify`` and ``sim.load_results``.
A part file is read only if the manifest records it, and only if its bytes still have the
recorded sha256; a recorded file that is missing, altered or unreadable, or a file in
``runs/`` that the manifest does not know (a copy, a stray ``notes.parquet``), is refused
with exit code 2 and the file's name, never counted.

Core objects:
    Problem: one thing wrong with a directory (a file and what is wrong with it).
    Check: the outcome of `verify`: the manifest, the problems, the runs verified.
    read_manifest: ``manifest.json``, validated.
    verify: check every recorded file (bytes, checksums, run ids) and look for strays.
    read_runs / read_points / read_side: the verified contents, as Arrow tables or models.

Checksums and part records are made in `sim.experiment.checksums` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ValidationError

from sim.errors import UserError
from sim.experiment.checksums import file_sha256, parquet_bytes, part_record, sha256
from sim.experiment.layout import MANIFEST, PENDING_PREFIX, QUARANTINE, RUNS
from sim.experiment.schema import Manifest, PartRecord

_M = TypeVar("_M", bound=BaseModel)


__all__ = [
    "Check", "Problem", "ResultsError", "describe", "extras", "file_sha256", "parquet_bytes",
    "part_record", "read_manifest", "read_model", "read_points", "read_runs", "read_side",
    "repair_hint", "sha256", "verify",
]


class ResultsError(UserError):
    """A results directory that cannot be trusted or read (one line per problem)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a results directory.

    Attributes:
        path: the file concerned.
        kind: ``missing``, ``altered``, ``unreadable``, ``extra`` or ``overlap``.
        detail: what is wrong, in words.
        record: the manifest's record of the file (None for an extra file).
    """

    path: Path
    kind: str
    detail: str
    record: PartRecord | None = None

    def line(self) -> str:
        """The one-line message."""
        return f"{self.path}: {self.detail}"


@dataclass
class Check:
    """What `verify` found.

    Attributes:
        directory: the results directory.
        manifest: its manifest.
        problems: everything wrong, in file order (empty: the directory is sound).
        runs: the runs in the sound parts.
        parts: the sound part records.
    """

    directory: Path
    manifest: Manifest
    problems: list[Problem] = field(default_factory=list)
    runs: int = 0
    parts: list[PartRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.problems

    def lines(self) -> list[str]:
        """One line per problem, then how to repair the directory."""
        return [p.line() for p in self.problems] + [repair_hint(self.directory, self.manifest)]


def repair_hint(directory: Path, manifest: Manifest) -> str:
    """The line that says how to repair ``directory``."""
    exp = manifest.experiment_file or "EXPERIMENT"
    return (
        f"{directory}: to re-run the runs of missing or bad parts (stray files move to "
        f"{directory / QUARANTINE}), run: negsim sweep {exp} --out {directory} --repair"
    )


def read_manifest(directory: Path) -> Manifest:
    """The validated ``manifest.json`` of a results directory.

    Raises:
        ResultsError: not a directory, no manifest, or one that cannot be read.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ResultsError(f"{directory}: not a results directory (not a directory)")
    path = directory / MANIFEST
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ResultsError(
            f"{directory}: not a sweep results directory (no {MANIFEST})"
        ) from None
    except (OSError, ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ResultsError(f"{path}: not a valid negsim manifest ({first})") from None


def _recorded_parts(directory: Path, manifest: Manifest) -> list[PartRecord]:
    if manifest.parts is None:
        raise ResultsError(
            f"{directory / MANIFEST}: records no part files (written by an older negsim); "
            "its runs cannot be verified: sweep again into a new directory or with --overwrite"
        )
    return manifest.parts


def part_bytes(runs: Path, record: PartRecord) -> bytes:
    """The bytes of a recorded part (or of its pending file, while it is being committed).

    Raises:
        FileNotFoundError: neither exists.
    """
    final = runs / record.name
    for path in (final, runs / f"{PENDING_PREFIX}{record.name}", final):
        try:
            return path.read_bytes()
        except FileNotFoundError:
            continue
    raise FileNotFoundError(final)


def _overlaps(directory: Path, manifest: Manifest, parts: list[PartRecord]) -> list[Problem]:
    """Records whose run ids are not a fresh, consistent range (checked on the manifest)."""
    out = []
    total = manifest.counts.total
    order = sorted(parts, key=lambda r: r.first_run)
    end = -1
    for r in order:
        path = directory / RUNS / r.name
        if r.last_run - r.first_run + 1 != r.rows or r.last_run >= total:
            out.append(Problem(path, "overlap", f"the manifest's record of it is inconsistent "
                               f"(runs {r.first_run}-{r.last_run}, {r.rows} rows, "
                               f"{total} runs in the experiment)", r))
        elif r.first_run <= end:
            out.append(Problem(path, "overlap", f"runs {r.first_run}-{r.last_run} are recorded "
                               "twice (in another part too)", r))
        end = max(end, r.last_run)
    return out


def extras(directory: Path, parts: list[PartRecord]) -> list[Problem]:
    """Entries of ``runs/`` that the manifest does not record (hidden names are skipped)."""
    runs = directory / RUNS
    if not runs.is_dir():
        return []
    known = {r.name for r in parts}
    return [
        Problem(p, "extra", "not a part of this sweep (the manifest does not record it); "
                "results are read from recorded parts only")
        for p in sorted(runs.iterdir())
        if not p.name.startswith(".") and p.name not in known
    ]


def _parse(path: Path, record: PartRecord, data: bytes, columns: list[str] | None,
           dictionary: list[str] | None) -> tuple[pa.Table | None, Problem | None]:
    if sha256(data) != record.sha256:
        return None, Problem(path, "altered", "altered since the sweep wrote it (its sha256 "
                             "differs from the manifest's record)", record)
    try:
        table = pq.read_table(pa.BufferReader(data), columns=columns, read_dictionary=dictionary)
    except Exception as exc:  # pyarrow raises several types for corrupt or foreign data
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, Problem(path, "unreadable", f"cannot read ({first})", record)
    if table.num_rows != record.rows:
        return None, Problem(path, "unreadable", f"holds {table.num_rows} rows, the manifest "
                             f"records {record.rows}", record)
    return table, None


def verify(directory: Path, manifest: Manifest | None = None) -> Check:
    """Check every recorded file of a results directory and look for strays.

    Reads every recorded part (checksum, Parquet footer, run ids) and side file (checksum).

    Raises:
        ResultsError: the directory has no readable manifest, or one without part records.
    """
    directory = Path(directory)
    manifest = manifest or read_manifest(directory)
    parts = _recorded_parts(directory, manifest)
    check = Check(directory, manifest)
    check.problems += _side_problems(directory, manifest)
    overlaps = _overlaps(directory, manifest, parts)
    bad = {id(p.record) for p in overlaps}
    check.problems += overlaps
    runs = directory / RUNS
    for record in parts:
        if id(record) in bad:
            continue
        path = runs / record.name
        try:
            data = part_bytes(runs, record)
        except FileNotFoundError:
            check.problems.append(Problem(path, "missing", "missing (the manifest records "
                                          f"runs {record.first_run}-{record.last_run} there)",
                                          record))
            continue
        except OSError as exc:
            check.problems.append(Problem(path, "unreadable", f"cannot read ({exc.strerror})",
                                          record))
            continue
        table, problem = _parse(path, record, data, ["run_id"], None)
        if problem is None and table is not None:
            ids = table.column("run_id").to_numpy()
            if not np.array_equal(ids, np.arange(record.first_run, record.last_run + 1)):
                problem = Problem(path, "unreadable", "its run ids differ from the manifest's "
                                  f"record (runs {record.first_run}-{record.last_run})", record)
        if problem is not None:
            check.problems.append(problem)
            continue
        check.parts.append(record)
        check.runs += record.rows
    check.problems += extras(directory, parts)
    return check


def _side_problems(directory: Path, manifest: Manifest) -> list[Problem]:
    out = []
    for name, digest in manifest.files.items():
        path = directory / name
        try:
            found = file_sha256(path)
        except FileNotFoundError:
            out.append(Problem(path, "missing", "missing (the manifest records it)"))
            continue
        except OSError as exc:
            out.append(Problem(path, "unreadable", f"cannot read ({exc.strerror})"))
            continue
        if found != digest:
            out.append(Problem(path, "altered", "altered since the sweep wrote it (its sha256 "
                               "differs from the manifest's record)"))
    return out


def _refuse(directory: Path, manifest: Manifest, problems: list[Problem]) -> None:
    if problems:
        raise ResultsError([p.line() for p in problems] + [repair_hint(directory, manifest)])


def read_runs(directory: Path, columns: list[str] | None = None,
              dictionary: list[str] | None = None,
              manifest: Manifest | None = None) -> pa.Table | None:
    """The runs of the recorded parts (in run-id order), each verified as it is read.

    Args:
        directory: the results directory.
        columns: the columns to read (None: all).
        dictionary: columns to read dictionary-encoded (unified across parts).
        manifest: the manifest, if already read.

    Returns:
        The table, or None when no part is recorded yet.

    Raises:
        ResultsError: a recorded part missing, altered or unreadable, a stray file in
            ``runs/``, inconsistent records (one line per problem, then how to repair).
    """
    directory = Path(directory)
    manifest = manifest or read_manifest(directory)
    parts = _recorded_parts(directory, manifest)
    problems = _overlaps(directory, manifest, parts) + extras(directory, parts)
    _refuse(directory, manifest, problems)
    runs = directory / RUNS
    tables = []
    for record in sorted(parts, key=lambda r: r.first_run):
        path = runs / record.name
        try:
            data = part_bytes(runs, record)
        except FileNotFoundError:
            problems.append(Problem(path, "missing", "missing (the manifest records runs "
                                    f"{record.first_run}-{record.last_run} there)", record))
            continue
        except OSError as exc:
            problems.append(Problem(path, "unreadable", f"cannot read ({exc.strerror})", record))
            continue
        table, problem = _parse(path, record, data, columns, dictionary)
        if problem is not None:
            problems.append(problem)
        elif table is not None:
            tables.append(table)
    _refuse(directory, manifest, problems)
    if not tables:
        return None
    out = pa.concat_tables(tables)
    return out.unify_dictionaries() if dictionary else out


def _side_bytes(directory: Path, name: str, manifest: Manifest) -> bytes:
    path = directory / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ResultsError(f"{path}: missing; did the sweep finish its first phase?") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read ({exc.strerror})") from None
    digest = manifest.files.get(name)
    if manifest.parts is not None and digest is None:
        raise ResultsError(f"{path}: not recorded in {MANIFEST}; did the sweep finish "
                           "its first phase?")
    if digest is not None and sha256(data) != digest:
        _refuse(directory, manifest, [Problem(path, "altered", "altered since the sweep wrote "
                                              "it (its sha256 differs from the manifest's "
                                              "record)")])
    return data


def read_points(directory: Path, manifest: Manifest, columns: list[str] | None = None,
                dictionary: list[str] | None = None) -> pa.Table:
    """``points.parquet``, verified against the manifest.

    Raises:
        ResultsError: missing, unrecorded, altered or unreadable.
    """
    from sim.experiment.layout import POINTS

    data = _side_bytes(Path(directory), POINTS, manifest)
    try:
        return pq.read_table(pa.BufferReader(data), columns=columns, read_dictionary=dictionary)
    except Exception as exc:  # pyarrow raises several types for corrupt or foreign data
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ResultsError(f"{Path(directory) / POINTS}: cannot read ({first})") from None


def read_side(directory: Path, name: str, manifest: Manifest) -> bytes:
    """The verified bytes of a side file (``spaces.json``, ``experiment.yaml``...).

    Raises:
        ResultsError: missing, unrecorded or altered.
    """
    return _side_bytes(Path(directory), name, manifest)


def read_model(directory: Path, name: str, model: type[_M], manifest: Manifest) -> _M:
    """A verified JSON side file as a pydantic model.

    Raises:
        ResultsError: missing, unrecorded, altered or invalid.
    """
    data = _side_bytes(Path(directory), name, manifest)
    try:
        return model.model_validate_json(data)
    except (ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ResultsError(f"{Path(directory) / name}: cannot read ({first})") from None


def describe(check: Check) -> str:
    """The one-line verdict on a sound directory."""
    total = check.manifest.counts.total
    state = "complete" if check.runs == total else "incomplete (resume with the same command)"
    return (f"{check.directory}: ok: {check.runs:,} of {total:,} runs in {len(check.parts):,} "
            f"parts, every checksum matches; {state}")
