"""The hardliner: a fixed, high demand that never moves.

Core object:
    Hardliner (``hardliner``).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.engine.observation import Observation
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.kernel import Kernel
from sim.engine.strategies.registry import register

__all__ = ["Hardliner"]


class HardlinerParams(StrategyParams):
    """Parameters of `Hardliner`."""

    aspiration: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="Fixed demand as a fraction of its own range, from the worst (0) to the "
        "best (1) package it may propose.",
    )


class HardlinerKernel(Kernel):
    """`Hardliner`: its best package; accepts at or above a fixed demand."""

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        row = int(self.order[0]) if self.m else -1
        return np.full(runs.shape[0], row, dtype=np.int64)

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:
            return np.zeros(runs.shape[0], dtype=bool)
        u_max, u_low = float(self.su[0]), float(self.su[-1])
        demand = min(u_low + self.strategy.params.aspiration * (u_max - u_low), u_max)
        return self.acceptable[offer] & (self.u[offer] >= demand)


@register
class Hardliner(Strategy[HardlinerParams]):
    """Always propose its best package; accept only offers above a fixed demand.

    Rule: the demand is ``u_low + aspiration * (u_max - u_low)``, where ``u_max`` and
    ``u_low`` are the best and worst utilities among the packages it may propose; it never
    changes with time, with the others' moves or with its reservation value. It proposes
    its best package (ties to the lowest row) and accepts an allowed offer only if it is
    worth at least the demand. This is Faratin et al.'s time-dependent tactic in the limit
    ``e -> 0`` (a pure Boulware that never concedes), the "hardheaded" baseline of
    automated-negotiation competitions.

    Source: P. Faratin, C. Sierra and N. R. Jennings (1998), "Negotiation decision
    functions for autonomous agents", *Robotics and Autonomous Systems* 24, 159-182.
    """

    name = "hardliner"
    kernel = HardlinerKernel
    Params = HardlinerParams

    def aspiration(self, obs: Observation) -> float:
        """The fixed demand (``inf`` when nothing is acceptable)."""
        if obs.order.shape[0] == 0:
            return float("inf")
        u_max, u_low = self.bounds(obs)
        return min(u_low + self.params.aspiration * (u_max - u_low), u_max)

    def _propose(self, obs: Observation) -> int | None:
        if obs.order.shape[0] == 0:
            return None
        return int(obs.order[0])

    def _respond(self, obs: Observation, offer: int) -> bool:
        return bool(obs.acceptable[offer]) and float(obs.utilities[offer]) >= self.aspiration(obs)
