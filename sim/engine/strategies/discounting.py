"""Discount-aware time-dependent concession (``discounting``): patience that matters.

Core object:
    Discounting (``discounting``): `TimeDependent` whose demand and acceptance read the
        actor's per-round discount factor ``delta`` (``Observation.patience``).

The rule, with ``delta`` the actor's patience, ``r`` its current reservation value (the
no-deal value, never discounted: see the README, "Patience and the no-deal value"),
``t`` the relative time and ``s`` the round (0-based):

* Demand: ``a(s) = u_min + delta**s * (1 - F(t)) * (u_max - u_min)``. The surplus it
  asks for above its floor ``u_min = max(r, worst proposable utility)`` is the
  time-dependent surplus shrunk by the discount already suffered: waiting ``s`` rounds
  has cost it a factor ``delta**s`` on anything it can still obtain, and it concedes that
  cost. It proposes like `TimeDependent` (near ``a(s)``, towards the others' offers).
* Acceptance: the value of continuing is ``E = min(a(s), u_next)``: at best its current
  demand, and no more than what it would itself propose next round (``u_next``, the
  package it would offer at ``a(s + 1)``; the AC_next condition). Continuing pays one
  round later, so it accepts an allowed offer ``x`` when
  ``U(x) >= max(r, delta**k * E)`` with ``k = 1``.

With ``delta = 1`` both rules are exactly those of `TimeDependent` with the same curve
(``preset: boulware`` here behaves as ``boulware``, tested by a property in
tests/test_patience.py); a lower ``delta`` concedes sooner and accepts less.

Sources: P. Faratin, C. Sierra and N. R. Jennings (1998), "Negotiation decision
functions for autonomous agents", *Robotics and Autonomous Systems* 24, 159-182 (the
curve); A. Rubinstein (1982), "Perfect equilibrium in a bargaining model",
*Econometrica* 50, 97-109 (the cost of delay is the discount factor: accept what beats the
discounted value of continuing); T. Baarslag, K. Hindriks and C. Jonker (2014),
"Effective acceptance conditions in multilateral negotiation", *Decision Support
Systems* 60, 68-77 (AC_next).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine.observation import Observation
from sim.engine.strategies.registry import register
from sim.engine.strategies.time_dependent import TimeDependent, TimeDependentKernel

if TYPE_CHECKING:
    from sim.engine.prepared import StageView

__all__ = ["Discounting"]

#: Rounds between an offer on the table and the earliest deal continuing can bring.
DELAY = 1


class DiscountingKernel(TimeDependentKernel):
    """`Discounting` over a batch of runs (the demand shrunk by ``delta**s``)."""

    def __init__(self, strategy: Any, view: StageView, actor: int) -> None:
        super().__init__(strategy, view, actor)
        self.delta = float(view.patience[actor])

    def aspiration_at(self, res: np.ndarray, t: float, rounds: int) -> np.ndarray:
        u_max, u_low = float(self.su[0]), float(self.su[-1])
        u_min = np.maximum(res, u_low)
        shrink = self.delta ** rounds
        f = self.strategy.conceded(t)
        asp = np.minimum(u_min + shrink * (1.0 - f) * (u_max - u_min), u_max)
        return np.where(u_min > u_max, u_min, asp)

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:
            return np.zeros(runs.shape[0], dtype=bool)
        u = self.u[offer]
        ok = self.acceptable[offer] & (u >= res)
        wait = self.delta ** DELAY
        yes = ok & (u >= wait * self.aspiration_at(res, times[t], t))
        t_next = min(1.0, (t + 1) / max(deadline - 1, 1))
        target = self.aspiration_at(res, t_next, t + 1)
        maybe = ok & ~yes & (u >= wait * target)
        if maybe.any():
            sub = np.flatnonzero(maybe)
            rows = self._window(runs[sub], res[sub], target[sub], packages, False)
            has = rows >= 0
            yes[sub[has]] = u[sub[has]] >= wait * self.u[rows[has]]
        return yes


@register
class Discounting(TimeDependent):
    """Time-dependent concession and acceptance discounted by the actor's patience.

    Parameters as ``time_dependent`` (``preset``, ``family``, ``e``, ``beta``, ``k``,
    ``window``, ``explore``). See the module docstring for the rule.

    Sources: Faratin, Sierra and Jennings (1998) for the curve; Rubinstein (1982) for the
    cost of delay; Baarslag, Hindriks and Jonker (2014) for AC_next (full references in
    the module docstring).
    """

    name = "discounting"
    reads_patience = True
    kernel = DiscountingKernel

    def aspiration_at(self, obs: Observation, t: float, rounds: int | None = None) -> float:
        """The demand at relative time ``t`` after ``rounds`` rounds (default: now)."""
        u_max, u_low = self.bounds(obs)
        u_min = max(obs.reservation, u_low)
        if u_min > u_max:
            return u_min
        s = obs.round if rounds is None else rounds
        shrink = float(obs.patience) ** s
        return min(u_min + shrink * (1.0 - self.conceded(t)) * (u_max - u_min), u_max)

    def _respond(self, obs: Observation, offer: int) -> bool:
        u = float(obs.utilities[offer])
        if not obs.acceptable[offer] or u < obs.reservation:
            return False
        wait = float(obs.patience) ** DELAY
        if u >= wait * self.aspiration(obs):
            return True
        t_next = min(1.0, (obs.round + 1) / max(obs.deadline - 1, 1))
        target = self.aspiration_at(obs, t_next, obs.round + 1)
        if u < wait * target:  # below anything continuing could bring
            return False
        self._model.update(obs)
        rows = self._window(obs, target)
        return rows is not None and u >= wait * float(
            obs.utilities[self._model.most_similar(rows)]
        )
