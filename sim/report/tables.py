"""The tables every report section is built from (pure pandas, from the runs).

Core objects:
    point_outcomes: one row per design point (parameter values, run count, outcome rates).
    package_table / package_names: the agreed packages, most frequent first, and their
        names in the report: the terms that tell each apart from the others shown.
    feasible_share: how often each agreed package lay in its design point's feasible set
        (``points.parquet``, rows as ``spaces.json`` numbers them:
        `sim.experiment.reachable.PackageSpace`).
    param_ranking / levels_of: parameters ranked by the variance of the outcome's means
        across their levels, and the levels a parameter is grouped by.
    representative_point / representative_run: the point and run the report replays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiment.reachable import PackageSpace
from sim.report.data import Results, Target, agreed, flag, read_spaces
from sim.report.labels import PARAM, PKG, UTIL, Labels

NO_TERM = "—"  # a package term of an issue the run's scenario does not have


def point_outcomes(results: Results, target: Target) -> pd.DataFrame:
    """One row per design point: its parameter values, run count and outcome rates.

    Columns: ``point_id``, every swept ``param.*``, ``runs``, ``target`` (rate of the
    target), ``agreement``, ``stillborn`` (rates) and the mean ``u.<actor>``.
    """
    runs = results.runs
    frame = pd.DataFrame({"point_id": runs["point_id"]})
    for p in results.params:
        frame[p] = runs[p]
    frame["target"] = target.values(runs).astype(float)
    frame["agreement"] = agreed(runs).astype(float)
    frame["stillborn"] = flag(runs, "stillborn").astype(float)
    for a in results.actors:
        frame[UTIL + a] = runs[UTIL + a].astype(float)
    agg: dict[str, tuple[str, str]] = {p: (p, "first") for p in results.params}
    agg["runs"] = ("target", "size")
    for col in ("target", "agreement", "stillborn", *(UTIL + a for a in results.actors)):
        agg[col] = (col, "mean")
    return frame.groupby("point_id", sort=True).agg(**agg).reset_index()


def package_table(results: Results) -> pd.DataFrame:
    """The packages agreed on, most frequent first.

    Columns: ``pkg.<issue>`` per issue, ``count``, ``share`` (of agreements), ``points``
    (design points where it was reached), ``pareto_share`` (share of its runs flagged
    Pareto-optimal, NaN when not recorded) and the mean ``u.<actor>`` of its runs.
    """
    runs = results.runs[agreed(results.runs)]
    cols = [PKG + i for i in results.issues]
    if runs.empty or not cols:
        return pd.DataFrame(columns=[*cols, "count", "share", "points", "pareto_share"])
    frame = runs[cols].astype("string").fillna(NO_TERM)
    frame["_pareto"] = (
        runs["pareto_optimal"].astype("float") if "pareto_optimal" in runs else np.nan
    )
    frame["_point"] = runs["point_id"]
    for a in results.actors:
        frame[UTIL + a] = runs[UTIL + a].astype(float)
    agg: dict[str, tuple[str, object]] = {
        "count": ("_point", "size"),
        "points": ("_point", "nunique"),
        "pareto_share": ("_pareto", "mean"),
    }
    for a in results.actors:
        agg[UTIL + a] = (UTIL + a, "mean")
    table = frame.groupby(cols, sort=False).agg(**agg).reset_index()
    table["share"] = table["count"] / len(runs)
    order = np.lexsort((np.arange(len(table)), -table["count"].to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def package_names(packages: pd.DataFrame, issues: tuple[str, ...], labels: Labels) -> list[str]:
    """Name each package by the fewest of its terms that tell it apart from the others.

    Terms are chosen greedily: each time the term that the most packages still alike do
    not share (ties: the term fewer packages have, then agenda order), until no other
    package shown has all the chosen terms. Each term reads ``Issue: Option`` (labels);
    a single package is "the only package agreed".
    """
    cols = [PKG + i for i in issues if PKG + i in packages]
    if len(packages) <= 1 or not cols:
        return ["the only package agreed"] * len(packages)
    terms = packages[cols].astype("string").fillna(NO_TERM).to_numpy(dtype=object)
    n = len(terms)
    same = terms[:, None, :] == terms[None, :, :]  # (package, other, issue)
    holders = same.sum(axis=1)  # how many packages share each package's term
    names = []
    for r in range(n):
        alike = np.ones(n, dtype=bool)
        alike[r] = False
        chosen: list[int] = []
        while alike.any():
            excluded = (~same[r, alike, :]).sum(axis=0)
            excluded[chosen] = -1
            order = np.lexsort((np.arange(len(cols)), holders[r], -excluded))
            j = int(order[0])
            if excluded[j] <= 0:  # identical terms: nothing tells them apart
                break
            chosen.append(j)
            alike &= same[r, :, j]
        names.append("; ".join(
            f"{labels.issue(issues_of(cols[j]))}: {labels.option(issues_of(cols[j]), terms[r, j])}"
            for j in sorted(chosen)
        ))
    return names


def issues_of(column: str) -> str:
    """The issue of a ``pkg.<issue>`` column."""
    return column[len(PKG):]


def param_ranking(points: pd.DataFrame, params: tuple[str, ...], column: str) -> pd.Series:
    """Rank parameters by the variance of the outcome's means across their levels.

    Numeric parameters with more than 12 distinct values are cut into quintiles first.
    Returns the variance of means divided by the variance of ``column`` over points
    (the first-order variance share of the design), highest first.
    """
    y = points[column].astype(float)
    total = float(y.var(ddof=0))
    scores = {}
    for p in params:
        levels = levels_of(points[p])
        means = y.groupby(levels, observed=True).transform("mean")
        scores[p] = float(means.var(ddof=0)) / total if total > 0 else 0.0
    return pd.Series(scores, dtype=float).sort_values(ascending=False, kind="stable")


def levels_of(values: pd.Series, max_levels: int = 12, bins: int = 5) -> pd.Series:
    """The levels a parameter is grouped by: its values, or quantile bins when many.

    Bins are an ordered categorical named by the smallest and largest value inside each
    ("0.1 to 0.35").
    """
    if not (pd.api.types.is_numeric_dtype(values) and values.nunique() > max_levels):
        return values
    x = values.astype(float)
    cut = pd.qcut(x, q=bins, duplicates="drop")
    lo = x.groupby(cut, observed=True).min()
    hi = x.groupby(cut, observed=True).max()
    names = {b: f"{lo[b]:.3g} to {hi[b]:.3g}" for b in lo.index}
    return cut.cat.remove_unused_categories().cat.rename_categories(names)


def representative_point(points: pd.DataFrame) -> int:
    """The design point whose target rate is closest to the mean over all runs.

    Ties go to the point with more runs, then the lower point id.
    """
    overall = float((points["target"] * points["runs"]).sum() / points["runs"].sum())
    gap = (points["target"] - overall).abs().round(12)
    order = np.lexsort((points["point_id"].to_numpy(), -points["runs"].to_numpy(), gap))
    return points["point_id"].iloc[order[0]].item()


def representative_run(results: Results, point_id: int, target: Target) -> pd.Series:
    """A run at ``point_id``: the first (by run id) with the point's majority outcome."""
    runs = results.runs[results.runs["point_id"] == point_id]
    outcome = target.values(runs)
    majority = bool(outcome.mean() >= 0.5)
    chosen = runs[outcome == majority]
    return (chosen if not chosen.empty else runs).iloc[0]


def feasible_share(results: Results, packages: pd.DataFrame) -> pd.Series:
    """For each package of `package_table`, the share of its runs where it was feasible.

    Feasible: in the static feasible set of the run's design point (``feasible_rows`` of
    ``points.parquet``, rows read with ``spaces.json``). NaN when either file is missing.
    """
    nan = pd.Series(np.nan, index=packages.index, dtype=float)
    spaces = read_spaces(results)
    pts = results.points
    if spaces is None or pts is None or "feasible_rows" not in pts or packages.empty:
        return nan
    feasible = {
        pid: np.sort(np.asarray(rows if rows is not None else [], dtype=np.int64))
        for pid, rows in zip(pts["point_id"], pts["feasible_rows"], strict=True)
    }
    runs = results.runs[agreed(results.runs)]
    cols = [PKG + i for i in results.issues]
    scenario_col = PARAM + "scenario"
    keys = runs[scenario_col] if scenario_col in runs else pd.Series(spaces["base"], runs.index)
    frame = runs[["point_id", *cols]].astype({c: "string" for c in cols}).fillna(NO_TERM)
    frame["_space"] = keys.astype("string")
    hits: dict[tuple, list[int]] = {}
    for (pid, key, *pkg), group in frame.groupby(["point_id", "_space", *cols], sort=False):
        space = spaces["scenarios"].get(key)
        terms = {i: str(o) for i, o in zip(results.issues, pkg, strict=True)}
        row = None if space is None else PackageSpace.of(space).encode(terms)
        rows = feasible.get(pid)
        if row is None or rows is None:
            continue
        at = min(int(np.searchsorted(rows, row)), rows.size - 1)
        inside = bool(rows.size) and rows[at] == row
        acc = hits.setdefault(tuple(pkg), [0, 0])
        acc[0] += len(group) * int(inside)
        acc[1] += len(group)
    out = []
    for _, r in packages.iterrows():
        counted = hits.get(tuple(str(r[c]) for c in cols))
        out.append(counted[0] / counted[1] if counted and counted[1] else np.nan)
    return pd.Series(out, index=packages.index, dtype=float)
