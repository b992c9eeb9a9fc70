"""Why is the feasible set small or empty?

The feasible set is cut by three kinds of constraints: the participants' red lines, the
agenda constraints, and the participants' reservation values.  For each package we
count how many of them it violates (vectorised over all packages, chunk by chunk).

* `blocks_alone`: a constraint *blocks a package alone* when the package violates that
  constraint and nothing else; the count says how much the feasible set would grow if
  only that constraint were dropped. Each participant's reservation value is one such
  named constraint (``kind: reservation``, after the red lines and agenda constraints):
  its count is how many packages would open if that actor took anything inside its red
  lines.
* `minimal_relaxation`: when nothing is feasible, the smallest set of red lines whose
  removal opens some package.  Dropping a set R of red lines opens package p exactly
  when p satisfies the agenda and the reservation values and every red line p violates
  is in R.  The smallest such R therefore equals the violated set of some package with
  the fewest violations, and it opens exactly the packages with that violated set; the
  candidates are compared by the number of packages opened (more is better), then
  lexicographically by (actor order, red-line order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .arrays import FloatArray
from .constraints import clause_blocks, reservation_ok, resolve_reservations
from .problem import Problem
from .solutions import nash_point

AGENDA = "agenda"
#: The name of an actor's reservation value among the constraints of `blocks_alone`.
RESERVATION = "reservation"
_CHUNK = 2_000_000


def _red_line_index(problem: Problem) -> list[tuple[int, str]]:
    """(actor index, red-line name) for every participant red line, in report order."""
    out = []
    for a in sorted(problem.participant_indices()):
        for clause in problem.preferences[a].red_lines:
            out.append((a, clause.name))
    return out


def _scan(
    problem: Problem,
    packages: ArrayLike,
    U: FloatArray,
    reservations: ArrayLike | None,
    want_bits: bool,
    strict: bool = False,
) -> dict[str, Any]:
    """One chunked pass over the packages, counting violations per constraint.

    Returns:
        dict with ``alone`` (blocks-alone count per red line, then per agenda constraint,
        then per participant's reservation value),
        ``n_feasible``, and, if ``want_bits``, ``rows``/``bits``/``n_red`` for the packages
        that satisfy the agenda and the reservation values (their violated red lines as a
        bitset, one uint64 word per 64 red lines, and how many they violate).
    """
    p = np.asarray(packages)
    p = p.reshape(1, -1) if p.ndim == 1 else p
    res = resolve_reservations(problem, reservations)
    parts = sorted(problem.participant_indices())
    red = [problem.preferences[a].red_lines[j]
           for a in parts for j in range(len(problem.preferences[a].red_lines))]
    n_words = max(1, -(-len(red) // 64))
    alone = np.zeros(len(red) + len(problem.constraints) + len(parts), dtype=np.int64)
    n_feasible = 0
    rows, bits, n_red = [], [], []
    for s in range(0, p.shape[0], _CHUNK):
        block, Ub = p[s : s + _CHUNK], U[s : s + _CHUNK]
        red_v = [clause_blocks(c, block) for c in red]
        agenda_v = [clause_blocks(c, block) for c in problem.constraints]
        res_v = [~reservation_ok(Ub, res, a, strict) for a in parts]
        count = np.zeros(block.shape[0], dtype=np.int32)
        for v in red_v + agenda_v + res_v:
            count += v
        single = count == 1
        for i, v in enumerate(red_v + agenda_v + res_v):
            alone[i] += int(np.count_nonzero(v & single))
        n_feasible += int(np.count_nonzero(count == 0))
        if want_bits:
            base = np.ones(block.shape[0], dtype=bool)
            for v in agenda_v + res_v:
                base &= ~v
            idx = np.flatnonzero(base)
            word = np.zeros((idx.size, n_words), dtype=np.uint64)
            nr = np.zeros(idx.size, dtype=np.int32)
            for i, v in enumerate(red_v):
                hit = v[idx]
                word[:, i // 64] |= hit.astype(np.uint64) << np.uint64(i % 64)
                nr += hit
            rows.append(idx + s)
            bits.append(word)
            n_red.append(nr)
    out = {"alone": alone, "n_feasible": n_feasible, "n_red_lines": len(red)}
    if want_bits:
        out["rows"] = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        out["bits"] = np.concatenate(bits) if bits else np.zeros((0, n_words), dtype=np.uint64)
        out["n_red"] = np.concatenate(n_red) if n_red else np.zeros(0, dtype=np.int32)
    return out


def blocks_alone(
    problem: Problem, packages: ArrayLike, U: FloatArray, reservations: ArrayLike | None = None,
    strict: bool = False,
) -> list[dict[str, Any]]:
    """How many packages each red line, agenda constraint or reservation blocks on its own.

    Args:
        problem: the compiled problem.
        packages: option indices, shape (k, n_issues).
        U: utility matrix, shape (k, n_actors), rows aligned with ``packages``.
        reservations: per-actor reservation values; defaults to the preferences'.
        strict: reservation values are strict thresholds.

    Returns:
        One dict per participant red line (actor order, then red-line order), per agenda
        constraint (actor ``"agenda"``) and per participant's reservation value (name
        ``"reservation"``): ``{"actor", "name", "blocks_alone", "kind"}`` with ``kind``
        one of ``red_line``, ``agenda``, ``reservation``.
    """
    scan = _scan(problem, packages, U, reservations, want_bits=False, strict=strict)
    names = [(problem.actors[a], n, "red_line") for a, n in _red_line_index(problem)]
    names += [(AGENDA, c.name, "agenda") for c in problem.constraints]
    names += [(problem.actors[a], RESERVATION, RESERVATION)
              for a in sorted(problem.participant_indices())]
    return [{"actor": actor, "name": name, "blocks_alone": int(cnt), "kind": kind}
            for (actor, name, kind), cnt in zip(names, scan["alone"], strict=True)]


def _positions(word: NDArray[np.uint64]) -> tuple[int, ...]:
    """Red-line positions set in a multi-word bitset."""
    out = []
    for w, value in enumerate(word.tolist()):
        for b in range(64):
            if (value >> b) & 1:
                out.append(64 * w + b)
    return tuple(out)


def minimal_relaxation(problem: Problem, packages: ArrayLike, U: FloatArray, max_size: int = 3,
                       reservations: ArrayLike | None = None,
                       strict: bool = False) -> dict[str, Any] | None:
    """The smallest set of red lines whose removal makes the feasible set non-empty.

    Agenda constraints and reservation values always stay.  See the module docstring
    for the method and the tie-breaking rule.

    Args:
        problem: the compiled problem.
        packages: option indices, shape (k, n_issues).
        U: utility matrix, shape (k, n_actors), rows aligned with ``packages``.
        max_size: largest set of red lines considered.
        reservations: per-actor reservation values; defaults to the preferences'.
        strict: reservation values are strict thresholds.

    Returns:
        None when something is already feasible.  Otherwise ``{"red_lines": [{"actor",
        "name"}, ...], "opens": n, "example_package": row}`` where ``row`` is the opened
        package with the best Nash product (participants, disagreement point = their
        reservation values), or ``{"red_lines": [], "opens": 0, "reason": ...}`` when no
        set of at most ``max_size`` red lines works.
    """
    scan = _scan(problem, packages, U, reservations, want_bits=True, strict=strict)
    if scan["n_feasible"] > 0:
        return None
    if scan["rows"].size == 0:
        return {"red_lines": [], "opens": 0,
                "reason": "no package satisfies the agenda constraints and the reservation "
                          "values, so dropping red lines cannot help"}
    need = int(scan["n_red"].min())
    if need > max_size:
        return {"red_lines": [], "opens": 0,
                "reason": f"every package that meets the agenda and the reservation values "
                          f"breaks at least {need} red lines (more than max_size={max_size})"}
    sel = scan["n_red"] == need
    sets, inverse, counts = np.unique(scan["bits"][sel], axis=0, return_inverse=True,
                                      return_counts=True)
    inverse = inverse.ravel()
    ranked = sorted(range(len(sets)), key=lambda i: (-int(counts[i]), _positions(sets[i])))
    best = ranked[0]
    index = _red_line_index(problem)
    chosen = [{"actor": problem.actors[index[i][0]], "name": index[i][1]}
              for i in _positions(sets[best])]
    opened = scan["rows"][sel][inverse == best]
    parts = sorted(problem.participant_indices())
    res = resolve_reservations(problem, reservations)
    example = nash_point(np.asarray(U)[opened][:, parts], res[parts])
    return {"red_lines": chosen, "opens": int(counts[best]),
            "example_package": None if example is None else int(opened[example])}
