"""A results directory you can trust: tampered files, changed scenarios, signals, dead workers.

Real files, real processes and real signals (no mocks): every drill ends in a dataset equal
to an uninterrupted run of the same experiment, or in a clear refusal that names the file;
no process is left behind 5 s after a sweep ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.experiment import dataset
from sim.experiment.runner import SweepOptions, sweep

DATA = Path(__file__).parent / "data" / "sweep"
EXPERIMENT = """\
name: trust
scenario: tiny.yaml
parameters:
  - path: protocol.kind
    values: [random_proposer, alternating_offers]
  - path: actors.a.reservation
    range: {low: 0.1, high: 0.3, steps: 3}
replicates: 40
seed: 99
"""
TOTAL = 2 * 3 * 40
ENV = {**os.environ, "CI": "true"}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """The experiment and its scenario, and the uninterrupted reference run in ``ref/``."""
    tmp = tmp_path_factory.mktemp("trust")
    shutil.copy(DATA / "tiny.yaml", tmp / "tiny.yaml")
    (tmp / "exp.yaml").write_text(EXPERIMENT)
    sweep(tmp / "exp.yaml", SweepOptions(out=tmp / "ref", workers=1, chunk_size=20,
                                         progress="quiet"))
    return tmp


def table(out: Path):
    return dataset.read_runs(out).sort_by("run_id")


def reference(files: Path):
    return table(files / "ref")


def copy_results(files: Path, tmp_path: Path) -> Path:
    out = tmp_path / "res"
    shutil.copytree(files / "ref", out)
    return out


def cli(args: list[str], capsys) -> tuple[int, list[str], str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, [line for line in captured.err.splitlines() if line.strip()], captured.out


# -- files that are not what the manifest says ---------------------------------------------


def _copy(runs: Path) -> Path:
    part = sorted(runs.glob("part-*.parquet"))[2]
    stray = runs / f"{part.stem} (copy).parquet"
    shutil.copy(part, stray)
    return stray


def _delete(runs: Path) -> Path:
    part = sorted(runs.glob("part-*.parquet"))[3]
    part.unlink()
    return part


def _truncate(runs: Path) -> Path:
    part = sorted(runs.glob("part-*.parquet"))[4]
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    return part


def _garble(runs: Path) -> Path:
    """Flip bytes of the first column's data; the Parquet footer stays intact and readable."""
    part = sorted(runs.glob("part-*.parquet"))[5]
    data = bytearray(part.read_bytes())
    data[8:24] = bytes(b ^ 0xFF for b in data[8:24])
    part.write_bytes(bytes(data))
    pq.read_metadata(part)  # still looks like a Parquet file
    return part


def _stray(runs: Path) -> Path:
    stray = runs / "notes.parquet"
    shutil.copy(sorted(runs.glob("part-*.parquet"))[0], stray)
    return stray


TAMPER = {
    "copied part": (_copy, "not a part of this sweep"),
    "deleted part": (_delete, "missing"),
    "truncated part": (_truncate, "altered since the sweep wrote it"),
    "garbled part": (_garble, "altered since the sweep wrote it"),
    "stray file": (_stray, "not a part of this sweep"),
}


@pytest.mark.parametrize("case", list(TAMPER))
def test_a_tampered_directory_is_refused_by_every_reader_then_repaired(case, files, tmp_path,
                                                                       capsys):
    tamper, message = TAMPER[case]
    out = copy_results(files, tmp_path)
    bad = tamper(out / "runs")
    exp = files / "exp.yaml"
    for args in (["reachable", out, "--json"], ["report", out, "--no-replay"],
                 ["sweep", "--verify", out], ["sweep", exp, "--out", out, "-q", "--workers", "1"]):
        code, err, stdout = cli(args, capsys)
        assert code == 2, (args, err)
        assert err[0] == f"{bad}: {err[0].split(': ', 1)[1]}" and message in err[0], err
        assert err[-1].endswith(f"negsim sweep {exp} --out {out} --repair"), err
        assert stdout == ""
    with pytest.raises(dataset.ResultsError, match=str(bad.name).replace("(", r"\(")
                       .replace(")", r"\)")):
        import sim

        sim.load_results(out)
    code, err, stdout = cli(["sweep", exp, "--out", out, "--repair", "--workers", "1"], capsys)
    assert code == 0 and [line for line in err if not line.startswith("trust: ")] == []
    assert f"repaired: {bad}" in stdout
    rows = {"deleted part": 20, "truncated part": 20, "garbled part": 20}.get(case, 0)
    assert (f"{rows} runs ({TOTAL - rows} were already there)" in stdout if rows
            else "complete, all 240 runs already there" in stdout)
    assert table(out).equals(reference(files))
    if case != "deleted part":
        assert (out / "quarantine" / bad.name).is_file()
    code, _, stdout = cli(["sweep", "--verify", out], capsys)
    assert code == 0 and "ok: 240 of 240 runs" in stdout


def test_an_altered_side_file_is_refused_and_repaired(files, tmp_path, capsys):
    out = copy_results(files, tmp_path)
    points = out / "points.parquet"
    points.write_bytes(points.read_bytes()[:-100])
    code, err, _ = cli(["reachable", out], capsys)
    assert code == 2 and err[0].startswith(f"{points}: altered since the sweep wrote it")
    exp = files / "exp.yaml"
    # refused after the pool has started: the two lines and nothing else (no EBADF noise)
    done = subprocess.run([sys.executable, "-m", "sim", "sweep", str(exp), "--out", str(out),
                           "--workers", "2", "-q"], env=ENV, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"{points}: altered since the sweep wrote it (its sha256 differs from the manifest's "
        "record)", dataset.repair_hint(out, dataset.read_manifest(out))]
    assert cli(["sweep", exp, "--out", out, "--repair", "-q", "--workers", "1"], capsys)[0] == 0
    assert cli(["reachable", out, "--json"], capsys)[0] == 0


def test_a_changed_scenario_warns_or_refuses_and_the_report_uses_the_scenario_as_swept(
        files, tmp_path, capsys):
    import sim

    work = tmp_path / "w"
    work.mkdir()
    shutil.copy(files / "tiny.yaml", work / "tiny.yaml")
    (work / "exp.yaml").write_text(EXPERIMENT.replace("replicates: 40", "replicates: 2"))
    out = work / "out"
    assert cli(["sweep", work / "exp.yaml", "--out", out, "-q", "--workers", "1"], capsys)[0] == 0
    swept = int(sim.analyze(work / "tiny.yaml").feasible.sum())
    scenario = work / "tiny.yaml"
    text = scenario.read_text()
    # after the sweep: a red line that leaves nothing feasible, and a new label
    scenario.write_text(text.replace(
        "      - {name: keep_gains,",
        "      - {name: no_ceasefire, kind: never, issue: ceasefire, option: immediate, "
        "source: {assumption: t}}\n"
        "      - {name: no_package, kind: never, issue: ceasefire, option: in_package, "
        "source: {assumption: t}}\n"
        "      - {name: no_none, kind: never, issue: ceasefire, option: none, "
        "source: {assumption: t}}\n      - {name: keep_gains,",
    ).replace("Immediate", "Right away"))
    assert int(sim.analyze(scenario).feasible.sum()) == 0 < swept

    code, err, stdout = cli(["reachable", out, "--json"], capsys)
    assert code == 0 and stdout.startswith("{")
    assert err == [f"warning: {scenario.resolve()}: changed since the sweep of {out} read it; "
                   f"the results describe the scenario as swept (stored in "
                   f"{out / 'scenarios.yaml'})"]
    for args in (["reachable", out, "--strict"], ["report", out, "--strict"]):
        code, err, _ = cli(args, capsys)
        assert code == 2 and "changed since the sweep" in err[0] and "--strict" in err[-1]

    code, err, stdout = cli(["report", out], capsys)
    assert code == 0 and err[0].startswith("warning: ")
    md = Path(stdout.splitlines()[0]).read_text()
    assert f"{swept} of 9 packages are inside every participant's red lines" in md
    assert "Right away" not in md and "Changed since the sweep" in md
    with pytest.warns(UserWarning, match="changed since the sweep"):
        sim.load_results(out)


# -- processes and signals -------------------------------------------------------------


def parts(out: Path) -> int:
    runs = out / "runs"
    return len(list(runs.glob("part-*.parquet"))) if runs.is_dir() else 0


def start(files: Path, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "sim", "sweep", str(files / "exp.yaml"), "--out", str(out),
           "--workers", "2", "--chunk-size", "8", "-q", *extra]
    return subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_for_parts(proc: subprocess.Popen, out: Path, n: int = 3) -> list[psutil.Process]:
    """Wait until ``n`` parts are written; the sweep's worker processes then."""
    deadline = time.monotonic() + 60
    while parts(out) < n and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before the drill"
    kids = psutil.Process(proc.pid).children(recursive=True)
    assert len(kids) >= 2, kids
    return kids


def gone(procs: list[psutil.Process], within: float = 5.0) -> list[psutil.Process]:
    """The processes still alive (zombies count as gone) after ``within`` seconds."""
    deadline = time.monotonic() + within
    alive = list(procs)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        time.sleep(0.05)
    return alive


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def finish(files: Path, out: Path) -> None:
    """Complete the sweep (in this process) and compare it with the uninterrupted run."""
    summary = sweep(files / "exp.yaml", SweepOptions(out=out, workers=1, progress="quiet"))
    assert summary.already + summary.ran == TOTAL
    assert table(out).equals(reference(files))
    assert not list(out.rglob(".tmp-*")) and not list(out.rglob(".pending-*"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_sweep_within_5_s_keeping_its_chunks(sig, files, tmp_path):
    out = tmp_path / "out"
    proc = start(files, out)
    try:
        kids = wait_for_parts(proc, out)
        t0 = time.monotonic()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=5)
        assert time.monotonic() - t0 < 5
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + sig
    lines = err.strip().splitlines()
    name = signal.Signals(sig).name
    assert len(lines) == 1 and lines[0].startswith(f"{out}: interrupted by {name}; "), err
    assert lines[0].endswith(f"to resume, run: negsim sweep {files / 'exp.yaml'} --out {out}")
    assert gone(kids) == []
    saved = dataset.verify(out).runs
    assert 0 < saved < TOTAL and f"{saved:,} of {TOTAL} runs are saved" in lines[0]
    finish(files, out)


def test_a_killed_worker_is_replaced_and_its_chunk_run_again(files, tmp_path):
    out = tmp_path / "out"
    proc = start(files, out)
    try:
        kids = wait_for_parts(proc, out)
        os.kill(kids[0].pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and err.strip() == "", err
    assert table(out).equals(reference(files))
    assert gone(kids) == []


def test_kill_9_of_the_parent_leaves_no_worker_behind(files, tmp_path):
    out = tmp_path / "out"
    proc = start(files, out)
    try:
        kids = wait_for_parts(proc, out)
        proc.kill()
        proc.wait(timeout=5)
        assert gone(kids) == [], "workers outlived their parent"
    finally:
        if proc.poll() is None:
            proc.kill()
    finish(files, out)


def test_two_sweeps_started_together_on_a_fresh_directory(files, tmp_path):
    out = tmp_path / "fresh"
    procs = [start(files, out, "--chunk-size", "2") for _ in range(2)]
    try:
        while parts(out) < 1 and all(p.poll() is None for p in procs):
            time.sleep(0.02)
        kids = [k for p in procs if p.poll() is None
                for k in psutil.Process(p.pid).children(recursive=True)]
        results = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], results
    loser = results[[p.returncode for p in procs].index(2)][1].strip().splitlines()
    assert loser == [f"{out}: another negsim sweep is writing to this directory; "
                     "wait for it to end"]
    assert table(out).equals(reference(files))
    assert kids and gone(kids) == []


def test_the_lock_is_taken_atomically(files, tmp_path):
    """Eight openers at the same instant on a fresh directory: one opens it."""
    from sim.experiment.plan import load_plan
    from sim.experiment.storage import ResultsDir, StorageError

    plan = load_plan(files / "exp.yaml")
    out = tmp_path / "fresh"
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def open_it() -> None:
        barrier.wait()
        try:
            outcomes.append(ResultsDir.open(out, plan))
        except StorageError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=open_it) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    opened = [o for o in outcomes if isinstance(o, ResultsDir)]
    assert len(opened) == 1
    assert {o for o in outcomes if isinstance(o, str)} == {
        f"{out}: another negsim sweep is writing to this directory; wait for it to end"}
    opened[0].close()


def test_a_dask_worker_restart_resubmits_its_tasks(files, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    out = tmp_path / "dask"
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1", protocol="tcp",
                                  silence_logs=50) as cluster:
        killed: list[int] = []

        def kill_the_worker() -> None:
            deadline = time.monotonic() + 60
            while parts(out) < 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            workers = [p for p in me.children(recursive=True) if p.pid not in before
                       and "resource_tracker" not in " ".join(p.cmdline())]
            for p in workers:
                p.kill()
                killed.append(p.pid)

        killer = threading.Thread(target=kill_the_worker)
        killer.start()
        sweep(files / "exp.yaml", SweepOptions(out=out, scheduler=cluster.scheduler_address,
                                               chunk_size=8, progress="quiet"))
        killer.join()
    assert killed, "no worker was killed"
    assert table(out).equals(reference(files))
    left = [p for p in me.children(recursive=True) if p.pid not in before]
    assert gone([p for p in left if "resource_tracker" not in " ".join(p.cmdline())]) == []



def test_a_chunk_that_kills_its_worker_every_time_stops_the_sweep_with_exit_1(tmp_path,
                                                                             capsys):
    """A strategy that kills its own process: the chunk is run again once, then exit 1."""
    from sim.engine import strategies
    from sim.engine.strategies.base import Strategy, StrategyParams

    class Doomed(Strategy[StrategyParams]):
        """Kills the process it runs in. Source: a test of the sweep's pool."""

        name = "doomed_in_a_test"

        def aspiration(self, obs):
            return 1.0

        def _propose(self, obs):
            os.kill(os.getpid(), signal.SIGKILL)

        def _respond(self, obs, offer):
            return False

    text = (DATA / "tiny.yaml").read_text()
    (tmp_path / "tiny.yaml").write_text(text.replace("strategy: {kind: conceder}",
                                                     "strategy: {kind: doomed_in_a_test}"))
    exp = tmp_path / "exp.yaml"
    exp.write_text("name: doomed\nscenario: tiny.yaml\nreplicates: 4\nseed: 1\n")
    out = tmp_path / "out"
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    strategies.register(Doomed)
    try:
        code, err, _ = cli(["sweep", exp, "--out", out, "--workers", "2", "-q"], capsys)
    finally:
        strategies.STRATEGIES.unregister("doomed_in_a_test")
    assert code == 1
    assert err == [f"{out}: stopped: a worker process died (killed by SIGKILL) each of the 2 "
                   f"times it ran the same task (runs 0-3); 0 of 4 runs are saved; to resume, "
                   f"run: negsim sweep {exp} --out {out}"]
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    assert gone(left) == []


# -- files written whole; labels written literally -------------------------------------


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from sim.atomic import atomic_path

    target = tmp_path / "report.md"
    target.write_text("old")
    with pytest.raises(OSError), atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise OSError(28, "No space left on device")
    assert target.read_text() == "old" and sorted(tmp_path.iterdir()) == [target]


def test_run_trace_and_plot_are_renamed_into_place(files, tmp_path, capsys):
    trace, plot = tmp_path / "t.parquet", tmp_path / "d.png"
    code = main(["run", str(files / "tiny.yaml"), "--seed", "1", "--json",
                 "--trace", str(trace), "--plot", str(plot)])
    assert code == 0
    assert pq.read_table(trace).num_rows > 0 and plot.read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.png", "t.parquet"]
    blocked = tmp_path / "dir.png"
    blocked.mkdir()
    code, err, _ = cli(["run", files / "tiny.yaml", "--plot", blocked], capsys)
    assert code == 2 and err[0].startswith(f"{blocked}: cannot write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.png", "dir.png", "t.parquet"]


def test_markdown_shows_labels_literally_as_the_html_does(tmp_path):
    from markdown_it import MarkdownIt

    from sim.report.document import Doc

    label = "Russia *(Putin)* <b>x</b> [link](http://e.org) a|b _y_ &amp; 1. ~~no~~"
    doc = Doc(f"Report: {label}")
    doc.heading(label)
    doc.para(f"**Question.** Is {label} `code_x`?")
    doc.items([label])
    doc.table(["actor", "share"], [[label, "31.2%"]])
    rendered = MarkdownIt("commonmark").enable("table").render(doc.markdown(tmp_path))
    literal = ("Russia *(Putin)* &lt;b&gt;x&lt;/b&gt; [link](http://e.org) a|b _y_ &amp;amp; "
               "1. ~~no~~")
    assert rendered.count(literal) == 5, rendered
    assert "<em>" not in rendered and "<a href" not in rendered and "<b>" not in rendered
    assert "<strong>Question.</strong>" in rendered and "<code>code_x</code>" in rendered
    assert "<td>31.2%</td>" in rendered
    assert doc.html().count(literal) == 6  # the same five, and the <title>
