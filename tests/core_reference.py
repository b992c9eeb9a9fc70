"""Brute-force plain-Python references for sim.core, and random problem builders.

Everything here loops over ``itertools.product`` and Python floats on purpose: it is the
slow, obviously-correct definition the vectorised code is tested against.  It does not
import the functions under test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from sim.core.problem import (
    ADDITIVE,
    MEAN_OF_ADOPTED,
    Clause,
    Interaction,
    Literal,
    Preferences,
    Problem,
)

TOL = 1e-12
DECIMALS = 12


# ------------------------------------------------------------------ random problems


def _onehot(n: int, i: int) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    m[i] = True
    return m


def random_clause(rng: np.random.Generator, radix: list[int], name: str) -> Clause:
    """One clause of a random kind: never / at-least / not-both / if-then."""
    n = len(radix)
    kind = rng.integers(4) if n > 1 else rng.integers(2)
    i = int(rng.integers(n))
    if kind == 0:  # never X
        return Clause(name, (Literal(i, _onehot(radix[i], int(rng.integers(radix[i])))),))
    if kind == 1:  # at least Y: forbid options below Y
        y = int(rng.integers(1, radix[i] + 1)) if radix[i] > 1 else 1
        mask = np.arange(radix[i]) < y
        return Clause(name, (Literal(i, mask),))
    j = int(rng.choice([x for x in range(n) if x != i]))
    a = _onehot(radix[i], int(rng.integers(radix[i])))
    b = _onehot(radix[j], int(rng.integers(radix[j])))
    if kind == 2:  # not (A and B)
        return Clause(name, (Literal(i, a), Literal(j, b)))
    return Clause(name, (Literal(i, a), Literal(j, ~b)))  # if A then B


def random_problem(seed: int, n_issues=(1, 5), max_options: int = 4, n_actors=(1, 4),
                   max_outcomes: int = 400, coarse: bool | None = None) -> Problem:
    """A random compiled problem, small enough for brute force.

    Args:
        seed: seeds ``numpy.random.default_rng``.
        n_issues: inclusive range of the number of issues.
        max_options: most options per issue.
        n_actors: inclusive range of the number of actors.
        max_outcomes: issues are added only while the space stays this small.
        coarse: values on a 0.25 grid (many ties and duplicated rows); random if None.
    """
    rng = np.random.default_rng(seed)
    want = int(rng.integers(n_issues[0], n_issues[1] + 1))
    radix: list[int] = []
    while len(radix) < want:
        r = int(rng.integers(1, max_options + 1))
        if math.prod(radix) * r > max_outcomes:
            break
        radix.append(r)
    if not radix:
        radix = [int(rng.integers(1, max_options + 1))]
    n = len(radix)
    if coarse is None:
        coarse = bool(rng.integers(2))
    na = int(rng.integers(n_actors[0], n_actors[1] + 1))
    prefs = []
    for a in range(na):
        w = rng.dirichlet(np.ones(n))
        if coarse:
            vals = tuple(rng.integers(0, 5, r) / 4.0 for r in radix)
        else:
            vals = tuple(rng.random(r) for r in radix)
        inter = []
        for _ in range(int(rng.integers(0, 3))):
            i, j = int(rng.integers(n)), int(rng.integers(n))
            inter.append(Interaction(i, int(rng.integers(radix[i])), j, int(rng.integers(radix[j])),
                                     float(np.round(rng.uniform(-0.3, 0.3), 3))))
        n_red = int(rng.integers(0, 3))
        reds = tuple(random_clause(rng, radix, f"rl{a}_{k}") for k in range(n_red))
        prefs.append(Preferences(
            weights=w, values=vals, interactions=tuple(inter),
            aggregation=ADDITIVE if rng.random() < 0.6 else MEAN_OF_ADOPTED,
            reservation=float(np.round(rng.uniform(0, 0.45), 3)),
            red_lines=reds, empty_value=float(np.round(rng.random(), 2))))
    agenda = tuple(random_clause(rng, radix, f"ag{k}") for k in range(int(rng.integers(0, 2))))
    adopted = None
    if rng.random() < 0.3:
        adopted = tuple(rng.random(r) < 0.5 for r in radix)
    participants = None
    if na > 1 and rng.random() < 0.2:
        participants = tuple(sorted(rng.choice(na, size=na - 1, replace=False).tolist()))
    return Problem(
        issues=tuple(f"i{k}" for k in range(n)),
        options=tuple(tuple(f"i{k}o{o}" for o in range(r)) for k, r in enumerate(radix)),
        actors=tuple(f"a{k}" for k in range(na)),
        preferences=tuple(prefs), constraints=agenda, adopted=adopted,
        participants=participants)


def permute_actors(problem: Problem, perm) -> Problem:
    """The same problem with actors reordered: new actor j is old actor perm[j]."""
    perm = list(perm)
    inv = {old: new for new, old in enumerate(perm)}
    parts = None
    if problem.participants is not None:
        parts = tuple(sorted(inv[p] for p in problem.participants))
    return Problem(issues=problem.issues, options=problem.options,
                   actors=tuple(problem.actors[p] for p in perm),
                   preferences=tuple(problem.preferences[p] for p in perm),
                   constraints=problem.constraints, adopted=problem.adopted,
                   participants=parts)


def permute_issues(problem: Problem, perm) -> Problem:
    """The same problem with issues reordered: new issue j is old issue perm[j]."""
    perm = list(perm)
    inv = {old: new for new, old in enumerate(perm)}

    def clause(c: Clause) -> Clause:
        return Clause(c.name, tuple(Literal(inv[lit.issue], lit.mask) for lit in c.literals))

    prefs = []
    for p in problem.preferences:
        prefs.append(Preferences(
            weights=np.asarray(p.weights)[perm], values=tuple(p.values[i] for i in perm),
            interactions=tuple(Interaction(inv[t.issue_a], t.option_a, inv[t.issue_b],
                                           t.option_b, t.delta) for t in p.interactions),
            aggregation=p.aggregation, reservation=p.reservation, patience=p.patience,
            red_lines=tuple(clause(c) for c in p.red_lines), empty_value=p.empty_value))
    adopted = None if problem.adopted is None else tuple(problem.adopted[i] for i in perm)
    return Problem(issues=tuple(problem.issues[i] for i in perm),
                   options=tuple(problem.options[i] for i in perm), actors=problem.actors,
                   preferences=tuple(prefs),
                   constraints=tuple(clause(c) for c in problem.constraints),
                   adopted=adopted, participants=problem.participants)


# ------------------------------------------------------------------------ references


def radix_of(problem: Problem) -> list[int]:
    return [len(o) for o in problem.options]


def ref_packages(radix) -> list[tuple[int, ...]]:
    """Every package in index order (lexicographic)."""
    return list(itertools.product(*[range(int(r)) for r in radix]))


def ref_participants(problem: Problem) -> list[int]:
    if problem.participants is None:
        return list(range(len(problem.actors)))
    return sorted(problem.participants)


def ref_adopted(problem: Problem, issue: int, option: int) -> bool:
    if problem.adopted is None:
        return option != 0
    return bool(problem.adopted[issue][option])


def ref_utility(problem: Problem, actor: int, pkg) -> float:
    p = problem.preferences[actor]
    if p.aggregation == ADDITIVE:
        u = sum(float(p.weights[i]) * float(p.values[i][o]) for i, o in enumerate(pkg))
    else:
        num = den = 0.0
        for i, o in enumerate(pkg):
            if ref_adopted(problem, i, o):
                num += float(p.weights[i]) * float(p.values[i][o])
                den += float(p.weights[i])
        u = num / den if den > 0 else float(p.empty_value)
    for t in p.interactions:
        if pkg[t.issue_a] == t.option_a and pkg[t.issue_b] == t.option_b:
            u += float(t.delta)
    return min(1.0, max(0.0, u))


def ref_blocks(clause: Clause, pkg) -> bool:
    return all(bool(lit.mask[pkg[lit.issue]]) for lit in clause.literals)


def ref_reservations(problem: Problem, reservations=None) -> list[float]:
    if reservations is None:
        return [float(p.reservation) for p in problem.preferences]
    return [float(r) for r in reservations]


def ref_violations(problem: Problem, pkg, urow, res, dropped=()) -> list[tuple]:
    """Every constraint the package violates, as (kind, actor index or None, name)."""
    out = []
    for a in ref_participants(problem):
        for c in problem.preferences[a].red_lines:
            if (a, c.name) not in dropped and ref_blocks(c, pkg):
                out.append(("red", a, c.name))
        if rnd(urow[a]) - rnd(res[a]) < -TOL / 2:
            out.append(("res", a, None))
    for c in problem.constraints:
        if ref_blocks(c, pkg):
            out.append(("agenda", None, c.name))
    return out


def ref_feasible(problem: Problem, pkg, urow, res, dropped=()) -> bool:
    return not ref_violations(problem, pkg, urow, res, dropped)


def rnd(x) -> float:
    """One value rounded like the vectorised code (numpy's rounding, not Python's)."""
    return float(np.round(float(x), DECIMALS))


def snap(row) -> tuple[float, ...]:
    return tuple(rnd(x) for x in row)


def dominates(q, p) -> bool:
    q, p = snap(q), snap(p)
    pairs = list(zip(q, p, strict=True))
    return all(a >= b for a, b in pairs) and any(a > b for a, b in pairs)


def ref_pareto(rows, candidates) -> list[int]:
    """Indices (among ``candidates``) of Pareto-optimal rows."""
    return [i for i in candidates if not any(dominates(rows[j], rows[i]) for j in candidates)]


def ref_choose(rows, candidates, score) -> int | None:
    """The module's tie rule: within TOL of the best, lowest undominated index."""
    if not candidates:
        return None
    best = max(score[i] for i in candidates)
    if best == -math.inf:
        tied = list(candidates)
    else:
        tied = [i for i in candidates if score[i] >= best - TOL]
    return min(ref_pareto(rows, tied))


def gain(row, d, a) -> float:
    return rnd(row[a]) - rnd(d[a])


def ref_nash(rows, d, candidates, weights=None) -> int | None:
    n = len(d)
    w = [1.0] * n if weights is None else [float(x) for x in weights]
    ok = [i for i in candidates if all(gain(rows[i], d, a) >= -TOL / 2 for a in range(n))]
    score = {}
    for i in ok:
        s = 0.0
        for a in range(n):
            if w[a] > 0:
                g = gain(rows[i], d, a)
                s += w[a] * (math.log(g) if g > TOL / 2 else -math.inf)
        score[i] = s
    return ref_choose(rows, ok, score)


def ref_ks(rows, d, candidates) -> int | None:
    if not candidates:
        return None
    n = len(d)
    span = [max(gain(rows[i], d, a) for i in candidates) for a in range(n)]
    score = {}
    for i in candidates:
        score[i] = min((gain(rows[i], d, a) / span[a]) if span[a] > TOL / 2 else 1.0
                       for a in range(n))
    return ref_choose(rows, candidates, score)


def ref_egalitarian(rows, d, candidates) -> int | None:
    score = {i: min(gain(rows[i], d, a) for a in range(len(d))) for i in candidates}
    return ref_choose(rows, candidates, score)


def ref_utilitarian(rows, candidates) -> int | None:
    score = {i: sum(snap(rows[i])) for i in candidates}
    return ref_choose(rows, candidates, score)


def ref_blocks_alone(problem: Problem, pkgs, urows, res) -> list[dict]:
    out = []
    named = [("red", a, c.name) for a in ref_participants(problem)
             for c in problem.preferences[a].red_lines]
    named += [("agenda", None, c.name) for c in problem.constraints]
    named += [("res", a, None) for a in ref_participants(problem)]
    kinds = {"red": "red_line", "agenda": "agenda", "res": "reservation"}
    for kind, a, name in named:
        n = 0
        for pkg, u in zip(pkgs, urows, strict=True):
            v = ref_violations(problem, pkg, u, res)
            if v == [(kind, a, name)]:
                n += 1
        out.append({"actor": "agenda" if kind == "agenda" else problem.actors[a],
                    "name": "reservation" if kind == "res" else name,
                    "blocks_alone": n, "kind": kinds[kind]})
    return out


def ref_minimal_relaxation(problem: Problem, pkgs, urows, res, max_size=3):
    """Search red-line subsets by increasing size; returns (red lines, opens) or None."""
    if any(ref_feasible(problem, p, u, res) for p, u in zip(pkgs, urows, strict=True)):
        return None
    reds = [(a, c.name) for a in ref_participants(problem)
            for c in problem.preferences[a].red_lines]
    for size in range(1, max_size + 1):
        best = None
        for combo in itertools.combinations(range(len(reds)), size):
            dropped = {reds[i] for i in combo}
            opens = sum(ref_feasible(problem, p, u, res, dropped)
                        for p, u in zip(pkgs, urows, strict=True))
            if opens and (best is None or opens > best[1]):
                best = (combo, opens)
        if best is not None:
            return [reds[i] for i in best[0]], best[1]
    return [], 0
