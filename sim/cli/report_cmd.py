"""``negsim report``: a report that answers the experiment's question from its results."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the report command to ``app``."""
    app.command("report")(report)


def report(
    directory: Annotated[
        Path, typer.Argument(help="Results directory written by 'negsim sweep'.")
    ],
    x: Annotated[
        str | None,
        typer.Option("--x", help="Swept parameter on the heat map's x axis "
                     "(default: the most influential)."),
    ] = None,
    y: Annotated[
        str | None,
        typer.Option("--y", help="Swept parameter on the heat map's y axis "
                     "(default: the next most influential)."),
    ] = None,
    target: Annotated[
        str,
        typer.Option("--target", help="Outcome to explain: agreement, stillborn, "
                     "ceasefire_only or package:<issue>=<option>."),
    ] = "agreement",
    replay: Annotated[
        bool,
        typer.Option("--replay/--no-replay", help="Re-analyse the representative design point "
                     "and re-simulate its run (utility space, negotiation dance, dynamics)."),
    ] = True,
    summary: Annotated[
        bool,
        typer.Option("--summary", help="Print the machine-readable findings summary (JSON) "
                     "instead of writing the report."),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse (exit 2) if a scenario file changed since "
                           "the sweep, instead of warning.")
    ] = False,
) -> None:
    """Write DIR/report.md, DIR/report.html and DIR/figures/*.png; print both reports' paths.

    Built from the verified runs and the scenarios as swept (stored beside the results).
    Progress goes to stderr, one line per step.

    Examples:
      negsim report results/demo
      negsim report results/demo --target stillborn --no-replay
      negsim report results/demo --summary
      negsim report results/demo --strict
    """
    from sim.cli.checks import scenario_warnings
    from sim.report.render import STEPS, build_report, summarize

    scenario_warnings(directory, strict)
    if summary:
        typer.echo(json.dumps(summarize(directory, target=target), indent=2))
        return
    start = time.monotonic()

    def progress(k: int, step: str) -> None:
        typer.echo(f"report: [{k}/{len(STEPS)}] {step} ({time.monotonic() - start:.1f} s)",
                   err=True)

    md = build_report(directory, x=x, y=y, target=target, replay=replay, strict=strict,
                      progress=progress)
    typer.echo(f"report: done in {time.monotonic() - start:.1f} s", err=True)
    typer.echo(str(md))
    typer.echo(str(md.with_suffix(".html")))
