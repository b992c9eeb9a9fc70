"""Design points and run seeds.

Core objects:
    Axis: one resolved parameter: categorical levels, or a numeric interval (continuous or
        integer), and the type of its results column.
    Design: the points of an experiment, generated lazily by id: a full factorial grid
        (decoded from the point id, nothing stored), or a Latin hypercube / scrambled Sobol
        sample from `scipy.stats.qmc` or a Saltelli / Morris sample from SALib, seeded from
        the experiment seed (an ``n x d`` array of unit coordinates, mapped to values on
        demand); with levers, the full factorial of the levers crossed with that sample.
    build_design: the `Design` for an experiment's axes.
    run_seed: the 63-bit seed of one run, from ``SeedSequence(experiment seed,
        spawn_key=(point_id, replicate))``, or ``spawn_key=(replicate,)`` with common random
        numbers: independent of executor, worker count or chunking.

Mapping a unit coordinate ``u`` in [0, 1) to a level (samplers): continuous ranges take
``low + u * (high - low)``; integer ranges split [0, 1) into one equal cell per integer;
categorical parameters split it into one equal cell per listed value (so each cell gets its
share of the Latin hypercube strata or Sobol points).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.experiment.schema import Experiment, Parameter

if TYPE_CHECKING:
    from scipy.stats import qmc

# spawn_key of the sampler's random stream; run streams use two-element keys, so they differ.
DESIGN_STREAM = (2**31,)


@dataclass(frozen=True)
class Axis:
    """One swept parameter, resolved.

    Attributes:
        path: the parameter path as written (results column ``param.<path>``).
        values: the categorical levels, or None for a range.
        low, high: the interval of a range.
        integer: whole numbers only (range).
        steps: grid levels of a range (None: every integer of an integer range).
    """

    path: str
    values: tuple[Any, ...] | None = None
    low: float = 0.0
    high: float = 0.0
    integer: bool = False
    steps: int | None = None

    @staticmethod
    def from_parameter(p: Parameter) -> Axis:
        """Build the axis of an experiment parameter."""
        if p.values is not None:
            return Axis(path=p.path, values=tuple(p.values))
        assert p.range is not None
        r = p.range
        return Axis(p.path, None, r.low, r.high, r.integer, r.steps)

    @property
    def categorical(self) -> bool:
        """Listed values rather than a range."""
        return self.values is not None

    @property
    def numeric(self) -> bool:
        """Whether the results column is float64 (else string)."""
        if self.values is None:
            return True
        return all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in self.values
        )

    @property
    def column(self) -> str:
        """Name of the results column."""
        return f"param.{self.path}"

    def grid_levels(self) -> list[Any]:
        """The levels this axis takes in a full grid.

        Raises:
            ValueError: a continuous range without ``steps``.
        """
        if self.values is not None:
            return list(self.values)
        if self.integer:
            lo, hi = math.ceil(self.low), math.floor(self.high)
            if self.steps is None:
                return list(range(lo, hi + 1))
            raw = np.round(np.linspace(lo, hi, self.steps)).astype(np.int64)
            return [int(x) for x in dict.fromkeys(raw.tolist())]
        if self.steps is None:
            if self.low == self.high:
                return [float(self.low)]
            raise ValueError("a continuous range needs 'steps' in a grid design")
        return [float(x) for x in np.linspace(self.low, self.high, self.steps)]

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map unit coordinates in [0, 1) to levels (samplers)."""
        if self.values is not None:
            k = len(self.values)
            idx = np.minimum((u * k).astype(np.int64), k - 1)
            return [self.values[i] for i in idx]
        if self.integer:
            lo, hi = math.ceil(self.low), math.floor(self.high)
            idx = np.minimum((u * (hi - lo + 1)).astype(np.int64), hi - lo)
            return [int(lo + i) for i in idx]
        return [float(x) for x in self.low + u * (self.high - self.low)]

    def cell(self, value: Any) -> Any:
        """The value as stored in the results column (float for numeric, else text)."""
        if self.numeric:
            return float(value)
        return to_text(value)


def to_text(value: Any) -> str | None:
    """Text form of a categorical value: strings as-is, booleans as YAML, lists as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return json.dumps(list(value))
    return repr(value)


class Design:
    """Design points, produced lazily by point id.

    With levers (``n_levers`` leading axes) the points cross the full factorial of the
    lever levels (policies) with the sample of the remaining axes (the uncertainties):
    ``point_id = policy_id * n_samples + sample_id``. Without levers there is one policy
    and ``sample_id == point_id``.

    Args:
        axes: the swept parameters (levers first).
        kind: ``grid``, ``lhs``, ``sobol``, ``saltelli`` or ``morris`` (of the sample).
        levels: per sample axis, its grid levels (grid).
        unit: shape (n_samples, n_sample_axes), unit coordinates (samplers).
        n_levers: how many leading axes are levers.
        lever_levels: per lever, its levels.
    """

    def __init__(
        self,
        axes: list[Axis],
        kind: str,
        levels: list[list[Any]] | None = None,
        unit: np.ndarray | None = None,
        n_levers: int = 0,
        lever_levels: list[list[Any]] | None = None,
    ):
        self.axes = axes
        self.kind = kind
        self.n_levers = n_levers
        self._levels = levels
        self._unit = unit
        self._lever_levels = lever_levels or []
        self.n_policies = int(np.prod([len(x) for x in self._lever_levels], dtype=np.int64))
        if unit is not None:
            self.n_samples = int(unit.shape[0])
        else:
            assert levels is not None
            self.n_samples = (
                int(np.prod([len(x) for x in levels], dtype=np.int64)) if levels else 1
            )
        self.n_points = self.n_policies * self.n_samples

    @property
    def unit(self) -> np.ndarray | None:
        """The unit coordinates of the sample (samplers), one row per sample_id."""
        return self._unit

    def ids(self, point_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(policy_id, sample_id)`` of each point."""
        ids = np.asarray(point_ids, dtype=np.int64)
        return ids // self.n_samples, ids % self.n_samples

    def policy(self, policy_id: int) -> dict[str, Any]:
        """Lever path -> value of one policy."""
        if not self._lever_levels:
            return {}
        idx = np.unravel_index(policy_id, tuple(len(x) for x in self._lever_levels))
        return {
            ax.path: lev[int(i)]
            for ax, lev, i in zip(self.axes, self._lever_levels, idx, strict=False)
        }

    def columns(self, point_ids: np.ndarray) -> list[list[Any]]:
        """Per axis, the value at each of ``point_ids`` (raw values, as set in the scenario)."""
        if not self.axes:
            return []
        policy, sample = self.ids(point_ids)
        out: list[list[Any]] = []
        if self._lever_levels:
            idx = np.unravel_index(policy, tuple(len(x) for x in self._lever_levels))
            out += [[lev[i] for i in idx[j]] for j, lev in enumerate(self._lever_levels)]
        rest = self.axes[self.n_levers:]
        if not rest:
            return out
        if self._unit is not None:
            return out + [ax.from_unit(self._unit[sample, j]) for j, ax in enumerate(rest)]
        assert self._levels is not None
        shape = tuple(len(x) for x in self._levels)
        idx = np.unravel_index(sample, shape)
        return out + [[lev[i] for i in idx[j]] for j, lev in enumerate(self._levels)]

    def point(self, point_id: int) -> dict[str, Any]:
        """Parameter path -> value at one point."""
        cols = self.columns(np.array([point_id]))
        return {ax.path: col[0] for ax, col in zip(self.axes, cols, strict=True)}


def axis_levels(ax: Axis) -> int:
    """Grid levels of ``ax``, counted without building them (at most, for integer steps)."""
    if ax.values is not None:
        return len(ax.values)
    if ax.integer and ax.steps is None:
        return max(0, math.floor(ax.high) - math.ceil(ax.low) + 1)
    if ax.steps is None:
        return 1 if ax.low == ax.high else 0  # the design reports the missing steps
    return ax.steps


def count_points(experiment: Experiment, axes: list[Axis]) -> tuple[int, int | None]:
    """Design points of ``experiment``, computed from its spec before anything is built.

    Levers (the first ``len(experiment.levers)`` axes) are crossed with the sample of the
    rest: points = policies x samples, where a saltelli design of N has N (D + 2) rows
    (N (2D + 2) with second order) and a morris design of N trajectories N (D + 1).

    Returns:
        ``(points, axis)``: the count, and the index of the axis with the most grid levels
        among those counted as a grid (levers, and every axis of a grid design), or None.
    """
    spec = experiment.design
    n_levers = len(experiment.levers)
    gridded = axes if spec.kind == "grid" else axes[:n_levers]
    counts = [axis_levels(ax) for ax in gridded]
    biggest = max(range(len(counts)), key=counts.__getitem__) if counts else None
    points = math.prod(counts)
    if spec.kind == "grid":
        return points, biggest
    d = len(axes) - n_levers
    n = int(spec.samples or 0)
    if spec.kind == "saltelli":
        n *= (2 * d + 2) if spec.calc_second_order else (d + 2)
    elif spec.kind == "morris":
        n *= d + 1
    return points * n, biggest


def build_design(experiment: Experiment, axes: list[Axis]) -> Design:
    """The design of ``experiment`` over ``axes`` (levers first, then the sampled axes).

    Raises:
        ValueError: with ``(parameter index or None, message)`` as its args when the design
            cannot be built (a continuous range without steps in a grid or as a lever; a
            sampler without parameters).
    """
    spec = experiment.design
    n_levers = len(experiment.levers)
    lever_levels = []
    for i, ax in enumerate(axes[:n_levers]):
        try:
            lever_levels.append(ax.grid_levels())
        except ValueError as exc:
            raise ValueError(i, str(exc)) from None
    rest = axes[n_levers:]
    if spec.kind == "grid":
        levels = []
        for i, ax in enumerate(rest):
            try:
                levels.append(ax.grid_levels())
            except ValueError as exc:
                raise ValueError(n_levers + i, str(exc)) from None
        return Design(axes, "grid", levels=levels, n_levers=n_levers, lever_levels=lever_levels)
    if not rest:
        what = "uncertainty" if n_levers else "parameter"
        raise ValueError(None, f"a {spec.kind} design needs at least one {what}")
    unit = unit_sample(experiment, len(rest))
    return Design(axes, spec.kind, unit=unit, n_levers=n_levers, lever_levels=lever_levels)


def unit_sample(experiment: Experiment, d: int) -> np.ndarray:
    """The ``n x d`` unit coordinates of a sampler design, seeded from the experiment seed.

    lhs and sobol use `scipy.stats.qmc`; saltelli and morris use SALib's samplers on the
    unit cube (SALib ``sobol.sample``: rows in A, AB_1..AB_D, [BA_1..BA_D,] B blocks;
    ``morris.sample``: trajectories of D + 1 rows on a ``num_levels`` grid).
    """
    spec = experiment.design
    rng = np.random.default_rng(np.random.SeedSequence(experiment.seed, spawn_key=DESIGN_STREAM))
    assert spec.samples is not None
    if spec.kind in ("saltelli", "morris"):
        problem = {"num_vars": d, "names": [f"x{j}" for j in range(d)],
                   "bounds": [[0.0, 1.0]] * d}
        seed = int(rng.integers(2**31))
        if spec.kind == "saltelli":
            from SALib.sample import sobol as salib_sobol

            unit = salib_sobol.sample(problem, spec.samples,
                                      calc_second_order=spec.calc_second_order, seed=seed)
        else:
            from SALib.sample import morris as salib_morris

            unit = salib_morris.sample(problem, spec.samples, num_levels=spec.num_levels,
                                       seed=seed)
        return np.asarray(unit, dtype=np.float64)
    from scipy.stats import qmc

    if spec.kind == "lhs":
        unit = _sampler(qmc.LatinHypercube, d, rng).random(spec.samples)
    else:
        unit = _sampler(qmc.Sobol, d, rng).random_base2(int(spec.samples).bit_length() - 1)
    return np.asarray(unit, dtype=np.float64)


def _sampler(cls: type[qmc.QMCEngine], d: int, rng: np.random.Generator) -> qmc.QMCEngine:
    """Construct a scipy.stats.qmc engine seeded with ``rng`` (``rng=`` since scipy 1.15)."""
    try:
        return cls(d, scramble=True, rng=rng)
    except TypeError:  # pragma: no cover - scipy < 1.15
        return cls(d, scramble=True, seed=rng)


def run_seed(experiment_seed: int, point_id: int, replicate: int, crn: bool = False) -> int:
    """The seed of one run: a 63-bit integer derived with `numpy.random.SeedSequence`.

    With common random numbers (``crn``) the seed depends on the replicate alone
    (``spawn_key=(replicate,)``): replicate r draws the same stream at every design point,
    so differences between points are paired. Without, ``spawn_key=(point_id, replicate)``.
    """
    key = (replicate,) if crn else (point_id, replicate)
    ss = np.random.SeedSequence(experiment_seed, spawn_key=key)
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
