"""``make bench-long``: a 1,000,000-run sweep and ``reachable`` on it, with their memory.

Targets (issue 15): the sweep completes with peak RSS under 1 GB *summed over its
processes*, and ``negsim reachable`` on its results under 2 GB. Both commands run as
children of this script (the installed ``negsim`` of this venv); their process trees are
sampled every 0.25 s from ``/proc`` (RSS summed over the processes alive at that moment;
PSS beside it, which counts pages shared between the forked workers once). Wall and CPU
time (the command and its reaped children) with the load average before and after.

The experiment is ``benchmarks/experiments/sweep_1m.yaml`` (2 x 5 points x 100,000 seeds).
Results go to ``benchmarks/_work/sweep_1m`` (git-ignored; a few hundred MB) and the
figures to ``benchmarks/_work/results_long.json``, which ``benchmarks/run.py`` shows in
its table as the last bench-long run. Not part of ``make test``; it takes a while (about
2 ms of CPU per run).

Run: ``.venv/bin/python benchmarks/bench_long.py [--workers 2] [--keep]``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchmarks import timing  # noqa: E402

EXPERIMENT = HERE / "experiments" / "sweep_1m.yaml"
OUT = HERE / "_work" / "sweep_1m"
RESULTS = HERE / "_work" / "results_long.json"
SWEEP_LIMIT_MB = 1024.0
REACHABLE_LIMIT_MB = 2048.0


def main(argv: list[str] | None = None) -> int:
    """Run the sweep and ``reachable``; write and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--experiment", type=Path, default=EXPERIMENT)
    ap.add_argument("--keep", action="store_true", help="keep the results directory")
    args = ap.parse_args(argv)
    negsim = str(Path(sys.executable).parent / "negsim")
    OUT.parent.mkdir(exist_ok=True)
    out: dict = {
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "experiment": str(args.experiment.resolve().relative_to(ROOT)),
        "workers": args.workers,
        "load_start": timing.load1(),
    }
    print(f"sweep of {out['experiment']} with {args.workers} workers ...", file=sys.stderr)
    sweep = timing.run_sampled(
        [negsim, "sweep", str(args.experiment), "--out", str(OUT), "--workers",
         str(args.workers), "--overwrite", "--quiet"], cwd=ROOT)
    out["load_after_sweep"] = timing.load1()
    out["sweep"] = sweep
    if sweep["rc"] == 0:
        out["n_runs"] = _count_runs(OUT)
        print("reachable ...", file=sys.stderr)
        out["reachable"] = timing.run_sampled([negsim, "reachable", str(OUT), "--json"],
                                              cwd=ROOT)
    out["load_end"] = timing.load1()
    out["sweep_met"] = sweep["rc"] == 0 and sweep["peak_rss_sum_mb"] < SWEEP_LIMIT_MB
    reach = out.get("reachable") or {}
    out["reachable_met"] = reach.get("rc") == 0 and reach["peak_rss_sum_mb"] < REACHABLE_LIMIT_MB
    RESULTS.write_text(json.dumps(out, indent=2))
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)
    print(json.dumps(out, indent=2))
    return 0 if sweep["rc"] == 0 and reach.get("rc") == 0 else 1


def _count_runs(path: Path) -> int | None:
    """Rows in the sweep's runs dataset (a check that all runs were written)."""
    try:
        import pyarrow.dataset as ds

        return int(ds.dataset(path / "runs", format="parquet").count_rows())
    except Exception:  # pragma: no cover - informative only
        return None


if __name__ == "__main__":
    sys.exit(main())
