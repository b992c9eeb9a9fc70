"""Sweep throughput: negsim's runner vs a plain loop of simulate() vs mesa.batch_run.

All variants run the same runs of ``experiments/demo.yaml`` (same scenarios, same seeds,
same rounds), in the same process, one after the other:

* ``loop``: a plain in-process loop of ``simulate(scenario, seed, prepared=...)``, one
  `Prepared` per problem reused across runs (what a careful user writes), timed with
  everything prepared (the pure per-run cost), also freeing each finished model as the
  sweep does (``loop_release``), and cold (``loop_cold``: reading the files and preparing
  included);
* ``sweep`` with ``--workers 1`` (in-process) and ``--workers 2`` (process pool), the whole
  command included: planning, validating every point, the points phase (feasible set,
  SPE), writing Parquet parts and the manifest;
* ``mesa.batch_run`` on `sim.engine.model.NegotiationModel` (wrapped so that a run is
  chosen by its run id), ``number_processes`` 1 and 2, ``data_collection_period=-1``.

Reported per variant: the best of ``repeats`` wall times, runs/s, the sweep's per-run
overhead against the loop, and the parallel efficiency of 2 workers
(``rate(2 workers) / (2 * rate(1 worker))``). Run: ``.venv/bin/python benchmarks/bench_sweep.py``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import mesa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.engine.model import NegotiationModel, RunConfig  # noqa: E402
from sim.experiment.design import run_seed  # noqa: E402

DEMO = ROOT / "experiments" / "demo.yaml"

_CACHE: dict = {}


def _runs(plan) -> list[tuple[int, int, int]]:
    reps = plan.experiment.replicates
    seed = plan.experiment.seed
    return [(r // reps, r % reps, run_seed(seed, r // reps, r % reps)) for r in range(plan.n_runs)]


def _point(plan, point_id: int):
    """The validated scenario and Prepared of a point (cached per process; one Prepared per
    problem, shared by points that differ only in protocol, dynamics or strategies, as the
    sweep runner does)."""
    from sim.engine.prepared import prepare
    from sim.experiment.worker import problem_key
    from sim.scenario.loader import validate_data

    key = (plan.experiment_hash, point_id)
    hit = _CACHE.get(key)
    if hit is None:
        values = [c[0] for c in plan.design.columns([point_id])]
        data = plan.scenario_dict(values)
        scenario = validate_data(data, f"point {point_id}")
        pkey = ("prepared", problem_key(data))
        if pkey not in _CACHE:
            _CACHE[pkey] = prepare(scenario)
        hit = (scenario, _CACHE[pkey])
        _CACHE[key] = hit
    return hit


def _plan(path: Path = DEMO):
    from sim.experiment.plan import load_plan

    key = ("plan", str(path))
    if key not in _CACHE:
        _CACHE[key] = load_plan(path)
    return _CACHE[key]


class BatchNegotiation(NegotiationModel):
    """`NegotiationModel` for ``mesa.batch_run``: a run of the demo chosen by ``run_id``.

    batch_run builds models from keyword parameters and reads their DataCollector, so the
    run's outcome is reported through model reporters collected once per round.
    """

    def __init__(self, run_id: int, experiment: str = str(DEMO)):
        plan = _plan(Path(experiment))
        reps = plan.experiment.replicates
        point_id, replicate = divmod(run_id, reps)
        scenario, prepared = _point(plan, point_id)
        seed = run_seed(plan.experiment.seed, point_id, replicate)
        super().__init__(
            prepared,
            seed,
            rounds=plan.experiment.rounds,
            collect=False,
            config=RunConfig.from_scenario(scenario),
        )
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "agreement": lambda m: m.outcome is not None and m.outcome.reason == "agreement",
                "row": lambda m: (
                    m.outcome.row
                    if m.outcome is not None and m.outcome.reason == "agreement"
                    else None
                ),
            }
        )

    def step(self) -> None:
        """One round (without the engine's round table), then record the model reporters."""
        reporters, self.datacollector = self.datacollector, None
        try:
            super().step()
        finally:
            self.datacollector = reporters
        reporters.collect(self)


def _cpu() -> float:
    """CPU seconds of this process plus its finished children (pool workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _time(fn) -> tuple[float, float, object]:
    """(wall seconds, CPU seconds, result) of ``fn()``."""
    c0, t0 = _cpu(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, _cpu() - c0, out


def _loop(plan, release: bool = False) -> list:
    """The plain loop; ``release`` frees each finished model as the sweep's workers do
    (Mesa 3.3 otherwise keeps every model alive, see `release_finished_models`)."""
    from sim.engine.api import simulate
    from sim.experiment.worker import release_finished_models

    out = []
    for point_id, _, seed in _runs(plan):
        scenario, prepared = _point(plan, point_id)
        r = simulate(scenario, seed, rounds=plan.experiment.rounds, prepared=prepared,
                     collect=False)
        out.append((r.agreement, r.row if r.agreement else None))
        if release:
            release_finished_models()
    release_finished_models()
    return out


def _sweep(workers: int, out: Path):
    from sim.experiment.runner import SweepOptions, sweep

    return sweep(DEMO, SweepOptions(out=out, workers=workers, overwrite=True, progress="quiet"))


def _batch_run(plan, processes: int) -> list:
    from mesa.batchrunner import batch_run

    rows = batch_run(
        BatchNegotiation,
        parameters={"run_id": range(plan.n_runs), "experiment": str(DEMO)},
        number_processes=processes,
        iterations=1,
        data_collection_period=-1,
        max_steps=10_000,
        display_progress=False,
    )
    return sorted((r["run_id"], r["agreement"], r["row"]) for r in rows)


def _warm(plan) -> None:
    """Build every point's scenario and Prepared in this process."""
    for point_id in range(plan.n_points):
        _point(plan, point_id)


def _cold(plan) -> None:
    """Forget every Prepared (keep the parsed plan)."""
    _CACHE.clear()
    _CACHE[("plan", str(DEMO))] = plan


def run(repeats: int = 3) -> list[dict]:
    """Time every variant ``repeats`` times (best kept); return one row per variant.

    Variants: ``loop`` (Prepared ready: the pure per-run cost), ``loop_cold`` (reading the
    experiment and scenario files and building each Prepared too), ``sweep_1`` /
    ``sweep_2`` (the whole command) with ``*_runs`` (its runs phase only), ``batch_run_1``
    / ``batch_run_2``. Rows carry ``best_s``, ``runs_per_s`` and ``cpu_s`` (this process
    and its finished children); the ``summary`` row the ratios.
    """
    plan = _plan()
    n = plan.n_runs
    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}

    def keep(name: str, timing: tuple) -> None:
        wall[name] = min(wall.get(name, float("inf")), timing[0])
        cpu[name] = min(cpu.get(name, float("inf")), timing[1])

    load_start = os.getloadavg()[0]
    try:
        _warm(plan)
        reference = _loop(plan)  # also a warm-up
        for _ in range(repeats):
            _warm(plan)
            keep("loop", _time(lambda: _loop(plan)))
            keep("loop_release", _time(lambda: _loop(plan, release=True)))
            _CACHE.clear()
            keep("loop_cold", _time(lambda: _loop(_plan())))  # reads the files too
            for w in (1, 2):
                timing = _time(lambda w=w: _sweep(w, tmp / f"w{w}"))
                keep(f"sweep_{w}", timing)
                wall[f"sweep_{w}_runs"] = min(
                    wall.get(f"sweep_{w}_runs", float("inf")), timing[2].seconds
                )
            for p in (2, 1):
                _cold(plan)
                keep(f"batch_run_{p}", _time(lambda p=p: _batch_run(plan, p)))
        same = (
            _sweep_outcomes(tmp / "w1") == reference
            and _sweep_outcomes(tmp / "w2") == reference
            and [(a, r) for _, a, r in _batch_run(plan, 1)] == reference
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rate = {k: n / v for k, v in wall.items()}
    rows = []
    for name, seconds in wall.items():
        digits = [p for p in name.split("_") if p.isdigit()]
        row = {
            "benchmark": "sweep",
            "variant": name,
            "workers": int(digits[0]) if digits else 1,
            "runs": n,
            "best_s": round(seconds, 4),
            "runs_per_s": round(rate[name], 2),
        }
        if name in cpu:
            row["cpu_s"] = round(cpu[name], 4)
        rows.append(row)
    rows.append({
        "benchmark": "sweep",
        "variant": "summary",
        "runs": n,
        "points": plan.n_points,
        "same_results": same,
        "load_average": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        # wall-time figures (meaningful on an otherwise idle machine)
        "sweep_runs_overhead_vs_loop": round(
            wall["sweep_1_runs"] / min(wall["loop"], wall["loop_release"]) - 1.0, 4
        ),
        "sweep_overhead_vs_loop_cold": round(wall["sweep_1"] / wall["loop_cold"] - 1.0, 4),
        "parallel_efficiency_2": round(rate["sweep_2"] / (2 * rate["sweep_1"]), 4),
        "parallel_efficiency_2_runs": round(
            rate["sweep_2_runs"] / (2 * rate["sweep_1_runs"]), 4
        ),
        "speedup_vs_batch_run_1": round(rate["sweep_1"] / rate["batch_run_1"], 3),
        "speedup_vs_batch_run_2": round(rate["sweep_2"] / rate["batch_run_2"], 3),
        # CPU-time figures (robust to other load): the work each variant costs
        "cpu_overhead_sweep_1_vs_loop_cold": round(cpu["sweep_1"] / cpu["loop_cold"] - 1.0, 4),
        "cpu_overhead_sweep_2_vs_sweep_1": round(cpu["sweep_2"] / cpu["sweep_1"] - 1.0, 4),
        "cpu_ratio_batch_run_1_vs_sweep_1": round(cpu["batch_run_1"] / cpu["sweep_1"], 3),
        "cpu_ratio_batch_run_2_vs_sweep_2": round(cpu["batch_run_2"] / cpu["sweep_2"], 3),
    })
    note = f"experiments/demo.yaml, {n} runs, whole command vs mesa.batch_run"
    rows.append({"comparison": "sweep_serial", "negsim_s": wall["sweep_1"],
                 "peer_s": wall["batch_run_1"], "note": note})
    rows.append({"comparison": "sweep_2proc", "negsim_s": wall["sweep_2"],
                 "peer_s": wall["batch_run_2"], "note": note})
    return rows


def _sweep_outcomes(out: Path) -> list:
    import pyarrow.parquet as pq

    t = pq.read_table(out / "runs").sort_by("run_id")
    plan = _plan()
    agreement = t.column("agreement").to_pylist()
    pkgs = [t.column(f"pkg.{i}").to_pylist() for i in plan.issues]
    import numpy as np

    rows = []
    for k, a in enumerate(agreement):
        point_id = t.column("point_id")[k].as_py()
        _, prepared = _point(plan, point_id)
        row = None
        if a:
            digits = [prepared.problem.options[j].index(pkgs[j][k]) for j in range(len(pkgs))]
            row = int(np.ravel_multi_index(digits, tuple(prepared.radix)))
        rows.append((a, row))
    return rows


if __name__ == "__main__":
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for row in run(repeats):
        print(json.dumps(row))
