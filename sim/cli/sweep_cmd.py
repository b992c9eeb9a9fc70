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
    experiment: Annotated[
        Path | None, typer.Argument(help="Experiment file (experiments/*.yaml).")
    ] = None,
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
    repair: Annotated[
        bool, typer.Option("--repair", help="Re-run the runs of missing or bad part files "
                           "(bad and stray files move to DIR/quarantine) instead of refusing.")
    ] = False,
    verify: Annotated[
        Path | None,
        typer.Option("--verify", metavar="DIR", help="Only check the results directory DIR: "
                     "every recorded file against its checksum, and no stray files."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no summary.")] = False,
) -> None:
    """Run every design point and replicate of an experiment; resumes where it stopped.

    Results: a Parquet dataset (runs/), points.parquet, experiment.yaml, scenarios.yaml and
    manifest.json (which records every part file and its checksum). Running the same
    command again completes an interrupted sweep without duplicating runs. Ctrl-C and
    SIGTERM stop it at once, keeping every finished chunk (exit code 130 / 143).

    Examples:
      negsim sweep experiments/demo.yaml --workers 2 --out results/demo
      negsim sweep experiments/q2_us_pressure.yaml --scheduler tcp://HOST:8786
      negsim sweep --verify results/demo
      negsim sweep experiments/demo.yaml --out results/demo --repair
    """
    from sim.experiment.runner import SweepOptions
    from sim.experiment.runner import sweep as run_sweep
    from sim.experiment.stopping import Aborted, Interrupted

    if verify is not None:
        if experiment is not None or out or repair or resume or overwrite:
            raise UserError("--verify DIR checks a directory: give no experiment file and no "
                            "other sweep option")
        _verify(verify)
        return
    if experiment is None:
        raise UserError("give an experiment file (experiments/*.yaml), or --verify DIR")
    for a, b in (("resume", resume), ("repair", repair)):
        if b and overwrite:
            raise UserError(f"--{a} and --overwrite exclude each other; give one")
    options = SweepOptions(
        out=out,
        workers=workers,
        chunk_size=chunk_size,
        scheduler=scheduler,
        resume=resume,
        overwrite=overwrite,
        progress="quiet" if quiet else None,
        repair=repair,
    )
    try:
        summary = run_sweep(experiment, options)
    except Interrupted as stop:
        _stderr(stop.lines)
        raise typer.Exit(stop.exit_code) from None
    except Aborted as exc:
        _stderr(exc.lines)
        raise typer.Exit(1) from None
    _patience_warnings(experiment)
    if quiet:
        return
    for line in summary.repaired:
        typer.echo(f"repaired: {line}")
    for reason, n in summary.per_run:  # the batched engine's fallbacks (issue 15)
        typer.echo(f"warning: {n:,} runs played one by one (no batch kernel: {reason})")
    if summary.ran == 0:
        typer.echo(f"{summary.out}: complete, all {summary.total:,} runs already there")
        return
    resumed = f" ({summary.already:,} were already there)" if summary.already else ""
    typer.echo(
        f"{summary.out}: {summary.ran:,} runs{resumed} in {summary.seconds:.1f} s, "
        f"{summary.rate:,.1f} runs/s ({summary.workers} workers, {summary.chunks} chunks)"
    )


def _patience_warnings(experiment: Path) -> None:
    """Warn on stderr when a swept patience is read by no strategy of the experiment."""
    from sim.experiment.patience import patience_warnings
    from sim.experiment.plan import load_plan

    _stderr(patience_warnings(load_plan(experiment)))


def _stderr(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line, err=True)


def _verify(directory: Path) -> None:
    """``--verify DIR``: one line if sound; else one line per problem and exit code 2."""
    from sim.cli.checks import scenario_warnings
    from sim.experiment.dataset import describe, verify

    check = verify(directory)
    if not check.ok:
        raise UserError(check.lines())
    scenario_warnings(directory, strict=False)
    typer.echo(describe(check))
