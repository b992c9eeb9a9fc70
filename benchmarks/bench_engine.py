"""Engine benchmark: negotiations per second, and the equilibrium solver on the Alaska space.

Run:  ``.venv/bin/python benchmarks/bench_engine.py [--runs N] [--repeats R] [--profile]``

Negotiations: the shared random problems of ``spaces.py`` (4 actors, linear-additive
utilities, reservation values uniform in [0.2, 0.5]; ``small`` 1,440 and ``large`` 52,488
packages), ``alternating_offers`` with a deadline of 100 rounds and walking away off,
time-dependent strategies as in the NegMAS peer: actor ``a`` in run ``r`` plays
``[boulware, linear, conceder][(a + r) % 3]`` and the proposer order is rotated by ``r``;
run ``r`` has seed ``r``. The per-scenario precomputation (`Prepared`) is built once and
shared, as in a sweep; each timed run builds its model (agents, strategies, dynamics),
plays it to the end and builds its `RunResult`. Both ``collect=False`` (sweeps) and
``collect=True`` (with the round table) are timed. One process, one core.

Solver: `sim.engine.solve.solve_scenario` on ``scenarios/alaska_summit.yaml`` with the
deadline set to 100 rounds (the Prepared built once, outside the timing).

``run(repeats)`` returns one dict per measurement; rows with ``comparison`` join the
NegMAS comparison table of ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchmarks import spaces  # noqa: E402

PRESETS = ("boulware", "linear", "conceder")
DEADLINE = 100
TARGET_RUNS_PER_S = 170.0
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"


def configs(prepared, n_runs: int):
    """The run settings of runs ``0 .. n_runs - 1`` (preset cycle and rotated order)."""
    from sim.engine.model import RunConfig
    from sim.scenario.specs import ProtocolSpec, StrategySpec

    actors = prepared.problem.actors
    n = len(actors)
    out = []
    for r in range(n_runs):
        order = [actors[(k + r) % n] for k in range(n)]
        protocol = ProtocolSpec(
            kind="alternating_offers",
            deadline=DEADLINE,
            walk_away=False,
            params={"order": order},
        )
        strategies = tuple(StrategySpec(kind=PRESETS[(a + r) % len(PRESETS)]) for a in range(n))
        out.append(RunConfig(protocol, strategies, None))
    return out


def negotiations(size: str, n_runs: int, repeats: int, collect: bool) -> dict:
    """Time ``n_runs`` negotiations on the named space, ``repeats`` times (median rate)."""
    from sim.engine.api import run
    from sim.engine.prepared import prepare

    spec = spaces.make_named(size)
    t0 = time.perf_counter()
    prepared = prepare(spaces.spec_to_problem(spec))
    prepare_s = time.perf_counter() - t0
    cfgs = configs(prepared, n_runs)
    run(prepared, cfgs[0], 0, collect=collect)  # warm-up: stage views, imports
    rates, agreements, rounds = [], 0, []
    for _ in range(max(1, repeats)):
        agreements, rounds = 0, []
        t0 = time.perf_counter()
        for r, cfg in enumerate(cfgs):
            res = run(prepared, cfg, r, collect=collect)
            agreements += res.agreement
            rounds.append(res.rounds)
        rates.append(n_runs / (time.perf_counter() - t0))
    row = {
        "name": f"negotiations_{size}" + ("_collect" if collect else ""),
        "n_packages": int(prepared.n_packages),
        "runs": n_runs,
        "deadline": DEADLINE,
        "collect": collect,
        "runs_per_s": statistics.median(rates),
        "runs_per_s_all": rates,
        "agreement_rate": agreements / n_runs,
        "mean_rounds": statistics.fmean(rounds),
        "prepare_s": prepare_s,
        "target_runs_per_s": TARGET_RUNS_PER_S if size == "large" else None,
    }
    if not collect:
        row["comparison"] = f"negotiations_{size}"
    return row


def solver(repeats: int) -> dict:
    """Median time of the summit's equilibrium on the Alaska space with 100 rounds."""
    from sim.engine.prepared import prepare
    from sim.engine.solve import solve_scenario
    from sim.scenario import load_scenario

    scenario = load_scenario(ALASKA)
    prepared = prepare(scenario)
    times = []
    result = None
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        result = solve_scenario(scenario, rounds=DEADLINE, prepared=prepared)
        times.append(time.perf_counter() - t0)
    return {
        "name": "solver_alaska_100_rounds",
        "protocol": scenario.protocol.kind if scenario.protocol else None,
        "n_packages": int(prepared.n_packages),
        "rounds": DEADLINE,
        "median_s": statistics.median(times),
        "times_s": times,
        "agreement": result.package is not None,
        "round": result.round,
    }


def run(repeats: int = 3, runs: int = 200) -> list[dict]:
    """Every engine measurement (see the module docstring)."""
    rows = []
    for size in ("small", "large"):
        for collect in (False, True):
            rows.append(negotiations(size, runs, repeats, collect))
    if ALASKA.exists():
        rows.append(solver(repeats))
    return rows


def profile(size: str = "large", n_runs: int = 100, top: int = 30) -> None:
    """Print the cProfile of ``n_runs`` negotiations (collect off), by cumulative time."""
    from sim.engine.api import run as run_one
    from sim.engine.prepared import prepare

    prepared = prepare(spaces.spec_to_problem(spaces.make_named(size)))
    cfgs = configs(prepared, n_runs)
    run_one(prepared, cfgs[0], 0, collect=False)
    prof = cProfile.Profile()
    prof.enable()
    for r, cfg in enumerate(cfgs):
        run_one(prepared, cfg, r, collect=False)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    """Print every measurement; ``--profile`` prints a cProfile of the large space."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    if args.profile:
        profile()
        return 0
    for row in run(args.repeats, args.runs):
        if "runs_per_s" in row:
            print(
                f"{row['name']:>28}: {row['runs_per_s']:8.1f} negotiations/s "
                f"(agreement rate {row['agreement_rate']:.2f}, mean rounds "
                f"{row['mean_rounds']:.1f}, {row['n_packages']:,} packages)"
            )
        else:
            print(
                f"{row['name']:>28}: median {row['median_s'] * 1e3:.2f} ms "
                f"({row['n_packages']:,} packages, {row['rounds']} rounds, "
                f"agreement {row['agreement']})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
