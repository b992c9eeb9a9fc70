"""Benchmark of the dashboard's what-if updates on the Alaska space (52,488 packages).

Target: every what-if change (a reservation value, a weight, who counts for the feasible
set) updates the feasible count, the Pareto frontier plot and the Nash and KS packages in
under 200 ms.

Two measurements:

* ``server``: what the server computes per change, in process: the edited scenario
  (validation), its compiled problem and analysis (`sim.dashboard.whatif.view`, reusing
  the utilities where the edit allows, as the dashboard does), the drafted package's
  score and the utility-space figure (an ECharts option, serialised to JSON as it is sent).
  Each change is a fresh edit set (no cache hits): ``reservation`` steps Russia's
  reservation value through 0.40..0.69, ``weight`` steps one of Russia's weights (the
  utilities are recomputed), ``participates`` toggles Europe.
* ``browser`` (``--browser``): the whole round trip in Debian's Chromium driven by
  Playwright: ``negsim dashboard`` on 127.0.0.1, the Russia reservation slider moved one
  step with the keyboard, timed until the page shows the new feasible count.

``run(repeats)`` returns one row per kind of change (median and 95th percentile in
milliseconds); ``python benchmarks/bench_dashboard.py [--browser] [--changes N]`` prints
them. Timings are noisy on a shared machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim.dashboard import figures  # noqa: E402
from sim.dashboard.text import Names  # noqa: E402
from sim.dashboard.whatif import Base, edited, utility_edits, view  # noqa: E402

ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"
TARGET_MS = 200.0
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]


def _changes(kind: str, n: int) -> list[tuple[tuple[str, object], ...]]:
    if kind == "reservation":
        return [(("actors.russia.reservation", round(0.40 + 0.01 * (k % 30), 2)),)
                for k in range(n)]
    if kind == "weight":
        return [(("actors.russia.weights.crimea", round(0.05 + 0.01 * (k % 40), 2)),)
                for k in range(n)]
    return [(("actors.europe.participates", k % 2 == 0),
             ("actors.russia.reservation", round(0.40 + 0.01 * (k % 30), 2))) for k in range(n)]


def _server(kind: str, n: int) -> list[float]:
    base = Base.load(ALASKA)
    names = Names(base.scenario, view(base.scenario).problem)
    unedited = {(): view(base.scenario)}
    out = []
    for changes in _changes(kind, n):
        t0 = time.perf_counter()
        key = utility_edits(changes)
        reuse = None
        if key != changes:
            if key not in unedited:
                unedited[key] = view(edited(base, key))
            reuse = unedited[key].analysis
        v = view(edited(base, changes), reuse=reuse)
        nash = v.solution("nash")
        row = 0 if nash is None else nash
        v.score(row)
        json.dumps(figures.utility_space(v, 1, 2, row, names.actors, names.row_terms))
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _browser(n: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "dashboard", str(ALASKA), "--port",
                             str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        out = []
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM,
                                                       args=ARGS, headless=True)
            page = ctx.new_page()
            page.goto(url)
            page.get_by_role("tab", name="What-if").click()
            count = page.locator(".negsim-feasible")
            count.wait_for(timeout=60_000)
            page.locator(".negsim-res-russia [role=slider]").focus()
            for k in range(n + 1):  # the first change warms the caches up: not counted
                before = count.get_attribute("data-value")
                key = "ArrowLeft" if (k // 10) % 2 else "ArrowRight"
                t0 = time.perf_counter()
                page.keyboard.press(key)
                page.wait_for_function(
                    "b => document.querySelector('.negsim-feasible').dataset.value !== b",
                    arg=before, timeout=60_000)
                if k:
                    out.append((time.perf_counter() - t0) * 1000.0)
            ctx.close()
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _row(kind: str, times: list[float]) -> dict:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"name": f"what-if change: {kind}", "n": len(times),
            "median_ms": round(statistics.median(times), 2), "p95_ms": round(p95, 2),
            "target_ms": TARGET_MS, "met": p95 < TARGET_MS,
            "load_average": round(os.getloadavg()[0], 2)}


def run(repeats: int = 5, changes: int = 30, browser: bool = False) -> list[dict]:
    """One row per kind of change; ``repeats`` is accepted for `run.py`'s interface."""
    rows = [_row(f"server, {kind}", _server(kind, changes))
            for kind in ("reservation", "weight", "participates")]
    if browser:
        rows.append(_row("browser round trip, reservation slider", _browser(changes)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=30, help="changes per kind")
    parser.add_argument("--browser", action="store_true",
                        help="also time the round trip in Chromium (needs /usr/bin/chromium)")
    args = parser.parse_args()
    print("| change | n | median ms | p95 ms | < 200 ms | load average |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in run(changes=args.changes, browser=args.browser):
        print(f"| {r['name']} | {r['n']} | {r['median_ms']} | {r['p95_ms']} | "
              f"{'yes' if r['met'] else 'no'} | {r['load_average']} |")


if __name__ == "__main__":
    main()
