"""Running a sweep: plan, results directory, chunked dispatch, resume.

Core objects:
    SweepOptions: how to run (output directory, workers, chunk size, Dask scheduler,
        resume/overwrite, progress mode); none of it can change a result.
    SweepSummary: what a sweep did.
    sweep: the whole command: load and validate the plan (every point), open the results
        directory (lock it; create, resume, refuse or repair it), analyse the points, run
        every missing run in chunks (on an executor of `sim.experiment.executors`) and
        commit the finished chunks as part files the manifest records (several per manifest
        write, `sim.experiment.group`); on SIGINT or SIGTERM, commit what has finished,
        stop the workers and raise `Interrupted`.
    chunk_size: the default (guided) size of the next chunk.

Chunks are consecutive run ids, so the replicates of a point travel together and a
worker reuses the point's scenario and `Prepared`. By default chunks are *guided*: a
quarter of each worker's share of what is left, so large at first (few part files, little
overhead) and down to 32 runs at the end (no worker idles while another finishes a long
chunk). Seeds are derived from (point, replicate) by `sim.experiment.design.run_seed`
in the workers, and every run is a pure function of (scenario, seed, rounds): results
are identical whatever the executor, worker count or chunk size. Memory is bounded: runs
are generated lazily chunk by chunk, at most ``2 x workers`` chunks are in flight, and no
more than one chunk of rows is held per result.
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.experiment.executors import Executor, SweepError, make_executor
from sim.experiment.group import GroupCommit
from sim.experiment.plan import Plan, load_plan, validate_points
from sim.experiment.point import Job
from sim.experiment.progress import MODES, Progress
from sim.experiment.stopping import Aborted, Interrupted, stop_on_signals
from sim.experiment.worker import FALLBACK_KEY, PointInfo, prepare_points, run_chunk

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.experiment.storage import ResultsDir

# A chunk's run ids, point ids, replicates and seeds (aligned int arrays; seeds None when
# the worker derives them, `sim.experiment.worker.run_chunk`).
RunMeta = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]

__all__ = ["SweepError", "SweepOptions", "SweepSummary", "chunk_size", "sweep"]

MAX_CHUNK = 1000
MIN_CHUNK = 32
POINT_BATCH = 32


@dataclass(frozen=True)
class SweepOptions:
    """How to run a sweep; none of these change the results.

    Attributes:
        out: results directory (default ``results/<experiment name>``).
        workers: local worker processes (default ``os.cpu_count()``; 1 = in-process).
        chunk_size: runs per task (default: guided, see `chunk_size`).
        scheduler: ``tcp://HOST:PORT`` of a Dask scheduler, or None.
        resume: require an existing results directory of this experiment.
        overwrite: replace an existing results directory.
        progress: progress mode: ``quiet`` (or its alias ``none``), ``bar``, ``lines`` or
            ``ci`` (`sim.experiment.progress.MODES`), or None to choose from the terminal
            and the environment.
        repair: re-run the runs of missing or bad parts (bad and stray files move to
            ``quarantine/``) instead of refusing the directory.

    Raises:
        SweepError: an unknown progress mode (the message lists the allowed ones).
    """

    out: Path | None = None
    workers: int | None = None
    chunk_size: int | None = None
    scheduler: str | None = None
    resume: bool = False
    overwrite: bool = False
    progress: str | None = None
    repair: bool = False

    def __post_init__(self) -> None:
        mode = self.progress
        if mode == "none":  # what people type for "no progress": the same as quiet
            object.__setattr__(self, "progress", "quiet")
        elif mode is not None and mode not in MODES:
            raise SweepError(
                f"progress: unknown mode {mode!r}; allowed: {', '.join(MODES)}, 'none' (the "
                "same as 'quiet'), or None to choose from the terminal"
            )


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep did.

    Attributes:
        out: the results directory.
        total: runs in the experiment.
        already: runs found done when it started.
        ran: runs done in this invocation.
        seconds: wall time of the runs (excluding planning).
        workers: the parallelism used.
        chunks: tasks (part files) written in this invocation.
        repaired: the problems ``repair`` mended (one line each).
        per_run: ``(reason, runs)``: runs the batched engine could not play (played one
            by one instead, with the same results), by reason.
    """

    out: Path
    total: int
    already: int
    ran: int
    seconds: float
    workers: int
    chunks: int
    repaired: tuple[str, ...] = ()
    per_run: tuple[tuple[str, int], ...] = ()

    @property
    def rate(self) -> float:
        """Runs per second in this invocation."""
        return self.ran / self.seconds if self.seconds > 0 else 0.0


def chunk_size(remaining: int, workers: int) -> int:
    """The default size of the next chunk, given the runs not yet dispatched.

    A quarter of each worker's share of what is left (guided scheduling), between
    `MIN_CHUNK` (or what is left) and `MAX_CHUNK`: few, large chunks while much is left
    (each chunk costs a task round trip and one fsynced part file, about 10 ms), small
    ones at the end so that the workers finish together.
    """
    if remaining <= 0:
        return 1
    guided = math.ceil(remaining / (4 * max(1, workers)))
    return max(1, min(MAX_CHUNK, remaining, max(guided, MIN_CHUNK)))


# -- the sweep ---------------------------------------------------------------------------


def sweep(
    experiment: str | Path,
    options: SweepOptions = SweepOptions(),
    progress: Progress | None = None,
) -> SweepSummary:
    """Run (or complete) an experiment; see the module docstring.

    Raises:
        ExperimentError: an invalid experiment file or design point.
        StorageError: an output directory that cannot be used, or (without ``repair``)
            recorded files that are missing, altered or unreadable, or strays in ``runs/``.
        SweepError: bad execution options, an unreachable scheduler.
        Interrupted: SIGINT or SIGTERM; every finished chunk is kept (exit 130 / 143).
        Aborted: a worker process kept dying; every finished chunk is kept (exit 1).
    """
    if options.chunk_size is not None and options.chunk_size < 1:
        raise SweepError(f"--chunk-size: must be at least 1 (got {options.chunk_size})")
    state = _State(str(experiment))
    with stop_on_signals():
        try:
            return _sweep(Path(experiment), options, progress, state)
        except Interrupted as stop:
            raise Interrupted(stop.signum, [state.stopped(
                f"interrupted by {signal.Signals(stop.signum).name}")]) from None
        except Aborted as exc:
            raise Aborted([state.stopped(f"stopped: {'; '.join(exc.lines)}{state.runs(exc)}")],
                          exc.meta) from None


@dataclass
class _State:
    """What a stopped sweep reports: where it wrote and how much is saved."""

    experiment: str
    out: Path | None = None
    results: ResultsDir | None = None

    def runs(self, exc: Aborted) -> str:
        meta = exc.meta
        if isinstance(meta, tuple) and meta and isinstance(meta[0], np.ndarray) and meta[0].size:
            return f" (runs {int(meta[0][0])}-{int(meta[0][-1])})"
        return ""

    def stopped(self, what: str) -> str:
        if self.results is None or self.out is None:
            return f"{self.experiment}: {what}, before any run was saved"
        r = self.results
        return (f"{self.out}: {what}; {r.done_runs:,} of {r.plan.n_runs:,} runs are saved; "
                f"to resume, run: negsim sweep {self.experiment} --out {self.out}")


def _sweep(experiment: Path, options: SweepOptions, progress: Progress | None,
           state: _State) -> SweepSummary:
    from sim.experiment.storage import ResultsDir

    plan = load_plan(experiment)
    validate_points(plan)
    out = Path(options.out) if options.out else Path("results") / plan.experiment.name
    state.out = out
    job = plan.job()
    # The executor first: a forked pool starts before this process opens any Parquet file.
    with make_executor(options.workers, options.scheduler, job) as executor:
        results = ResultsDir.open(out, plan, overwrite=options.overwrite, resume=options.resume)
        state.results = results
        try:
            per_run: dict[str, int] = {}
            already, ran, seconds, chunks, mended = _complete(plan, job, executor, results,
                                                              options, progress, per_run)
        finally:
            results.close()
    return SweepSummary(out, plan.n_runs, already, ran, seconds, executor.workers, chunks,
                        mended, tuple(sorted(per_run.items())))


def _complete(plan: Plan, job: Job, executor: Executor, results: ResultsDir,
              options: SweepOptions, progress: Progress | None,
              per_run: dict[str, int] | None = None,
              ) -> tuple[int, int, float, int, tuple[str, ...]]:
    """Verify what is there, analyse the points if needed, then run every missing run.

    Returns:
        (runs already there, runs done now, seconds of the runs phase, chunks written,
        the problems repaired).
    """
    done, problems = results.verify(repair=options.repair)
    already = int(done.sum())
    results.write_side_files()
    if not results.points_done():
        results.write_points(_point_batches(plan, job, executor))
    figures = _point_summary(results, plan)
    progress = progress or Progress(plan.experiment.name, options.progress)
    progress.start(plan.n_runs, already)
    t0 = time.perf_counter()
    group = GroupCommit(results, progress)  # several parts per manifest write

    def commit(meta: RunMeta, cols: dict[str, list]) -> None:
        for reason, n in cols.pop(FALLBACK_KEY, ()):  # runs the batch engine could not play
            if per_run is not None:
                per_run[reason] = per_run.get(reason, 0) + n
        group.add(_part_table(plan, results.schema, meta, cols, figures))

    tasks = _run_tasks(plan, job, done, options.chunk_size, executor.workers)
    try:
        for meta, cols in executor.map_unordered(run_chunk, tasks):
            commit(meta, cols)
    except (Interrupted, Aborted):
        for meta, cols in executor.drain():  # finished while the sweep was stopping
            commit(meta, cols)
        raise
    finally:
        try:
            group.flush()  # what finished is kept, whatever stopped the sweep
        finally:
            progress.finish()
    return (already, group.rows, time.perf_counter() - t0, group.parts,
            tuple(p.line() for p in problems))


def _point_batches(plan: Plan, job: Job, executor: Executor) -> Iterator[pa.RecordBatch]:
    """Analyse every point (in order) and yield `points.parquet` record batches."""
    import pyarrow as pa

    from sim.experiment.layout import points_schema

    schema = points_schema(plan)
    n = plan.n_points
    size = max(1, min(POINT_BATCH, math.ceil(n / (4 * executor.workers))))

    def tasks() -> Iterator[tuple[np.ndarray, tuple[Job, list[tuple[int, list[Any]]]]]]:
        for start in range(0, n, size):
            ids = np.arange(start, min(start + size, n))
            cols = plan.design.columns(ids)
            points = [(int(p), [c[k] for c in cols]) for k, p in enumerate(ids)]
            yield ids, (job, points)

    for ids, done in executor.map_ordered(prepare_points, tasks()):
        infos: list[PointInfo] = done
        cols = plan.design.columns(ids)
        data: dict[str, Any] = {"point_id": ids.astype(np.int64)}
        data["policy_id"], data["sample_id"] = plan.design.ids(ids)
        for ax, col in zip(plan.axes, cols, strict=True):
            data[ax.column] = [ax.cell(v) for v in col]
        data["n_feasible"] = [i.n_feasible for i in infos]
        for issue in plan.issues:
            data[f"spe.{issue}"] = [None if i.spe is None else i.spe.get(issue) for i in infos]
        data["feasible_rows"] = [i.feasible_rows for i in infos]
        yield pa.RecordBatch.from_pydict(data, schema=schema)


@dataclass(frozen=True)
class _PointFigures:
    """Per point (indexed by point id): n_feasible and the SPE.

    The SPE is stored per issue as a code into that issue's option names (-1: none):
    compact enough for a million points.
    """

    n_feasible: np.ndarray
    spe_codes: dict[str, np.ndarray]
    spe_names: dict[str, list[str]]

    def spe(self, issue: str, point_ids: np.ndarray) -> list[str | None]:
        """The SPE option of ``issue`` at each of ``point_ids``."""
        names = self.spe_names[issue]
        return [names[c] if c >= 0 else None for c in self.spe_codes[issue][point_ids].tolist()]


def _point_summary(results: ResultsDir, plan: Plan) -> _PointFigures:
    """Read the per-point figures every run row carries from ``points.parquet``."""
    import pyarrow.compute as pc

    spe_cols = [f"spe.{i}" for i in plan.issues]
    table = results.read_points(["point_id", "n_feasible", *spe_cols], dictionary=spe_cols)
    order = np.argsort(table.column("point_id").to_numpy())
    codes, names = {}, {}
    for issue, col in zip(plan.issues, spe_cols, strict=True):
        arr = table.column(col).combine_chunks()
        codes[issue] = pc.fill_null(arr.indices, -1).to_numpy().astype(np.int32)[order]
        names[issue] = arr.dictionary.to_pylist()
    return _PointFigures(table.column("n_feasible").to_numpy()[order], codes, names)


def _run_tasks(
    plan: Plan,
    job: Job,
    done: np.ndarray,
    fixed: int | None,
    workers: int,
    block: int = 65536,
) -> Iterator[tuple[RunMeta, tuple[Job, tuple[np.ndarray, np.ndarray, None],
                                   dict[int, list[Any]], int, bool]]]:
    """Lazily yield one task per chunk of pending runs (consecutive run ids).

    Chunks have ``fixed`` runs, or the guided `chunk_size`; none crosses a block of
    ``block`` run ids (the pending ids are found one block at a time) nor a run already
    done, so that every part file holds one range of run ids.
    """
    reps = plan.experiment.replicates
    seed = plan.experiment.seed
    crn = plan.experiment.crn
    remaining = int((~done).sum())
    for start in range(0, plan.n_runs, block):
        stop = min(start + block, plan.n_runs)
        todo = start + np.flatnonzero(~done[start:stop])
        k = 0
        while k < todo.size:
            size = fixed or chunk_size(remaining, workers)
            run_ids = todo[k : k + size].astype(np.int64)
            gaps = np.flatnonzero(np.diff(run_ids) != 1)
            if gaps.size:
                run_ids = run_ids[: gaps[0] + 1]
            k += run_ids.size
            remaining -= run_ids.size
            point_ids = run_ids // reps
            replicates = (run_ids % reps).astype(np.int32)
            unique = np.unique(point_ids)
            cols = plan.design.columns(unique)
            values = {int(p): [c[j] for c in cols] for j, p in enumerate(unique)}
            # the seeds are derived in the workers (`run_seed`, ~0.1 ms a run, was the
            # parent's largest serial cost); each is returned with its run's columns
            meta = (run_ids, point_ids, replicates, None)
            yield meta, (job, (point_ids, replicates, None), values, seed, crn)


def _part_table(plan: Plan, schema: pa.Schema, meta: RunMeta, cols: dict[str, list],
                figures: _PointFigures) -> pa.Table:
    """Assemble one part file's table from a chunk's metadata and outcome columns."""
    import pyarrow as pa

    run_ids, point_ids, replicates, seeds = meta
    data: dict[str, Any] = {
        "run_id": run_ids,
        "point_id": point_ids,
        "replicate": replicates,
        "seed": cols.pop("seed") if seeds is None else seeds,
    }
    data["policy_id"], data["sample_id"] = plan.design.ids(point_ids)
    unique, inverse = np.unique(point_ids, return_inverse=True)
    for ax, col in zip(plan.axes, plan.design.columns(unique), strict=True):
        cells = [ax.cell(v) for v in col]
        data[ax.column] = [cells[i] for i in inverse]
    data.update(cols)
    data["n_feasible"] = figures.n_feasible[point_ids]
    for issue in plan.issues:
        data[f"spe.{issue}"] = figures.spe(issue, point_ids)
    return pa.Table.from_pydict({f.name: data[f.name] for f in schema}, schema=schema)
