"""Copies of parsed YAML data (dicts, lists and scalars) without pickle or deepcopy.

Core object:
    copy_plain: an equal, independent copy of what `yaml.safe_load` can produce.

User input is never pickled (the project's rule); this copier walks the containers the
safe loader builds (dict, list, set) and shares the immutable scalars (str, int, float,
bool, None, bytes, dates). Anything else goes through `copy.deepcopy`.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

__all__ = ["copy_plain"]

_IMMUTABLE = (str, int, float, bool, type(None), bytes, datetime.date, datetime.datetime)


def copy_plain(data: Any, memo: dict[int, Any] | None = None) -> Any:
    """An equal, independent copy of parsed YAML ``data`` (see the module docstring).

    A container shared by aliases stays one shared container in the copy (``memo``), as
    the parser gave it, so dumping the copy gives the same text as dumping the original.
    """
    if isinstance(data, _IMMUTABLE):
        return data
    if memo is None:
        memo = {}
    hit = memo.get(id(data))
    if hit is not None:
        return hit
    out: Any
    if isinstance(data, dict):
        out = memo[id(data)] = {}
        for k, v in data.items():
            out[k] = copy_plain(v, memo)
    elif isinstance(data, list):
        out = memo[id(data)] = []
        out.extend(copy_plain(v, memo) for v in data)
    elif isinstance(data, set):
        out = memo[id(data)] = set(data)  # a YAML !!set holds hashable scalars
    else:
        out = memo[id(data)] = copy.deepcopy(data)
    return out
