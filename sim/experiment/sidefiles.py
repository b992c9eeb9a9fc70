"""The side files a sweep writes beside its runs: experiment, scenarios, spaces, points.

Each writer writes its file atomically and returns its sha256, which the manifest records
(`sim.experiment.dataset` verifies it on every read). Every side file is a function of
the plan, so a file that the manifest does not record yet (a sweep killed right after
writing it) is simply written again.

Core objects:
    write_experiment: ``experiment.yaml`` (`ResolvedExperiment`, every design point).
    write_scenarios: ``scenarios.yaml``, the complete scenario dicts as swept.
    write_spaces: ``spaces.json``, the outcome space of every scenario.
    write_points: ``points.parquet`` from record batches (streamed).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.atomic import atomic_write
from sim.experiment.dataset import file_sha256
from sim.experiment.layout import EXPERIMENT, POINTS, SCENARIOS, SPACES, points_schema
from sim.experiment.plan import Plan
from sim.experiment.schema import OutcomeSpace, ResolvedExperiment, ResolvedPoint, Spaces
from sim.experiment.sources import stored_text


def write_experiment(directory: Path, plan: Plan, batch: int = 4096) -> str:
    """Write ``experiment.yaml`` (points streamed in batches); return its sha256."""
    exp = plan.experiment
    header = ResolvedExperiment(
        **exp.model_dump(),
        source_file=str(plan.file.resolve()),
        experiment_hash=plan.experiment_hash,
        n_points=plan.n_points,
        n_runs=plan.n_runs,
        points=[],
    ).model_dump(mode="json")
    header["scenario"] = str((plan.file.parent / exp.scenario).resolve())
    del header["points"]
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    def write(f: BinaryIO) -> None:
        f.write(f"# Resolved by negsim sweep from {plan.file}; do not edit.\n".encode())
        f.write(yaml.dump(header, Dumper=dumper, sort_keys=False).encode("utf-8"))
        f.write(b"points:\n")
        for start in range(0, plan.n_points, batch):
            ids = np.arange(start, min(start + batch, plan.n_points))
            cols = plan.design.columns(ids)
            pts = [
                ResolvedPoint(
                    point_id=int(pid),
                    params={ax.path: c[k] for ax, c in zip(plan.axes, cols, strict=True)},
                ).model_dump(mode="json")
                for k, pid in enumerate(ids)
            ]
            text = yaml.dump(
                pts, Dumper=dumper, sort_keys=False, default_flow_style=None, width=10**9
            )
            f.write(text.encode("utf-8"))

    path = directory / EXPERIMENT
    atomic_write(path, write)
    return file_sha256(path)


def write_scenarios(directory: Path, plan: Plan) -> str:
    """Write ``scenarios.yaml`` (the complete scenario dicts as swept); return its sha256."""
    text = stored_text(plan.base, plan.scenarios).encode("utf-8")
    path = directory / SCENARIOS
    atomic_write(path, lambda f: f.write(text))
    return file_sha256(path)


def write_spaces(directory: Path, plan: Plan) -> str:
    """Write ``spaces.json``; return its sha256."""
    doc = Spaces(
        base=plan.base,
        scenarios={
            key: OutcomeSpace(
                issues={i: list(issue["options"]) for i, issue in data["issues"].items()}
            )
            for key, data in plan.scenarios.items()
        },
    )
    text = (doc.model_dump_json(indent=2) + "\n").encode("utf-8")
    path = directory / SPACES
    atomic_write(path, lambda f: f.write(text))
    return file_sha256(path)


def write_points(directory: Path, plan: Plan, batches: Iterable[pa.RecordBatch]) -> str:
    """Write ``points.parquet`` from record batches (streamed); return its sha256."""
    schema = points_schema(plan)

    def write(f: BinaryIO) -> None:
        with pq.ParquetWriter(f, schema) as writer:
            for b in batches:
                writer.write_batch(b)

    path = directory / POINTS
    atomic_write(path, write)
    return file_sha256(path)


WRITERS = {EXPERIMENT: write_experiment, SCENARIOS: write_scenarios, SPACES: write_spaces}
