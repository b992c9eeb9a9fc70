"""Size checks of a scenario made before anything is allocated (issue 17).

Core objects:
    option_problems: listed options per issue over the ``options`` limit, checked on the
        raw dict before validation (so 100,000 options are refused at once).
    number_range_problems: a positive patience below `MIN_PATIENCE` (its powers underflow),
        weights whose sum overflows.
    space_problems: the outcome space (packages, and the bytes analysis needs for them),
        computed from the issue sizes alone, against the ``packages`` and
        ``package_bytes`` limits.
    outcome_bytes: that estimate of bytes.
"""

from __future__ import annotations

import math
from typing import Any

from sim.core.space import package_dtype
from sim.scenario import kinds
from sim.scenario.limits import limit, too_big

__all__ = ["MIN_PATIENCE", "number_range_problems", "option_problems", "outcome_bytes",
           "space_problems"]

Loc = tuple[Any, ...]

#: The smallest positive patience (discount factor per round) a scenario may give.
MIN_PATIENCE = 1e-6


def option_problems(data: Any) -> list[tuple[Loc, str]]:
    """Issues of a raw scenario dict listing more options than the ``options`` limit."""
    issues = data.get("issues") if isinstance(data, dict) else None
    if not isinstance(issues, dict):
        return []
    out = []
    for iid, issue in issues.items():
        options = issue.get("options") if isinstance(issue, dict) else None
        if isinstance(options, dict) and len(options) > limit("options"):
            out.append((("issues", iid, "options"),
                        too_big("the number of options", len(options), "options")))
    return out


def outcome_bytes(sizes: list[int], n_actors: int) -> int:
    """Bytes analysis holds at once for the packages of issues of ``sizes`` options.

    The decoded packages (one small unsigned integer per issue), a float64 utility per
    actor, a feasibility flag per actor and the feasible-set mask: a lower bound, so the
    refusal is never spurious.
    """
    n = math.prod(sizes)
    per = len(sizes) * package_dtype([max(sizes, default=1)]).itemsize + 9 * n_actors + 1
    return n * per


def number_range_problems(scenario: Any) -> list[tuple[Loc, str]]:
    """A positive patience below `MIN_PATIENCE`; weights whose sum overflows."""
    out: list[tuple[Loc, str]] = []
    for aid, actor in scenario.actors.items():
        p = actor.patience.value
        if 0.0 < p < MIN_PATIENCE:  # its powers underflow to subnormal numbers
            out.append((("actors", aid, "patience"), f"patience {p:g} is below "
                        f"{MIN_PATIENCE:g}; allowed: 0 (only the present round counts) or "
                        f"[{MIN_PATIENCE:g}, 1]"))
        if not math.isfinite(sum(w.value for w in actor.weights.values())):
            out.append((("actors", aid, "weights"), "weights are too large (their sum "
                        "overflows); allowed: finite weights whose sum is finite"))
    return out


def space_problems(scenario: Any) -> list[tuple[Loc, str]]:
    """The outcome space of a validated scenario against the size limits."""
    sizes = [len(kinds.option_ids(issue)) for issue in scenario.issues.values()]
    n = math.prod(sizes)
    text = " x ".join(str(s) for s in sizes) if len(sizes) <= 8 else f"{len(sizes)} issues"
    out = []
    if n > limit("packages"):
        out.append((("issues",), too_big(f"the outcome space ({text}): its number of "
                                         "packages", n, "packages")))
    else:
        size = outcome_bytes(sizes, len(scenario.actors))
        if size > limit("package_bytes"):
            out.append((("issues",), too_big(f"the outcome space ({text}): the memory to "
                                             "analyse it", size, "package_bytes", " bytes")))
    return out
