"""Readable names carried inside the Parquet files of a results directory.

The runs dataset and ``points.parquet`` hold ids (``pkg.donbas = frozen``, ``u.russia``);
their schema metadata, under the key `KEY`, holds one JSON document that names them, so
that pandas, polars or duckdb users need not parse the scenario files:

    scenario   the base scenario's ``name``
    scenarios  scenario key (as the experiment names the file) -> its ``name``
    issues     issue id -> label            options  issue id -> {option id -> label}
    actors     actor id -> label            state    state variable -> label
    params     ``param.<path>`` column -> the experiment parameter's label (if given)

Labels are taken from every scenario of the sweep, the base scenario first (an id's first
label wins); an id without a label is named by itself.

Core objects:
    KEY: the metadata key (``negsim.labels``).
    labels_doc: the document for a plan.
    schema_metadata: the document as Arrow schema metadata.
    labelled_schema: an Arrow schema with that metadata (the runs and points files).
    read_labels_doc: the document of a Parquet file, or None when it carries none.

Example:
    >>> import io, pyarrow as pa, pyarrow.parquet as pq
    >>> doc = {"scenario": "demo", "issues": {"a": "Issue A"}}
    >>> table = pa.table({"x": [1]}, schema=pa.schema([("x", pa.int64())],
    ...                                                metadata=encode(doc)))
    >>> buffer = io.BytesIO(); pq.write_table(table, buffer)
    >>> read_labels_doc(pa.BufferReader(buffer.getvalue()))["issues"]
    {'a': 'Issue A'}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.experiment.plan import Plan

__all__ = ["KEY", "encode", "labelled_schema", "labels_doc", "read_labels_doc", "schema_metadata"]

KEY = "negsim.labels"


def _label(node: object, key: str) -> str:
    if isinstance(node, dict) and isinstance(node.get("label"), str) and node["label"]:
        return str(node["label"])
    return key


def labels_doc(plan: Plan) -> dict[str, Any]:
    """The labels of every issue, option, actor and state variable the sweep can produce."""
    issues: dict[str, str] = {}
    options: dict[str, dict[str, str]] = {}
    actors: dict[str, str] = {}
    state: dict[str, str] = {}
    ordered = [plan.base, *(k for k in plan.scenarios if k != plan.base)]
    for key in ordered:
        data = plan.scenarios[key]
        for iid, issue in (data.get("issues") or {}).items():
            issues.setdefault(iid, _label(issue, iid))
            opts = issue.get("options") if isinstance(issue, dict) else None
            for oid, text in (opts or {}).items():
                options.setdefault(iid, {}).setdefault(str(oid), str(text or oid))
        for aid, actor in (data.get("actors") or {}).items():
            actors.setdefault(aid, _label(actor, aid))
        for var, spec in (((data.get("dynamics") or {}).get("state")) or {}).items():
            state.setdefault(var, _label(spec, var))
    params = {
        f"param.{p.path}": p.label for p in plan.experiment.all_parameters if p.label
    }
    return {
        "scenario": str(plan.scenarios[plan.base].get("name", plan.base)),
        "scenarios": {k: str(v.get("name", k)) for k, v in plan.scenarios.items()},
        "issues": issues,
        "options": options,
        "actors": actors,
        "state": state,
        "params": params,
    }


def encode(doc: dict[str, Any]) -> dict[bytes, bytes]:
    """``doc`` as Arrow schema metadata under `KEY`."""
    return {KEY.encode(): json.dumps(doc, ensure_ascii=False).encode("utf-8")}


def schema_metadata(plan: Plan) -> dict[bytes, bytes]:
    """The labels of ``plan`` as Arrow schema metadata (`labels_doc` under `KEY`)."""
    return encode(labels_doc(plan))


def labelled_schema(fields: list[pa.Field], plan: Plan) -> pa.Schema:
    """The Arrow schema of ``fields`` whose metadata names the plan's ids (`labels_doc`)."""
    import pyarrow as pa

    return pa.schema(fields, metadata=schema_metadata(plan))


def read_labels_doc(source: str | Path | Any) -> dict[str, Any] | None:
    """The labels document of a Parquet file (a path or a pyarrow readable), or None.

    Reads the file footer only. None when the file has no such metadata (written before
    negsim recorded it) or cannot be read.
    """
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(source).metadata or {}
        raw = metadata.get(KEY.encode())
        doc = json.loads(raw.decode("utf-8")) if raw is not None else None
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None
