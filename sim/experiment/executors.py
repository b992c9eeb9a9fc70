"""Executors: the same bounded task loop in-process, on a local process pool or on Dask.

Core objects:
    SweepError: bad execution options, or a scheduler that cannot be used (one line).
    Serial: in-process calls (``--workers 1``).
    Pool: a local process pool; forked (where available) after the engine is imported, so
        workers start at once and share the loaded modules.
    Dask: a Dask distributed cluster reached through its scheduler address; the job is
        scattered to every worker once.
    make_executor: the executor the options ask for.

Every executor offers ``map_ordered`` and ``map_unordered`` over ``(meta, args)`` tasks
produced lazily, with at most ``2 x workers`` tasks in flight (plus the result being
handed back), so memory stays bounded however many tasks there are.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import multiprocessing as mp
import os
import re
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from sim.errors import UserError
from sim.experiment.point import Job
from sim.experiment.worker import preload

SCHEDULER_ADDRESS = re.compile(
    r"(tcp|tls|ucx|ws|wss)://"  # scheme
    r"(\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+)"  # host, or [IPv6]
    r"(:\d{1,5})?/?"  # optional port
)


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


class _FutureExecutor:
    """Shared bounded-window logic over ``submit`` / ``wait`` futures."""

    workers = 1

    def _submit(self, fn: Callable[..., Any], args: tuple) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _wait_first(self, futures: set) -> tuple[set, set]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def window(self) -> int:
        """Tasks kept in flight: two per worker, so no worker waits for the parent."""
        return 2 * self.workers

    def map_ordered(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple]]
    ) -> Iterator[tuple[Any, Any]]:
        """Yield ``(meta, result)`` in task order, at most `window` tasks in flight."""
        pending: deque = deque()
        it = iter(tasks)
        for meta, args in it:
            pending.append((meta, self._submit(fn, args)))
            if len(pending) >= self.window:
                break
        while pending:
            meta, fut = pending.popleft()
            result = fut.result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append((nxt[0], self._submit(fn, nxt[1])))
            yield meta, result

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, tuple]]
    ) -> Iterator[tuple[Any, Any]]:
        """Yield ``(meta, result)`` as tasks finish, at most `window` tasks in flight."""
        it = iter(tasks)
        live: dict = {}
        for meta, args in it:
            live[self._submit(fn, args)] = meta
            if len(live) >= self.window:
                break
        while live:
            done, _ = self._wait_first(set(live))
            for fut in done:
                meta = live.pop(fut)
                result = fut.result()
                nxt = next(it, None)
                if nxt is not None:
                    live[self._submit(fn, nxt[1])] = nxt[0]
                yield meta, result


class Pool(_FutureExecutor):
    """A local process pool (``fork`` where available: workers start instantly)."""

    def __init__(self, workers: int):
        self.workers = workers
        methods = mp.get_all_start_methods()
        fork = "fork" in methods
        if fork:
            preload()
            gc.freeze()  # what is loaded now stays put: no GC scans nor copy-on-write of it
        ctx = mp.get_context("fork" if fork else "spawn")
        self._pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_ignore_interrupts
        )
        self._pool.submit(os.getpid).result()  # start every worker now (see `sweep`)

    def __enter__(self) -> Pool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, *exc: BaseException | TracebackType | None
    ) -> None:
        self._pool.shutdown(wait=exc_type is None, cancel_futures=True)
        gc.unfreeze()

    def _submit(self, fn: Callable[..., Any], args: tuple) -> cf.Future:
        return self._pool.submit(fn, *args)

    def _wait_first(self, futures: set) -> tuple[set, set]:
        done, rest = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return set(done), set(rest)


def _ignore_interrupts() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops the sweep cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Dask(_FutureExecutor):
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
        self._job_ref = self._client.scatter(job, broadcast=True, hash=False)

    def __enter__(self) -> Dask:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def _submit(self, fn: Callable[..., Any], args: tuple) -> Any:
        if args and args[0] is self._job:
            args = (self._job_ref, *args[1:])
        return self._client.submit(fn, *args, pure=False)

    def _wait_first(self, futures: set) -> tuple[set, set]:
        with self._client.as_current():
            done, rest = self._distributed.wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done), set(rest)


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
    return Serial() if workers == 1 else Pool(workers)
