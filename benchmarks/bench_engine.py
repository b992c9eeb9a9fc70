"""Engine benchmark: negsim's negotiations as timed blocks, their decisions, the floor check.

Run:  ``.venv/bin/python benchmarks/bench_engine.py [--runs N] [--profile] [--check]``

Negotiations: the shared random problems of ``spaces.py`` (4 actors, linear-additive
utilities, reservation values uniform in [0.2, 0.5]; ``small`` 1,440 and ``large`` 52,488
packages), ``alternating_offers`` with a deadline of 100 rounds and walking away off,
time-dependent strategies as in the NegMAS peer: actor ``a`` in run ``r`` plays
``[boulware, linear, conceder][(a + r) % 3]`` and the proposer order is rotated by ``r``;
run ``r`` has seed ``r``. The per-scenario precomputation (`Prepared`) is built once and
shared, as in a sweep; each timed run builds its model (agents, strategies), plays it to
the end and builds its `RunResult`, with the round table off (``collect=False``, as in
sweeps) and each finished model released from Mesa's agent-id registry, as negsim's sweep
workers do (``sim.experiment.worker.release_finished_models``). One process, one core.

`Negotiations.block` is one timed block for ``benchmarks/run.py``'s interleaving;
`Negotiations.decisions` counts, in an untimed pass over the same runs, the offers
(``Strategy.propose`` calls) and responses (``Strategy.respond`` calls) per run.
`check_floor` runs the same negotiations through `benchmarks.floor` and negsim and
compares every outcome (agreement, package, round).

Solver: `sim.engine.solve.solve_scenario` on ``scenarios/alaska_summit.yaml`` with the
deadline set to 100 rounds (the Prepared built once, outside the timing).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
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

from benchmarks import floor, spaces  # noqa: E402

PRESETS = floor.PRESETS
DEADLINE = floor.DEADLINE
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"


def configs(prepared, n_runs: int):
    """The run settings of runs ``0 .. n_runs - 1`` (preset cycle and rotated order)."""
    import sim.engine.model as model
    from sim.engine.model import RunConfig

    # The specs live wherever the model takes them from (the lead is moving them).
    ProtocolSpec = getattr(model, "ProtocolSpec", None)
    StrategySpec = getattr(model, "StrategySpec", None)
    if ProtocolSpec is None or StrategySpec is None:
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


def _release():
    """negsim's own way of freeing finished models (None if it has none)."""
    try:
        from sim.experiment.worker import release_finished_models
    except ImportError:  # pragma: no cover - the lead may have removed the need
        return None
    return release_finished_models


class Negotiations:
    """negsim's side of the negotiation comparison on one named space."""

    def __init__(self, size: str, spec: dict | None = None, n_runs: int = 200) -> None:
        """Prepare the space (untimed, like the peer's ufuns and shared inverse)."""
        from sim.engine.api import run
        from sim.engine.prepared import prepare

        self.size = size
        self.spec = spec or spaces.make_named(size)
        t0 = time.perf_counter()
        self.prepared = prepare(spaces.spec_to_problem(self.spec))
        self.prepare_s = time.perf_counter() - t0
        self._run = run
        self._release = _release()
        self.cfgs = configs(self.prepared, n_runs)
        # negsim's batched engine (issue 15) when it has one: runs with the same settings
        # (12 distinct set-ups here) are played together, as a sweep plays a point's runs
        try:
            from sim.engine.batch import plan, run_batch
        except ImportError:  # pragma: no cover - an engine without batches
            self.engine = "per_run"
        else:
            self.engine = "batch"
            self._plan, self._run_batch = plan, run_batch
        self._plans: dict = {}
        self.outcomes(1)  # warm-up: stage views, imports

    def _outcome(self, res) -> tuple[bool, tuple | None, int | None, int]:
        pkg = None
        if res.agreement and res.row is not None:
            pkg = tuple(int(x) for x in self.prepared.packages[res.row])
        return (bool(res.agreement), pkg, res.round, int(res.rounds))

    def _batched(self, n_runs: int) -> list[tuple[bool, tuple | None, int | None, int]]:
        """Runs 0..n-1 on the batch engine, grouped by their (repeating) settings."""
        groups: dict = {}
        for r, cfg in enumerate(self.cfgs[:n_runs]):
            key = (tuple(cfg.protocol.params["order"]), tuple(s.kind for s in cfg.strategies))
            groups.setdefault(key, (cfg, []))[1].append(r)
        out: list = [None] * n_runs
        for key, (cfg, rs) in groups.items():
            batch = self._plans.get(key)
            if batch is None:
                batch = self._plans[key] = self._plan(self.prepared, cfg)
            for r, res in zip(rs, self._run_batch(batch, rs), strict=True):
                out[r] = self._outcome(res)
        return out

    @property
    def n_packages(self) -> int:
        """Packages in the space."""
        return int(self.prepared.n_packages)

    def outcomes(self, n_runs: int) -> list[tuple[bool, tuple | None, int | None, int]]:
        """(agreement, package option indices, round, rounds played) of runs 0..n-1."""
        if self.engine == "batch" and not self._per_run:
            return self._batched(n_runs)
        out = []
        release = self._release
        for r, cfg in enumerate(self.cfgs[:n_runs]):
            out.append(self._outcome(self._run(self.prepared, cfg, r, collect=False)))
            if release is not None:
                release()
        return out

    _per_run = False  # decisions are counted on the per-run engine

    def block(self, n_runs: int | None = None) -> dict:
        """One timed block of ``n_runs`` negotiations (default: all configured runs)."""
        n = len(self.cfgs) if n_runs is None else n_runs
        c0, t0 = time.process_time(), time.perf_counter()
        outs = self.outcomes(n)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return {
            "units": n,
            "wall_s": wall,
            "cpu_s": cpu,
            "agreement_rate": sum(o[0] for o in outs) / n,
            "mean_rounds": statistics.fmean(o[3] for o in outs),
            "agreements_sha1": hashlib.sha1(json.dumps([o[1] for o in outs]).encode())
            .hexdigest(),
        }

    def decisions(self, n_runs: int | None = None) -> dict:
        """Offers and responses per run, counted at the strategy interface (untimed)."""
        try:
            from sim.engine.strategies.base import Strategy
        except ImportError as exc:  # pragma: no cover
            return {"error": f"no Strategy class to count on: {exc}"}
        box = [0, 0]
        propose, respond = Strategy.propose, Strategy.respond

        def counted_propose(self, obs):
            box[0] += 1
            return propose(self, obs)

        def counted_respond(self, obs, offer, explain=False):
            box[1] += 1
            return respond(self, obs, offer, explain)

        n = min(len(self.cfgs) if n_runs is None else n_runs, 200)
        Strategy.propose, Strategy.respond = counted_propose, counted_respond
        self._per_run = True  # the batch engine plays the same decisions as arrays
        try:
            self.outcomes(n)
        finally:
            Strategy.propose, Strategy.respond = propose, respond
            self._per_run = False
        if box[0] == 0:  # a batched engine that bypasses the per-strategy methods
            return {"error": "no Strategy.propose calls seen: decisions not counted"}
        return {"offers_per_run": box[0] / n, "responses_per_run": box[1] / n,
                "decisions_per_run": (box[0] + box[1]) / n}


def check_floor(sizes=("small", "large"), n_runs: int = 300, extra_spaces: int = 20) -> dict:
    """The floor against negsim, outcome by outcome.

    ``n_runs`` runs on each named space, plus the 12 distinct set-ups on ``extra_spaces``
    further random spaces (spec seeds 1, 2, ...; 1,440 packages; every other one with
    reservation values in [0.4, 0.7], where many runs reach the deadline), so that a few
    hundred distinct negotiations are compared.

    Returns:
        Per case the runs compared and the mismatches (first few listed); ``exact`` when
        every outcome agrees, the utility matrix and presorted orders included.
    """
    import numpy as np

    cases = [(s, spaces.make_named(s), n_runs) for s in sizes]
    for k in range(1, extra_spaces + 1):
        # Every other space has higher reservation values, so that some runs end at the
        # deadline without agreement.
        res = (0.2, 0.5) if k % 2 else (0.4, 0.7)
        spec = spaces.make_spec(spaces.SIZES["small"], seed=k, reservation_range=res)
        cases.append((f"small/seed{k}/r{res[0]}-{res[1]}", spec, 12))
    out: dict = {"cases": {}, "compared": 0, "mismatches": 0}
    try:
        from sim.core.concession import PRESETS as NEGSIM_PRESETS

        out["exponents_match"] = all(
            float(NEGSIM_PRESETS[p]["exponent"]) == floor.EXPONENTS[p]
            and NEGSIM_PRESETS[p]["family"] == "poly" for p in floor.PRESETS
        )
    except ImportError:  # pragma: no cover
        out["exponents_match"] = None
    for name, spec, n in cases:
        ns = Negotiations(name, spec, n_runs=n)
        inp = floor.build_inputs(spec)
        view = ns.prepared.view(("package",))
        same_inputs = bool(
            np.array_equal(ns.prepared.U, inp.U)
            and np.array_equal(ns.prepared.packages, inp.packages)
            and all(np.array_equal(view.orders[a], inp.order[a]) for a in range(inp.U.shape[1]))
        )
        fl = floor.play(inp, n)
        bad = []
        for r, (agree, pkg, rnd, rounds) in enumerate(ns.outcomes(n)):
            f_pkg = None
            if fl["agreement"][r]:
                f_pkg = tuple(int(x) for x in inp.packages[fl["row"][r]])
            mine = (agree, pkg, rnd if agree else None, rounds)
            theirs = (bool(fl["agreement"][r]), f_pkg,
                      int(fl["round"][r]) if fl["agreement"][r] else None, int(fl["rounds"][r]))
            if mine != theirs:
                bad.append({"run": r, "negsim": mine, "floor": theirs})
        out["cases"][name] = {"runs": n, "inputs_equal": same_inputs,
                              "agreement_rate": float(fl["agreement"].mean()),
                              "mismatches": len(bad), "first": bad[:3]}
        out["compared"] += n
        out["mismatches"] += len(bad)
    out["exact"] = out["mismatches"] == 0 and all(
        c["inputs_equal"] for c in out["cases"].values()
    ) and out["exponents_match"] is not False
    return out


def solver(repeats: int) -> dict:
    """Median time of the summit's equilibrium on the Alaska space with 100 rounds."""
    from sim.api import load, prepare
    from sim.api import solve as solve_scenario

    scenario = load(ALASKA)
    prepared = prepare(scenario)
    times, cpu = [], []
    result = None
    for _ in range(max(1, repeats)):
        c0, t0 = time.process_time(), time.perf_counter()
        result = solve_scenario(scenario, rounds=DEADLINE, prepared=prepared)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {
        "name": "solver_alaska_100_rounds",
        "protocol": scenario.protocol.kind if scenario.protocol else None,
        "n_packages": int(prepared.n_packages),
        "rounds": DEADLINE,
        "median_s": statistics.median(times),
        "median_cpu_s": statistics.median(cpu),
        "agreement": result.package is not None,
        "round": result.round,
    }


def run(repeats: int = 3, runs: int = 200) -> list[dict]:
    """Project rows not in the comparison table: negotiations with the round table on
    (``collect=True``, CPU per run) and the Alaska solver."""
    from sim.engine.api import run as run_one
    from sim.engine.prepared import prepare

    rows = []
    release = _release()
    for size in ("small", "large"):
        prepared = prepare(spaces.spec_to_problem(spaces.make_named(size)))
        cfgs = configs(prepared, runs)
        run_one(prepared, cfgs[0], 0, collect=True)
        cpu = []
        for _ in range(max(1, repeats)):
            c0 = time.process_time()
            for r, cfg in enumerate(cfgs):
                run_one(prepared, cfg, r, collect=True)
                if release is not None:
                    release()
            cpu.append((time.process_time() - c0) / runs)
        rows.append({"name": f"negotiations_{size}_collect", "runs": runs,
                     "median_s": statistics.median(cpu), "clock": "cpu"})
    if ALASKA.exists():
        rows.append(solver(repeats))
    return rows


def profile(size: str = "large", n_runs: int = 100, top: int = 30) -> None:
    """Print the cProfile of ``n_runs`` negotiations (collect off), by own time."""
    ns = Negotiations(size, n_runs=n_runs)
    prof = cProfile.Profile()
    prof.enable()
    ns.outcomes(n_runs)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    """Print per-run CPU and decisions; ``--profile`` a cProfile, ``--check`` the floor check."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--check", action="store_true", help="compare the floor with negsim")
    args = ap.parse_args(argv)
    if args.profile:
        profile()
        return 0
    if args.check:
        print(json.dumps(check_floor(), indent=1))
        return 0
    for size in ("small", "large"):
        ns = Negotiations(size, n_runs=args.runs)
        b, d = ns.block(), ns.decisions()
        print(f"{size}: {ns.n_packages:,} packages: CPU {b['cpu_s'] / b['units'] * 1e3:.2f} ms "
              f"per run, wall {b['wall_s'] / b['units'] * 1e3:.2f} ms, "
              f"{d['decisions_per_run']:.1f} decisions per run, "
              f"agreement rate {b['agreement_rate']:.2f}, mean rounds {b['mean_rounds']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
