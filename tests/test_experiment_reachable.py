"""``negsim reachable``: the JSON contract, and every figure recomputed from the Parquet data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.runner import SweepOptions, sweep

DATA = Path(__file__).parent / "data" / "sweep"
TOP = {"n_runs", "agreement_rate", "stillborn_rate", "reached", "never_reached_feasible",
       "spe", "by_point", "agreement_rate_ci", "stillborn_rate_ci", "robustness"}
POINT = {"point_id", "params", "n_runs", "agreement_rate", "stillborn_rate", "reached",
         "never_reached_feasible", "spe", "agreement_rate_ci", "stillborn_rate_ci"}
REACHED = {"package", "count", "share", "share_ci", "pareto_optimal", "nash_distance"}
# issue 12: keys added for ceasefire-only outcomes and durability (never renamed or dropped)
DURABLE = {"ceasefire_only_rate", "outcome_shares", "ceasefire_only", "ranked_by_durable_value"}
TOP |= DURABLE
POINT |= DURABLE
REACHED |= {"durability", "expected_durable_value"}
ISSUES = {"ceasefire": ["immediate", "in_package", "none"],
          "land": ["returned", "frozen", "ceded"]}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("reach")
    for name in ("tiny.yaml", "grid.yaml"):
        shutil.copy(DATA / name, tmp / name)
    out = tmp / "out"
    sweep(tmp / "grid.yaml", SweepOptions(out=out, workers=1, progress="quiet"))
    return out, None


def cli_json(out: Path, capsys) -> dict:
    assert main(["reachable", str(out), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def decode(row: int) -> dict:
    c, land = np.unravel_index(row, (3, 3))
    return {"ceasefire": ISSUES["ceasefire"][c], "land": ISSUES["land"][land]}


def test_keys_are_the_contract(results, capsys):
    doc = cli_json(results[0], capsys)
    assert set(doc) == TOP
    assert len(doc["by_point"]) == 6
    for p in doc["by_point"]:
        assert set(p) == POINT
        for e in p["reached"]:
            assert set(e) == REACHED
    for e in doc["reached"]:
        assert set(e) == REACHED
    for s in doc["spe"]:
        assert set(s) == {"package", "n_points"}


def test_figures_match_the_parquet_data(results, capsys):
    out = results[0]
    doc = cli_json(out, capsys)
    runs = pd.read_parquet(out / "runs")
    points = pd.read_parquet(out / "points.parquet").set_index("point_id")
    assert doc["n_runs"] == len(runs) == 30
    assert doc["agreement_rate"] == pytest.approx(runs["agreement"].mean())
    assert doc["stillborn_rate"] == pytest.approx(runs["stillborn"].mean())

    agreed = runs[runs["agreement"]]
    counts = agreed.groupby(["pkg.ceasefire", "pkg.land"]).size()
    got = {(e["package"]["ceasefire"], e["package"]["land"]): e["count"] for e in doc["reached"]}
    assert got == counts.to_dict()
    assert sum(e["share"] for e in doc["reached"]) == pytest.approx(1.0 if len(agreed) else 0.0)
    assert [e["count"] for e in doc["reached"]] == sorted(got.values(), reverse=True)

    feasible_union = set()
    for p in doc["by_point"]:
        pid = p["point_id"]
        mine = runs[runs["point_id"] == pid]
        assert p["n_runs"] == len(mine) == 5
        assert p["agreement_rate"] == pytest.approx(mine["agreement"].mean())
        assert p["params"] == {"protocol.kind": points.loc[pid, "param.protocol.kind"],
                               "actors.b.patience": points.loc[pid, "param.actors.b.patience"]}
        ok = mine[mine["agreement"]]
        for e in p["reached"]:
            sel = ok[(ok["pkg.ceasefire"] == e["package"]["ceasefire"])
                     & (ok["pkg.land"] == e["package"]["land"])]
            assert e["count"] == len(sel)
            assert e["share"] == pytest.approx(len(sel) / len(ok))
            assert e["pareto_optimal"] == bool(sel["pareto_optimal"].all())
            if sel["nash_distance"].notna().any():
                assert e["nash_distance"] == pytest.approx(sel["nash_distance"].mean(), abs=1e-6)
        reached = {(e["package"]["ceasefire"], e["package"]["land"]) for e in p["reached"]}
        feasible = [decode(r) for r in points.loc[pid, "feasible_rows"]]
        feasible_union.update((f["ceasefire"], f["land"]) for f in feasible)
        never = [f for f in feasible if (f["ceasefire"], f["land"]) not in reached]
        assert p["never_reached_feasible"] == never
        spe = points.loc[pid, ["spe.ceasefire", "spe.land"]].tolist()
        if pd.isna(spe[0]):
            assert p["spe"] is None
        else:
            assert p["spe"] == {"ceasefire": spe[0], "land": spe[1]}
    never_all = {(f["ceasefire"], f["land"]) for f in doc["never_reached_feasible"]}
    assert never_all == feasible_union - set(got)


def test_readable_form_prints_tables(results, capsys):
    assert main(["reachable", str(results[0])]) == 0
    text = capsys.readouterr().out
    assert "By design point" in text
    assert "30 runs" in text


def _wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    return centre - half, centre + half


def test_intervals_are_wilson_of_the_counts(results, capsys):
    out = results[0]
    doc = cli_json(out, capsys)
    runs = pd.read_parquet(out / "runs")
    k, n = int(runs["agreement"].sum()), len(runs)
    assert doc["agreement_rate_ci"] == pytest.approx(_wilson_by_hand(k, n), abs=1e-6)
    k = int(runs["stillborn"].sum())
    assert doc["stillborn_rate_ci"] == pytest.approx(_wilson_by_hand(k, n), abs=1e-6)
    for p in doc["by_point"]:
        here = runs[runs["point_id"] == p["point_id"]]
        k = int(here["agreement"].sum())
        assert p["agreement_rate_ci"] == pytest.approx(_wilson_by_hand(k, len(here)), abs=1e-6)
        assert p["agreement_rate_ci"][0] <= p["agreement_rate"] <= p["agreement_rate_ci"][1]
    agreed = int(runs["agreement"].sum())
    for e in doc["reached"]:
        assert e["share_ci"] == pytest.approx(_wilson_by_hand(e["count"], agreed), abs=1e-6)
    assert doc["robustness"] is None
