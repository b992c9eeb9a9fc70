"""Checksums and records of the files of a results directory.

Core objects:
    sha256 / file_sha256: the hex sha256 of bytes or of a file.
    parquet_bytes: a table as the bytes of a Parquet file (what a part file holds).
    part_record: the manifest's record of a part file about to be committed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiment.schema import PartRecord


def sha256(data: bytes) -> str:
    """The hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file's bytes (read in blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def part_record(name: str, data: bytes, run_ids: np.ndarray) -> PartRecord:
    """The manifest's record of a part file about to be committed.

    Args:
        name: its file name.
        data: its bytes.
        run_ids: its run ids, consecutive and increasing.
    """
    return PartRecord(name=name, first_run=int(run_ids[0]), last_run=int(run_ids[-1]),
                      rows=int(run_ids.size), sha256=sha256(data))


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` as the bytes of a Parquet file."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()
