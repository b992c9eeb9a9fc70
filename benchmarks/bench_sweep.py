"""Sweeps: negsim's ``sweep`` command vs ``mesa.batch_run`` on the same runs, interleaved.

All variants run the runs of ``experiments/demo.yaml`` (6,000: two scenarios x three
values of Russia's patience x 1,000 seeds), in this process or in pools forked from it:

* ``sweep_1`` / ``sweep_2``: the whole ``sweep`` command with ``--workers 1`` (in-process)
  and ``--workers 2`` (process pool): planning, validating every point, the points phase
  (feasible set, subgame-perfect package), the runs, Parquet parts and manifest.
* ``batch_run_1`` / ``batch_run_2`` (fair): ``mesa.batch_run`` with ``number_processes``
  1 and 2 on `BatchNegotiation`, a `NegotiationModel` chosen by run id that releases
  itself from Mesa 3.3's ``Agent._ids`` registry when it finishes, exactly as negsim's
  sweep workers do (``sim.experiment.worker.release_finished_models``). Without that,
  Mesa keeps every model alive (about half a MB per run here).
* ``batch_run_default_1`` / ``_2``: the same without the release (Mesa's default), on the
  first `DEFAULT_RUNS` runs only (so the benchmark stays under 2 GB); compared per run.

Each cycle runs one block of every variant (interleaved); `run` reports, per variant, the
median and min-max wall and CPU time (this process plus its reaped children: the pool
workers) over the cycles and the load average before each block, plus the parallel
efficiency ``wall(sweep_1) / (2 wall(sweep_2))`` and the ratios to ``batch_run``.
Results are checked to be the same runs (agreement and package) in every variant, against
a plain in-process loop of ``simulate()`` (`_loop`, untimed).

Run: ``.venv/bin/python benchmarks/bench_sweep.py [cycles]``.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import mesa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchmarks import timing  # noqa: E402
from sim.engine.model import NegotiationModel  # noqa: E402
from sim.experiment.design import run_seed  # noqa: E402
from sim.experiment.worker import release_finished_models  # noqa: E402
from sim.scenario import run_config  # noqa: E402

DEMO = ROOT / "experiments" / "demo.yaml"
DEFAULT_RUNS = 1_000

_CACHE: dict = {}


def _runs(plan, n: int | None = None) -> list[tuple[int, int, int]]:
    reps = plan.experiment.replicates
    seed = plan.experiment.seed
    n = plan.n_runs if n is None else n
    crn = plan.experiment.crn
    return [(r // reps, r % reps, run_seed(seed, r // reps, r % reps, crn)) for r in range(n)]


def _point(plan, point_id: int):
    """The validated scenario and Prepared of a point (cached per process; one Prepared per
    problem, shared by points that differ only in protocol, dynamics or strategies, as the
    sweep runner does)."""
    from sim.api import prepare
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
    run's outcome is reported through model reporters collected once per round. With
    ``release`` (the fair configuration) a finished model drops itself from Mesa's
    agent-id registry, as negsim's sweep workers do.
    """

    def __init__(self, run_id: int, experiment: str = str(DEMO), release: bool = True):
        plan = _plan(Path(experiment))
        reps = plan.experiment.replicates
        point_id, replicate = divmod(run_id, reps)
        scenario, prepared = _point(plan, point_id)
        seed = run_seed(plan.experiment.seed, point_id, replicate, plan.experiment.crn)
        super().__init__(
            prepared,
            run_config(scenario),
            seed,
            rounds=plan.experiment.rounds,
            collect=False,
        )
        self.release = release
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
        if self.release and not self.running:
            release_finished_models()


def _loop(plan) -> list:
    """The plain loop of ``simulate`` (Prepared ready), releasing finished models."""
    from sim.api import simulate

    out = []
    for point_id, _, seed in _runs(plan):
        scenario, prepared = _point(plan, point_id)
        r = simulate(scenario, seed, rounds=plan.experiment.rounds, prepared=prepared,
                     collect=False)
        out.append((r.agreement, r.row if r.agreement else None))
        release_finished_models()
    return out


def _sweep(workers: int, out: Path):
    from sim.experiment.runner import SweepOptions, sweep

    return sweep(DEMO, SweepOptions(out=out, workers=workers, overwrite=True, progress="quiet"))


def _batch_run(plan, processes: int, release: bool = True, n: int | None = None) -> list:
    from mesa.batchrunner import batch_run

    rows = batch_run(
        BatchNegotiation,
        parameters={"run_id": range(plan.n_runs if n is None else n),
                    "experiment": str(DEMO), "release": release},
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
    """Forget every Prepared (keep the parsed plan): batch_run prepares as sweep does."""
    _CACHE.clear()
    _CACHE[("plan", str(DEMO))] = plan


def _block(fn, units: int) -> dict:
    c0 = timing.cpu_self() + timing.rusage_children_cpu()
    t0 = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - t0
    cpu = timing.cpu_self() + timing.rusage_children_cpu() - c0
    return {"units": units, "wall_s": wall, "cpu_s": cpu, "result": result}


def run(repeats: int = 3, log=None) -> list[dict]:
    """Interleave every variant ``repeats`` times; one row per variant plus a summary."""
    plan = _plan()
    n = plan.n_runs
    n_default = min(DEFAULT_RUNS, n)
    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep_"))

    def sweep(w):
        return lambda: _block(lambda: _sweep(w, tmp / f"w{w}"), n)

    def batch(p, release=True, units=n):
        def fn():
            _cold(plan)
            out = _block(lambda: _batch_run(plan, p, release, units), units)
            release_finished_models()  # after the clock: free what the default kept
            return out
        return fn

    blocks = {
        "sweep_1": sweep(1),
        "batch_run_1": batch(1),
        "sweep_2": sweep(2),
        "batch_run_2": batch(2),
        "batch_run_default_1": batch(1, False, n_default),
        "batch_run_default_2": batch(2, False, n_default),
    }
    try:
        _warm(plan)
        _loop(plan)  # warm-up: imports, stage views
        samples = timing.interleave(blocks, max(1, repeats), log=log)
        reference = _loop(plan)
        checks = {
            "sweep_1": _sweep_outcomes(tmp / "w1") == reference,
            "sweep_2": _sweep_outcomes(tmp / "w2") == reference,
        }
        for name in ("batch_run_1", "batch_run_2", "batch_run_default_1",
                     "batch_run_default_2"):
            got = [(a, r) for _, a, r in samples[name][-1]["result"]]
            checks[name] = got == reference[: len(got)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        _CACHE.clear()
        release_finished_models()
    for s in samples.values():
        for m in s:
            m.pop("result", None)
    rows = []
    for name, s in samples.items():
        rows.append({"benchmark": "sweep", "variant": name, "runs": s[0]["units"],
                     **timing.per_unit(s), "samples": s})
    eff = [a["wall_s"] / (2.0 * b["wall_s"])
           for a, b in zip(samples["sweep_1"], samples["sweep_2"], strict=True)]
    # The CPU a run costs with 1 worker over its cost with 2: the efficiency 2 workers
    # could reach on two otherwise idle cores (wall efficiency needs those cores free).
    cpu_eff = [a["cpu_s"] / b["cpu_s"]
               for a, b in zip(samples["sweep_1"], samples["sweep_2"], strict=True)]
    rows.append({
        "benchmark": "sweep",
        "variant": "summary",
        "runs": n,
        "points": plan.n_points,
        "same_results": checks,
        "parallel_efficiency_2": timing.spread(eff),
        "cpu_efficiency_2": timing.spread(cpu_eff),
        "vs_batch_run_1": timing.ratios(samples["sweep_1"], samples["batch_run_1"]),
        "vs_batch_run_2": timing.ratios(samples["sweep_2"], samples["batch_run_2"]),
        "vs_batch_run_default_1": timing.ratios(samples["sweep_1"],
                                                samples["batch_run_default_1"]),
        "vs_batch_run_default_2": timing.ratios(samples["sweep_2"],
                                                samples["batch_run_default_2"]),
        "peak_rss_mb": timing.own_peak_rss_mb(),
    })
    return rows


def _sweep_outcomes(out: Path) -> list:
    import numpy as np
    import pyarrow.parquet as pq

    t = pq.read_table(out / "runs").sort_by("run_id")
    plan = _plan()
    agreement = t.column("agreement").to_pylist()
    pkgs = [t.column(f"pkg.{i}").to_pylist() for i in plan.issues]
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
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for row in run(cycles, log=lambda m: print(m, file=sys.stderr)):
        row.pop("samples", None)
        print(json.dumps(row))
