"""The scenario at a design point: the one place a point's parameter values are applied.

Core objects:
    complete_scenario: a scenario file as a complete scenario dict (validated, with its
        defaults, without ``source_text``), the form parameter paths address.
    point_dict / scenario_for_point: the complete dict and the validated scenario at a
        design point, for the sweep's workers, the plan's point validation and the report.
    Job: the small, picklable part of a plan every worker task carries: the complete
        scenario dicts, the axes' concrete paths, the rounds override, the results columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import UserError
from sim.experiment import paths
from sim.scenario.loader import load_raw, validate_data
from sim.scenario.schema import Scenario

SCENARIO_AXIS = "scenario"


def complete_scenario(path: Path) -> dict:
    """A scenario file as a complete scenario dict (validated, defaults filled in).

    Without ``source_text``: parameters never touch provenance.

    Raises:
        ScenarioError: an invalid scenario file.
    """
    raw = load_raw(path)
    scenario = validate_data(raw, str(path))
    data = scenario.model_dump(by_alias=True)
    data.pop("source_text", None)
    return data


def point_dict(
    scenarios: Mapping[str, dict],
    base: str,
    params: Mapping[str, Any],
    concrete: Mapping[str, Mapping[str, tuple]] | None = None,
) -> dict:
    """The complete scenario dict at a design point.

    Args:
        scenarios: scenario key -> complete scenario dict.
        base: the key used unless ``params`` has a ``scenario`` value.
        params: parameter path -> value, applied in this order; a ``scenario`` value picks
            the scenario dict.
        concrete: path -> scenario key -> the concrete path of its leaf, as the plan
            resolved them; None to resolve each path now, on the dict as set so far.

    Raises:
        UserError: (only when resolving now) a path that does not apply to the scenario.
    """
    key = base
    for path, value in params.items():
        if path == SCENARIO_AXIS:
            key = value
    data = scenarios[key]
    for path, value in params.items():
        if path == SCENARIO_AXIS:
            continue
        if concrete is not None:
            leaf = concrete[path][key]
        else:
            try:
                leaf = paths.resolve(data, paths.parse_path(path))
            except paths.PathProblem as exc:
                raise UserError(f"{key}: parameter '{path}' does not apply: {exc}") from None
        data = paths.set_value(data, leaf, value)
    return data


def scenario_for_point(
    scenarios: Mapping[str, dict],
    base: str,
    params: Mapping[str, Any],
    point_id: int,
    concrete: Mapping[str, Mapping[str, tuple]] | None = None,
    where: str | None = None,
) -> tuple[Scenario, dict]:
    """The validated scenario at a design point, and its complete dict (see `point_dict`).

    Args:
        scenarios: scenario key -> complete scenario dict.
        base: the key used unless ``params`` has a ``scenario`` value.
        params: parameter path -> value.
        point_id: the design point (names it in error messages).
        concrete: the concrete paths resolved by the plan, or None to resolve them now.
        where: the error-message prefix instead of ``point <point_id>``.

    Raises:
        ScenarioError: the scenario at the point is invalid.
        UserError: (only when resolving now) a path that does not apply to the scenario.
    """
    data = point_dict(scenarios, base, params, concrete)
    return validate_data(data, where or f"point {point_id}"), data


@dataclass(frozen=True)
class Job:
    """What every task needs besides its own points or runs.

    Attributes:
        key: the experiment hash (caches are dropped when it changes).
        scenarios: scenario key -> complete scenario dict.
        base: the key of the base scenario.
        axes: per axis, (path, scenario key -> concrete path).
        rounds: the rounds override, or None.
        issues: the ``pkg.*`` issues, in column order.
        actors: the ``u.*`` actors, in column order.
    """

    key: str
    scenarios: dict[str, dict]
    base: str
    axes: tuple[tuple[str, dict[str, tuple]], ...]
    rounds: int | None
    issues: tuple[str, ...]
    actors: tuple[str, ...]

    def params(self, values: list[Any]) -> dict[str, Any]:
        """Axis path -> value at a point with these axis values."""
        return {path: v for (path, _), v in zip(self.axes, values, strict=True)}

    def scenario_dict(self, values: list[Any]) -> dict:
        """The complete scenario dict at a point with these axis values."""
        return point_dict(self.scenarios, self.base, self.params(values), dict(self.axes))

    def scenario(self, point_id: int, values: list[Any], where: str | None = None
                 ) -> tuple[Scenario, dict]:
        """The validated scenario at a point and its complete dict (`scenario_for_point`)."""
        return scenario_for_point(self.scenarios, self.base, self.params(values), point_id,
                                  dict(self.axes), where)
