"""Sensitivity of the outcome rates and the actors' utilities to the swept parameters.

The method follows the experiment's design (one output value per design point, the mean
over its replicates):

    sobol     SALib ``sobol.analyze`` (first-order S1 and total ST) when the design is a
              Saltelli/Sobol sample whose rows have the A, AB_i, (BA_i,) B block structure;
    morris    SALib ``morris.analyze`` (mu*) when the design is a set of Morris trajectories
              (consecutive points differ in exactly one parameter);
    pawn      SALib ``pawn.analyze`` (median Kolmogorov-Smirnov distance over conditioning
              slices) for any other sample whose numeric parameters take many values
              (random, Latin hypercube...);
    variance  otherwise (grids, categorical parameters): the share of the output's variance
              across design points explained by each parameter's level means (the
              first-order variance share of the design). This is a ranking, not a SALib
              index, and the report says so.

Core objects:
    Sensitivity: the method used, why, and the index table (parameters by outputs);
    `analyse` picks the method and computes it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.report.tables import param_ranking

MANY_VALUES = 12
MIN_POINTS = 20

METHOD_TEXT = {
    "sobol": "Sobol' indices (SALib sobol.analyze on the Saltelli sample): total-order ST "
    "and first-order S1, ± the half-width of their 95% bootstrap intervals",
    "morris": "Morris elementary effects (SALib morris.analyze): mu* ± the half-width of "
    "its 95% bootstrap interval, and sigma",
    "pawn": "PAWN (SALib pawn.analyze on the design points): median KS distance",
    "variance": "first-order variance share of the design's level means "
    "(a ranking, not a SALib index)",
}


@dataclass(frozen=True)
class Sensitivity:
    """Sensitivity indices for several outputs.

    Attributes:
        method: ``sobol``, ``morris``, ``pawn``, ``variance`` or ``none``.
        reason: why this method (and not a stronger one) was used.
        index: the name of the reported index (``ST``, ``mu_star``, ``pawn_median``,
            ``variance_share``).
        table: rows = parameter columns, columns = outputs; NaN when not computable.
        extra: further indices by name (``S1``, ``ST_conf``, ``S1_conf`` for Sobol;
            ``sigma``, ``mu_star_conf`` for Morris; ``*_conf``: half-widths of the 95%
            bootstrap intervals).
        notes: ``(output, remark)`` pairs (constant output, missing values).
        scope: what the indices were computed over, when not the design points (levers x
            uncertainties: the uncertainty samples, outputs averaged over the policies).
    """

    method: str
    reason: str
    index: str
    table: pd.DataFrame
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: tuple[tuple[str, str], ...] = ()
    scope: str = ""

    @property
    def supported(self) -> bool:
        """Whether any index could be computed."""
        return self.method != "none"

    def ranking(self, output: str) -> pd.Series:
        """Parameters ordered by their index for ``output``, most influential first."""
        if output not in self.table:
            return pd.Series(dtype=float)
        return self.table[output].dropna().sort_values(ascending=False, kind="stable")


def design_kind(experiment: dict) -> str:
    """The design's name from the resolved experiment (``""`` when not stated)."""
    design = experiment.get("design")
    if isinstance(design, str):
        return design.lower()
    if isinstance(design, dict):
        for key in ("kind", "method", "type", "sampler"):
            if isinstance(design.get(key), str):
                return design[key].lower()
    return ""


def _design_option(experiment: dict, keys: tuple[str, ...], default: Any) -> Any:
    """The first of ``keys`` set in the experiment's design (values are as read from YAML)."""
    design = experiment.get("design")
    if isinstance(design, dict):
        for k in keys:
            if k in design:
                return design[k]
    return default


def analyse(
    points: pd.DataFrame, params: tuple[str, ...], outputs: tuple[str, ...], experiment: dict,
    seed: int = 1, unit: np.ndarray | None = None,
) -> Sensitivity:
    """Compute sensitivity indices of ``outputs`` (columns of ``points``) to ``params``.

    Args:
        points: one row per design point in design order (``point_id`` ascending).
        params: the swept parameter columns.
        outputs: output columns (point means), e.g. ``target`` and ``u.<actor>``.
        experiment: the resolved experiment (its ``design`` picks Sobol or Morris).
        seed: seed of the bootstrap inside SALib (a local generator; fixed for
            reproducible reports).
        unit: the design's unit coordinates (one row per point, one column per parameter),
            when known: the Saltelli / Morris structure is checked on them, and Morris
            elementary effects are taken over them (integer and categorical parameters
            keep their levels in the runs; their effects are per unit of the range).
    """
    varied = tuple(p for p in params if points[p].nunique(dropna=True) > 1)
    if not varied:
        return _none("no parameter varies across the design points")
    if len(points) < 3:
        return _none(f"only {len(points)} design points")
    kind = design_kind(experiment)
    if unit is not None and unit.shape == (len(points), len(params)):
        X: np.ndarray | None = unit
    else:
        X = _codes(points, params)
    if X is not None and ("sobol" in kind or "saltelli" in kind):
        second = bool(_design_option(experiment, ("calc_second_order", "second_order"), True))
        if _saltelli_structure(X, second):
            return _sobol(points, params, outputs, second, seed)
        reason = "the design is named Sobol but its points lack the Saltelli block structure"
    elif X is not None and "morris" in kind:
        levels = int(_design_option(experiment, ("num_levels", "levels"), 4))
        if _morris_structure(X):
            return _morris(points, params, outputs, levels, seed, X)
        reason = "the design is named Morris but its points are not Morris trajectories"
    else:
        reason = f"the design ({kind or 'unnamed'}) is not a Sobol or Morris sample"
    many = all(
        pd.api.types.is_numeric_dtype(points[p]) and points[p].nunique() > MANY_VALUES
        for p in varied
    )
    if many and len(points) >= MIN_POINTS:
        return _pawn(points, varied, outputs, reason)
    why = (
        f"{reason}, and PAWN needs at least {MIN_POINTS} points with every parameter "
        f"numeric and taking more than {MANY_VALUES} values"
    )
    return _variance(points, varied, outputs, why)


def _codes(points: pd.DataFrame, params: tuple[str, ...]) -> np.ndarray:
    """The parameter columns as numbers: categorical levels as their codes."""
    cols = []
    for p in params:
        col = points[p]
        if pd.api.types.is_numeric_dtype(col):
            cols.append(col.to_numpy(dtype=float))
        else:
            cols.append(pd.factorize(col.astype("string"))[0].astype(float))
    return np.column_stack(cols) if cols else np.empty((len(points), 0))


def _none(reason: str) -> Sensitivity:
    return Sensitivity("none", reason, "", pd.DataFrame())


def _saltelli_structure(X: np.ndarray, second: bool) -> bool:
    """Rows come in blocks A, AB_1..AB_D, [BA_1..BA_D,] B with AB_i = A but column i."""
    n, d = X.shape
    size = 2 * d + 2 if second else d + 2
    if n % size or n == 0:
        return False
    for block in X.reshape(n // size, size, d):
        a, b = block[0], block[-1]
        for i in range(d):
            ab = block[1 + i]
            expect = a.copy()
            expect[i] = b[i]
            if not np.allclose(ab, expect):
                return False
            if second:
                ba = block[1 + d + i]
                expect = b.copy()
                expect[i] = a[i]
                if not np.allclose(ba, expect):
                    return False
    return True


def _morris_structure(X: np.ndarray) -> bool:
    """Rows come in trajectories of D+1 points, each step changing one parameter."""
    n, d = X.shape
    if n % (d + 1) or n == 0:
        return False
    for traj in X.reshape(n // (d + 1), d + 1, d):
        changed = ~np.isclose(np.diff(traj, axis=0), 0.0)
        if not (changed.sum(axis=1) == 1).all() or not (changed.sum(axis=0) == 1).all():
            return False
    return True


def _problem(points: pd.DataFrame, params: tuple[str, ...]) -> dict:
    X = _codes(points, params)
    bounds = [[float(X[:, j].min()), float(X[:, j].max())] for j in range(len(params))]
    bounds = [[lo, hi if hi > lo else lo + 1.0] for lo, hi in bounds]
    return {"num_vars": len(params), "names": list(params), "bounds": bounds}


SAME = "the same at every design point; not computed"


def _usable(y: np.ndarray, name: str, notes: list[tuple[str, str]]) -> bool:
    if np.isnan(y).any():
        notes.append((name, "missing values at some design points; not computed"))
        return False
    if np.ptp(y) == 0:
        notes.append((name, SAME))
        return False
    return True


def _sobol(
    points: pd.DataFrame, params: tuple[str, ...], outputs: tuple[str, ...], second: bool,
    seed: int,
) -> Sensitivity:
    from SALib.analyze import sobol

    problem = _problem(points, params)
    got: dict[str, dict[str, np.ndarray]] = {k: {} for k in ("ST", "S1", "ST_conf", "S1_conf")}
    notes: list[tuple[str, str]] = []
    for out in outputs:
        y = points[out].to_numpy(dtype=float)
        if not _usable(y, out, notes):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sobol.analyze(problem, y, calc_second_order=second, seed=seed)
        for k in got:
            got[k][out] = res[k]
    frames = {k: pd.DataFrame(v, index=list(params)).reindex(columns=list(outputs))
              for k, v in got.items()}
    table = frames.pop("ST")
    extra = frames
    reason = "the design is a Saltelli sample (A, AB, BA, B blocks)"
    return Sensitivity("sobol", reason, "ST", table, extra, tuple(notes))


def _morris(
    points: pd.DataFrame, params: tuple[str, ...], outputs: tuple[str, ...], levels: int,
    seed: int, X: np.ndarray,
) -> Sensitivity:
    from SALib.analyze import morris

    lo, hi = X.min(axis=0), X.max(axis=0)
    problem = {"num_vars": len(params), "names": list(params),
               "bounds": [[float(a), float(b) if b > a else float(a) + 1.0]
                          for a, b in zip(lo, hi, strict=True)]}
    mu: dict[str, np.ndarray] = {}
    sigma: dict[str, np.ndarray] = {}
    conf: dict[str, np.ndarray] = {}
    notes: list[tuple[str, str]] = []
    for out in outputs:
        y = points[out].to_numpy(dtype=float)
        if not _usable(y, out, notes):
            continue
        res = morris.analyze(problem, X, y, num_levels=levels, seed=seed)
        mu[out], sigma[out], conf[out] = res["mu_star"], res["sigma"], res["mu_star_conf"]
    table = pd.DataFrame(mu, index=list(params)).reindex(columns=list(outputs))
    extra = {
        "sigma": pd.DataFrame(sigma, index=list(params)).reindex(columns=list(outputs)),
        "mu_star_conf": pd.DataFrame(conf, index=list(params)).reindex(columns=list(outputs)),
    }
    return Sensitivity("morris", "the design is a set of Morris trajectories", "mu_star",
                       table, extra, tuple(notes))


def _pawn(
    points: pd.DataFrame, params: tuple[str, ...], outputs: tuple[str, ...], why: str
) -> Sensitivity:
    from SALib.analyze import pawn

    problem = _problem(points, params)
    X = points[list(params)].to_numpy(dtype=float)
    slices = _slices(max(3, min(10, len(points) // 10)))
    med: dict[str, np.ndarray] = {}
    notes: list[tuple[str, str]] = []
    for out in outputs:
        y = points[out].to_numpy(dtype=float)
        if not _usable(y, out, notes):
            continue
        res = pawn.analyze(problem, X, y, S=slices)
        med[out] = res["median"]
    table = pd.DataFrame(med, index=list(params)).reindex(columns=list(outputs))
    reason = f"{why}; PAWN works on any sample ({slices} conditioning slices)"
    return Sensitivity("pawn", reason, "pawn_median", table, {}, tuple(notes))


def _slices(wanted: int) -> int:
    """The largest slice count <= ``wanted`` whose conditioning grid SALib can build.

    ``pawn.analyze`` builds its quantile levels as ``arange(0, 1 + 1/S, 1/S)``; for some
    ``S`` (6, 9) rounding puts the last level above 1 and numpy rejects it.
    """
    for s in range(wanted, 1, -1):
        levels = np.arange(0, 1 + 1 / s, 1 / s)
        if len(levels) == s + 1 and levels.max() <= 1.0:
            return s
    return 2


def _variance(
    points: pd.DataFrame, params: tuple[str, ...], outputs: tuple[str, ...], why: str
) -> Sensitivity:
    cols: dict[str, pd.Series] = {}
    notes: list[tuple[str, str]] = []
    for out in outputs:
        y = points[out].to_numpy(dtype=float)
        if np.isnan(y).all() or np.nanmax(y) == np.nanmin(y):
            notes.append((out, SAME))
            continue
        frame = points[[*params, out]].dropna(subset=[out])
        cols[out] = param_ranking(frame, params, out)
    table = pd.DataFrame(cols, index=list(params)).reindex(columns=list(outputs))
    return Sensitivity("variance", why, "variance_share", table, {}, tuple(notes))
