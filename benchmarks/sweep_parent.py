"""The sweep parent's serial work: its own CPU time in ``sweep experiments/demo.yaml``.

Prints one JSON line: wall, the parent's CPU (``time.process_time``: the pool workers
excluded), the workers' CPU (``RUSAGE_CHILDREN`` once the pool is closed: the workers
are this process's children), the runs phase and the parts written. Imports are done
before timing, as in a benchmark process. Pass another checkout's root to measure it
with this venv (its code comes first on ``sys.path``).

Run: ``.venv/bin/python benchmarks/sweep_parent.py [ROOT] [WORKERS]``.
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

ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
WORKERS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

import pyarrow.parquet  # noqa: E402,F401  (imports out of the way)

import sim.engine.api  # noqa: E402,F401
import sim.experiment.storage  # noqa: E402,F401
from sim.experiment.runner import SweepOptions, sweep  # noqa: E402


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="sweep-parent-")) / "out"
    try:
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t, c = time.perf_counter(), time.process_time()
        s = sweep("experiments/demo.yaml",
                  SweepOptions(out=out, workers=WORKERS, progress="quiet"))
        print(json.dumps({
            "root": str(ROOT), "workers": WORKERS, "wall": round(time.perf_counter() - t, 3),
            "parent_cpu": round(time.process_time() - c, 3),
            "workers_cpu": round(_children_cpu() - ru0.ru_utime - ru0.ru_stime, 3),
            "runs_phase": round(s.seconds, 3),
            "parts": s.chunks, "load": round(os.getloadavg()[0], 2),
        }))
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


if __name__ == "__main__":
    main()
