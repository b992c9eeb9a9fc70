"""The hill-climbing voter of mediated single-text negotiation.

Core object:
    HillClimber (``hill_climber``): votes for a text that is no worse for it than the text
        before it, signs only in the last round.
    VoterKernel: the batch kernel of the voters (``hill_climber``; ``annealer`` extends
        it): their answers and, in the single text, their objections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from sim.engine.observation import Observation
from sim.engine.strategies.base import MAX_OBJECTIONS, Strategy, StrategyParams
from sim.engine.strategies.kernel import ObjectingKernel, top_issues, value_table
from sim.engine.strategies.registry import register

if TYPE_CHECKING:
    from sim.engine.prepared import StageView

__all__ = ["HillClimber", "Voter", "previous_text", "worse_issues"]

#: Utility differences below this count as ties (the vote goes for the change).
TIE = 1e-12


def previous_text(obs: Observation, offer: int) -> int | None:
    """The text (or proposal) right before ``offer`` in this stage, or None."""
    rows = [row for _round, _who, row in obs.history]
    if rows and rows[-1] == offer:
        rows = rows[:-1]
    return rows[-1] if rows else None


class HillClimberParams(StrategyParams):
    """The hill climber's rule has no free parameters."""


VP = TypeVar("VP", bound=StrategyParams)


class Voter(Strategy[VP]):
    """The voters' shared rule (see `HillClimber`); ``votes_for`` is the only difference."""

    reservation_aware = True

    def aspiration(self, obs: Observation) -> float:
        """What it signs in the last round: its reservation value (``inf``: nothing)."""
        return float("inf") if obs.order.shape[0] == 0 else obs.reservation

    def _propose(self, obs: Observation) -> int | None:
        return None  # a voter does not draft

    def _respond(self, obs: Observation, offer: int) -> bool:
        if obs.round < obs.deadline - 1:
            return False
        return bool(obs.acceptable[offer]) and float(obs.utilities[offer]) >= obs.reservation

    def objections(self, obs: Observation, offer: int) -> tuple[int, ...]:
        """No objection: a vote for the change; else the issues the change hurts most."""
        before = previous_text(obs, offer)
        if before is None or self.votes_for(obs, offer, before):
            return ()
        return worse_issues(obs, offer, before)

    def votes_for(self, obs: Observation, offer: int, before: int) -> bool:
        """Whether it votes for moving from ``before`` to ``offer``: no worse for it."""
        return float(obs.utilities[offer]) >= float(obs.utilities[before]) - TIE


class VoterKernel(ObjectingKernel):
    """`Voter` over many runs: no proposals, signs in the last round, votes on changes."""

    def __init__(self, strategy: Any, view: StageView, actor: int) -> None:
        super().__init__(strategy, view, actor)
        self.table, self.w = value_table(view.parts[actor][5], view.parts[actor][6])

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        return np.full(runs.shape[0], -1, dtype=np.int64)

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        if t < deadline - 1:
            return np.zeros(runs.shape[0], dtype=bool)
        return self.acceptable[offer] & (self.u[offer] >= res)

    def votes_for(self, runs: np.ndarray, time: float, offer: np.ndarray,
                  before: np.ndarray) -> np.ndarray:
        """`Voter.votes_for` per run: no worse for it."""
        return self.u[offer] >= self.u[before] - TIE

    def objections(self, runs: np.ndarray, t: int, time: float, offer: np.ndarray,
                   before: np.ndarray, packages: np.ndarray, rank: np.ndarray
                   ) -> np.ndarray:
        out = np.zeros((runs.shape[0], packages.shape[1]), dtype=bool)
        has = np.flatnonzero(before >= 0)
        if has.size == 0:
            return out
        against = has[~self.votes_for(runs[has], time, offer[has], before[has])]
        if against.size:
            out[against] = self.worse_issues(packages[before[against]],
                                             packages[offer[against]], rank)
        return out

    def worse_issues(self, old: np.ndarray, new: np.ndarray, rank: np.ndarray) -> np.ndarray:
        """`worse_issues` per run, as a mask over the issues."""
        old, new = old.astype(np.int64), new.astype(np.int64)
        issues = np.arange(old.shape[1])
        changed = old != new
        loss = self.w * (self.table[issues, old] - self.table[issues, new])
        hurt = changed & (loss > 0.0)
        cand = np.where(hurt.any(axis=1)[:, None], hurt, changed)
        out = top_issues(loss, cand, rank, MAX_OBJECTIONS)
        same = ~changed.any(axis=1)
        if same.any() and old.shape[1]:  # no change: the first issue (as `worse_issues`)
            out[same] = False
            out[same, 0] = True
        return out


@register
class HillClimber(Voter[HillClimberParams]):
    """Vote for every change that does not make it worse off; sign in the last round.

    Rule: before the last round it never accepts (signs) a text; asked why it rejects,
    it names no objection when the text is worth at least as much to it as the text right
    before it (a vote *for* the change, read by the ``random_mutation`` mediator), and
    otherwise the issues on which the change hurts it most (the vote against). In the last
    round it signs any allowed text worth at least its reservation value. It makes no
    proposals of its own. With a ``random_mutation`` mediator this is the hill climber of
    mediated single-text negotiation: the reference text only ever moves uphill for
    every voter, so the talks stop at a local optimum.

    Source: M. Klein, P. Faratin, H. Sayama and Y. Bar-Yam (2003), "Negotiating complex
    contracts", *Group Decision and Negotiation* 12(2), 111-125.
    """

    name = "hill_climber"
    Params = HillClimberParams
    kernel = VoterKernel


def worse_issues(obs: Observation, offer: int, before: int) -> tuple[int, ...]:
    """The issues changed from ``before`` to ``offer``, those losing it most value first.

    Losses ``w_i * (v_i(before) - v_i(offer))``; ties by issue id; at most
    `MAX_OBJECTIONS`; never empty when the texts differ (a change that hurts only through
    interaction terms names the changed issues).
    """
    old, new = obs.packages[before], obs.packages[offer]
    changed = [i for i in range(old.shape[0]) if int(old[i]) != int(new[i])]
    if not changed:
        return (0,) if old.shape[0] else ()
    rank = obs.issue_rank

    def loss(i: int) -> float:
        table = obs.values[i]
        return float(obs.weights[i]) * (float(table[int(old[i])]) - float(table[int(new[i])]))

    order = sorted(changed, key=lambda i: (-loss(i), int(rank[i]) if rank is not None else i))
    hurt = [i for i in order if loss(i) > 0.0] or order
    return tuple(hurt[:MAX_OBJECTIONS])
