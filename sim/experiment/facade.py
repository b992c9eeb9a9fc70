"""The sweep entry point of the Python API (re-exported as `sim.sweep`).

Core object:
    sweep: run every design point and replicate of an experiment file into a results
        directory (resumable), the same job as ``negsim sweep``.
"""

from __future__ import annotations

from pathlib import Path

from sim.experiment.runner import SweepOptions, SweepSummary
from sim.experiment.runner import sweep as run_sweep

__all__ = ["sweep"]


def sweep(
    experiment: str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: str | None = "quiet",
) -> SweepSummary:
    """Run an experiment file into a results directory.

    Args:
        experiment: the experiment file (``experiments/*.yaml``).
        out: the results directory (default ``results/<experiment name>``).
        workers: local worker processes (default: all cores; 1: in-process).
        scheduler: ``tcp://HOST:PORT`` of a Dask scheduler, to run there instead.
        chunk_size: runs per task (default: guided).
        resume: require an existing results directory of this experiment.
        overwrite: replace an existing results directory.
        progress: progress mode: quiet (the default; 'none' is the same), bar, lines or
            ci; None chooses as the CLI does.

    Returns:
        What the sweep did (`SweepSummary`); read the results with `sim.load_results`.

    Raises:
        UserError: a bad experiment file or results directory (one line per problem).
    """
    options = SweepOptions(
        out=None if out is None else Path(out),
        workers=workers,
        chunk_size=chunk_size,
        scheduler=scheduler,
        resume=resume,
        overwrite=overwrite,
        progress=progress,
    )
    return run_sweep(Path(experiment), options)
