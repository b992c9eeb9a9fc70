"""Packages written by hand: ``issue=option,...`` text or ``{issue: option}`` mappings.

Core object:
    package_row: a package named by issue and option ids -> its index in the outcome space
        of a compiled problem; every problem (unknown issue, unknown option, an issue given
        twice or left out, an item that is not ``issue=option``) is one line of a
        `UserError` naming what is allowed.

Example:
    >>> from sim.core.problem import Preferences, Problem
    >>> import numpy as np
    >>> prefs = Preferences(weights=np.array([0.5, 0.5]),
    ...                     values=(np.array([0.0, 1.0]), np.array([1.0, 0.0, 0.5])))
    >>> p = Problem(issues=("a", "b"), options=(("x", "y"), ("u", "v", "w")),
    ...             actors=("me",), preferences=(prefs,))
    >>> package_row(p, "a=y, b=u")
    3
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.core.problem import Problem
from sim.core.space import encode
from sim.errors import UserError

__all__ = ["package_row", "parse_package"]


def parse_package(text: str, where: str = "--package") -> dict[str, str]:
    """``issue=option,issue=option`` as a dict (ids only; `package_row` checks them).

    Raises:
        UserError: an item that is not ``issue=option``, or an issue given twice.
    """
    out: dict[str, str] = {}
    problems: list[str] = []
    for item in (x.strip() for x in text.split(",")):
        if not item:
            continue
        issue, sep, option = (s.strip() for s in item.partition("="))
        if not sep or not issue or not option:
            problems.append(f"{where}: '{item}' is not issue=option")
        elif issue in out:
            problems.append(f"{where}: issue '{issue}' is given twice")
        else:
            out[issue] = option
    if problems:
        raise UserError(problems)
    return out


def package_row(problem: Problem, package: str | Mapping[str, str],
                where: str = "--package") -> int:
    """The outcome-space index of a package given by issue and option ids.

    Args:
        problem: the compiled problem.
        package: ``issue=option,...`` text, or a mapping issue id -> option id; every
            issue must be given.
        where: how error messages name the input.

    Raises:
        UserError: one line per problem, each naming the allowed issues or options.
    """
    given = parse_package(package, where) if isinstance(package, str) else dict(package)
    problems: list[str] = []
    digits: list[int] = []
    for issue in given:
        if issue not in problem.issues:
            problems.append(f"{where}: unknown issue '{issue}'; allowed: "
                            f"{', '.join(problem.issues)}")
    for i, issue in enumerate(problem.issues):
        options = problem.options[i]
        if issue not in given:
            problems.append(f"{where}: missing issue '{issue}'; allowed options: "
                            f"{', '.join(options)}")
        elif given[issue] not in options:
            problems.append(f"{where}: unknown option '{given[issue]}' of issue '{issue}'; "
                            f"allowed: {', '.join(options)}")
        else:
            digits.append(options.index(given[issue]))
    if problems:
        raise UserError(problems)
    return int(encode(np.array(digits, dtype=np.int64), problem.radix)[0])
