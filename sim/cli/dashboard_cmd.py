"""``negsim dashboard``: serve the interactive what-if dashboard (Solara) on this machine.

Thin: check the scenario and results directory, then hand over to `sim.dashboard.serve`.
Solara comes with the optional extra ``negsim[dashboard]``; without it the command says
so in one line (exit code 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.errors import UserError

DEFAULT_SCENARIO = Path("scenarios/alaska_summit.yaml")


def register(app: typer.Typer) -> None:
    """Add ``dashboard`` to ``app``."""
    app.command("dashboard")(dashboard)


def dashboard(
    file: Annotated[Path | None, typer.Argument(
        help="Scenario file (default: scenarios/alaska_summit.yaml).")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535,
                                      help="Port to listen on.")] = 8765,
    results: Annotated[Path | None, typer.Option(
        "--results", help="A sweep results directory to open in the results browser.")] = None,
) -> None:
    """Serve the dashboard: package builder, what-if controls, player, results browser.

    A Solara page on http://HOST:PORT/ (loopback by default) with four panels; it needs the
    optional extra negsim[dashboard]. Ctrl-C stops it.

    Examples:
      negsim dashboard
      negsim dashboard scenarios/zelenskyy_at_table.yaml --port 8800
    """
    from sim.api import load

    scenario_file = file if file is not None else DEFAULT_SCENARIO
    load(scenario_file)  # bad files fail here, with the usual one-line errors
    if results is not None and not results.is_dir():
        raise UserError(f"--results: {results} is not a directory")
    try:
        from sim.dashboard.server import serve
    except ImportError as exc:
        raise UserError(f"negsim dashboard needs the optional extra 'dashboard' "
                        f"(pip install 'negsim[dashboard]'): {exc}") from None
    serve(scenario_file, host=host, port=port, results=results)
