"""Loading a sweep's results directory and the tables every report section is built from.

Core objects:
    Results: the runs table (one row per run), the design points, the resolved experiment
        and manifest, plus the swept parameters, issues and actors read off the columns.
    Labels: readable names for issues, options, actors, state variables and parameters,
        taken from the base scenario (ids when the scenario cannot be read).
    Target: what a report explains: ``agreement``, ``stillborn`` or one package term
        (``package:<issue>=<option>``); `parse_target` validates the text form.
    point_outcomes / package_table / param_ranking / representative_point: pure pandas
        tables computed from the runs.
    package_row / feasible_share: package rows as ``spaces.json`` numbers them, and how
        often each agreed package lay in its design point's feasible set
        (``points.parquet``).
    scenario_at_point: the validated scenario of a design point, rebuilt from the base
        scenario and the point's parameter values (for re-analysis and re-simulation).

Nothing here plots or writes files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.errors import UserError

PARAM = "param."
PKG = "pkg."
UTIL = "u."
REQUIRED = ("run_id", "point_id", "seed", "agreement")
NO_TERM = "—"  # a package term of an issue the run's scenario does not have


@dataclass(frozen=True)
class Labels:
    """Readable names from the base scenario; every lookup falls back to the id."""

    issues: dict[str, str] = field(default_factory=dict)
    options: dict[str, dict[str, str]] = field(default_factory=dict)
    actors: dict[str, str] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

    def issue(self, issue: str) -> str:
        """The label of ``issue``."""
        return self.issues.get(issue, issue)

    def option(self, issue: str, option: str) -> str:
        """The label of ``option`` of ``issue``."""
        return self.options.get(issue, {}).get(option, option)

    def actor(self, actor: str) -> str:
        """The label of ``actor``."""
        return self.actors.get(actor, actor)

    def value(self, column: str, value: object) -> str:
        """A parameter value as shown: scenario files by their stem, floats compactly."""
        if column == PARAM + "scenario" and isinstance(value, str):
            return Path(value).stem
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def param(self, column: str) -> str:
        """A readable name for a ``param.<path>`` column: known ids become their labels.

        ``param.actors.russia.patience.value`` reads "Russia (Putin): patience";
        unknown paths are shown as they are. A label given in the experiment file wins.
        """
        if column in self.params:
            return self.params[column]
        path = column[len(PARAM):] if column.startswith(PARAM) else column
        parts = [p for p in re.split(r"[.\[\]]", path) if p]
        owner: str | None = None
        issue: str | None = None
        words: list[str] = []
        for part in parts:
            if part in _STRUCTURE:
                continue
            if owner is None and part in self.actors:
                owner = self.actors[part]
            elif part in self.issues:
                issue = part
                words.append(self.issues[part])
            elif issue is not None and part in self.options.get(issue, {}):
                words.append(f"'{self.options[issue][part]}'")
            elif part in self.state:
                words.append(self.state[part])
            else:
                words.append(part.replace("_", " "))
        text = " ".join(words) if words else path
        return f"{owner}: {text}" if owner else text


_STRUCTURE = {"actors", "issues", "state", "dynamics", "params", "value"}


@dataclass(frozen=True)
class Results:
    """A sweep's results directory, loaded.

    Attributes:
        path: the directory.
        runs: one row per run (columns as written by the sweep runner).
        points: one row per design point, or None when ``points.parquet`` is absent.
        experiment: the resolved experiment (``experiment.yaml``: the experiment's fields,
            the absolute ``scenario`` path and the expanded ``points``), or an empty dict.
        manifest: ``manifest.json``, or an empty dict.
        params: the ``param.<path>`` columns, in file order.
        issues: the issues of the ``pkg.<issue>`` columns.
        actors: the actors of the ``u.<actor>`` columns.
        labels: readable names from the base scenario.
        scenario_path: the base scenario file, when it could be located.
    """

    path: Path
    runs: pd.DataFrame
    points: pd.DataFrame | None
    experiment: dict
    manifest: dict
    params: tuple[str, ...]
    issues: tuple[str, ...]
    actors: tuple[str, ...]
    labels: Labels
    scenario_path: Path | None

    @property
    def spec(self) -> dict:
        """The experiment as written (name, question, scenario, parameters, design...)."""
        inner = self.experiment.get("experiment")
        return inner if isinstance(inner, dict) else self.experiment

    @property
    def varied_params(self) -> tuple[str, ...]:
        """Swept parameters that take more than one value across the runs."""
        return tuple(p for p in self.params if self.runs[p].nunique(dropna=True) > 1)


@dataclass(frozen=True)
class Target:
    """The binary outcome a report explains.

    Attributes:
        kind: ``agreement``, ``stillborn`` or ``package``.
        issue: for ``package``, the issue of the term.
        option: for ``package``, the option id the issue takes.
    """

    kind: str
    issue: str | None = None
    option: str | None = None

    def describe(self, labels: Labels) -> str:
        """A readable name ("agreement", "Crimea: Left unresolved")."""
        if self.kind == "package":
            return f"{labels.issue(self.issue)}: {labels.option(self.issue, self.option)}"
        return "stillborn deal" if self.kind == "stillborn" else "agreement"

    def values(self, runs: pd.DataFrame) -> pd.Series:
        """The outcome of every run, as booleans."""
        if self.kind == "package":
            col = runs[PKG + self.issue]
            return (agreed(runs) & (col == self.option)).fillna(False).astype(bool)
        return flag(runs, self.kind)


def flag(runs: pd.DataFrame, column: str) -> pd.Series:
    """A boolean column with missing values read as False (absent column: all False)."""
    if column not in runs.columns:
        return pd.Series(False, index=runs.index)
    return runs[column].fillna(False).astype(bool)


def agreed(runs: pd.DataFrame) -> pd.Series:
    """Whether each run ended in agreement."""
    return flag(runs, "agreement")


def parse_target(text: str, results: Results) -> Target:
    """Parse ``agreement``, ``stillborn`` or ``package:<issue>=<option>``.

    Raises:
        UserError: on any other text or an issue/option the results do not contain.
    """
    text = (text or "").strip()
    if text in ("agreement", "stillborn"):
        return Target(text)
    m = re.fullmatch(r"package:([^=\s]+)=(\S+)", text)
    if not m:
        raise UserError(
            f"--target: expected agreement, stillborn or package:<issue>=<option>, got '{text}'"
        )
    issue, option = m.groups()
    if issue not in results.issues:
        raise UserError(
            f"--target: unknown issue '{issue}'; allowed: {', '.join(results.issues) or 'none'}"
        )
    known = set(results.labels.options.get(issue, {})) | set(
        results.runs[PKG + issue].dropna().unique()
    )
    if option not in known:
        raise UserError(
            f"--target: unknown option '{option}' of issue '{issue}'; "
            f"allowed: {', '.join(sorted(known)) or 'none'}"
        )
    return Target("package", issue, option)


def resolve_param(name: str, results: Results) -> str:
    """Map a user-given parameter (with or without ``param.``) to its column.

    Raises:
        UserError: when the parameter was not swept.
    """
    column = name if name.startswith(PARAM) else PARAM + name
    if column not in results.params:
        allowed = ", ".join(p[len(PARAM):] for p in results.params) or "none"
        raise UserError(f"unknown swept parameter '{name}'; allowed: {allowed}")
    return column


def load_results(path: str | Path) -> Results:
    """Load a results directory written by ``negsim sweep``.

    Raises:
        UserError: when the directory or its runs dataset is missing or malformed.
    """
    path = Path(path)
    if not path.is_dir():
        raise UserError(f"{path}: not a results directory (it does not exist)")
    runs_path = path / "runs"
    if not runs_path.exists():
        raise UserError(f"{path}: no 'runs' dataset; is this the --out directory of a sweep?")
    try:
        runs = pd.read_parquet(runs_path)
    except Exception as exc:  # pyarrow raises several types for corrupt data
        raise UserError(f"{runs_path}: cannot read the Parquet dataset: {exc}") from None
    missing = [c for c in REQUIRED if c not in runs.columns]
    if missing:
        raise UserError(f"{runs_path}: missing columns: {', '.join(missing)}")
    if runs.empty:
        raise UserError(f"{runs_path}: the dataset has no runs")
    runs = _normalise(runs)
    points = None
    if (path / "points.parquet").exists():
        try:
            points = pd.read_parquet(path / "points.parquet")
        except Exception as exc:
            raise UserError(f"{path / 'points.parquet'}: cannot read: {exc}") from None
    experiment = _read_yaml(path / "experiment.yaml")
    manifest = _read_json(path / "manifest.json")
    inner = experiment.get("experiment")
    spec = inner if isinstance(inner, dict) else experiment
    scenario_path = _scenario_path(spec, path)
    params = tuple(c for c in runs.columns if c.startswith(PARAM))
    labels = _labels(scenario_path)
    names = {
        PARAM + str(p.get("path")): str(p["label"])
        for p in spec.get("parameters") or []
        if isinstance(p, dict) and p.get("label")
    }
    return Results(
        path=path,
        runs=runs,
        points=points,
        experiment=experiment,
        manifest=manifest,
        params=params,
        issues=tuple(c[len(PKG):] for c in runs.columns if c.startswith(PKG)),
        actors=tuple(c[len(UTIL):] for c in runs.columns if c.startswith(UTIL)),
        labels=Labels(labels.issues, labels.options, labels.actors, labels.state, names),
        scenario_path=scenario_path,
    )


def _normalise(runs: pd.DataFrame) -> pd.DataFrame:
    """Undo dataset partitioning dtypes and order rows by run id."""
    runs = runs.copy()
    for col in runs.columns:
        if isinstance(runs[col].dtype, pd.CategoricalDtype):
            runs[col] = runs[col].astype(runs[col].cat.categories.dtype)
    for col in runs.columns:
        if col.startswith(PARAM) and runs[col].dtype == object:
            runs[col] = runs[col].astype("string")
    return runs.sort_values("run_id", kind="stable").reset_index(drop=True)


def _read_yaml(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None
    return data if isinstance(data, dict) else {}


def _read_json(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None
    return data if isinstance(data, dict) else {}


def _scenario_path(spec: dict, directory: Path) -> Path | None:
    """The base scenario of the experiment, resolved as given, then beside DIR."""
    value = spec.get("scenario")
    if isinstance(value, str) and value:
        return _existing(Path(value), directory, directory.parent)
    return None


def _labels(scenario_path: Path | None) -> Labels:
    if scenario_path is None:
        return Labels()
    from sim.scenario import ScenarioError, load_raw

    try:
        raw = load_raw(scenario_path)
    except ScenarioError:
        return Labels()
    issues = raw.get("issues") or {}
    actors = raw.get("actors") or {}
    state = ((raw.get("dynamics") or {}).get("state")) or {}

    def label(node: object, key: str) -> str:
        return str(node.get("label") or key) if isinstance(node, dict) else key

    return Labels(
        issues={k: label(v, k) for k, v in issues.items()},
        options={
            k: {str(o): str(t) for o, t in (v.get("options") or {}).items()}
            for k, v in issues.items()
            if isinstance(v, dict) and isinstance(v.get("options"), dict)
        },
        actors={k: label(v, k) for k, v in actors.items()},
        state={k: label(v, k) for k, v in state.items()},
    )


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


def representative_run(results: Results, point_id: object, target: Target) -> pd.Series:
    """A run at ``point_id``: the first (by run id) with the point's majority outcome."""
    runs = results.runs[results.runs["point_id"] == point_id]
    outcome = target.values(runs)
    majority = bool(outcome.mean() >= 0.5)
    chosen = runs[outcome == majority]
    return (chosen if not chosen.empty else runs).iloc[0]


def point_params(results: Results, point_id: object) -> dict[str, object]:
    """The swept parameter values of one design point, keyed by path (no ``param.``).

    The values come from the expanded points of ``experiment.yaml`` (typed as they were
    set in the scenario), else from the ``param.*`` columns of the runs.
    """
    for point in results.experiment.get("points") or []:
        if isinstance(point, dict) and str(point.get("point_id")) == str(point_id):
            return dict(point.get("params") or {})
    row = results.runs[results.runs["point_id"] == point_id].iloc[0]
    out: dict[str, object] = {}
    for p in results.params:
        v = row[p]
        if pd.isna(v):
            continue
        out[p[len(PARAM):]] = v.item() if hasattr(v, "item") else v
    return out


def scenario_at_point(results: Results, point_id: object):
    """The validated scenario of one design point, rebuilt from the experiment.

    The base scenario (or the point's value of the ``scenario`` parameter, relative to the
    experiment file) is loaded and completed with its defaults, then every swept value is
    set as the sweep's workers set it (`sim.experiment.point.scenario_for_point`).

    Raises:
        UserError: when the base scenario cannot be found or a value no longer applies.
    """
    from sim.experiment.point import complete_scenario, scenario_for_point

    values = point_params(results, point_id)
    file = results.scenario_path
    variant = values.pop("scenario", None)
    if isinstance(variant, str):
        source = Path(str(results.experiment.get("source_file", "")))
        file = _existing(Path(variant), source.parent, results.path)
    if file is None:
        raise UserError(f"{results.path}: the experiment's base scenario file was not found")
    key = str(file)
    scenario, _ = scenario_for_point({key: complete_scenario(file)}, key, values, point_id)
    return scenario


def _existing(path: Path, *bases: Path) -> Path | None:
    for p in (path, *(b / path for b in bases)):
        if p.is_file():
            return p
    return None


def read_spaces(results: Results) -> dict | None:
    """``spaces.json``: scenario key -> {issue: [option ids]}, plus the base key; or None."""
    doc = _read_json(results.path / "spaces.json")
    scenarios = doc.get("scenarios")
    if not isinstance(scenarios, dict) or "base" not in doc:
        return None
    return {"base": doc["base"], "scenarios": {
        k: {i: list(o) for i, o in (v.get("issues") or {}).items()} for k, v in scenarios.items()
    }}


def package_row(space: dict[str, list[str]], package: dict[str, str]) -> int | None:
    """The row of ``package`` in an outcome space; None when an option is not in it.

    Rows are numbered as `sim.core.space` numbers them (mixed radix, first issue most
    significant), which is how ``spaces.json`` defines the rows of ``points.parquet``.
    """
    from sim.core.space import encode

    try:
        digits = [opts.index(package[i]) for i, opts in space.items()]
    except (KeyError, ValueError):
        return None
    return int(encode(np.array(digits), [len(o) for o in space.values()])[0])


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
        row = None if space is None else package_row(space, dict(zip(results.issues, pkg,
                                                                      strict=True)))
        rows = feasible.get(pid)
        if row is None or rows is None:
            continue
        inside = bool(rows.size) and rows[min(np.searchsorted(rows, row), rows.size - 1)] == row
        acc = hits.setdefault(tuple(pkg), [0, 0])
        acc[0] += len(group) * int(inside)
        acc[1] += len(group)
    out = []
    for _, r in packages.iterrows():
        acc = hits.get(tuple(str(r[c]) for c in cols))
        out.append(acc[0] / acc[1] if acc and acc[1] else np.nan)
    return pd.Series(out, index=packages.index, dtype=float)


def problem_space(problem) -> dict[str, list[str]]:
    """The outcome space of a compiled problem, in the form of `read_spaces`."""
    return {i: list(o) for i, o in zip(problem.issues, problem.options, strict=True)}


def package_rows(problem, packages: pd.DataFrame) -> list[int | None]:
    """The row in ``problem``'s outcome space of every package of `package_table`."""
    space = problem_space(problem)
    issues = [c[len(PKG):] for c in packages.columns if c.startswith(PKG)]
    return [package_row(space, {i: str(r[PKG + i]) for i in issues})
            for _, r in packages.iterrows()]

