"""The tables of ``make bench``: targets first, then every row, fair and default side by side.

Conventions: a *ratio* is peer (or floor) time per unit divided by negsim's, median of the
cycle-wise ratios of interleaved blocks with the min-max beside it, so > 1 means negsim is
faster. CPU is the primary clock (the cores are shared); wall is shown beside it. "load"
is the min-max of the 1-minute load average read before each block of the row. Only rows
of kind ``fair`` are judged ("met"); ``default`` rows are the peers out of the box.
"""

from __future__ import annotations

SIZE_LABEL = {"small": "1,440 packages", "large": "52,488 packages"}


def fmt_s(x: float | None) -> str:
    """Seconds with a unit that keeps three significant digits."""
    if x is None:
        return "n/a"
    if x >= 1:
        return f"{x:.2f} s"
    if x >= 1e-3:
        return f"{x * 1e3:.2f} ms"
    return f"{x * 1e6:.1f} µs"


def fmt_ratio(r: dict | None, digits: int = 1) -> str:
    """``9.1x (7.8-10.2)`` from a spread."""
    if not r or r.get("median") is None:
        return "n/a"
    d = digits if r["median"] >= 1 else 2 + digits
    if r["n"] == 1:
        return f"{r['median']:.{d}f}x"
    return f"{r['median']:.{d}f}x ({r['min']:.{d}f}-{r['max']:.{d}f})"


def fmt_load(s: dict | None) -> str:
    """Min-max of the loads seen."""
    if not s or s.get("median") is None:
        return "n/a"
    return f"{s['min']:.1f}-{s['max']:.1f}"


def fmt_spread_s(s: dict | None) -> str:
    """``12.3 ms (11.0-14.2)``."""
    if not s or s.get("median") is None:
        return "n/a"
    if s["n"] == 1:
        return fmt_s(s["median"])
    return f"{fmt_s(s['median'])} ({fmt_s(s['min'])}-{fmt_s(s['max'])})"


def _met(kind: str, value: float | None, threshold: float, higher: bool = True) -> str:
    if kind != "fair":
        return "not judged"
    if value is None:
        return "n/a"
    ok = value >= threshold if higher else value <= threshold
    return "yes" if ok else "no"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


# ----------------------------------------------------------------------------- rows
NEG_TARGET = 100.0
FLOOR_TARGET = 0.5
ANALYSIS_TARGET = 20.0


def negotiation_rows(neg: dict, labels: dict) -> list[list[str]]:
    """Per space: negsim, the floor, every NegMAS configuration."""
    rows = []
    for size, r in neg.items():
        ns = r["negsim"]
        ns_cpu = ns["cpu"]["median"]
        ns_dec = ns.get("decisions_per_run")
        rows.append([
            SIZE_LABEL[size], "negsim (reference)", "-",
            fmt_spread_s(ns["cpu"]), fmt_spread_s(ns["wall"]), "1x", "1x",
            f"{ns_dec:.0f}" if ns_dec else "n/a",
            fmt_s(ns_cpu / ns_dec) if ns_dec else "n/a", "-", fmt_load(ns["load"]), "-", "-",
        ])
        for key, label, kind in (
                ("floor", "numpy floor (physical limit", "fair"),
                ("floor_gather", "numpy floor, plain-gather version (information", "-")):
            fl = r.get(key)
            if not fl:
                continue
            rows.append([
                SIZE_LABEL[size], f"{label}; {fl['batch']:,} runs at once)",
                kind, fmt_spread_s(fl["cpu"]), fmt_spread_s(fl["wall"]),
                fmt_ratio(fl["ratio"]["cpu"], 2), fmt_ratio(fl["ratio"]["wall"], 2),
                f"{fl['decisions_per_run']:.0f}",
                fmt_s(fl["cpu"]["median"] / fl["decisions_per_run"]), "-",
                fmt_load(fl["load"]), f">= {FLOOR_TARGET:g}x" if kind == "fair" else "-",
                _met("fair", fl["ratio"]["cpu"]["median"], FLOOR_TARGET)
                if kind == "fair" else "-",
            ])
        for cid, p in r["peer"].items():
            dec = p.get("decisions_per_run")
            per_dec = None
            if dec and ns_dec and p["ratio"]["cpu"]["median"] is not None:
                per_dec = p["ratio"]["cpu"]["median"] * ns_dec / dec
            same = "same agreements" if p["same_agreements_as_shared"] else "other agreements"
            rows.append([
                SIZE_LABEL[size], f"{labels[cid]} ({p['units_per_block']} runs/block; {same})",
                p["kind"], fmt_spread_s(p["cpu"]), fmt_spread_s(p["wall"]),
                fmt_ratio(p["ratio"]["cpu"]), fmt_ratio(p["ratio"]["wall"]),
                f"{dec:.0f}" if dec else "n/a",
                fmt_s(p["cpu"]["median"] / dec) if dec else "n/a",
                f"{per_dec:.1f}x" if per_dec else "n/a",
                fmt_load(p["load"]), f">= {NEG_TARGET:g}x",
                _met(p["kind"], p["ratio"]["cpu"]["median"], NEG_TARGET),
            ])
    return rows


NEG_HEAD = ["space", "configuration", "kind", "CPU per run", "wall per run",
            "ratio CPU (min-max)", "ratio wall (min-max)", "decisions per run",
            "CPU per decision", "ratio per decision (CPU)", "load", "target", "met"]


def analysis_rows(an: dict, labels: dict) -> list[list[str]]:
    """Per space: negsim's Pareto+Nash and full analyze, NegMAS's two paths."""
    rows = []
    for size, r in an.items():
        ok = all(r["checks"].values())
        rows.append([SIZE_LABEL[size], "negsim Pareto+Nash (reference)", "-",
                     fmt_spread_s(r["negsim"]["cpu"]), fmt_spread_s(r["negsim"]["wall"]),
                     "1x", "1x", "-", fmt_load(r["negsim"]["load"]), "-",
                     "answers agree" if ok else "ANSWERS DISAGREE"])
        rows.append([SIZE_LABEL[size], "negsim full analyze (information)", "-",
                     fmt_spread_s(r["negsim_analyze"]["cpu"]),
                     fmt_spread_s(r["negsim_analyze"]["wall"]), "-", "-", "-",
                     fmt_load(r["negsim_analyze"]["load"]), "-", "-"])
        for path, p in r["peer"].items():
            rows.append([
                SIZE_LABEL[size], labels[path], p["kind"], fmt_spread_s(p["cpu"]),
                fmt_spread_s(p["wall"]), fmt_ratio(p["ratio"]["cpu"]),
                fmt_ratio(p["ratio"]["wall"]), fmt_ratio(p["ratio_vs_full_analyze"]["cpu"]),
                fmt_load(p["load"]), f">= {ANALYSIS_TARGET:g}x",
                _met(p["kind"], p["ratio"]["cpu"]["median"], ANALYSIS_TARGET),
            ])
    return rows


ANALYSIS_HEAD = ["space", "configuration", "kind", "CPU per call", "wall per call",
                 "ratio CPU (min-max)", "ratio wall (min-max)",
                 "ratio CPU vs full analyze", "load", "target", "met"]


def sweep_rows(rows: list[dict]) -> list[list[str]]:
    """negsim's sweep vs batch_run (fair and default) and the parallel efficiency."""
    by = {r["variant"]: r for r in rows if "variant" in r}
    s = by.get("summary")
    if not s:
        return []
    n = s["runs"]
    out = []
    spec = [
        ("vs_batch_run_1", "sweep_1", "batch_run_1", "fair", 1.0,
         f"1 process: mesa.batch_run releasing finished models ({n:,} runs)"),
        ("vs_batch_run_2", "sweep_2", "batch_run_2", "fair", 1.8,
         f"2 processes: mesa.batch_run releasing finished models ({n:,} runs)"),
        ("vs_batch_run_default_1", "sweep_1", "batch_run_default_1", "default", 1.0,
         f"1 process: mesa.batch_run default, keeps every model "
         f"({by['batch_run_default_1']['runs']:,} runs)"),
        ("vs_batch_run_default_2", "sweep_2", "batch_run_default_2", "default", 1.8,
         f"2 processes: mesa.batch_run default, keeps every model "
         f"({by['batch_run_default_2']['runs']:,} runs)"),
    ]
    for key, mine, theirs, kind, target, label in spec:
        r = s[key]
        a, b = by[mine], by[theirs]
        out.append([
            label, kind, f"{fmt_spread_s(a['wall'])} · {fmt_spread_s(b['wall'])}",
            f"{fmt_s(a['cpu']['median'])} · {fmt_s(b['cpu']['median'])}",
            fmt_ratio(r["wall"], 2), fmt_ratio(r["cpu"], 2),
            f"{fmt_load(a['load'])} · {fmt_load(b['load'])}", f">= {target:g}x",
            _met(kind, r["wall"]["median"], target),
        ])
    e = s["parallel_efficiency_2"]
    eff = "n/a" if e["median"] is None else (
        f"{e['median']:.0%} ({e['min']:.0%}-{e['max']:.0%})")
    ce = s.get("cpu_efficiency_2")
    cpu_eff = "-" if not ce or ce["median"] is None else (
        f"{ce['median']:.0%} ({ce['min']:.0%}-{ce['max']:.0%}) on CPU")
    out.append([
        "parallel efficiency of negsim's sweep with 2 processes, wall(1) / (2 wall(2))",
        "fair", f"{fmt_spread_s(by['sweep_1']['wall'])} · {fmt_spread_s(by['sweep_2']['wall'])}",
        f"{fmt_s(by['sweep_1']['cpu']['median'])} · {fmt_s(by['sweep_2']['cpu']['median'])}",
        eff, cpu_eff,
        f"{fmt_load(by['sweep_1']['load'])} · {fmt_load(by['sweep_2']['load'])}",
        ">= 90%", _met("fair", e["median"], 0.9),
    ])
    return out


SWEEP_HEAD = ["comparison (experiments/demo.yaml, whole sweep command)", "kind",
              "wall per run: negsim · peer", "CPU per run: negsim · peer",
              "ratio wall (min-max)", "ratio CPU (min-max)", "load: negsim · peer", "target",
              "met"]

CLI_TARGETS = {"help": 0.3, "validate": 0.4}


def cli_rows(rows: list[dict]) -> list[list[str]]:
    """Wall, CPU and RSS of each command."""
    out = []
    for r in rows:
        t = CLI_TARGETS.get(r["variant"])
        out.append([
            f"`{r['command']}`", fmt_spread_s(r["wall"]), fmt_spread_s(r["cpu"]),
            fmt_load(r["load"]),
            "-" if t is None else f"<= {t:g} s wall",
            "-" if t is None else _met("fair", r["wall"]["median"], t, higher=False),
        ])
    return out


CLI_HEAD = ["command", "wall (min-max)", "CPU (min-max)", "load", "target", "met"]


def _pct(i: dict | None) -> str:
    if not i or i.get("median") is None:
        return "-"
    return f"{i['median']:.1%} ({i['min']:.1%} to {i['max']:.1%})"


def hotspot_rows(rows: list[dict]) -> list[list[str]]:
    """Before figures of issue 20's two hot spots."""
    out = []
    for r in rows:
        if "size" not in r:
            out.append([r.get("note", "?"), *[""] * (len(HOTSPOT_HEAD) - 1)])
            continue
        mem = {m["variant"]: m for m in r["memory"]}
        kept = mem["as_is"]["kept_bytes_per_model"]
        copy = mem["as_is"]["negated_copy_bytes_per_model"]
        without = mem["shared_negation"]["kept_bytes_per_model"]
        ins = r.get("instrumented") or {}
        kept_ = r.get("instrumented_models_kept") or {}
        in_run = {"shared_negation": ins.get("negated_copy_share"),
                  "no_objections": ins.get("objections_share"), "both": None}
        in_kept = {"shared_negation": kept_.get("negated_copy_share"),
                   "no_objections": kept_.get("objections_share"), "both": None}
        for v, label in (("shared_negation", "count_at_or_above: negated copy per strategy"),
                         ("no_objections", "objections on every rejection"),
                         ("both", "both")):
            s = r[v]["cpu_share_saved"]
            share = "n/a" if s is None else (
                f"{s['median']:.0%} ({s['min']:.0%} to {s['max']:.0%})")
            inrun = _pct(in_run[v])
            inkept = _pct(in_kept[v])
            memory = "-"
            if v == "shared_negation":
                memory = (f"{kept / 1e6:.2f} MB kept per finished model, {copy / 1e6:.2f} MB "
                          f"of it the copies ({without / 1e6:.2f} MB without)")
            out.append([f"{SIZE_LABEL[r['size']]}", label, inrun, inkept, share,
                        fmt_s(r["as_is"]["cpu"]["median"]), memory,
                        fmt_load(r["as_is"]["load"]),
                        "same" if r["same_outcomes"] else "DIFFERENT"])
    return out


HOTSPOT_HEAD = ["space", "hot spot (today's code)",
                "share of a negotiation, in-run (models released)",
                "in-run (models kept, Mesa default; grows with their number)",
                "share of its CPU, A/B blocks",
                "CPU per run as is", "memory", "load", "outcomes"]


# ----------------------------------------------------------------------------- targets
def targets(res: dict) -> list[list[str]]:
    """The issue-15 targets (and the benchmark's own memory), each met or not."""
    out = []
    neg, an = res.get("negotiations") or {}, res.get("analysis") or {}

    def add(label, where, measured, target, met):
        out.append([label, where, measured, target, met])

    for size, r in neg.items():
        fl = r["floor"]["ratio"]["cpu"]
        add(f"negotiations per CPU-second vs the numpy floor, {SIZE_LABEL[size]}",
            "negsim vs floor", fmt_ratio(fl, 2), f">= {FLOOR_TARGET:g}x",
            _met("fair", fl["median"], FLOOR_TARGET))
    for size, r in neg.items():
        fair = {cid: p for cid, p in r["peer"].items() if p["kind"] == "fair"}
        vals = [p["ratio"]["cpu"]["median"] for p in fair.values()]
        met = "n/a" if None in vals or not vals else (
            "yes" if min(vals) >= NEG_TARGET else "no")
        add(f"negotiations per CPU-second vs NegMAS, inverse shared, {SIZE_LABEL[size]}",
            "both fair NegMAS rows",
            " / ".join(fmt_ratio(p["ratio"]["cpu"]) for p in fair.values()),
            f">= {NEG_TARGET:g}x", met)
    for size, r in an.items():
        p = r["peer"]["numpy"]
        add(f"Pareto frontier + Nash vs NegMAS, {SIZE_LABEL[size]}", "NegMAS numpy path",
            fmt_ratio(p["ratio"]["cpu"]), f">= {ANALYSIS_TARGET:g}x",
            _met("fair", p["ratio"]["cpu"]["median"], ANALYSIS_TARGET))
    sweep = {r["variant"]: r for r in (res.get("sweep") or []) if "variant" in r}
    s = sweep.get("summary")
    if s:
        e = s["parallel_efficiency_2"]
        add("sweep parallel efficiency, 2 processes", "negsim sweep, wall",
            "n/a" if e["median"] is None else f"{e['median']:.0%}", ">= 90%",
            _met("fair", e["median"], 0.9))
        r2 = s["vs_batch_run_2"]["wall"]
        add("sweep vs mesa.batch_run, 2 processes", "batch_run releasing models, wall",
            fmt_ratio(r2, 2), ">= 1.8x", _met("fair", r2["median"], 1.8))
    for r in res.get("cli") or []:
        t = CLI_TARGETS.get(r["variant"])
        if t is not None:
            add(f"`{r['command']}` wall", "fresh process",
                f"{fmt_s(r['wall']['median'])} (load {fmt_load(r['load'])})", f"<= {t:g} s",
                _met("fair", r["wall"]["median"], t, higher=False))
    long = res.get("long")
    if long:
        when = f"bench-long {long.get('date', '?')[:10]}"
        sw = long.get("sweep") or {}
        add(f"{long.get('n_runs') or '?':,}-run sweep, peak RSS summed over processes"
            if isinstance(long.get("n_runs"), int) else "1,000,000-run sweep, peak RSS sum",
            when, f"{sw.get('peak_rss_sum_mb', 0):.0f} MB (PSS {sw.get('peak_pss_sum_mb', 0):.0f}"
            f" MB; {sw.get('wall_s', 0) / 60:.0f} min)", "< 1 GB",
            "yes" if long.get("sweep_met") else "no")
        re_ = long.get("reachable") or {}
        add("`negsim reachable` on it, peak RSS", when,
            f"{re_.get('peak_rss_sum_mb', 0):.0f} MB ({re_.get('wall_s', 0):.0f} s)", "< 2 GB",
            "yes" if long.get("reachable_met") else "no")
    else:
        add("1,000,000-run sweep, peak RSS summed over processes", "make bench-long",
            "not run", "< 1 GB", "n/a")
    mem = res.get("memory") or {}
    if mem:
        add("the benchmark process itself, peak RSS", "make bench",
            f"{mem['bench_peak_rss_mb']:.0f} MB", "< 2 GB",
            "yes" if mem["bench_peak_rss_mb"] < 2048 else "no")
    return out


TARGET_HEAD = ["target", "judged on", "measured (median, min-max)", "target", "met"]


def markdown(res: dict) -> str:
    """Every table of a run as Markdown."""
    from benchmarks.compare import ANALYSIS_LABELS, NEG_LABELS

    m = res["machine"]
    v = m["versions"]
    lines = [
        f"Measured {m['date']} on {m['platform']}, {m['cpu_count']} CPUs, Python "
        f"{m['python']}, numpy {v['numpy']}, mesa {v['mesa']}, negmas {v['negmas']}; "
        f"1-min load average {m['load_start']:.1f} at start, {m['load_end']:.1f} at end; "
        f"{res['settings']['cycles']} interleaved cycles per comparison.",
        "",
        "**Targets** (issues 15 and 20; judged on fair rows only):",
        "",
        *_table(TARGET_HEAD, targets(res)),
    ]
    if res.get("negotiations"):
        lines += ["", "**Negotiations** (4 actors, <= 100 rounds, time-dependent strategies; "
                  "ratio = other / negsim per run):", "",
                  *_table(NEG_HEAD, negotiation_rows(res["negotiations"], NEG_LABELS))]
    if res.get("analysis"):
        lines += ["", "**Pareto frontier + Nash point** of the rational packages:", "",
                  *_table(ANALYSIS_HEAD, analysis_rows(res["analysis"], ANALYSIS_LABELS))]
    if res.get("sweep"):
        lines += ["", "**Sweeps**:", "", *_table(SWEEP_HEAD, sweep_rows(res["sweep"]))]
    if res.get("cli"):
        lines += ["", "**Command line start-up**:", "", *_table(CLI_HEAD, cli_rows(res["cli"]))]
    if res.get("hotspots"):
        lines += ["", "**Issue 20's hot spots, before** (today's engine; interleaved variants "
                  "swapped in by the benchmark only):", "",
                  *_table(HOTSPOT_HEAD, hotspot_rows(res["hotspots"]))]
    return "\n".join(lines)
