"""The two engine hot spots of issue 20, measured on the code as it is ("before" figures).

1. ``Strategy.count_at_or_above`` negates a copy of the actor's whole sorted-utility array
   the first time each strategy instance uses it: O(packages) per strategy per
   negotiation, and the copy stays with the finished model.
2. ``Strategy.objections`` runs on every rejection, though only the single-text mediator
   reads objections.

Nothing under ``sim/`` is edited: for the measurement only, this process swaps in a
variant of the helper (restored afterwards) and times interleaved blocks of the engine
benchmark's negotiations (`bench_engine.Negotiations`, ``alternating_offers``, 4 actors,
100 rounds, nobody reads objections):

* ``as_is``: today's code;
* ``shared_negation``: ``count_at_or_above`` with one negated array per distinct sorted
  array for the whole process (O(log m) per call, nothing per instance);
* ``no_objections``: rejections carry no objections (what the fix does wherever no
  protocol reads them);
* ``both``.

The share of a negotiation's time a hot spot costs, two ways: *A/B*, ``1 - cpu(variant) /
cpu(as_is)`` (median of cycle-wise ratios, min-max beside; blocks a few seconds apart, so
load that changes between blocks shows up); *in-run*, the time spent inside the helper
(``perf_counter`` around every call) over the block's total, as is, minus the same with
the shared negation for the first hot spot (the least sensitive to load). In-run shares
are taken twice: with finished models released as negsim's sweep does, and kept alive
(Mesa's default, what a loop over ``sim.engine.api.run`` does): fresh copies then cost
page faults on every run. Every variant must reach the same outcomes.

Memory a finished model keeps: ``tracemalloc`` growth while finished models are kept alive
(as Mesa 3.3's ``Agent._ids`` keeps them unless released), per model, as is and with
``shared_negation``; plus the bytes of the per-instance negated copies themselves.

Run: ``.venv/bin/python benchmarks/bench_hotspots.py [cycles]``.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sys
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchmarks import timing  # noqa: E402
from benchmarks.bench_engine import Negotiations  # noqa: E402


def _strategy_class():
    try:
        from sim.engine.strategies.base import Strategy
    except ImportError:  # pragma: no cover
        return None
    needed = ("count_at_or_above", "objections", "respond")
    return Strategy if all(hasattr(Strategy, n) for n in needed) else None


@contextlib.contextmanager
def variant(name: str):
    """Swap in the named variant of the strategy helpers for the duration."""
    Strategy = _strategy_class()
    # raw class attributes, so a staticmethod is restored as one
    saved = {k: Strategy.__dict__[k] for k in ("count_at_or_above", "objections")}
    negated: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def count_shared(obs, target):
        su = obs.sorted_utilities
        hit = negated.get(id(su))
        if hit is None or hit[0] is not su:
            hit = (su, np.negative(su))
            negated[id(su)] = hit
        return int(np.searchsorted(hit[1], -target, side="right"))

    def no_objections(self, obs, offer):
        return ()

    if name in ("shared_negation", "both"):
        Strategy.count_at_or_above = staticmethod(count_shared)
    if name in ("no_objections", "both"):
        Strategy.objections = no_objections
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(Strategy, k, v)


VARIANTS = ("as_is", "shared_negation", "no_objections", "both")


def _instrumented(ns: Negotiations, name: str) -> dict:
    """Seconds inside ``count_at_or_above`` and ``objections`` over one block, and the
    block's total: the in-run share, robust to load that shifts between blocks."""
    import time

    Strategy = _strategy_class()
    inside = {"count_at_or_above": 0.0, "objections": 0.0}
    calls = dict.fromkeys(inside, 0)
    with variant(name):
        saved = {k: Strategy.__dict__[k] for k in inside}

        def timed(key, raw):
            static = isinstance(raw, staticmethod)
            fn = raw.__func__ if static else raw

            def wrapper(*a):
                t0 = time.perf_counter()
                try:
                    return fn(*a)
                finally:
                    inside[key] += time.perf_counter() - t0
                    calls[key] += 1
            return staticmethod(wrapper) if static else wrapper

        for k, fn in saved.items():
            setattr(Strategy, k, timed(k, fn))
        try:
            t0 = time.perf_counter()
            ns.outcomes(len(ns.cfgs))
            total = time.perf_counter() - t0
        finally:
            for k, fn in saved.items():
                setattr(Strategy, k, fn)
    return {"variant": name, "total_s": total, "inside_s": inside, "calls": calls}


def _instrumented_shares(ns: Negotiations, repeats: int, keep_models: bool = False) -> dict:
    """Median in-run shares over ``repeats`` instrumented passes per variant.

    ``keep_models``: leave finished models in Mesa's registry during the pass (what a loop
    over ``sim.engine.api.run`` does; negsim's sweep releases them), then release them.
    """
    import statistics

    from sim.experiment.worker import release_finished_models

    release = ns._release
    runs = {"as_is": [], "shared_negation": []}
    try:
        if keep_models:
            ns._release = None
        for _ in range(repeats):
            for v in runs:
                runs[v].append(_instrumented(ns, v))
                release_finished_models()
                gc.collect()
    finally:
        ns._release = release
    neg, obj = [], []
    for a, b in zip(runs["as_is"], runs["shared_negation"], strict=True):
        per_a = a["inside_s"]["count_at_or_above"] / a["total_s"]
        per_b = b["inside_s"]["count_at_or_above"] / b["total_s"]
        neg.append(per_a - per_b)  # what the per-instance negated copies add
        obj.append(a["inside_s"]["objections"] / a["total_s"])
    a0 = runs["as_is"][0]
    return {
        "negated_copy_share": timing.spread(neg),
        "objections_share": timing.spread(obj),
        "count_at_or_above_share_as_is": statistics.median(
            r["inside_s"]["count_at_or_above"] / r["total_s"] for r in runs["as_is"]),
        "calls_per_run": {k: v / len(ns.cfgs) for k, v in a0["calls"].items()},
        "passes": runs,
    }


def _kept_per_model(ns: Negotiations, name: str, n_models: int) -> dict:
    """tracemalloc growth per finished model kept alive, and its negated copies."""
    from sim.engine.model import NegotiationModel

    with variant(name):
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        models = []
        for r, cfg in enumerate(ns.cfgs[:n_models]):
            m = NegotiationModel(ns.prepared, cfg, r, collect=False)
            m.run_model()
            models.append(m)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
    copies = 0
    memo = 0
    for m in models:
        for agent in m.negotiators:
            s = agent.strategy
            neg = getattr(s, "_neg_su", None)
            if isinstance(neg, np.ndarray) and neg.base is None:
                copies += neg.nbytes
            memo += len(getattr(s, "_objections", {}) or {})
    del models
    from sim.experiment.worker import release_finished_models

    release_finished_models()
    gc.collect()
    return {"variant": name, "models": n_models, "kept_bytes_per_model": kept / n_models,
            "negated_copy_bytes_per_model": copies / n_models,
            "memoised_objections_per_model": memo / n_models}


def run(repeats: int = 5, runs: int = 100, sizes=("large", "small"), log=None) -> list[dict]:
    """Interleaved variants per size; the kept memory per model."""
    if _strategy_class() is None:
        return [{"benchmark": "hotspots", "note": "Strategy.count_at_or_above / objections "
                 "no longer exist: the hot spots are gone or renamed; nothing measured"}]
    rows = []
    for size in sizes:
        ns = Negotiations(size, n_runs=runs)
        outcomes = {}

        def block(name, ns=ns, outcomes=outcomes):
            def fn():
                with variant(name):
                    b = ns.block()
                outcomes.setdefault(name, b["agreements_sha1"])
                return b
            return fn

        samples = timing.interleave({v: block(v) for v in VARIANTS}, repeats, log=log,
                                    warm=VARIANTS)
        same = len(set(outcomes.values())) == 1
        row = {"benchmark": "hotspots", "size": size, "n_packages": ns.n_packages,
               "runs_per_block": runs, "same_outcomes": same,
               "as_is": timing.per_unit(samples["as_is"])}
        for v in VARIANTS[1:]:
            r = timing.ratios(samples["as_is"], samples[v])
            c = r["cpu"]
            row[v] = {
                **timing.per_unit(samples[v]),
                "cpu_share_saved": None if c["median"] is None else {
                    "median": 1.0 - c["median"], "min": 1.0 - c["max"], "max": 1.0 - c["min"]},
            }
        row["instrumented"] = _instrumented_shares(ns, repeats)
        row["instrumented_models_kept"] = _instrumented_shares(ns, max(2, repeats // 2), True)
        row["memory"] = [_kept_per_model(ns, v, 20) for v in ("as_is", "shared_negation")]
        rows.append(row)
    return rows


if __name__ == "__main__":
    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 5,
                   log=lambda m: print(m, file=sys.stderr)):
        print(json.dumps(row, indent=1))
