"""Sweeps play each point's runs as one batch (issue 15, item 3).

The dataset is bit-identical to the per-run sweep (``NEGSIM_BATCH=0``) in-process and with
two worker processes; runs the batch engine cannot play are played one by one and counted
in the sweep summary (and printed as a warning by ``negsim sweep``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.experiment.runner import SweepOptions, sweep
from sim.experiment.worker import BATCH_ENV

DATA = Path(__file__).parent / "data" / "sweep"


@pytest.fixture()
def exp_dir(tmp_path: Path) -> Path:
    shutil.copy(DATA / "tiny.yaml", tmp_path / "tiny.yaml")
    (tmp_path / "mixed.yaml").write_text(
        "name: mixed\nquestion: Which protocols batch?\nscenario: tiny.yaml\n"
        "parameters:\n  - path: protocol.kind\n"
        "    values: [alternating_offers, summit_ratification, random_proposer, single_text]\n"
        "  - path: protocol.deadline\n    values: [4, 9]\n"
        "design: {kind: grid}\nreplicates: 12\nseed: 11\n",
        encoding="utf-8",
    )
    return tmp_path


def _run(exp: Path, out: Path, **kw):
    summary = sweep(exp, SweepOptions(out=out, progress="quiet", **kw))
    return summary, pq.read_table(out / "runs").sort_by("run_id")


def test_batched_sweep_is_bit_identical_to_the_per_run_sweep(exp_dir, monkeypatch):
    exp = exp_dir / "mixed.yaml"
    batched, table = _run(exp, exp_dir / "b1", workers=1)
    _, table2 = _run(exp, exp_dir / "b2", workers=2, chunk_size=5)
    monkeypatch.setenv(BATCH_ENV, "0")
    reference, ref = _run(exp, exp_dir / "ref", workers=1)
    assert table.equals(ref)
    assert table2.equals(ref)
    assert reference.per_run == ()  # batching off: nothing to warn about
    assert batched.per_run == ()  # every protocol of the grid has a kernel


@pytest.fixture
def no_kernel():
    """A registered strategy with no kernel: a `TimeDependent` subclass (unregistered after).

    The sweep runs it in-process (``--workers 1``: the serial executor).
    """
    from sim.engine import strategies
    from sim.engine.strategies.time_dependent import TimeDependent

    class NoKernel(TimeDependent):
        name = "no_kernel_for_sweep_test"

    strategies.register(NoKernel)
    try:
        yield NoKernel.name
    finally:
        strategies.STRATEGIES.unregister(NoKernel.name)


def test_negsim_sweep_prints_the_fallback_warning(exp_dir, capsys, no_kernel):
    # c plays a strategy whose class declares no kernel
    tiny = (exp_dir / "tiny.yaml").read_text(encoding="utf-8")
    line = "    patience: {value: 0.9, source: {assumption: t}}\n"
    assert line in tiny
    (exp_dir / "explore.yaml").write_text(tiny.replace(
        line, line + f"    strategy: {{kind: {no_kernel}}}\n"),
        encoding="utf-8")
    (exp_dir / "exp.yaml").write_text(
        "name: exp\nquestion: Which runs batch?\nscenario: explore.yaml\n"
        "parameters:\n  - path: protocol.deadline\n    values: [4, 9]\n"
        "design: {kind: grid}\nreplicates: 12\nseed: 11\n", encoding="utf-8")
    code = main(["sweep", str(exp_dir / "exp.yaml"), "--out", str(exp_dir / "o"),
                 "--workers", "1"])
    assert code == 0
    out = capsys.readouterr().out
    assert f"warning: 24 runs played one by one (no batch kernel: strategy {no_kernel}" in out
