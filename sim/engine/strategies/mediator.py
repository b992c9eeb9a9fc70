"""The single-negotiating-text mediator: draft, hear objections, revise.

Core object:
    Mediator (``mediator``): drafts texts for the single_text protocol through
        `Mediator.draft`; as a party it makes no proposals of its own and accepts what
        beats its reservation value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.observation import MediatorObservation, Observation
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.registry import register

__all__ = ["Mediator"]


class MediatorParams(StrategyParams):
    """The mediator's rule has no free parameters."""


@register
class Mediator(Strategy[MediatorParams]):
    """Draft a single text and revise only what the parties object to.

    First text: the feasible package the mediator likes best by its own utilities; ties
    (all packages, for a neutral mediator whose utilities are all equal) go to the package
    closest to the centre of every issue's option order (option ``(n - 1) // 2``, L1
    distance), then to the package first in the issues' id order (a key independent of the
    order of issues in the file). The centre is the neutral prior: it splits every
    ordered issue down the middle.

    Revision: every issue objected to in the last text moves one step along its option
    order, to the neighbouring option; issues with more objectors go first (ties: the issue
    whose id sorts first). Of the two
    neighbours it prefers the one less objected to so far (objections are tallied per
    issue and option), then the one it likes better, then it alternates direction on each
    move of that issue. A move is kept only if the text stays feasible (the mediator's red
    lines, the agenda constraints, the candidate set); otherwise the other neighbour is
    tried, else the issue stays. If the revision changes nothing or repeats an earlier
    text, the mediator drafts the best feasible package it has not drafted yet (same
    ordering as the first text). With no objections the text stands. Deterministic.

    As a party in other protocols it passes instead of proposing and accepts any allowed
    offer worth at least its reservation value.

    Sources: R. Fisher (1978), "Playing the wrong game?", in *Dynamics of Third Party
    Intervention*, and H. Raiffa (1982), *The Art and Science of Negotiation*, chapter 14
    (the single negotiating text used at Camp David).
    """

    name = "mediator"
    role = "mediator"
    reservation_aware = True
    Params = MediatorParams

    def __init__(
        self, params: StrategyParams | dict[str, Any] | None, rng: np.random.Generator
    ) -> None:
        """Create the mediator (see `Strategy.__init__`)."""
        # caches keyed by the identity of the arrays they derive from; kept across resets
        self._space: tuple | None = None
        self._ranking_key: tuple | None = None
        self._ranking: np.ndarray | None = None
        super().__init__(params, rng)

    def _reset(self) -> None:
        self._tally: dict[tuple[int, int], int] = {}
        self._flips: dict[int, int] = {}
        self._tallied = 0
        self._ranking_pos = 0

    # ------------------------------------------------------------------ as a party
    def aspiration(self, obs: Observation) -> float:
        """Its reservation value (``inf`` when nothing is acceptable)."""
        if obs.order.shape[0] == 0:
            return float("inf")
        return obs.reservation

    def _propose(self, obs: Observation) -> int | None:
        return None  # a mediator does not make partisan offers

    def _respond(self, obs: Observation, offer: int) -> bool:
        return bool(obs.acceptable[offer]) and float(obs.utilities[offer]) >= obs.reservation

    # ------------------------------------------------------------------ drafting
    def draft(
        self,
        obs: MediatorObservation,
        objections_by_actor: dict[int, tuple[int, ...]] | None = None,
        texts_so_far: tuple[int, ...] | None = None,
    ) -> int | None:
        """The next text to put to the parties.

        Args:
            obs: the mediator's observation.
            objections_by_actor: party index -> issues it objected to in the last text
                (default: ``obs.objections[-1]``).
            texts_so_far: rows drafted so far, oldest first (default: ``obs.texts``).

        Returns:
            A feasible row, or None when nothing is feasible.
        """
        texts = obs.texts if texts_so_far is None else tuple(texts_so_far)
        if objections_by_actor is None:
            objections_by_actor = obs.objections[-1] if obs.objections else {}
        row = self._draft(obs, objections_by_actor, texts)
        if row is not None and not (0 <= row < obs.feasible.shape[0] and obs.feasible[row]):
            self.guard_trips += 1
            row = self._first(obs)
        return row

    def _draft(
        self, obs: MediatorObservation, objections: dict[int, tuple[int, ...]], texts: tuple
    ) -> int | None:
        if not texts:
            return self._first(obs)
        current = int(texts[-1])
        options = [int(x) for x in obs.packages[current]]
        if len(texts) < self._tallied:  # a new negotiation or stage: start afresh
            self._reset()
        if len(texts) > self._tallied:  # tally the objections to the last text once
            for issues in objections.values():
                for i in issues:
                    key = (int(i), options[int(i)])
                    self._tally[key] = self._tally.get(key, 0) + 1
            self._tallied = len(texts)
        objectors: dict[int, int] = {}
        for issues in objections.values():
            for i in issues:
                objectors[int(i)] = objectors.get(int(i), 0) + 1
        if not objectors:
            return current
        strides, lookup = self._encoding(obs)
        code = int(np.dot(obs.packages[current], strides))
        radix = obs.radix
        rank = obs.issue_rank
        for i in sorted(objectors, key=lambda j: (-objectors[j],
                                                 int(rank[j]) if rank is not None else j)):
            o = options[i]
            step = 1 if self._flips.get(i, 0) % 2 == 0 else -1
            ranked = []
            for direction, d in enumerate((step, -step)):
                new = o + d
                if not 0 <= new < int(radix[i]):
                    continue
                row = self._row(lookup, code + d * int(strides[i]))
                if row < 0 or not obs.feasible[row]:
                    continue
                ranked.append(
                    (self._tally.get((i, new), 0), -float(obs.utilities[row]), direction, new)
                )
            if ranked:
                new = min(ranked)[3]
                code += (new - o) * int(strides[i])
                options[i] = new
                self._flips[i] = self._flips.get(i, 0) + 1
        row = self._row(lookup, code)
        if row == current or row in set(texts):
            return self._next_unused(obs, set(texts), current)
        return row

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _row(lookup: np.ndarray | None, code: int) -> int:
        return code if lookup is None else int(lookup[code])

    def _encoding(self, obs: MediatorObservation) -> tuple[np.ndarray, np.ndarray | None]:
        """Mixed-radix strides and, unless rows already are codes, a code -> row table."""
        if self._space is None or self._space[0] is not obs.packages:
            radix = np.asarray(obs.radix, dtype=np.int64)
            strides = np.ones(radix.shape[0], dtype=np.int64)
            if radix.shape[0] > 1:
                strides[:-1] = np.cumprod(radix[::-1])[::-1][1:]
            codes = obs.packages.astype(np.int64) @ strides
            k = codes.shape[0]
            if np.array_equal(codes, np.arange(k)):
                lookup = None
            else:
                lookup = np.full(int(np.prod(radix)), -1, dtype=np.int64)
                lookup[codes] = np.arange(k)
            self._space = (obs.packages, strides, lookup)
        return self._space[1], self._space[2]

    def _ranked(self, obs: MediatorObservation) -> np.ndarray:
        """Feasible rows by mediator utility (desc), distance to the centre, row."""
        key = self._ranking_key
        if key is None or any(a is not b for a, b in zip(
                key, (obs.packages, obs.utilities, obs.feasible), strict=True)):
            rows = np.flatnonzero(obs.feasible)
            centre = (np.asarray(obs.radix, dtype=np.int64) - 1) // 2
            dist = np.abs(obs.packages[rows] - centre).sum(axis=1)
            last = rows if obs.tiebreak is None else np.asarray(obs.tiebreak)[rows]
            self._ranking = rows[np.lexsort((last, dist, -obs.utilities[rows]))]
            self._ranking_key = (obs.packages, obs.utilities, obs.feasible)
            self._ranking_pos = 0  # a new candidate set: start the fallback from the top
        assert self._ranking is not None  # set together with _ranking_key
        return self._ranking

    def _first(self, obs: MediatorObservation) -> int | None:
        ranking = self._ranked(obs)
        return int(ranking[0]) if ranking.shape[0] else None

    def _next_unused(self, obs: MediatorObservation, used: set[int], current: int) -> int:
        """The best-ranked feasible row not drafted yet (else the current text)."""
        ranking = self._ranked(obs)
        while self._ranking_pos < ranking.shape[0]:
            row = int(ranking[self._ranking_pos])
            if row not in used:
                return row
            self._ranking_pos += 1
        return current
