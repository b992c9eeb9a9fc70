"""The BATNA-driven negotiator: asks high, accepts anything better than no deal.

Core object:
    ReservationAware (``reservation_aware``).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from sim.engine.observation import Observation
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.kernel import Kernel
from sim.engine.strategies.opponent import FrequencyModel
from sim.engine.strategies.registry import register

__all__ = ["ReservationAware"]


class ReservationAwareParams(StrategyParams):
    """Parameters of `ReservationAware`."""

    margin: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Required surplus over the reservation value."
    )
    window: int = Field(
        default=32, ge=1, le=4096, description="How many of its best packages it chooses among."
    )


class ReservationAwareKernel(Kernel):
    """`ReservationAware`."""

    uses_memory = True

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        if self.m == 0:
            return out
        p = self.strategy.params
        n = np.minimum(self.count_at_or_above(res + p.margin), p.window)
        ok = n > 0
        if ok.any():
            out[ok] = self._window_pick(runs[ok], np.zeros(int(ok.sum()), dtype=np.int64),
                                        n[ok], packages, False)
        return out

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:
            return np.zeros(runs.shape[0], dtype=bool)
        return self.acceptable[offer] & (self.u[offer] >= res + self.strategy.params.margin)


@register
class ReservationAware(Strategy[ReservationAwareParams]):
    """Accept whatever beats the current BATNA; propose near its best, towards the others.

    Rule: the demand is the current reservation value plus ``margin``; as the war moves
    the reservation value, the demand moves with it. It accepts any allowed offer worth
    at least the demand. It proposes, among its ``window`` best packages that meet the
    demand, the one most similar to what the others have proposed (frequency model; ties
    to the one it prefers, then the lower row), and passes when no package meets the demand.

    Source: R. Fisher and W. Ury (1981), *Getting to Yes*, chapter 6 (the BATNA as the
    standard against which any proposed agreement is measured); H. Raiffa (1982), *The
    Art and Science of Negotiation* (reservation values).
    """

    name = "reservation_aware"
    kernel = ReservationAwareKernel
    reservation_aware = True
    Params = ReservationAwareParams

    def _reset(self) -> None:
        self._model = FrequencyModel()

    def aspiration(self, obs: Observation) -> float:
        """Reservation value plus margin (``inf`` when nothing is acceptable)."""
        if obs.order.shape[0] == 0:
            return float("inf")
        return obs.reservation + self.params.margin

    def _propose(self, obs: Observation) -> int | None:
        n = min(self.count_at_or_above(obs, self.aspiration(obs)), self.params.window)
        if n == 0:
            return None
        self._model.update(obs)
        return self._model.most_similar(obs.order[:n])

    def _respond(self, obs: Observation, offer: int) -> bool:
        return bool(obs.acceptable[offer]) and float(obs.utilities[offer]) >= self.aspiration(obs)
