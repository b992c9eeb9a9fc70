"""Scenario discovery recovers rules planted in synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_report_data import write_results

from sim.report import data as D
from sim.report.discovery import Condition, discover


def _name(col: str) -> str:
    return col


def test_recovers_planted_box_with_category():
    rng = np.random.default_rng(3)
    n = 800
    params = pd.DataFrame({
        "x": rng.random(n),
        "z": rng.random(n),
        "cat": pd.array(rng.choice(["a", "b", "c"], n), dtype="string"),
    })
    y = (params["x"] < 0.3) & (params["cat"] == "a")
    found = discover(params, y)
    top = found.top
    assert top is not None and top.density == 1.0 and top.coverage == 1.0
    by = {c.param: c for c in top.conditions}
    assert set(by) == {"x", "cat"}
    assert by["cat"].allowed == ("a",)
    assert by["x"].low is None and by["x"].high == pytest.approx(0.3, abs=0.01)
    assert top.text(_name, "agreement").startswith(
        f"x < {by['x'].high:g} and cat = a: agreement 100%, covering 100%")
    # the box selects exactly the runs of its leaf
    assert top.mask(params).sum() == top.runs == int(y.sum())


def test_thresholds_separate_the_same_runs():
    rng = np.random.default_rng(5)
    x = rng.random(400)
    params = pd.DataFrame({"x": x})
    found = discover(params, x >= 0.62)
    cond = found.top.conditions[0]
    assert cond.high is None
    assert ((x >= cond.low) == (x >= 0.62)).all()
    assert len(f"{cond.low:g}") <= 4  # the shortest decimal between the two runs


def test_grid_levels_read_as_observed_values_and_exclusions():
    levels = [0.1, 0.2, 0.3, 0.4, 0.5]
    params = pd.DataFrame(
        [(v, c) for v in levels for c in ("p", "q", "r") for _ in range(6)], columns=["v", "c"]
    )
    y = (params["v"] <= 0.2) & (params["c"] != "q")
    top = discover(params, y).top
    by = {c.param: c for c in top.conditions}
    assert by["v"] == Condition("v", high=0.2, high_strict=False)
    assert by["c"].allowed == ("p", "r") and by["c"].text(_name) == "c ≠ q"
    assert top.density == 1.0 and top.coverage == 1.0


def test_nothing_to_find():
    params = pd.DataFrame({"x": np.linspace(0, 1, 50)})
    assert discover(params, np.zeros(50, bool)).message == "the outcome never occurs"
    assert discover(params[[]], np.arange(50) % 2 == 0).message == (
        "no parameter varies across the runs")


def test_synthetic_sweep_rule(tmp_path):
    r = D.load_results(write_results(tmp_path / "res", replicates=20))
    found = discover(r.runs[list(r.params)], D.agreed(r.runs))
    by = {c.param: c for c in found.top.conditions}
    assert by["param.protocol.sequencing"].allowed == ("package",)
    assert by["param.actors.russia.patience"].high == pytest.approx(0.94)
    assert found.top.density > 0.75
