"""Ceasefire-only outcomes and durability in a sweep's results (part of `reachable`).

Core objects:
    durable_summary: from the runs' ``outcome``, ``stage1_ceasefire``, ``durability`` and
        ``u.*`` columns: the outcome shares, the ``ceasefire_only`` rate, and for every
        reached outcome (an agreed package, or a stage-1 ceasefire without a settlement)
        its mean durability and its expected durable value. None for results written
        before these columns existed.

Expected durable value (exploratory): for an outcome reached in runs ``R``, actor ``a``'s
mean payoff over ``R`` times the outcome's mean durability over ``R``,
``EDV_a = mean_R(u_a) * mean_R(D)``; ``joint`` is the mean of ``EDV_a`` over the actors.
For an agreement the payoff is the actor's utility of the package; for ``ceasefire_only``
it is its no-deal value in the last round played (the war frozen by the ceasefire), so the
two are on the same scale but the second says what the ceasefire is worth while it holds,
not a settlement. An outcome with no durability (no durability model declared) has null
expected durable values and ranks last.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.experiment import dataset
from sim.experiment.schema import Manifest

__all__ = ["COLUMNS", "durable_summary", "outcome_key", "ranked"]

#: The columns this summary reads besides ``point_id``, ``pkg.*`` and ``u.*``.
COLUMNS = ("outcome", "stage1_ceasefire", "durability")
DECIMALS = 6
CEASEFIRE_ONLY = "ceasefire_only"


def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), DECIMALS)


def outcome_key(package: dict[str, str] | None, ceasefire: str | None) -> str:
    """A stable key of a reached outcome: its package, or its stage-1 ceasefire."""
    if package is not None:
        return json.dumps(package, sort_keys=True)
    return json.dumps({CEASEFIRE_ONLY: ceasefire})


def durable_summary(
    path: Path, manifest: Manifest, pkg_cols: Sequence[str]
) -> dict[str, Any] | None:
    """The outcome shares and durable values of a sweep (module docstring).

    Returns:
        ``{"overall": {...}, "by_point": {point_id: {...}}}`` where each part has
        ``n_runs``, ``ceasefire_only_rate``, ``outcome_shares`` ({outcome: share}),
        ``values`` ({outcome key: {durability, expected_durable_value}}) and
        ``ceasefire_only`` (one entry per stage-1 ceasefire option: count, share of the
        runs, durability, expected durable value); None when the runs lack the columns.
    """
    names = _run_columns(path, manifest)
    # Only the columns used are read (a million-run sweep's 51 columns, strings among
    # them, took 1.4 GB as one frame; these take a third of it).
    table = dataset.read_runs(path, None if names is None else _used(names, pkg_cols), None,
                              manifest)
    if table is None:
        return None
    if any(c not in table.column_names for c in COLUMNS):
        return None  # results written before the ceasefire-first columns
    u_cols = [c for c in table.column_names if c.startswith("u.")]
    actors = [c[len("u."):] for c in u_cols]
    cols = ["point_id", *COLUMNS, *pkg_cols, *u_cols]
    df = table.select(cols).to_pandas()
    overall = _part(df, pkg_cols, u_cols, actors)
    by_point = {int(pid): _part(g, pkg_cols, u_cols, actors)
                for pid, g in df.groupby("point_id", sort=True)}
    return {"overall": overall, "by_point": by_point}


def _run_columns(path: Path, manifest: Manifest) -> list[str] | None:
    """The column names of the first recorded part's footer.

    None when there is no part or it cannot be read: everything is then read, and the
    verified reader reports what is wrong.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.experiment.layout import RUNS

    try:
        first = min(manifest.parts or [], key=lambda r: r.first_run)
        return list(pq.read_schema(pa.BufferReader(dataset.part_bytes(path / RUNS, first))).names)
    except Exception:  # no part, or unreadable: left to the verified reader
        return None


def _used(names: list[str], pkg_cols: Sequence[str]) -> list[str] | None:
    """The columns `durable_summary` reads, in file order (None: all, if any is missing)."""
    want = {"point_id", *COLUMNS, *pkg_cols}
    if not want <= set(names):
        return None
    return [c for c in names if c in want or c.startswith("u.")]


def _part(df: Any, pkg_cols: Sequence[str], u_cols: Sequence[str],
          actors: Sequence[str]) -> dict[str, Any]:
    n = int(len(df))
    shares = ({str(k): _r(v / n) for k, v in df["outcome"].value_counts(sort=False).items()}
              if n else {})
    values: dict[str, dict[str, Any]] = {}
    agreed = df[df["outcome"] == "agreement"]
    if len(agreed):
        for key, g in agreed.groupby(list(pkg_cols), sort=False, dropna=False):
            package = {c[len("pkg."):]: o for c, o in zip(pkg_cols, key, strict=True)
                       if isinstance(o, str)}
            values[outcome_key(package, None)] = _values(g, u_cols, actors)
    cf_entries = []
    cf = df[df["outcome"] == CEASEFIRE_ONLY]
    for option, g in cf.groupby("stage1_ceasefire", sort=True):
        v = _values(g, u_cols, actors)
        values[outcome_key(None, str(option))] = v
        cf_entries.append({"stage1_ceasefire": str(option), "count": int(len(g)),
                           "share": _r(len(g) / n), **v})
    return {
        "n_runs": n,
        "ceasefire_only_rate": _r(len(cf) / n) if n else None,
        "outcome_shares": dict(sorted(shares.items())),
        "values": values,
        "ceasefire_only": cf_entries,
    }


def _values(g: Any, u_cols: Sequence[str], actors: Sequence[str]) -> dict[str, Any]:
    d = g["durability"].astype("float64")
    dur = float(d.mean()) if d.notna().any() else None
    if dur is None:
        return {"durability": None, "expected_durable_value": None}
    edv = {a: _r(float(g[c].astype("float64").mean()) * dur)
           for a, c in zip(actors, u_cols, strict=True)}
    present = [x for x in edv.values() if x is not None]
    edv["joint"] = _r(sum(present) / len(present)) if present else None
    return {"durability": _r(dur), "expected_durable_value": edv}


def ranked(entries: list[dict[str, Any]], ceasefire_only: list[dict[str, Any]]
           ) -> list[dict[str, Any]]:
    """Reached outcomes by joint expected durable value, highest first (nulls last)."""
    rows = [{"outcome": "agreement", "package": e["package"], "count": e["count"],
             "durability": e.get("durability"),
             "expected_durable_value": e.get("expected_durable_value")} for e in entries]
    rows += [{"outcome": CEASEFIRE_ONLY, "package": None,
              "stage1_ceasefire": e["stage1_ceasefire"], "count": e["count"],
              "durability": e["durability"],
              "expected_durable_value": e["expected_durable_value"]} for e in ceasefire_only]

    def key(row: dict[str, Any]) -> tuple:
        edv = row["expected_durable_value"]
        joint = None if edv is None else edv.get("joint")
        return (joint is None, -(joint or 0.0), -row["count"],
                json.dumps(row.get("package") or row.get("stage1_ceasefire")))

    return sorted(rows, key=key)
