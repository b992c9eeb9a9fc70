"""The plan-size check counts exactly the points the design then builds (issue 17 x 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiment.design import Axis, count_points
from sim.experiment.plan import load_plan

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "experiments").glob("*.yaml")))
def test_counted_points_equal_built_points(name: str) -> None:
    plan = load_plan(ROOT / "experiments" / name)
    exp = plan.experiment
    axes = [Axis.from_parameter(p) for p in exp.all_parameters]
    counted, _ = count_points(exp, axes)
    assert counted == plan.n_points
