"""Benchmark of ``sim.core.analysis.analyze`` on synthetic spaces.

Cases (random linear-additive utilities from ``spaces.make_spec`` with a fixed seed,
reservation values uniform in [0.2, 0.5], plus a few red lines):

* ``52k x 4``: the shared 11-issue space of 52,488 packages (``spaces.SIZES["large"]``);
* ``1e6 x 4`` and ``1e6 x 6``: 12 issues alternating 2 and 5 options (10^6 packages);
* ``1e7 x 4`` and ``1e7 x 6``: 14 issues alternating 2 and 5 options (10^7 packages),
  timed once.

``run(repeats)`` returns one dict per case (median seconds, frontier sizes, peak RSS);
``python benchmarks/bench_analysis.py [--quick]`` prints the table (``--quick`` skips
the 10^7 cases).  Peak RSS is the process high-water mark (``ru_maxrss``) after the case,
so it only grows from one row to the next.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
for _p in (str(HERE.parent), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchmarks import spaces  # noqa: E402
from sim.core.analysis import analyze  # noqa: E402
from sim.core.problem import Clause, Literal, Preferences, Problem  # noqa: E402

SEED = spaces.DEFAULT_SEED
CASES = (
    # name, option counts, actors, repeats cap (None = use the caller's repeats)
    ("52k x 4", spaces.SIZES["large"], 4, None),
    ("1e6 x 4", [2, 5] * 6, 4, None),
    ("1e6 x 6", [2, 5] * 6, 6, None),
    ("1e7 x 4", [2, 5] * 7, 4, 1),
    ("1e7 x 6", [2, 5] * 7, 6, 1),
)


def _onehot(n: int, i: int) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    m[i] = True
    return m


def with_red_lines(problem: Problem) -> Problem:
    """The problem with three red lines: a never, a not-both and an if-then."""
    r = problem.radix
    lines = {
        0: Clause("never issue0=o0", (Literal(0, _onehot(int(r[0]), 0)),)),
        1: Clause("not both issue1=o0 and issue2=o0",
                  (Literal(1, _onehot(int(r[1]), 0)), Literal(2, _onehot(int(r[2]), 0)))),
        2: Clause("if issue3=o1 then issue4=o1",
                  (Literal(3, _onehot(int(r[3]), 1)), Literal(4, ~_onehot(int(r[4]), 1)))),
    }
    prefs = []
    for a, p in enumerate(problem.preferences):
        extra = (lines[a],) if a in lines else ()
        prefs.append(Preferences(weights=p.weights, values=p.values,
                                 interactions=p.interactions, aggregation=p.aggregation,
                                 reservation=p.reservation, patience=p.patience,
                                 red_lines=p.red_lines + extra, empty_value=p.empty_value))
    return Problem(issues=problem.issues, options=problem.options, actors=problem.actors,
                   preferences=tuple(prefs), constraints=problem.constraints,
                   adopted=problem.adopted, participants=problem.participants,
                   labels=dict(problem.labels))


def make_problem(option_counts, n_actors: int, seed: int = SEED) -> Problem:
    """A benchmark problem: random additive utilities plus `with_red_lines`."""
    spec = spaces.make_spec(list(option_counts), n_actors=n_actors, seed=seed)
    return with_red_lines(spaces.spec_to_problem(spec))


def _peak_rss_mb() -> float:
    """This process's own high-water RSS: ``VmHWM`` where there is /proc (``ru_maxrss`` of a
    process started by ``subprocess`` includes its parent's size), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0 if sys.platform != "darwin" else kb / 1024.0 / 1024.0


def run(repeats: int = 5, quick: bool = False) -> list[dict]:
    """Time ``analyze`` (default arguments) on every case.

    Args:
        repeats: timed runs per case (capped at 1 for the 10^7 cases).
        quick: skip the 10^7 cases.

    Returns:
        One dict per case: name, n_packages, n_actors, repeats, median_s, min_s,
        median_cpu_s (process CPU time: close to the wall time on an idle machine, and
        the better guide when other jobs share the cores), pareto_size, feasible_size,
        feasible_pareto_size, peak_rss_mb.
    """
    rows = []
    for name, counts, n_actors, cap in CASES:
        if quick and cap == 1:
            continue
        problem = make_problem(counts, n_actors)
        reps = max(1, repeats if cap is None else min(cap, repeats))
        times, cpu, result = [], [], None
        for _ in range(reps):
            result = None
            t0, c0 = time.perf_counter(), time.process_time()
            result = analyze(problem)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        rows.append({
            "name": f"analyze {name}",
            "n_packages": int(problem.n_outcomes),
            "n_actors": n_actors,
            "repeats": reps,
            "median_s": statistics.median(times),
            "min_s": min(times),
            "median_cpu_s": statistics.median(cpu),
            "pareto_size": int(result.pareto.sum()),
            "feasible_size": int(result.feasible.sum()),
            "feasible_pareto_size": int(result.feasible_pareto.sum()),
            "peak_rss_mb": round(_peak_rss_mb(), 1),
        })
        del result
    return rows


def _table(rows: list[dict]) -> str:
    head = ("case", "packages", "median s", "min s", "median CPU s", "pareto", "feasible",
            "feas. pareto", "peak RSS MB")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        lines.append(" | ".join(str(x) for x in (
            r["name"], f"{r['n_packages']:,}", f"{r['median_s']:.3f}", f"{r['min_s']:.3f}",
            f"{r['median_cpu_s']:.3f}",
            f"{r['pareto_size']:,}", f"{r['feasible_size']:,}",
            f"{r['feasible_pareto_size']:,}", r["peak_rss_mb"])))
    return "\n".join(lines)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="skip the 10^7 cases")
    args = ap.parse_args()
    print(_table(run(args.repeats, quick=args.quick)))
    print(f"load average at the end: {os.getloadavg()}")
