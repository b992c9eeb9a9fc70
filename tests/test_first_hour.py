"""What a new user reads first: the run table, labels, the glossary, ``--help`` examples,
report progress, sweep options, the Dask timeout message and what ``make demo`` installs.
"""

from __future__ import annotations

import copy
import re
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import yaml

import sim
from sim import glossary
from sim.cli import app, main
from sim.errors import UserError
from sim.experiment import executors
from sim.experiment.runner import SweepOptions

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
MINI = Path(__file__).resolve().parent / "data" / "mini.yaml"


def negsim(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def rows(text: str) -> dict[int, list[list[str]]]:
    """The round table's rows: round -> its lines, each split into cells."""
    out: dict[int, list[list[str]]] = {}
    current = None
    for line in text.splitlines():
        if not line.startswith("│"):
            current = None if line.startswith(("└", "┡", "┏")) else current
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0].isdigit():
            current = int(cells[0])
            out[current] = []
        if current is not None:
            out[current].append(cells)
    return out


def cell(lines: list[list[str]], column: int) -> str:
    """One cell of a row, its wrapped lines joined again."""
    return " ".join(c[column] for c in lines if c[column])


# ------------------------------------------------------------------ the round table
@pytest.mark.parametrize("file, seed", [("zelenskyy_at_table.yaml", 1),
                                        ("alaska_summit.yaml", 1)])
def test_the_round_table_shows_who_accepted_and_what_happened(capsys, file, seed):
    scenario = sim.load(SCENARIOS / file)
    result = sim.simulate(scenario, seed=seed)
    code, text, _ = negsim(capsys, "run", SCENARIOS / file, "--seed", seed)
    assert code == 0
    table = rows(text.split("Outcome:")[0])
    label = {a: act.label or a for a, act in scenario.actors.items()}
    trace = result.trace
    assert sorted(table) == sorted(int(r) for r in trace["round"])
    some_acceptance = False
    for rec in trace.to_dict("records"):
        lines = table[int(rec["round"])]
        note = cell(lines, len(lines[0]) - 1)
        accepted = [label[a] for a in scenario.actors if rec[f"response_{a}"] is not None
                    and str(rec[f"response_{a}"]) == "True"]
        some_acceptance |= bool(accepted)
        assert note.startswith(", ".join(accepted) or "-"), (rec["round"], note)
        if rec["event"]:
            assert f"[{rec['event']}]" in note  # not swallowed as rich markup
        assert cell(lines, 1) == label[rec["proposer"]]  # the proposer by label
    assert some_acceptance
    final = cell(table[result.rounds - 1], len(table[result.rounds - 1][0]) - 1)
    assert ("[agreement]" if result.agreement else "[stillborn]") in final


def test_proposals_are_written_in_labels(capsys):
    scenario = sim.load(SCENARIOS / "zelenskyy_at_table.yaml")
    _, text, _ = negsim(capsys, "run", SCENARIOS / "zelenskyy_at_table.yaml", "--seed", "1")
    first = cell(rows(text)[0], 2)
    for issue in scenario.issues.values():
        assert issue.label in first  # the first proposal in full, issue by issue
    assert "donbas=" not in text and "=frozen" not in text


def bracketed(tmp_path: Path) -> Path:
    """The mini scenario with labels that rich would read as markup."""
    data = copy.deepcopy(yaml.safe_load(MINI.read_text()))
    data["name"] = "mini [draft]"
    data["actors"]["a"]["label"] = "Side [A]"
    data["issues"]["land"]["label"] = "Land [core]"
    data["issues"]["land"]["options"]["frozen"] = "Frozen [at the line]"
    data["protocol"] = {"kind": "alternating_offers", "deadline": 12}
    path = tmp_path / "bracketed.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_labels_with_brackets_are_printed_literally(tmp_path, capsys):
    path = bracketed(tmp_path)
    code, run_text, _ = negsim(capsys, "run", path, "--seed", "2")
    assert code == 0
    code, analyze_text, _ = negsim(capsys, "analyze", path)
    assert code == 0
    code, solve_text, _ = negsim(capsys, "solve", path)
    assert code == 0
    for text in (run_text, analyze_text, solve_text):
        assert "mini [draft]" in text and "Side [A]" in text and "Land [core]" in text
    assert "Frozen [at the line]" in analyze_text


# ---------------------------------------------------------------------- glossary
def test_the_glossary_is_under_analyze_and_run(capsys):
    _, text, _ = negsim(capsys, "analyze", SCENARIOS / "alaska_summit.yaml")
    terms = text.split("Terms:")[1]
    for term in ("Pareto-optimal", "Nash", "Kalai-Smorodinsky (KS)", "reservation value",
                 "blocks alone", "feasible"):
        assert f"{term}:" in terms
    _, text, _ = negsim(capsys, "run", SCENARIOS / "alaska_summit.yaml", "--seed", "1")
    terms = text.split("Terms:")[1]
    assert "stillborn:" in terms and "reservation value:" in terms
    assert "a deal the negotiators struck that the ratifiers then rejected" in " ".join(
        terms.split())


def test_every_glossary_term_has_one_line():
    assert {"Pareto-optimal", "Nash", "Kalai-Smorodinsky (KS)", "reservation value",
            "stillborn", "SPE", "blocks alone"} <= set(glossary.TERMS)
    for line in glossary.lines():
        assert "\n" not in line and len(line) < 160
    with pytest.raises(KeyError):
        glossary.lines("synergy")


# ------------------------------------------------------------------ --help examples
def commands() -> list[str]:
    return [c.name for c in app.registered_commands]


@pytest.mark.parametrize("name", commands())
def test_every_command_has_an_example_that_parses(capsys, name):
    import typer.main

    assert main([name, "--help"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"Examples?:", text), name
    examples = re.findall(rf"^ +(negsim {name}\b.*?)\s*$", text, flags=re.M)
    assert examples, f"no indented example in 'negsim {name} --help'"
    group = typer.main.get_command(app)
    for line in examples:
        args = shlex.split(line.split(" > ")[0])[1:]  # drop a shell redirection
        command = group.commands[args[0]]  # type: ignore[attr-defined]
        command.make_context(name, args[1:])  # unknown options or arguments raise


# ----------------------------------------------------------------- report progress
def test_report_announces_its_steps_in_order(tmp_path, monkeypatch):
    from test_report_data import write_results

    from sim.report import render
    from sim.report.render import STEPS

    replayed = []  # the replay itself is tested in test_report.py; here only its step
    monkeypatch.setattr(render, "replay_section", lambda *args: replayed.append(args))
    out = write_results(tmp_path / "res")
    seen: list[tuple[int, str]] = []
    md = sim.report(out, progress=lambda k, step: seen.append((k, step)))
    assert seen == list(enumerate(STEPS, 1)) and len(replayed) == 1
    assert md == out / "report.md" and (out / "report.html").is_file()


def test_report_says_nothing_before_it_rejects_bad_input(tmp_path, capsys):
    from test_report_data import write_results

    out = write_results(tmp_path / "res")
    code, _, err = negsim(capsys, "report", out, "--x", "protocol.sequencing",
                          "--y", "param.protocol.sequencing")
    assert code == 2 and err.strip().splitlines() == [
        "--x and --y name the same parameter 'protocol.sequencing'"]


def test_report_names_packages_by_their_terms_and_explains_them(tmp_path):
    from test_report_data import write_results

    seen: list[int] = []
    md = sim.report(write_results(tmp_path / "res"), replay=False,
                    progress=lambda k, step: seen.append(k)).read_text()
    assert seen == [1, 2, 3, 5, 6]  # no replay step
    packages = md.split("## Reachable packages")[1].split("\n## ")[0]
    assert not re.search(r"\bP\d+\b", packages)
    assert re.search(r"\| #1 \| [A-Z][^|]*: [^|]+ \|", packages)  # "Issue: Option"
    assert "## Terms used" in md
    for line in glossary.lines():
        assert f"- {line}" in md


# ------------------------------------------------------------------- sweep options
def test_progress_none_is_quiet_and_unknown_modes_are_one_line_errors(tmp_path, capsys):
    assert SweepOptions(progress="none").progress == "quiet"
    with pytest.raises(UserError) as exc:
        SweepOptions(progress="silent")
    assert exc.value.lines == [
        "progress: unknown mode 'silent'; allowed: quiet, bar, lines, ci, 'none' (the same "
        "as 'quiet'), or None to choose from the terminal"]
    exp = tmp_path / "tiny.yaml"
    exp.write_text(f"name: tiny\nscenario: {bracketed(tmp_path)}\n"
                   "parameters:\n  - path: actors.a.patience\n    values: [0.9]\n"
                   "design: {kind: grid}\nreplicates: 2\nseed: 1\n")
    summary = sim.sweep(exp, tmp_path / "res", workers=1, progress="none")
    assert summary.ran == 2
    assert capsys.readouterr().err == ""


def test_the_dask_timeout_message_states_the_time_it_took(monkeypatch):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1.0)
    start = time.monotonic()
    with pytest.raises(executors.SweepError) as exc:
        executors.Dask("tcp://127.0.0.1:9", job=None)  # type: ignore[arg-type]
    took = time.monotonic() - start
    (line,) = exc.value.lines
    waited = float(re.search(r"gave up after ([\d.]+) s", line).group(1))
    # the measured attempt, not the setting: dask may give up a little before its timeout
    # (its retries back off), and never after the call returned
    assert 0.3 <= waited <= took + 0.05
    assert "the connect timeout is 1 s" in line
    assert not re.search(r"after 1 s\b", line)  # dask's own figure is not the time taken


# ---------------------------------------------------------------------- make demo
def make_n(target: str, venv: Path) -> str:
    done = subprocess.run(["make", "-n", target, f"VENV={venv}"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def test_make_demo_installs_the_project_without_the_dev_tools(tmp_path):
    demo = make_n("demo", tmp_path / "venv")
    installs = [line for line in demo.splitlines() if "pip install" in line]
    assert installs and all("[dev]" not in line for line in installs)
    assert any(re.search(r"install --quiet -e \. ", line + " ") for line in installs)
    assert "pip install --quiet -e \".[dev]\"" in make_n("test", tmp_path / "venv")


# ------------------------------------------------------------------ package names
def test_packages_are_named_by_the_fewest_terms_that_tell_them_apart():
    import pandas as pd

    from sim.report.labels import Labels
    from sim.report.tables import package_names

    labels = Labels(issues={"a": "Issue A", "b": "Issue B", "c": "Issue C"},
                    options={"a": {"x": "Ex", "y": "Why"}})
    frame = pd.DataFrame({"pkg.a": ["x", "y", "x"], "pkg.b": ["p", "p", "q"],
                          "pkg.c": ["m", "m", "m"]})
    assert package_names(frame, ("a", "b", "c"), labels) == [
        "Issue A: Ex; Issue B: p", "Issue A: Why", "Issue B: q"]
    assert package_names(frame.head(1), ("a", "b", "c"), labels) == [
        "the only package agreed"]


def test_package_names_are_unique_and_each_identifies_its_package():
    import numpy as np
    import pandas as pd

    from sim.report.labels import Labels
    from sim.report.tables import package_names

    rng = np.random.default_rng(7)
    issues = tuple("abcdef")
    for _ in range(20):
        terms = rng.integers(0, 3, size=(10, len(issues)))
        terms = np.unique(terms, axis=0)  # distinct packages, as the report has
        frame = pd.DataFrame({f"pkg.{i}": [f"o{v}" for v in terms[:, k]]
                              for k, i in enumerate(issues)})
        names = package_names(frame, issues, Labels())
        assert len(set(names)) == len(names)
        for r, name in enumerate(names):
            chosen = dict(part.split(": ") for part in name.split("; "))
            holders = np.ones(len(frame), dtype=bool)
            for issue, option in chosen.items():
                holders &= (frame[f"pkg.{issue}"] == option).to_numpy()
            assert holders.nonzero()[0].tolist() == [r], name
