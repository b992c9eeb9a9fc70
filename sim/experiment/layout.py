"""The files of a results directory and the columns of its Parquet tables.

Layout of ``results/<experiment name>/`` (or ``--out DIR``)::

    manifest.json      Manifest: hash, versions, timestamps, counts, and the record of
                       every committed part file and side file (name, checksum, rows)
    experiment.yaml    ResolvedExperiment: the experiment with every design point
    scenarios.yaml     the complete scenario dicts as swept (what the report rebuilds from)
    spaces.json        Spaces: issues and options per scenario, to decode package rows
    points.parquet     one row per point: point_id, policy_id, sample_id, param.*,
                       n_feasible, spe.*, feasible_rows (list<int64>: rows of the
                       packages feasible there)
    runs/part-<first run id>-<rows>.parquet   one row per run (columns: `runs_schema`)
    quarantine/        what ``--repair`` moved out of ``runs/`` (never read)

Hidden names (``.lock``, ``.tmp-*``, ``.pending-*``) belong to a writer; readers skip them.

Core objects:
    runs_schema / points_schema: the Arrow schemas (the column contract), with the
        readable names in their metadata (`sim.experiment.labels`).
    part_name / PART_PATTERN: how part files are named.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyarrow as pa

from sim.experiment.labels import labelled_schema

if TYPE_CHECKING:
    from sim.experiment.plan import Plan

LOCK = ".lock"
RUNS = "runs"
POINTS = "points.parquet"
MANIFEST = "manifest.json"
SPACES = "spaces.json"
EXPERIMENT = "experiment.yaml"
SCENARIOS = "scenarios.yaml"
QUARANTINE = "quarantine"
PENDING_PREFIX = ".pending-"
SIDE_FILES = (EXPERIMENT, SCENARIOS, SPACES, POINTS)
PART_PATTERN = re.compile(r"part-(\d{12})-(\d{6,})\.parquet")


def part_name(first_run: int, rows: int) -> str:
    """The file name of a part whose first run id is ``first_run``."""
    return f"part-{first_run:012d}-{rows:06d}.parquet"


def runs_schema(plan: Plan) -> pa.Schema:
    """The columns of the runs dataset, in order (a contract with the report writer)."""
    fields = [
        pa.field("run_id", pa.int64(), nullable=False),
        pa.field("point_id", pa.int64(), nullable=False),
        pa.field("replicate", pa.int32(), nullable=False),
        pa.field("seed", pa.int64(), nullable=False),
        *_policy_fields(),
    ]
    fields += _param_fields(plan)
    fields.append(pa.field("agreement", pa.bool_(), nullable=False))
    fields += [pa.field(f"pkg.{i}", pa.string()) for i in plan.issues]
    fields.append(pa.field("round", pa.int32()))
    fields += [pa.field(f"u.{a}", pa.float64()) for a in plan.actors]
    fields += [
        pa.field("ratified", pa.bool_()),
        pa.field("stillborn", pa.bool_(), nullable=False),
        pa.field("pareto_optimal", pa.bool_()),
        pa.field("nash_distance", pa.float64()),
        pa.field("reason", pa.string()),
        # issue 12: the stage-1 ceasefire, ceasefire agreed without a settlement, the
        # outcome (reason, or ceasefire_only) and the durability of what was agreed
        pa.field("stage1_ceasefire", pa.string()),
        pa.field("ceasefire_only", pa.bool_(), nullable=False),
        pa.field("outcome", pa.string()),
        pa.field("durability", pa.float64()),
        pa.field("n_feasible", pa.int64(), nullable=False),
    ]
    fields += [pa.field(f"spe.{i}", pa.string()) for i in plan.issues]
    return labelled_schema(fields, plan)


def points_schema(plan: Plan) -> pa.Schema:
    """The columns of ``points.parquet``."""
    fields = [pa.field("point_id", pa.int64(), nullable=False), *_policy_fields()]
    fields += _param_fields(plan)
    fields.append(pa.field("n_feasible", pa.int64(), nullable=False))
    fields += [pa.field(f"spe.{i}", pa.string()) for i in plan.issues]
    fields.append(pa.field("feasible_rows", pa.list_(pa.int64())))
    return labelled_schema(fields, plan)


def _policy_fields() -> list[pa.Field]:
    """policy_id (the lever combination) and sample_id (the uncertainty sample)."""
    return [
        pa.field("policy_id", pa.int64(), nullable=False),
        pa.field("sample_id", pa.int64(), nullable=False),
    ]


def _param_fields(plan: Plan) -> list[pa.Field]:
    return [
        pa.field(ax.column, pa.float64() if ax.numeric else pa.string()) for ax in plan.axes
    ]
