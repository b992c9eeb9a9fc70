"""``negsim sweep``: run an experiment file (a parameter sweep) into a results directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.errors import UserError


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command to ``app``."""
    app.command("sweep")(sweep)


def sweep(
    experiment: Annotated[Path, typer.Argument(help="Experiment file (experiments/*.yaml).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Results directory (default: results/<experiment name>)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Worker processes (default: all cores; 1: in-process)."),
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option("--chunk-size", help="Runs per task (default: guided, 32 to 1000)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Run on a Dask cluster: its scheduler's tcp://HOST:PORT."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Complete an interrupted sweep (it must exist).")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Delete earlier results in --out and start again.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary.")] = False,
) -> None:
    """Run every design point and replicate of an experiment; resumes where it stopped.

    Results: a Parquet dataset (runs/), points.parquet, experiment.yaml and manifest.json.
    Running the same command again completes an interrupted sweep without duplicating runs.

    Examples:
      negsim sweep experiments/demo.yaml --workers 2 --out results/demo
      negsim sweep experiments/q2_us_pressure.yaml --scheduler tcp://HOST:8786
    """
    from sim.experiment.runner import SweepOptions
    from sim.experiment.runner import sweep as run_sweep

    if resume and overwrite:
        raise UserError("--resume and --overwrite exclude each other; give one")
    options = SweepOptions(
        out=out,
        workers=workers,
        chunk_size=chunk_size,
        scheduler=scheduler,
        resume=resume,
        overwrite=overwrite,
        progress="quiet" if quiet else None,
    )
    summary = run_sweep(experiment, options)
    if quiet:
        return
    if summary.ran == 0:
        typer.echo(f"{summary.out}: complete, all {summary.total:,} runs already there")
        return
    resumed = f" ({summary.already:,} were already there)" if summary.already else ""
    typer.echo(
        f"{summary.out}: {summary.ran:,} runs{resumed} in {summary.seconds:.1f} s, "
        f"{summary.rate:,.1f} runs/s ({summary.workers} workers, {summary.chunks} chunks)"
    )
