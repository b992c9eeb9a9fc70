"""The single-negotiating-text mediator: draft, hear objections, revise.

Core object:
    Mediator (``mediator``): drafts texts for the single_text protocol through
        `Mediator.draft`; as a party it makes no proposals of its own and accepts what
        beats its reservation value.
    PartyKernel: the batch kernel of a mediator strategy seated as a party (also used by
        ``random_mutation``).
    MediatorDraftKernel: `Mediator.draft` over many runs at once (the batched single text).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.engine.observation import MediatorObservation, Observation
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.kernel import DraftKernel, Kernel
from sim.engine.strategies.registry import register

__all__ = ["Mediator"]


class MediatorParams(StrategyParams):
    """The mediator's rule has no free parameters."""


class PartyKernel(Kernel):
    """A mediator strategy as a party: no proposals; accepts an allowed offer >= BATNA."""

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        return np.full(runs.shape[0], -1, dtype=np.int64)

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        return self.acceptable[offer] & (self.u[offer] >= res)


class MediatorDraftKernel(DraftKernel):
    """`Mediator.draft` for every run of a batch (the same ranking and encoding helpers).

    Per run: the objection tally per issue and option, the flips per issue and the
    fallback position in the ranking, as arrays; the revision moves the objected issues
    one at a time in the per-run order (most objectors first, then the issue's rank).
    """

    def __init__(self, strategy: Any, obs: MediatorObservation) -> None:
        super().__init__(strategy, obs)
        self.ranking = np.asarray(strategy._ranked(obs), dtype=np.int64)
        self.strides, self.lookup = strategy._encoding(obs)
        self.radix = np.asarray(obs.radix, dtype=np.int64)
        n_issues = self.radix.shape[0]
        rank = obs.issue_rank
        self.rank = np.arange(n_issues) if rank is None else np.asarray(rank, dtype=np.int64)
        self.util = np.asarray(obs.utilities, dtype=np.float64)
        self.feasible = np.asarray(obs.feasible, dtype=bool)
        self.packages = np.asarray(obs.packages, dtype=np.int64)

    def start(self, batch: int, deadline: int) -> None:
        n_issues = self.radix.shape[0]
        width = int(self.radix.max()) if n_issues else 0
        self.tally = np.zeros((batch, n_issues, width), dtype=np.int64)
        self.flips = np.zeros((batch, n_issues), dtype=np.int64)
        self.pos = np.zeros(batch, dtype=np.int64)
        self.heard = np.zeros((batch, n_issues), dtype=np.int64)

    def hear(self, runs: np.ndarray, objected: np.ndarray) -> None:
        self.heard[runs] = objected

    def _rows(self, code: np.ndarray) -> np.ndarray:
        return code if self.lookup is None else self.lookup[code]

    def draft(self, runs: np.ndarray, t: int, deadline: int, texts: np.ndarray,
              n_texts: np.ndarray) -> np.ndarray:
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        if self.ranking.shape[0] == 0:
            return out
        n = n_texts[runs]
        first = n == 0
        out[first] = self.ranking[0]
        sub = np.flatnonzero(~first)
        if sub.size == 0:
            return out
        r = runs[sub]
        current = texts[r, n[sub] - 1]
        opts = self.packages[current]
        heard = self.heard[r]
        issues = np.arange(opts.shape[1])
        self.tally[r[:, None], issues[None, :], opts] += heard  # the last text's objections
        rows = current.copy()
        objected = np.flatnonzero(heard.any(axis=1))
        if objected.size:
            rows[objected] = self._revise(r[objected], opts[objected], heard[objected],
                                          current[objected], texts[:, :int(n.max())])
        out[sub] = rows
        return out

    def _revise(self, r: np.ndarray, opts: np.ndarray, cnt: np.ndarray,
                current: np.ndarray, texts: np.ndarray) -> np.ndarray:
        """`Mediator._draft` after the tally, for runs with objections."""
        opts = opts.copy()
        code = opts @ self.strides
        order = np.lexsort((np.broadcast_to(self.rank, cnt.shape), -cnt), axis=-1)
        idx = np.arange(r.shape[0])
        for j in range(opts.shape[1]):
            i = order[:, j]
            act = cnt[idx, i] > 0
            if not act.any():
                break  # issues with objectors come first in every run
            o = opts[idx, i]
            step = np.where(self.flips[r, i] % 2 == 0, 1, -1)
            rad, stride = self.radix[i], self.strides[i]
            ok0, new0, tal0, neg0 = self._neighbour(r, code, o, step, i, rad, stride, act)
            ok1, new1, tal1, neg1 = self._neighbour(r, code, o, -step, i, rad, stride, act)
            # min over (tally, -utility, direction): the first neighbour wins ties
            take0 = ok0 & (~ok1 | (tal0 < tal1) | ((tal0 == tal1) & (neg0 <= neg1)))
            moved = take0 | ok1
            new = np.where(take0, new0, new1)
            code = np.where(moved, code + (new - o) * stride, code)
            opts[idx[moved], i[moved]] = new[moved]
            self.flips[r[moved], i[moved]] += 1
        row = self._rows(code)
        same = (texts[r] == row[:, None]).any(axis=1)  # the current text is among them
        if same.any():
            k = np.flatnonzero(same)
            row[k] = self._next_unused(r[k], current[k], texts[r[k]])
        return row

    def _neighbour(self, r: np.ndarray, code: np.ndarray, o: np.ndarray, d: np.ndarray,
                   i: np.ndarray, rad: np.ndarray, stride: np.ndarray, act: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Moving issue ``i`` by ``d``: whether allowed, the option, its tally, -utility."""
        new = o + d
        ok = act & (new >= 0) & (new < rad)
        row = self._rows(np.where(ok, code + d * stride, 0))
        ok &= row >= 0
        row = np.maximum(row, 0)
        ok &= self.feasible[row]
        tal = self.tally[r, i, np.clip(new, 0, rad - 1)]
        return ok, new, tal, -self.util[row]

    def _next_unused(self, r: np.ndarray, current: np.ndarray, texts: np.ndarray
                     ) -> np.ndarray:
        """`Mediator._next_unused` per run: the best-ranked row not drafted yet."""
        ranking = self.ranking
        last = ranking.shape[0] - 1
        pos = self.pos[r].copy()
        while True:
            row = ranking[np.minimum(pos, last)]
            used = (pos <= last) & (texts == row[:, None]).any(axis=1)
            if not used.any():
                break
            pos[used] += 1
        self.pos[r] = pos
        return np.where(pos <= last, ranking[np.minimum(pos, last)], current)


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
    kernel = PartyKernel
    draft_kernel = MediatorDraftKernel

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
