"""Loading scenario files: safe YAML, ``extends`` resolution, one-line errors.

Core objects:
    ScenarioError: raised with one readable line per problem (file, field path, what is
        wrong, what is allowed); the CLI prints them and exits with code 2.
    load_raw: YAML text -> dict, with ``extends`` merged in (cycles and missing files
        reported).
    load_scenario: a validated `Scenario` (with quotes checked against ``source_text``).
    validate_data: validate an already-merged dict (used by the experiment runner after it
        applies parameter overrides).

Merge rule for ``extends``: mappings merge key by key (a ``null`` value deletes the key;
a ``source`` mapping is replaced whole, so provenance never mixes);
lists whose items all carry a ``name`` merge item by item on that name (an item replaces
the base item of the same name whole; ``{name: x, delete: true}`` removes x); any other
value replaces the base value.
"""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import UserError
from sim.scenario import bounded_yaml, bounds
from sim.scenario.limits import limit
from sim.scenario.numbers import numbers, strip_engine_provenance
from sim.scenario.plain import copy_plain
from sim.scenario.schema import Scenario

RED_LINE_KINDS = {"never", "at_least", "at_most", "not_both", "if_then"}


class ScenarioError(UserError):
    """Invalid scenario input; ``lines`` holds one readable message per problem."""


# Texts parsed without a problem: a sweep reads its scenario files several times (the
# plan, the points, the stored copies), and copying the parsed data is far cheaper than
# parsing. Keyed on the text and the limits that bound the parse; a fresh copy each time
# (`copy_plain`: never pickle, user input is not pickled). Sizes counted by the text.
_PARSED: OrderedDict[tuple[str, int, int], Any] = OrderedDict()
_PARSED_BYTES = 0
_PARSED_CAP = 16 * 2**20
_PARSED_LOCK = threading.Lock()


def parse_yaml(text: str, file: str) -> Any:
    """Parse YAML text safely within the input bounds (`sim.scenario.bounded_yaml`).

    Syntax errors, nesting, aliases and duplicate keys become a `ScenarioError` with line
    and column; non-finite or over-64-bit numbers one line each with their field path.
    The same text parses to the same data: a text parsed before in this process is not
    parsed again (an equal, independent copy is returned).
    """
    key = (text, limit("yaml_depth"), limit("yaml_nodes"))
    with _PARSED_LOCK:
        hit = _PARSED.get(key)
        if hit is not None:
            _PARSED.move_to_end(key)
    if hit is not None:
        return copy_plain(hit)
    try:
        data = bounded_yaml.parse_yaml(text, file)
    except bounded_yaml.YamlProblem as exc:
        raise ScenarioError([str(exc)]) from None
    problems = bounded_yaml.number_problems(data)
    if problems:
        raise ScenarioError([f"{file}: {format_loc(loc)}: {msg}" for loc, msg in problems])
    _remember(key, copy_plain(data))
    return data


def _remember(key: tuple[str, int, int], parsed: Any) -> None:
    global _PARSED_BYTES
    size = 4 * len(key[0])  # the parsed data: a few times its text
    if size > _PARSED_CAP // 4:
        return
    with _PARSED_LOCK:
        if key in _PARSED:
            return
        _PARSED[key] = parsed
        _PARSED_BYTES += size
        while _PARSED_BYTES > _PARSED_CAP:
            old, _ = _PARSED.popitem(last=False)
            _PARSED_BYTES -= 4 * len(old[0])


def read_yaml_file(path: Path, what: str = "") -> Any:
    """Read (a regular file within the size limit) and parse one YAML file.

    Args:
        path: the file.
        what: the field that named it (``extends``), for the message.
    """
    try:
        text = bounded_yaml.read_text(path, what)
    except bounded_yaml.YamlProblem as exc:
        raise ScenarioError([str(exc)]) from None
    return parse_yaml(text, str(path))


def merge(base: Any, override: Any) -> Any:
    """Deep-merge ``override`` into ``base`` (see the module docstring for the rule)."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            if value is None:
                out.pop(key, None)
            elif key in out and key != "source":
                out[key] = merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if _named_list(base) and _named_list(override):
        items: list[Any] = [copy.deepcopy(x) for x in base]
        index = {item["name"]: i for i, item in enumerate(items)}
        in_override: set[str] = set()
        for item in override:
            name = item["name"]
            if item.get("delete") is True:
                if name in index:
                    items[index[name]] = None
                continue
            if name in index and name not in in_override and items[index[name]] is not None:
                items[index[name]] = copy.deepcopy(item)
            else:  # new, or repeated within this file (left for the schema to report)
                index[name] = len(items)
                items.append(copy.deepcopy(item))
            in_override.add(name)
        return [x for x in items if x is not None]
    return copy.deepcopy(override)


def _named_list(x: Any) -> bool:
    return isinstance(x, list) and all(isinstance(i, dict) and "name" in i for i in x)


_UNREAD: Any = object()  # `load_raw` reads the file itself


def load_raw(path: str | Path, _stack: tuple[Path, ...] = (), *, parsed: Any = _UNREAD) -> dict:
    """Load a scenario file as a dict with its ``extends`` chain merged in.

    ``parsed``: the file's content as `read_yaml_file` returned it, when the caller has
    read it already (``negsim validate`` reads each file once); it is not modified.
    """
    path = Path(path)
    resolved = path.resolve()
    if resolved in _stack:
        chain = " -> ".join(str(p.name) for p in (*_stack, resolved))
        raise ScenarioError([f"{path}: extends: cycle ({chain})"])
    if len(_stack) >= limit("extends"):
        raise ScenarioError([f"{path}: extends: a chain of more than {limit('extends')} files "
                             f"(a fixed limit), from {_stack[0].name}"])
    if parsed is _UNREAD:
        data = read_yaml_file(path, f"{_stack[-1]}: extends" if _stack else "")
    else:
        data = dict(parsed) if isinstance(parsed, dict) else parsed
    if data is None:
        raise ScenarioError([f"{path}: the file is empty"])
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"{path}: top level: expected a mapping of fields, got {type(data).__name__}"]
        )
    parent = data.pop("extends", None)
    if parent is None:
        return _resolve_source_text(data, path)
    if not isinstance(parent, str):
        raise ScenarioError([f"{path}: extends: expected a file name (string)"])
    parent_path = (path.parent / parent)
    if not parent_path.exists() and not parent_path.is_fifo():
        raise ScenarioError([f"{path}: extends: file not found: {parent_path}"])
    base = load_raw(parent_path, (*_stack, resolved))
    data = _resolve_source_text(data, path)
    stale = _kept_sources(base, data, ())
    if stale:
        raise ScenarioError([
            f"{path}: {format_loc(loc)}: changes a value of {parent} but keeps its source; "
            "give the new value its own source" for loc in stale
        ])
    return merge(base, data)


def _kept_sources(base: Any, override: Any, loc: tuple) -> list[tuple]:
    """Paths where ``override`` replaces a sourced value but would inherit its source."""
    if not (isinstance(base, dict) and isinstance(override, dict)):
        return []
    out = []
    if ("value" in override and "source" not in override and "value" in base
            and isinstance(base.get("source"), dict)):
        out.append(loc)
    for key, value in override.items():
        if key != "source" and key in base:
            out.extend(_kept_sources(base[key], value, (*loc, key)))
    return out


def _resolve_source_text(data: dict, path: Path) -> dict:
    """Make ``source_text`` absolute so that merged files keep pointing at the right text."""
    st = data.get("source_text")
    if isinstance(st, str) and not Path(st).is_absolute():
        data = dict(data)
        data["source_text"] = str((path.parent / st).resolve())
    return data


def format_loc(loc: tuple) -> str:
    """Render a pydantic error location as a field path (``a.b[1].c``)."""
    out = ""
    prev_int = False
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
            prev_int = True
            continue
        part = str(part)  # YAML keys may be numbers or dates
        # Discriminated unions insert the tag after the list index: drop it.
        if prev_int and part in RED_LINE_KINDS:
            prev_int = False
            continue
        prev_int = False
        if part in ("function-after[_exactly_one(), Source]",):
            continue
        if part.startswith(("function-", "union[", "list[", "dict[")):
            continue
        out += ("." if out else "") + str(part)
    return out or "(top level)"


def _error_lines(exc: ValidationError, file: str) -> list[str]:
    lines = []
    for e in exc.errors(include_url=False):
        loc = format_loc(tuple(e["loc"]))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] == "missing":
            msg = "required field is missing"
        msg = re.sub(r"^Value error, ", "", msg)
        lines.append(f"{file}: {loc}: {msg}")
    # de-duplicate while keeping order
    return list(dict.fromkeys(lines))


def validate_data(data: dict, file: str = "<scenario>") -> Scenario:
    """Validate a merged scenario dict; raise `ScenarioError` with one line per problem.

    Sourced numbers in the engine slots are checked and reduced to plain numbers first
    (`sim.scenario.numbers.strip_engine_provenance`); quotes are then checked against the
    scenario's ``source_text``.
    """
    too_many = bounds.option_problems(data)
    if too_many:
        raise ScenarioError([f"{file}: {format_loc(loc)}: {msg}" for loc, msg in too_many])
    plain, problems = strip_engine_provenance(data)
    lines = [f"{file}: {format_loc(loc)}: {msg}" for loc, msg in problems]
    try:
        scenario = Scenario.model_validate(plain)
    except ValidationError as exc:
        raise ScenarioError(list(dict.fromkeys(_error_lines(exc, file) + lines))) from None
    lines += [f"{file}: {format_loc(loc)}: {msg}" for loc, msg in
              bounds.number_range_problems(scenario) + bounds.space_problems(scenario)]
    if lines:
        raise ScenarioError(list(dict.fromkeys(lines)))
    quote_errors = check_quotes(data, file)
    if quote_errors:
        raise ScenarioError(quote_errors)
    return scenario


def unsourced_lines(data: dict, file: str = "<scenario>") -> list[str]:
    """One line per number of a merged scenario dict that has no source (``--strict``)."""
    lines = []
    for n in numbers(data):
        if n.source is None:
            what = f"{n.value:g}" + (" (the default; the file does not state it)"
                                     if n.default else "")
            lines.append(f"{file}: {format_loc(n.loc)}: unsourced number {what}; write it "
                         "as {value: ..., source: {quote: ..., supports: ...}} or with "
                         "an assumption")
    return lines


def load_scenario(path: str | Path, strict: bool = False, *, parsed: Any = _UNREAD) -> Scenario:
    """Load, merge and validate a scenario file.

    Args:
        path: the scenario file.
        strict: also require a source for every number (`unsourced_lines`).
        parsed: the file's content already read by `read_yaml_file` (see `load_raw`).
    """
    data = load_raw(path, parsed=parsed)
    scenario = validate_data(data, str(path))
    if strict:
        lines = unsourced_lines(data, str(path))
        if lines:
            raise ScenarioError(lines)
    return scenario


def _normalise(text: str) -> str:
    text = (
        text.replace("\u2019", "'").replace("\u2018", "'")
        .replace("\u201c", '"').replace("\u201d", '"')
        .replace("\u2013", "-").replace("\u2014", "-")
    )
    return re.sub(r"\s+", " ", text).strip().lower()


def check_quotes(data: dict, file: str) -> list[str]:
    """Every ``source.quote`` must occur verbatim in the scenario's ``source_text``.

    Comparison ignores case, runs of whitespace and typographic versus straight quotes.
    """
    st = data.get("source_text")
    if not st:
        return []
    try:
        article = _normalise(bounded_yaml.read_text(Path(st), "source_text"))
    except bounded_yaml.YamlProblem as exc:
        return [f"{file}: {exc}"]
    errors = []
    for loc, quote in _quotes(data, ()):
        if _normalise(quote) not in article:
            short = quote if len(quote) <= 60 else quote[:57] + "..."
            errors.append(
                f"{file}: {format_loc(loc)}: quote not found verbatim in source_text: '{short}'"
            )
    return errors


def _quotes(node: Any, loc: tuple):
    if isinstance(node, dict):
        src = node.get("source")
        if isinstance(src, dict) and isinstance(src.get("quote"), str):
            yield (*loc, "source", "quote"), src["quote"]
        for key, value in node.items():
            yield from _quotes(value, (*loc, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _quotes(value, (*loc, i))
