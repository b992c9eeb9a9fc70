"""Executors: the same bounded task loop in-process, on a local process pool or on Dask.

Core objects:
    SweepError: bad execution options, or a scheduler that cannot be used (one line).
    Serial: in-process calls (``--workers 1``).
    Pool: a local process pool (`sim.experiment.pool`): forked (where available) after the
        engine is imported, a dead worker replaced and its task re-run.
    Dask: a Dask distributed cluster reached through its scheduler address; the job is
        one task every other task depends on, so a worker restart recomputes it and Dask
        re-runs the lost tasks (a task cancelled all the same is submitted again).
    make_executor: the executor the options ask for.

Every executor offers ``map_ordered`` and ``map_unordered`` over ``(meta, args)`` tasks
produced lazily, with a bounded number of tasks in flight (``2 x workers``), so memory stays
bounded however many tasks there are; ``drain`` hands back the results that finished but
were not yet yielded (after an interruption), and leaving the ``with`` block on an
exception stops the workers at once.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sim.errors import UserError
from sim.experiment.point import Job
from sim.experiment.pool import Pool
from sim.experiment.stopping import Aborted

SCHEDULER_ADDRESS = re.compile(
    r"(tcp|tls|ucx|ws|wss)://"  # scheme
    r"(\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+)"  # host, or [IPv6]
    r"(:\d{1,5})?/?"  # optional port
)
MAX_SUBMITS = 3

__all__ = ["Dask", "Executor", "Pool", "Serial", "SweepError", "make_executor"]


#: Seconds Dask may take to connect to a scheduler (its ``Client(timeout=...)``).
CONNECT_TIMEOUT = 15.0


class SweepError(UserError):
    """A sweep that cannot start (one line per problem)."""


class Serial:
    """Runs tasks in this process, one after the other."""

    workers = 1

    def __enter__(self) -> Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map_ordered(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple]]
    ) -> Iterator[tuple[Any, Any]]:
        """Yield ``(meta, fn(job, *args))`` per task, in order."""
        for meta, args in tasks:
            yield meta, fn(*args)

    map_unordered = map_ordered

    def drain(self) -> list[tuple[Any, Any]]:
        """Nothing is ever finished and not yet handed back."""
        return []


def _identity(x: Any) -> Any:
    return x


class Dask:
    """A Dask distributed cluster reached through its scheduler address."""

    def __init__(self, address: str, job: Job):
        if not SCHEDULER_ADDRESS.fullmatch(address):
            raise SweepError(
                f"--scheduler: expected a scheduler address like tcp://HOST:PORT, got '{address}'"
            )
        try:
            from dask import distributed
        except ImportError:
            raise SweepError(
                "--scheduler needs dask.distributed, which is not installed; "
                "install it with: pip install 'negsim[distributed]'"
            ) from None
        self._distributed = distributed
        start = time.monotonic()
        try:
            self._client = distributed.Client(
                address, timeout=f"{CONNECT_TIMEOUT:g}s", set_as_default=False
            )
        except (OSError, TimeoutError, ValueError) as exc:
            waited = time.monotonic() - start
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            # Dask states its timeout setting, which is not the time the attempt took.
            first = re.sub(r" after [\d.]+ ?s$", "", first)
            raise SweepError(
                f"--scheduler: cannot connect to the Dask scheduler at {address}: {first} "
                f"(gave up after {waited:.1f} s; the connect timeout is "
                f"{CONNECT_TIMEOUT:g} s)"
            ) from None
        self.workers = max(1, sum(self._client.nthreads().values()))
        self._job = job
        self._job_ref = self._job_task()
        self._live: dict[Any, tuple[Any, Callable[..., Any], tuple, int]] = {}

    @property
    def window(self) -> int:
        """Tasks kept in flight: two per worker, so no worker waits for the parent."""
        return 2 * self.workers

    def _job_task(self) -> Any:
        # A task, not scattered data: the scheduler can recompute it after a worker restart.
        return self._client.submit(_identity, self._job, pure=False)

    def __enter__(self) -> Dask:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None and self._live:
            self._client.cancel(list(self._live), force=True)
        self._live.clear()
        self._client.close(timeout=5)

    def _submit(self, fn: Callable[..., Any], meta: Any, args: tuple, attempt: int = 1) -> None:
        if args and args[0] is self._job:
            if self._job_ref.status in ("cancelled", "lost", "error"):
                self._job_ref = self._job_task()
            args = (self._job_ref, *args[1:])
            real = (self._job, *args[1:])
        else:
            real = args
        fut = self._client.submit(fn, *args, pure=False)
        self._live[fut] = (meta, fn, real, attempt)

    def _collect(self, fut: Any) -> tuple[bool, Any, Any]:
        """``(finished, meta, result)``; a cancelled task is submitted again instead."""
        meta, fn, args, attempt = self._live.pop(fut)
        try:
            return True, meta, fut.result()
        except self._distributed.KilledWorker as exc:
            raise Aborted(f"Dask gave up on a task whose workers kept dying ({exc})",
                          meta) from None
        except cf.CancelledError:
            if attempt >= MAX_SUBMITS:
                raise Aborted(f"Dask cancelled the same task {attempt} times (its workers "
                              "keep restarting?)", meta) from None
            self._submit(fn, meta, args, attempt + 1)
            return False, meta, None

    def _wait(self) -> set:
        with self._client.as_current():
            done, _ = self._distributed.wait(list(self._live), return_when="FIRST_COMPLETED")
        return set(done)

    def map_ordered(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple]]
    ) -> Iterator[tuple[Any, Any]]:
        """Yield ``(meta, result)`` in task order, at most `window` tasks in flight."""
        metas: dict[int, Any] = {}
        results: dict[int, Any] = {}
        it = iter(tasks)

        def submit(meta: Any, args: tuple) -> None:
            key = len(metas) + first
            metas[key] = meta
            self._submit(fn, key, args)

        first = 0
        for meta, args in it:
            submit(meta, args)
            if len(self._live) >= self.window:
                break
        while metas:
            for fut in self._wait():
                finished, key, result = self._collect(fut)
                if finished:
                    results[key] = result
            while first in results:
                result, meta = results.pop(first), metas.pop(first)
                first += 1
                nxt = next(it, None)
                if nxt is not None:
                    submit(nxt[0], nxt[1])
                yield meta, result

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple]]
    ) -> Iterator[tuple[Any, Any]]:
        """Yield ``(meta, result)`` as tasks finish, at most `window` tasks in flight."""
        it = iter(tasks)
        for meta, args in it:
            self._submit(fn, meta, args)
            if len(self._live) >= self.window:
                break
        while self._live:
            for fut in self._wait():
                finished, meta, result = self._collect(fut)
                if not finished:
                    continue
                nxt = next(it, None)
                if nxt is not None:
                    self._submit(fn, nxt[0], nxt[1])
                yield meta, result

    def drain(self) -> list[tuple[Any, Any]]:
        """Results of tasks that finished and were not yet handed back."""
        out = []
        for fut, (meta, *_) in list(self._live.items()):
            if fut.status == "finished":
                out.append((meta, fut.result()))
                del self._live[fut]
        return out


Executor = Serial | Pool | Dask


def make_executor(workers: int | None, scheduler: str | None, job: Job) -> Executor:
    """The executor for these options.

    A Dask executor when ``scheduler`` is given; else a pool of ``workers`` processes
    (default ``os.cpu_count()``), or in-process calls for one worker.
    """
    if scheduler:
        return Dask(scheduler, job)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise SweepError(f"--workers: must be at least 1 (got {workers})")
    return Serial() if workers == 1 else Pool(workers, job)
