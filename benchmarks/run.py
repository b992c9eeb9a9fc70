"""``make bench``: negsim side by side with NegMAS, mesa.batch_run and the numpy floor.

Run with the project venv:  ``.venv/bin/python benchmarks/run.py [--quick] [--readme]``

What it does, one thing at a time (the machine's 2 cores are shared):
1. Generates the two shared problem specs (``spaces.py``; 4 actors, 1,440 and 52,488
   packages) and writes them to ``benchmarks/_work/`` (git-ignored).
2. Checks before timing: the numpy floor reproduces negsim's outcomes run by run
   (``bench_engine.check_floor``); negsim, both NegMAS analysis paths and a plain-numpy
   reference agree on the Pareto frontier and the Nash package.
3. Interleaved comparisons (``compare.py``; one long-lived NegMAS peer process, see
   ``peer.py``): Pareto+Nash, then negotiations (negsim, the floor, four NegMAS
   configurations), ``--cycles`` cycles each.
4. Issue 20's hot spots on today's engine (``bench_hotspots.py``), sweeps vs
   ``mesa.batch_run`` (``bench_sweep.py``), command-line start-up (``bench_cli.py``).
5. The project's other benchmark modules (``bench_analysis``, ``bench_solver``, the
   ``collect=True`` and solver rows of ``bench_engine``), each in a child process so that
   their big arrays stay out of this one; and the last ``make bench-long`` figures.
6. Writes ``benchmarks/results.json`` (every block) and prints the tables
   (``report.py``); ``--readme`` also pastes them into ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from benchmarks import compare, peer, report, spaces, timing  # noqa: E402

RESULTS = HERE / "results.json"
WORK = HERE / "_work"
LONG_RESULTS = WORK / "results_long.json"
README = HERE / "README.md"
TABLE_START = "<!-- bench-table:start -->"
TABLE_END = "<!-- bench-table:end -->"
CHILD_MODULES = (
    "bench_analysis", "bench_solver", "bench_engine", "bench_textbook", "bench_dashboard",
)


def log(*args) -> None:
    """Progress to stderr, so stdout holds the report."""
    print(*args, file=sys.stderr, flush=True)


def _version(mod: str) -> str | None:
    try:
        return getattr(importlib.import_module(mod), "__version__", "unknown")
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
        "versions": {"numpy": _version("numpy"), "mesa": _version("mesa"),
                     "negmas": negmas_version, "negsim": _version("sim")},
    }


def _section(results: dict, name: str, fn, *args, **kwargs):
    """Run one section; a failure is reported and leaves the section out (never faked)."""
    t0 = time.perf_counter()
    try:
        results[name] = fn(*args, **kwargs)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        print(f"note: section {name} failed: {type(exc).__name__}: {exc}")
        results.setdefault("failed", {})[name] = f"{type(exc).__name__}: {exc}"
    results.setdefault("section_wall_s", {})[name] = time.perf_counter() - t0


def child_module(name: str, repeats: int) -> dict:
    """``benchmarks.<name>.run(repeats=...)`` in a child process: rows and its own peak
    RSS (``VmHWM``, read by the child)."""
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"from benchmarks import {name} as m, timing; "
            f"rows = m.run(repeats={int(repeats)}); "
            f"print(json.dumps({{'rows': rows, 'peak_rss_mb': timing.own_peak_rss_mb()}}, "
            f"default=str))")
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"negsim_bench_{os.getpid()}_{name}.json"
    with open(out, "w") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=fh, cwd=ROOT)
        _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    text = out.read_text()
    out.unlink(missing_ok=True)
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        return {"error": f"exit code {rc}", "wall_s": wall}
    return {**json.loads(text.strip().splitlines()[-1]), "wall_s": wall,
            "cpu_s": ru.ru_utime + ru.ru_stime}


def project_summary(project: dict) -> str:
    """One line per row of the project's other benchmark modules."""
    lines = []
    for name, mod in project.items():
        if "error" in mod:
            lines.append(f"- {name}: FAILED ({mod['error']})")
            continue
        lines.append(f"- {name}: child process peak RSS {mod['peak_rss_mb']:.0f} MB, "
                     f"{mod['wall_s']:.0f} s")
        for row in mod.get("rows") or []:
            cid = row.get("comparison") or row.get("name") or "?"
            val = []
            if row.get("median_s") is not None:
                val.append(f"median {report.fmt_s(float(row['median_s']))}")
            if row.get("median_cpu_s") is not None:
                val.append(f"CPU {report.fmt_s(float(row['median_cpu_s']))}")
            if row.get("peak_rss_mb") is not None:
                val.append(f"peak RSS {row['peak_rss_mb']} MB")
            lines.append(f"  - {cid}: {', '.join(val)}")
    return "\n".join(lines)


def update_readme(table: str) -> None:
    """Replace the tables between the markers in benchmarks/README.md."""
    text = README.read_text()
    if TABLE_START not in text or TABLE_END not in text:
        log("[readme] markers not found: README not updated")
        return
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    README.write_text(f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}")
    log("[readme] tables updated")


def _strip(x):
    """Drop bulky package lists before writing results.json."""
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items()
                if k not in ("frontier_packages", "agreements")}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``make bench``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=5, help="interleaved cycles per comparison")
    ap.add_argument("--sweep-cycles", type=int, default=3)
    ap.add_argument("--cli-cycles", type=int, default=7)
    ap.add_argument("--sizes", default="small,large")
    ap.add_argument("--skip", default="",
                    help="comma-separated sections to skip: analysis, negotiations, hotspots, "
                         "sweep, cli, project")
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: 2 cycles, small blocks (figures not for quoting)")
    ap.add_argument("--readme", action="store_true", help="paste the tables into README.md")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--render", type=Path, metavar="RESULTS_JSON",
                    help="measure nothing: print the tables of an earlier results.json "
                         "(with the latest bench-long figures)")
    args = ap.parse_args(argv)
    if args.render:
        results = json.loads(args.render.read_text())
        if LONG_RESULTS.exists():
            results["long"] = json.loads(LONG_RESULTS.read_text())
        table = report.markdown(results)
        print(table)
        if args.readme:
            update_readme(table)
        return 0
    if args.quick:
        args.cycles, args.sweep_cycles, args.cli_cycles = 2, 1, 2
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    WORK.mkdir(exist_ok=True)
    load_start = timing.load1()
    specs = {s: spaces.make_named(s) for s in sizes}
    for s, spec in specs.items():
        spaces.write_spec(spec, WORK / f"spec_{s}.json")
    q = args.quick
    runs = {
        "small": {"negsim": 1200 if q else 4000, "floor": 4000 if q else 20000,
                  "floor_gather": 2000 if q else 8000,
                  "shared": 24 if q else 200, "shared_one_offer": 24 if q else 200,
                  "per_run": 24 if q else 200, "shared_callbacks": 24 if q else 100},
        "large": {"negsim": 1200 if q else 4000, "floor": 4000 if q else 20000,
                  "floor_gather": 2000 if q else 8000,
                  "shared": 24 if q else 200, "shared_one_offer": 24 if q else 200,
                  "per_run": 12 if q else 24, "shared_callbacks": 24 if q else 100},
    }
    repeats = {"small": (10, 10, 3) if q else (40, 40, 10),
               "large": (2, 1, 1) if q else (5, 3, 2)}

    results: dict = {"settings": vars(args) | {"out": str(args.out), "runs": runs,
                                                "analysis_repeats": repeats}}
    from benchmarks.bench_engine import check_floor

    log("[check] floor vs negsim, outcome by outcome")
    _section(results, "floor_check", check_floor, tuple(sizes), 60 if q else 300,
             4 if q else 20)
    fc = results.get("floor_check") or {}
    print(f"floor vs negsim: {fc.get('compared')} negotiations compared, "
          f"{fc.get('mismatches')} mismatches ({'exact' if fc.get('exact') else 'NOT EXACT'})")

    with peer.Peer() as p:
        negmas_version = p.call({"task": "version"})["negmas"]
        if "analysis" not in skip:
            _section(results, "analysis", compare.analysis, specs, p, args.cycles, repeats,
                     log=log)
            for s, r in (results.get("analysis") or {}).items():
                bad = [k for k, v in r["checks"].items() if not v]
                verdict = "all agree" if not bad else "DISAGREE: " + ", ".join(bad)
                print(f"{s}: analysis answers (negsim, NegMAS both paths, numpy): {verdict}")
        if "negotiations" not in skip:
            _section(results, "negotiations", compare.negotiations, specs, p, args.cycles,
                     runs, log=log)
            for s, r in (results.get("negotiations") or {}).items():
                same = {c: v["same_agreements_as_shared"] for c, v in r["peer"].items()}
                print(f"{s}: NegMAS agreements identical to the fair configuration: {same}")
    if "hotspots" not in skip:
        from benchmarks import bench_hotspots

        log("[hotspots]")
        _section(results, "hotspots", bench_hotspots.run, args.cycles, 40 if q else 100,
                 tuple(sizes), log=log)
    if "sweep" not in skip:
        from benchmarks import bench_sweep

        log("[sweep]")
        _section(results, "sweep", bench_sweep.run, args.sweep_cycles, log=log)
    if "cli" not in skip:
        from benchmarks import bench_cli

        log("[cli]")
        _section(results, "cli", bench_cli.run, args.cli_cycles, log=log)
    if "project" not in skip:
        results["project"] = {}
        for name in CHILD_MODULES:
            log(f"[project] {name} (child process)")
            results["project"][name] = child_module(name, 1 if q else 3)
    if LONG_RESULTS.exists():
        results["long"] = json.loads(LONG_RESULTS.read_text())
    results["machine"] = machine_info(negmas_version)
    results["machine"]["load_start"] = load_start
    results["machine"]["load_end"] = timing.load1()
    results["memory"] = {"bench_peak_rss_mb": timing.own_peak_rss_mb(),
                         "children_peak_rss_mb": {
                             k: v.get("peak_rss_mb")
                             for k, v in (results.get("project") or {}).items()}}
    table = report.markdown(results)
    results["table_markdown"] = table
    args.out.write_text(json.dumps(_strip(results), indent=1, default=str))
    print()
    print(table)
    if results.get("project"):
        print("\nProject benchmark modules (details in results.json):")
        print(project_summary(results["project"]))
    print(f"\nbenchmark process peak RSS {results['memory']['bench_peak_rss_mb']:.0f} MB; "
          f"results: {args.out}")
    if args.readme:
        update_readme(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
