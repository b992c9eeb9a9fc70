"""Design points and run seeds.

Core objects:
    Axis: one resolved parameter: categorical levels, or a numeric interval (continuous or
        integer), and the type of its results column.
    Design: the points of an experiment, generated lazily by id: a full factorial grid
        (decoded from the point id, nothing stored), or a Latin hypercube / scrambled Sobol
        sample from `scipy.stats.qmc` seeded from the experiment seed (an ``n x d`` array of
        unit coordinates, mapped to values on demand).
    build_design: the `Design` for an experiment's axes.
    run_seed: the 63-bit seed of one run, from ``SeedSequence(experiment seed,
        spawn_key=(point_id, replicate))``: independent of executor, worker count or chunking
        (with ``common_seeds`` the runner passes point 0 for every point: common random
        numbers).

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

    Args:
        axes: the swept parameters.
        kind: ``grid``, ``lhs`` or ``sobol``.
        levels: per axis, its grid levels (grid).
        unit: shape (n_points, n_axes), unit coordinates (samplers).
    """

    def __init__(
        self,
        axes: list[Axis],
        kind: str,
        levels: list[list[Any]] | None = None,
        unit: np.ndarray | None = None,
    ):
        self.axes = axes
        self.kind = kind
        self._levels = levels
        self._unit = unit
        if unit is not None:
            self.n_points = int(unit.shape[0])
        else:
            assert levels is not None
            self.n_points = int(np.prod([len(x) for x in levels], dtype=np.int64)) if levels else 1

    def columns(self, point_ids: np.ndarray) -> list[list[Any]]:
        """Per axis, the value at each of ``point_ids`` (raw values, as set in the scenario)."""
        ids = np.asarray(point_ids, dtype=np.int64)
        if not self.axes:
            return []
        if self._unit is not None:
            return [ax.from_unit(self._unit[ids, j]) for j, ax in enumerate(self.axes)]
        assert self._levels is not None
        shape = tuple(len(x) for x in self._levels)
        idx = np.unravel_index(ids, shape)
        return [[lev[i] for i in idx[j]] for j, lev in enumerate(self._levels)]

    def point(self, point_id: int) -> dict[str, Any]:
        """Parameter path -> value at one point."""
        cols = self.columns(np.array([point_id]))
        return {ax.path: col[0] for ax, col in zip(self.axes, cols, strict=True)}


def build_design(experiment: Experiment, axes: list[Axis]) -> Design:
    """The design of ``experiment`` over ``axes``.

    Raises:
        ValueError: with ``(parameter index or None, message)`` as its args when the design
            cannot be built (a continuous range without steps in a grid; a sampler without
            parameters).
    """
    spec = experiment.design
    if spec.kind == "grid":
        levels = []
        for i, ax in enumerate(axes):
            try:
                levels.append(ax.grid_levels())
            except ValueError as exc:
                raise ValueError(i, str(exc)) from None
        return Design(axes, "grid", levels=levels)
    if not axes:
        raise ValueError(None, f"a {spec.kind} design needs at least one parameter")
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence(experiment.seed, spawn_key=DESIGN_STREAM))
    d = len(axes)
    assert spec.samples is not None
    if spec.kind == "lhs":
        unit = _sampler(qmc.LatinHypercube, d, rng).random(spec.samples)
    else:
        unit = _sampler(qmc.Sobol, d, rng).random_base2(int(spec.samples).bit_length() - 1)
    return Design(axes, spec.kind, unit=np.asarray(unit, dtype=np.float64))


def _sampler(cls: type[qmc.QMCEngine], d: int, rng: np.random.Generator) -> qmc.QMCEngine:
    """Construct a scipy.stats.qmc engine seeded with ``rng`` (``rng=`` since scipy 1.15)."""
    try:
        return cls(d, scramble=True, rng=rng)
    except TypeError:  # pragma: no cover - scipy < 1.15
        return cls(d, scramble=True, seed=rng)


def run_seed(experiment_seed: int, point_id: int, replicate: int) -> int:
    """The seed of one run: a 63-bit integer derived with `numpy.random.SeedSequence`."""
    ss = np.random.SeedSequence(experiment_seed, spawn_key=(point_id, replicate))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
