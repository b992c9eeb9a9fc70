"""Per-actor diagnostics: what each actor accepts, its binding threshold, the ideal point.

Pure numpy, over the arrays of `sim.core.analysis` (every package at once).

For each actor ``a``:

* ``inside_red_lines``: agenda-allowed packages inside ``a``'s red lines;
* ``acceptable``: those also worth at least ``a``'s reservation value (more, with
  ``strict``), i.e. what ``a`` alone would sign;
* ``best``: ``a``'s best utility over its acceptable packages (None if there are none);
* ``max_reservation`` (participants only): the binding threshold, the highest
  reservation value ``a`` could hold with the (unanimous) feasible set still non-empty,
  everyone else's constraints unchanged: ``a``'s best utility over the agenda-allowed
  packages inside ``a``'s red lines that every other participant accepts (None when no
  such package exists, so no reservation value of ``a`` opens a deal). The feasible set
  is non-empty exactly when ``a``'s reservation value is at most this (below it, with
  ``strict``).

The *ideal point* of a set of packages is each actor's best utility over it (the point
Kalai-Smorodinsky normalises by); `ideal_point` takes the set, e.g. the rule's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .arrays import BoolArray, FloatArray
from .constraints import reservation_ok
from .utility import snap

__all__ = ["actor_summary", "ideal_point"]


def actor_summary(U: FloatArray, red_ok: BoolArray, agenda_ok: BoolArray,
                  reservations: FloatArray, participants: Sequence[int],
                  strict: bool = False) -> list[dict[str, Any]]:
    """One dict per actor (actor order): the counts and thresholds above.

    Args:
        U: utilities, shape (k, n).
        red_ok: shape (k, n), inside each actor's red lines.
        agenda_ok: shape (k,), allowed by the agenda constraints.
        reservations: shape (n,), reservation values.
        participants: actors whose constraints bound the feasible set.
        strict: reservation values are strict thresholds.

    Returns:
        ``[{"inside_red_lines", "acceptable", "best", "max_reservation"}, ...]`` (floats
        snapped to 12 decimals; ``max_reservation`` None for non-participants).
    """
    n = U.shape[1]
    parts = set(participants)
    inside = [agenda_ok & red_ok[:, a] for a in range(n)]
    accepts = [inside[a] & reservation_ok(U, reservations, a, strict) for a in range(n)]
    out = []
    for a in range(n):
        column = snap(U[:, a])
        best = column[accepts[a]].max() if accepts[a].any() else None
        threshold = None
        if a in parts:
            others = inside[a].copy()
            for b in parts - {a}:
                others &= accepts[b]
            threshold = column[others].max() if others.any() else None
        out.append({
            "inside_red_lines": int(np.count_nonzero(inside[a])),
            "acceptable": int(np.count_nonzero(accepts[a])),
            "best": None if best is None else float(best),
            "max_reservation": None if threshold is None else float(threshold),
        })
    return out


def ideal_point(U: FloatArray, mask: BoolArray) -> FloatArray | None:
    """Each actor's best (snapped) utility over the packages in ``mask``, or None."""
    if not np.any(mask):
        return None
    best: FloatArray = snap(U[mask]).max(axis=0)
    return best
