"""Which outcomes a sweep reached: per design point and overall, from the Parquet data.

Core objects:
    ReachableError: a directory that is not a readable sweep results directory (the
        verified reader's `sim.experiment.dataset.ResultsError`).
    reachable: the summary as a JSON-ready dict (a public contract):

        n_runs, agreement_rate, stillborn_rate, agreement_rate_ci, stillborn_rate_ci,
        reached: [{package, count, share, share_ci, pareto_optimal, nash_distance}],
        never_reached_feasible: [package],
        spe: [{package, n_points}]  (overall: the distinct equilibria and how many points
             have each; per point: the package or null),
        by_point: [{point_id, params, n_runs, agreement_rate, stillborn_rate,
                    agreement_rate_ci, stillborn_rate_ci, reached, never_reached_feasible,
                    spe}]

    ``robustness`` is null unless the experiment states a ``claim``; then it is the block of
    `sim.experiment.robustness.summary`. ``*_ci`` are Wilson 95% intervals ``[low, high]``
    (`sim.experiment.intervals`), null where the rate is.

    plus (issue 12, `sim.experiment.durable`), overall and per point:
    ``ceasefire_only_rate``, ``outcome_shares`` ({outcome: share of the runs}),
    ``ceasefire_only`` ([{stage1_ceasefire, count, share, durability,
    expected_durable_value}]), ``ranked_by_durable_value`` (the reached outcomes by joint
    expected durable value), and ``durability`` and ``expected_durable_value``
    ({actor: value, joint: value}) in every ``reached`` entry.

    where a package is ``{issue: option}``. ``share`` is the package's share of the
    agreements (the shares of ``reached`` sum to one); ``pareto_optimal`` is true when every
    run that reached the package judged it Pareto-optimal; ``nash_distance`` is the mean
    over those runs. Feasible means inside every participant's red lines and the agenda
    constraints at the point; overall, the union over the points. Rates are null where no
    run is recorded yet (an unfinished sweep reports what is there).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.experiment import dataset
from sim.experiment.dataset import ResultsError
from sim.experiment.durable import durable_summary, outcome_key, ranked
from sim.experiment.intervals import wilson
from sim.experiment.layout import SPACES
from sim.experiment.schema import Manifest, Spaces

DECIMALS = 6
PARAM, PKG, SPE = "param.", "pkg.", "spe."


#: A results directory that cannot be read (kept for callers of the old name).
ReachableError = ResultsError


@dataclass(frozen=True)
class PackageSpace:
    """An outcome space as ``spaces.json`` records it, numbering packages as rows.

    Rows are numbered as `sim.core.space` numbers packages (mixed radix, first issue most
    significant): the rows of ``feasible_rows`` in ``points.parquet``.

    Attributes:
        issues: the issues, in order.
        options: per issue, its option ids in order.
    """

    issues: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, space: Mapping[str, Sequence[str]]) -> PackageSpace:
        """The space of ``{issue: [option ids]}``."""
        return cls(tuple(space), tuple(tuple(o) for o in space.values()))

    @property
    def radix(self) -> tuple[int, ...]:
        """Options per issue."""
        return tuple(len(o) for o in self.options)

    def encode(self, package: Mapping[str, str]) -> int | None:
        """The row of ``package`` ({issue: option}); None when an option is not in the space."""
        try:
            digits = [self.options[j].index(package[i]) for j, i in enumerate(self.issues)]
        except (KeyError, ValueError):
            return None
        return int(np.ravel_multi_index(digits, self.radix))

    def decode(self, rows: np.ndarray) -> list[dict[str, str]]:
        """The packages of ``rows`` (int64), in order."""
        if rows.size == 0:
            return []
        digits = np.unravel_index(rows, self.radix)
        return [
            {i: self.options[j][int(digits[j][k])] for j, i in enumerate(self.issues)}
            for k in range(rows.size)
        ]


def _rate(n: int, total: int) -> float | None:
    return round(n / total, DECIMALS) if total else None


def _ci(n: int, total: int) -> list[float] | None:
    """The Wilson 95% interval of ``n`` out of ``total`` as ``[low, high]`` (None: no runs)."""
    if not total:
        return None
    low, high = wilson(n, total)
    return [round(float(low), DECIMALS), round(float(high), DECIMALS)]


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), DECIMALS)


def reachable(directory: str | Path) -> dict[str, Any]:
    """Summarise the outcomes of a sweep (see the module docstring for the keys).

    Every file is read through the verified reader (`sim.experiment.dataset`): only the
    parts the manifest records, each checked against its recorded sha256.

    Raises:
        ResultsError: not a results directory; a recorded file missing, altered or
            unreadable; a stray file in ``runs/``.
    """
    path = Path(directory)
    manifest = dataset.read_manifest(path)
    spaces = dataset.read_model(path, SPACES, Spaces, manifest)
    points = dataset.read_points(path, manifest)
    params = [c for c in points.column_names if c.startswith(PARAM)]
    issues = [c[len(SPE):] for c in points.column_names if c.startswith(SPE)]
    pkg_cols = [PKG + i for i in issues]
    runs = _read_runs(path, manifest, pkg_cols)

    by_point = _point_counts(runs)
    reached = _reached_groups(runs, pkg_cols)

    space_of = {key: PackageSpace.of(s.issues) for key, s in spaces.scenarios.items()}
    point_ids = points.column("point_id").to_pylist()
    scenario_keys = (
        points.column(PARAM + "scenario").to_pylist()
        if PARAM + "scenario" in params
        else [spaces.base] * len(point_ids)
    )
    param_values = {c: points.column(c).to_pylist() for c in params}
    spe_values = {i: points.column(SPE + i).to_pylist() for i in issues}
    feasible = points.column("feasible_rows")

    overall_reached: dict[tuple, list[Any]] = {}
    feasible_union: dict[str, dict[str, np.ndarray]] = defaultdict(dict)
    reached_rows: dict[str, set[int]] = defaultdict(set)
    spe_count: dict[tuple, int] = defaultdict(int)
    out_points = []
    for k, pid in enumerate(point_ids):
        space = space_of[scenario_keys[k]]
        n_runs, n_agree, n_still = by_point.get(pid, (0, 0, 0))
        groups = reached.get(pid, [])
        rows_here = set()
        entries = []
        for package, count, pareto, nash_sum, nash_n in groups:
            pkg = {i: o for i, o in zip(issues, package, strict=True) if i in space.issues}
            row = space.encode(pkg)
            if row is not None:
                rows_here.add(row)
            entries.append(_entry(pkg, count, n_agree, pareto, nash_sum, nash_n))
            key = tuple(pkg.items())
            acc = overall_reached.setdefault(key, [pkg, 0, True, 0.0, 0])
            acc[1] += count
            acc[2] = acc[2] and pareto
            acc[3] += nash_sum
            acc[4] += nash_n
        entries.sort(key=_reached_order)
        rows = np.asarray(feasible[k].values if feasible[k].is_valid else [], dtype=np.int64)
        digest = hashlib.sha1(rows.tobytes()).hexdigest()
        feasible_union[scenario_keys[k]].setdefault(digest, rows)
        reached_rows[scenario_keys[k]].update(rows_here)
        never = np.setdiff1d(rows, np.fromiter(rows_here, dtype=np.int64, count=len(rows_here)))
        spe = {i: spe_values[i][k] for i in issues if spe_values[i][k] is not None} or None
        if spe is not None:
            spe_count[tuple(spe.items())] += 1
        out_points.append(
            {
                "point_id": int(pid),
                "params": {c[len(PARAM):]: param_values[c][k] for c in params},
                "n_runs": n_runs,
                "agreement_rate": _rate(n_agree, n_runs),
                "stillborn_rate": _rate(n_still, n_runs),
                "agreement_rate_ci": _ci(n_agree, n_runs),
                "stillborn_rate_ci": _ci(n_still, n_runs),
                "reached": entries,
                "never_reached_feasible": space.decode(never),
                "spe": spe,
            }
        )

    n_runs = sum(v[0] for v in by_point.values())
    n_agree = sum(v[1] for v in by_point.values())
    n_still = sum(v[2] for v in by_point.values())
    overall = [
        _entry(pkg, count, n_agree, pareto, nash_sum, nash_n)
        for pkg, count, pareto, nash_sum, nash_n in overall_reached.values()
    ]
    overall.sort(key=_reached_order)
    reached_keys = set(overall_reached)
    never_overall: list[dict[str, str]] = []
    for scenario_key, by_digest in feasible_union.items():
        union = np.unique(np.concatenate(list(by_digest.values())))
        for pkg in space_of[scenario_key].decode(union):
            if tuple(pkg.items()) not in reached_keys:
                never_overall.append(pkg)
    never_overall = list({tuple(p.items()): p for p in never_overall}.values())
    spe_list = [
        {"package": dict(key), "n_points": n}
        for key, n in sorted(spe_count.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    out = {
        "n_runs": n_runs,
        "agreement_rate": _rate(n_agree, n_runs),
        "stillborn_rate": _rate(n_still, n_runs),
        "agreement_rate_ci": _ci(n_agree, n_runs),
        "stillborn_rate_ci": _ci(n_still, n_runs),
        "reached": overall,
        "never_reached_feasible": never_overall,
        "spe": spe_list,
        "by_point": out_points,
        "robustness": _robustness(path),
    }
    _add_durable(out, durable_summary(path, manifest, pkg_cols))
    return out


def _add_durable(out: dict[str, Any], summary: dict[str, Any] | None) -> None:
    """Add the ceasefire_only outcomes, durability and expected durable values (issue 12).

    Added keys: ``ceasefire_only_rate``, ``outcome_shares``, ``ceasefire_only``,
    ``ranked_by_durable_value``; ``durability`` and ``expected_durable_value`` in every
    ``reached`` entry; `sim.experiment.durable`). Null or empty for older results.
    """
    empty: dict[str, Any] = {"n_runs": 0, "ceasefire_only_rate": None,
                             "outcome_shares": {}, "values": {}, "ceasefire_only": []}
    parts = [(out, (summary or {}).get("overall", empty))]
    by_point = (summary or {}).get("by_point", {})
    parts += [(p, by_point.get(p["point_id"], empty)) for p in out["by_point"]]
    for target, part in parts:
        for entry in target["reached"]:
            v = part["values"].get(outcome_key(entry["package"], None), {})
            entry["durability"] = v.get("durability")
            entry["expected_durable_value"] = v.get("expected_durable_value")
        target["ceasefire_only_rate"] = part["ceasefire_only_rate"]
        target["outcome_shares"] = part["outcome_shares"]
        target["ceasefire_only"] = part["ceasefire_only"]
        target["ranked_by_durable_value"] = ranked(target["reached"], part["ceasefire_only"])


def _robustness(path: Path) -> dict[str, Any] | None:
    """The ``robustness`` block of the experiment's claim (`sim.experiment.robustness`)."""
    from sim.experiment import robustness

    data = robustness.evaluate(path)
    if data is None:
        return None
    return robustness.summary(data, robustness.rational_benchmark(path, data))


def _entry(pkg: dict[str, str], count: int, n_agree: int, pareto: bool, nash_sum: float,
           nash_n: int) -> dict[str, Any]:
    return {
        "package": pkg,
        "count": int(count),
        "share": _rate(count, n_agree),
        "share_ci": _ci(count, n_agree),
        "pareto_optimal": bool(pareto),
        "nash_distance": _round(nash_sum / nash_n) if nash_n else None,
    }


def _reached_order(entry: dict) -> tuple:
    return (-entry["count"], json.dumps(entry["package"]))


def _read_runs(path: Path, manifest: Manifest, pkg_cols: list[str]) -> pa.Table:
    cols = ["point_id", "agreement", "stillborn", "pareto_optimal", "nash_distance", *pkg_cols]
    # pkg.* stay dictionary-encoded (small in memory), unified across parts for grouping.
    table = dataset.read_runs(path, cols, pkg_cols, manifest)
    if table is None:
        schema = pa.schema(
            [("point_id", pa.int64()), ("agreement", pa.bool_()), ("stillborn", pa.bool_()),
             ("pareto_optimal", pa.bool_()), ("nash_distance", pa.float64())]
            + [(c, pa.string()) for c in pkg_cols]
        )
        return schema.empty_table()
    return table


def _point_counts(runs: pa.Table) -> dict[int, tuple[int, int, int]]:
    """point_id -> (runs, agreements, stillborn)."""
    if runs.num_rows == 0:
        return {}
    t = pa.table(
        {
            "point_id": runs.column("point_id"),
            "agree": pc.cast(runs.column("agreement"), pa.int64()),
            "still": pc.cast(runs.column("stillborn"), pa.int64()),
        }
    )
    g = t.group_by("point_id").aggregate([("agree", "count"), ("agree", "sum"), ("still", "sum")])
    return {
        int(p): (int(n), int(a), int(s))
        for p, n, a, s in zip(
            g.column("point_id").to_pylist(),
            g.column("agree_count").to_pylist(),
            g.column("agree_sum").to_pylist(),
            g.column("still_sum").to_pylist(),
            strict=True,
        )
    }


def _reached_groups(runs: pa.Table, pkg_cols: list[str]) -> dict[int, list[tuple]]:
    """point_id -> [(package options, count, all Pareto-optimal, nash sum, nash count)]."""
    agreed = runs.filter(pc.equal(runs.column("agreement"), True))
    if agreed.num_rows == 0:
        return {}
    pareto = pc.fill_null(agreed.column("pareto_optimal"), False)
    nash = agreed.column("nash_distance")
    t = pa.table(
        {
            "point_id": agreed.column("point_id"),
            **{c: agreed.column(c) for c in pkg_cols},
            "pareto": pareto,
            "nash": pc.fill_null(nash, 0.0),
            "nash_n": pc.cast(pc.is_valid(nash), pa.int64()),
        }
    )
    g = t.group_by(["point_id", *pkg_cols]).aggregate(
        [("pareto", "count"), ("pareto", "all"), ("nash", "sum"), ("nash_n", "sum")]
    )
    out: dict[int, list[tuple]] = defaultdict(list)
    cols = {c: g.column(c).to_pylist() for c in g.column_names}
    for k, pid in enumerate(cols["point_id"]):
        package = tuple(cols[c][k] for c in pkg_cols)
        out[int(pid)].append(
            (
                package,
                cols["pareto_count"][k],
                bool(cols["pareto_all"][k]),
                float(cols["nash_sum"][k]),
                int(cols["nash_n_sum"][k]),
            )
        )
    return out
