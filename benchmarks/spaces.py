"""Deterministic random negotiation problems shared by negsim and the NegMAS peer.

The *spec* is plain JSON so that the NegMAS peer (a separate process in its own
virtual environment, see ``peer.py``) and negsim read exactly the same numbers:

    {"issues": [{"name": str, "options": [str, ...]}, ...],
     "actors": [{"name": str,
                 "weights": [float per issue, sum 1],
                 "values": [[float per option] per issue],   # each in [0, 1]
                 "reservation": float}, ...],                # uniform in [0.2, 0.5]
     "seed": int}

Utilities are linear-additive: ``u(package) = sum_i weights[i] * values[i][option_i]``.
Floats survive the JSON round trip exactly (``json`` writes ``repr``), so both tools
evaluate bit-identical inputs.

This module imports numpy only at module level; ``spec_to_problem`` imports negsim's
``sim.core.problem`` lazily so the generator also works where negsim is not installed.
"""

from __future__ import annotations

import json
from math import prod
from pathlib import Path

import numpy as np

# The two benchmark sizes (4 actors each).
SIZES: dict[str, list[int]] = {
    # 2*3*4*5*3*4 = 1,440 packages
    "small": [2, 3, 4, 5, 3, 4],
    # 2^3 * 3^8 = 52,488 packages
    "large": [2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3],
}
N_ACTORS = 4
DEFAULT_SEED = 20250815


def n_packages(option_counts: list[int]) -> int:
    """Size of the product space."""
    return int(prod(option_counts))


def make_spec(
    option_counts: list[int],
    n_actors: int = N_ACTORS,
    seed: int = DEFAULT_SEED,
    reservation_range: tuple[float, float] = (0.2, 0.5),
) -> dict:
    """Random linear-additive problem; same ``seed`` and sizes give the same spec.

    Weights are Dirichlet(1,...,1) (non-negative, normalised to sum to 1); option
    values are uniform in [0, 1]; reservation values uniform in ``reservation_range``.
    """
    rng = np.random.default_rng(seed)
    issues = [
        {"name": f"issue{i}", "options": [f"i{i}o{k}" for k in range(int(n))]}
        for i, n in enumerate(option_counts)
    ]
    actors = []
    for a in range(n_actors):
        w = rng.dirichlet(np.ones(len(option_counts)))
        w = w / w.sum()
        values = [[float(v) for v in rng.uniform(0.0, 1.0, size=int(n))] for n in option_counts]
        reservation = float(rng.uniform(*reservation_range))
        actors.append(
            {
                "name": f"actor{a}",
                "weights": [float(x) for x in w],
                "values": values,
                "reservation": reservation,
            }
        )
    return {"issues": issues, "actors": actors, "seed": int(seed)}


def make_named(size: str, seed: int = DEFAULT_SEED) -> dict:
    """The spec for one of the named ``SIZES``."""
    return make_spec(SIZES[size], seed=seed)


def spec_utilities(spec: dict) -> np.ndarray:
    """Reference utilities, shape (n_packages, n_actors), packages in row-major
    (itertools.product) order: the last issue varies fastest.

    Plain numpy, independent of both tools; used to cross-check their answers.
    """
    counts = [len(i["options"]) for i in spec["issues"]]
    grids = np.indices(counts).reshape(len(counts), -1)  # (n_issues, n_packages)
    out = np.zeros((grids.shape[1], len(spec["actors"])))
    for a, actor in enumerate(spec["actors"]):
        u = np.zeros(grids.shape[1])
        for i, (w, vals) in enumerate(zip(actor["weights"], actor["values"], strict=True)):
            u += w * np.asarray(vals)[grids[i]]
        out[:, a] = u
    return out


def package_of_index(spec: dict, index: int) -> tuple[int, ...]:
    """Option-index tuple of the package at row-major ``index``."""
    counts = [len(i["options"]) for i in spec["issues"]]
    return tuple(int(x) for x in np.unravel_index(int(index), counts))


def reference_analysis(spec: dict, rational_only: bool = True) -> dict:
    """Brute-force Pareto frontier and Nash package with plain numpy (a third opinion).

    ``rational_only``: restrict to packages every actor weakly prefers to its
    reservation value (the NegMAS definition). Nash maximises prod(u_i - r_i) over the
    frontier (disagreement point = reservation values) when ``rational_only``; over the
    full space it uses the same product (may be negative -> then it is not meaningful).
    """
    u = spec_utilities(spec)
    r = np.array([a["reservation"] for a in spec["actors"]])
    idx = np.arange(u.shape[0])
    if rational_only:
        keep = np.all(u >= r, axis=1)
        u, idx = u[keep], idx[keep]
    # Sort by descending sum so a dominating point always precedes the dominated one.
    order = np.lexsort(tuple(-u[:, k] for k in reversed(range(u.shape[1]))))
    u, idx = u[order], idx[order]
    frontier: list[int] = []
    fu = np.empty_like(u)
    n_f = 0
    for k in range(u.shape[0]):
        p = u[k]
        f = fu[:n_f]
        if n_f and np.any(np.all(f >= p, axis=1) & np.any(f > p, axis=1)):
            continue
        frontier.append(k)
        fu[n_f] = p
        n_f += 1
    f_idx = idx[frontier]
    f_u = u[frontier]
    out = {"frontier_size": int(len(f_idx)), "n_rational": int(u.shape[0])}
    if len(f_idx):
        nash_val = np.prod(f_u - r, axis=1)
        best = int(np.argmax(nash_val))
        out["nash_package"] = list(package_of_index(spec, int(f_idx[best])))
        out["nash_utilities"] = [float(x) for x in f_u[best]]
    else:
        out["nash_package"] = None
    out["frontier_packages"] = sorted(tuple(package_of_index(spec, int(i))) for i in f_idx)
    return out


def spec_to_problem(spec: dict):
    """Convert a spec to negsim's ``sim.core.problem.Problem`` (additive, no red lines)."""
    from sim.core.problem import ADDITIVE, Preferences, Problem

    issues = tuple(i["name"] for i in spec["issues"])
    options = tuple(tuple(i["options"]) for i in spec["issues"])
    prefs = []
    for actor in spec["actors"]:
        prefs.append(
            Preferences(
                weights=np.asarray(actor["weights"], dtype=float),
                values=tuple(np.asarray(v, dtype=float) for v in actor["values"]),
                aggregation=ADDITIVE,
                reservation=float(actor["reservation"]),
            )
        )
    return Problem(
        issues=issues,
        options=options,
        actors=tuple(a["name"] for a in spec["actors"]),
        preferences=tuple(prefs),
        labels={"benchmark_seed": spec["seed"]},
    )


def write_spec(spec: dict, path: Path) -> Path:
    """Write a spec as JSON (exact floats)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec))
    return path


if __name__ == "__main__":  # pragma: no cover - manual inspection
    for name, counts in SIZES.items():
        s = make_named(name)
        print(
            name,
            n_packages(counts),
            "packages;",
            "reservations",
            [round(a["reservation"], 3) for a in s["actors"]],
        )
