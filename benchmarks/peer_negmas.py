"""NegMAS peer: runs INSIDE benchmarks/.peer-venv (never imported by negsim).

NegMAS is AGPL, so negsim never imports it: ``benchmarks/peer.py`` starts this script as
a separate process with the peer venv's interpreter and exchanges JSON lines with it: one
request per line on stdin, one answer per line on stdout, until stdin closes. The process
stays up between requests, so the harness can interleave NegMAS and negsim blocks
(A B A B ...) without paying NegMAS's import each time. Anything NegMAS prints goes to
stderr. Problems (issues, ufuns, inverses) are built once per spec and kept.

Requests:
    {"task": "version"}
    {"task": "analysis", "spec": SPEC, "path": "ufuns" | "numpy", "repeats": 1}
    {"task": "negotiations", "spec": SPEC, "runs": 200, "n_steps": 100,
     "config": {"inverter": "shared" | "per_run", "extra_callbacks": bool,
                "one_offer_per_step": bool},
     "count_only": bool}

Analysis paths (both time the Pareto frontier of the rational outcomes plus its Nash point):
    ``ufuns``: NegMAS's end-to-end call ``pareto_frontier(ufuns, issues=...)`` (it
        enumerates the space and evaluates every ufun on every outcome in Python), then
        ``nash_points(ufuns, frontier, outcome_space=os)``: NegMAS's default.
    ``numpy``: what a NegMAS user with linear-additive utilities writes: the utility
        matrix built with numpy from the weights and value tables, the rational rows kept,
        ``pareto_frontier_numpy`` on them, ``nash_points`` with the ranges from the matrix.

Negotiation configurations (``config``):
    ``inverter``: "per_run" is NegMAS's default (every negotiator builds and sorts its
        inverse utility table when it first proposes, so each run pays for it); "shared"
        hands every negotiator its actor's cached inverse (``ufun.invert()``, through the
        public ``ufun_inverter`` factory argument), built once before the timed loop -- the
        match of negsim's shared per-scenario precomputation.
    ``extra_callbacks``: SAOMechanism's partner-response fan-out (its default True);
        time-based negotiators ignore it.
    ``one_offer_per_step``: each mechanism step is one negotiator's action (default
        False: every negotiator acts in each step).

A block's wall and CPU seconds cover only the R runs (mechanism and negotiators created
inside). ``count_only`` instead plays the same runs untimed with counting subclasses of
the same negotiators: offers (``propose`` calls) and responses (``respond`` calls) per
run, and every run's agreement.

SPEC is the shared problem spec made by ``benchmarks/spaces.py``. Packages are reported as
option-index tuples. Only public NegMAS API is used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import statistics
import sys
import time

PRESETS = ("boulware", "linear", "conceder")
_PROBLEMS: dict[str, dict] = {}


def _key(spec: dict) -> str:
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def _problem(spec: dict) -> dict:
    """Issues, outcome space and ufuns of a spec (built once per process)."""
    key = _key(spec)
    hit = _PROBLEMS.get(key)
    if hit is None:
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
                    reserved_value=float(actor["reservation"]),
                    name=actor["name"],
                )
            )
        hit = {"issues": issues, "os": os_, "ufuns": ufuns, "inverse_s": None}
        _PROBLEMS[key] = hit
    return hit


def _option_index(spec: dict):
    lookup = [{o: k for k, o in enumerate(i["options"])} for i in spec["issues"]]

    def to_idx(outcome) -> list[int]:
        return [lookup[i][v] for i, v in enumerate(outcome)]

    return to_idx


def _cpu_wall():
    return time.process_time(), time.perf_counter()


# ----------------------------------------------------------------------------- analysis
def _analysis_ufuns(spec: dict, prob: dict):
    from negmas.outcomes.issue_ops import enumerate_issues
    from negmas.preferences import nash_points, pareto_frontier

    ufuns, issues, os_ = prob["ufuns"], prob["issues"], prob["os"]
    c0, t0 = _cpu_wall()
    f_utils, f_idx = pareto_frontier(ufuns, issues=issues)
    nash = nash_points(ufuns, f_utils, outcome_space=os_)
    c1, t1 = _cpu_wall()
    outcomes = enumerate_issues(issues)
    to_idx = _option_index(spec)
    frontier = sorted(to_idx(outcomes[i]) for i in f_idx)
    nash_pkg = to_idx(outcomes[f_idx[nash[0][1]]]) if nash else None
    return t1 - t0, c1 - c0, frontier, nash_pkg


def _analysis_numpy(spec: dict, prob: dict):
    import numpy as np
    from negmas.preferences import nash_points
    from negmas.preferences.ops import pareto_frontier_numpy

    ufuns = prob["ufuns"]
    counts = [len(i["options"]) for i in spec["issues"]]
    weights = [np.asarray(a["weights"], dtype=float) for a in spec["actors"]]
    tables = [[np.asarray(v, dtype=float) for v in a["values"]] for a in spec["actors"]]
    reserved = np.array([u.reserved_value for u in ufuns], dtype=float)
    c0, t0 = _cpu_wall()
    grid = np.indices(counts).reshape(len(counts), -1)  # every outcome, row-major
    U = np.zeros((grid.shape[1], len(ufuns)))
    for a in range(len(ufuns)):
        for i, w in enumerate(weights[a]):
            U[:, a] += w * tables[a][i][grid[i]]
    rational = np.flatnonzero(np.all(U >= reserved, axis=1))
    pts = U[rational]
    front = pareto_frontier_numpy(pts)
    ranges = list(zip(U.min(axis=0).tolist(), U.max(axis=0).tolist(), strict=True))
    nash = nash_points(ufuns, [tuple(p) for p in pts[front]], ranges=ranges)
    c1, t1 = _cpu_wall()
    rows = rational[front]
    frontier = sorted([int(x) for x in np.unravel_index(int(r), counts)] for r in rows)
    nash_pkg = None
    if nash:
        r = int(rows[nash[0][1]])
        nash_pkg = [int(x) for x in np.unravel_index(r, counts)]
    # Untimed: the matrix is what the ufuns compute (a sample of outcomes).
    from negmas.outcomes.issue_ops import enumerate_issues

    outcomes = enumerate_issues(prob["issues"])
    step = max(1, len(outcomes) // 97)
    diff = max(
        abs(float(u(outcomes[k])) - U[k, a])
        for k in range(0, len(outcomes), step)
        for a, u in enumerate(ufuns)
    )
    return t1 - t0, c1 - c0, frontier, nash_pkg, diff


def task_analysis(req: dict) -> dict:
    """One timed Pareto+Nash computation per repeat on the requested path."""
    spec = req["spec"]
    path = req.get("path", "ufuns")
    prob = _problem(spec)
    walls, cpus, out = [], [], {}
    for _ in range(max(1, int(req.get("repeats", 1)))):
        if path == "ufuns":
            wall, cpu, frontier, nash = _analysis_ufuns(spec, prob)
        elif path == "numpy":
            wall, cpu, frontier, nash, diff = _analysis_numpy(spec, prob)
            out["max_abs_matrix_vs_ufun"] = diff
        else:
            raise ValueError(f"unknown analysis path {path!r}")
        walls.append(wall)
        cpus.append(cpu)
    out.update({
        "path": path,
        "n_packages": math.prod(len(i["options"]) for i in spec["issues"]),
        "wall_s": walls,
        "cpu_s": cpus,
        "frontier_size": len(frontier),
        "frontier_packages": frontier,
        "nash_package": nash,
    })
    return out


# ----------------------------------------------------------------------------- negotiations
def _classes(counting: list[int] | None):
    from negmas import BoulwareTBNegotiator, ConcederTBNegotiator, LinearTBNegotiator

    base = {"boulware": BoulwareTBNegotiator, "linear": LinearTBNegotiator,
            "conceder": ConcederTBNegotiator}
    if counting is None:
        return base

    def counted(cls):
        class Counted(cls):
            def propose(self, state, dest=None):
                counting[0] += 1
                return super().propose(state, dest=dest)

            def respond(self, state, source=None):
                counting[1] += 1
                return super().respond(state, source=source)

        Counted.__name__ = cls.__name__
        return Counted

    return {k: counted(v) for k, v in base.items()}


def _shared_inverter(ufun):
    """``ufun_inverter`` factory returning the ufun's cached, initialised inverse."""
    return ufun.invert(rational_only=True)


def task_negotiations(req: dict) -> dict:
    """R SAO negotiations among all actors with time-based negotiators (one block)."""
    from negmas import SAOMechanism

    spec = req["spec"]
    runs = int(req.get("runs", 200))
    n_steps = int(req.get("n_steps", 100))
    cfg = {"inverter": "shared", "extra_callbacks": False, "one_offer_per_step": False}
    cfg.update(req.get("config") or {})
    prob = _problem(spec)
    os_, ufuns = prob["os"], prob["ufuns"]
    n_act = len(ufuns)
    kwargs = {}
    if cfg["inverter"] == "shared":
        if prob["inverse_s"] is None:  # built once per process, before any timed block
            t0 = time.perf_counter()
            for u in ufuns:
                u.invert(rational_only=True)
            prob["inverse_s"] = time.perf_counter() - t0
        kwargs["ufun_inverter"] = _shared_inverter
    elif cfg["inverter"] != "per_run":
        raise ValueError(f"unknown inverter mode {cfg['inverter']!r}")

    def negotiate(r: int, classes):
        mech = SAOMechanism(
            outcome_space=os_,
            n_steps=n_steps,
            extra_callbacks=bool(cfg["extra_callbacks"]),
            one_offer_per_step=bool(cfg["one_offer_per_step"]),
        )
        # Opening order rotates with the run; actor a plays PRESETS[(a + r) % 3], so the
        # runs cover 12 distinct set-ups (the same rule as negsim's bench_engine).
        for a in [(k + r) % n_act for k in range(n_act)]:
            preset = PRESETS[(a + r) % len(PRESETS)]
            mech.add(classes[preset](name=spec["actors"][a]["name"], **kwargs),
                     preferences=ufuns[a])
        return mech.run()

    to_idx = _option_index(spec)
    plain = _classes(None)
    warm_key = ("warm", json.dumps(cfg, sort_keys=True))
    if not prob.get(warm_key):  # untimed warm-up: NegMAS imports much of itself lazily
        negotiate(0, plain)
        prob[warm_key] = True
    if req.get("count_only"):
        box = [0, 0]
        counted = _classes(box)
        states = [negotiate(r, counted) for r in range(runs)]
        agreements = [None if s.agreement is None else to_idx(s.agreement) for s in states]
        return {
            "runs": runs,
            "config": cfg,
            "offers_per_run": box[0] / runs,
            "responses_per_run": box[1] / runs,
            "agreement_rate": sum(a is not None for a in agreements) / runs,
            "mean_steps": statistics.fmean(int(s.step) for s in states),
            "agreements": agreements,
        }

    states = []
    c0, t0 = _cpu_wall()
    for r in range(runs):
        states.append(negotiate(r, plain))
    c1, t1 = _cpu_wall()
    agreements = [None if s.agreement is None else to_idx(s.agreement) for s in states]
    steps = [int(s.step) for s in states]
    return {
        "runs": runs,
        "n_steps": n_steps,
        "config": cfg,
        "inverse_s": prob["inverse_s"],
        "wall_s": t1 - t0,
        "cpu_s": c1 - c0,
        "agreement_rate": sum(a is not None for a in agreements) / runs,
        "mean_steps": statistics.fmean(steps),
        "agreements_sha1": hashlib.sha1(json.dumps(agreements).encode()).hexdigest(),
        "first_agreement": agreements[0],
    }


def task_version(req: dict) -> dict:
    """Version info of the peer environment."""
    import negmas
    import numpy

    return {"negmas": negmas.__version__, "numpy": numpy.__version__,
            "python": sys.version.split()[0]}


TASKS = {"version": task_version, "analysis": task_analysis, "negotiations": task_negotiations}


def answer(req: dict) -> dict:
    """Run one request; errors become ``{"ok": false, "error": ...}``."""
    try:
        with contextlib.redirect_stdout(sys.stderr):
            out = TASKS[req["task"]](req)
        return {"ok": True, "task": req["task"], **out}
    except Exception as exc:  # report, don't crash silently
        import traceback

        traceback.print_exc(file=sys.stderr)
        return {"ok": False, "task": req.get("task"), "error": f"{type(exc).__name__}: {exc}"}


def main() -> int:
    """Answer JSON-line requests from stdin until it closes."""
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        json.dump(answer(json.loads(line)), out)
        out.write("\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
