"""Per-scenario precomputation shared by every run of a sweep.

Core objects:
    Prepared: the compiled `Problem` with everything a run reads but never changes: the
        analysis (`sim.core.analysis.analyze`: the enumerated packages, the utility matrix
        ``U``, the red-line and agenda masks, the feasible set, the Pareto frontiers and
        the Nash point), each actor's value tables, the Pareto mask used to score
        agreements, and the stage views (computed on first use, then cached).
    StageView: what one stage of the talks offers the actors: the candidate packages, each
        actor's utilities, its acceptable rows presorted by utility, and its best
        attainable utility (for the walk-away rule).
    prepare: build a `Prepared` from a compiled problem.

Nothing here scans all packages per round: a run only indexes these arrays. Every array
handed to strategies is read-only.

Scoring conventions (used by `sim.engine.api`):
    * Pareto dominance is over every actor's utility, as in `sim.core.analysis`.
    * ``inside_red_lines`` marks the agenda-allowed packages inside every participating
      actor's red lines, and ``pareto_red_lines`` its Pareto frontier; ``pareto_agenda``
      is the frontier of all agenda-allowed packages. An agreed package that is feasible
      at the reservation values of its round (inside the red lines and worth at least
      every participant's reservation value *then*, which the war moves) is
      Pareto-optimal iff it lies on ``pareto_red_lines``: a package dominating it is worth
      at least as much to everyone, so it clears the same reservation values and is
      feasible too. A package that is not feasible then is judged against
      ``pareto_agenda``.
    * ``feasible`` is the analysis's static feasible set (red lines and the *base*
      reservation values) and ``nash_row`` its Nash bargaining package over the
      participants' utilities, disagreement point the base reservation values (None when
      the set is empty).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core.analysis import Analysis, analyze
from sim.core.pareto import pareto_mask_subset
from sim.core.problem import Problem
from sim.core.utility import snap
from sim.engine.observation import rank, readonly

__all__ = ["Prepared", "StageView", "prepare"]


@dataclass(frozen=True, eq=False)
class StageView:
    """One stage of the talks as the actors see it (all arrays read-only).

    Attributes:
        name: ``package`` (everything at once), ``ceasefire`` (stage 1 of
            ``ceasefire_first``) or ``rest`` (stage 2, the ceasefire fixed).
        key: the cache key (see `Prepared.view`).
        issues: the issues negotiated in this stage.
        issue_set: the same, as a frozenset.
        fixed: issue -> option held fixed in this stage.
        candidate: shape (k,), bool, the packages that may be put forward.
        utilities: per actor, shape (k,), its utility of every package in this stage.
        orders: per actor, its acceptable rows sorted by utility, descending.
        sorted_utilities: per actor, ``utilities[order]``.
        acceptable: per actor, shape (k,), bool, true exactly on ``orders``.
        best: per actor, its best utility over its acceptable rows (``-inf`` if none).
        ascending: per actor, ``sorted_utilities`` in ascending order (a contiguous copy
            made once per stage, for binary searches by every strategy instance).
        parts: per actor, ``(utilities, order, sorted_utilities, ascending, acceptable,
            values, weights)``: what its observations carry in this stage (one tuple
            look-up per observation on the hot path).
        patience: per actor, its per-round discount factor (`Prepared.patience`).
    """

    name: str
    key: tuple
    issues: tuple[int, ...]
    issue_set: frozenset[int]
    fixed: dict[int, int]
    candidate: np.ndarray
    utilities: tuple[np.ndarray, ...]
    orders: tuple[np.ndarray, ...]
    sorted_utilities: tuple[np.ndarray, ...]
    acceptable: tuple[np.ndarray, ...]
    best: tuple[float, ...]
    ascending: tuple[np.ndarray, ...]
    parts: tuple[tuple[Any, ...], ...]
    patience: tuple[float, ...] = ()


@dataclass(frozen=True, eq=False)
class Prepared:
    """A scenario's precomputation (see the module docstring).

    Attributes:
        problem: the compiled problem.
        packages: shape (k, n_issues), the option index of every issue in every package.
        radix: shape (n_issues,), the number of options of every issue.
        U: shape (k, n_actors), every actor's utility of every package.
        red_ok: shape (k, n_actors), bool, the package respects the actor's red lines.
        agenda_ok: shape (k,), bool, the package respects the agenda constraints.
        values: per actor, its value table of every issue.
        weights: per actor, its issue weights.
        reservations: shape (n_actors,), the base reservation values.
        patience: shape (n_actors,), the per-round discount factors.
        participants: indices of the participating actors.
        feasible: shape (k,), bool, the static feasible set of the analysis.
        inside_red_lines: shape (k,), bool, agenda-allowed and inside every participant's
            red lines.
        pareto_red_lines: shape (k,), bool, the Pareto frontier of ``inside_red_lines``.
        pareto_agenda: shape (k,), bool, the frontier of the agenda-allowed packages.
        nash_row: the Nash package (see the module docstring), or None.
        neutral_utilities: shape (k,), zeros: a neutral mediator's utilities.
        canonical: shape (k,), a per-package key independent of the order of issues in the
            file (`canonical_key`): every tie between packages is broken by it.
        issue_rank: shape (n_issues,), each issue's position among the issue ids sorted:
            every tie between issues is broken by it.
        analysis: the scenario's `sim.core.analysis.Analysis` (without diagnostics).
    """

    problem: Problem
    packages: np.ndarray
    radix: np.ndarray
    U: np.ndarray
    red_ok: np.ndarray
    agenda_ok: np.ndarray
    values: tuple[tuple[np.ndarray, ...], ...]
    weights: tuple[np.ndarray, ...]
    reservations: np.ndarray
    patience: np.ndarray
    participants: tuple[int, ...]
    feasible: np.ndarray
    inside_red_lines: np.ndarray
    pareto_red_lines: np.ndarray
    pareto_agenda: np.ndarray
    nash_row: int | None
    neutral_utilities: np.ndarray
    canonical: np.ndarray
    issue_rank: np.ndarray
    analysis: Analysis | None = field(default=None, repr=False)
    _views: dict = field(default_factory=dict, repr=False)
    _derived: dict = field(default_factory=dict, repr=False)

    def __reduce__(self) -> tuple[Any, tuple[Problem]]:
        """Pickle the `Problem`, not the arrays: unpickling prepares it again.

        Smaller messages to worker processes (runs are deterministic given the problem),
        and the arrays come back read-only.
        """
        return (prepare, (self.problem,))

    @property
    def n_packages(self) -> int:
        """Number of packages ``k``."""
        return int(self.packages.shape[0])

    def derived(self, key: tuple, build: Callable[[], Any]) -> Any:
        """A value of this problem and ``key`` alone, built once and shared by every run.

        It must be immutable: runs never change it, they derive new values from it.
        """
        hit = self._derived.get(key)
        if hit is None:
            hit = self._derived[key] = build()
        return hit

    def view(self, key: tuple) -> StageView:
        """The stage view for ``key``, computed once and cached.

        Keys:
            ``("package",)``: every agenda-allowed package; actors value packages by ``U``.
            ``("ceasefire", i)``: stage 1 of ``ceasefire_first`` on issue ``i``: one
                candidate row per option ``o`` of ``i``, its stage-2 anchor (`anchors`):
                the settlement ``o`` leads to, which every actor values by ``U``. Option
                ``o`` is acceptable to actor ``a`` iff some agenda-allowed package with
                ``o`` respects ``a``'s red lines (an option without any agenda-allowed
                package has no candidate).
            ``("rest", i, o)``: stage 2: the agenda-allowed packages with ``i = o``,
                valued by ``U``.

        Raises:
            KeyError: for an unknown key shape.
        """
        cached = self._views.get(key)
        if cached is None:
            cached = self._build_view(key)
            self._views[key] = cached
        return cached

    def _build_view(self, key: tuple) -> StageView:
        n = self.problem.n_actors
        canon = self.canonical
        all_issues = tuple(range(self.problem.n_issues))
        if key == ("package",):
            candidate = self.agenda_ok
            utilities = tuple(readonly(self.U[:, a]) for a in range(n))
            acceptable = tuple(readonly(self.agenda_ok & self.red_ok[:, a]) for a in range(n))
            ranked = [rank(utilities[a], acceptable[a], canon) for a in range(n)]
            return self._view("package", key, all_issues, {}, candidate, utilities,
                              acceptable, ranked)
        if len(key) == 2 and key[0] == "ceasefire":
            i = int(key[1])
            col = self.packages[:, i]
            candidate = np.zeros(self.n_packages, dtype=bool)
            anchor = self.anchors(i)
            candidate[anchor[anchor >= 0]] = True
            utilities = tuple(readonly(self.U[:, a]) for a in range(n))
            settles: list[np.ndarray] = []  # per actor: the ceasefire rows it can accept
            for a in range(n):
                ok = self.agenda_ok & self.red_ok[:, a]
                viable = np.bincount(col[ok], minlength=int(self.radix[i])) > 0
                settles.append(readonly(candidate & viable[col]))
            ranked = [rank(utilities[a], settles[a], canon) for a in range(n)]
            return self._view("ceasefire", key, (i,), {}, readonly(candidate), utilities,
                              tuple(settles), ranked)
        if len(key) == 3 and key[0] == "rest":
            i, o = int(key[1]), int(key[2])
            base = self.view(("package",))
            col = self.packages[:, i]
            fixed = col == o
            candidate = readonly(self.agenda_ok & fixed)
            acceptable = tuple(readonly(base.acceptable[a] & fixed) for a in range(n))
            ranked = []
            for a in range(n):
                keep = fixed[base.orders[a]]
                ranked.append((readonly(base.orders[a][keep]),
                               readonly(base.sorted_utilities[a][keep])))
            issues = tuple(j for j in all_issues if j != i)
            return self._view("rest", key, issues, {i: o}, candidate, base.utilities,
                              acceptable, ranked)
        raise KeyError(f"unknown stage view key {key!r}")

    def anchors(self, issue: int) -> np.ndarray:
        """Per option of ``issue``, the row of its stage-2 anchor, or -1 when it has none.

        The anchor of option ``o`` is the settlement the parties can expect once ``o`` is
        fixed: among the agenda-allowed packages with ``o`` inside every participant's red
        lines, the Nash bargaining package over the participants' utilities with the base
        reservation values as disagreement point; when none of them clears every
        participant's reservation value, the package with the largest smallest surplus
        ``min_a (U_a - r_a)``; when no package with ``o`` lies inside every participant's
        red lines, the agenda-allowed package with ``o`` with the largest smallest surplus
        (the closest thing to a settlement; stage 2 may then end in ``ceasefire_only``).
        Ties go to the lowest `canonical` key. This is a modelling assumption (a focal
        settlement), not a prediction of stage 2.
        """
        P = list(self.participants)
        col = self.packages[:, issue]
        surplus = self.U[:, P] - self.reservations[P]
        out = np.full(int(self.radix[issue]), -1, dtype=np.int64)
        for o in range(out.shape[0]):
            rows = np.flatnonzero(self.inside_red_lines & (col == o))
            if not rows.size:  # no settlement all could sign: the closest agenda package
                rows = np.flatnonzero(self.agenda_ok & (col == o))
            if not rows.size:
                continue
            s = surplus[rows]
            feasible = np.all(s > 0.0, axis=1) & self.inside_red_lines[rows]
            if feasible.any():
                score = np.where(feasible, np.sum(np.log(np.where(s > 0.0, s, 1.0)), axis=1),
                                 -np.inf)
            else:
                score = s.min(axis=1)
            best = np.flatnonzero(score == score.max())
            out[o] = rows[best[np.argmin(self.canonical[rows[best]])]]
        return out

    def _view(self, name, key, issues, fixed, candidate, utilities, acceptable, ranked):
        """Assemble a `StageView` from its per-actor arrays."""
        orders = tuple(r[0] for r in ranked)
        sorted_utilities = tuple(r[1] for r in ranked)
        best = tuple(float(su[0]) if su.shape[0] else -math.inf for su in sorted_utilities)
        ascending = tuple(readonly(np.ascontiguousarray(su[::-1])) for su in sorted_utilities)
        parts = tuple(
            (utilities[a], orders[a], sorted_utilities[a], ascending[a], acceptable[a],
             self.values[a], self.weights[a])
            for a in range(len(orders))
        )
        return StageView(
            name=name,
            key=key,
            issues=tuple(issues),
            issue_set=frozenset(issues),
            fixed=dict(fixed),
            candidate=readonly(candidate),
            utilities=tuple(utilities),
            orders=orders,
            sorted_utilities=sorted_utilities,
            acceptable=tuple(acceptable),
            best=best,
            ascending=ascending,
            parts=parts,
            patience=tuple(float(x) for x in self.patience),
        )


def prepare(problem: Problem, analysis: Analysis | None = None) -> Prepared:
    """Precompute everything runs of ``problem`` share.

    Args:
        problem: the compiled problem (`sim.scenario.compile_problem` makes one from a
            scenario).
        analysis: an analysis of ``problem`` already made (with its default reservation
            values and thresholds), to reuse instead of analysing again.

    Returns:
        The `Prepared` precomputation.
    """
    if analysis is None:
        analysis = analyze(problem, diagnostics=False)
    # On the analysis core's comparison grid (12 decimals): sums taken in another issue
    # order differ in the last bit, and strategies must see the same ties either way.
    U = snap(analysis.U)
    agenda_ok = np.asarray(analysis.agenda_ok, dtype=bool)
    red_ok = np.asarray(analysis.red_ok, dtype=bool)
    prefs = problem.preferences
    participants = tuple(problem.participant_indices())
    inside = agenda_ok & np.all(red_ok[:, list(participants)], axis=1)
    pareto_agenda = np.asarray(analysis.pareto, dtype=bool)
    pareto_red_lines = pareto_mask_subset(U, inside, pareto_agenda)
    nash = analysis.solutions.get("nash")
    return Prepared(
        problem=problem,
        packages=readonly(analysis.packages),
        radix=readonly(problem.radix),
        U=readonly(U),
        red_ok=readonly(red_ok),
        agenda_ok=readonly(agenda_ok),
        values=tuple(tuple(readonly(np.asarray(v, dtype=np.float64)) for v in p.values)
                     for p in prefs),
        weights=tuple(readonly(np.asarray(p.weights, dtype=np.float64)) for p in prefs),
        reservations=readonly(np.array([p.reservation for p in prefs], dtype=np.float64)),
        patience=readonly(np.array([p.patience for p in prefs], dtype=np.float64)),
        participants=participants,
        feasible=readonly(np.asarray(analysis.feasible, dtype=bool)),
        inside_red_lines=readonly(inside),
        pareto_red_lines=readonly(np.asarray(pareto_red_lines, dtype=bool)),
        pareto_agenda=readonly(pareto_agenda),
        nash_row=None if nash is None else int(nash),
        neutral_utilities=readonly(np.zeros(U.shape[0])),
        canonical=readonly(canonical_key(problem, analysis.packages)),
        issue_rank=readonly(issue_rank(problem)),
        analysis=analysis,
    )


def canonical_key(problem: Problem, packages: np.ndarray) -> np.ndarray:
    """A per-package key independent of the order of issues in the file.

    The packages' option indices re-encoded with the issues sorted by id (options keep
    their declared order): strategies break ties between packages of equal utility by it,
    so reordering the issues of a scenario file reorders nothing but the columns.
    """
    perm = np.argsort(np.array(problem.issues, dtype=object), kind="stable")
    radix = problem.radix[perm].astype(np.int64)
    key = np.zeros(packages.shape[0], dtype=np.int64)
    for j, i in enumerate(perm):
        key = key * radix[j] + packages[:, i].astype(np.int64)
    return key


def issue_rank(problem: Problem) -> np.ndarray:
    """Each issue's position among the issue ids sorted (ties between issues go by it)."""
    order = np.argsort(np.array(problem.issues, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank
