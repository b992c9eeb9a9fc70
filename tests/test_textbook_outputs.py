"""New JSON outputs (solve values and offers, run --per-round) and the mediated single text
with random mutations and hill-climbing or annealing voters (Klein et al. 2003).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sim
from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
MINI = (ROOT / "tests" / "data" / "mini.yaml").read_text()
RUBINSTEIN = ROOT / "scenarios" / "validation" / "rubinstein_two_players.yaml"


def _json(args, capsys) -> dict:
    assert main(args) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_solve_json_adds_values_offers_and_notes(capsys):
    out = _json(["solve", str(RUBINSTEIN), "--json"], capsys)
    assert list(out)[:4] == ["package", "round", "proposer", "utilities"]
    d1, d2 = 0.9, 0.8
    assert out["values"]["p1"] == pytest.approx((1 - d2) / (1 - d1 * d2), abs=0.01)
    assert out["values"]["p1"] == pytest.approx(out["utilities"]["p1"])  # a deal in round 0
    assert out["offers"]["p1"][0]["package"] == out["package"]  # p1 proposes in round 0
    second = out["offers"]["p2"][0]  # what p2 would offer in round 1
    assert second["probability"] == 1.0 and second["utilities"]["p2"] > out["utilities"]["p2"]
    assert out["horizon"] == "finite" and isinstance(out["notes"], list)


def test_run_per_round_records_match_the_trace(tmp_path, capsys):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI + "protocol: {kind: alternating_offers, deadline: 12}\n")
    plain = _json(["run", str(path), "--seed", "3", "--json"], capsys)
    out = _json(["run", str(path), "--seed", "3", "--json", "--per-round"], capsys)
    assert {k: v for k, v in out.items() if k != "rounds"} == plain  # old keys unchanged
    result = sim.simulate(path, seed=3)
    trace = result.trace
    assert len(out["rounds"]) == len(trace) == result.rounds
    for rec, (_, row) in zip(out["rounds"], trace.iterrows(), strict=True):
        assert rec["round"] == row["round"] and rec["proposer"] == row["proposer"]
        words = None if rec["package"] is None else "; ".join(
            f"{i}={o}" for i, o in rec["package"].items())
        assert words == row["package"]
        for a in result.utilities:
            assert rec["reservations"][a] == pytest.approx(row[f"reservation_{a}"], abs=1e-6)
    assert main(["run", str(path), "--rounds", "3", "--json"]) == 0  # --rounds: the deadline
    assert json.loads(capsys.readouterr().out)["round"] in (None, 0, 1, 2)


def _klein(tmp_path: Path, voter: str, params: str = "", seed_deadline: int = 40) -> Path:
    issues = "".join(f"  i{k}:\n    options: {{lo: Lo, mid: Mid, hi: Hi}}\n" for k in range(4))
    actors = ""
    tables = {"a": [(1, .5, 0), (0, .5, 1), (1, 0, .5), (.2, 1, 0)],
              "b": [(0, .5, 1), (1, .5, 0), (.5, 1, 0), (1, 0, .3)],
              "c": [(.5, 1, 0), (0, 1, .5), (1, .5, 0), (0, .4, 1)]}
    for a, rows in tables.items():
        actors += f"  {a}:\n    strategy: {{kind: {voter}{params}}}\n    weights: {{"
        actors += ", ".join(f"i{k}: {{value: 1, source: {{assumption: t}}}}" for k in range(4))
        actors += "}\n    values:\n"
        for k, (lo, mid, hi) in enumerate(rows):
            actors += (f"      i{k}: {{value: {{lo: {lo}, mid: {mid}, hi: {hi}}}, "
                       "source: {assumption: t}}\n")
        actors += "    reservation: {value: 0.2, source: {assumption: t}}\n"
        actors += "    patience: {value: 1, source: {assumption: t}}\n"
    body = (f"name: klein\nissues:\n{issues}actors:\n{actors}protocol:\n  kind: single_text\n"
            f"  deadline: {seed_deadline}\n  walk_away: false\n"
            "  params: {mediator: neutral, strategy: {kind: random_mutation}}\n")
    path = tmp_path / f"klein_{voter}.yaml"
    path.write_text(body)
    return path


def _records(path: Path, seed: int, capsys) -> tuple[dict, list[dict]]:
    out = _json(["run", str(path), "--seed", str(seed), "--json", "--per-round"], capsys)
    return out, out["rounds"]


def _adopted(rounds: list[dict]) -> list[dict]:
    """The references: the first text, then each mutation every voter voted for."""
    refs = [rounds[0]]
    for t in range(1, len(rounds) - 1):
        rec = rounds[t]
        changed = [i for i in rec["package"] if rec["package"][i] != rounds[t - 1]["package"][i]]
        voted = not any(rec["objections"].values())
        if len(changed) == 1 and rounds[t - 1]["package"] == refs[-1]["package"] and voted:
            refs.append(rec)
    return refs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hill_climbers_only_move_uphill_and_sign_in_the_last_round(tmp_path, seed, capsys):
    out, rounds = _records(_klein(tmp_path, "hill_climber"), seed, capsys)
    texts = [r["package"] for r in rounds]
    for t in range(1, len(texts)):  # a mutation of the text before it, or a restatement
        changed = sum(texts[t][i] != texts[t - 1][i] for i in texts[t])
        assert changed == 1 or texts[t] in texts[:t]
    assert not any(r["accepted"] for r in rounds[:-1])  # nobody signs before the last round
    refs = _adopted(rounds)
    for before, after in zip(refs, refs[1:], strict=False):
        assert all(after["utilities"][a] >= before["utilities"][a] - 1e-12 for a in "abc")
    if out["agreement"]:
        assert out["round"] == len(rounds) - 1 and out["package"] == refs[-1]["package"]


def test_annealers_sometimes_accept_a_worse_text_and_runs_repeat(tmp_path, capsys):
    path = _klein(tmp_path, "annealer", ", params: {temperature: 1.0}")
    worse = 0
    for seed in range(1, 6):
        out, rounds = _records(path, seed, capsys)
        refs = _adopted(rounds)
        worse += sum(any(after["utilities"][a] < before["utilities"][a] - 1e-12 for a in "abc")
                     for before, after in zip(refs, refs[1:], strict=False))
        again, _ = _records(path, seed, capsys)
        assert again == out
    assert worse > 0
