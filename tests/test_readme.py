"""The README's examples run as written, so they cannot rot.

Every line of a fenced ``sh`` block that starts with ``negsim`` is run (in a scratch copy
of ``scenarios/`` and ``experiments/``) and must exit 0; the JSON printed by ``--json``
carries exactly the keys the README documents. The ``python`` blocks run too: the Python
API example in the same scratch directory, the strategy template as a registered strategy
held to the contract.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

#: The documented JSON keys of each command (the public contract other tools read).
CONTRACT = {
    "analyze": {"n_outcomes", "n_feasible", "pareto_size", "feasible_pareto_size",
                "solutions", "red_lines", "minimal_relaxation", "elapsed_s",
                "n_feasible_unanimous", "solutions_unanimous", "acceptance",
                "bargaining_power", "bargaining_power_source", "strict", "ideal_point",
                "actors", "scales"},
    "run": {"agreement", "package", "round", "utilities", "ratified", "stillborn",
            "pareto_optimal", "nash_distance", "seed", "stage1_ceasefire", "ceasefire_only",
            "outcome", "durability"},
    "solve": {"package", "round", "proposer", "utilities", "scores", "values", "offers",
              "agreement_probability", "horizon", "converged", "residual", "notes"},
    "score": {"package", "utilities", "reservations", "margins", "red_lines_broken",
              "constraints_broken", "below_reservation", "feasible", "pareto_optimal",
              "dominated_by", "nearest_feasible"},
    "reachable": {"n_runs", "agreement_rate", "stillborn_rate", "reached",
                  "never_reached_feasible", "spe", "by_point", "agreement_rate_ci",
                  "stillborn_rate_ci", "robustness", "ceasefire_only_rate",
                  "outcome_shares", "ceasefire_only", "ranked_by_durable_value"},
}


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def commands() -> list[str]:
    out = []
    for block in blocks("sh"):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith("negsim "):
                out.append(line)
    return out


def test_the_readme_documents_every_contract_key():
    for keys in CONTRACT.values():
        for key in keys:
            assert f"`{key}`" in README, f"README does not document `{key}`"


def test_the_readme_has_commands_and_a_python_example():
    assert len(commands()) >= 7
    assert any("import sim" in b for b in blocks("python"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("readme")
    for sub in ("scenarios", "experiments"):
        shutil.copytree(ROOT / sub, where / sub)
    return where


def test_every_negsim_command_in_the_readme_runs(scratch):
    for line in commands():
        args = shlex.split(line)[1:]
        done = subprocess.run([sys.executable, "-m", "sim", *args], cwd=scratch,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{line}\n{done.stderr}"
        if "--json" in args:
            doc = json.loads(done.stdout)
            assert CONTRACT[args[0]] <= set(doc), line  # keys are added, never dropped
            if args[0] == "reachable":
                for entry in doc["reached"]:
                    assert {"package", "count", "share", "pareto_optimal", "durability",
                            "expected_durable_value"} <= set(entry)


def test_the_python_api_example_runs(scratch, monkeypatch, capsys):
    example = next(b for b in blocks("python") if "import sim" in b)
    monkeypatch.chdir(scratch)
    exec(compile(example, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "feasible packages" in printed
    assert (scratch / "results" / "demo" / "report.md").is_file()


def test_the_strategy_template_registers_and_meets_the_contract():
    from test_strategies import line_world, play

    from sim.engine import strategies
    from sim.engine.settings import StrategySpec

    template = next(b for b in blocks("python") if "@register" in b)
    name = re.search(r'name = "(\w+)"', template).group(1)
    exec(compile(template, "README.md", "exec"), {"__name__": "readme_template"})
    try:
        built = strategies.build(StrategySpec(kind=name), np.random.default_rng(0))
        play(built, line_world(), seed=3)
        assert built.guard_trips == 0
    finally:
        strategies.STRATEGIES.unregister(name)
