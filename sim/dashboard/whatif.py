"""The dashboard's computations, without any user interface: edits in, numbers out.

Core objects:
    Base: the scenario the dashboard was started with, as a complete scenario dict (the
        form experiment parameter paths address) and its validated `Scenario`.
    Edits: the what-if edits, a tuple of ``(path, value)`` pairs in experiment-file
        syntax (``actors.russia.reservation``, ``protocol.acceptance.quota``), plus the
        whole ``protocol.params`` where the table changes.
    apply_edits / edited: the edited scenario dict / the validated edited scenario
        (``negsim analyze`` on that dict written out gives the same numbers: it runs the
        same validation, compilation and analysis).
    View: one edited scenario, compiled and analysed (feasible set, Pareto frontiers,
        Nash and KS packages), with the time it took; ``score(row)`` is `sim.api.score`.
    view: build a `View`; pair_frontier: the Pareto frontier of two actors' utilities.

The dashboard's panels only display what these functions return, so the numbers on the
page are the numbers of the command line by construction.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.api import score
from sim.core.analysis import Analysis, analyze
from sim.core.arrays import BoolArray, IntArray
from sim.core.pareto import pareto_mask
from sim.core.problem import Problem
from sim.core.score import PackageScore
from sim.core.space import encode
from sim.experiment import paths
from sim.experiment.point import complete_scenario
from sim.scenario import Scenario, compile_problem, validate_data

__all__ = ["PARAMS", "SEATING", "Base", "Edits", "Mapped", "View", "apply_edits", "edited",
           "hashable", "pair_frontier", "utility_edits", "view"]

#: The path that replaces the protocol's parameters whole (when the table changes).
PARAMS = "protocol.params"
#: The protocol parameter that says who sits at the table, for the protocols that have one.
SEATING = {"summit_ratification": "negotiators", "alternating_offers": "order",
           "single_text": "parties"}

Edits = tuple[tuple[str, Any], ...]


@dataclass(frozen=True, eq=False)
class Base:
    """The scenario the dashboard opened.

    Attributes:
        path: the scenario file.
        data: its complete scenario dict (validated, defaults filled in).
        scenario: the validated scenario.
    """

    path: Path
    data: dict[str, Any]
    scenario: Scenario

    @classmethod
    def load(cls, path: str | Path) -> Base:
        """Read and validate a scenario file.

        Raises:
            ScenarioError: an invalid file (one line per problem).
        """
        path = Path(path)
        data = complete_scenario(path)
        return cls(path=path, data=data, scenario=validate_data(data, str(path)))

    def value(self, path: str) -> Any:
        """The file's value at an experiment path (e.g. ``actors.russia.reservation``)."""
        return paths.get_value(self.data, paths.resolve(self.data, paths.parse_path(path)))


def apply_edits(data: Mapping[str, Any], edits: Edits) -> dict[str, Any]:
    """``data`` with every edit applied in order (``data`` itself is left untouched).

    Raises:
        PathProblem: an edit whose path does not address a single value.
    """
    out = dict(data)
    for path, value in edits:
        if path == PARAMS:
            out["protocol"] = {**out["protocol"], "params": _plain(value)}
            continue
        concrete = paths.resolve(out, paths.parse_path(path))
        out = paths.set_value(out, concrete, _plain(value))
    return out


class Mapped(tuple[tuple[str, Any], ...]):
    """A mapping kept hashable inside `Edits`: ``(key, value)`` pairs."""

    @classmethod
    def of(cls, mapping: Mapping[str, Any]) -> Mapped:
        """The pairs of ``mapping`` (values made hashable too)."""
        return cls((k, hashable(v)) for k, v in mapping.items())


def hashable(value: Any) -> Any:
    """``value`` with lists as tuples and dicts as `Mapped` (for `Edits`)."""
    if isinstance(value, list | tuple) and not isinstance(value, Mapped):
        return tuple(hashable(v) for v in value)
    if isinstance(value, Mapping):
        return Mapped.of(value)
    return value


def _plain(value: Any) -> Any:
    """Values kept hashable in `Edits` back to the lists and dicts a scenario file holds."""
    if isinstance(value, Mapped):
        return {k: _plain(v) for k, v in value}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def edited(base: Base, edits: Edits) -> Scenario:
    """The validated scenario with ``edits`` applied.

    Raises:
        ScenarioError: the edits make the scenario invalid (one line per problem).
        PathProblem: an edit whose path does not address a single value.
    """
    if not edits:
        return base.scenario
    return validate_data(apply_edits(base.data, edits), "what-if")


@dataclass(frozen=True, eq=False)
class View:
    """One edited scenario, compiled and analysed.

    Attributes:
        scenario: the edited scenario.
        problem: its compiled problem.
        analysis: its analysis (no diagnostics: the dashboard does not show them).
        inside: agenda-allowed packages inside every participant's red lines.
        elapsed_ms: wall-clock milliseconds spent building the view.
        scores: package row -> its score, filled on demand.
    """

    scenario: Scenario
    problem: Problem
    analysis: Analysis
    inside: BoolArray
    elapsed_ms: float
    scores: dict[int, PackageScore] = field(default_factory=dict)

    @property
    def n_feasible(self) -> int:
        """The exact number of feasible packages."""
        return int(np.count_nonzero(self.analysis.feasible))

    def solution(self, name: str) -> int | None:
        """The row of a bargaining solution (``nash``, ``kalai_smorodinsky``...)."""
        return self.analysis.solutions.get(name)

    def score(self, row: int) -> PackageScore:
        """`sim.api.score` of package ``row`` in this view (cached)."""
        if row not in self.scores:
            self.scores[row] = score(self.problem, int(row), analysis=self.analysis)
        return self.scores[row]

    def row_of(self, options: tuple[int, ...]) -> int:
        """The package index of option indices (one per issue)."""
        return int(encode(np.asarray(options, dtype=np.int64), self.problem.radix)[0])

    def options_of(self, row: int) -> tuple[int, ...]:
        """The option indices of package ``row``."""
        return tuple(int(o) for o in self.analysis.packages[row])


#: Edits that leave the utilities, red lines and agenda as they are.
_UTILITY_FREE = re.compile(
    r"^(protocol|dynamics)([.\[]|$)|^actors\.[a-z0-9_]+\.(reservation|participates)$")


def utility_edits(edits: Edits) -> Edits:
    """The edits that change utilities, red lines or the agenda (weights, values...)."""
    return tuple((p, v) for p, v in edits if not _UTILITY_FREE.match(p))


def view(scenario: Scenario, reuse: Analysis | None = None) -> View:
    """Compile and analyse an (edited) scenario, timing it.

    Args:
        scenario: the edited scenario.
        reuse: the analysis of the same scenario before edits that only move reservation
            values, participants, the protocol or the dynamics (`utility_edits` tells);
            its utilities, masks and agenda frontier are reused.
    """
    t0 = time.perf_counter()
    problem = compile_problem(scenario)
    analysis = analyze(problem, diagnostics=False, reuse=reuse)
    parts = list(problem.participant_indices())
    inside = analysis.agenda_ok & analysis.red_ok[:, parts].all(axis=1)
    return View(scenario=scenario, problem=problem, analysis=analysis, inside=inside,
                elapsed_ms=(time.perf_counter() - t0) * 1000.0)


def pair_frontier(v: View, x: int, y: int, candidates: BoolArray) -> IntArray:
    """The rows on the Pareto frontier of actors ``x`` and ``y`` alone, sorted by ``x``.

    Args:
        v: the view.
        x: the actor on the horizontal axis.
        y: the actor on the vertical axis.
        candidates: the packages considered (e.g. the feasible set).
    """
    U = v.analysis.U[:, [x, y]]
    rows = np.flatnonzero(pareto_mask(U, candidates))
    order = np.lexsort((-U[rows, 1], U[rows, 0]))
    out: IntArray = rows[order]
    return out
