"""The head-to-head comparisons of ``make bench``: analysis and negotiations, interleaved.

Both sides do their per-problem precomputation outside the timing (negsim's `Prepared`,
NegMAS's ufuns and, in the fair configuration, its shared inverse). Every comparison
runs interleaved blocks (`benchmarks.timing.interleave`): negsim, the floor and every
NegMAS configuration take turns, cycle after cycle, in one long-lived peer process.

Configurations of the peer (``fair`` rows are the ones targets are judged on):

=====================  =======  =========================================================
id                     kind     what
=====================  =======  =========================================================
numpy                  fair     analysis: utility matrix in numpy, pareto_frontier_numpy
ufuns                  default  analysis: pareto_frontier(ufuns, issues=...)
shared                 fair     SAO: inverse shared across runs, extra_callbacks off
shared_one_offer       fair     the same with one_offer_per_step=True
per_run                default  SAO out of the box: inverse per run, callbacks on
shared_callbacks       default  inverse shared, SAOMechanism's default callbacks on
=====================  =======  =========================================================
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from benchmarks import floor, spaces, timing

NEG_CONFIGS = {
    "shared": ("fair", {"inverter": "shared", "extra_callbacks": False,
                        "one_offer_per_step": False}),
    "shared_one_offer": ("fair", {"inverter": "shared", "extra_callbacks": False,
                                  "one_offer_per_step": True}),
    "per_run": ("default", {"inverter": "per_run", "extra_callbacks": True,
                            "one_offer_per_step": False}),
    "shared_callbacks": ("default", {"inverter": "shared", "extra_callbacks": True,
                                     "one_offer_per_step": False}),
}
NEG_LABELS = {
    "shared": "NegMAS inverse shared, extra_callbacks off",
    "shared_one_offer": "NegMAS inverse shared, extra_callbacks off, one_offer_per_step",
    "per_run": "NegMAS default (inverse rebuilt every run, callbacks on)",
    "shared_callbacks": "NegMAS inverse shared, callbacks on (SAOMechanism default)",
}
ANALYSIS_PATHS = {"numpy": "fair", "ufuns": "default"}
ANALYSIS_LABELS = {
    "numpy": "NegMAS numpy path (matrix in numpy, pareto_frontier_numpy, nash_points)",
    "ufuns": "NegMAS default (pareto_frontier(ufuns, issues), nash_points)",
}


def _frontier_set(packages, mask) -> list[tuple[int, ...]]:
    rows = np.asarray(packages)[np.asarray(mask, dtype=bool)]
    return sorted(tuple(int(x) for x in row) for row in rows)


# ----------------------------------------------------------------------------- analysis
def _negsim_pareto_nash(problem):
    """The same work as the peer's: every package's utilities, the frontier of the packages
    above every reservation value, and the Nash point over it."""
    from sim.core import nash_point, pareto_mask
    from sim.core.constraints import feasible_mask
    from sim.core.space import enumerate_packages
    from sim.core.utility import utility_matrix

    packages = enumerate_packages(problem.radix)
    U = utility_matrix(problem)
    feasible = feasible_mask(problem, U, packages)
    front = pareto_mask(U, feasible)
    d = [p.reservation for p in problem.preferences]
    return packages, front, nash_point(U, d, front)


def negsim_analysis_answer(spec: dict) -> dict:
    """The untimed answers of negsim (its Pareto+Nash path and ``analyze``)."""
    from sim.core.analysis import analyze

    packages, front, nash = _negsim_pareto_nash(spaces.spec_to_problem(spec))
    res = analyze(spaces.spec_to_problem(spec))
    idx = res.solutions.get("nash")
    return {
        "frontier_packages": _frontier_set(packages, front),
        "nash_package": None if nash is None else [int(x) for x in packages[int(nash)]],
        "analyze_frontier_packages": _frontier_set(res.packages, res.feasible_pareto),
        "analyze_nash_package": None if idx is None else
        [int(x) for x in res.packages[int(idx)]],
    }


def _negsim_analysis_block(spec: dict, repeats: int, full: bool) -> Callable[[], dict]:
    from sim.core.analysis import analyze

    def fn():
        wall = cpu = 0.0
        for _ in range(repeats):
            problem = spaces.spec_to_problem(spec)  # fresh: no cached state between repeats
            c0, t0 = time.process_time(), time.perf_counter()
            if full:
                analyze(problem)
            else:
                _negsim_pareto_nash(problem)
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
        return {"units": repeats, "wall_s": wall, "cpu_s": cpu}
    return fn


def analysis(specs: dict, peer, cycles: int, repeats: dict, log=None) -> dict:
    """Correctness checks, then interleaved blocks, per size.

    ``repeats``: size -> (negsim, numpy path, ufuns path) computations per block.
    """
    out: dict = {}
    for size, spec in specs.items():
        ref = spaces.reference_analysis(spec, rational_only=True)
        ns = negsim_analysis_answer(spec)
        answers = {p: peer.call({"task": "analysis", "spec": spec, "path": p, "repeats": 1})
                   for p in ANALYSIS_PATHS}
        ref_front = [tuple(p) for p in ref["frontier_packages"]]
        checks = {
            "negsim_vs_reference_frontier": ns["frontier_packages"] == ref_front,
            "negsim_vs_reference_nash": ns["nash_package"] == ref["nash_package"],
            "analyze_vs_reference_frontier": ns["analyze_frontier_packages"] == ref_front,
            "analyze_vs_reference_nash": ns["analyze_nash_package"] == ref["nash_package"],
        }
        for p, a in answers.items():
            front = [tuple(x) for x in a["frontier_packages"]]
            checks[f"negmas_{p}_vs_reference_frontier"] = front == ref_front
            checks[f"negmas_{p}_vs_reference_nash"] = a["nash_package"] == ref["nash_package"]
        n_ns, n_np, n_uf = repeats[size]

        def peer_block(path, n, spec=spec):
            def fn():
                a = peer.call({"task": "analysis", "spec": spec, "path": path, "repeats": n})
                return {"units": n, "wall_s": sum(a["wall_s"]), "cpu_s": sum(a["cpu_s"])}
            return fn

        if log:
            log(f"[analysis] {size}: {spaces.n_packages(spaces.SIZES[size]):,} packages")
        samples = timing.interleave({
            "negsim": _negsim_analysis_block(spec, n_ns, full=False),
            "numpy": peer_block("numpy", n_np),
            "ufuns": peer_block("ufuns", n_uf),
            "negsim_analyze": _negsim_analysis_block(spec, n_ns, full=True),
        }, cycles, log=log, warm=("negsim", "negsim_analyze"))
        out[size] = {
            "n_packages": spaces.n_packages(spaces.SIZES[size]),
            "frontier_size": ref["frontier_size"],
            "n_rational": ref["n_rational"],
            "nash_package": ref["nash_package"],
            "checks": checks,
            "max_abs_matrix_vs_ufun": answers["numpy"].get("max_abs_matrix_vs_ufun"),
            "negsim": timing.per_unit(samples["negsim"]),
            "negsim_analyze": timing.per_unit(samples["negsim_analyze"]),
            "peer": {p: {"kind": k, **timing.per_unit(samples[p]),
                         "ratio": timing.ratios(samples["negsim"], samples[p]),
                         "ratio_vs_full_analyze": timing.ratios(samples["negsim_analyze"],
                                                                samples[p])}
                     for p, k in ANALYSIS_PATHS.items()},
            "samples": samples,
        }
    return out


# ----------------------------------------------------------------------------- negotiations
def _floor_block(inp: floor.Inputs, runs: int, method: str = "matmul") -> Callable[[], dict]:
    def fn():
        r = floor.timed(inp, runs, method=method)
        return {"units": runs, "wall_s": r["wall_s"], "cpu_s": r["cpu_s"],
                "agreement_rate": r["agreement_rate"], "mean_rounds": r["mean_rounds"]}
    return fn


def negotiations(specs: dict, peer, cycles: int, runs: dict, log=None) -> dict:
    """Interleaved blocks of negsim, the floor and every NegMAS configuration, per size.

    ``runs``: size -> {"negsim": R, "floor": R, <config id>: R, ...} runs per block.
    """
    from benchmarks.bench_engine import Negotiations

    out: dict = {}
    for size, spec in specs.items():
        n = runs[size]
        ns = Negotiations(size, spec, n_runs=n["negsim"])
        inp = floor.build_inputs(spec)
        floor.play(inp, 12)  # warm-up
        decisions = {"negsim": ns.decisions(), "floor": _floor_decisions(inp, n["negsim"])}
        agreements = {}
        for cid, (_, cfg) in NEG_CONFIGS.items():
            a = peer.call({"task": "negotiations", "spec": spec, "runs": n[cid],
                           "config": cfg, "count_only": True})
            decisions[cid] = {"offers_per_run": a["offers_per_run"],
                              "responses_per_run": a["responses_per_run"],
                              "decisions_per_run": a["offers_per_run"]
                              + a["responses_per_run"],
                              "mean_steps": a["mean_steps"],
                              "agreement_rate": a["agreement_rate"]}
            agreements[cid] = a["agreements"]

        def peer_block(cid, spec=spec, n=n):
            cfg = NEG_CONFIGS[cid][1]

            def fn():
                a = peer.call({"task": "negotiations", "spec": spec, "runs": n[cid],
                               "config": cfg})
                return {"units": n[cid], "wall_s": a["wall_s"], "cpu_s": a["cpu_s"],
                        "agreement_rate": a["agreement_rate"],
                        "agreements_sha1": a["agreements_sha1"]}
            return fn

        if log:
            log(f"[negotiations] {size}: {ns.n_packages:,} packages")
        blocks = {"negsim": ns.block, "floor": _floor_block(inp, n["floor"]),
                  "floor_gather": _floor_block(inp, n["floor_gather"], "gather")}
        blocks.update({cid: peer_block(cid) for cid in NEG_CONFIGS})
        samples = timing.interleave(blocks, cycles, log=log,
                                    warm=("negsim", "floor", "floor_gather"))
        k = min(len(v) for v in agreements.values())
        ref = agreements["shared"][:k]
        same = {cid: agreements[cid][:k] == ref for cid in NEG_CONFIGS}
        out[size] = {
            "n_packages": ns.n_packages,
            "prepare_s": ns.prepare_s,
            "negsim": {**timing.per_unit(samples["negsim"]), **decisions["negsim"],
                       "engine": ns.engine,
                       "agreement_rate": samples["negsim"][0]["agreement_rate"],
                       "mean_rounds": samples["negsim"][0]["mean_rounds"]},
            "floor": {**timing.per_unit(samples["floor"]), **decisions["floor"],
                      "ratio": timing.ratios(samples["negsim"], samples["floor"]),
                      "batch": floor.BATCH},
            "floor_gather": {**timing.per_unit(samples["floor_gather"]),
                             **decisions["floor"],
                             "ratio": timing.ratios(samples["negsim"],
                                                    samples["floor_gather"]),
                             "batch": floor.BATCH},
            "peer": {cid: {"kind": NEG_CONFIGS[cid][0], "config": NEG_CONFIGS[cid][1],
                           **timing.per_unit(samples[cid]), **decisions[cid],
                           "ratio": timing.ratios(samples["negsim"], samples[cid]),
                           "same_agreements_as_shared": same[cid],
                           "agreements_compared": k}
                     for cid in NEG_CONFIGS},
            "samples": samples,
        }
    return out


def _floor_decisions(inp: floor.Inputs, n_runs: int) -> dict:
    o = floor.play(inp, n_runs)
    return {"offers_per_run": float(o["offers"].mean()),
            "responses_per_run": float(o["responses"].mean()),
            "decisions_per_run": float((o["offers"] + o["responses"]).mean()),
            "agreement_rate": float(o["agreement"].mean()),
            "mean_rounds": statistics.fmean(o["rounds"].tolist())}
