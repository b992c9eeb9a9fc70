"""Committing several finished parts with one manifest write (`ResultsDir.commit_many`).

Every part's bytes go to its pending file, then one manifest records them all, then each
is renamed into place: a ``kill -9`` before the manifest is replaced loses the group (its
pending files are removed on the next start and their runs run again), after it loses
none. When writing a part fails (a full disk, a directory turned read-only), the parts of
the group already written in full are still committed if the manifest can be written:
what was written is kept, only the failing part and those after it run again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sim.experiment import dataset
from sim.experiment.layout import PENDING_PREFIX, part_name

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.experiment.schema import PartRecord

__all__ = ["commit_many"]


class ResultsDir(Protocol):
    """What a commit needs of `sim.experiment.storage.ResultsDir` (no import: no cycle)."""

    runs: Path
    parts: list[PartRecord]

    def write_manifest(self, sync_dir: bool = True) -> None: ...


def commit_many(results: ResultsDir, tables: list[pa.Table],
                cannot_write: Callable[[Path, OSError], Exception]) -> list[PartRecord]:
    """Commit ``tables`` as parts of ``results`` with one manifest write.

    Args:
        results: the open results directory.
        tables: the part tables, each of consecutive run ids.
        cannot_write: ``(path, OSError) -> Exception`` for a failed write (a clear
            `StorageError`).

    Returns:
        The records of the committed parts.
    """
    records: list[PartRecord] = []
    pending: list[Path] = []
    try:
        for table in tables:
            ids = table.column("run_id").to_numpy()
            if ids.size == 0 or not np.array_equal(ids, np.arange(ids[0], ids[0] + ids.size)):
                raise ValueError("a part holds consecutive run ids")
            name = part_name(int(ids[0]), int(ids.size))
            data = dataset.parquet_bytes(table)
            pending.append(results.runs / f"{PENDING_PREFIX}{name}")
            pending[-1].write_bytes(data)
            records.append(dataset.part_record(name, data, ids))
        _record(results, records)
    except BaseException as exc:  # the failing part (and any after it) is not committed
        written = len(records) if isinstance(exc, OSError) else 0
        kept = _salvage(results, records[:written], pending[:written])
        for p in pending[len(kept):]:
            with contextlib.suppress(OSError):
                p.unlink()
        if isinstance(exc, OSError):
            raise cannot_write(pending[-1] if pending else results.runs, exc) from None
        raise
    _rename(results, records, pending, cannot_write)
    return records


def _record(results: ResultsDir, records: list[PartRecord]) -> None:
    """Record ``records`` in the manifest (one write); on failure record none."""
    results.parts.extend(records)
    try:
        results.write_manifest(sync_dir=False)
    except BaseException:
        if records and results.parts[-len(records):] == records:
            del results.parts[-len(records):]
        raise


def _salvage(results: ResultsDir, records: list[PartRecord], pending: list[Path]
             ) -> list[PartRecord]:
    """Commit the parts written in full before a failure, if the manifest can be written."""
    if not records:
        return []
    try:
        _record(results, records)
    except OSError:
        return []
    for p, record in zip(pending, records, strict=True):
        with contextlib.suppress(OSError):  # recorded: the next start renames it
            os.replace(p, results.runs / record.name)
    return records


def _rename(results: ResultsDir, records: list[PartRecord], pending: list[Path],
            cannot_write: Callable[[Path, OSError], Exception]) -> None:
    for p, record in zip(pending, records, strict=True):
        try:
            os.replace(p, results.runs / record.name)
        except OSError as exc:  # committed: the next start renames the pending file
            raise cannot_write(results.runs / record.name, exc) from None
