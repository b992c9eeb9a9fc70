"""Stopping a sweep in order: Ctrl-C and SIGTERM, and workers that cannot go on.

While a sweep runs, SIGINT and SIGTERM raise `Interrupted` in the main thread at once,
except inside a `critical` section (committing a part file, a message on a worker's
pipe), where the stop waits for the section to end. The runner then keeps every chunk
already finished, stops the workers and re-raises with the message the command prints;
the command exits with 128 + the signal number (130 for Ctrl-C, 143 for SIGTERM).

Core objects:
    Interrupted: the sweep was stopped by a signal (a `KeyboardInterrupt`, so Python
        callers see what they expect from Ctrl-C).
    Aborted: the sweep stopped cleanly because it could not go on (a worker process that
        keeps dying); exit code 1.
    stop_on_signals: install the handlers for the duration of a sweep.
    critical: a block that a signal must not cut in half.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A sweep stopped by SIGINT or SIGTERM; ``lines`` says what was kept and how to resume."""

    def __init__(self, signum: int, lines: list[str] | None = None):
        self.signum = signum
        self.lines = lines or [f"interrupted by {signal.Signals(signum).name}"]
        super().__init__("\n".join(self.lines))

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process stopped by it."""
        return 128 + self.signum


class Aborted(RuntimeError):
    """A sweep that stopped cleanly because it could not go on (exit code 1).

    Attributes:
        lines: what happened, one line each.
        meta: the metadata of the task concerned (an executor's), or None.
    """

    def __init__(self, lines: list[str] | str, meta: Any = None):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        self.meta = meta
        super().__init__("\n".join(self.lines))


class _State:
    def __init__(self) -> None:
        self.active = False
        self.depth = 0
        self.pending: int | None = None
        self.raised = False

    def reset(self) -> None:
        self.active, self.depth, self.pending, self.raised = False, 0, None, False


_STATE = _State()


def _handle(signum: int, frame: FrameType | None) -> None:
    st = _STATE
    if st.pending is None:
        st.pending = signum
    if st.depth == 0 and not st.raised:
        st.raised = True
        raise Interrupted(st.pending)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into `Interrupted` while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread() or _STATE.active:
        yield
        return
    old = {s: signal.getsignal(s) for s in SIGNALS}
    _STATE.reset()
    _STATE.active = True
    try:
        for s in SIGNALS:
            signal.signal(s, _handle)
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        _STATE.active = False


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """A block a signal must not cut in half: the stop is raised when it ends."""
    st = _STATE
    st.depth += 1
    try:
        yield
    finally:
        st.depth -= 1
    if st.depth == 0 and st.pending is not None and not st.raised and st.active:
        st.raised = True
        raise Interrupted(st.pending)


def pending() -> int | None:
    """The signal that asked the sweep to stop, if any."""
    return _STATE.pending


def ignore_in_worker() -> None:
    """In a worker process: leave Ctrl-C to the parent, die on SIGTERM at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _STATE.reset()
