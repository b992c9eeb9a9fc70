"""Compile a validated `Scenario` into the pure-numpy `Problem` of `sim.core`.

Red lines become forbidden conjunctions (`Clause`):
    never X            -> forbid [I in X]
    at_least Y         -> forbid [I before Y in the issue's order]
    at_most Y          -> forbid [I after Y]
    not_both A, B      -> forbid [A][B]
    if_then A, B       -> forbid [A][not B]
Weights are normalised to sum to one. Generated issues (``divisible``, ``split``) compile
to generated option sequences and `Linear` value recipes (`sim.scenario.kinds`), scores on
an actor's ``scale`` to [0, 1], and ``bargaining_power`` to the Nash exponent (default 1).

`run_config` reads the engine's run settings (protocol, one strategy per actor, dynamics)
from a scenario.
"""

from __future__ import annotations

import itertools

import numpy as np

from sim.core.generated import ValueTables
from sim.core.problem import Clause, Interaction, Literal, Preferences, Problem
from sim.engine.settings import DEFAULT_STRATEGY, RunConfig
from sim.errors import UserError
from sim.scenario import kinds
from sim.scenario.durability import compile_durability
from sim.scenario.schema import (
    Actor,
    AtLeast,
    AtMost,
    Condition,
    IfThen,
    Never,
    NotBoth,
    Scenario,
)


def _mask(scenario: Scenario, issue: str, options: list[str]) -> tuple[int, np.ndarray]:
    ids = kinds.option_ids(scenario.issues[issue])
    m = np.zeros(len(ids), dtype=bool)
    for o in options:
        m[ids.index(o)] = True
    return list(scenario.issues).index(issue), m


def _cond_literal(scenario: Scenario, c: Condition, negate: bool = False) -> Literal:
    opts = [c.option] if c.option is not None else list(c.options or [])
    i, m = _mask(scenario, c.issue, opts)
    return Literal(i, ~m if negate else m)


def compile_clause(scenario: Scenario, rl) -> Clause:
    """Compile one red line or agenda constraint into a forbidden `Clause`."""
    if isinstance(rl, Never):
        opts = [rl.option] if rl.option is not None else list(rl.options or [])
        i, m = _mask(scenario, rl.issue, opts)
        lits: tuple[Literal, ...] = (Literal(i, m),)
    elif isinstance(rl, AtLeast | AtMost):
        ids = kinds.option_ids(scenario.issues[rl.issue])
        pos = ids.index(rl.option)
        i = list(scenario.issues).index(rl.issue)
        m = np.arange(len(ids)) < pos if isinstance(rl, AtLeast) else np.arange(len(ids)) > pos
        lits = (Literal(i, m),)
    elif isinstance(rl, NotBoth):
        lits = (_cond_literal(scenario, rl.a), _cond_literal(scenario, rl.b))
    elif isinstance(rl, IfThen):
        lits = (_cond_literal(scenario, rl.if_), _cond_literal(scenario, rl.then, negate=True))
    else:  # pragma: no cover - the schema admits only the kinds above
        raise TypeError(f"unknown red line {rl!r}")
    return Clause(rl.name, _merge_same_issue(lits))


def _merge_same_issue(lits: tuple[Literal, ...]) -> tuple[Literal, ...]:
    """Two literals on the same issue must both hold: intersect their masks."""
    by_issue: dict[int, np.ndarray] = {}
    for lit in lits:
        by_issue[lit.issue] = by_issue[lit.issue] & lit.mask if lit.issue in by_issue else lit.mask
    return tuple(Literal(i, m) for i, m in by_issue.items())


def compile_problem(scenario: Scenario) -> Problem:
    """Build the numeric `Problem` for a validated scenario."""
    issue_ids = tuple(scenario.issues)
    options = tuple(kinds.option_ids(issue) for issue in scenario.issues.values())
    prefs = []
    for aid, actor in scenario.actors.items():
        w = np.array([actor.weights[i].value for i in issue_ids], dtype=float)
        w = w / w.sum()
        bounds = scale_of(actor)
        values = ValueTables([
            kinds.compile_values(scenario.issues[i], opts, actor.values.get(i), aid, bounds)
            for i, opts in zip(issue_ids, options, strict=True)
        ])
        inters = []
        for inter in actor.interactions:
            a_opts = [inter.a.option] if inter.a.option is not None else list(inter.a.options or [])
            b_opts = [inter.b.option] if inter.b.option is not None else list(inter.b.options or [])
            ia, ib = issue_ids.index(inter.a.issue), issue_ids.index(inter.b.issue)
            for oa, ob in itertools.product(a_opts, b_opts):
                inters.append(
                    Interaction(ia, options[ia].index(oa), ib, options[ib].index(ob), inter.delta)
                )
        prefs.append(
            Preferences(
                weights=w,
                values=values,
                interactions=tuple(inters),
                aggregation=actor.aggregation,
                reservation=kinds.normalise(actor.reservation.value, bounds),
                patience=float(actor.patience.value),
                red_lines=tuple(compile_clause(scenario, rl) for rl in actor.red_lines),
                empty_value=float(actor.empty_value),
                bargaining_power=(1.0 if actor.bargaining_power is None
                                  else float(actor.bargaining_power.value)),
            )
        )
    adopted = []
    for issue, ids in zip(scenario.issues.values(), options, strict=True):
        base = ids.index(issue.baseline) if issue.baseline is not None else 0
        m = np.ones(len(ids), dtype=bool)
        m[base] = False
        adopted.append(m)
    participants = tuple(i for i, a in enumerate(scenario.actors.values()) if a.participates)
    labels = {
        "issues": {i: (iss.label or i) for i, iss in scenario.issues.items()},
        "options": {i: dict(iss.options) for i, iss in scenario.issues.items()},
        "actors": {a: (act.label or a) for a, act in scenario.actors.items()},
        "scales": {a: scale_of(act) for a, act in scenario.actors.items()},
    }
    durability = None
    if scenario.durability is not None:
        durability = compile_durability(scenario.durability, issue_ids, options)
    return Problem(
        durability=durability,
        issues=issue_ids,
        options=options,
        actors=tuple(scenario.actors),
        preferences=tuple(prefs),
        constraints=tuple(compile_clause(scenario, c) for c in scenario.constraints),
        adopted=tuple(adopted),
        participants=participants,
        labels=labels,
    )


def scale_of(actor: Actor) -> tuple[float, float]:
    """An actor's ``(min, max)`` score range ((0, 1) without a ``scale``)."""
    if actor.scale is None:
        return 0.0, 1.0
    return float(actor.scale.value.min), float(actor.scale.value.max)


def run_config(scenario: Scenario) -> RunConfig:
    """The run settings a scenario declares.

    An actor's strategy is its own ``strategy``, else the scenario's ``default_strategy``,
    else `sim.engine.model.DEFAULT_STRATEGY`.

    Raises:
        UserError: the scenario has no ``protocol`` (it is analysis-only).
    """
    if scenario.protocol is None:
        raise UserError(
            f"{scenario.name}: protocol: the scenario has no protocol, so it cannot be "
            "run (add a 'protocol' section)"
        )
    default = scenario.default_strategy or DEFAULT_STRATEGY
    strategies = tuple(a.strategy or default for a in scenario.actors.values())
    return RunConfig(scenario.protocol, strategies, scenario.dynamics)
