"""The subgame-perfect negotiator (``equilibrium``): plays what ``negsim solve`` computes.

Core object:
    Equilibrium (``equilibrium``): proposes the solver's equilibrium offer for its seat and
        round and accepts exactly what the equilibrium accepts.

Complete information: unlike every other strategy it is handed the whole game (every
actor's utilities, red lines, patience and reservation value, the protocol's rule and
deadline) through its equilibrium play (`sim.engine.equilibrium_play`), which the model
binds before the first round; its observations are only used to know the round and its
own utilities. A table of equilibrium agents therefore reproduces ``negsim solve``'s
package in the solver's round (a property in tests/test_patience.py), and heuristic
agents can be measured against rational ones in one run. Only protocols the solver
handles (``solvable``) can seat it: any other is an error when the scenario is validated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine.observation import Observation
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.kernel import Kernel
from sim.engine.strategies.registry import register

if TYPE_CHECKING:
    from sim.engine.equilibrium_play import SeatPlay
    from sim.engine.prepared import StageView

__all__ = ["Equilibrium"]

#: The solver's acceptance tolerance (`sim.core.solver`, ``tol``).
TOLERANCE = 1e-9


class EquilibriumParams(StrategyParams):
    """`Equilibrium` takes no parameters: the game decides everything."""


class EquilibriumKernel(Kernel):
    """`Equilibrium` over a batch: the bound play's proposals and thresholds, per run.

    The play is the same in every run (the equilibrium is computed at the base
    reservation values); only an off-table actor's threshold (its reservation value)
    differs between runs. The strategy must be bound (the batch plan binds it as the
    model does).
    """

    def __init__(self, strategy: Any, view: StageView, actor: int) -> None:
        super().__init__(strategy, view, actor)
        play = strategy._bound()
        self.proposals = play.proposals
        self.thresholds = play.thresholds
        self.allowed = play.allowed

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        row = int(self.proposals[t]) if t < self.proposals.shape[0] else -1
        if row < 0 or not self.acceptable[row]:
            row = -1
        return np.full(runs.shape[0], row, dtype=np.int64)

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if self.m == 0:  # aspiration inf: nothing is accepted
            return np.zeros(runs.shape[0], dtype=bool)
        ok = self.acceptable[offer]
        if self.allowed is not None:
            ok = ok & self.allowed[offer]
        if self.thresholds is None:
            level = res - TOLERANCE
        else:
            level = np.full(runs.shape[0], float(
                self.thresholds[min(t, self.thresholds.shape[0] - 1)]) - TOLERANCE)
        return ok & (self.u[offer] >= level)


@register
class Equilibrium(Strategy[EquilibriumParams]):
    """Play the subgame-perfect equilibrium of the protocol's game.

    Rule: in round ``t`` it proposes the solver's plan entry for its seat (a pass where
    the plan has none) and accepts an allowed offer worth at least its equilibrium
    threshold ``max(r, delta * C[t + 1])`` (``delta * C[t + 1]`` under the ``discounted``
    no-deal convention), ``C`` being the solver's continuation values; off the table (a
    summit ratifier) it accepts from its reservation value up.

    Source: A. Rubinstein (1982), "Perfect equilibrium in a bargaining model",
    *Econometrica* 50, 97-109; D. Baron and J. Ferejohn (1989), "Bargaining in
    legislatures", *American Political Science Review* 83, 1181-1206; the solver is
    `sim.core.solver`.
    """

    name = "equilibrium"
    reads_patience = True
    needs_equilibrium = True
    Params = EquilibriumParams
    kernel = EquilibriumKernel

    def _reset(self) -> None:
        self._play: SeatPlay | None = getattr(self, "_play", None)

    def batchable(self) -> bool:
        """A batch kernel needs the bound play (`bind`)."""
        return self._play is not None

    def bind(self, play: SeatPlay) -> None:
        """Receive this actor's equilibrium play (the model calls it once, before round 0)."""
        self._play = play

    def _bound(self) -> SeatPlay:
        if self._play is None:
            raise RuntimeError("equilibrium: no equilibrium bound; a NegotiationModel binds "
                               "it from the protocol's game (sim.engine.equilibrium_play)")
        return self._play

    def aspiration(self, obs: Observation) -> float:
        """Its equilibrium threshold this round (``inf`` when nothing is acceptable)."""
        if obs.order.shape[0] == 0:
            return float("inf")
        play = self._bound()
        if play.thresholds is None:
            return obs.reservation
        t = min(obs.round, play.thresholds.shape[0] - 1)
        return float(play.thresholds[t])

    def _propose(self, obs: Observation) -> int | None:
        play = self._bound()
        if obs.round >= play.proposals.shape[0]:
            return None
        row = int(play.proposals[obs.round])
        # the solver solves the package game: in a stage that excludes its package (the
        # ceasefire stage of ceasefire_first) it passes rather than break the stage's rule
        return None if row < 0 or not obs.acceptable[row] else row

    def _respond(self, obs: Observation, offer: int) -> bool:
        play = self._bound()
        if not obs.acceptable[offer]:
            return False
        if play.allowed is not None and not play.allowed[offer]:
            return False
        return float(obs.utilities[offer]) >= self.aspiration(obs) - TOLERANCE
