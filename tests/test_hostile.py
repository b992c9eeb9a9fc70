"""Issue 17: every hostile input gives exit code 2 (or 0), fast, in bounded memory.

The corpus (tests/hostile_cases.py; small files in tests/data/hostile/, big and deep ones
generated in tmp_path) runs each case in a forked child with an address-space limit and
measures its wall time and peak RSS; a few run as real ``python -m sim`` subprocesses.
A hypothesis property feeds arbitrary bytes to the loaders through the CLI. Processes:
kill -9 of a sweep leaves no worker, SIGTERM stops it within 5 s, resumable; two sweeps
started together on one directory: one runs, the other exits 2.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_cases import AS_LIMIT, Case, Outcome, build_cases, run_subprocess
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main

SECONDS = 10.0
RSS_MB = 1024.0


def _resident_mb() -> float:
    """This process's resident set now (a forked child starts with it)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_forked(case: Case, timeout: float = SECONDS) -> Outcome:
    """Run ``main(case.argv)`` in a forked child (sim already imported): code, time, RSS.

    The RSS is the child's peak above the resident set it inherits at the fork (the test
    process's, which earlier tests in the session may have grown), so it measures what the
    command itself holds.
    """
    import tempfile

    with tempfile.TemporaryFile() as err:
        base = _resident_mb()
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
                os.dup2(err.fileno(), 2)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", buffering=0, closefd=False),
                                              write_through=True)
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115
                code = main(list(case.argv))
            except BaseException as exc:
                print(f"Traceback: escaped {exc!r}", file=sys.stderr)
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os._exit(code)
        while True:
            got, status, usage = os.wait4(pid, os.WNOHANG)
            if got:
                code = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() - t0 > timeout:
                os.kill(pid, signal.SIGKILL)
                _, status, usage = os.wait4(pid, 0)
                code = -9
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - t0
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return Outcome(code, seconds, max(0.0, usage.ru_maxrss / 1024 - base), text)


def _check(case: Case, out: Outcome) -> None:
    where = f"{case.name}: exit {out.code} in {out.seconds:.1f} s, {out.rss_mb:.0f} MB: " \
            f"{out.stderr[:300]!r}"
    assert out.code in case.codes, where
    assert case.needle in out.stderr, where
    assert "Traceback" not in out.stderr, where
    assert out.seconds < SECONDS, where
    assert out.rss_mb < RSS_MB, where


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return build_cases(tmp_path_factory.mktemp("hostile"))


def _one_command_each(cases: list[Case]) -> list[Case]:
    """The first command of every case (each class once), plus every sweep."""
    seen: set[str] = set()
    out = []
    for c in cases:
        base = c.name.rsplit(" (", 1)[0]
        if base not in seen or c.argv[0] == "sweep":
            seen.add(base)
            out.append(c)
    return out


def test_every_hostile_case_exits_2_quickly_in_bounded_memory(corpus: list[Case]) -> None:
    for case in _one_command_each(corpus):
        _check(case, run_forked(case))


def test_every_command_of_the_outcome_space_and_number_cases(corpus: list[Case]) -> None:
    """analyze, run and solve refuse them too (not only validate)."""
    picked = [c for c in corpus if c.name.startswith(("outcome space 2^64", "weight nan",
                                                      "deep flow map", "patience"))]
    assert len(picked) >= 10
    for case in picked:
        _check(case, run_forked(case))


def test_a_few_cases_as_real_subprocesses(corpus: list[Case]) -> None:
    names = ("deep flow list (validate)", "extends a FIFO (validate)",
             "outcome space 4^25 (analyze)", "grid of 10^8 points (sweep)")
    picked = [c for c in corpus if c.name in names]
    assert len(picked) == len(names)
    for case in picked:
        _check(case, run_subprocess(case, SECONDS))


def test_limits_are_raisable_by_a_global_option(corpus: list[Case], tmp_path: Path) -> None:
    [case] = [c for c in corpus if c.name == "20,000 options (validate)"]
    raised = Case(case.name, ("--max-options", "20000", *case.argv), (0,), "")
    _check(raised, run_forked(raised))
    bad = Case("bad limit", ("--max-options", "lots", *case.argv), (2,), "--max-options")
    _check(bad, run_forked(bad))


def test_an_unexpected_exception_is_one_line_without_debug(monkeypatch, capsys) -> None:
    import sim.scenario.loader as loader

    def boom(*args, **kwargs):
        raise KeyError("no such thing")

    monkeypatch.setattr(loader, "load_raw", boom)
    assert main(["validate", "tests/data/mini.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: KeyError" in err and "--debug" in err
    with pytest.raises(KeyError):
        main(["--debug", "validate", "tests/data/mini.yaml"])


# -- output directories ------------------------------------------------------------------

def _experiment(d: Path, replicates: int) -> Path:
    src = Path(__file__).parent / "data" / "sweep" / "tiny.yaml"
    (d / "tiny.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    exp = d / "e.yaml"
    exp.write_text("name: e\nscenario: tiny.yaml\nparameters:\n  - path: actors.a.patience\n"
                   f"    values: [0.5, 0.9]\nreplicates: {replicates}\nseed: 1\n")
    return exp


def _sweep(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", "sweep", *args], capture_output=True,
                          text=True, timeout=60, **kw)


def test_out_under_a_file_is_exit_2(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, 5)
    (tmp_path / "afile").write_text("x")
    code = main(["sweep", str(exp), "--out", str(tmp_path / "afile" / "r"), "-q",
                 "--workers", "1"])
    assert code == 2


def test_a_write_failing_mid_sweep_is_exit_2_and_resumable(tmp_path: Path, monkeypatch,
                                                           capsys) -> None:
    """ENOSPC (or EROFS, EACCES) while committing a part: exit 2, nothing recorded lost."""
    exp = _experiment(tmp_path, 30)
    out = tmp_path / "r"
    real = Path.write_bytes
    calls = {"n": 0}

    def full_after_three(self: Path, data) -> int:
        if self.name.startswith(".pending-"):
            calls["n"] += 1
            if calls["n"] > 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_after_three)
    code = main(["sweep", str(exp), "--out", str(out), "-q", "--workers", "1",
                 "--chunk-size", "5"])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err and "Traceback" not in err
    monkeypatch.setattr(Path, "write_bytes", real)
    assert main(["sweep", "--verify", str(out)]) == 0
    assert "15 of 60" in capsys.readouterr().out
    assert main(["sweep", str(exp), "--out", str(out), "-q", "--workers", "1"]) == 0
    assert main(["sweep", "--verify", str(out)]) == 0
    assert "60 of 60" in capsys.readouterr().out


def _mount_tmpfs(where: Path, options: str) -> bool:
    where.mkdir()
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                        capture_output=True).returncode == 0
    return ok


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_really_full_disk_and_a_read_only_one(tmp_path: Path, capsys) -> None:
    exp = _experiment(tmp_path, 400)
    full, ro = tmp_path / "full", tmp_path / "ro"
    if not (_mount_tmpfs(full, "size=48k") and _mount_tmpfs(ro, "ro,size=1m")):
        pytest.skip("cannot mount tmpfs here")
    one = ["-q", "--workers", "1"]
    try:
        assert main(["sweep", str(exp), "--out", str(full / "r"), *one, "--chunk-size", "50"]
                    ) == 2
        assert "No space left" in capsys.readouterr().err
        assert main(["sweep", "--verify", str(full / "r")]) == 0
        subprocess.run(["mount", "-o", "remount,size=20m", str(full)], check=True)
        assert main(["sweep", str(exp), "--out", str(full / "r"), *one]) == 0
        assert main(["sweep", "--verify", str(full / "r")]) == 0
        assert "800 of 800" in capsys.readouterr().out
        assert main(["sweep", str(exp), "--out", str(ro / "r"), *one]) == 2
        assert "Read-only file system" in capsys.readouterr().err
    finally:
        for m in (full, ro):
            subprocess.run(["umount", str(m)], capture_output=True)


def test_plot_unknown_suffix_and_mathtext_label(tmp_path: Path) -> None:
    src = (Path(__file__).parent / "data" / "sweep" / "tiny.yaml").read_text()
    f = tmp_path / "m.yaml"
    f.write_text(src.replace("name: tiny", 'name: "t $\\\\frac{a$"').replace(
        "  a:\n", '  a:\n    label: "A $x^{$"\n', 1))
    assert main(["run", str(f), "--plot", str(tmp_path / "x.xyz")]) == 2
    assert main(["run", str(f), "--plot", str(tmp_path / "x.png")]) == 0
    assert (tmp_path / "x.png").stat().st_size > 0


# -- sweep processes ---------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True,
                         text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def _start(exp: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(out),
                             "--workers", "2", "-q"], stderr=subprocess.PIPE, text=True)


def _wait_for_workers(proc: subprocess.Popen, n: int = 2, timeout: float = 30) -> list[int]:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        kids = _children(proc.pid)
        if len(kids) >= n:
            return kids
        time.sleep(0.1)
    raise AssertionError("the workers did not start")


@pytest.mark.skipif(sys.platform != "linux", reason="ps --ppid and /proc")
def test_kill_9_of_the_parent_leaves_no_worker_and_sigterm_is_quick(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, 50_000)
    proc = _start(exp, tmp_path / "k")
    kids = _wait_for_workers(proc)
    time.sleep(1.0)
    proc.kill()
    proc.wait()
    t0 = time.perf_counter()
    while any(_alive(k) for k in kids) and time.perf_counter() - t0 < 5:
        time.sleep(0.05)
    assert not any(_alive(k) for k in kids), "workers outlived their parent by 5 s"
    proc = _start(exp, tmp_path / "k")  # resumes the killed sweep
    _wait_for_workers(proc)
    time.sleep(1.0)
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=10)
    assert code == 143 and time.perf_counter() - t0 < 5
    verify = _sweep("--verify", str(tmp_path / "k"))
    assert verify.returncode == 0, verify.stderr


def test_two_sweeps_started_together_one_runs_the_other_exits_2(tmp_path: Path) -> None:
    exp = _experiment(tmp_path, 100)
    out = tmp_path / "fresh"
    args = [sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(out), "--workers",
            "1", "-q"]
    procs = [subprocess.Popen(args, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    codes = sorted(p.wait(timeout=60) for p in procs)
    errs = " ".join(p.stderr.read() for p in procs if p.stderr)
    assert codes == [0, 2], errs
    assert "another negsim sweep" in errs and "Traceback" not in errs


# -- any bytes -----------------------------------------------------------------------------

@settings(max_examples=30, deadline=SECONDS * 1000,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.one_of(
    st.binary(max_size=400),
    st.text(alphabet=st.sampled_from(list("[]{}:,-&*!|>'\"#\n .abx0129eE+")), max_size=300
            ).map(str.encode),
))
def test_any_bytes_as_a_scenario_or_experiment_file_give_0_or_2(tmp_path: Path,
                                                              data: bytes) -> None:
    f = tmp_path / "any.yaml"
    f.write_bytes(data)
    base = _resident_mb()  # in process: what these files leave behind, not the session's peak
    for argv in (["validate", str(f)], ["sweep", str(f), "--out", str(tmp_path / "o"), "-q",
                                        "--workers", "1"]):
        err = io.StringIO()
        t0 = time.perf_counter()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
        assert code in (0, 2), (argv[0], data, err.getvalue())
        assert "Traceback" not in err.getvalue()
        assert time.perf_counter() - t0 < SECONDS
    assert _resident_mb() - base < RSS_MB
