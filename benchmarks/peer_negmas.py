"""NegMAS peer: runs INSIDE benchmarks/.peer-venv (never imported by negsim).

NegMAS is AGPL, so negsim never imports it: ``benchmarks/peer.py`` starts this script
as a separate process with the peer venv's interpreter, sends one JSON request on
stdin and reads one JSON answer from stdout. Anything NegMAS prints goes to stderr.

Request:
    {"task": "version"}
    {"task": "analysis", "spec": SPEC, "repeats": 5}
    {"task": "negotiations", "spec": SPEC, "runs": 200, "n_steps": 100,
     "presets": "cycle" | "boulware" | "linear" | "conceder",
     "inverter": "per_run" | "shared"}

``inverter``: "per_run" is NegMAS's default (every negotiator sorts the outcome space
when it first proposes, so each negotiation pays for it); "shared" hands every
negotiator the ufun's cached inverse (``ufun.invert()``, public API), built once before
the timed loop -- the like-for-like match of negsim's shared per-scenario precomputation.

SPEC is the shared problem spec made by ``benchmarks/spaces.py``. Packages are
reported as option-index tuples (index of the chosen option in each issue's list).
Only public NegMAS API is used (issues, LinearAdditiveUtilityFunction,
pareto_frontier, nash_points, SAOMechanism, the *TBNegotiator classes).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import statistics
import sys
import time


def _build(spec: dict, use_reservation: bool = True):
    """Issues, outcome space and one LinearAdditiveUtilityFunction per actor."""
    from negmas import LinearAdditiveUtilityFunction, make_issue, make_os

    issues = [make_issue(list(i["options"]), name=i["name"]) for i in spec["issues"]]
    os_ = make_os(issues)
    ufuns = []
    for actor in spec["actors"]:
        values = [
            dict(zip(issue["options"], vals, strict=True))
            for issue, vals in zip(spec["issues"], actor["values"], strict=True)
        ]
        ufuns.append(
            LinearAdditiveUtilityFunction(
                values=values,
                weights=list(actor["weights"]),
                outcome_space=os_,
                reserved_value=float(actor["reservation"]) if use_reservation else float("-inf"),
                name=actor["name"],
            )
        )
    return issues, os_, ufuns


def _option_index(spec: dict):
    lookup = [{o: k for k, o in enumerate(i["options"])} for i in spec["issues"]]

    def to_idx(outcome) -> list[int]:
        return [lookup[i][v] for i, v in enumerate(outcome)]

    return to_idx


def _frontier_and_nash(ufuns, issues, os_):
    """The timed unit of work: NegMAS's Pareto frontier, then its Nash point(s)."""
    from negmas.preferences import nash_points, pareto_frontier

    t0 = time.perf_counter()
    f_utils, f_idx = pareto_frontier(ufuns, issues=issues)
    t1 = time.perf_counter()
    nash = nash_points(ufuns, f_utils, outcome_space=os_)
    t2 = time.perf_counter()
    return f_utils, f_idx, nash, t1 - t0, t2 - t1


def _analysis_variant(spec: dict, repeats: int, use_reservation: bool) -> dict:
    from negmas.outcomes.issue_ops import enumerate_issues

    issues, os_, ufuns = _build(spec, use_reservation)
    totals, paretos, nashes = [], [], []
    result = None
    for _ in range(max(1, repeats)):
        f_utils, f_idx, nash, tp, tn = _frontier_and_nash(ufuns, issues, os_)
        paretos.append(tp)
        nashes.append(tn)
        totals.append(tp + tn)
        result = (f_utils, f_idx, nash)
    f_utils, f_idx, nash = result
    # Map frontier indices (into the enumeration NegMAS used) to option-index tuples.
    outcomes = enumerate_issues(issues)
    to_idx = _option_index(spec)
    frontier_packages = sorted(to_idx(outcomes[i]) for i in f_idx)
    nash_list = []
    for utils, fi in nash:
        nash_list.append(
            {
                "package": to_idx(outcomes[f_idx[fi]]),
                "utilities": [float(u) for u in utils],
            }
        )
    return {
        "rational_only": use_reservation,
        "frontier_size": len(f_idx),
        "frontier_packages": frontier_packages,
        "nash": nash_list,
        "nash_package": nash_list[0]["package"] if nash_list else None,
        "times_s": totals,
        "median_s": statistics.median(totals),
        "pareto_median_s": statistics.median(paretos),
        "nash_median_s": statistics.median(nashes),
        "repeats": len(totals),
    }


def task_analysis(req: dict) -> dict:
    """Time pareto_frontier + nash_points; also the frontier of the full space."""
    spec = req["spec"]
    repeats = int(req.get("repeats", 5))
    repeats_full = int(req.get("repeats_full", repeats))
    n = math.prod(len(i["options"]) for i in spec["issues"])
    return {
        "n_packages": n,
        "n_actors": len(spec["actors"]),
        # NegMAS's own definition: pareto_frontier keeps only outcomes at or above
        # every ufun's reserved_value; nash_points maximises prod(u_i - r_i).
        "with_reservation": _analysis_variant(spec, repeats, True),
        # Same calls with reserved_value=-inf: the frontier of the whole space; Nash
        # then uses each ufun's minimum as the disagreement point.
        "full_space": _analysis_variant(spec, repeats_full, False),
    }


PRESETS = ("boulware", "linear", "conceder")


def _shared_inverter(ufun):
    """``ufun_inverter`` factory returning the ufun's cached, initialised inverse."""
    return ufun.invert(rational_only=True)


def task_negotiations(req: dict) -> dict:
    """R SAO negotiations among all actors with time-based negotiators."""
    from negmas import (
        BoulwareTBNegotiator,
        ConcederTBNegotiator,
        LinearTBNegotiator,
        SAOMechanism,
    )

    classes = {
        "boulware": BoulwareTBNegotiator,
        "linear": LinearTBNegotiator,
        "conceder": ConcederTBNegotiator,
    }
    spec = req["spec"]
    runs = int(req.get("runs", 200))
    n_steps = int(req.get("n_steps", 100))
    mode = req.get("presets", "cycle")
    inverter = req.get("inverter", "per_run")
    issues, os_, ufuns = _build(spec, True)
    n_act = len(ufuns)
    to_idx = _option_index(spec)
    kwargs = {}
    prepare_s = 0.0
    if inverter == "shared":
        # NegMAS's own in-memory cache: ``ufun.invert()`` builds the sorted inverse once
        # and returns the cached one afterwards; the negotiators get it through the
        # public ``ufun_inverter`` factory argument. Built before the timed loop, like
        # negsim's per-scenario precomputation.
        t0 = time.perf_counter()
        for u in ufuns:
            u.invert(rational_only=True)
        prepare_s = time.perf_counter() - t0
        kwargs["ufun_inverter"] = _shared_inverter
    elif inverter != "per_run":
        raise ValueError(f"unknown inverter mode {inverter!r}")

    def negotiate(r: int):
        mech = SAOMechanism(outcome_space=os_, n_steps=n_steps)
        # Opening order rotates with the run; in "cycle" mode actor a plays
        # PRESETS[(a + r) % 3], so the runs cover 12 distinct set-ups.
        order = [(k + r) % n_act for k in range(n_act)]
        for a in order:
            preset = PRESETS[(a + r) % len(PRESETS)] if mode == "cycle" else mode
            mech.add(
                classes[preset](name=spec["actors"][a]["name"], **kwargs),
                preferences=ufuns[a],
            )
        return mech.run()

    # Warm-up (untimed): NegMAS imports much of itself lazily on first use.
    t0 = time.perf_counter()
    negotiate(0)
    warmup_s = time.perf_counter() - t0

    agreements = 0
    steps = []
    per_run = []
    welfare = []
    outcomes_seen = []
    raw_agreements = []
    t_start = time.perf_counter()
    for r in range(runs):
        t0 = time.perf_counter()
        state = negotiate(r)
        per_run.append(time.perf_counter() - t0)
        steps.append(int(state.step))
        raw_agreements.append(state.agreement)
    total = time.perf_counter() - t_start
    for agreement in raw_agreements:  # bookkeeping outside the timed loop
        outcomes_seen.append(to_idx(agreement) if agreement is not None else None)
        if agreement is not None:
            agreements += 1
            welfare.append(sum(float(u(agreement)) for u in ufuns))
    first = {"agreement": outcomes_seen[0], "steps": steps[0]} if runs else None
    return {
        "runs": runs,
        "n_steps": n_steps,
        "presets": mode,
        "preset_rule": (
            "actor a in run r uses [Boulware, Linear, Conceder][(a + r) % 3]; "
            "opening order rotated by r"
            if mode == "cycle"
            else f"all actors use {mode}"
        ),
        "inverter": inverter,
        "prepare_s": prepare_s,
        "warmup_s": warmup_s,
        "total_s": total,
        "runs_per_s": runs / total if total > 0 else None,
        "median_run_s": statistics.median(per_run),
        "agreement_rate": agreements / runs if runs else None,
        "mean_steps": statistics.fmean(steps) if steps else None,
        "mean_agreement_welfare": statistics.fmean(welfare) if welfare else None,
        "first_run": first,
        # Same digest <=> the same agreements (and order) in every run.
        "agreements_sha1": hashlib.sha1(json.dumps(outcomes_seen).encode()).hexdigest(),
        "steps_sha1": hashlib.sha1(json.dumps(steps).encode()).hexdigest(),
    }


def task_version(req: dict) -> dict:
    """Version info of the peer environment."""
    import negmas
    import numpy

    return {
        "negmas": negmas.__version__,
        "numpy": numpy.__version__,
        "python": sys.version.split()[0],
    }


TASKS = {"version": task_version, "analysis": task_analysis, "negotiations": task_negotiations}


def main() -> int:
    """Read one request from stdin, write one JSON answer to stdout."""
    req = json.load(sys.stdin)
    real_stdout = sys.stdout
    try:
        # Keep stdout clean for the JSON answer: library chatter goes to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            out = TASKS[req["task"]](req)
        out = {"ok": True, "task": req["task"], **out}
    except Exception as exc:  # report, don't crash silently
        import traceback

        traceback.print_exc(file=sys.stderr)
        out = {"ok": False, "task": req.get("task"), "error": f"{type(exc).__name__}: {exc}"}
    json.dump(out, real_stdout)
    real_stdout.write("\n")
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
