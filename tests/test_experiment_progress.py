"""Progress reporting: mode selection, sparse plain lines, silence in CI and when quiet."""

from __future__ import annotations

import io

import pytest

from sim.experiment.progress import Progress, choose_mode


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "quiet, env, tty, mode",
    [
        (True, {}, True, "quiet"),
        (True, {"CI": "true"}, False, "quiet"),
        (False, {"CI": "true"}, True, "ci"),
        (False, {"CI": "1"}, False, "ci"),
        (False, {}, True, "bar"),
        (False, {}, False, "lines"),
        (False, {"CI": "false"}, False, "lines"),
    ],
)
def test_choose_mode(quiet, env, tty, mode):
    stream = Tty() if tty else io.StringIO()
    assert choose_mode(quiet, stream, env) == mode


def test_plain_lines_at_most_every_interval():
    out, clock = io.StringIO(), Clock()
    p = Progress("exp", mode="lines", stream=out, interval=10.0, clock=clock)
    p.start(1000)
    for _ in range(100):  # 100 s of progress, 10 runs per second
        clock.t += 1.0
        p.advance(10)
    p.finish()
    lines = out.getvalue().splitlines()
    assert lines[0] == "exp: 1,000 runs"
    middle = lines[1:-1]
    assert 9 <= len(middle) <= 10  # one line per 10 s, not one per advance
    assert "runs/s" in middle[0] and "ETA" in middle[0]
    assert lines[-1].startswith("exp: 1,000/1,000 runs in 1:40")


def test_ci_prints_only_start_and_end():
    out, clock = io.StringIO(), Clock()
    p = Progress("exp", mode="ci", stream=out, clock=clock)
    p.start(50, done=20)
    for _ in range(30):
        clock.t += 5.0
        p.advance(1)
    p.finish()
    lines = out.getvalue().splitlines()
    assert lines == [
        "exp: 50 runs, 20 already done",
        "exp: 50/50 runs in 2:30 (0.2 runs/s)",
    ]


def test_quiet_prints_nothing():
    out = io.StringIO()
    p = Progress("exp", mode="quiet", stream=out)
    p.start(10)
    p.advance(10)
    p.finish()
    assert out.getvalue() == ""


def test_bar_reports_counts():
    out, clock = Tty(), Clock()
    p = Progress("exp", mode="bar", stream=out, clock=clock)
    p.start(4)
    clock.t = 2.0
    p.advance(4)
    p.finish()
    text = out.getvalue()
    assert "4/4" in text and "runs/s" in text
