"""Summit ratification over a batch: votes, renegotiation and the negotiators' beliefs.

Core objects:
    Votes: per run, the negotiators' beliefs about the ratifiers (`TableBeliefs`): each run
        points at one node of a tree of vote histories; a node's posterior is computed
        once, when the first run reaches it (runs with the same votes share it).
    settle: the runs where the summit passed a package: the ratification vote, and then
        an agreement, a stillborn deal, or (``renegotiate``) talks that go on.

The rules are those of `sim.engine.protocols.summit_ratification` and
`sim.engine.protocols.rounds._settle`: every vote counts in ``attempts``; a rejected deal
returns to the table while rounds remain after this one and fewer than ``max_attempts``
votes were held, after a Bayes update of every negotiator's beliefs from every ratifier's
answer (`TableBeliefs.observe`); the talks then go on with the same history, proposer
rotation and ``seen`` values (a passed round updates none), and nobody walks out in the
round of the rejection. The last rejected vote is stillborn. ``beliefs_final`` is read
from the beliefs the last vote was called under (before its answer).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.beliefs import TableBeliefs
from sim.engine.protocols.records import AGREEMENT, STILLBORN

__all__ = ["Votes", "settle"]


class Votes:
    """Per run, which beliefs the negotiators hold (a node of the vote-history tree).

    Attributes:
        at: shape (B,), each run's node.
        states: per node, its `TableBeliefs` (node 0: the prior).
    """

    def __init__(self, prior: TableBeliefs, batch: int) -> None:
        self.at = np.zeros(batch, dtype=np.int64)
        self.states: list[TableBeliefs] = [prior]
        self._child: dict[tuple[int, int, int], int] = {}
        self._final: dict[tuple[int, int], dict[str, dict[str, float]]] = {}

    def observe(self, runs: np.ndarray, rows: np.ndarray, masks: np.ndarray) -> None:
        """The ratifiers answered ``rows`` in ``runs``: move to the posterior.

        Bit ``j`` of ``masks``: ratifier ``j`` accepted (`TableBeliefs.observe`).
        """
        n = len(self.states[0].ratifiers)
        for b, row, mask in zip(runs.tolist(), rows.tolist(), masks.tolist(), strict=True):
            key = (int(self.at[b]), row, mask)
            node = self._child.get(key)
            if node is None:
                answers = [bool(mask >> j & 1) for j in range(n)]
                self.states.append(self.states[key[0]].observe(row, answers))
                node = self._child[key] = len(self.states) - 1
            self.at[b] = node

    def groups(self, runs: np.ndarray, actor: int
               ) -> list[tuple[np.ndarray, int, np.ndarray | None]]:
        """``runs`` grouped by node: ``(positions in runs, node, actor's ratification)``.

        The ratification vector is ``TableBeliefs.of(actor)`` (None: not a negotiator).
        """
        nodes = self.at[runs]
        out = []
        for node in np.unique(nodes).tolist():
            out.append((np.flatnonzero(nodes == node), node, self.states[node].of(actor)))
        return out

    def final(self, b: int, row: int, actors: tuple[str, ...]) -> dict[str, dict[str, float]]:
        """`TableBeliefs.final` of run ``b``'s current beliefs (a fresh copy)."""
        key = (int(self.at[b]), row)
        hit = self._final.get(key)
        if hit is None:
            hit = self._final[key] = self.states[key[0]].final(row, actors)
        return {n: dict(about) for n, about in hit.items()}


def settle(play: Any, runs: np.ndarray, rows: np.ndarray, ok: np.ndarray,
           masks: np.ndarray, t: int, done: np.ndarray) -> None:
    """The summit passed ``rows`` in ``runs``; ``ok``: the ratifiers ratified it.

    ``masks``: per run, the ratifiers who accepted (bit ``j``: ``batch.ratifiers[j]``).
    Ended runs are marked in ``done``; resumed ones in ``play.rejected``.
    """
    batch = play.batch
    play.attempts[runs] += 1
    again = np.zeros(runs.size, dtype=bool)
    if batch.renegotiate and t + 1 < batch.protocol.deadline:
        again = ~ok
        if batch.max_attempts is not None:
            again &= play.attempts[runs] < batch.max_attempts
    if again.any():
        back = runs[again]
        if play.votes is not None:
            play.votes.observe(back, rows[again], masks[again])
        play.rejected[back] = True
    end = ~again
    for b, r, o in zip(runs[end].tolist(), rows[end].tolist(), ok[end].tolist(), strict=True):
        play.reason[b] = AGREEMENT if o else STILLBORN
        play.deal[b], play.end_round[b] = r, t
        play.ratified[b] = bool(o)
    done[runs[end]] = True
