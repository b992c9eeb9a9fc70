"""Benchmark: the never-ending five-player Baron-Ferejohn game (a 100-unit pie).

``scenarios/validation/baron_ferejohn_five_players.yaml`` (one ``split`` issue: 4,598,126
possible splits, never listed) solved by ``negsim solve --horizon infinite``; the budget is
10 seconds, end to end. Cases:

* ``solve_infinite_bf5_cli``: the command as a user types it (a fresh interpreter each
  time: imports, loading and validation, the solve, the JSON), wall time;
* ``solve_infinite_bf5_api``: `sim.api.solve(..., horizon="infinite")` in-process, after a
  warm-up call;
* ``solve_infinite_bf5_unequal_api``: the same file with unequal recognition
  probabilities (proposers randomise over partners), in-process.

Each row records the check that the timed call solved the game (the proposer keeps 64 of
the 100 units under equal recognition; every ex-ante value is 0.2 in both cases).

Run ``python benchmarks/bench_textbook.py`` to print the rows.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # executed as a script: make the repository importable
    sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "validation" / "baron_ferejohn_five_players.yaml"
BUDGET_S = 10.0
UNEQUAL = {"p1": 0.3, "p2": 0.25, "p3": 0.2, "p4": 0.15, "p5": 0.1}


def _cli() -> dict:
    cmd = [sys.executable, "-m", "sim", "solve", str(SCENARIO), "--horizon", "infinite",
           "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout)


def _row(comparison: str, times: list[float], out: dict) -> dict:
    utilities = sorted(out["utilities"].values(), reverse=True)
    return {
        "comparison": comparison,
        "packages": 4_598_126,
        "actors": 5,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "repeats": len(times),
        "budget_s": BUDGET_S,
        "within_budget": max(times) < BUDGET_S,
        "converged": out["converged"],
        "proposer_keeps": utilities[0],
        "values": out["values"],
    }


def run(repeats: int = 3) -> list[dict]:
    """Time every case ``repeats`` times; rows as in the module docstring."""
    from sim.api import solve

    rows = []
    times, out = [], {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = _cli()
        times.append(time.perf_counter() - t0)
    rows.append(_row("solve_infinite_bf5_cli", times, out))
    with tempfile.TemporaryDirectory() as tmp:
        unequal = Path(tmp) / "unequal.yaml"
        unequal.write_text(f"extends: {SCENARIO}\nprotocol:\n  params:\n    probabilities: "
                           f"{json.dumps(UNEQUAL)}\n")
        for name, path in (("solve_infinite_bf5_api", SCENARIO),
                           ("solve_infinite_bf5_unequal_api", unequal)):
            solve(path, horizon="infinite")  # warm-up: imports and caches
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                result = solve(path, horizon="infinite")
                times.append(time.perf_counter() - t0)
            rows.append(_row(name, times, result.to_json()))
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['comparison']:>32s}: median {row['median_s']:.2f} s (max "
              f"{row['max_s']:.2f} s, budget {row['budget_s']:.0f} s); converged "
              f"{row['converged']}, the proposer keeps {row['proposer_keeps']:.2f}")
