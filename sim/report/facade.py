"""The results entry points of the Python API (`sim.load_results`, `sim.report`).

Core objects:
    load_results: a results directory as DataFrames (``.runs``: one row per run,
        ``.points``: one row per design point) with the experiment, manifest and labels.
    report: write ``report.md``, ``report.html`` and the figures, like ``negsim report``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

from sim.report.data import Results
from sim.report.data import load_results as load_verified
from sim.report.render import build_report

__all__ = ["Results", "load_results", "report"]


def load_results(directory: str | Path, strict: bool = False) -> Results:
    """A results directory as DataFrames, read through the verified reader.

    Only the part files the manifest records are read, each checked against its sha256.
    A scenario file that changed since the sweep gives a `UserWarning` (the lines are also
    in ``Results.warnings``), or with ``strict`` a `UserError`.

    Raises:
        UserError: a missing, altered or unreadable file, a stray file in ``runs/`` (one
            line per file, then how to repair the directory); with ``strict``, changed
            scenario files.
    """
    results = load_verified(Path(directory), strict=strict)
    for line in results.warnings:
        warnings.warn(line, UserWarning, stacklevel=2)
    return results


def report(
    directory: str | Path,
    x: str | None = None,
    y: str | None = None,
    target: str = "agreement",
    replay: bool = True,
    strict: bool = False,
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
        strict: refuse the directory when a scenario file changed since the sweep.
        progress: called with ``(k, step)`` as each step of `sim.report.render.STEPS`
            begins (none by default).
    """
    return build_report(Path(directory), x=x, y=y, target=target, replay=replay,
                        strict=strict, progress=progress)
