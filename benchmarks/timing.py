"""Timing discipline shared by the comparisons: interleaved blocks, medians with ranges.

The machine's cores are shared, so a single best-of-N under changing load says little.
Every comparison here runs its contenders as *interleaved blocks* (A B A B ..., or A B C
A B C ... for more than two): each cycle runs one block of each, so a burst of load hits
neighbouring blocks alike. A block reports its wall time (``perf_counter``), its CPU time
(``process_time`` of the process doing the work: ours, the peer's, or a child's rusage)
and how many units of work it did; the 1-minute load average is read before every block.

Summaries: per contender the median (and min-max over cycles) of wall and CPU seconds per
unit; per pair of contenders the median (and min-max) of the cycle-wise ratios. A ratio is
``other / reference`` per unit, so > 1 means the reference (negsim) is faster.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def load1() -> float | None:
    """The 1-minute load average, or None where the platform has none."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover
        return None


def interleave(blocks: dict[str, Callable[[], dict]], cycles: int,
               log: Callable[[str], None] | None = None,
               warm: tuple[str, ...] = ()) -> dict[str, list[dict]]:
    """Run every block once per cycle, in the given order, ``cycles`` times.

    Each block returns at least ``wall_s``, ``cpu_s`` and ``units``; ``load`` (before the
    block) and ``cycle`` are added. The blocks named in ``warm`` run once untimed first
    (caches that fill on first use would otherwise bill the first cycle).
    """
    for name in warm:
        blocks[name]()
    out: dict[str, list[dict]] = {name: [] for name in blocks}
    for c in range(cycles):
        for name, fn in blocks.items():
            load = load1()
            m = dict(fn())
            m["load"] = load
            m["cycle"] = c
            out[name].append(m)
            if log:
                per = m["cpu_s"] / max(m["units"], 1)
                log(f"  cycle {c + 1}/{cycles} {name}: {m['units']} units, "
                    f"CPU {per * 1e3:.3f} ms/unit, wall {m['wall_s']:.2f} s, load {load}")
    return out


def spread(values: list[float]) -> dict:
    """``{"median", "min", "max", "n"}`` of a list (None entries dropped)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "n": len(vals)}


def per_unit(samples: list[dict]) -> dict:
    """Wall and CPU seconds per unit over a contender's blocks, and the loads seen."""
    return {
        "wall": spread([s["wall_s"] / s["units"] for s in samples]),
        "cpu": spread([s["cpu_s"] / s["units"] for s in samples]),
        "load": spread([s.get("load") for s in samples]),
        "units_per_block": samples[0]["units"] if samples else None,
        "blocks": len(samples),
    }


def ratios(reference: list[dict], other: list[dict]) -> dict:
    """Cycle-wise ``other / reference`` per unit, for CPU and wall time."""
    cpu, wall = [], []
    for a, b in zip(reference, other, strict=False):
        ua, ub = a["units"], b["units"]
        if a["cpu_s"] > 0:
            cpu.append((b["cpu_s"] / ub) / (a["cpu_s"] / ua))
        if a["wall_s"] > 0:
            wall.append((b["wall_s"] / ub) / (a["wall_s"] / ua))
    return {"cpu": spread(cpu), "wall": spread(wall)}


def cpu_self() -> float:
    """CPU seconds of this process (all threads)."""
    return time.process_time()


def rusage_children_cpu() -> float:
    """CPU seconds of this process's waited-for children."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MB (``ru_maxrss``; for children: the largest child, which
    for vforked children includes this process's own size at the time)."""
    kb = resource.getrusage(who).ru_maxrss
    return kb / 1024.0 if sys.platform != "darwin" else kb / 1024.0 / 1024.0


def own_peak_rss_mb() -> float:
    """This process's own high-water RSS (``VmHWM``), in MB.

    Unlike ``ru_maxrss`` it is not inherited: a child started by ``subprocess`` (vfork, then
    exec) reports the *parent's* size as its ``ru_maxrss`` when the parent is the larger.
    """
    kb = _kb("/proc/self/status", "VmHWM:")
    return kb / 1024.0 if kb else peak_rss_mb()


def run_child(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> dict:
    """Run a command; its wall time and CPU time from its own rusage.

    Returns:
        ``{"wall_s", "cpu_s", "rc"}`` (stdout and stderr discarded). No RSS: a vforked
        child's ``ru_maxrss`` includes this process's (see `own_peak_rss_mb`).
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "rc": proc.returncode}


# ----------------------------------------------------------------------------- process trees
def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux ``/proc``)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def _kb(path: str, field: str) -> int:
    try:
        with open(path) as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory_mb(pid: int) -> tuple[float, float, int]:
    """(summed RSS, summed PSS, number of processes) of a process tree, in MB."""
    pids = tree(pid)
    rss = sum(_kb(f"/proc/{p}/status", "VmRSS:") for p in pids)
    pss = sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
    return rss / 1024.0, pss / 1024.0, len(pids)


def run_sampled(cmd: list[str], cwd: Path | None = None, interval: float = 0.25,
                env: dict | None = None) -> dict:
    """Run a command, sampling its process tree's memory every ``interval`` seconds.

    Returns:
        ``{"wall_s", "cpu_s", "rc", "peak_rss_sum_mb", "peak_pss_sum_mb",
        "max_processes", "samples"}``; CPU from the command's rusage (it and its waited-for
        children).
    """
    err_file = tempfile.TemporaryFile(mode="w+")  # a pipe could fill up and block it
    c0, t0 = rusage_children_cpu(), time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=err_file, text=True)
    peak_rss = peak_pss = 0.0
    nproc = samples = 0
    while proc.poll() is None:
        rss, pss, n = tree_memory_mb(proc.pid)
        peak_rss, peak_pss, nproc = max(peak_rss, rss), max(peak_pss, pss), max(nproc, n)
        samples += 1
        time.sleep(interval)
    wall = time.perf_counter() - t0
    err_file.seek(0)
    err = err_file.read()
    err_file.close()
    # poll() reaped the command: its CPU (and its children's) is now in RUSAGE_CHILDREN.
    return {"wall_s": wall, "cpu_s": rusage_children_cpu() - c0, "rc": proc.returncode,
            "peak_rss_sum_mb": peak_rss, "peak_pss_sum_mb": peak_pss,
            "max_processes": nproc, "samples": samples, "stderr_tail": err[-2000:]}
