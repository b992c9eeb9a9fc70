"""A local process pool that replaces a dead worker and stops at once when asked.

Each worker is a process with two pipes (tasks in, results out). The job (the scenario
dicts every task needs) is handed to each worker once, when it starts (inherited through
``fork`` where available, pickled once otherwise); a task carries `JOB` in its place.

What it guarantees:
    * a worker that dies (``kill -9``, out of memory) is replaced and its task re-run; a
      task whose worker dies `MAX_ATTEMPTS` times stops the pool with `Aborted`, as do
      more than `MAX_DEATHS` deaths in all;
    * workers die with the parent: on Linux the kernel kills them when it dies
      (``PR_SET_PDEATHSIG``), elsewhere they notice within a second;
    * workers ignore Ctrl-C (the parent stops them) and die at once on SIGTERM;
    * `Pool.close` stops every worker within seconds, waiting for running tasks only
      when nothing went wrong.

At most two tasks are queued on a worker (the second only when it is small enough to sit
in the pipe without blocking), so memory stays bounded however many tasks there are.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing as mp
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any

from sim.experiment.stopping import Aborted, critical, ignore_in_worker
from sim.experiment.worker import preload

JOB = "__negsim_job__"
MAX_ATTEMPTS = 2
MAX_DEATHS = 16
SMALL_TASK = getattr(select, "PIPE_BUF", 512) - 16
_PR_SET_PDEATHSIG = 1


@dataclass
class _Task:
    seq: int
    meta: Any
    payload: bytes
    attempts: int = 0


@dataclass
class _Worker:
    process: Any
    tasks: Connection
    results: Connection
    queue: deque[_Task] = field(default_factory=deque)


def _die_with_parent(parent: int) -> None:
    """Make this process die when ``parent`` does."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # it died before prctl took effect
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError carrying its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _serve(tasks: Connection, results: Connection, job: Any, parent: int) -> None:
    """A worker's life: run tasks until told to stop or the parent goes away."""
    ignore_in_worker()
    _die_with_parent(parent)
    while True:
        try:
            message = pickle.loads(tasks.recv_bytes())
        except (EOFError, OSError):
            return
        if message is None:
            return
        seq, fn, args = message
        if args and isinstance(args[0], str) and args[0] == JOB:
            args = (job, *args[1:])
        try:
            out = (seq, True, fn(*args))
        except BaseException as exc:  # sent back and raised in the parent
            out = (seq, False, _portable(exc))
        try:
            data = pickle.dumps(out, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            data = pickle.dumps((seq, False, RuntimeError(f"unpicklable result: {exc}")))
        try:
            results.send_bytes(data)
        except OSError:
            return


def describe_exit(code: int | None) -> str:
    """How a process ended, in words."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Pool:
    """A local process pool (see the module docstring).

    Args:
        workers: the number of worker processes.
        job: what tasks refer to as `JOB` (handed to each worker once).
    """

    def __init__(self, workers: int, job: Any = None):
        self.workers = workers
        fork = "fork" in mp.get_all_start_methods()
        if fork:
            preload()
            gc.freeze()  # what is loaded now stays put: no GC scans nor copy-on-write of it
        self._ctx: Any = mp.get_context("fork" if fork else "spawn")
        self._job = job
        self._parent = os.getpid()
        self._live: list[_Worker] = []
        self._ready: deque[tuple[Any, Any]] = deque()
        self._seq = 0
        self.deaths = 0
        try:
            for _ in range(workers):
                self._live.append(self._spawn())
        except BaseException:
            self.close(now=True)
            raise

    @property
    def window(self) -> int:
        """Tasks taken from the iterator and not yet handed back, at most."""
        return 2 * self.workers

    def pids(self) -> list[int]:
        """The process ids of the live workers."""
        return [w.process.pid for w in self._live]

    def __enter__(self) -> Pool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, *exc: BaseException | TracebackType | None
    ) -> None:
        self.close(now=exc_type is not None)

    # -- workers -------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        with critical():
            tasks_r, tasks_w = self._ctx.Pipe(duplex=False)
            results_r, results_w = self._ctx.Pipe(duplex=False)
            process = self._ctx.Process(
                target=_serve, args=(tasks_r, results_w, self._job, self._parent), daemon=True
            )
            process.start()
            tasks_r.close()
            results_w.close()
            return _Worker(process, tasks_w, results_r)

    def _bury(self, w: _Worker, retry: deque[_Task]) -> None:
        """Replace a dead worker; its tasks go back to the front of ``retry``."""
        w.process.join(1)
        how = describe_exit(w.process.exitcode)
        self._live.remove(w)
        for conn in (w.tasks, w.results):
            conn.close()
        self.deaths += 1
        if w.queue:
            w.queue[0].attempts += 1
            if w.queue[0].attempts >= MAX_ATTEMPTS:
                raise _lost(w.queue[0].meta, f"a worker process died ({how}) each of the "
                            f"{MAX_ATTEMPTS} times it ran the same task")
        if self.deaths > MAX_DEATHS:
            raise _lost(None, f"{self.deaths} worker processes died (the last {how})")
        retry.extendleft(reversed(w.queue))
        self._live.append(self._spawn())

    def close(self, now: bool = False) -> None:
        """Stop every worker: at once when ``now``, else after their current task."""
        live, self._live = self._live, []
        if not now:
            for w in live:
                with contextlib.suppress(OSError):
                    w.tasks.send_bytes(pickle.dumps(None))
            deadline = time.monotonic() + 5
            for w in live:
                w.process.join(max(0.0, deadline - time.monotonic()))
        for w in live:
            if w.process.is_alive():
                w.process.terminate()
        for w in live:
            w.process.join(1)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(1)
            for conn in (w.tasks, w.results):
                conn.close()
        gc.unfreeze()

    # -- tasks ---------------------------------------------------------------------------

    def _task(self, fn: Callable[..., Any], meta: Any, args: tuple) -> _Task:
        if args and self._job is not None and args[0] is self._job:
            args = (JOB, *args[1:])
        self._seq += 1
        payload = pickle.dumps((self._seq, fn, args), pickle.HIGHEST_PROTOCOL)
        return _Task(self._seq, meta, payload)

    def _send(self, w: _Worker, task: _Task, retry: deque[_Task]) -> bool:
        """Queue ``task`` on ``w``; False (and ``w`` replaced) if ``w`` turns out dead."""
        with critical():
            w.queue.append(task)
            try:
                w.tasks.send_bytes(task.payload)
            except OSError:  # a broken pipe: the worker died since the last look
                self._bury(w, retry)
                return False
        return True

    def drain(self) -> list[tuple[Any, Any]]:
        """Results already finished and not yet handed back (after an interruption)."""
        out = list(self._ready)
        self._ready.clear()
        for w in self._live:
            with contextlib.suppress(EOFError, OSError):
                while w.queue and w.results.poll(0):
                    seq, ok, value = pickle.loads(w.results.recv_bytes())
                    task = w.queue.popleft()
                    if ok and seq == task.seq:
                        out.append((task.meta, value))
        return out

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple]]
    ) -> Iterator[tuple[Any, Any]]:
        """Yield ``(meta, fn(*args))`` as tasks finish."""
        return self._run(fn, tasks, ordered=False)

    def map_ordered(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple]]
    ) -> Iterator[tuple[Any, Any]]:
        """Yield ``(meta, fn(*args))`` in task order."""
        return self._run(fn, tasks, ordered=True)

    def _run(self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple]],
             ordered: bool) -> Iterator[tuple[Any, Any]]:
        it = iter(tasks)
        retry: deque[_Task] = deque()
        held: list[_Task] = []  # a large task waiting for an idle worker
        exhausted = False
        next_out = self._seq + 1
        early: dict[int, tuple[Any, Any]] = {}

        def taken() -> int:  # tasks pulled from the iterator and not yet handed back
            queued = sum(len(w.queue) for w in self._live)
            return queued + len(retry) + len(held) + len(self._ready) + len(early)

        def fill() -> None:
            nonlocal exhausted
            for w in list(self._live):
                while len(w.queue) < 2:
                    if retry:
                        task = retry.popleft()
                    elif held:
                        task = held.pop()
                    elif (exhausted or taken() >= self.window
                          or (ordered and self._seq + 1 - next_out >= self.window)):
                        break
                    else:
                        nxt = next(it, None)
                        if nxt is None:
                            exhausted = True
                            break
                        task = self._task(fn, nxt[0], nxt[1])
                    if w.queue and len(task.payload) > SMALL_TASK:
                        held.append(task)  # a busy worker's pipe could fill up: wait
                        break
                    if not self._send(w, task, retry):
                        break

        while True:
            fill()
            busy = [w for w in self._live if w.queue]
            if not busy:
                return
            by_fd: dict[Any, _Worker] = {}
            for w in busy:
                by_fd[w.results] = w
                by_fd[w.process.sentinel] = w
            for obj in wait(list(by_fd)):
                w = by_fd[obj]
                if w not in self._live or not w.queue:
                    continue
                if obj is w.results or w.results.poll(0):
                    try:
                        with critical():
                            seq, ok, value = pickle.loads(w.results.recv_bytes())
                    except (EOFError, OSError):
                        self._bury(w, retry)
                        continue
                    task = w.queue.popleft()
                    if not ok:
                        raise value
                    if ordered:
                        early[seq] = (task.meta, value)
                    else:
                        self._ready.append((task.meta, value))
                elif not w.process.is_alive():
                    self._bury(w, retry)
            while ordered and next_out in early:
                self._ready.append(early.pop(next_out))
                next_out += 1
            if self._ready:
                fill()  # keep every worker busy while the results are handled
            while self._ready:
                yield self._ready.popleft()


def _lost(meta: Any, text: str) -> Aborted:
    return Aborted(text, meta)
