"""The JSON Schema of scenario files, for editors and other validators (``negsim schema``).

Core objects:
    scenario_json_schema: one JSON Schema (draft 2020-12) for every scenario file: a file
        without ``extends`` must be a whole scenario; a file with ``extends`` is an
        *overlay*, where every field is optional and nullable (``null`` deletes the base's
        key), as the loader merges it (`sim.scenario.loader`).

Everything is generated, never written by hand: the scenario's pydantic models give the
fields, and the engine registries give the protocol and strategy kinds (``enum``) and,
per kind, the schema of its ``params`` (its ``Params`` model). A new strategy or protocol
module therefore appears in the schema without an edit here. Every number of the engine
slots may be written as a sourced number, ``{value: x, source: {...}}``, as the loader
accepts it (`sim.scenario.numbers`): in the protocol and dynamics settings, in every
kind's ``params`` and in ``empty_value``.

Overlays follow the merge rule of `sim.scenario.loader.merge`: mappings merge key by key,
so their fields are optional and nullable at every depth; a ``source`` mapping and the
items of a list replace the base's whole, so they stay complete; an item of a list of
named items (red lines, constraints) may instead be ``{name: x, delete: true}``.

Example:
    >>> doc = scenario_json_schema()
    >>> "linear" in doc["$defs"]["StrategySpec"]["properties"]["kind"]["enum"]
    True
    >>> doc["if"], doc["then"]["$ref"], doc["else"]["$ref"]
    ({'required': ['extends']}, '#/$defs/ScenarioOverlay', '#/$defs/Scenario')
"""

from __future__ import annotations

import copy
import math
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from sim.engine.protocols.registry import PROTOCOLS
from sim.engine.registry import Registry
from sim.engine.strategies.registry import STRATEGIES
from sim.scenario.numbers import engine_json_schema
from sim.scenario.schema import Scenario

__all__ = ["DIALECT", "OVERLAY", "scenario_json_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Suffix of the overlay variant of a definition.
OVERLAY = "Overlay"
_REF = "#/$defs/"
_NULL = {"type": "null"}
# Definitions that carry a registered ``kind`` and its ``params``.
_SLOTS: dict[str, Registry[Any]] = {"ProtocolSpec": PROTOCOLS, "StrategySpec": STRATEGIES}

Schema = dict[str, Any]


def scenario_json_schema() -> Schema:
    """The JSON Schema of scenario files: whole scenarios, and overlays with ``extends``.

    Returns:
        A JSON-serialisable dict (finite numbers only).
    """
    params = {
        (reg.what, name): cls.Params
        for reg in _SLOTS.values() for name, cls in reg.classes().items()
    }
    models: list[type[BaseModel]] = [Scenario, *dict.fromkeys(params.values())]
    refs, top = models_json_schema([(m, "validation") for m in models], by_alias=True)
    defs: dict[str, Schema] = top["$defs"]
    params_ref = {key: refs[(model, "validation")]["$ref"] for key, model in params.items()}
    engine_json_schema(top)  # sourced numbers in the protocol and dynamics settings
    for ref in {*params_ref.values(), *_nested(defs, params_ref.values()), _REF + "Actor"}:
        body = defs[ref[len(_REF):]]
        for key, prop in body.get("properties", {}).items():
            if ref != _REF + "Actor" or key == "empty_value":
                body["properties"][key] = _sourced_numbers(prop)
    for body in defs.values():
        registry = _SLOTS.get(str(body.get("title")))
        if registry is not None:
            _add_kinds(body, registry, params_ref)
    _drop_infinite_defaults(defs)
    if "Source" in defs:  # `Source`'s own check: a graded quote, or an assumption
        defs["Source"]["oneOf"] = [
            {"required": [key], "properties": {key: {"type": "string", "minLength": 1}}}
            for key in ("quote", "assumption")
        ]
        defs["Source"]["dependentRequired"] = {"quote": ["supports"]}
    overlays = _Overlays(defs)
    root_overlay = overlays.ref(_REF + "Scenario")["$ref"][len(_REF):]
    overlay = defs[root_overlay]
    overlay["properties"] = {
        "extends": {
            "type": "string",
            "description": "Path of the base scenario file, relative to this file; this "
            "file's fields are merged into it (null deletes a key of the base).",
        },
        **overlay["properties"],
    }
    overlay["required"] = ["extends"]
    return {
        "$schema": DIALECT,
        # For editors that complete from top-level properties only: the overlay's, which
        # every valid file (whole or overlay) meets; the branches below do the checking.
        "properties": overlay["properties"],
        "$id": "https://negsim.invalid/scenario.schema.json",
        "title": "negsim scenario",
        "description": "A negsim scenario file. Without 'extends' it must be complete; "
        "with 'extends' it is an overlay of its base file: every field optional, "
        "null deletes the base's value.",
        "if": {"required": ["extends"]},
        "then": {"$ref": _REF + root_overlay},
        "else": {"$ref": _REF + "Scenario"},
        "$defs": defs,
    }


def _nested(defs: dict[str, Schema], roots: Any) -> set[str]:
    """The definitions reachable from ``roots`` (params models nested in params).

    Such as the summit's ``beliefs``: the loader accepts sourced numbers at any depth of
    params, so their numbers may be sourced too.
    """
    found: set[str] = set()
    work = [str(r) for r in roots]
    while work:
        ref = work.pop()
        for sub in _refs(defs.get(ref[len(_REF):], {})):
            if sub not in found and sub.startswith(_REF):
                found.add(sub)
                work.append(sub)
    return found - {str(r) for r in roots}


def _refs(node: Any) -> list[str]:
    """Every ``$ref`` inside ``node``."""
    if isinstance(node, dict):
        out = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        for v in node.values():
            out += _refs(v)
        return out
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _add_kinds(body: Schema, registry: Registry[Any], params_ref: dict) -> None:
    """Give a ``kind``/``params`` slot the registered names and, per name, its params."""
    names = registry.names()
    props = body["properties"]
    props["kind"] = {
        **props["kind"], "enum": list(names),
        "description": f"Registered {registry.what}: {', '.join(names)}.",
    }
    props["params"] = {
        "type": "object",
        "description": f"Parameters of the {registry.what} named by 'kind'.",
    }
    body["allOf"] = [
        {
            "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
            "then": {"properties": {"params": {"$ref": params_ref[(registry.what, name)]}}},
        }
        for name in names
    ]


def _sourced_numbers(schema: Schema) -> Schema:
    """``schema`` with every number in it also allowed as a sourced number."""
    if schema.get("type") in ("number", "integer"):
        outer: Schema = {k: schema[k] for k in ("title", "description", "default") if k in schema}
        inner = {k: v for k, v in schema.items() if k not in outer}
        return {**outer, "anyOf": [inner, {"$ref": _REF + "SourcedNumber"}]}
    out = dict(schema)
    for key in ("anyOf", "oneOf"):
        if key in out:
            out[key] = [_sourced_numbers(s) for s in out[key]]
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = _sourced_numbers(out[key])
    if "properties" in out:
        out["properties"] = {k: _sourced_numbers(v) for k, v in out["properties"].items()}
    return out


def _drop_infinite_defaults(node: Any) -> None:
    """Remove ``default`` values that JSON cannot spell (``-inf`` bounds)."""
    if isinstance(node, dict):
        default = node.get("default")
        if isinstance(default, float) and not math.isfinite(default):
            del node["default"]
        for value in node.values():
            _drop_infinite_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_infinite_defaults(value)


def _nullable(schema: Schema) -> Schema:
    """``schema`` or null; its description stays on top, where editors show it."""
    alternatives = schema.get("anyOf", [])
    if _NULL in alternatives or schema.get("type") == "null":
        return schema
    if alternatives and set(schema) <= {"anyOf", "default", "description", "title"}:
        return {**schema, "anyOf": [*alternatives, _NULL]}
    outer: Schema = {k: schema[k] for k in ("title", "description") if k in schema}
    return {**outer, "anyOf": [schema, _NULL]}


class _Overlays:
    """Adds the overlay variant ``<Name>Overlay`` of definitions to ``defs``, on demand."""

    def __init__(self, defs: dict[str, Schema]):
        self.defs = defs
        self.full = dict(defs)  # the whole-file definitions, before any overlay is added

    def ref(self, ref: str) -> Schema:
        """A reference to the overlay variant of the definition ``ref``."""
        name = ref[len(_REF):]
        target = name + OVERLAY
        if target not in self.defs:
            self.defs[target] = {}  # reserve the name first: definitions may recurse
            self.defs[target] = self.object(copy.deepcopy(self.full[name]))
        return {"$ref": _REF + target}

    def object(self, body: Schema) -> Schema:
        """An object schema whose fields are optional and nullable (a mapping merged in)."""
        body.pop("required", None)
        props = body.get("properties", {})
        for key, value in props.items():
            inner = value if key == "source" else self.value(value)
            props[key] = _nullable(inner)
        extra = body.get("additionalProperties")
        if isinstance(extra, dict):
            body["additionalProperties"] = _nullable(self.value(extra))
        if "allOf" in body:  # per-kind params: overlay the params too
            kinds = []
            for branch in body["allOf"]:
                then = branch["then"]["properties"]
                then["params"] = _nullable(self.value(then["params"]))
                kinds.append(then["params"])
            # Without 'kind' (kept from the base), params must suit some registered kind.
            props["params"] = {"description": props["params"]["description"], "anyOf": kinds}
        return body

    def value(self, schema: Schema) -> Schema:
        """The overlay form of a value that is merged into the base's value."""
        schema = dict(schema)
        if "$ref" in schema:
            return {**schema, **self.ref(schema["$ref"])}
        for key in ("anyOf", "oneOf"):
            if key in schema:
                schema["anyOf"] = [self.value(s) for s in schema.pop(key)]
                schema.pop("discriminator", None)
        if schema.get("type") == "object":
            schema = self.object(schema)
        if schema.get("type") == "array" and self._named(schema.get("items", {})):
            schema["items"] = {"anyOf": [schema["items"], _DELETE]}
        return schema

    def _named(self, items: Schema) -> bool:
        """Whether every alternative of a list's items is an object with a required name."""
        members = items.get("oneOf") or items.get("anyOf") or [items]
        bodies = [self.full.get(m.get("$ref", "")[len(_REF):], m) for m in members]
        return bool(bodies) and all("name" in b.get("required", ()) for b in bodies)


_DELETE: Schema = {
    "type": "object",
    "description": "Remove the base's item of this name.",
    "properties": {"name": {"type": "string"}, "delete": {"const": True}},
    "required": ["name", "delete"],
    "additionalProperties": False,
}
