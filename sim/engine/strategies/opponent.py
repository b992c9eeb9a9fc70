"""A frequency opponent model shared by the strategies that offer "what the others want".

Core object:
    FrequencyModel: counts, per issue, how often each option appeared in the *other*
        parties' proposals, updated incrementally from ``obs.history``; scores a small set
        of candidate packages by the summed counts of their options.

Frequency analysis is the simplest of the opponent models surveyed by T. Baarslag,
M. J. C. Hendrikx, K. V. Hindriks and C. M. Jonker (2016), "Learning about the opponent in
automated bilateral negotiation: a comprehensive survey of opponent modeling techniques",
*Autonomous Agents and Multi-Agent Systems* 30(5), 849-898: options a party keeps
proposing are taken to be the ones it values. Here all other parties are pooled, so the
most "similar" package is the one closest to what the rest of the table keeps asking for.
"""

from __future__ import annotations

import numpy as np

from sim.engine.observation import Observation

__all__ = ["FrequencyModel"]


class FrequencyModel:
    """Option counts in the other parties' proposals, one flat array over all options.

    Attributes:
        n_seen: how many entries of the history have been processed.
        n_counted: how many proposals by others have been counted.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget every proposal seen."""
        self._packages: np.ndarray | None = None
        self._offsets: np.ndarray | None = None
        self._counts: np.ndarray | None = None
        self.n_seen = 0
        self.n_counted = 0

    def update(self, obs: Observation) -> None:
        """Count the proposals added to ``obs.history`` since the last call.

        The model restarts when the package table changes or the history is shorter than
        what was already seen (a new negotiation or a new stage).
        """
        history = obs.history
        if obs.packages is not self._packages or len(history) < self.n_seen:
            self._start(obs)
        if len(history) == self.n_seen:
            return
        packages, offsets, counts = self._packages, self._offsets, self._counts
        assert packages is not None and offsets is not None and counts is not None  # _start
        me = obs.me
        rows = [row for _, who, row in history[self.n_seen:] if who != me]
        self.n_seen = len(history)
        if len(rows) == 1:  # the usual case: one new proposal
            counts[packages[rows[0]] + offsets] += 1
        elif rows:
            flat = (packages[rows] + offsets).ravel()
            counts += np.bincount(flat, minlength=counts.shape[0])
        self.n_counted += len(rows)

    def _start(self, obs: Observation) -> None:
        sizes = np.array([len(v) for v in obs.values], dtype=np.int64)
        self._packages = obs.packages
        self._offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        self._counts = np.zeros(int(sizes.sum()), dtype=np.int64)
        self.n_seen = 0
        self.n_counted = 0

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Summed option counts of each candidate row (higher: closer to the others)."""
        packages, offsets, counts = self._packages, self._offsets, self._counts
        if counts is None:
            return np.zeros(len(rows), dtype=np.int64)
        assert packages is not None and offsets is not None  # set with counts by _start
        return counts[packages[rows] + offsets].sum(axis=1)

    def most_similar(self, rows: np.ndarray) -> int:
        """The candidate with the highest score; ties go to the earliest candidate.

        Args:
            rows: a non-empty array of candidate rows (a small window), in the caller's
                order of preference (a slice of ``obs.order``: own utility descending,
                then lower row).

        Returns:
            The chosen row.
        """
        if self.n_counted == 0:
            return int(rows[0])
        return int(rows[np.argmax(self.scores(rows))])  # argmax: the first maximum
