"""Levers x uncertainties in the report: the uncertainty sample as its own design.

An experiment with ``levers`` crosses every policy (lever combination) with the same
sample of the uncertainties, so the sample is a design of its own (Latin hypercube,
Saltelli, Morris...). Sensitivity indices of the uncertainties are computed over it, one
output value per sample: the mean over every policy and replicate at that sample.

Core objects:
    sample_points: one row per uncertainty sample (sample_id order) with the uncertainty
        columns and the mean outcomes, or None for an experiment without levers.
    unit_coordinates: the design's unit coordinates, rebuilt from the resolved experiment
        (the same seeded sampler the sweep used), or None for grids and old files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.report.data import Results
from sim.report.labels import PARAM


def _paths(spec: dict, key: str) -> list[str]:
    return [PARAM + str(p.get("path")) for p in spec.get(key) or [] if isinstance(p, dict)]


def uncertainty_columns(results: Results) -> tuple[str, ...]:
    """The ``param.*`` columns of the uncertainties (empty without levers)."""
    return tuple(c for c in _paths(results.spec, "uncertainties") if c in results.params)


def lever_columns(results: Results) -> tuple[str, ...]:
    """The ``param.*`` columns of the levers."""
    return tuple(c for c in _paths(results.spec, "levers") if c in results.params)


def sample_points(points: pd.DataFrame, results: Results, outputs: tuple[str, ...]
                  ) -> pd.DataFrame | None:
    """Per uncertainty sample, its values and the outcomes averaged over the policies.

    Args:
        points: `sim.report.tables.point_outcomes` (one row per design point).
        results: the loaded results (its runs carry ``sample_id``).
        outputs: the output columns of ``points`` to average.
    """
    unc = uncertainty_columns(results)
    if not lever_columns(results) or not unc or "sample_id" not in results.runs:
        return None
    ids = results.runs.groupby("point_id")["sample_id"].first()
    frame = points.assign(sample_id=points["point_id"].map(ids).to_numpy())
    agg = {c: (c, "first") for c in unc}
    agg.update({c: (c, "mean") for c in outputs if c in frame})
    return frame.groupby("sample_id", sort=True).agg(**agg).reset_index()


def unit_coordinates(results: Results, n_axes: int) -> np.ndarray | None:
    """The unit coordinates of the sampled axes, as the sweep drew them (None for grids)."""
    from pydantic import ValidationError

    from sim.experiment.design import unit_sample
    from sim.experiment.schema import Experiment

    spec = results.spec
    fields = {k: spec[k] for k in Experiment.model_fields if k in spec}
    try:
        exp = Experiment.model_validate(fields)
    except ValidationError:
        return None
    if exp.design.kind == "grid" or not n_axes:
        return None
    return unit_sample(exp, n_axes)
