"""Reading YAML input within bounds (issue 17).

Regular files of bounded size; bounded nesting and aliases; unique keys; finite numbers.

Core objects:
    read_text: the text of a regular file no larger than the ``file_size`` limit; a FIFO, a
        device (``/dev/zero``) or a directory is refused before anything is read.
    parse_yaml: YAML text -> data with safe-load semantics (`yaml.SafeConstructor`: plain
        scalars, lists and mappings, never objects), refusing nesting deeper than the
        ``yaml_depth`` limit, aliases that expand to more than ``yaml_nodes`` values or
        into a cycle, and duplicate mapping keys (with their line).
    number_problems: every NaN or infinite float and every whole number beyond 64 bits in
        parsed data, with its field path (infinite ``min``/``max`` of a state variable are
        allowed: they mean "unbounded").
    YamlProblem: raised with one line (file, position, what is wrong, the limit).

The parser is libyaml's (``yaml._yaml.CParser``) when PyYAML has it, else PyYAML's own
(`yaml.SafeLoader`); composing (where nesting recurses) is PyYAML's Python composer with
a depth guard in both cases, so a file nested 5,000 deep is refused, never a
``RecursionError``.
"""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode
from yaml.resolver import Resolver

from sim.scenario.limits import limit, too_big

__all__ = ["YamlProblem", "number_problems", "parse_yaml", "read_text"]

INT64 = 2**63


class YamlProblem(Exception):
    """One readable line about a file that cannot be read or parsed."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_text(path: Path, what: str = "") -> str:
    """The UTF-8 text of ``path``, a regular file within the ``file_size`` limit.

    Args:
        path: the file.
        what: the field that named it (``extends``, ``source_text``), for the message.

    Raises:
        YamlProblem: missing, not a regular file, too large, unreadable or not UTF-8.
    """
    where = f"{what}: " if what else ""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise YamlProblem(f"{where}file not found: {path}" if what else
                          f"{path}: file not found") from None
    except OSError as exc:
        raise YamlProblem(f"{where}cannot read {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise YamlProblem(f"{where}{path} is {_kind(st.st_mode)}; only a regular file is read")
    cap = limit("file_size")
    if st.st_size > cap:
        raise YamlProblem(where + too_big(f"{path}: the file's size", st.st_size, "file_size",
                                          " bytes"))
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since the stat, opening
        # it does not wait for a writer; fstat below then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise YamlProblem(f"{where}cannot read {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise YamlProblem(f"{where}{path} is {_kind(mode)}; only a regular file is read")
        data = f.read(cap + 1)
    if len(data) > cap:
        raise YamlProblem(where + too_big(f"{path}: the file's size", len(data), "file_size",
                                          " bytes or more"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(f"{where}{path}: not UTF-8 text (byte {exc.start})") from None


class _Bounded:
    """Composer guard: depth while composing, expanded size and cycles after."""

    _depth = 0
    _aliases = 0

    _max_depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        if not self._max_depth:
            self._max_depth = limit("yaml_depth")
        try:
            if self._depth > self._max_depth:
                event = self.peek_event()  # type: ignore[attr-defined]
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {limit('yaml_depth')} levels deep (a fixed "
                    "limit)", event.start_mark)
            if self._depth > 1 and self.check_event(AliasEvent):  # type: ignore[attr-defined]
                self._aliases += 1
            return Composer.compose_node(self, parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1

    def get_single_node(self) -> Node | None:
        node = Composer.get_single_node(self)  # type: ignore[arg-type]
        if node is not None and self._aliases:
            _check_expansion(node)
        return node


def _check_expansion(root: Node) -> None:
    """Refuse aliases that expand beyond ``yaml_nodes`` values, nest too deep or loop."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    cap_nodes, cap_depth = limit("yaml_nodes"), limit("yaml_depth")
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _children(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > cap_nodes:
                raise yaml.composer.ComposerError(
                    None, None, f"aliases expand to more than {cap_nodes:,} values (a fixed "
                    "limit)", node.start_mark)
            if depth[key] > cap_depth:
                raise yaml.composer.ComposerError(
                    None, None, f"aliases nest more than {cap_depth} levels deep (a fixed "
                    "limit)", node.start_mark)
            continue
        if key in size:
            continue
        if key in on_path:
            raise yaml.composer.ComposerError(None, None, "an alias refers to itself (a "
                                              "recursive alias)", node.start_mark)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in size)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [x for pair in node.value for x in pair]
    return []


def _construct_mapping(loader: SafeConstructor, node: MappingNode, deep: bool = False) -> Any:
    """Mappings with unique keys; a duplicate key is refused with its line."""
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # ``<<: *anchor`` merge keys may be overridden by explicit keys
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise ConstructorError(
                None, None, "a mapping key must be a plain value, not a list or mapping",
                key_node.start_mark) from None
        if key in seen:
            raise ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
        seen.add(key)
    return SafeConstructor.construct_mapping(loader, node, deep=deep)


class PyLoader(_Bounded, yaml.SafeLoader):
    """`yaml.SafeLoader` (PyYAML's parser) with the bounds of this module."""


_LOADERS: list[type] = [PyLoader]
try:  # pragma: no branch - PyYAML wheels ship libyaml
    from yaml._yaml import CParser

    class CLoader(_Bounded, Composer, CParser, SafeConstructor, Resolver):
        """libyaml's parser, PyYAML's composer (guarded) and safe constructor."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _LOADERS.insert(0, CLoader)
except ImportError:  # pragma: no cover
    pass

for _loader in _LOADERS:
    _loader.add_constructor(  # type: ignore[attr-defined]
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, file: str) -> Any:
    """Parse YAML text safely within the bounds (see the module docstring).

    Raises:
        YamlProblem: ``<file>: line L, column C: YAML error: <problem>``.
    """
    try:
        loader = _LOADERS[0](text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlProblem(f"{file}: {where}: YAML error: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"{file}: YAML error: {str(exc).splitlines()[0]}") from None
    except RecursionError:  # pragma: no cover - the depth guard comes first
        raise YamlProblem(f"{file}: YAML error: nested too deep") from None


def _unbounded_ok(loc: tuple) -> bool:
    return len(loc) == 4 and loc[:2] == ("dynamics", "state") and loc[3] in ("min", "max")


def number_problems(data: Any) -> list[tuple[tuple, str]]:
    """``(field path, message)`` for every non-finite float or over-64-bit integer."""
    out: list[tuple[tuple, str]] = []
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, (*loc, k)) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((v, (*loc, i)) for i, v in reversed(list(enumerate(node))))
        elif isinstance(node, float) and not math.isfinite(node) and not _unbounded_ok(loc):
            out.append((loc, f"{node} is not a finite number; allowed: finite numbers"))
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) >= INT64:
            digits = len(str(abs(node)))
            out.append((loc, f"a whole number of {digits} digits is too large; allowed: "
                             "at most 2^63 - 1 in size"))
    return out
