"""Atomic file writes: a whole new file or the old one, never half of either.

Core objects:
    atomic_write: write ``path`` through a callback on a binary file object: into a hidden
        temporary file in the same directory, fsynced, then ``os.replace``-d into place (and
        the directory fsynced).
    atomic_path: the same for writers that want a file *name* (matplotlib's ``savefig``,
        pandas' ``to_parquet``): a temporary path with the same suffix (writers pick the
        format from it), renamed over ``path`` when the block succeeds.
    TMP_PREFIX: the prefix of every temporary name; readers ignore such files and the sweep
        removes stray ones when it starts.

A reader therefore sees the old file or the new one; a ``kill -9`` mid-write leaves at most
a hidden temporary beside the target.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

TMP_PREFIX = ".tmp-"

__all__ = ["TMP_PREFIX", "atomic_path", "atomic_write", "fsync_dir"]


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (renames) to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _temporary(path: Path) -> Path:
    return path.parent / f"{TMP_PREFIX}{path.stem}.{os.getpid()}{path.suffix}"


def atomic_write(path: Path, write: Callable[[BinaryIO], object], sync_dir: bool = True) -> None:
    """Write ``path`` atomically: ``write(fileobj)`` into a temp file, fsync, replace.

    Args:
        path: the file to write.
        write: writes the content to the binary file object it is given.
        sync_dir: also fsync the directory, so that the rename itself survives a power
            failure (a process crash never undoes it).
    """
    path = Path(path)
    tmp = _temporary(path)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    if sync_dir:
        fsync_dir(path.parent)


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``.

    The temporary keeps the suffix of ``path`` (``.png``, ``.parquet``), so writers that
    choose the format from the name write the right one. On an exception the temporary is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = _temporary(path)
    try:
        yield tmp
        with contextlib.suppress(OSError):  # a writer may have closed it already
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    fsync_dir(path.parent)
