"""Every number of a scenario with its provenance, and sourced numbers in the engine slots.

Actor parameters carry their provenance in the schema (`Sourced`, `ValueTable`,
`Interaction`). The engine slots (``protocol``, ``dynamics``, strategy ``params``,
``empty_value``) take plain numbers, and a file may write any of those numbers as a
*sourced number*, ``{value: x, source: {...}}``, the same form as an actor's weight. The
loader calls `strip_engine_provenance` before validation: it checks every source there
(quotes graded like everywhere else) and hands the engine plain numbers, so the engine never
sees provenance. Item-level ``source`` entries of state variables, events, reservation rules
and strategies say why the item exists; they are checked and removed the same way, and they
never stand in for the source of a number.

Core objects:
    Number: one number of a merged scenario dict: field path, value, provenance, owner.
    engine_slots: the positions of the numbers of the engine slots in a scenario dict.
    numbers: every number of a merged scenario dict (as written, before stripping), plus the
        protocol defaults the engine would use (``deadline``, ``walk_away_after``).
    strip_engine_provenance: the data with plain numbers in the engine slots, and the
        problems found in their sources.
    grade: ``value``, ``ordering``, ``topic``, ``assumption``, or None for an unsourced number.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from sim.scenario.sources import Source
from sim.scenario.specs import ProtocolSpec

__all__ = ["Number", "engine_slots", "grade", "numbers", "strip_engine_provenance"]

_PROTOCOL_FIELDS = ("deadline", "walk_away_after", "stage1_deadline")
_STATE_FIELDS = ("initial", "drift", "noise", "min", "max")


@dataclass(frozen=True)
class Number:
    """One number of a scenario.

    Attributes:
        loc: field path as a tuple of keys and indices (``("protocol", "deadline")``).
        value: the number.
        source: its provenance mapping (``quote`` + ``supports``, or ``assumption``), or
            None when it has none.
        owner: the actor id it belongs to (weights, values, reservation, patience,
            interactions, strategy parameters, the actor's reservation rule), else
            ``protocol`` or ``dynamics``.
        default: True for a protocol default the file does not state.
    """

    loc: tuple
    value: float
    source: dict | None
    owner: str
    default: bool = False


def grade(source: dict | None) -> str | None:
    """The grade of a provenance mapping: the quote's ``supports``, ``assumption`` or None."""
    if not isinstance(source, dict):
        return None
    if isinstance(source.get("quote"), str):
        return str(source.get("supports"))
    if isinstance(source.get("assumption"), str):
        return "assumption"
    return None


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _sourced_form(x: Any) -> bool:
    """``{value: ..., source: ...}`` (or ``{value: ...}`` missing its source)."""
    return isinstance(x, dict) and "value" in x and set(x) <= {"value", "source"}


def _params_slots(loc: tuple, params: Any) -> Iterator[tuple[tuple, Any, Any]]:
    """Number positions inside free-form ``params`` (any depth, nested strategies too)."""
    if isinstance(params, dict):
        for k, v in params.items():
            if k == "source" and loc[-1] == "strategy":
                continue
            if _is_number(v) or _sourced_form(v):
                yield (*loc, k), params, k
            else:
                yield from _params_slots((*loc, k), v)
    elif isinstance(params, list):
        for i, v in enumerate(params):
            if _is_number(v) or _sourced_form(v):
                yield (*loc, i), params, i
            else:
                yield from _params_slots((*loc, i), v)


def _strategy_slots(loc: tuple, strategy: Any) -> Iterator[tuple[tuple, Any, Any]]:
    if isinstance(strategy, dict):
        yield from _params_slots((*loc, "params"), strategy.get("params"))


def engine_slots(data: dict) -> Iterator[tuple[tuple, Any, Any]]:
    """(loc, container, key) of every number position of the engine slots that is present.

    ``container[key]`` is the number, or its sourced form, at field path ``loc``.
    """
    protocol = data.get("protocol")
    if isinstance(protocol, dict):
        for k in _PROTOCOL_FIELDS:
            if k in protocol:
                yield ("protocol", k), protocol, k
        acceptance = protocol.get("acceptance")
        if isinstance(acceptance, dict) and "quota" in acceptance:
            if _is_number(acceptance["quota"]) or _sourced_form(acceptance["quota"]):
                yield ("protocol", "acceptance", "quota"), acceptance, "quota"
        yield from _params_slots(("protocol", "params"), protocol.get("params"))
    dynamics = data.get("dynamics")
    if isinstance(dynamics, dict):
        state = dynamics.get("state")
        for var, sv in (state.items() if isinstance(state, dict) else ()):
            for k in _STATE_FIELDS if isinstance(sv, dict) else ():
                if k in sv:
                    yield ("dynamics", "state", var, k), sv, k
        events = dynamics.get("events")
        for i, ev in enumerate(events if isinstance(events, list) else ()):
            if not isinstance(ev, dict):
                continue
            if "round" in ev:
                yield ("dynamics", "events", i, "round"), ev, "round"
            for field in ("set", "add"):
                changes = ev.get(field)
                for var in changes if isinstance(changes, dict) else ():
                    yield ("dynamics", "events", i, field, var), changes, var
        rules = dynamics.get("reservation")
        for aid, rule in (rules.items() if isinstance(rules, dict) else ()):
            coefs = rule.get("coefficients") if isinstance(rule, dict) else None
            for var in coefs if isinstance(coefs, dict) else ():
                yield ("dynamics", "reservation", aid, "coefficients", var), coefs, var
        costs = dynamics.get("audience_costs")
        for aid, cost in (costs.items() if isinstance(costs, dict) else ()):
            for k in ("shift", "per_round") if isinstance(cost, dict) else ():
                if k in cost:
                    yield ("dynamics", "audience_costs", aid, k), cost, k
        effect = dynamics.get("ceasefire_effect")  # the factors of a stage-1 ceasefire
        effect = effect if isinstance(effect, dict) else {}
        for field in ("drift", "noise"):
            factors = effect.get(field)
            for var in factors if isinstance(factors, dict) else ():
                yield ("dynamics", "ceasefire_effect", field, var), factors, var
    actors = data.get("actors")
    for aid, actor in (actors.items() if isinstance(actors, dict) else ()):
        if isinstance(actor, dict):
            if "empty_value" in actor:
                yield ("actors", aid, "empty_value"), actor, "empty_value"
            yield from _strategy_slots(("actors", aid, "strategy"), actor.get("strategy"))
    yield from _strategy_slots(("default_strategy",), data.get("default_strategy"))


def _item_sources(data: dict) -> Iterator[tuple[tuple, dict]]:
    """(loc, item) of the engine-slot items that may carry an item-level ``source``."""
    dynamics = data.get("dynamics")
    if isinstance(dynamics, dict):
        for key in ("state", "reservation", "audience_costs"):
            group = dynamics.get(key)
            for name, item in (group.items() if isinstance(group, dict) else ()):
                if isinstance(item, dict):
                    yield ("dynamics", key, name), item
        events = dynamics.get("events")
        for i, ev in enumerate(events if isinstance(events, list) else ()):
            if isinstance(ev, dict):
                yield ("dynamics", "events", i), ev
        if isinstance(dynamics.get("ceasefire_effect"), dict):
            yield ("dynamics", "ceasefire_effect"), dynamics["ceasefire_effect"]
    actors = data.get("actors")
    for aid, actor in (actors.items() if isinstance(actors, dict) else ()):
        if isinstance(actor, dict) and isinstance(actor.get("strategy"), dict):
            yield ("actors", aid, "strategy"), actor["strategy"]
    if isinstance(data.get("default_strategy"), dict):
        yield ("default_strategy",), data["default_strategy"]
    protocol = data.get("protocol")
    params = protocol.get("params") if isinstance(protocol, dict) else None
    if isinstance(params, dict) and isinstance(params.get("strategy"), dict):
        yield ("protocol", "params", "strategy"), params["strategy"]


def _source_problems(loc: tuple, source: Any) -> list[tuple[tuple, str]]:
    try:
        Source.model_validate(source)
    except ValidationError as exc:
        out = []
        for e in exc.errors(include_url=False):
            sub = tuple(p for p in e["loc"] if not str(p).startswith("function-"))
            msg = "unknown field" if e["type"] == "extra_forbidden" else e["msg"]
            out.append(((*loc, "source", *sub), msg.removeprefix("Value error, ")))
        return out
    return []


def strip_engine_provenance(data: dict) -> tuple[dict, list[tuple[tuple, str]]]:
    """Plain numbers in the engine slots, with the problems found in their sources.

    Args:
        data: a merged scenario dict (left untouched).

    Returns:
        A copy of ``data`` where every sourced number of the engine slots is replaced by
        its value and item-level sources there are removed, and a list of
        ``(field path, message)`` for sources that are missing or malformed. Malformed
        data elsewhere is left for the schema to report.
    """
    if not isinstance(data, dict):
        return data, []
    out = _deep_copy(data)
    problems: list[tuple[tuple, str]] = []
    for loc, container, key in list(engine_slots(out)):
        node = container[key]
        if not _sourced_form(node):
            continue
        if "source" not in node:
            problems.append(((*loc, "source"), "required field is missing"))
        else:
            problems.extend(_source_problems(loc, node["source"]))
        container[key] = node["value"]
    for loc, item in list(_item_sources(out)):
        if "source" in item:
            if item["source"] is not None:
                problems.extend(_source_problems(loc, item["source"]))
            del item["source"]
    return out, problems


def _deep_copy(data: dict) -> dict:
    """An independent copy of the parsed scenario (`sim.scenario.plain.copy_plain`)."""
    from sim.scenario.plain import copy_plain

    copied: dict = copy_plain(data)
    return copied


def numbers(data: dict) -> list[Number]:
    """Every number of a merged scenario dict, in file order, with its provenance.

    Agenda numbers: the ``steps`` of generated issues. Actor numbers: weights, value-table
    entries (one per option, or ``linear``'s two ends), reservation, patience, bargaining
    power, scale ends, interaction deltas, ``empty_value`` and strategy parameters. Engine
    numbers: the protocol's (with ``deadline`` and, when walking away is on,
    ``walk_away_after`` counted at their defaults when the file omits them), every
    state-variable field written, event rounds and changes, reservation coefficients
    (owned by their actor).
    """
    out: list[Number] = []
    for iid, issue in (data.get("issues") or {}).items():  # divisible and split steps
        if isinstance(issue, dict) and isinstance(issue.get("steps"), dict):
            steps = issue["steps"]
            out.append(Number(("issues", iid, "steps"), steps.get("value"), steps.get("source"),
                              "agenda"))
    actors = data.get("actors") or {}
    for aid, actor in actors.items():
        base = ("actors", aid)
        for iid, w in (actor.get("weights") or {}).items():
            out.append(Number((*base, "weights", iid), w["value"], w.get("source"), aid))
        for iid, table in (actor.get("values") or {}).items():
            for opt, x in (table.get("value") or {}).items():
                out.append(Number((*base, "values", iid, opt), x, table.get("source"), aid))
            for end, x in (table.get("linear") or {}).items():  # generated issues
                out.append(Number((*base, "values", iid, "linear", end), x,
                                  table.get("source"), aid))
        for key in ("reservation", "patience", "bargaining_power"):
            if key in actor:
                out.append(Number((*base, key), actor[key]["value"],
                                  actor[key].get("source"), aid))
        scale = actor.get("scale")
        for end, x in ((scale or {}).get("value") or {}).items():
            out.append(Number((*base, "scale", end), x, scale.get("source"), aid))
        for k, inter in enumerate(actor.get("interactions") or []):
            out.append(Number((*base, "interactions", k, "delta"), inter["delta"],
                              inter.get("source"), aid))
    out.extend(_durability_numbers(data.get("durability")))
    protocol = data.get("protocol")
    if isinstance(protocol, dict):
        fields = ProtocolSpec.model_fields
        for name in _PROTOCOL_FIELDS:
            if name == "walk_away_after" and protocol.get("walk_away", True) is False:
                continue
            if name == "stage1_deadline" and protocol.get("sequencing") != "ceasefire_first":
                continue
            if name not in protocol:
                out.append(Number(("protocol", name), fields[name].default, None, "protocol",
                                  True))
    for loc, container, key in engine_slots(data):
        node = container[key]
        value, source = (node.get("value"), node.get("source")) if _sourced_form(node) \
            else (node, None)
        if not _is_number(value):
            continue
        if loc[0] == "actors" or (loc[:2] in (("dynamics", "reservation"),
                                              ("dynamics", "audience_costs"))):
            owner = str(loc[1] if loc[0] == "actors" else loc[2])
        else:
            owner = str(loc[0]) if loc[0] != "default_strategy" else "default_strategy"
        out.append(Number(loc, value, source, owner))
    return out


def _durability_numbers(block: Any) -> list[Number]:
    """The numbers of the ``durability`` block (owner ``durability``)."""
    if not isinstance(block, dict):
        return []
    out = []
    for key in ("horizon", "base_hazard", "ceasefire_only_hazard_ratio"):
        node = block.get(key)
        if isinstance(node, dict) and _is_number(node.get("value")):
            out.append(Number(("durability", key), node["value"], node.get("source"),
                              "durability"))
    drivers = block.get("drivers")
    for iid, driver in (drivers.items() if isinstance(drivers, dict) else ()):
        for field in ("hazard_ratio", "credibility") if isinstance(driver, dict) else ():
            table = driver.get(field)
            for opt, x in (table.items() if isinstance(table, dict) else ()):
                out.append(Number(("durability", "drivers", iid, field, opt), x,
                                  driver.get("source"), "durability"))
    return out


_SOURCED_NUMBER = {
    "type": "object",
    "description": "A number with its provenance: {value: x, source: {...}}.",
    "properties": {"value": {"type": "number"}, "source": {"$ref": "#/$defs/Source"}},
    "required": ["value", "source"],
    "additionalProperties": False,
}
_ENGINE_DEFS = ("ProtocolSpec", "AcceptanceSpec", "StateVar", "Event", "ReservationRule",
                "AudienceCost", "CeasefireEffect")


def _or_sourced(prop: dict) -> dict:
    ref = {"$ref": "#/$defs/SourcedNumber"}
    if prop.get("type") in ("number", "integer"):
        inner = {k: v for k, v in prop.items() if k not in ("description", "default", "title")}
        outer = {k: v for k, v in prop.items() if k in ("description", "default", "title")}
        return {**outer, "anyOf": [inner, ref]}
    if any(alt.get("type") in ("number", "integer") for alt in prop.get("anyOf", [])):
        return {**prop, "anyOf": [*prop["anyOf"], ref]}
    if isinstance(prop.get("additionalProperties"), dict):
        return {**prop, "additionalProperties": _or_sourced(prop["additionalProperties"])}
    return prop


def engine_json_schema(doc: dict) -> dict:
    """The scenario JSON Schema with sourced numbers allowed in the engine slots.

    The engine settings declare plain numbers; files may write each of them as a sourced
    number, and item-level sources there follow the scenario's `Source` (graded quotes).
    """
    defs = doc.get("$defs", {})
    for name in _ENGINE_DEFS:
        props = defs.get(name, {}).get("properties", {})
        for key, prop in list(props.items()):
            props[key] = _or_sourced(prop)
    if "SpecSource" in defs:
        defs["SpecSource"] = {"$ref": "#/$defs/Source"}
    defs["SourcedNumber"] = _SOURCED_NUMBER
    return doc
