"""What the reading commands say about a results directory before they use it.

Core object:
    scenario_warnings: one ``warning:`` line on stderr per scenario file that changed (or
        went) since the sweep read it; with ``strict``, a refusal (exit code 2) instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.errors import UserError


def scenario_warnings(directory: Path, strict: bool) -> None:
    """Warn about (or, ``strict``, refuse) scenario files changed since the sweep.

    Raises:
        UserError: ``strict`` and some file changed; or the directory has no manifest.
    """
    from sim.experiment.dataset import read_manifest
    from sim.experiment.sources import changed_sources

    lines = changed_sources(Path(directory), read_manifest(Path(directory)))
    if strict and lines:
        raise UserError([*lines, f"{directory}: --strict: refused because the scenario "
                         "files changed since the sweep"])
    for line in lines:
        print(f"warning: {line}", file=sys.stderr)
