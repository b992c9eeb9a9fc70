"""The negotiator who looks past the summit to the ratifiers (``ratification_aware``).

Core object:
    RatificationAware: time-dependent concession over *expected* utility, a package's
        value weighted by its believed probability of ratification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.engine.observation import Observation
from sim.engine.strategies.base import StrategyParams
from sim.engine.strategies.registry import register
from sim.engine.strategies.time_dependent import (
    TimeDependent,
    TimeDependentKernel,
    TimeDependentParams,
)

if TYPE_CHECKING:
    from sim.engine.prepared import StageView

#: A ranking in expected utility: ``(rows, expected utilities descending, ascending)``.
Ranked = tuple[np.ndarray, np.ndarray, np.ndarray]


#: The packages a belief lets it consider, in ``order``: ``(rows, p, u, u ascending)``.
Positive = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _positive(p: np.ndarray, order: np.ndarray, u: np.ndarray) -> Positive:
    """The rows of ``order`` with ``p > 0`` (still by own utility, descending)."""
    pr = p[order]
    keep = pr > 0.0
    uu = u[order][keep]
    return order[keep], pr[keep], uu, np.ascontiguousarray(uu[::-1])


def _rank(positive: Positive, d: float) -> Ranked:
    """`RatificationAware._ranked` for one belief and reservation value ``d``.

    The rows worth at least ``d`` are a prefix of ``positive`` (own utility descending).
    """
    rows, pr, uu, asc = positive
    n = asc.shape[0] - int(np.searchsorted(asc, d, side="left"))
    rows, pr, uu = rows[:n], pr[:n], uu[:n]
    eu = pr * uu + (1.0 - pr) * d
    if eu.size > 1 and not np.all(eu[:-1] >= eu[1:]):  # else the stable sort is the identity
        idx = np.argsort(-eu, kind="stable")  # ties keep the order: own utility first
        rows, eu = rows[idx], eu[idx]
    return rows, eu, np.ascontiguousarray(eu[::-1])


class RatificationAwareKernel(TimeDependentKernel):
    """`RatificationAware` over a batch: `TimeDependentKernel` where it holds no beliefs.

    With beliefs (``self.beliefs``, per run), the runs of a call are grouped by belief and
    reservation value; each group shares one ranking in expected utility (cached per
    call), so one aspiration and one window, and the frequency model picks per run.
    """

    def __init__(self, strategy: Any, view: StageView, actor: int) -> None:
        super().__init__(strategy, view, actor)
        self._ranks: dict[tuple[int, float], Ranked] = {}
        self._positive: dict[int, Positive] = {}

    def start(self, batch: int, n_actors: int) -> None:
        """Start a batch: no rankings yet (belief keys are per call)."""
        super().start(batch, n_actors)
        self._ranks = {}  # belief keys are per call
        self._positive = {}

    def _groups(self, runs: np.ndarray, res: np.ndarray
                ) -> list[tuple[np.ndarray, float, np.ndarray, Ranked]] | None:
        """``[(positions in runs, reservation value, ratification vector, ranking)]``.

        None: it holds no beliefs (no beliefs at the table, or it is no negotiator).
        """
        if self.beliefs is None:
            return None
        out = []
        for pos, key, p in self.beliefs.groups(runs, self.actor):
            if p is None:
                return None  # not a negotiator: it holds no beliefs in any run
            positive = self._positive.get(key)
            if positive is None:
                positive = self._positive[key] = _positive(p, self.order, self.u)
            values, inverse = np.unique(res[pos], return_inverse=True)
            by = np.argsort(inverse, kind="stable")
            bounds = np.searchsorted(inverse[by], np.arange(values.size + 1))
            for j, d in enumerate(values.tolist()):
                ranked = self._ranks.get((key, d))
                if ranked is None:
                    ranked = self._ranks[(key, d)] = _rank(positive, d)
                out.append((pos[by[bounds[j]:bounds[j + 1]]], d, p, ranked))
        return out

    def _aspiration(self, eu: np.ndarray, d: float, t: float) -> float:
        """`RatificationAware.aspiration_at` (``eu`` non-empty)."""
        e_max = float(eu[0])
        e_min = max(d, float(eu[-1]))
        return min(e_min + (1.0 - self.strategy.conceded(t)) * (e_max - e_min), e_max)

    def _window_of(self, ranked: Ranked, target: float) -> np.ndarray:
        """`RatificationAware._window` (the ranking non-empty)."""
        rows, _, asc = ranked
        n = max(int(asc.shape[0] - np.searchsorted(asc, target, side="left")), 1)
        return rows[max(0, n - self.strategy.params.window):n]

    def propose(self, runs: np.ndarray, t: int, times: tuple[float, ...],
                deadline: int, res: np.ndarray, packages: np.ndarray) -> np.ndarray:
        """`RatificationAware._propose` per run (`TimeDependentKernel` without beliefs)."""
        groups = self._groups(runs, res)
        if groups is None:
            return super().propose(runs, t, times, deadline, res, packages)
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        assert self.memory is not None
        for pos, d, _p, ranked in groups:
            if ranked[1].shape[0] == 0:
                continue  # nothing worth proposing: a pass
            window = self._window_of(ranked, self._aspiration(ranked[1], d, times[t]))
            near = window[::-1]  # ascending expected utility: nearest the aspiration
            pick = np.full(pos.size, -1, dtype=np.int64)
            if self.draws:  # each run's own generator, in its order
                for j, b in enumerate(runs[pos].tolist()):
                    rng = self.rngs[b]
                    if rng.random() < self.explore:
                        pick[j] = window[int(rng.integers(window.shape[0]))]
            rest = pick < 0
            if rest.any():
                pick[rest] = self.memory.most_similar_shared(runs[pos][rest], near, packages)
            out[pos] = pick
        bad = (out >= 0) & ~(self.acceptable[np.maximum(out, 0)]
                             & (self.u[np.maximum(out, 0)] >= res))
        out[bad] = -1  # the final check (never happens: ranked rows pass it)
        return out

    def respond(self, runs: np.ndarray, t: int, times: tuple[float, ...], deadline: int,
                res: np.ndarray, offer: np.ndarray, packages: np.ndarray) -> np.ndarray:
        """`RatificationAware._respond` per run (`TimeDependentKernel` without beliefs)."""
        groups = self._groups(runs, res)
        if groups is None:
            return super().respond(runs, t, times, deadline, res, offer, packages)
        yes = np.zeros(runs.shape[0], dtype=bool)
        assert self.memory is not None
        t_next = min(1.0, (t + 1) / max(deadline - 1, 1))
        for pos, d, p, ranked in groups:
            if ranked[1].shape[0] == 0:
                continue  # its aspiration is inf: it accepts nothing
            off = offer[pos]
            u, pr = self.u[off], p[off]
            ok = self.acceptable[off] & (u >= d) & (pr > 0.0)
            e = pr * u + (1.0 - pr) * d
            accept = ok & (e >= self._aspiration(ranked[1], d, times[t]))
            target = self._aspiration(ranked[1], d, t_next)
            maybe = ok & ~accept & (e >= target)  # AC_next: its next proposal
            if maybe.any():
                window = self._window_of(ranked, target)
                rows = self.memory.most_similar_shared(runs[pos[maybe]], window, packages)
                pn = p[rows]
                accept[maybe] = e[maybe] >= pn * self.u[rows] + (1.0 - pn) * d
            yes[pos] = accept
        return yes


@register
class RatificationAware(TimeDependent):
    """Concede along a curve of relative time in expected utility, ratification included.

    Rule: with ``p(x)`` its believed probability that the ratifiers ratify package ``x``
    (``obs.ratification``, from the summit protocol's ``beliefs``) and ``d`` its current
    reservation value, the expected utility of agreeing on ``x`` is
    ``EU(x) = p(x) * u(x) + (1 - p(x)) * d``: a rejected deal is valued as no deal (a
    lower bound when renegotiation can follow). Among the packages it may propose that
    are worth at least ``d`` and have ``p > 0``, its aspiration falls along the curve of
    `TimeDependent` from the best expected utility to the larger of ``d`` and the worst
    one; it proposes one of the ``window`` packages at or just above the aspiration in
    expected utility (the one most similar to the others' proposals, ties to the one
    nearest the aspiration) and accepts an allowed offer with ``p > 0`` whose expected
    utility reaches the aspiration, or the one of its next proposal (AC_next). Without
    beliefs (any other protocol, or a summit without ``beliefs``) it is exactly
    `TimeDependent` with the same curve.

    Cost: the expected utilities are ranked once per belief and reservation value (a
    vectorised sort over its acceptable packages when a vote changes the beliefs or the
    war moves its reservation value), then each decision is a binary search.

    Source: R. D. Putnam (1988), "Diplomacy and domestic politics: the logic of two-level
    games", *International Organization* 42(3), 427-460 (a negotiator's agreement must lie
    inside the ratifiers' win-set, which it knows only imperfectly); the curve follows
    P. Faratin, C. Sierra and N. R. Jennings (1998), *Robotics and Autonomous Systems* 24.
    """

    name = "ratification_aware"
    time_dependent = False
    reservation_aware = True
    Params: ClassVar[type[StrategyParams]] = TimeDependentParams
    kernel = RatificationAwareKernel

    def _reset(self) -> None:
        super()._reset()
        self._key: tuple[Any, ...] | None = None
        self._rows = np.zeros(0, dtype=np.int64)
        self._eu = np.zeros(0)
        self._asc = np.zeros(0)

    def _ranked(self, obs: Observation) -> bool:
        """Rank the proposable packages by expected utility (cached); False: no beliefs."""
        p = obs.ratification
        if p is None:
            return False
        key = self._key
        if key is not None and key[0] is p and key[1] is obs.order and key[2] == obs.reservation:
            return True
        rows = obs.order
        d = obs.reservation
        pr = p[rows]
        u = obs.utilities[rows]
        keep = (pr > 0.0) & (u >= d)
        rows, pr, u = rows[keep], pr[keep], u[keep]
        eu = pr * u + (1.0 - pr) * d
        idx = np.argsort(-eu, kind="stable")  # ties keep obs.order: own utility first
        self._rows, self._eu = rows[idx], eu[idx]
        self._asc = np.ascontiguousarray(self._eu[::-1])
        self._key = (p, obs.order, d)
        return True

    def expected(self, obs: Observation, row: int) -> float:
        """``EU(row)`` (its own utility when it holds no beliefs)."""
        u = float(obs.utilities[row])
        if obs.ratification is None:
            return u
        p = float(obs.ratification[row])
        return p * u + (1.0 - p) * obs.reservation

    def aspiration_at(self, obs: Observation, t: float) -> float:
        """The aspiration in expected utility at relative time ``t``."""
        if not self._ranked(obs):
            return super().aspiration_at(obs, t)
        if self._eu.shape[0] == 0:
            return float("inf")
        e_max = float(self._eu[0])
        e_min = max(obs.reservation, float(self._eu[-1]))
        return min(e_min + (1.0 - self.conceded(t)) * (e_max - e_min), e_max)

    def aspiration(self, obs: Observation) -> float:
        """The lowest expected utility it accepts now (``inf``: nothing)."""
        if not self._ranked(obs):
            return super().aspiration(obs)
        return self.aspiration_at(obs, obs.relative_time)

    def _window(self, obs: Observation, target: float) -> np.ndarray | None:
        if not self._ranked(obs):
            return super()._window(obs, target)
        if self._eu.shape[0] == 0:
            return None
        n = int(self._asc.shape[0] - np.searchsorted(self._asc, target, side="left"))
        n = max(n, 1)
        return self._rows[max(0, n - self.params.window):n]

    def _nearest_first(self, obs: Observation, rows: np.ndarray) -> np.ndarray:
        if not self._ranked(obs):
            return super()._nearest_first(obs, rows)
        return rows[::-1]  # ascending expected utility: nearest the aspiration

    def _respond(self, obs: Observation, offer: int) -> bool:
        if not self._ranked(obs):
            return super()._respond(obs, offer)
        u = float(obs.utilities[offer])
        p = obs.ratification
        assert p is not None  # _ranked returned True
        if not obs.acceptable[offer] or u < obs.reservation or p[offer] <= 0.0:
            return False
        e = self.expected(obs, offer)
        if e >= self.aspiration(obs):
            return True
        t_next = min(1.0, (obs.round + 1) / max(obs.deadline - 1, 1))
        target = self.aspiration_at(obs, t_next)
        if e < target:
            return False
        self._model.update(obs)
        rows = self._window(obs, target)
        return rows is not None and e >= self.expected(obs, self._model.most_similar(rows))
