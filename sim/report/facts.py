"""Everything a report or a summary needs from the runs, computed once.

Core objects:
    Facts: the point table, packages, sensitivity, discovery rules and parameter ranking
        for one target; `compute_facts` computes them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from sim.report.data import Results, Target, flag
from sim.report.discovery import Discovery, discover
from sim.report.labels import UTIL
from sim.report.prim import PrimResult, prim
from sim.report.samples import sample_points, uncertainty_columns, unit_coordinates
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
        prim: the PRIM box for the target (`sim.report.prim`), or None when the
            ``discovery`` extra is absent or PRIM found no box.
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
    prim: PrimResult | None = None

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
    sens = _sensitivity(points, results, tuple(outputs))
    key = "target" if "target" in outputs else "agreement"
    ranking, ranked_by = sens.ranking(key), sens.method
    if ranking.empty and varied and points[key].nunique() > 1:
        ranking, ranked_by = param_ranking(points, varied, key), "variance of means"
    runs = results.runs
    found = discover(runs[list(varied)], target.values(runs))
    packages = package_table(results)
    packages["feasible_share"] = feasible_share(results, packages)
    boxed = prim(runs[list(varied)], target.values(runs)) if varied else None
    return Facts(results, target, points, packages, outputs, sens, found, ranking, ranked_by,
                 boxed)


def _sensitivity(points: pd.DataFrame, results: Results, outputs: tuple[str, ...]
                 ) -> Sensitivity:
    """Indices over the design points, or (levers x uncertainties) over the samples."""
    samples = sample_points(points, results, outputs)
    if samples is None:
        params = results.params
        unit = unit_coordinates(results, len(params))
        return analyse(points, params, outputs, results.spec, unit=unit)
    unc = uncertainty_columns(results)
    sens = analyse(samples, unc, outputs, results.spec,
                   unit=unit_coordinates(results, len(unc)))
    scope = (f"Computed over the {len(samples)} samples of the uncertainties (the levers "
             "are crossed with each sample; each output is averaged over every policy and "
             "replicate at a sample).")
    return replace(sens, scope=scope)
