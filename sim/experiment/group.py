"""Group commit: the finished chunks of a sweep committed several at a time.

Core object:
    GroupCommit: holds finished part tables and commits them together, with one manifest
        write (one fsync) per group (`sim.experiment.storage.ResultsDir.commit_many`).

A group is committed when it holds `GROUP_PARTS` tables or when `GROUP_SECONDS` have
passed since the last commit, and always at the end (`GroupCommit.flush`). The manifest
write is the parent's largest serial cost (an fsync, 10-200 ms on a busy disk); grouping
cuts it without weakening ``kill -9`` safety: a killed sweep loses at most the runs of the
group in flight (at most about one second's worth), which the next start runs again.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sim.experiment.progress import Progress
from sim.experiment.stopping import critical

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.experiment.storage import ResultsDir

__all__ = ["GROUP_PARTS", "GROUP_SECONDS", "GroupCommit"]

#: At most this many parts per manifest write.
GROUP_PARTS = 16
#: No finished part waits longer than this after the last manifest write (seconds).
GROUP_SECONDS = 1.0


class GroupCommit:
    """Finished part tables waiting for their commit (see the module docstring).

    Attributes:
        rows: runs committed so far.
        parts: parts committed so far.
    """

    def __init__(self, results: ResultsDir, progress: Progress,
                 parts: int = GROUP_PARTS, seconds: float = GROUP_SECONDS) -> None:
        self.results = results
        self.progress = progress
        self.max_parts = parts
        self.seconds = seconds
        self.rows = 0
        self.parts = 0
        self._group: list[pa.Table] = []
        self._last = time.perf_counter()

    def add(self, table: pa.Table) -> None:
        """Hold ``table``; commit the group if it is full or old enough."""
        self._group.append(table)
        if (len(self._group) >= self.max_parts
                or time.perf_counter() - self._last >= self.seconds):
            self.flush()

    def flush(self) -> None:
        """Commit every held table (one manifest write), then advance the progress."""
        group = self._group
        if group:
            # the bookkeeping stays inside the block: a stop that arrived during the commit
            # is raised when the block ends, and must not find the committed tables still
            # held (the drain that follows would commit them a second time)
            with critical():
                self.results.commit_many(group)
                self._group = []
                rows = sum(t.num_rows for t in group)
                self.rows += rows
                self.parts += len(group)
                self.progress.advance(rows)
        self._last = time.perf_counter()
