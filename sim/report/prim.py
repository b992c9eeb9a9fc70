"""Scenario discovery with real PRIM (EMA Workbench), when the ``discovery`` extra is installed.

PRIM (Friedman and Fisher 1999, "Bump hunting in high-dimensional data", *Statistics and
Computing* 9, 123-143) peels a box off the parameter space a little at a time, keeping
the runs where the outcome is most frequent. Each peel is one point of the *peeling
trajectory*: its coverage (the share of all runs with the outcome inside the box) falls
as its density (the share of runs inside the box with the outcome) rises. EMA Workbench
(Kwakkel 2017, *Environmental Modelling & Software* 96, 239-250; BSD licence) also
gives, for each restriction of a box, a *quasi-p-value*: the binomial probability of a
density at least as high when that restriction is dropped (Bryant and Lempert 2010); a
restriction with a large quasi-p-value (say above 0.05) is not supported by the data.

The box reported is the point of the trajectory with the best harmonic mean of density
and coverage (the same choice as the decision tree's top rule), and its lift is its
density over the base rate.

Core objects:
    available: whether ``ema_workbench`` can be imported (``pip install negsim[discovery]``).
    PrimResult: the trajectory, the chosen box (as `sim.report.discovery.Condition` s),
        its density, coverage, lift and the quasi-p-value of each restriction.
    prim: run PRIM on one row per run (or per sample) and a boolean outcome; None when the
        extra is absent or PRIM finds no box.

EMA Workbench is imported lazily, here only: the report layer is the one place it is used.
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.report.discovery import Condition

PEEL_ALPHA = 0.05
MASS_MIN = 0.05


def available() -> bool:
    """Whether EMA Workbench is installed (the ``discovery`` extra)."""
    return importlib.util.find_spec("ema_workbench") is not None


def method_name() -> str:
    """``PRIM (EMA Workbench <version>)``."""
    from importlib.metadata import version

    return f"PRIM (EMA Workbench {version('ema_workbench')})"


@dataclass(frozen=True)
class PrimResult:
    """A PRIM box and the trajectory it was chosen from.

    Attributes:
        method: the library and version that produced the box.
        trajectory: one row per peel: ``coverage``, ``density``, ``mass``, ``res_dim``.
        chosen: the row of ``trajectory`` reported.
        conditions: the box's restrictions.
        qp: per restricted parameter, the largest quasi-p-value of its restriction(s).
        density, coverage, mass: of the chosen box.
        base_rate: the outcome's share of all rows.
        rows, hits: rows inside the box, and those with the outcome.
    """

    method: str
    trajectory: pd.DataFrame
    chosen: int
    conditions: tuple[Condition, ...]
    qp: dict[str, float]
    density: float
    coverage: float
    mass: float
    base_rate: float
    rows: int
    hits: int

    @property
    def lift(self) -> float:
        """Density over the base rate."""
        return self.density / self.base_rate if self.base_rate else float("nan")


def prim(params: pd.DataFrame, target: pd.Series | np.ndarray,
         peel_alpha: float = PEEL_ALPHA, mass_min: float = MASS_MIN) -> PrimResult | None:
    """Run EMA Workbench's PRIM for ``target`` on ``params`` (one row per run or sample).

    Returns:
        The box, or None when the extra is absent, nothing varies, the outcome never or
        always occurs, or PRIM finds no box.
    """
    if not available():
        return None
    y = np.asarray(target, dtype=bool)
    varied = [c for c in params.columns if params[c].nunique(dropna=True) > 1]
    if not varied or y.all() or not y.any():
        return None
    x = pd.DataFrame(index=range(len(y)))
    for c in varied:
        col = params[c].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(col):
            x[c] = col.astype(float).to_numpy()
        else:
            x[c] = pd.Categorical(col.astype(str).to_numpy())
    base = float(y.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim as ema_prim

        finder = ema_prim.Prim(x, y, threshold=base, peel_alpha=peel_alpha,
                               mass_min=mass_min)
        box = finder.find_box()
    if box is None:
        return None
    traj = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(
        drop=True)
    cov, den = traj["coverage"].to_numpy(), traj["density"].to_numpy()
    f1 = np.where(cov + den > 0, 2 * cov * den / np.maximum(cov + den, 1e-12), 0.0)
    chosen = int(np.argmax(f1))
    conditions, qp = _conditions(box.box_lims[0], box.box_lims[chosen], box.qp[chosen])
    inside = np.ones(len(y), dtype=bool)
    for cond in conditions:
        inside &= _inside(x[cond.param], cond)
    return PrimResult(
        method=method_name(),
        trajectory=traj,
        chosen=chosen,
        conditions=tuple(conditions),
        qp=qp,
        density=float(den[chosen]),
        coverage=float(cov[chosen]),
        mass=float(traj["mass"].iloc[chosen]),
        base_rate=base,
        rows=int(inside.sum()),
        hits=int((inside & y).sum()),
    )


def _conditions(initial: pd.DataFrame, lims: pd.DataFrame, qp: dict[str, list[float]]
                ) -> tuple[list[Condition], dict[str, float]]:
    """The restrictions of a box (columns of ``lims`` that differ from ``initial``)."""
    out: list[Condition] = []
    qps: dict[str, float] = {}
    for col in lims.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        start_lo, start_hi = initial[col].iloc[0], initial[col].iloc[1]
        if isinstance(lo, set):
            if lo == start_lo:
                continue
            allowed = tuple(sorted(str(v) for v in lo))
            excluded = tuple(sorted(str(v) for v in set(start_lo) - set(lo)))
            out.append(Condition(col, allowed=allowed, excluded=excluded))
        else:
            low = float(lo) if float(lo) > float(start_lo) else None
            high = float(hi) if float(hi) < float(start_hi) else None
            if low is None and high is None:
                continue
            out.append(Condition(col, low=low, high=high, high_strict=False))
        values = [v for v in qp.get(col, []) if v is not None and v >= 0]
        qps[col] = float(max(values)) if values else float("nan")
    return out, qps


def _inside(col: pd.Series, cond: Condition) -> np.ndarray:
    if cond.allowed is not None:
        return col.astype(str).isin(cond.allowed).to_numpy(dtype=bool)
    x = col.astype(float).to_numpy()
    ok = np.ones(len(x), dtype=bool)
    if cond.low is not None:
        ok &= x >= cond.low
    if cond.high is not None:
        ok &= x <= cond.high
    return ok
