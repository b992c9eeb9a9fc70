"""The negotiator who looks past the summit to the ratifiers (``ratification_aware``).

Core object:
    RatificationAware: time-dependent concession over *expected* utility, a package's
        value weighted by its believed probability of ratification.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sim.engine.observation import Observation
from sim.engine.strategies.base import StrategyParams
from sim.engine.strategies.registry import register
from sim.engine.strategies.time_dependent import TimeDependent, TimeDependentParams

__all__ = ["RatificationAware"]


@register
class RatificationAware(TimeDependent):
    """Concede along a curve of relative time in expected utility, ratification included.

    Rule: with ``p(x)`` its believed probability that the ratifiers ratify package ``x``
    (``obs.ratification``, from the summit protocol's ``beliefs``) and ``d`` its current
    reservation value, the expected utility of agreeing on ``x`` is
    ``EU(x) = p(x) * u(x) + (1 - p(x)) * d``: a rejected deal is valued as no deal (a
    lower bound when renegotiation can follow). Among the packages it may propose that
    are worth at least ``d`` and have ``p > 0``, its aspiration falls along the curve of
    `TimeDependent` from the best expected utility to the larger of ``d`` and the worst
    one; it proposes one of the ``window`` packages at or just above the aspiration in
    expected utility (the one most similar to the others' proposals, ties to the one
    nearest the aspiration) and accepts an allowed offer with ``p > 0`` whose expected
    utility reaches the aspiration, or the one of its next proposal (AC_next). Without
    beliefs (any other protocol, or a summit without ``beliefs``) it is exactly
    `TimeDependent` with the same curve.

    Cost: the expected utilities are ranked once per belief and reservation value (a
    vectorised sort over its acceptable packages when a vote changes the beliefs or the
    war moves its reservation value), then each decision is a binary search.

    Source: R. D. Putnam (1988), "Diplomacy and domestic politics: the logic of two-level
    games", *International Organization* 42(3), 427-460 (a negotiator's agreement must lie
    inside the ratifiers' win-set, which it knows only imperfectly); the curve follows
    P. Faratin, C. Sierra and N. R. Jennings (1998), *Robotics and Autonomous Systems* 24.
    """

    name = "ratification_aware"
    time_dependent = False
    reservation_aware = True
    Params: ClassVar[type[StrategyParams]] = TimeDependentParams

    def _reset(self) -> None:
        super()._reset()
        self._key: tuple[Any, ...] | None = None
        self._rows = np.zeros(0, dtype=np.int64)
        self._eu = np.zeros(0)
        self._asc = np.zeros(0)

    def _ranked(self, obs: Observation) -> bool:
        """Rank the proposable packages by expected utility (cached); False: no beliefs."""
        p = obs.ratification
        if p is None:
            return False
        key = self._key
        if key is not None and key[0] is p and key[1] is obs.order and key[2] == obs.reservation:
            return True
        rows = obs.order
        d = obs.reservation
        pr = p[rows]
        u = obs.utilities[rows]
        keep = (pr > 0.0) & (u >= d)
        rows, pr, u = rows[keep], pr[keep], u[keep]
        eu = pr * u + (1.0 - pr) * d
        idx = np.argsort(-eu, kind="stable")  # ties keep obs.order: own utility first
        self._rows, self._eu = rows[idx], eu[idx]
        self._asc = np.ascontiguousarray(self._eu[::-1])
        self._key = (p, obs.order, d)
        return True

    def expected(self, obs: Observation, row: int) -> float:
        """``EU(row)`` (its own utility when it holds no beliefs)."""
        u = float(obs.utilities[row])
        if obs.ratification is None:
            return u
        p = float(obs.ratification[row])
        return p * u + (1.0 - p) * obs.reservation

    def aspiration_at(self, obs: Observation, t: float) -> float:
        """The aspiration in expected utility at relative time ``t``."""
        if not self._ranked(obs):
            return super().aspiration_at(obs, t)
        if self._eu.shape[0] == 0:
            return float("inf")
        e_max = float(self._eu[0])
        e_min = max(obs.reservation, float(self._eu[-1]))
        return min(e_min + (1.0 - self.conceded(t)) * (e_max - e_min), e_max)

    def aspiration(self, obs: Observation) -> float:
        """The lowest expected utility it accepts now (``inf``: nothing)."""
        if not self._ranked(obs):
            return super().aspiration(obs)
        return self.aspiration_at(obs, obs.relative_time)

    def _window(self, obs: Observation, target: float) -> np.ndarray | None:
        if not self._ranked(obs):
            return super()._window(obs, target)
        if self._eu.shape[0] == 0:
            return None
        n = int(self._asc.shape[0] - np.searchsorted(self._asc, target, side="left"))
        n = max(n, 1)
        return self._rows[max(0, n - self.params.window):n]

    def _nearest_first(self, obs: Observation, rows: np.ndarray) -> np.ndarray:
        if not self._ranked(obs):
            return super()._nearest_first(obs, rows)
        return rows[::-1]  # ascending expected utility: nearest the aspiration

    def _respond(self, obs: Observation, offer: int) -> bool:
        if not self._ranked(obs):
            return super()._respond(obs, offer)
        u = float(obs.utilities[offer])
        p = obs.ratification
        assert p is not None  # _ranked returned True
        if not obs.acceptable[offer] or u < obs.reservation or p[offer] <= 0.0:
            return False
        e = self.expected(obs, offer)
        if e >= self.aspiration(obs):
            return True
        t_next = min(1.0, (obs.round + 1) / max(obs.deadline - 1, 1))
        target = self.aspiration_at(obs, t_next)
        if e < target:
            return False
        self._model.update(obs)
        rows = self._window(obs, target)
        return rows is not None and e >= self.expected(obs, self._model.most_similar(rows))
