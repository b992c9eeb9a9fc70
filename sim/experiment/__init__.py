"""Experiments: parameter sweeps over scenarios, run in parallel, stored as Parquet.

Modules (one job each):
    schema: the experiment file, the resolved experiment, spaces and manifest (pydantic).
    paths: parameter paths into scenario dicts.
    design: axes, grid / Latin hypercube / Sobol points, run seeds.
    point: the scenario at a design point (workers, point validation and the report).
    plan: experiment file -> checked plan (every design point validated).
    worker: what runs in a worker: point analysis and chunks of runs.
    pool: the local process pool (a dead worker replaced, workers die with the parent).
    executors: in-process calls, the local process pool, a Dask cluster.
    stopping: SIGINT / SIGTERM turned into an orderly stop; `Aborted`.
    runner: the sweep itself: dispatch in chunks, commit parts, resume, repair.
    layout: the files of a results directory and the columns of its tables.
    checksums: sha256 of files and the manifest's record of a part.
    dataset: the one verified reader (manifest, parts, side files, strays).
    sources: the scenario files a sweep read (hashes) and its copy of the scenarios.
    sidefiles: the writers of experiment.yaml, scenarios.yaml, spaces.json, points.parquet.
    storage: the results directory as its writer sees it (lock, commits, verify, repair).
    progress: progress bar / plain lines.
    reachable: outcomes reached per point and overall, with Wilson intervals.
    robustness: an experiment's claim checked at every uncertainty sample (paired by
        common random numbers), with the rational benchmark.
    checkfile: ``negsim validate`` on experiment files.

Public names are imported lazily (the CLI starts without pyarrow or mesa).
"""

from importlib import import_module
from typing import Any

__all__ = ["ExperimentError", "SweepOptions", "load_plan", "reachable_summary", "sweep"]

_WHERE = {
    "ExperimentError": ("sim.experiment.plan", "ExperimentError"),
    "load_plan": ("sim.experiment.plan", "load_plan"),
    "SweepOptions": ("sim.experiment.runner", "SweepOptions"),
    "sweep": ("sim.experiment.runner", "sweep"),
    "reachable_summary": ("sim.experiment.reachable", "reachable"),
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module, attr = _WHERE[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'sim.experiment' has no attribute {name!r}")
