"""Run every hostile case of issue 17 (tests/hostile_cases.py) and print a table.

    .venv/bin/python benchmarks/hostile_table.py [--timeout 10] [FILTER]

One row per case: exit code (-9: killed at the time limit), wall seconds, peak RSS (MB) and
the first line of the message. Each case runs ``python -m sim`` in its own process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hostile_cases import build_cases, run_subprocess  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("filter", nargs="?", default="")
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        cases = [c for c in build_cases(Path(tmp)) if args.filter in c.name]
        print("| case | exit | s | RSS MB | message |")
        print("|---|---|---|---|---|")
        for case in cases:
            out = run_subprocess(case, args.timeout)
            lines = [x for x in out.stderr.splitlines() if x.strip()]
            first = (lines[0] if lines else "").replace(tmp + "/", "").replace("|", "\\|")
            ok = (out.code in case.codes and case.needle in out.stderr
                  and "Traceback" not in out.stderr)
            bad += not ok
            print(f"| {case.name} | {out.code} | {out.seconds:.1f} | {out.rss_mb:.0f} | "
                  f"{'' if ok else 'FAIL: '}{first[:150]} |", flush=True)
    print(f"{len(cases) - bad} of {len(cases)} as required", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
