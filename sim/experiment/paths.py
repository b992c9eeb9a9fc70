"""Parameter paths into scenario dicts: parsing, listing, resolving and setting.

A path is dotted keys with list indices in brackets: ``actors.russia.patience``,
``protocol.kind``, ``dynamics.events[1].round``. Items of lists whose entries carry a
``name`` may also be addressed by name: ``actors.russia.red_lines[keep_crimea].option``.

Two shortcuts follow the scenario format:
    * a path ending on a sourced number (``{value, source}``) sets its ``value``;
    * a value table (``{value: {option: x}, source}``) is entered directly:
      ``actors.russia.values.crimea.unresolved``.

Paths work on the *complete* scenario dict (the validated scenario dumped with its
defaults), so fields left at their default (``protocol.deadline``, ``actors.x.aggregation``)
are addressable too. Provenance and display text (``source``, ``label``, ``description``,
option labels) are not parameters and are not listed.

Core objects:
    parse_path: text -> tokens (``str`` keys, ``int`` indices).
    valid_paths: every addressable path of a scenario dict (for suggestions).
    resolve: tokens -> the concrete key/index sequence of the leaf, or a `PathProblem`.
    set_value: copy-on-write assignment (the base dict is never mutated).
    check_type: whether a value fits the leaf it replaces.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any


class Name(str):
    """A list item addressed by its ``name`` inside brackets (``red_lines[keep_crimea]``)."""


Token = str | int

_TOKEN = re.compile(r"([^.\[\]]+)|\[([^\[\]]+)\]")
_NOT_PARAMETERS = {"source", "label", "description", "source_text", "quote", "assumption"}


class PathProblem(Exception):
    """A path that does not address a single value of the scenario."""


def parse_path(text: str) -> tuple[Token, ...]:
    """Split ``a.b[1].c`` into ``("a", "b", 1, "c")``.

    Raises:
        PathProblem: malformed text (empty segments, unbalanced brackets).
    """
    tokens: list[Token] = []
    pos = 0
    expect_key = True
    while pos < len(text):
        if text[pos] == "." and not expect_key and tokens:
            pos += 1
            expect_key = True
            continue
        m = _TOKEN.match(text, pos)
        if m is None or (m.group(1) is not None and not expect_key):
            raise PathProblem(f"malformed path '{text}' at character {pos + 1}")
        if m.group(1) is not None:
            tokens.append(m.group(1))
        else:
            if not tokens:
                raise PathProblem(f"malformed path '{text}': it cannot start with an index")
            inner = m.group(2).strip()
            tokens.append(int(inner) if re.fullmatch(r"-?\d+", inner) else Name(inner))
        expect_key = False
        pos = m.end()
    if not tokens or expect_key:
        raise PathProblem(f"malformed path '{text}'")
    return tuple(tokens)


def format_path(tokens: tuple[Token, ...]) -> str:
    """Inverse of `parse_path`."""
    out = ""
    for t in tokens:
        if isinstance(t, int | Name):
            out += f"[{t}]"
        else:
            out += ("." if out else "") + t
    return out


def _is_sourced(node: Any) -> bool:
    return isinstance(node, dict) and set(node) == {"value", "source"}


def _is_scalar(x: Any) -> bool:
    return x is None or isinstance(x, bool | int | float | str)


def valid_paths(data: dict) -> list[str]:
    """Every path that addresses a single value of ``data`` (sorted as found)."""
    out: list[str] = []
    _walk(data, "", out)
    return out


def _walk(node: Any, prefix: str, out: list[str]) -> None:
    if _is_sourced(node):
        if isinstance(node["value"], dict):
            for key, value in node["value"].items():
                _walk(value, f"{prefix}.{key}", out)
        else:
            out.append(prefix)
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _NOT_PARAMETERS or key == "name":
                continue
            if key == "options" and prefix.startswith("issues.") and prefix.count(".") == 1:
                continue  # option labels
            _walk(value, f"{prefix}.{key}" if prefix else str(key), out)
        return
    if isinstance(node, list) and node and not all(_is_scalar(x) for x in node):
        for i, item in enumerate(node):
            label = item.get("name") if isinstance(item, dict) else None
            _walk(item, f"{prefix}[{label if isinstance(label, str) else i}]", out)
        return
    out.append(prefix)


def nearest(path: str, candidates: list[str], n: int = 3) -> list[str]:
    """The ``n`` valid paths closest to ``path`` (difflib), never empty if any exist."""
    close = difflib.get_close_matches(path, candidates, n=n, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(path, candidates, n=n, cutoff=0.0)
    return close


def resolve(data: dict, tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """The concrete keys and indices leading to the value ``tokens`` addresses.

    Raises:
        PathProblem: the path does not exist, or it ends on a mapping or a list of mappings.
    """
    node: Any = data
    concrete: list[Token] = []
    for depth, tok in enumerate(tokens):
        where = format_path(tokens[: depth + 1])
        if isinstance(node, dict):
            key = str(tok)
            if key in _NOT_PARAMETERS or key == "name":
                raise PathProblem(
                    f"'{where}' is provenance, display text or an identifier, not a parameter"
                )
            if key in node:
                concrete.append(key)
                node = node[key]
            elif _is_sourced(node) and isinstance(node["value"], dict) and key in node["value"]:
                concrete += ["value", key]
                node = node["value"][key]
            else:
                raise PathProblem("unknown")
        elif isinstance(node, list) and not all(_is_scalar(x) for x in node):
            index = _list_index(node, tok)
            if index is None:
                raise PathProblem("unknown")
            concrete.append(index)
            node = node[index]
        else:
            raise PathProblem("unknown")
    if _is_sourced(node) and not isinstance(node["value"], dict):
        return (*concrete, "value")
    if isinstance(node, dict) or (isinstance(node, list) and not all(map(_is_scalar, node))):
        raise PathProblem(
            f"'{format_path(tokens)}' is a group of fields, not a single value"
        )
    return tuple(concrete)


def _list_index(items: list, tok: Token) -> int | None:
    if isinstance(tok, int):
        return tok if 0 <= tok < len(items) else None
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == tok:
            return i
    return None


def get_value(data: dict, concrete: tuple[Token, ...]) -> Any:
    """The value at a concrete path (as returned by `resolve`)."""
    node: Any = data
    for tok in concrete:
        node = node[tok]
    return node


def set_value(data: dict, concrete: tuple[Token, ...], value: Any) -> dict:
    """A copy of ``data`` with ``value`` at ``concrete``.

    Only the containers on the path are copied; everything else is shared with ``data``,
    which is left untouched.
    """
    return _set(data, concrete, value)


def _set(node: Any, concrete: tuple[Token, ...], value: Any) -> Any:
    if not concrete:
        return value
    head, rest = concrete[0], concrete[1:]
    if isinstance(node, list) and isinstance(head, int):
        items = list(node)
        items[head] = _set(node[head], rest, value)
        return items
    copy = dict(node)
    copy[head] = _set(node[head], rest, value)
    return copy


@dataclass(frozen=True)
class LeafKind:
    """What a leaf holds: ``number``, ``integer``, ``bool``, ``text``, ``list`` or ``any``."""

    name: str

    @staticmethod
    def of(current: Any) -> LeafKind:
        """Classify the current value of a leaf."""
        if isinstance(current, bool):
            return LeafKind("bool")
        if isinstance(current, int):
            return LeafKind("integer")
        if isinstance(current, float):
            return LeafKind("number")
        if isinstance(current, str):
            return LeafKind("text")
        if isinstance(current, list):
            return LeafKind("list")
        return LeafKind("any")

    @property
    def numeric(self) -> bool:
        """Whether a numeric range may target this leaf."""
        return self.name in ("number", "integer", "any")

    def describe(self) -> str:
        """Words for error messages."""
        return {
            "bool": "true or false",
            "integer": "a whole number",
            "number": "a number",
            "text": "text",
            "list": "a list",
            "any": "a value",
        }[self.name]


def check_type(kind: LeafKind, value: Any) -> bool:
    """Whether ``value`` may replace a leaf of kind ``kind``.

    Numbers may replace text only where the field is free-form (``any``); an integer field
    takes whole numbers (``3`` or ``3.0``) only.
    """
    if kind.name == "any":
        return True
    if kind.name == "bool":
        return isinstance(value, bool)
    if kind.name in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return kind.name == "number" or float(value).is_integer()
    if kind.name == "text":
        return isinstance(value, str)
    return isinstance(value, list)
