"""Start-up cost of the command line: ``negsim --help`` and ``negsim validate``, interleaved.

Each block starts one fresh process of the installed entry point (``.venv/bin/negsim``)
and waits for it; wall time from ``perf_counter``, CPU time from the child's own rusage
(``os.wait4``). The blocks alternate (help, validate, bare interpreter, help,
...); the bare interpreter (``python -c pass`` of the same venv) is the floor any Python
command pays. The children run with bytecode (``PYTHONDONTWRITEBYTECODE`` removed, a
warm-up run first), as a user's second command does. Targets (issue 15): ``validate
scenarios/alaska_summit.yaml`` <= 0.4 s and ``--help`` <= 0.3 s wall on an idle machine:
read them with the load beside them.

Run: ``.venv/bin/python benchmarks/bench_cli.py [cycles]``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from benchmarks import timing  # noqa: E402

ALASKA = "scenarios/alaska_summit.yaml"


def _bin(name: str) -> str:
    """An executable of the venv running this script (falls back to PATH)."""
    cand = Path(sys.executable).parent / name
    return str(cand) if cand.exists() else name


LABELS = {"help": "negsim --help", "validate": f"negsim validate {ALASKA}",
          "python": "python -c pass"}
COMMANDS = {
    "help": [_bin("negsim"), "--help"],
    "validate": [_bin("negsim"), "validate", ALASKA],
    "python": [sys.executable, "-c", "pass"],
}


def run(repeats: int = 7, log=None) -> list[dict]:
    """One row per command: wall and CPU (medians, min-max), load beside."""
    # Bytecode as a user has it: an installed package is compiled at install, an editable
    # one on its first run (the warm-up below). PYTHONDONTWRITEBYTECODE (set in some
    # sandboxes) would make every process compile every module from source instead.
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}

    def block(cmd):
        def fn():
            m = timing.run_child(cmd, cwd=ROOT, env=env)
            if m["rc"] != 0:
                raise RuntimeError(f"{' '.join(cmd)} exited with {m['rc']}")
            return {"units": 1, **m}
        return fn

    for cmd in COMMANDS.values():  # warm the file cache and write the bytecode
        timing.run_child(cmd, cwd=ROOT, env=env)
    samples = timing.interleave({k: block(v) for k, v in COMMANDS.items()}, repeats, log=log)
    rows = []
    for name, s in samples.items():
        rows.append({"benchmark": "cli", "variant": name, "command": LABELS[name],
                     **timing.per_unit(s), "samples": s})
    return rows


if __name__ == "__main__":
    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 7):
        row.pop("samples")
        print(json.dumps(row))
