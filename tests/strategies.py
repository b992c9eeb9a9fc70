"""Hypothesis builders for negsim's domain objects (style practice 9).

Every builder returns plain data in the shape a scenario file has after YAML parsing (dicts,
lists, strings and numbers), so whatever they build can be fed to
`sim.scenario.validate_data`, dumped to YAML, or mutated. Every scenario they build
validates; `tests/test_strategies_builders.py` checks that, and checks that the builders
reach every kind of red line, protocol, strategy and dynamics setting.

Core builders:
    snake_ids: snake_case identifiers (shrink towards ``"a"``).
    sources: provenance, a ``quote`` or an ``assumption``.
    agendas: 1-8 issues with 2-4 ordered options each.
    conditions, red_lines, interactions: the declarative parts of an actor, each kind of
        red line (never / at_least / at_most / not_both / if_then) with a source.
    actors: weights, value tables, interaction terms, red lines, reservation, patience.
    strategy_specs: a registered strategy with parameters its ``Params`` model accepts.
    protocol_specs: a registered protocol with deadline, acceptance rule, sequencing and
        the protocol's own parameters.
    dynamics_specs: state variables, scheduled events and reservation rules.
    scenarios: whole scenarios (2-6 actors) as dicts.
    seeds: integer seeds for ``numpy.random.default_rng``.

Shrinking: lists have small minimum sizes, numbers are drawn from a small grid first (the
grid's first element is the simplest value), booleans that switch a feature on shrink to
"off", so a failing example shrinks to few issues, few actors and round numbers.

Helpers:
    budget: a number of examples scaled to the active settings profile (``ci``/``dev``).
    permute_scenario: reorder the actors and/or issues of a scenario dict.
    package_space, n_packages: enumerate / count the packages of a scenario dict.

Oracles (plain Python, from the scenario format's own words, independent of
`sim.scenario.compile` and `sim.core`):
    red_line_broken, within_red_lines, agenda_allows: red lines and agenda constraints
        evaluated on a package ``{issue: option}``.
"""

from __future__ import annotations

import copy
import itertools
import math
import types
import typing
from typing import Any

import annotated_types
from hypothesis import assume, settings
from hypothesis import strategies as st

__all__ = [
    "CI_MAX_EXAMPLES",
    "RED_LINE_KINDS",
    "VALUE_GRID",
    "acceptance_specs",
    "actors",
    "agenda_allows",
    "agendas",
    "budget",
    "conditions",
    "dynamics_specs",
    "interactions",
    "n_packages",
    "package_space",
    "params_for",
    "permute_scenario",
    "protocol_names",
    "protocol_specs",
    "red_line_broken",
    "red_line_lists",
    "red_lines",
    "scenarios",
    "seeds",
    "snake_ids",
    "sources",
    "state_vars",
    "strategy_names",
    "strategy_specs",
    "unit_floats",
    "within_red_lines",
]

#: Values of an option, first the simplest. Floats in [0, 1] are drawn as well.
VALUE_GRID = (0.0, 1.0, 0.5, 0.25, 0.75)
#: Raw weights (normalised by the compiler); at least one per actor is positive.
WEIGHT_GRID = (1.0, 0.0, 0.5, 2.0)
RESERVATION_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
PATIENCE_GRID = (1.0, 0.9, 0.5)
DELTA_GRID = (0.1, -0.1, 0.25, -0.25, 1.0, -1.0)

RED_LINE_KINDS = ("never", "at_least", "at_most", "not_both", "if_then")

_FIRST = "abcdefghijklmnopqrstuvwxyz"
_REST = _FIRST + "0123456789_"


def budget(n: int) -> int:
    """``n`` examples under the ``ci`` profile, scaled up with the active profile.

    Expensive properties (whole simulations, sweeps, state machines) set their own
    ``max_examples``; this keeps the ratio to the profile's default, so the ``dev``
    profile runs them proportionally longer instead of pinning them to the CI count.
    """
    from_profile = settings().max_examples
    return max(1, round(n * from_profile / CI_MAX_EXAMPLES))


#: ``max_examples`` of the ``ci`` profile (registered in ``tests/conftest.py``).
CI_MAX_EXAMPLES = 25


# --------------------------------------------------------------------------- atoms
def snake_ids(max_size: int = 6) -> st.SearchStrategy[str]:
    """A snake_case identifier (``^[a-z][a-z0-9_]*$``); shrinks to ``"a"``."""
    if max_size == 6:
        return _SNAKE
    return _snake(max_size)


def _snake(max_size: int) -> st.SearchStrategy[str]:
    return st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(_FIRST),
        st.text(alphabet=_REST, max_size=max_size),
    )


_SNAKE = _snake(6)


_SOURCES = (
    {"assumption": "assumed"},
    {"quote": "stated in the article", "supports": "value"},
    {"assumption": "Une hypoth\u00e8se, \u00ab entre guillemets \u00bb"},
    {"quote": "\u201cA typographic quote\u201d \u2014 with a dash", "supports": "ordering",
     "derivation": "the direction only"},
)


_FIXED_SOURCES = st.sampled_from(_SOURCES)


def sources(free_text: bool = False) -> st.SearchStrategy[dict]:
    """Provenance: exactly one of a non-empty ``quote`` (graded) or ``assumption``.

    By default drawn from a few fixed sources (cheap: scenarios hold hundreds of them);
    ``free_text=True`` draws arbitrary non-blank text as well.
    """
    fixed = _FIXED_SOURCES
    if not free_text:
        return fixed
    text = st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != "")
    return st.one_of(
        fixed,
        st.builds(lambda t: {"assumption": t}, text),
        st.builds(lambda t, g: {"quote": t, "supports": g}, text,
                  st.sampled_from(["value", "ordering", "topic"])),
    )


def unit_floats() -> st.SearchStrategy[float]:
    """A value in [0, 1]: from `VALUE_GRID` first, then any float in range."""
    return _UNIT


_UNIT = st.one_of(st.sampled_from(VALUE_GRID), st.floats(0.0, 1.0))
_WEIGHT = st.sampled_from(WEIGHT_GRID)
_RESERVATION = st.one_of(st.sampled_from(RESERVATION_GRID), st.floats(0.0, 1.0))
def _reservations(top: float) -> st.SearchStrategy[float]:
    return st.one_of(
        st.sampled_from([r for r in RESERVATION_GRID if r <= top]), st.floats(0.0, top)
    )


# A positive patience is at least 1e-6 (sim.scenario.bounds.MIN_PATIENCE).
_PATIENCE = st.one_of(st.sampled_from(PATIENCE_GRID), st.floats(1e-6, 1.0))
_DELTA = st.one_of(st.sampled_from(DELTA_GRID), st.floats(-1.0, 1.0))
_TRUE_FIRST = st.sampled_from([True, False])


def seeds() -> st.SearchStrategy[int]:
    """An integer seed for ``numpy.random.default_rng`` / ``simulate``; shrinks to 0."""
    return st.integers(min_value=0, max_value=2**63 - 1)


# --------------------------------------------------------------------------- agenda
@st.composite
def agendas(
    draw,
    min_issues: int = 1,
    max_issues: int = 8,
    min_options: int = 2,
    max_options: int = 4,
    max_packages: int | None = None,
) -> dict:
    """An agenda: issue id -> ``{label, options, [baseline], [description]}``.

    Args:
        min_issues, max_issues: bounds on the number of issues (the brief: 1-8).
        min_options, max_options: bounds on the options of each issue (2-4).
        max_packages: if given, no more issues are added once the product of the option
            counts would exceed it (keeps brute-force checks and simulations cheap).
    """
    issue_ids = draw(
        st.lists(snake_ids(), min_size=min_issues, max_size=max_issues, unique=True)
    )
    agenda: dict[str, dict] = {}
    size = 1
    for iid in issue_ids:
        opts = draw(
            st.lists(snake_ids(), min_size=min_options, max_size=max_options, unique=True)
        )
        if max_packages is not None and agenda and size * len(opts) > max_packages:
            break
        size *= len(opts)
        issue: dict[str, Any] = {"options": {o: o.replace("_", " ") for o in opts}}
        if draw(st.booleans()):
            issue["label"] = iid.replace("_", " ")
        if draw(st.booleans()):
            issue["baseline"] = draw(st.sampled_from(opts))
        agenda[iid] = issue
    return agenda


def _options(agenda: dict, issue: str) -> list[str]:
    return list(agenda[issue]["options"])


@st.composite
def conditions(draw, agenda: dict) -> dict:
    """``issue`` takes ``option`` (or one of ``options``), on an issue of ``agenda``."""
    iid = draw(st.sampled_from(list(agenda)))
    opts = _options(agenda, iid)
    if draw(st.booleans()):
        return {
            "issue": iid,
            "options": draw(st.lists(st.sampled_from(opts), min_size=1, unique=True)),
        }
    return {"issue": iid, "option": draw(st.sampled_from(opts))}


@st.composite
def red_lines(draw, agenda: dict, name: str, kind: str | None = None) -> dict:
    """One red line (or agenda constraint) of the given or a drawn ``kind``, with a source."""
    kind = kind or draw(st.sampled_from(RED_LINE_KINDS))
    rl: dict[str, Any] = {"name": name, "kind": kind, "source": draw(sources())}
    if kind == "never":
        c = draw(conditions(agenda))
        rl.update(c)
    elif kind in ("at_least", "at_most"):
        iid = draw(st.sampled_from(list(agenda)))
        rl.update(issue=iid, option=draw(st.sampled_from(_options(agenda, iid))))
    elif kind == "not_both":
        rl.update(a=draw(conditions(agenda)), b=draw(conditions(agenda)))
    else:
        rl.update({"if": draw(conditions(agenda)), "then": draw(conditions(agenda))})
    if draw(st.booleans()):
        rl["label"] = f"{kind} {name}"
    return rl


@st.composite
def red_line_lists(draw, agenda: dict, max_size: int = 3) -> list[dict]:
    """Red lines with names unique within the list."""
    names = draw(st.lists(snake_ids(), max_size=max_size, unique=True))
    return [draw(red_lines(agenda, n)) for n in names]


@st.composite
def interactions(draw, agenda: dict) -> dict:
    """A bonus or penalty when two conditions hold together."""
    return {
        "a": draw(conditions(agenda)),
        "b": draw(conditions(agenda)),
        "delta": draw(_DELTA),
        "source": draw(sources()),
    }


# --------------------------------------------------------------------------- registries
def strategy_names(role: str | None = "negotiator") -> tuple[str, ...]:
    """Registered strategy names (of the given role; None: every role)."""
    from sim.engine.strategies import registry

    _import_engine()
    return tuple(
        n for n in registry.names() if role is None or registry.get(n).role == role
    )


def protocol_names() -> tuple[str, ...]:
    """Registered protocol names."""
    from sim.engine import protocols

    return protocols.names()


def _import_engine() -> None:
    """Import the strategy modules so that they register themselves."""
    import importlib
    import pkgutil

    import sim.engine.strategies as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{mod.name}")


def _bounds(meta: list) -> tuple[float | None, float | None, bool, bool]:
    lo = hi = None
    lo_open = hi_open = False
    for m in meta:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, annotated_types.Le):
            hi = m.le
        elif isinstance(m, annotated_types.Lt):
            hi, hi_open = m.lt, True
    return lo, hi, lo_open, hi_open


def _field_values(annotation: Any, meta: list) -> st.SearchStrategy | None:
    """Values for one pydantic field of a simple type, or None if the type is not simple."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        parts = [_field_values(a, meta) for a in args]
        if any(p is None for p in parts):
            return None
        out = st.one_of(*parts)
        return st.one_of(st.none(), out) if len(args) < len(typing.get_args(annotation)) else out
    lo, hi, lo_open, hi_open = _bounds(meta)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        lo_i = int(lo) + (1 if lo_open else 0) if lo is not None else 0
        hi_i = int(hi) - (1 if hi_open else 0) if hi is not None else lo_i + 16
        return st.integers(lo_i, min(hi_i, lo_i + 64))
    if annotation is float:
        lo_f = float(lo) if lo is not None else 0.0
        hi_f = float(hi) if hi is not None else lo_f + 10.0
        return st.floats(
            lo_f, hi_f, exclude_min=lo_open, exclude_max=hi_open, allow_nan=False
        )
    return None


@st.composite
def params_for(draw, model: type, overrides: dict[str, st.SearchStrategy] | None = None) -> dict:
    """A parameter mapping accepted by the pydantic ``model`` (a strategy/protocol Params).

    Each field is left at its default (half the time, and always when shrinking) or drawn
    from its type and bounds; ``overrides`` supplies builders for fields whose values are
    not simple (e.g. lists of actor ids). Combinations the model's own validators reject
    are filtered out.
    """
    overrides = overrides or {}
    out: dict[str, Any] = {}
    for fname, field in model.model_fields.items():
        values = overrides.get(fname)
        if values is None:
            values = _field_values(field.annotation, list(field.metadata))
        required = field.is_required()
        if values is None:
            if required:
                raise ValueError(f"no builder for required field {model.__name__}.{fname}")
            continue
        if required or draw(st.booleans()):
            out[fname] = draw(values)
    try:
        model.model_validate(out)
    except ValueError:  # pydantic's ValidationError: a cross-field validator said no
        assume(False)
    return out


@st.composite
def strategy_specs(draw, names: tuple[str, ...] | None = None) -> dict:
    """A ``{kind, params, [source]}`` strategy spec from the strategy registry."""
    from sim.engine.strategies import registry

    names = names or strategy_names()
    kind = draw(st.sampled_from(sorted(names)))
    spec: dict[str, Any] = {"kind": kind}
    params = draw(params_for(registry.get(kind).Params))
    if params:
        spec["params"] = params
    if draw(st.booleans()):
        spec["source"] = draw(sources())
    return spec


# --------------------------------------------------------------------------- actors
@st.composite
def actors(
    draw,
    agenda: dict,
    max_red_lines: int = 3,
    max_interactions: int = 2,
    strategies: st.SearchStrategy[dict | None] | None = None,
    max_reservation: float = 1.0,
) -> dict:
    """One actor over ``agenda``: every field the schema has, each kind of red line.

    Args:
        agenda: the issues (from `agendas`).
        max_red_lines, max_interactions: list bounds.
        strategies: builder of the actor's ``strategy`` (None: no strategy field).
        max_reservation: upper bound of the reservation value (lower it to make
            non-empty feasible sets more likely).
    """
    weights = {iid: {"value": draw(_WEIGHT), "source": draw(_FIXED_SOURCES)} for iid in agenda}
    if all(w["value"] == 0 for w in weights.values()):
        weights[next(iter(agenda))]["value"] = 1.0
    values = {}
    for iid in agenda:
        opts = _options(agenda, iid)
        table = draw(st.lists(_UNIT, min_size=len(opts), max_size=len(opts)))
        values[iid] = {"value": dict(zip(opts, table, strict=True)), "source": draw(_FIXED_SOURCES)}
    actor: dict[str, Any] = {
        "weights": weights,
        "values": values,
        "reservation": {
            "value": draw(
                _RESERVATION if max_reservation >= 1.0 else _reservations(max_reservation)
            ),
            "source": draw(_FIXED_SOURCES),
        },
        "patience": {"value": draw(_PATIENCE), "source": draw(_FIXED_SOURCES)},
    }
    inter = draw(st.lists(interactions(agenda), max_size=max_interactions))
    if inter:
        actor["interactions"] = inter
    rls = draw(red_line_lists(agenda, max_red_lines))
    if rls:
        actor["red_lines"] = rls
    if draw(st.booleans()):
        actor["aggregation"] = "mean_of_adopted"
        actor["empty_value"] = draw(_UNIT)
    if not draw(_TRUE_FIRST):
        actor["participates"] = False
    if draw(st.booleans()):
        actor["label"] = "Actor"
    if strategies is not None:
        spec = draw(strategies)
        if spec is not None:
            actor["strategy"] = spec
    return actor


# --------------------------------------------------------------------------- protocol
def _subsets(ids: list[str], min_size: int = 0) -> st.SearchStrategy[list[str]]:
    """Distinct actor ids in drawn order (a permutation of a subset)."""
    if not ids:
        return st.just([])
    return st.lists(st.sampled_from(ids), min_size=min_size, max_size=len(ids), unique=True)


_DEFAULT_NEGOTIATORS = ("united_states", "russia")


@st.composite
def _protocol_params(draw, kind: str, actor_ids: list[str], participants: list[str]):
    """``(params, seats)``: the protocol's own parameters and the actors the scenario's
    acceptance rule applies to (veto actors and quotas are drawn among them).

    The four shipped protocols get builders that know their parameters; a protocol
    registered later falls back to `params_for` (defaults for anything not simple) and to
    participants as seats, where only the always-valid acceptance settings are drawn.
    """
    from sim.engine import protocols

    maybe = st.sampled_from([False, True])  # shrinks to "use the defaults"
    if kind == "alternating_offers":
        params = {}
        if draw(maybe):
            params["order"] = draw(_subsets(actor_ids, 2))
        return params, params.get("order", participants)
    if kind == "random_proposer":
        params = {}
        if draw(maybe):
            who = draw(_subsets(actor_ids, 2))
            probs = {a: draw(st.sampled_from([1.0, 0.5, 0.0, 2.0])) for a in who}
            if sum(probs.values()) <= 0:
                probs[who[0]] = 1.0
            params["probabilities"] = probs
        return params, list(params.get("probabilities", participants))
    if kind == "summit_ratification":
        params = {}
        if draw(maybe):
            params["negotiators"] = draw(_subsets(actor_ids, 2))
        if draw(maybe):
            params["ratifiers"] = draw(_subsets(actor_ids))
        if "negotiators" in params:
            negotiators = params["negotiators"]
        elif all(a in actor_ids for a in _DEFAULT_NEGOTIATORS):
            negotiators = list(_DEFAULT_NEGOTIATORS)
        else:
            negotiators = participants[:2]
        ratifiers = [a for a in params.get("ratifiers", participants) if a not in negotiators]
        return params, ratifiers
    if kind == "single_text":
        params = {}
        if draw(maybe):
            params["mediator"] = draw(st.sampled_from(["neutral", *actor_ids]))
        mediators = strategy_names("mediator")
        if mediators and draw(maybe):
            params["strategy"] = draw(strategy_specs(mediators))
        if draw(maybe):
            params["parties"] = draw(_subsets(actor_ids, 2))
        return params, params.get("parties", participants)
    return draw(params_for(protocols.get(kind).Params)), None


@st.composite
def acceptance_specs(draw, seats: list[str] | None) -> dict:
    """Veto actors among ``seats`` (or ``all``) and a quota the remaining seats can meet.

    With ``seats=None`` (a protocol this module does not know) only the settings valid
    for any table are drawn: ``veto: all`` or no veto, quota ``all``/``majority``/0.
    """
    if seats is None:
        return {
            "veto": draw(st.sampled_from(["all", []])),
            "quota": draw(st.sampled_from(["all", "majority", 0])),
        }
    veto = draw(st.one_of(st.just("all"), _subsets(seats)))
    m = 0 if veto == "all" else len([s for s in seats if s not in veto])
    quota = draw(st.one_of(st.sampled_from(["all", "majority"]), st.integers(0, m)))
    return {"veto": veto, "quota": quota}


@st.composite
def protocol_specs(
    draw,
    agenda: dict,
    actor_ids: list[str],
    participants: list[str] | None = None,
    kinds: tuple[str, ...] | None = None,
    min_deadline: int = 1,
    max_deadline: int = 12,
) -> dict:
    """A protocol setting from the protocol registry: deadline, acceptance, sequencing.

    Args:
        agenda: the issues (``ceasefire_issue`` is drawn from them).
        actor_ids: the actors, in file order.
        participants: the participating actors (default: all); protocols seat them
            when their parameters name nobody.
        kinds: protocol names to draw from (default: every registered protocol).
        min_deadline, max_deadline: bounds on the deadline in rounds.
    """
    participants = list(actor_ids) if participants is None else participants
    kind = draw(st.sampled_from(sorted(kinds or protocol_names())))
    spec: dict[str, Any] = {
        "kind": kind,
        "deadline": draw(st.integers(min_deadline, max_deadline)),
    }
    params, seats = draw(_protocol_params(kind, actor_ids, participants))
    if params:
        spec["params"] = params
    if draw(st.booleans()):
        spec["acceptance"] = draw(acceptance_specs(seats))
    if draw(st.booleans()):
        spec["sequencing"] = "ceasefire_first"
        spec["ceasefire_issue"] = draw(st.sampled_from(list(agenda)))
    if draw(st.booleans()):
        spec["walk_away"] = False
    elif draw(st.booleans()):
        spec["walk_away_after"] = draw(
            st.one_of(st.sampled_from([0.5, 0.0, 1.0]), st.floats(0.0, 1.0))
        )
    return spec


# --------------------------------------------------------------------------- dynamics
@st.composite
def state_vars(draw) -> dict:
    """One state variable with ``min <= initial <= max`` (bounds optional)."""
    initial = draw(st.sampled_from([0.0, 1.0, 0.5, 10.0]) | st.floats(-10, 10))
    var: dict[str, Any] = {"initial": initial}
    if draw(st.booleans()):
        var["drift"] = draw(st.sampled_from([0.0, 0.01, -0.01, 0.1]) | st.floats(-1, 1))
    if draw(st.booleans()):
        var["noise"] = draw(st.sampled_from([0.0, 0.01, 0.1]) | st.floats(0, 1))
    if draw(st.booleans()):
        var["min"] = initial - draw(st.sampled_from([0.0, 1.0]) | st.floats(0, 10))
    if draw(st.booleans()):
        var["max"] = initial + draw(st.sampled_from([0.0, 1.0]) | st.floats(0, 10))
    if draw(st.booleans()):
        var["source"] = draw(sources())
    return var


@st.composite
def dynamics_specs(draw, actor_ids: list[str], max_round: int = 12) -> dict:
    """State variables, scheduled events on them, and reservation rules of some actors."""
    names = draw(st.lists(snake_ids(), min_size=1, max_size=3, unique=True))
    state = {n: draw(state_vars()) for n in names}
    coef = st.sampled_from([0.0, 0.1, -0.1, 1.0, -1.0]) | st.floats(-2, 2)
    events = []
    for _ in range(draw(st.integers(0, 2))):
        ev: dict[str, Any] = {"round": draw(st.integers(0, max_round))}
        op = draw(st.sampled_from(["add", "set"]))
        ev[op] = {draw(st.sampled_from(names)): draw(coef)}
        events.append(ev)
    reservation = {}
    for a in draw(_subsets(actor_ids)):
        reservation[a] = {
            "coefficients": {
                v: draw(coef) for v in draw(st.lists(st.sampled_from(names), unique=True))
            }
        }
    spec: dict[str, Any] = {"state": state}
    if events:
        spec["events"] = events
    if reservation:
        spec["reservation"] = reservation
    return spec


# --------------------------------------------------------------------------- scenarios
@st.composite
def scenarios(
    draw,
    *,
    min_issues: int = 1,
    max_issues: int = 8,
    min_options: int = 2,
    max_options: int = 4,
    max_packages: int | None = None,
    min_actors: int = 2,
    max_actors: int = 6,
    max_red_lines: int = 3,
    max_interactions: int = 2,
    max_constraints: int = 2,
    protocol: bool | None = None,
    protocol_kinds: tuple[str, ...] | None = None,
    max_deadline: int = 12,
    dynamics: bool | None = None,
    strategies: bool | None = None,
    strategy_kinds: tuple[str, ...] | None = None,
    min_participants: int = 1,
    max_reservation: float = 1.0,
) -> dict:
    """A whole scenario as a dict that passes `sim.scenario.validate_data`.

    Feature switches take ``True`` (always), ``False`` (never) or ``None`` (drawn):
    ``protocol``, ``dynamics`` and ``strategies`` (per-actor strategy specs plus an
    optional default strategy). Scenarios without a protocol are analysis-only. At least
    ``min_participants`` actors participate (the schema requires one; two when there is
    a protocol, since protocols seat the participants by default).
    """
    agenda = draw(agendas(min_issues, max_issues, min_options, max_options, max_packages))
    actor_ids = draw(
        st.lists(snake_ids(), min_size=min_actors, max_size=max_actors, unique=True)
    )
    use_strategies = draw(st.booleans()) if strategies is None else strategies
    strat = None
    if use_strategies:
        names = strategy_kinds or strategy_names()
        strat = st.one_of(st.none(), strategy_specs(names))
    data: dict[str, Any] = {
        "name": "generated",
        "issues": agenda,
        "actors": {
            a: draw(actors(agenda, max_red_lines, max_interactions, strat, max_reservation))
            for a in actor_ids
        },
    }
    cons_names = draw(st.lists(snake_ids(), max_size=max_constraints, unique=True))
    if cons_names:
        data["constraints"] = [
            draw(red_lines(agenda, n, kind=draw(st.sampled_from(["not_both", "never", "if_then"]))))
            for n in cons_names
        ]
    if use_strategies and draw(st.booleans()):
        data["default_strategy"] = draw(strategy_specs(strategy_kinds or strategy_names()))
    with_protocol = protocol if protocol is not None else draw(st.booleans())
    need = max(min_participants, 2 if with_protocol else 0)
    participants = [a for a in actor_ids if data["actors"][a].get("participates", True)]
    if len(participants) < need:
        for a in actor_ids[:need]:
            data["actors"][a].pop("participates", None)
        participants = [a for a in actor_ids if data["actors"][a].get("participates", True)]
    if with_protocol:
        data["protocol"] = draw(
            protocol_specs(
                agenda, actor_ids, participants, protocol_kinds, max_deadline=max_deadline
            )
        )
    if dynamics if dynamics is not None else draw(st.booleans()):
        data["dynamics"] = draw(dynamics_specs(actor_ids, max_deadline))
    if draw(st.booleans()):
        data["description"] = "A generated scenario."
    return data


# --------------------------------------------------------------------------- helpers
def permute_scenario(
    data: dict, actor_order: list[str] | None = None, issue_order: list[str] | None = None
) -> dict:
    """A copy of ``data`` whose ``actors`` / ``issues`` mappings follow the given orders.

    Only the order of the mappings changes; every reference stays by id. Per-actor
    mappings keyed by issue (weights, values) are reordered along with the agenda.
    """
    out = copy.deepcopy(data)
    if issue_order is not None:
        assert sorted(issue_order) == sorted(data["issues"])
        out["issues"] = {i: out["issues"][i] for i in issue_order}
        for actor in out["actors"].values():
            actor["weights"] = {i: actor["weights"][i] for i in issue_order}
            actor["values"] = {i: actor["values"][i] for i in issue_order}
    if actor_order is not None:
        assert sorted(actor_order) == sorted(data["actors"])
        out["actors"] = {a: out["actors"][a] for a in actor_order}
    return out


def package_space(data: dict) -> list[dict[str, str]]:
    """Every package of a scenario dict as ``{issue: option}``, in enumeration order."""
    issues = list(data["issues"])
    opts = [list(data["issues"][i]["options"]) for i in issues]
    return [dict(zip(issues, combo, strict=True)) for combo in itertools.product(*opts)]


def n_packages(data: dict) -> int:
    """Size of the package space of a scenario dict."""
    return math.prod(len(i["options"]) for i in data["issues"].values())


# --------------------------------------------------------------------------- oracles
# Plain-Python definitions of the scenario format's red lines, straight from the file's
# words (sim/scenario/schema.py), independent of `sim.scenario.compile` and `sim.core`.
def _condition_holds(cond: dict, package: dict[str, str]) -> bool:
    chosen = package[cond["issue"]]
    if cond.get("option") is not None:
        return chosen == cond["option"]
    return chosen in cond["options"]


def red_line_broken(data: dict, rl: dict, package: dict[str, str]) -> bool:
    """Whether ``package`` (issue -> option) breaks the red line or constraint ``rl``."""
    kind = rl["kind"]
    if kind == "never":
        return _condition_holds(rl, package)
    if kind in ("at_least", "at_most"):
        order = _options(data["issues"], rl["issue"])
        here, bound = order.index(package[rl["issue"]]), order.index(rl["option"])
        return here < bound if kind == "at_least" else here > bound
    if kind == "not_both":
        return _condition_holds(rl["a"], package) and _condition_holds(rl["b"], package)
    if kind == "if_then":
        return _condition_holds(rl["if"], package) and not _condition_holds(rl["then"], package)
    raise ValueError(f"unknown red-line kind {kind!r}")


def within_red_lines(data: dict, actor: str, package: dict[str, str]) -> bool:
    """Whether ``package`` respects every red line of ``actor``."""
    rls = data["actors"][actor].get("red_lines", [])
    return not any(red_line_broken(data, rl, package) for rl in rls)


def agenda_allows(data: dict, package: dict[str, str]) -> bool:
    """Whether ``package`` respects every agenda-level constraint."""
    return not any(red_line_broken(data, c, package) for c in data.get("constraints", []))
