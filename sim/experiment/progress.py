"""Progress reporting for sweeps: a rich bar on a terminal, sparse plain lines elsewhere.

Core objects:
    Progress: ``start`` / ``advance`` / ``finish``; picks its mode from the environment:
        ``quiet``: nothing at all;
        ``bar``: a rich progress bar (runs done/total, rate, ETA) on an interactive stderr;
        ``lines``: one plain line on stderr at most every ``interval`` seconds (default 10),
            plus a first and a last line, when stderr is not a terminal;
        ``ci``: only the first and the last line (``CI=true`` in the environment).
    choose_mode: the mode for given ``quiet`` / environment / terminal.

The bar is refreshed from `advance` (no refresh thread), so the sweep's process pool can
be forked at any time.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

MODES = ("quiet", "bar", "lines", "ci")


def choose_mode(
    quiet: bool, stream: TextIO | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Decide how to report progress."""
    if quiet:
        return "quiet"
    environ: Mapping[str, str] = os.environ if env is None else env
    if str(environ.get("CI", "")).strip().lower() in ("1", "true", "yes"):
        return "ci"
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return "bar" if isatty is not None and isatty() else "lines"


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Reports runs done out of a total (see the module docstring for the modes).

    Args:
        label: what is progressing (the experiment name).
        mode: one of `MODES`; None picks one with `choose_mode`.
        stream: where to write (stderr by default).
        interval: seconds between plain lines.
        clock: a monotonic clock (tests pass a fake one).
    """

    def __init__(
        self,
        label: str,
        mode: str | None = None,
        stream: TextIO | None = None,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = sys.stderr if stream is None else stream
        self.mode = mode or choose_mode(False, self.stream)
        if self.mode not in MODES:
            raise ValueError(f"unknown progress mode {self.mode!r}")
        self.label = label
        self.interval = interval
        self.clock = clock
        self.total = 0
        self.done = 0
        self._initial = 0
        self._t0 = 0.0
        self._last_line = 0.0
        self._last_refresh = 0.0
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def start(self, total: int, done: int = 0) -> None:
        """Begin: ``done`` of ``total`` runs are already there (resume)."""
        self.total, self.done, self._initial = total, done, done
        self._t0 = self._last_line = self.clock()
        if self.mode == "quiet":
            return
        if self.mode == "bar":
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            bar = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                auto_refresh=False,
                transient=False,
            )
            bar.start()
            self._bar = bar
            self._task = bar.add_task(self.label, total=total, completed=done, rate="")
            bar.refresh()
            return
        resumed = f", {done:,} already done" if done else ""
        self._line(f"{self.label}: {total:,} runs{resumed}")

    def rate(self) -> float:
        """Runs per second since `start` (runs done in this session only)."""
        elapsed = self.clock() - self._t0
        return (self.done - self._initial) / elapsed if elapsed > 0 else 0.0

    def advance(self, n: int) -> None:
        """``n`` more runs are done."""
        self.done += n
        if self.mode == "quiet" or self.mode == "ci":
            return
        now = self.clock()
        if self.mode == "bar":
            due = now - self._last_refresh >= 0.1 or self.done >= self.total
            if due and self._bar is not None and self._task is not None:
                self._last_refresh = now
                self._bar.update(
                    self._task, completed=self.done, rate=f"{self.rate():,.1f} runs/s"
                )
                self._bar.refresh()
            return
        if now - self._last_line >= self.interval:
            self._last_line = now
            rate = self.rate()
            left = (self.total - self.done) / rate if rate > 0 else float("nan")
            eta = _duration(left) if left == left else "?"
            pct = 100.0 * self.done / self.total if self.total else 100.0
            self._line(
                f"{self.label}: {self.done:,}/{self.total:,} runs ({pct:.0f}%), "
                f"{rate:,.1f} runs/s, ETA {eta}"
            )

    def finish(self, message: str | None = None) -> None:
        """Stop the bar, and write the last line."""
        if self.mode == "quiet":
            return
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done, rate=f"{self.rate():,.1f} runs/s")
            self._bar.refresh()
            self._bar.stop()
            self._bar = None
        elapsed = self.clock() - self._t0
        text = message or (
            f"{self.label}: {self.done:,}/{self.total:,} runs in {_duration(elapsed)} "
            f"({self.rate():,.1f} runs/s)"
        )
        if self.mode != "bar" or message:
            self._line(text)

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)
