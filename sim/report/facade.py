"""The results entry points of the Python API (`sim.load_results`, `sim.report`).

Core objects:
    load_results: a results directory as DataFrames (``.runs``: one row per run,
        ``.points``: one row per design point) with the experiment, manifest and labels.
    report: write ``report.md``, ``report.html`` and the figures, like ``negsim report``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sim.report.data import Results, load_results
from sim.report.render import build_report

__all__ = ["Results", "load_results", "report"]


def report(
    directory: str | Path,
    x: str | None = None,
    y: str | None = None,
    target: str = "agreement",
    replay: bool = True,
    progress: Callable[[int, str], None] | None = None,
) -> Path:
    """Write the report of a results directory; returns the path of ``report.md``.

    Args:
        directory: a results directory written by a sweep.
        x: the swept parameter on the heat map's x axis (default: the most influential).
        y: the one on its y axis (default: the next most influential).
        target: the outcome to explain: ``agreement``, ``stillborn`` or
            ``package:<issue>=<option>``.
        replay: re-simulate the representative run (dance, dynamics).
        progress: called with ``(k, step)`` as each step of `sim.report.render.STEPS`
            begins (none by default).
    """
    return build_report(Path(directory), x=x, y=y, target=target, replay=replay,
                        progress=progress)
