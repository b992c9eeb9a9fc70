"""Everything a report or a summary needs from the runs, computed once.

Core objects:
    Facts: the point table, packages, sensitivity, discovery rules and parameter ranking
        for one target; `compute_facts` computes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.report.data import Results, Target, flag
from sim.report.discovery import Discovery, discover
from sim.report.labels import UTIL
from sim.report.sensitivity import Sensitivity, analyse
from sim.report.tables import feasible_share, package_table, param_ranking, point_outcomes


@dataclass(frozen=True)
class Facts:
    """Everything a report or a summary needs from the runs.

    Attributes:
        results: the loaded results directory.
        target: the outcome the report explains.
        points: `sim.report.tables.point_outcomes` (one row per design point).
        packages: `sim.report.tables.package_table` with a ``feasible_share`` column.
        outputs: sensitivity outputs (point columns) -> readable name.
        sensitivity: indices of the outputs.
        discovery: rules for the target.
        ranking: swept parameters ranked for the target, most influential first.
        ranked_by: the sensitivity method behind ``ranking``, or ``variance of means`` when
            the sensitivity analysis gave no index for the target.
    """

    results: Results
    target: Target
    points: pd.DataFrame
    packages: pd.DataFrame
    outputs: dict[str, str]
    sensitivity: Sensitivity
    discovery: Discovery
    ranking: pd.Series
    ranked_by: str

    def rate(self, column: str) -> float:
        """The share of all runs where the boolean ``column`` is true."""
        return float(flag(self.results.runs, column).mean())

    @property
    def target_rate(self) -> float:
        """The share of all runs where the target occurs."""
        return float(self.target.values(self.results.runs).mean())


def compute_facts(results: Results, target: Target) -> Facts:
    """Compute the point table, packages, sensitivity, discovery and parameter ranking."""
    points = point_outcomes(results, target)
    outputs = {"agreement": "agreement rate"}
    if target.kind != "agreement":
        outputs["target"] = f"{target.describe(results.labels)} rate"
    for a in results.actors:
        outputs[UTIL + a] = f"u({results.labels.actor(a)})"
    varied = results.varied_params
    sens = analyse(points, results.params, tuple(outputs), results.spec)
    key = "target" if "target" in outputs else "agreement"
    ranking, ranked_by = sens.ranking(key), sens.method
    if ranking.empty and varied and points[key].nunique() > 1:
        ranking, ranked_by = param_ranking(points, varied, key), "variance of means"
    runs = results.runs
    found = discover(runs[list(varied)], target.values(runs))
    packages = package_table(results)
    packages["feasible_share"] = feasible_share(results, packages)
    return Facts(results, target, points, packages, outputs, sens, found, ranking, ranked_by)
