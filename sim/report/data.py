"""Loading a sweep's results directory, and what a report explains.

Core objects:
    Results: the runs table (one row per run), the design points, the resolved experiment
        and manifest, plus the swept parameters, issues and actors read off the columns.
    load_results: read a results directory through the verified reader.
    Target: what a report explains: ``agreement``, ``stillborn`` or one package term
        (``package:<issue>=<option>``); `parse_target` validates the text form.
    flag / agreed: boolean run columns with missing values read as False.
    resolve_param: a user-given parameter name -> its ``param.*`` column.
    read_spaces / point_params: ``spaces.json`` and the parameter values of a design point.
    shown_path: a path as a report prints it (relative to the working directory when
        inside it, so a committed report names repository paths, not a machine's).

Nothing here plots or writes files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from sim.errors import UserError
from sim.report.labels import (
    PARAM,
    PKG,
    UTIL,
    Labels,
    labels_of,
    read_labels,
    scenario_names,
)

REQUIRED = ("run_id", "point_id", "seed", "agreement")


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
        labels: readable names from the base scenario (as swept, when stored).
        scenario_path: the base scenario file, when it could be located.
        scenarios: the complete scenario dicts as swept (``scenarios.yaml``), keyed as the
            experiment names them, or None for a directory without that copy.
        base: the key of the base scenario in ``scenarios``.
        warnings: one line per scenario file that changed since the sweep read it.
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
    scenarios: dict[str, dict] | None = None
    base: str | None = None
    warnings: tuple[str, ...] = ()

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
        kind: ``agreement``, ``stillborn``, ``ceasefire_only`` or ``package``.
        issue: for ``package``, the issue of the term.
        option: for ``package``, the option id the issue takes.
    """

    kind: str
    issue: str | None = None
    option: str | None = None

    def describe(self, labels: Labels) -> str:
        """A readable name ("agreement", "Crimea: Left unresolved")."""
        issue, option = self.issue, self.option
        if self.kind == "package" and issue is not None and option is not None:
            return f"{labels.issue(issue)}: {labels.option(issue, option)}"
        if self.kind == "ceasefire_only":
            return "ceasefire only (no settlement)"
        return "stillborn deal" if self.kind == "stillborn" else "agreement"

    def values(self, runs: pd.DataFrame) -> pd.Series:
        """The outcome of every run, as booleans."""
        if self.kind == "package" and self.issue is not None:
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
    if text == "ceasefire_only":  # a stage-1 ceasefire that holds without a settlement
        if "ceasefire_only" not in results.runs.columns:
            raise UserError("--target: ceasefire_only: these results have no ceasefire_only "
                            "column (written before it existed); run the sweep again")
        return Target(text)
    m = re.fullmatch(r"package:([^=\s]+)=(\S+)", text)
    if not m:
        raise UserError(
            "--target: expected agreement, stillborn, ceasefire_only or "
            f"package:<issue>=<option>, got '{text}'"
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


def load_results(path: str | Path, strict: bool = False) -> Results:
    """Load a results directory written by ``negsim sweep``, through the verified reader.

    Only the part files the manifest records are read, each checked against its recorded
    sha256 (`sim.experiment.dataset`). Design points are rebuilt from the copy of the
    scenarios stored beside the results; the scenario files the sweep read are compared
    with their recorded hashes (``Results.warnings``).

    Args:
        path: the results directory.
        strict: refuse the directory when a scenario file changed since the sweep.

    Raises:
        UserError: when the directory or its runs dataset is missing, altered or malformed
            (one line per file, then how to repair it), or (``strict``) a scenario file
            changed since the sweep.
    """
    from sim.experiment import dataset
    from sim.experiment.layout import EXPERIMENT, POINTS
    from sim.experiment.sources import changed_sources, read_stored

    path = Path(path)
    manifest = dataset.read_manifest(path)
    table = dataset.read_runs(path, manifest=manifest)
    if table is None:
        raise UserError(f"{path / 'runs'}: the dataset has no runs")
    runs = table.to_pandas()
    missing = [c for c in REQUIRED if c not in runs.columns]
    if missing:
        raise UserError(f"{path / 'runs'}: missing columns: {', '.join(missing)}")
    runs = _normalise(runs)
    points = None
    if POINTS in manifest.files:
        points = dataset.read_points(path, manifest).to_pandas()
    experiment: dict = {}
    if EXPERIMENT in manifest.files:
        experiment = _yaml(dataset.read_side(path, EXPERIMENT, manifest), path / EXPERIMENT)
    changed = tuple(changed_sources(path, manifest))
    if strict and changed:
        raise UserError([*changed, f"{path}: --strict: refused because the scenario files "
                         "changed since the sweep"])
    stored = read_stored(path, manifest)
    inner = experiment.get("experiment")
    spec = inner if isinstance(inner, dict) else experiment
    scenario_path = _scenario_path(spec, path)
    params = tuple(c for c in runs.columns if c.startswith(PARAM))
    labels = (labels_of(stored.scenarios[stored.base]) if stored is not None
              else read_labels(scenario_path))
    names = {
        PARAM + str(p.get("path")): str(p["label"])
        for key in ("parameters", "levers", "uncertainties")
        for p in spec.get(key) or []
        if isinstance(p, dict) and p.get("label")
    }
    return Results(
        path=path,
        runs=runs,
        points=points,
        experiment=experiment,
        manifest=manifest.model_dump(mode="json"),
        params=params,
        issues=tuple(c[len(PKG):] for c in runs.columns if c.startswith(PKG)),
        actors=tuple(c[len(UTIL):] for c in runs.columns if c.startswith(UTIL)),
        labels=Labels(labels.issues, labels.options, labels.actors, labels.state, names,
                      scenario_names(path)),
        scenario_path=scenario_path,
        scenarios=None if stored is None else stored.scenarios,
        base=None if stored is None else stored.base,
        warnings=changed,
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


def _yaml(data: bytes, path: Path) -> dict:
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(data, Loader=loader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: cannot read: {str(exc).splitlines()[0]}") from None
    return doc if isinstance(doc, dict) else {}


def _scenario_path(spec: dict, directory: Path) -> Path | None:
    """The base scenario of the experiment, resolved as given, then beside DIR."""
    value = spec.get("scenario")
    if isinstance(value, str) and value:
        return existing_file(Path(value), directory, directory.parent)
    return None


def existing_file(path: Path, *bases: Path) -> Path | None:
    """``path`` if it is a file, else the first ``base / path`` that is one; or None."""
    for p in (path, *(b / path for b in bases)):
        if p.is_file():
            return p
    return None


def read_spaces(results: Results) -> dict | None:
    """``spaces.json``: scenario key -> {issue: [option ids]}, plus the base key; or None."""
    from sim.experiment import dataset
    from sim.experiment.layout import SPACES

    manifest = dataset.read_manifest(results.path)
    if SPACES not in manifest.files:
        return None
    try:
        doc = json.loads(dataset.read_side(results.path, SPACES, manifest))
    except ValueError as exc:
        raise UserError(f"{results.path / SPACES}: cannot read: {exc}") from None
    if not isinstance(doc, dict):
        return None
    scenarios = doc.get("scenarios")
    if not isinstance(scenarios, dict) or "base" not in doc:
        return None
    return {"base": doc["base"], "scenarios": {
        k: {i: list(o) for i, o in (v.get("issues") or {}).items()} for k, v in scenarios.items()
    }}


def point_params(results: Results, point_id: int) -> dict[str, object]:
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


def shown_path(path: str | Path) -> str:
    """``path`` relative to the working directory when it lies inside it, else as given."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return p.as_posix()
