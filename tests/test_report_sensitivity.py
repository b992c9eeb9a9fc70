"""Sensitivity indices rank a planted dominant parameter first, whatever the design."""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.report.sensitivity import analyse

PARAMS = ("param.a", "param.b", "param.c")
PROBLEM = {"num_vars": 3, "names": list(PARAMS), "bounds": [[0.0, 1.0]] * 3}


def _frame(X: np.ndarray, dominant: int) -> pd.DataFrame:
    points = pd.DataFrame(X, columns=list(PARAMS))
    points.insert(0, "point_id", range(len(points)))
    others = [k for k in range(3) if k != dominant]
    points["target"] = (1 / (1 + np.exp(-12 * (X[:, dominant] - 0.5)))
                        + 0.1 * X[:, others[0]] + 0.02 * X[:, others[1]])
    points["u.x"] = 0.3 * X[:, others[0]]
    return points


def test_sobol_on_a_saltelli_sample():
    X = sobol_sample.sample(PROBLEM, 128, seed=1)
    s = analyse(_frame(X, 1), PARAMS, ("target", "u.x"), {"design": {"kind": "sobol"}})
    assert s.method == "sobol" and s.index == "ST"
    assert s.ranking("target").index[0] == "param.b"
    assert s.ranking("u.x").index[0] == "param.a"
    assert s.extra["S1"]["target"].idxmax() == "param.b"


def test_sobol_sequence_without_blocks_falls_back_to_pawn():
    from scipy.stats import qmc

    X = qmc.Sobol(3, scramble=True, rng=np.random.default_rng(2)).random_base2(7)
    s = analyse(_frame(X, 2), PARAMS, ("target",), {"design": {"kind": "sobol"}})
    assert s.method == "pawn" and "Saltelli" in s.reason
    assert s.ranking("target").index[0] == "param.c"


def test_morris_trajectories():
    X = morris_sample.sample(PROBLEM, 30, num_levels=4, seed=3)
    s = analyse(_frame(X, 0), PARAMS, ("target",), {"design": {"kind": "morris"}})
    assert s.method == "morris"
    assert s.ranking("target").index[0] == "param.a"


def test_grid_uses_variance_share_and_says_so():
    levels = np.linspace(0, 1, 5)
    X = np.array([(a, b, c) for a in levels for b in levels for c in (0.0, 1.0)])
    s = analyse(_frame(X, 1), PARAMS, ("target",), {"design": {"kind": "grid"}})
    assert s.method == "variance" and "PAWN needs" in s.reason
    assert s.ranking("target").index[0] == "param.b"
    assert s.table["target"].sum() <= 1.0 + 1e-9


def test_categorical_parameter_ranked_on_grid():
    rows = [(a, c) for a in np.linspace(0, 1, 4) for c in ("x", "y", "z")]
    points = pd.DataFrame(rows, columns=["param.a", "param.c"])
    points.insert(0, "point_id", range(len(points)))
    points["target"] = np.where(points["param.c"] == "x", 0.9, 0.1) + 0.01 * points["param.a"]
    s = analyse(points, ("param.a", "param.c"), ("target",), {})
    assert s.method == "variance" and s.ranking("target").index[0] == "param.c"


def test_no_design_support():
    points = pd.DataFrame({"point_id": [0, 1, 2, 3], "param.a": 0.5, "target": [0, 1, 0, 1.0]})
    s = analyse(points, ("param.a",), ("target",), {})
    assert not s.supported and "no parameter varies" in s.reason


def test_constant_output_is_noted():
    X = np.random.default_rng(4).random((40, 3))
    points = _frame(X, 0)
    points["u.x"] = 0.5
    s = analyse(points, PARAMS, ("target", "u.x"), {"design": {"kind": "lhs"}})
    assert s.method == "pawn"
    assert s.table["u.x"].isna().all()
    assert [out for out, _ in s.notes] == ["u.x"]


def test_pawn_slice_counts_salib_cannot_build_are_avoided():
    X = np.random.default_rng(6).random((64, 3))  # 64 points: 6 slices wanted
    s = analyse(_frame(X, 2), PARAMS, ("target",), {"design": {"kind": "lhs"}})
    assert s.method == "pawn" and "(5 conditioning slices)" in s.reason
    assert s.ranking("target").index[0] == "param.c"
