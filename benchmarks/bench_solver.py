"""Benchmark of the subgame-perfect equilibrium solvers (`sim.core.solver`, `solver_random`).

100 rounds of backward induction on a 52,488-package, 4-actor outcome space (the size of
the "large" space in ``benchmarks/spaces.py``) with i.i.d. uniform utilities, uniform
reservation values in [0.2, 0.5], 5% of the (package, actor) pairs unacceptable and a
common discount factor of 0.95, all drawn from a fixed seed. Each timed call includes the
solver's round-invariant precomputation (sorting every proposer's packages).

Cases: alternating offers (proposers cycling 0, 1, 2, 3) and the random-proposer game
(equal recognition probabilities), each under unanimity and under a 2-of-3 quota with
actor 0 holding a veto.

Run ``python benchmarks/bench_solver.py`` to print the median seconds per case.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # executed as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.core import solve_alternating, solve_random_proposer  # noqa: E402

N_PACKAGES = 52_488
N_ACTORS = 4
ROUNDS = 100
SEED = 20250815
DISCOUNT = 0.95


def make_problem(seed: int = SEED) -> dict:
    """The fixed random problem: utilities, acceptability, reservation values."""
    rng = np.random.default_rng(seed)
    U = rng.random((N_PACKAGES, N_ACTORS))
    acceptable = rng.random((N_PACKAGES, N_ACTORS)) >= 0.05
    disagreement = rng.uniform(0.2, 0.5, N_ACTORS)
    return {"U": U, "acceptable": acceptable, "disagreement": disagreement}


RULES = {
    "unanimity": {"veto": None, "quota": None},
    "veto0_quota2": {"veto": [0], "quota": 2},
}


def _cases(problem: dict) -> list[tuple[str, str, object]]:
    """(solver name, rule name, zero-argument call) for every benchmarked case."""
    U, acc, d = problem["U"], problem["acceptable"], problem["disagreement"]
    probs = np.full(N_ACTORS, 1.0 / N_ACTORS)
    order = list(range(N_ACTORS))
    cases = []
    for rule_name, rule in RULES.items():
        cases.append(
            (
                "alternating",
                rule_name,
                lambda rule=rule: solve_alternating(U, acc, d, DISCOUNT, ROUNDS, order, **rule),
            )
        )
        cases.append(
            (
                "random_proposer",
                rule_name,
                lambda rule=rule: solve_random_proposer(U, acc, d, DISCOUNT, ROUNDS, probs, **rule),
            )
        )
    return cases


def run(repeats: int = 5) -> list[dict]:
    """Time every case ``repeats`` times (after one warm-up call).

    Args:
        repeats: timed calls per case.

    Returns:
        One dict per case with ``comparison`` (``solver_<solver>_<rule>``), ``solver``,
        ``rule``, ``packages``, ``actors``, ``rounds``, ``median_s``, ``min_s``,
        ``repeats``, and the equilibrium's ``round`` and ``package`` (a sanity check that
        the timed call solved the game).
    """
    problem = make_problem()
    rows = []
    for solver, rule_name, call in _cases(problem):
        result = call()  # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        rows.append(
            {
                "comparison": f"solver_{solver}_{rule_name}",
                "solver": solver,
                "rule": rule_name,
                "packages": N_PACKAGES,
                "actors": N_ACTORS,
                "rounds": ROUNDS,
                "median_s": statistics.median(times),
                "min_s": min(times),
                "repeats": repeats,
                "round": result.round,
                "package": result.package,
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['solver']:>16s} {row['rule']:>13s}: {ROUNDS} rounds, "
            f"{row['packages']:,} packages x {row['actors']} actors: "
            f"median {row['median_s'] * 1e3:7.2f} ms (min {row['min_s'] * 1e3:.2f} ms; "
            f"agreement in round {row['round']} on package {row['package']})"
        )
