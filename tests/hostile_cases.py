"""The hostile corpus of issue 17: every listed case, built in a directory at test time.

Core objects:
    Case: one command (``argv`` for ``negsim``), the exit codes it may give and text its
        message must contain (the field or limit it names).
    build_cases: write every case's files under a directory and return the cases.

Small files live in tests/data/hostile/; the big and deep ones (nesting 5,000 deep, a chain
of 1,200 ``extends``, 100,000 options, a 6 MB file) are generated here, never committed.
Used by tests/test_hostile.py and benchmarks/hostile_table.py (the table of the report).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
DATA = HERE / "data" / "hostile"
MINI = HERE / "data" / "sweep" / "tiny.yaml"  # runnable: a protocol and dynamics


@dataclass(frozen=True)
class Case:
    """One hostile command: ``negsim *argv`` must exit with a code in ``codes``."""

    name: str
    argv: tuple[str, ...]
    codes: tuple[int, ...] = (2,)
    needle: str = ""  # text the message must contain (the field or the limit)


def _w(path: Path, text: str) -> str:
    """Write a case file; a small one committed under tests/data/hostile/ is used as is."""
    committed = DATA / path.name
    if len(text) < 20_000 and committed.is_file() and committed.read_text("utf-8") == text:
        return str(committed)
    path.write_text(text, encoding="utf-8")
    return str(path)


def space_scenario(n_issues: int, k: int) -> str:
    """A valid scenario with ``n_issues`` issues of ``k`` options (``k ** n_issues`` packages)."""
    opts = ", ".join(f"o{j}: O{j}" for j in range(k))
    vals = ", ".join(f"o{j}: {j / (k - 1):.6f}" for j in range(k))
    issues = "".join(f"  i{i}:\n    options: {{{opts}}}\n" for i in range(n_issues))
    w = 1.0 / n_issues
    weights = ", ".join(f"i{i}: {{value: {w:.6f}, source: {{assumption: t}}}}"
                        for i in range(n_issues))
    values = "".join(f"      i{i}: {{value: {{{vals}}}, source: {{assumption: t}}}}\n"
                     for i in range(n_issues))
    actor = (f"    weights: {{{weights}}}\n    values:\n{values}"
             "    reservation: {value: 0.1, source: {assumption: t}}\n"
             "    patience: {value: 0.9, source: {assumption: t}}\n")
    return (f"name: big\nissues:\n{issues}actors:\n  a:\n{actor}  b:\n{actor}"
            "protocol: {kind: random_proposer, deadline: 10}\n")


def many_options(count: int) -> str:
    """A scenario whose single issue lists ``count`` options."""
    many = ", ".join(f"o{j}: O{j}" for j in range(count))
    many_vals = ", ".join(f"o{j}: 0.5" for j in range(count))
    return (f"name: many\nissues:\n  one:\n    options: {{{many}}}\nactors:\n  a:\n"
            "    weights: {one: {value: 1, source: {assumption: t}}}\n"
            f"    values:\n      one: {{value: {{{many_vals}}}, source: {{assumption: t}}}}\n"
            "    reservation: {value: 0.1, source: {assumption: t}}\n"
            "    patience: {value: 0.9, source: {assumption: t}}\n"
            "protocol: {kind: random_proposer, deadline: 10}\n")


def _mini(old: str, new: str) -> str:
    text = MINI.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


def _experiment(scenario: str, parameters: str, design: str = "{kind: grid}",
                replicates: int = 1) -> str:
    return (f"name: hostile\nscenario: {scenario}\nparameters:\n{parameters}"
            f"design: {design}\nreplicates: {replicates}\nseed: 1\n")


def _param(path: str, spec: str) -> str:
    return f"  - path: {path}\n    {spec}\n"


def build_cases(d: Path) -> list[Case]:
    """Write the files of every case under ``d`` and return the cases."""
    # The same layout as tests/data/: hostile/ beside sweep/tiny.yaml, so that experiment
    # files name their scenario alike whether committed or generated.
    (d / "sweep").mkdir(parents=True, exist_ok=True)
    (d / "sweep" / MINI.name).write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    d = d / "hostile"
    d.mkdir(exist_ok=True)
    cases: list[Case] = []

    def scenario_cmds(name: str, file: str, needle: str, cmds=("validate", "analyze", "run",
                                                              "solve")) -> None:
        for cmd in cmds:
            cases.append(Case(f"{name} ({cmd})", (cmd, file), (2,), needle))

    # -- nesting and aliases -------------------------------------------------------------
    n = 5000
    deep = {
        "deep block list": "name: x\nissues:\n" + "- " * n + "x\n",
        "deep flow list": "name: x\nissues: " + "[" * n + "]" * n + "\n",
        "deep flow map": "name: x\nissues: " + "{a: " * n + "b" + "}" * n + "\n",
        "deep block map": "name: x\nissues:\n" + "".join(" " * (i + 1) + "a:\n"
                                                         for i in range(1200)) + " " * 1201
                          + "b\n",
    }
    for name, text in deep.items():
        scenario_cmds(name, _w(d / f"{name.replace(' ', '_')}.yaml", text), "nest")
    laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))
    scenario_cmds("alias bomb", _w(d / "laughs.yaml", "name: x\nanchors:\n" + "".join(
        "  " + line + "\n" for line in laughs.splitlines()) + "issues: *a8\n"), "alias",
                  ("validate", "analyze"))
    sweep_out = str(d / "out-deep")
    cases.append(Case("deep experiment (sweep)", ("sweep", deep_exp := _w(
        d / "deep_exp.yaml", "name: x\nparameters: " + "[" * n + "]" * n + "\n"),
        "--out", sweep_out), (2,), "nest"))
    del deep_exp

    # -- extends -------------------------------------------------------------------------
    chain = d / "chain"
    chain.mkdir(exist_ok=True)
    _w(chain / "c0.yaml", MINI.read_text(encoding="utf-8"))
    for i in range(1, 1200):
        _w(chain / f"c{i}.yaml", f"extends: c{i - 1}.yaml\nname: c{i}\n")
    scenario_cmds("extends chain of 1,200", str(chain / "c1199.yaml"), "extends",
                  ("validate", "analyze"))
    fifo = d / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    scenario_cmds("extends a FIFO", _w(d / "ext_fifo.yaml", f"extends: {fifo}\nname: f\n"),
                  "regular file", ("validate", "run"))
    scenario_cmds("extends /dev/zero", _w(d / "ext_zero.yaml", "extends: /dev/zero\nname: z\n"),
                  "regular file", ("validate", "analyze"))
    scenario_cmds("source_text /dev/zero", _w(d / "st_zero.yaml", "source_text: /dev/zero\n"
                                              + MINI.read_text(encoding="utf-8")),
                  "source_text", ("validate", "analyze"))
    scenario_cmds("source_text a FIFO", _w(d / "st_fifo.yaml", f"source_text: {fifo}\n"
                                           + MINI.read_text(encoding="utf-8")),
                  "source_text", ("validate",))
    big = d / "big.yaml"
    with open(big, "w", encoding="utf-8") as f:
        f.write(MINI.read_text(encoding="utf-8"))
        f.write("description: '" + "x" * (6 * 2**20) + "'\n")
    scenario_cmds("6 MB file", str(big), "max-file-size", ("validate",))

    # -- numbers -------------------------------------------------------------------------
    first_weight = "ceasefire: {value: 0.5,"
    for label, bad in (("inf", ".inf"), ("nan", ".nan"), ("huge int", "1" + "0" * 400)):
        text = _mini(first_weight, f"ceasefire: {{value: {bad},")
        scenario_cmds(f"weight {label}", _w(d / f"weight_{label[:4]}.yaml", text),
                      "weights.ceasefire", ("validate", "analyze", "run", "solve"))
    for field, old, new in (("drift", "drift: -0.01", "drift: .nan"),
                            ("noise", "noise: 0.05", "noise: .inf"),
                            ("add", "add: {front: -0.1}", "add: {front: .nan}"),
                            ("coefficients", "{front: 0.5}", "{front: -.inf}")):
        scenario_cmds(f"dynamics {field} not finite", _w(d / f"dyn_{field}.yaml",
                                                         _mini(old, new)),
                      field, ("validate", "run"))
    text = _mini("patience: {value: 0.95,", "patience: {value: 1e-308,")
    scenario_cmds("patience 1e-308", _w(d / "patience_tiny.yaml", text), "patience",
                  ("validate", "solve"))
    dup = _mini("name: tiny\n", "name: tiny\nname: again\n")
    scenario_cmds("duplicate key", _w(d / "dup_key.yaml", dup), "duplicate key 'name'",
                  ("validate",))

    # -- sizes ---------------------------------------------------------------------------
    for label, (ni, k) in (("2^30", (30, 2)), ("4^25", (25, 4)), ("3^40", (40, 3)),
                           ("2^64", (64, 2))):
        scenario_cmds(f"outcome space {label}", _w(d / f"space_{ni}x{k}.yaml",
                                                   space_scenario(ni, k)), "max-packages")
    for count, needle in ((100_000, "max-file-size"), (20_000, "max-options")):
        file = _w(d / f"options_{count}.yaml", many_options(count))
        scenario_cmds(f"{count:,} options", file, needle, ("validate", "analyze"))
    mini = str(MINI)
    for cmd in ("run", "solve"):
        cases.append(Case(f"--rounds 1e9 ({cmd})", (cmd, mini, "--rounds", "1000000000"),
                          (2,), "--rounds"))

    # -- experiment plans ----------------------------------------------------------------
    mini_rel = "../sweep/tiny.yaml"
    pat = "actors.a.patience"
    plans = {
        "range of 10^10 steps": _experiment(
            mini_rel, _param(pat, "range: {low: 0.5, high: 0.99, steps: 10000000000}")),
        "10^12 integer levels": _experiment(
            mini_rel, _param("protocol.deadline", "range: {low: 1, high: 1000000000000, "
                             "integer: true}")),
        "grid of 10^8 points": _experiment(
            mini_rel, _param(pat, "range: {low: 0.5, high: 0.99, steps: 10000}")
            + _param("actors.b.patience", "range: {low: 0.5, high: 0.99, steps: 10000}")),
        "10^4 points x 10^6 replicates": _experiment(
            mini_rel, _param(pat, "range: {low: 0.5, high: 0.99, steps: 10000}"),
            replicates=1_000_000),
        "LHS of 10^7": _experiment(
            mini_rel, _param(pat, "range: {low: 0.5, high: 0.99}"),
            design="{kind: lhs, samples: 10000000}"),
        "scenario of 4^25 packages": _experiment(
            "space_25x4.yaml", _param("actors.a.patience", "values: [0.5, 0.9]")),
    }
    for name, text in plans.items():
        slug = "".join(c if c.isalnum() else "_" for c in name)
        file = _w(d / f"plan_{slug}.yaml", text)
        needle = "max-packages" if "4^25" in name else ("max-" if "levels" not in name
                                                        and "steps" not in name else "")
        cases.append(Case(f"{name} (sweep)", ("sweep", file, "--out", str(d / f"out{len(cases)}"),
                                              "--workers", "1", "-q"), (2,), needle))
    return cases


@dataclass(frozen=True)
class Outcome:
    """How one case ended: exit code (-9: killed at the time limit), seconds, peak RSS."""

    code: int
    seconds: float
    rss_mb: float
    stderr: str


AS_LIMIT = 4 * 2**30  # address space; the peak resident set is measured separately


def _limits() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def run_subprocess(case: Case, timeout: float = 10.0, cwd: Path | None = None) -> Outcome:
    """Run ``python -m sim *case.argv`` with an address-space limit; measure time and RSS."""
    import subprocess
    import sys
    import tempfile
    import time

    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "sim", *case.argv],
                                stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_limits,
                                cwd=cwd)
        code, rss_kb = None, 0
        while code is None:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                rss_kb = usage.ru_maxrss
                break
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                code, rss_kb = -9, usage.ru_maxrss
                break
            time.sleep(0.02)
        proc.returncode = code
        seconds = time.perf_counter() - t0
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return Outcome(code, seconds, rss_kb / 1024, text)
