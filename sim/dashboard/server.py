"""Serve the dashboard: Solara's Starlette app under uvicorn, on this machine.

Core object:
    serve: point the app at a scenario (and a results directory), then run the server
        until interrupted. Solara's telemetry is switched off and every asset it needs
        comes from the installed ``solara-assets`` package, so the page works offline.
"""

from __future__ import annotations

import os
from pathlib import Path

from sim.dashboard.state import RESULTS_ENV, SCENARIO_ENV

APP = "sim.dashboard.app"


def serve(scenario: str | Path, host: str = "127.0.0.1", port: int = 8765,
          results: str | Path | None = None) -> None:
    """Serve the dashboard at ``http://host:port/`` until interrupted.

    Args:
        scenario: the scenario file the panels open.
        host: the address to listen on (loopback by default).
        port: the port.
        results: a sweep results directory for the results browser, or None.
    """
    os.environ[SCENARIO_ENV] = str(Path(scenario).resolve())
    if results is not None:
        os.environ[RESULTS_ENV] = str(Path(results).resolve())
    os.environ["SOLARA_APP"] = APP
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    os.environ.setdefault("SOLARA_THEME_TITLE", "negsim")
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    import uvicorn

    print(f"negsim dashboard: http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    uvicorn.run("solara.server.starlette:app", host=host, port=port, log_level="warning")
