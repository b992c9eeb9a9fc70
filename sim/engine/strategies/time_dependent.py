"""Time-dependent concession (Faratin, Sierra & Jennings, 1998) and its named presets.

Core objects:
    TimeDependent (``time_dependent``): demands fall along a concession curve of relative
        time; offers near the current demand, chosen to resemble what the others propose.
    PresetParams: the parameters of a preset curve (everything but the curve); the presets
        ``boulware``, ``linear`` and ``conceder`` are one module each.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

import numpy as np
from pydantic import Field, model_validator

from sim.core.concession import PRESETS, Family, concession
from sim.engine.observation import Observation
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.kernel import Kernel
from sim.engine.strategies.opponent import FrequencyModel
from sim.engine.strategies.registry import register

if TYPE_CHECKING:
    from sim.engine.prepared import StageView

__all__ = ["CurveParams", "PresetParams", "TimeDependent", "TimeDependentParams"]


@lru_cache(maxsize=1 << 16)
def _conceded(family: Family, exponent: float, k: float, t: float) -> float:
    """Memoised scalar ``F(t)``: the curve is a pure function of its arguments."""
    return float(concession(t, family, exponent, k))


class CurveParams(StrategyParams):
    """Parameters shared by the time-dependent family (the curve itself excluded)."""

    k: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Fraction of the range conceded at the start."
    )
    window: int = Field(
        default=32, ge=1, le=4096, description="Candidates at or just above the aspiration."
    )
    explore: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Probability of offering a random candidate of the window instead of "
        "the one most similar to the others' proposals (0: deterministic).",
    )


class TimeDependentParams(CurveParams):
    """The curve: a preset, or a family with its exponent."""

    family: Literal["poly", "exp"] = Field(default="poly", description="Concession family.")
    e: float = Field(default=1.0, gt=0.0, description="Polynomial exponent (e < 1: Boulware).")
    beta: float = Field(
        default=1.0, gt=0.0, description="Exponential exponent (beta < 1: Boulware)."
    )
    preset: Literal["boulware", "linear", "conceder"] | None = Field(
        default=None, description="A named curve; excludes family, e and beta."
    )

    @model_validator(mode="after")
    def _consistent(self) -> TimeDependentParams:
        clash = {"family", "e", "beta"} & self.model_fields_set
        if self.preset is not None and clash:
            raise ValueError(
                f"give either 'preset' or {', '.join(sorted(clash))}, not both"
            )
        family = PRESETS[self.preset]["family"] if self.preset else self.family
        if family == "exp" and self.k == 0.0:
            raise ValueError(
                "the exponential family needs k > 0 (k = 0 is a step at the deadline)"
            )
        return self


class TimeDependentKernel(Kernel):
    """`TimeDependent` (and its presets); with ``explore > 0`` it draws (``draws``)."""

    uses_memory = True

    def __init__(self, strategy: Any, view: StageView, actor: int) -> None:
        super().__init__(strategy, view, actor)
        self.explore = float(strategy.params.explore)
        self.draws = self.explore > 0.0

    def aspiration_at(self, res: np.ndarray, t: float, rounds: int) -> np.ndarray:
        """`TimeDependent.aspiration_at` for every run (``order`` non-empty).

        ``rounds``: the round the demand is for (read by subclasses that discount).
        """
        u_max, u_low = float(self.su[0]), float(self.su[-1])
        u_min = np.maximum(res, u_low)
        f = self.strategy.conceded(t)
        asp = np.minimum(u_min + (1.0 - f) * (u_max - u_min), u_max)
        return np.where(u_min > u_max, u_min, asp)

    def _explored(self, runs: np.ndarray, res: np.ndarray, target: np.ndarray,
                  packages: np.ndarray) -> np.ndarray:
        """`_window` with exploration: per run one draw, and a second one when it explores.

        As `TimeDependent._propose`: with probability ``explore`` a uniformly random row of
        the window (in ``order``), else the most similar one, nearest first.
        """
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        ok = np.flatnonzero(res <= self.su[0])
        if ok.size == 0:
            return out
        n = np.maximum(self.count_at_or_above(target[ok]), 1)
        lo = np.maximum(0, n - self.strategy.params.window)
        pick = np.full(ok.size, -1, dtype=np.int64)
        for j, b in enumerate(runs[ok].tolist()):  # each run's own generator, in its order
            rng = self.rngs[b]
            if rng.random() < self.explore:
                pick[j] = self.order[int(lo[j]) + int(rng.integers(int(n[j] - lo[j])))]
        rest = pick < 0
        if rest.any():
            pick[rest] = self._window_pick(runs[ok][rest], lo[rest], n[rest], packages, True)
        out[ok] = pick
        return out

    def _window(self, runs: np.ndarray, res: np.ndarray, target: np.ndarray,
                packages: np.ndarray, nearest_first: bool) -> np.ndarray:
        """Per run, the chosen row of the window at ``target``, -1 where there is none."""
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        ok = res <= self.su[0]
        if not ok.any():
            return out
        n = np.maximum(self.count_at_or_above(target[ok]), 1)
        lo = np.maximum(0, n - self.strategy.params.window)
        out[ok] = self._window_pick(runs[ok], lo, n, packages, nearest_first)
        return out

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:
            return np.full(runs.shape[0], -1, dtype=np.int64)
        target = self.aspiration_at(res, times[t], t)
        if self.draws:
            rows = self._explored(runs, res, target, packages)
        else:
            rows = self._window(runs, res, target, packages, True)
        # the final check (reservation-aware: never below the reservation value)
        bad = (rows >= 0) & (self.u[np.maximum(rows, 0)] < res)
        rows[bad] = -1
        return rows

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:
            return np.zeros(runs.shape[0], dtype=bool)
        u = self.u[offer]
        ok = self.acceptable[offer] & (u >= res)
        yes = ok & (u >= self.aspiration_at(res, times[t], t))
        t_next = min(1.0, (t + 1) / max(deadline - 1, 1))
        target = self.aspiration_at(res, t_next, t + 1)
        maybe = ok & ~yes & (u >= target)
        if maybe.any():
            sub = np.flatnonzero(maybe)
            rows = self._window(runs[sub], res[sub], target[sub], packages, False)
            has = rows >= 0
            yes[sub[has]] = u[sub[has]] >= self.u[rows[has]]
        return yes


@register
class TimeDependent(Strategy[CurveParams]):
    """Concede along a curve of relative time; offer what resembles the others' asks.

    Rule: the aspiration at relative time ``t`` is
    ``u_min + (1 - F(t)) * (u_max - u_min)``, where ``u_max`` is the best utility among
    the packages it may propose, ``u_min`` is the larger of its current reservation value
    and the worst such utility, and ``F`` is Faratin et al.'s polynomial or exponential
    concession curve. It proposes one of the ``window`` packages at or just above the
    aspiration: the one whose options the other parties have proposed most often (a
    frequency opponent model; ties to the one nearest the aspiration); with
    ``explore > 0`` it instead offers a uniformly random candidate of the window with that
    probability. It accepts
    an allowed offer worth at least the aspiration, or at least as much as the package
    it would propose next round (the AC_next condition).

    Sources: P. Faratin, C. Sierra and N. R. Jennings (1998), "Negotiation decision
    functions for autonomous agents", *Robotics and Autonomous Systems* 24, 159-182;
    T. Baarslag, K. Hindriks and C. Jonker (2014), "Effective acceptance conditions in
    multilateral negotiation", *Decision Support Systems* 60, 68-77 (AC_next).
    """

    name = "time_dependent"
    time_dependent = True
    reservation_aware = True
    Params: ClassVar[type[StrategyParams]] = TimeDependentParams
    preset: ClassVar[str | None] = None
    kernel = TimeDependentKernel

    def __init__(
        self, params: StrategyParams | dict[str, Any] | None, rng: np.random.Generator
    ) -> None:
        """Create the strategy (see `Strategy.__init__`)."""
        super().__init__(params, rng)
        self.stochastic = self.params.explore > 0.0
        preset = self.preset or getattr(self.params, "preset", None)
        if preset is not None:
            self._family: Family = PRESETS[preset]["family"]
            self._exponent = float(PRESETS[preset]["exponent"])
        else:
            curve = cast(TimeDependentParams, self.params)
            self._family = curve.family
            self._exponent = curve.e if curve.family == "poly" else curve.beta

    def _reset(self) -> None:
        self._model = FrequencyModel()

    def conceded(self, t: float) -> float:
        """``F(t)``: the fraction of the range conceded at relative time ``t``."""
        return _conceded(self._family, self._exponent, self.params.k, float(t))

    def aspiration_at(self, obs: Observation, t: float) -> float:
        """The aspiration at relative time ``t`` with this observation's bounds."""
        u_max, u_low = self.bounds(obs)
        u_min = max(obs.reservation, u_low)
        if u_min > u_max:  # nothing it may propose is worth its reservation value
            return u_min
        return min(u_min + (1.0 - self.conceded(t)) * (u_max - u_min), u_max)

    def aspiration(self, obs: Observation) -> float:
        """The aspiration now (``inf`` when nothing is acceptable)."""
        if obs.order.shape[0] == 0:
            return float("inf")
        return self.aspiration_at(obs, obs.relative_time)

    def _window(self, obs: Observation, target: float) -> np.ndarray | None:
        """Up to ``window`` rows of ``obs.order`` at or just above ``target``."""
        if obs.order.shape[0] == 0 or obs.sorted_utilities[0] < obs.reservation:
            return None
        n = max(self.count_at_or_above(obs, target), 1)
        return obs.order[max(0, n - self.params.window):n]

    def _propose(self, obs: Observation) -> int | None:
        self._model.update(obs)
        rows = self._window(obs, self.aspiration(obs))
        if rows is None:
            return None
        if self.stochastic and self.rng.random() < self.params.explore:
            return int(rows[self.rng.integers(rows.shape[0])])
        return self._model.most_similar(self._nearest_first(obs, rows))

    def _nearest_first(self, obs: Observation, rows: np.ndarray) -> np.ndarray:
        """The window's rows, the one nearest the aspiration first.

        Ties in the opponent model go to the candidate nearest the aspiration, then the
        lower row: the curve says how much to concede, so without better information
        offer exactly that much (ties to its best row would never concede in a small
        candidate set such as the ceasefire stage).
        """
        return rows[_ascending_stable(obs.utilities[rows])]

    def _respond(self, obs: Observation, offer: int) -> bool:
        u = float(obs.utilities[offer])
        if not obs.acceptable[offer] or u < obs.reservation:
            return False
        if u >= self.aspiration(obs):
            return True
        t_next = min(1.0, (obs.round + 1) / max(obs.deadline - 1, 1))
        target = self.aspiration_at(obs, t_next)
        if u < target:  # below anything it would offer next round
            return False
        self._model.update(obs)
        rows = self._window(obs, target)
        return rows is not None and u >= float(obs.utilities[self._model.most_similar(rows)])


def _ascending_stable(u: np.ndarray) -> np.ndarray:
    """Indices sorting ``u`` ascending, equal values in the order of ``obs.order``.

    That order breaks utility ties by a key independent of the issues' file order.
    """
    return np.argsort(u, kind="stable")


class PresetParams(CurveParams):
    """Parameters of a preset curve: everything but the curve."""
