"""``make bench``: negsim's benchmarks side by side with NegMAS and mesa.batch_run.

Run with the project venv:  ``.venv/bin/python benchmarks/run.py [--quick] [--readme]``

What it does, in order (sequentially: the machine has 2 shared cores):
1. Generates the two shared problem specs (``spaces.py``; 4 actors, 1,440 and 52,488
   packages) and writes them to ``benchmarks/_work/`` (git-ignored).
2. NegMAS peer (``peer.py`` -> ``peer_negmas.py`` in ``benchmarks/.peer-venv``):
   Pareto frontier + Nash point timings, and R SAO negotiations per size.
3. negsim: ``sim.core.analysis.analyze`` on the same specs. Before timing anything the
   frontier and Nash package of negsim, NegMAS and a plain-numpy reference are compared
   and ``agree``/``disagree`` is printed.
4. The project's own benchmark modules that exist (``bench_analysis``, ``bench_solver``,
   ``bench_engine``, ``bench_sweep``: each ``run(repeats=...) -> list[dict]``).
5. ``sweep_comparison()``: the slot for negsim sweeps vs ``mesa.batch_run`` (for now the
   ``sweep_serial``/``sweep_2proc`` rows of ``bench_sweep.py``, when it reports them).
6. Writes ``benchmarks/results.json`` and prints the Markdown comparison table
   (``--readme`` also pastes it into ``benchmarks/README.md``).

A project benchmark row joins the comparison table when it carries
``"comparison": "<id>"`` with one of the ids below and either ``"runs_per_s"``
(negotiations) or ``"median_s"`` (seconds per unit of work); its numbers must be
measured on ``spaces.make_named(size)`` with the same settings as the peer's.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from benchmarks import peer, spaces  # noqa: E402

RESULTS = HERE / "results.json"
WORK = HERE / "_work"
README = HERE / "README.md"
TABLE_START = "<!-- bench-table:start -->"
TABLE_END = "<!-- bench-table:end -->"

# NegMAS negotiators' inverse utility: rebuilt by every negotiator (NegMAS default) or
# built once per actor and shared (``ufun.invert()``; like negsim's shared Prepared).
INVERTER_MODES = ("per_run", "shared")

PROJECT_MODULES = ("bench_analysis", "bench_solver", "bench_engine", "bench_sweep")

# comparison id -> (label, target speed-up of negsim over the peer)
TARGETS = {
    "analysis_small": ("Pareto frontier + Nash, 1,440 packages", 20.0),
    "analysis_large": ("Pareto frontier + Nash, 52,488 packages", 20.0),
    "negotiations_small": (
        "negotiation, 1,440 packages; NegMAS default (inverse rebuilt every run)",
        100.0,
    ),
    "negotiations_small_shared": (
        "negotiation, 1,440 packages; NegMAS inverse shared across runs",
        100.0,
    ),
    "negotiations_large": (
        "negotiation, 52,488 packages; NegMAS default (inverse rebuilt every run)",
        100.0,
    ),
    "negotiations_large_shared": (
        "negotiation, 52,488 packages; NegMAS inverse shared across runs",
        100.0,
    ),
    "sweep_serial": ("parameter sweep vs mesa.batch_run, 1 process", 1.0),
    "sweep_2proc": ("parameter sweep vs mesa.batch_run, 2 processes", 1.8),
}


def log(*args) -> None:
    """Progress to stderr, so stdout holds the report."""
    print(*args, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- machine
def _version(mod: str) -> str | None:
    try:
        m = importlib.import_module(mod)
        return getattr(m, "__version__", "unknown")
    except Exception:
        return None


def machine_info(negmas_version: str | None) -> dict:
    """Where and when the numbers were taken."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "versions": {
            "numpy": _version("numpy"),
            "mesa": _version("mesa"),
            "negmas": negmas_version,
            "negsim": _version("sim"),
        },
        "load_average_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


# --------------------------------------------------------------------------- negsim analysis
_ANALYZE: tuple | None = None


def _negsim_analyze():
    """``sim.core.analysis.analyze`` or None when it does not exist yet (looked up once)."""
    global _ANALYZE
    if _ANALYZE is None:
        try:
            mod = importlib.import_module("sim.core.analysis")
            fn = getattr(mod, "analyze", None)
            _ANALYZE = (fn, None) if fn else (None, "sim.core.analysis has no analyze()")
        except Exception as exc:  # absent or broken: report, don't fake
            _ANALYZE = (None, f"{type(exc).__name__}: {exc}")
    return _ANALYZE


def _mask_packages(packages, mask) -> list[tuple[int, ...]]:
    import numpy as np

    rows = np.asarray(packages)[np.asarray(mask, dtype=bool)]
    return sorted(tuple(int(x) for x in row) for row in rows)


def summarize_negsim(spec: dict, result) -> dict:
    """Frontiers and Nash package from an ``Analysis``, as option-index tuples.

    ``feasible_pareto``: Pareto-optimal among feasible packages (agenda, red lines and
    every participant's reservation value), NegMAS's ``pareto_frontier`` definition.
    ``pareto``: Pareto-optimal among agenda-allowed packages (here the whole space).
    ``solutions["nash"]``: row of the Nash package (disagreement = reservation values).
    """
    packages = result.packages
    feas = _mask_packages(packages, result.feasible_pareto)
    full = _mask_packages(packages, result.pareto)
    idx = result.solutions.get("nash")
    nash = None if idx is None else [int(x) for x in packages[int(idx)]]
    return {
        "frontier_size": len(feas),
        "frontier_packages": feas,
        "full_space_frontier_size": len(full),
        "full_space_frontier_packages": full,
        "n_feasible": int(result.feasible.sum()),
        "nash_package": nash,
    }


def negsim_answer(spec: dict) -> dict:
    """One untimed ``analyze`` call, summarised for the correctness check."""
    analyze, why = _negsim_analyze()
    if analyze is None:
        return {"available": False, "reason": why}
    out = {"available": True}
    out.update(summarize_negsim(spec, analyze(spaces.spec_to_problem(spec))))
    return out


def _pareto_nash(problem) -> None:
    """The same work as the peer's call: every package's utilities, the frontier of the
    packages above every reservation value, and the Nash point over it."""
    from sim.core import nash_point, pareto_mask
    from sim.core.constraints import feasible_mask
    from sim.core.space import enumerate_packages
    from sim.core.utility import utility_matrix

    packages = enumerate_packages(problem.radix)
    U = utility_matrix(problem)
    feasible = feasible_mask(problem, U, packages)
    front = pareto_mask(U, feasible)
    d = [p.reservation for p in problem.preferences]
    nash_point(U, d, front)


def time_negsim_analysis(spec: dict, repeats: int) -> dict:
    """Median wall times on a fresh Problem per repeat: Pareto + Nash (the like-for-like
    comparison with the peer, ``median_s``) and the full ``analyze`` (two frontiers, four
    solutions, red-line diagnostics; ``full_analyze_median_s``, for information)."""
    analyze, why = _negsim_analyze()
    if analyze is None:
        return {"available": False, "reason": why}
    times, full = [], []
    for _ in range(max(1, repeats)):
        problem = spaces.spec_to_problem(spec)  # fresh: no cached state between repeats
        t0 = time.perf_counter()
        _pareto_nash(problem)
        times.append(time.perf_counter() - t0)
        problem = spaces.spec_to_problem(spec)
        t0 = time.perf_counter()
        analyze(problem)
        full.append(time.perf_counter() - t0)
    return {"times_s": times, "median_s": statistics.median(times), "min_s": min(times),
            "full_analyze_median_s": statistics.median(full)}


def check_agreement(size: str, spec: dict, negmas: dict, negsim: dict | None, ref: dict) -> dict:
    """Compare frontier sets and Nash packages across negsim, NegMAS and numpy."""
    nm = negmas["with_reservation"]
    nm_front = sorted(tuple(p) for p in nm["frontier_packages"])
    ref_front = [tuple(p) for p in ref["frontier_packages"]]
    out = {
        "negmas_frontier_size": nm["frontier_size"],
        "negmas_full_space_frontier_size": negmas["full_space"]["frontier_size"],
        "reference_frontier_size": ref["frontier_size"],
        "negmas_nash": nm["nash_package"],
        "reference_nash": ref["nash_package"],
        "negmas_vs_reference_frontier": "agree" if nm_front == ref_front else "disagree",
        "negmas_vs_reference_nash": "agree"
        if nm["nash_package"] == ref["nash_package"]
        else "disagree",
    }
    if negsim and negsim.get("available"):
        ns_front = negsim["frontier_packages"]
        ns_full = negsim["full_space_frontier_packages"]
        nm_full = sorted(tuple(p) for p in negmas["full_space"]["frontier_packages"])
        out["negsim_frontier_size"] = negsim["frontier_size"]
        out["negsim_full_space_frontier_size"] = negsim["full_space_frontier_size"]
        out["negsim_n_feasible"] = negsim["n_feasible"]
        out["negsim_nash"] = negsim["nash_package"]
        out["negsim_vs_negmas_frontier"] = "agree" if ns_front == nm_front else "disagree"
        out["negsim_vs_negmas_full_space_frontier"] = "agree" if ns_full == nm_full else "disagree"
        out["negsim_vs_negmas_nash"] = (
            "agree" if negsim["nash_package"] == nm["nash_package"] else "disagree"
        )
        out["negsim_vs_reference_frontier"] = "agree" if ns_front == ref_front else "disagree"
        if ns_front != nm_front:
            a, b = set(ns_front), set(nm_front)
            out["frontier_diff"] = {
                "only_negsim": sorted(a - b)[:20],
                "only_negmas": sorted(b - a)[:20],
                "n_only_negsim": len(a - b),
                "n_only_negmas": len(b - a),
                "negsim_equals_negmas_full_space": a == set(nm_full),
            }
    log(f"[check] {size} done")
    return out


# --------------------------------------------------------------------------- project modules
def run_project_modules(repeats: int) -> dict:
    """Import each project benchmark module that exists and run it."""
    out = {}
    for name in PROJECT_MODULES:
        if not (HERE / f"{name}.py").exists():
            print(f"note: benchmarks/{name}.py absent: skipped")
            out[name] = {"present": False}
            continue
        log(f"[project] {name}.run(repeats={repeats})")
        try:
            mod = importlib.import_module(f"benchmarks.{name}")
            t0 = time.perf_counter()
            rows = mod.run(repeats=repeats)
            out[name] = {"present": True, "rows": rows, "wall_s": time.perf_counter() - t0}
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            print(f"note: benchmarks/{name}.py failed: {type(exc).__name__}: {exc}")
            out[name] = {"present": True, "error": f"{type(exc).__name__}: {exc}"}
    return out


def sweep_comparison(project: dict) -> list[dict] | None:
    """negsim's sweep runner vs ``mesa.batch_run`` (serial and 2 processes).

    The slot for the sweep rows: ``{"comparison": "sweep_serial" | "sweep_2proc",
    "negsim_s": float, "peer_s": float, "note": str}`` measured on the same model, grid
    and seeds. For now it passes through the rows that ``bench_sweep.py`` reports in that
    shape; with no such rows it returns None and the sweep rows are left out of the
    table (never faked).
    """
    rows = [
        row
        for row in (project.get("bench_sweep") or {}).get("rows") or []
        if isinstance(row, dict)
        and row.get("comparison") in ("sweep_serial", "sweep_2proc")
        and row.get("negsim_s")
        and row.get("peer_s")
    ]
    return rows or None


# --------------------------------------------------------------------------- table
def _row(cid: str, negsim_s: float | None, peer_s: float | None, note: str = "") -> dict:
    label, target = TARGETS[cid]
    ratio = peer_s / negsim_s if (negsim_s and peer_s) else None
    return {
        "comparison": cid,
        "label": label,
        "negsim_s": negsim_s,
        "peer_s": peer_s,
        "ratio": ratio,
        "target": target,
        "met": None if ratio is None else ratio >= target,
        "note": note,
    }


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "n/a"
    if x >= 1:
        return f"{x:.2f} s"
    if x >= 1e-3:
        return f"{x * 1e3:.2f} ms"
    return f"{x * 1e6:.1f} µs"


def _load(avg) -> str:
    return "n/a" if not avg else f"{avg[0]:.1f}"


def markdown_table(rows: list[dict], machine: dict) -> str:
    """The comparison table as Markdown."""
    lines = [
        f"Measured {machine['date']} on {machine['platform']}, {machine['cpu_count']} CPUs, "
        f"Python {machine['python']}, numpy {machine['versions']['numpy']}, "
        f"mesa {machine['versions']['mesa']}, negmas {machine['versions']['negmas']}; "
        f"1-min load average {_load(machine.get('load_average_start'))} at start, "
        f"{_load(machine.get('load_average_end'))} at end.",
        "",
        "| comparison | negsim median | peer median | ratio (peer/negsim) | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:.1f}x"
        met = "n/a" if r["met"] is None else ("yes" if r["met"] else "no")
        label = r["label"] + (f" ({r['note']})" if r["note"] else "")
        lines.append(
            f"| {label} | {_fmt_s(r['negsim_s'])} | {_fmt_s(r['peer_s'])} | {ratio} | "
            f">= {r['target']:g}x | {met} |"
        )
    return "\n".join(lines)


def project_summary(project: dict) -> str:
    """One line per row of the project's own benchmark modules (all numbers in results.json)."""
    lines = []
    for name, mod in project.items():
        if not mod.get("present"):
            continue
        if "error" in mod:
            lines.append(f"- {name}: FAILED ({mod['error']})")
            continue
        for row in mod.get("rows") or []:
            if not isinstance(row, dict):
                continue
            cid = (
                row.get("comparison")
                or row.get("name")
                or "/".join(str(row[k]) for k in ("benchmark", "variant", "workers") if k in row)
                or "?"
            )
            if row.get("median_s") is not None:
                val = f"median {_fmt_s(float(row['median_s']))}"
            elif row.get("runs_per_s") is not None:
                val = f"{float(row['runs_per_s']):.1f} runs/s"
            else:
                val = ", ".join(f"{k}={v}" for k, v in row.items() if k != "comparison")
            lines.append(f"- {name}: {cid}: {val}")
    return "\n".join(lines)


def _project_row(project: dict, cid: str) -> dict | None:
    for mod in project.values():
        for row in mod.get("rows") or []:
            if isinstance(row, dict) and row.get("comparison") == cid:
                return row
    return None


def _seconds_per_unit(row: dict) -> float | None:
    if row.get("runs_per_s"):
        return 1.0 / float(row["runs_per_s"])
    if row.get("median_s") is not None:
        return float(row["median_s"])
    return None


def update_readme(table: str) -> None:
    """Replace the table between the markers in benchmarks/README.md."""
    text = README.read_text()
    if TABLE_START not in text or TABLE_END not in text:
        log("[readme] markers not found: README not updated")
        return
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    README.write_text(f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}")
    log("[readme] table updated")


# --------------------------------------------------------------------------- main
def _strip(d: dict) -> dict:
    """Drop bulky package lists before writing results.json."""
    return {
        k: (_strip(v) if isinstance(v, dict) else v)
        for k, v in d.items()
        if k not in ("frontier_packages", "full_space_frontier_packages")
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``make bench``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="timing repeats (median)")
    ap.add_argument("--runs", type=int, default=200, help="NegMAS negotiations, small space")
    ap.add_argument(
        "--runs-large",
        type=int,
        default=48,
        help="NegMAS negotiations, large space (runs/s extrapolates to 200)",
    )
    ap.add_argument("--seed", type=int, default=spaces.DEFAULT_SEED)
    ap.add_argument("--sizes", default="small,large")
    ap.add_argument(
        "--presets", default="cycle", choices=["cycle", "boulware", "linear", "conceder"]
    )
    ap.add_argument("--no-peer", action="store_true", help="skip NegMAS entirely")
    ap.add_argument("--no-project", action="store_true", help="skip the project's bench modules")
    ap.add_argument("--quick", action="store_true", help="repeats=2, runs=20/6: a smoke run")
    ap.add_argument("--readme", action="store_true", help="paste the table into README.md")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if args.quick:
        args.repeats, args.runs, args.runs_large = 2, 20, 6
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    WORK.mkdir(exist_ok=True)

    load_start = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    specs = {s: spaces.make_named(s, seed=args.seed) for s in sizes}
    for s, spec in specs.items():
        spaces.write_spec(spec, WORK / f"spec_{s}.json")

    negmas_version = None
    peer_res: dict = {"analysis": {}, "negotiations": {}}
    if not args.no_peer:
        negmas_version = peer.call_peer({"task": "version"})["negmas"]
        for s, spec in specs.items():
            log(f"[peer] analysis {s} ({spaces.n_packages(spaces.SIZES[s])} packages)")
            peer_res["analysis"][s] = peer.call_peer(
                {"task": "analysis", "spec": spec, "repeats": args.repeats}
            )

    # Correctness first: compare answers before any negsim timing.
    negsim_res: dict = {}
    checks: dict = {}
    for s, spec in specs.items():
        ref = spaces.reference_analysis(spec, rational_only=True)
        negsim_res[s] = negsim_answer(spec)
        if not negsim_res[s].get("available"):
            print(f"note: negsim analysis unavailable: {negsim_res[s]['reason']}")
        if s in peer_res["analysis"]:
            checks[s] = check_agreement(s, spec, peer_res["analysis"][s], negsim_res[s], ref)
            for k, v in checks[s].items():
                if "_vs_" in k:
                    print(f"{s}: {k}: {v}")
    for s, spec in specs.items():
        if negsim_res[s].get("available"):
            log(f"[negsim] analyze {s}")
            negsim_res[s].update(time_negsim_analysis(spec, args.repeats))

    if not args.no_peer:
        for s, spec in specs.items():
            peer_res["negotiations"][s] = {}
            for inverter in INVERTER_MODES:
                # Only NegMAS's default mode is slow enough on the large space to need a
                # smaller count; its rate is then extrapolated (stated in the table).
                runs = args.runs_large if (s == "large" and inverter == "per_run") else args.runs
                log(f"[peer] {runs} negotiations on {s}, inverter={inverter}")
                res = peer.call_peer(
                    {
                        "task": "negotiations",
                        "spec": spec,
                        "runs": runs,
                        "n_steps": 100,
                        "presets": args.presets,
                        "inverter": inverter,
                    }
                )
                res["extrapolated_from_runs"] = runs if runs < 200 else None
                peer_res["negotiations"][s][inverter] = res
            modes = peer_res["negotiations"][s]
            same = modes["per_run"]["agreements_sha1"] == modes["shared"]["agreements_sha1"]
            if modes["per_run"]["runs"] != modes["shared"]["runs"]:
                same = modes["per_run"]["first_run"] == modes["shared"]["first_run"]
            print(
                f"{s}: NegMAS per_run vs shared inverse: {'same' if same else 'DIFFERENT'} "
                "agreements"
            )

    project = {} if args.no_project else run_project_modules(args.repeats)

    rows = []
    for s in sizes:
        pa = peer_res["analysis"].get(s, {}).get("with_reservation", {})
        ns = negsim_res.get(s) or {}
        rows.append(_row(f"analysis_{s}", ns.get("median_s"), pa.get("median_s")))
    for s in sizes:
        proj = _project_row(project, f"negotiations_{s}")
        for inverter in INVERTER_MODES:
            pn = peer_res["negotiations"].get(s, {}).get(inverter)
            notes = []
            if pn and pn.get("extrapolated_from_runs"):
                notes.append(f"NegMAS rate from {pn['runs']} runs")
            if proj is None:
                notes.append("negsim: no bench_engine row")
            suffix = "" if inverter == "per_run" else "_shared"
            rows.append(
                _row(
                    f"negotiations_{s}{suffix}",
                    _seconds_per_unit(proj) if proj else None,
                    (1.0 / pn["runs_per_s"]) if pn and pn.get("runs_per_s") else None,
                    "; ".join(notes),
                )
            )
    sweeps = sweep_comparison(project)
    if sweeps:
        for r in sweeps:
            rows.append(
                _row(r["comparison"], r.get("negsim_s"), r.get("peer_s"), r.get("note", ""))
            )

    machine = machine_info(negmas_version)
    machine["load_average_start"] = load_start
    table = markdown_table(rows, machine)
    results = {
        "machine": machine,
        "settings": vars(args) | {"out": str(args.out)},
        "specs": {
            s: {
                "option_counts": spaces.SIZES[s],
                "n_packages": spaces.n_packages(spaces.SIZES[s]),
                "n_actors": len(spec["actors"]),
                "seed": spec["seed"],
                "file": str((WORK / f"spec_{s}.json").relative_to(ROOT)),
            }
            for s, spec in specs.items()
        },
        "peer": _strip(peer_res),
        "negsim": {"analysis": {s: _strip(v) for s, v in negsim_res.items()}},
        "agreement": checks,
        "project": project,
        "comparisons": rows,
        "table_markdown": table,
    }
    args.out.write_text(json.dumps(results, indent=2, default=str))
    print()
    print(table)
    summary = project_summary(project)
    if summary:
        print("\nProject benchmark modules, every row (details in results.json):")
        print(summary)
    print(f"\nresults: {args.out}")
    if args.readme:
        update_readme(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
