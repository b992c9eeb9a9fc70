"""Reciprocal concession: give ground exactly as fast as the others do.

Core object:
    Reciprocal (``reciprocal``).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.engine.observation import Observation
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.kernel import Kernel
from sim.engine.strategies.opponent import FrequencyModel
from sim.engine.strategies.registry import register

__all__ = ["Reciprocal"]


class ReciprocalParams(StrategyParams):
    """Parameters of `Reciprocal`."""

    window: int = Field(
        default=32, ge=1, le=4096, description="Candidates at or just above the target."
    )
    min_concession: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Utility conceded after each own proposal regardless of the others "
        "(0: pure reciprocity; a small value breaks deadlocks between reciprocal parties).",
    )


class ReciprocalKernel(Kernel):
    """`Reciprocal`: the target moves by the others' concessions (tit for tat).

    The reference updates its target lazily (`Reciprocal._sync`: the new proposals in
    history order, then a clamp to ``[u_low, u_max]``). Here each proposal's change is
    applied when it is made, in the same order and with the same operations, and the clamp
    is applied exactly where the strategy syncs: every proposal, and every response to an
    offer inside its acceptable set.
    """

    uses_memory = True

    def start(self, batch: int, n_actors: int) -> None:
        self.others = max(n_actors - 1, 1)
        self.target = np.full(batch, float(self.su[0]) if self.m else 0.0)
        self.last = np.full((batch, n_actors), np.nan)
        self.proposed = np.zeros(batch, dtype=bool)

    def observe(self, runs: np.ndarray, who: int, offer: np.ndarray,
                options: np.ndarray) -> None:
        super().observe(runs, who, offer, options)
        u = self.u[offer]
        prev = self.last[runs, who]
        has = ~np.isnan(prev)
        self.target[runs[has]] -= (u[has] - prev[has]) / self.others
        self.last[runs, who] = u

    def _sync(self, runs: np.ndarray) -> np.ndarray:
        t = np.minimum(np.maximum(self.target[runs], float(self.su[-1])), float(self.su[0]))
        self.target[runs] = t
        return t

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        if self.m == 0:
            return out
        target = self._sync(runs)
        mc = self.strategy.params.min_concession
        if mc > 0.0:
            again = self.proposed[runs]
            target = np.where(again, np.maximum(target - mc, float(self.su[-1])), target)
            self.target[runs] = target
        self.proposed[runs] = True
        demand = np.maximum(target, res)
        ok = self.su[0] >= demand
        if ok.any():
            n = np.maximum(self.count_at_or_above(demand[ok]), 1)
            lo = np.maximum(0, n - self.strategy.params.window)
            out[ok] = self._window_pick(runs[ok], lo, n, packages, False)
        bad = (out >= 0) & (self.u[np.maximum(out, 0)] < res)  # the final check
        out[bad] = -1
        return out

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        yes = np.zeros(runs.shape[0], dtype=bool)
        if self.m == 0:
            return yes
        acc = self.acceptable[offer]
        if acc.any():
            sub = np.flatnonzero(acc)
            demand = np.maximum(self._sync(runs[sub]), res[sub])
            yes[sub] = self.u[offer[sub]] >= demand
        return yes


@register
class Reciprocal(Strategy[ReciprocalParams]):
    """Tit-for-tat in concessions: match the others' average concession, never below BATNA.

    Rule: the target starts at the best utility among the packages it may propose. Each
    time another party makes a new proposal, the target falls by the change, in this
    actor's own utility, between that party's last two proposals, divided by the number
    of other parties; so if every other party concedes ``d`` (as this actor values it),
    it concedes ``d`` too, and a party that hardens its position makes it harden as well.
    After each of its own proposals it also concedes ``min_concession``. The target stays
    between the worst and the best utility it may propose, and its demand is never below
    its current reservation value. It proposes, among the ``window`` packages at or just
    above the demand, the one most similar to the others' proposals (frequency model; ties
    to the one it prefers, then the lower row), and accepts an allowed offer worth at
    least the demand.

    Sources: R. Axelrod (1984), *The Evolution of Cooperation* (tit for tat); P. Faratin,
    C. Sierra and N. R. Jennings (1998), "Negotiation decision functions for autonomous
    agents", *Robotics and Autonomous Systems* 24, 159-182, section 4.2.3 (behaviour-
    dependent tactics, absolute tit-for-tat).
    """

    name = "reciprocal"
    kernel = ReciprocalKernel
    reservation_aware = True
    Params = ReciprocalParams

    def _reset(self) -> None:
        self._model = FrequencyModel()
        self._target: float | None = None
        self._last: dict[int, float] = {}
        self._seen = 0
        self._history_packages: np.ndarray | None = None
        self._proposed = False

    def _sync(self, obs: Observation) -> float:
        """Move the target by the concessions in history entries not yet seen; return it."""
        if obs.packages is not self._history_packages or len(obs.history) < self._seen:
            self._reset()
            self._history_packages = obs.packages
        u_max, u_low = self.bounds(obs)
        if self._target is None:
            self._target = u_max
        others = max(obs.n_actors - 1, 1)
        for _, who, row in obs.history[self._seen:]:
            if who == obs.me:
                continue
            u = float(obs.utilities[row])
            prev = self._last.get(who)
            if prev is not None:
                self._target -= (u - prev) / others
            self._last[who] = u
        self._seen = len(obs.history)
        self._target = min(max(self._target, u_low), u_max)
        return self._target

    def target(self, obs: Observation) -> float:
        """The current target before the reservation floor."""
        return float(self._sync(obs))

    def aspiration(self, obs: Observation) -> float:
        """``max(target, reservation)`` (``inf`` when nothing is acceptable)."""
        if obs.order.shape[0] == 0:
            return float("inf")
        return max(self.target(obs), obs.reservation)

    def _propose(self, obs: Observation) -> int | None:
        if obs.order.shape[0] == 0:
            return None
        target = self._sync(obs)
        if self._proposed and self.params.min_concession > 0.0:
            u_max, u_low = self.bounds(obs)
            target = max(target - self.params.min_concession, u_low)
            self._target = target
        self._proposed = True
        demand = max(target, obs.reservation)
        if obs.sorted_utilities[0] < demand:
            return None
        self._model.update(obs)
        n = max(self.count_at_or_above(obs, demand), 1)
        return self._model.most_similar(obs.order[max(0, n - self.params.window):n])

    def _respond(self, obs: Observation, offer: int) -> bool:
        return bool(obs.acceptable[offer]) and float(obs.utilities[offer]) >= self.aspiration(obs)
