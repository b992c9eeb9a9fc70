"""The dashboard's state: one set of reactive values per browser session.

Core objects:
    SCENARIO_ENV / RESULTS_ENV: the environment variables `sim.dashboard.server.serve`
        sets for the app (the scenario file, the results directory to open).
    base / names: the opened scenario (read once per process) and its labels.
    current: the `View` of the session's edits (cached per edit set across sessions:
        views are read-only).
    edits, package, pair, error: the session's what-if edits, the drafted package (option
        indices, None for the Nash package), the two actors of the utility-space plot and
        the last refused edit's message.
    set_edits: replace some edits, refusing (with a message) any that make the scenario
        invalid; an edit back to the file's value is dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import solara

from sim.dashboard.text import Names
from sim.dashboard.whatif import Base, Edits, View, edited, hashable, utility_edits, view
from sim.errors import UserError
from sim.experiment.paths import PathProblem

SCENARIO_ENV = "NEGSIM_DASHBOARD_SCENARIO"
RESULTS_ENV = "NEGSIM_DASHBOARD_RESULTS"
DEFAULT_SCENARIO = "scenarios/alaska_summit.yaml"

edits: solara.Reactive[Edits] = solara.reactive(())
package: solara.Reactive[tuple[int, ...] | None] = solara.reactive(None)
pair: solara.Reactive[tuple[int, int]] = solara.reactive((1, 2))
error: solara.Reactive[str] = solara.reactive("")


@lru_cache(maxsize=4)
def _base(path: str) -> Base:
    return Base.load(path)


def base() -> Base:
    """The scenario the dashboard serves."""
    return _base(os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO))


@lru_cache(maxsize=4)
def _names(path: str) -> Names:
    b = _base(path)
    from sim.scenario import compile_problem

    return Names(b.scenario, compile_problem(b.scenario))


def names() -> Names:
    """Labels of the served scenario."""
    return _names(os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO))


@lru_cache(maxsize=64)
def _view(path: str, changes: Edits) -> View:
    key = utility_edits(changes)
    reuse = None if key == changes else _view(path, key).analysis
    return view(edited(_base(path), changes), reuse=reuse)


def current(changes: Edits | None = None) -> View:
    """The view of ``changes`` (default: the session's edits)."""
    return _view(os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO),
                 edits.value if changes is None else changes)


def value(path: str) -> Any:
    """The value in force at a path: the session's edit, else the file's."""
    for p, v in edits.value:
        if p == path:
            return v
    return base().value(path)


def set_edits(changes: dict[str, Any]) -> None:
    """Apply ``changes`` (path -> value) to the session's edits, or refuse them (`error`)."""
    b = base()
    kept = [(p, v) for p, v in edits.value if p not in changes]
    for path, v in changes.items():
        try:
            same = b.value(path) == v
        except PathProblem:
            same = False
        if not same:
            kept.append((path, hashable(v)))
    new = tuple(kept)
    try:
        current(new)
    except (UserError, PathProblem) as exc:
        error.set(f"edit refused: {exc}")
        return
    error.set("")
    edits.set(new)


def setter(path: str, cast: Callable[[Any], Any] = lambda x: x) -> Callable[[Any], None]:
    """A control's ``on_value``: set the edit at ``path`` to ``cast(value)``."""

    def on_value(x: Any) -> None:
        set_edits({path: cast(x)})

    return on_value


def reset() -> None:
    """Drop every edit."""
    error.set("")
    edits.set(())
