"""The batched engine against the per-run engine on the shipped scenarios (issue 15).

For each scenario (as shipped, or with every seat playing ``equilibrium``), one block plays
``seeds`` runs with `sim.engine.batch.simulate_many` (batched, without the one-seed canary
replay, which a sweep pays once per design point and process) and one block plays the same
seeds with ``batched=False`` (the per-run engine, Mesa); the
blocks are interleaved (`timing.interleave`) and the CPU time is this process's
``process_time``. Each pair is checked equal, field by field, before it is timed, and the
plan must be a batch (a fallback is an error here, not a figure).

Run: ``.venv/bin/python benchmarks/bench_batch.py [seeds] [cycles]`` (defaults 500, 3).
Not part of ``make bench``'s targets (the issue sets none per scenario); it gives the
speed-up of each kind of table the kernels cover.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchmarks import timing  # noqa: E402

SCENARIOS = [
    "scenarios/alaska_summit.yaml",
    "scenarios/zelenskyy_at_table.yaml",
    "scenarios/europe_split_at_table.yaml",
    "scenarios/ceasefire_first.yaml",
    "scenarios/discounting/alaska_summit.yaml",
    "scenarios/summit_accurate_beliefs.yaml",
    "scenarios/summit_naive_beliefs.yaml",
    "scenarios/summit_audience_costs.yaml",
]
#: (label, scenario) whose seats all play the subgame-perfect strategy
EQUILIBRIUM = [("alaska_summit, every seat equilibrium", "scenarios/alaska_summit.yaml")]


def _cases() -> list[tuple[str, object, object]]:
    from sim.api import load, prepare
    from sim.engine.settings import RunConfig, StrategySpec
    from sim.scenario import run_config

    out = []
    for path in SCENARIOS:
        sc = load(ROOT / path)
        out.append((path, prepare(sc), run_config(sc)))
    for label, path in EQUILIBRIUM:
        sc = load(ROOT / path)
        config = run_config(sc)
        specs = tuple(StrategySpec(kind="equilibrium") for _ in config.strategies)
        out.append((label, prepare(sc), RunConfig(config.protocol, specs, config.dynamics)))
    return out


def run(seeds: int = 500, cycles: int = 3, log=print) -> list[dict]:
    """One row per case: CPU per run batched and per run, their ratio (median, min-max)."""
    from sim.engine.batch import Fallback, plan, simulate_many
    from sim.experiment.worker import release_finished_models

    rows = []
    for label, prepared, config in _cases():
        got = plan(prepared, config)
        if isinstance(got, Fallback):
            raise RuntimeError(f"{label}: falls back ({got.reason})")
        check = list(range(20))
        batched, reason = simulate_many(prepared, config, check)
        single, _ = simulate_many(prepared, config, check, batched=False)
        if reason is not None or batched != single:
            raise RuntimeError(f"{label}: the batch differs from the per-run engine")
        release_finished_models()

        def block(on: bool, prepared=prepared, config=config):
            def fn():
                t0, c0 = time.perf_counter(), time.process_time()
                simulate_many(prepared, config, list(range(seeds)), batched=on, check=False)
                m = {"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
                     "units": seeds}
                release_finished_models()
                return m
            return fn

        samples = timing.interleave({"batched": block(True), "per_run": block(False)},
                                    cycles, log=log)
        b = timing.per_unit(samples["batched"])
        p = timing.per_unit(samples["per_run"])
        r = timing.ratios(samples["batched"], samples["per_run"])["cpu"]
        rows.append({"case": label, "batched_cpu_per_run": b["cpu"]["median"],
                     "per_run_cpu_per_run": p["cpu"]["median"],
                     "ratio_median": r["median"], "ratio_min": r["min"],
                     "ratio_max": r["max"], "load": b["load"]})
    return rows


def main(argv: list[str]) -> None:
    seeds = int(argv[0]) if argv else 500
    cycles = int(argv[1]) if len(argv) > 1 else 3
    rows = run(seeds, cycles, log=lambda s: None)
    print("| case | batched: runs per CPU-second | per run: runs per CPU-second | "
          "speed-up (min-max) | load |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        load = r["load"]
        print(f"| {r['case']} | {1 / r['batched_cpu_per_run']:,.0f} | "
              f"{1 / r['per_run_cpu_per_run']:,.0f} | {r['ratio_median']:.1f}x "
              f"({r['ratio_min']:.1f}-{r['ratio_max']:.1f}) | "
              f"{load['min']:.1f}-{load['max']:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
