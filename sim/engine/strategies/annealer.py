"""The annealing voter of mediated single-text negotiation.

Core object:
    Annealer (``annealer``): a hill climber that also votes for a worse text with the
        simulated-annealing probability, at a temperature falling to zero by the deadline.
    AnnealerKernel: its batch kernel (one draw per vote against, from the run's generator).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from sim.engine.observation import Observation
from sim.engine.strategies.base import StrategyParams
from sim.engine.strategies.hill_climber import TIE, Voter, VoterKernel
from sim.engine.strategies.registry import register

__all__ = ["Annealer"]


class AnnealerParams(StrategyParams):
    """Parameters of `Annealer`."""

    temperature: float = Field(
        default=0.1, ge=0.0, le=10.0,
        description="Initial temperature in utility units; it falls linearly to 0 at the "
        "deadline.",
    )


class AnnealerKernel(VoterKernel):
    """`Annealer`: a worse text gets its vote with the annealing probability (one draw)."""

    draws = True

    def votes_for(self, runs: np.ndarray, time: float, offer: np.ndarray,
                  before: np.ndarray) -> np.ndarray:
        loss = self.u[before] - self.u[offer]
        yes = loss <= TIE
        temperature = float(self.strategy.params.temperature) * (1.0 - time)
        if temperature <= 0.0:
            return yes
        for j in np.flatnonzero(~yes).tolist():  # one draw per vote against, run by run
            u = self.rngs[int(runs[j])].random()
            yes[j] = u < math.exp(-float(loss[j]) / temperature)
        return yes


@register
class Annealer(Voter[AnnealerParams]):
    """Vote for a worse text with probability ``exp(-loss / T)``, ``T`` cooling to 0.

    Rule: as `HillClimber` (sign only in the last round, the same votes for changes that
    do not make it worse off), except that a change costing it ``loss`` utility also gets
    its vote with probability ``exp(-loss / T)``, one draw from its generator per such
    vote, at temperature ``T = temperature * (1 - relative_time)``. Early on it lets the
    reference text wander downhill, which lets the talks leave a local optimum; by the
    deadline it votes as a hill climber.

    Source: M. Klein, P. Faratin, H. Sayama and Y. Bar-Yam (2003), "Negotiating complex
    contracts", *Group Decision and Negotiation* 12(2), 111-125 (after S. Kirkpatrick,
    C. D. Gelatt and M. P. Vecchi (1983), "Optimization by simulated annealing",
    *Science* 220(4598), 671-680).
    """

    name = "annealer"
    stochastic = True
    Params = AnnealerParams
    kernel = AnnealerKernel

    def votes_for(self, obs: Observation, offer: int, before: int) -> bool:
        """For a change no worse for it; for a worse one with the annealing probability."""
        loss = float(obs.utilities[before]) - float(obs.utilities[offer])
        if loss <= TIE:
            return True
        temperature = float(self.params.temperature) * (1.0 - obs.relative_time)
        if temperature <= 0.0:
            return False
        return bool(self.rng.random() < math.exp(-loss / temperature))
