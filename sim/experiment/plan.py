"""From an experiment file to a checked plan: scenarios, axes, design, hash, point validation.

Core objects:
    ExperimentError: bad experiment input, one readable line per problem (exit code 2).
    Plan: everything needed to run an experiment: the experiment, the complete scenario dict
        of the base scenario (and of each variant when ``scenario`` is itself a parameter),
        the axes with their concrete paths, the design, the union of issues and actors
        (results columns) and the experiment hash.
    load_plan: read, validate and resolve an experiment file.
    validate_points: build and validate the scenario of every design point before anything
        runs, reporting each failing point with its parameter values.

Scenario dicts are the validated scenario dumped with its defaults (so every field is
addressable) without ``source_text``: parameters never touch provenance, so quotes are
checked once per scenario file, not once per point.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.errors import UserError
from sim.experiment import paths
from sim.experiment.design import Axis, Design, axis_levels, build_design, count_points
from sim.experiment.point import SCENARIO_AXIS, Job, complete_scenario
from sim.experiment.schema import Experiment
from sim.scenario.limits import limit, too_big
from sim.scenario.loader import ScenarioError, format_loc, read_yaml_file

HASH_FORMAT = "negsim-experiment/1"
MAX_POINT_ERRORS = 10


class ExperimentError(UserError):
    """Invalid experiment input; ``lines`` holds one readable message per problem."""


@dataclass
class Plan:
    """A checked experiment, ready to run.

    Attributes:
        experiment: the validated experiment file.
        file: the experiment file.
        scenarios: scenario key (the base ``scenario`` entry, or a value of the
            ``scenario`` parameter, as written) -> complete scenario dict.
        base: the key of the base scenario.
        axes: the swept parameters.
        concrete: per axis, scenario key -> the concrete path of its leaf (empty for the
            ``scenario`` axis).
        design: the design points.
        issues: every issue of every scenario, in first-seen order (``pkg.*``, ``spe.*``).
        actors: every actor of every scenario, in first-seen order (``u.*``).
        experiment_hash: sha256 over the experiment and the scenarios it runs.
    """

    experiment: Experiment
    file: Path
    scenarios: dict[str, dict]
    base: str
    axes: list[Axis]
    concrete: list[dict[str, tuple]]
    design: Design
    issues: tuple[str, ...]
    actors: tuple[str, ...]
    experiment_hash: str

    @property
    def n_points(self) -> int:
        """Number of design points."""
        return self.design.n_points

    @property
    def n_runs(self) -> int:
        """Number of runs (points times replicates)."""
        return self.design.n_points * self.experiment.replicates

    def job(self) -> Job:
        """The picklable part of the plan that every worker task carries."""
        return Job(
            key=self.experiment_hash,
            scenarios=self.scenarios,
            base=self.base,
            axes=tuple((ax.path, conc) for ax, conc in zip(self.axes, self.concrete, strict=True)),
            rounds=self.experiment.rounds,
            issues=self.issues,
            actors=self.actors,
        )

    def scenario_dict(self, values: list[Any]) -> dict:
        """The complete scenario dict at a point whose axis values are ``values``."""
        return self.job().scenario_dict(values)


def _schema_lines(exc: ValidationError, file: str) -> list[str]:
    lines = []
    for e in exc.errors(include_url=False):
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] == "missing":
            msg = "required field is missing"
        msg = re.sub(r"^Value error, ", "", msg)
        lines.append(f"{file}: {format_loc(tuple(e['loc']))}: {msg}")
    return list(dict.fromkeys(lines))


def read_experiment(path: Path) -> Experiment:
    """Read and validate an experiment file (schema only)."""
    try:
        data = read_yaml_file(path)
    except ScenarioError as exc:
        raise ExperimentError(exc.lines) from None
    if not isinstance(data, dict):
        got = "nothing" if data is None else type(data).__name__
        raise ExperimentError(f"{path}: top level: expected a mapping of fields, got {got}")
    try:
        return Experiment.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(_schema_lines(exc, str(path))) from None


def _complete_scenario(path: Path, file: str, where: str) -> dict:
    if not path.is_file():
        raise ExperimentError(f"{file}: {where}: scenario file not found: {path}")
    return complete_scenario(path)


def load_plan(path: str | Path) -> Plan:
    """Read an experiment file and resolve everything but the per-point validation.

    Raises:
        ExperimentError: schema errors, unknown paths (with the nearest valid ones), wrong
            types, empty ranges, a design that cannot be built.
        ScenarioError: an invalid base or variant scenario file.
    """
    path = Path(path)
    file = str(path)
    exp = read_experiment(path)
    here = path.parent
    scenarios = {exp.scenario: _complete_scenario(here / exp.scenario, file, "scenario")}
    fields = exp.field_names
    for name, p in zip(fields, exp.all_parameters, strict=True):
        if p.path != SCENARIO_AXIS:
            continue
        names = [v for v in p.values or [] if isinstance(v, str)]
        if p.values is None or len(names) != len(p.values):
            raise ExperimentError(
                f"{file}: {name}: 'scenario' takes a list of scenario file names"
            )
        for j, v in enumerate(names):
            if v not in scenarios:
                scenarios[v] = _complete_scenario(here / v, file, f"{name}.values[{j}]")
    axes = [Axis.from_parameter(p) for p in exp.all_parameters]
    _check_size(exp, axes, fields, file)
    concrete = [_resolve_axis(fields[i], ax, scenarios, file) for i, ax in enumerate(axes)]
    try:
        design = build_design(exp, axes)
    except ValueError as exc:
        index, msg = exc.args
        where = f"{fields[index]}.range" if index is not None else "design"
        raise ExperimentError(f"{file}: {where}: {msg}") from None
    issues: dict[str, None] = {}
    actors: dict[str, None] = {}
    for data in scenarios.values():
        issues.update(dict.fromkeys(data["issues"]))
        actors.update(dict.fromkeys(data["actors"]))
    return Plan(
        experiment=exp,
        file=path,
        scenarios=scenarios,
        base=exp.scenario,
        axes=axes,
        concrete=concrete,
        design=design,
        issues=tuple(issues),
        actors=tuple(actors),
        experiment_hash=experiment_hash(exp, scenarios),
    )


def _check_size(exp: Experiment, axes: list[Axis], fields: list[str], file: str) -> None:
    """Refuse a design over the ``points`` or ``runs`` limit before it is built."""
    points, biggest = count_points(exp, axes)
    where = "design.samples" if exp.design.kind != "grid" else "design"
    if points > limit("points"):
        detail = "" if biggest is None else f" ({fields[biggest]} alone has " \
            f"{axis_levels(axes[biggest]):,} levels)"
        raise ExperimentError(f"{file}: {where}: " + too_big(
            "the number of design points", points, "points") + detail)
    runs = points * exp.replicates
    if runs > limit("runs"):
        raise ExperimentError(f"{file}: replicates: " + too_big(
            f"the number of runs ({points:,} points x {exp.replicates:,} replicates)", runs,
            "runs"))


def _resolve_axis(name: str, ax: Axis, scenarios: dict[str, dict], file: str
                  ) -> dict[str, tuple]:
    if ax.path == SCENARIO_AXIS:
        return {}
    where = f"{file}: {name}"
    try:
        tokens = paths.parse_path(ax.path)
    except paths.PathProblem as exc:
        raise ExperimentError(f"{where}.path: {exc}") from None
    out: dict[str, tuple] = {}
    for key, data in scenarios.items():
        in_file = "" if len(scenarios) == 1 else f" (in scenario {key})"
        try:
            conc = paths.resolve(data, tokens)
        except paths.PathProblem as exc:
            if str(exc) != "unknown":
                raise ExperimentError(f"{where}.path: {exc}{in_file}") from None
            near = ", ".join(paths.nearest(ax.path, paths.valid_paths(data)))
            raise ExperimentError(
                f"{where}.path: unknown path '{ax.path}'{in_file}; nearest: {near}"
            ) from None
        _check_axis_type(where, ax, paths.LeafKind.of(paths.get_value(data, conc)))
        out[key] = conc
    return out


def _check_axis_type(where: str, ax: Axis, kind: paths.LeafKind) -> None:
    if ax.values is not None:
        for j, v in enumerate(ax.values):
            if not paths.check_type(kind, v):
                raise ExperimentError(
                    f"{where}.values[{j}]: wrong type: {json.dumps(v)} for {ax.path}, "
                    f"which takes {kind.describe()}"
                )
        return
    if not kind.numeric:
        raise ExperimentError(
            f"{where}.range: {ax.path} takes {kind.describe()}, not a number; "
            f"list its levels under 'values' instead"
        )
    if kind.name == "integer" and not ax.integer:
        raise ExperimentError(
            f"{where}.range: {ax.path} takes a whole number; mark the range 'integer: true'"
        )


def experiment_hash(exp: Experiment, scenarios: dict[str, dict]) -> str:
    """sha256 over the experiment and the complete dicts of the scenarios it runs.

    Paths on disk are not part of it (the same experiment run from another checkout has
    the same hash), nor is display text that cannot change a result (``question``,
    ``description``, parameter ``label``); execution options (workers, chunk size,
    scheduler) are not in the file at all.
    """
    doc = {
        "format": HASH_FORMAT,
        "experiment": exp.model_dump(
            mode="json",
            exclude={"question": True, "description": True, "claim": {"text"},
                     "parameters": {"__all__": {"label"}}, "levers": {"__all__": {"label"}},
                     "uncertainties": {"__all__": {"label"}}},
        ),
        "scenarios": scenarios,
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def point_label(plan: Plan, point_id: int, values: list[Any]) -> str:
    """``point 3 (actors.russia.patience=0.9, protocol.kind=summit)``."""
    inner = ", ".join(
        f"{ax.path}={json.dumps(v) if not isinstance(v, str) else v}"
        for ax, v in zip(plan.axes, values, strict=True)
    )
    return f"point {point_id}" + (f" ({inner})" if inner else "")


def validate_points(plan: Plan, batch: int = 4096) -> None:
    """Build and validate the scenario of every design point.

    Raises:
        ExperimentError: one line per scenario error, prefixed with the experiment file and
            the point (at most `MAX_POINT_ERRORS` points are reported, then a count).
    """
    lines: list[str] = []
    failing = 0
    job = plan.job()
    for start in range(0, plan.n_points, batch):
        ids = np.arange(start, min(start + batch, plan.n_points))
        cols = plan.design.columns(ids)
        for k, pid in enumerate(ids):
            values = [c[k] for c in cols]
            where = f"{plan.file}: {point_label(plan, int(pid), values)}"
            try:
                job.scenario(int(pid), values, where)
            except ScenarioError as exc:
                failing += 1
                if failing <= MAX_POINT_ERRORS:
                    lines.extend(exc.lines)
    if failing > MAX_POINT_ERRORS:
        lines.append(
            f"{plan.file}: ... and {failing - MAX_POINT_ERRORS} more design points fail "
            f"({failing} of {plan.n_points})"
        )
    if lines:
        raise ExperimentError(lines)
