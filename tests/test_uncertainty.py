"""Issue 13: levers x uncertainties, common random numbers, SALib designs, claims."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.design import Axis, build_design, run_seed
from sim.experiment.plan import load_plan
from sim.experiment.runner import SweepOptions, sweep
from sim.experiment.schema import Experiment, Parameter

DATA = Path(__file__).parent / "data" / "sweep"


@pytest.fixture(scope="module")
def levers(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("levers")
    for name in ("tiny.yaml", "levers.yaml"):
        shutil.copy(DATA / name, tmp / name)
    out = tmp / "out"
    sweep(tmp / "levers.yaml", SweepOptions(out=out, workers=1, progress="quiet"))
    return out


def test_levers_cross_the_uncertainty_sample(levers):
    plan = load_plan(levers.parent / "levers.yaml")
    assert plan.design.n_policies == 4 and plan.design.n_samples == 6
    assert plan.n_points == 24 and plan.n_runs == 96
    points = pd.read_parquet(levers / "points.parquet")
    assert sorted(points["policy_id"].unique()) == [0, 1, 2, 3]
    # every policy sees the same uncertainty sample, point by point
    by = points.set_index(["policy_id", "sample_id"])
    for col in ("param.actors.b.patience", "param.dynamics.events[0].round"):
        table = by[col].unstack("policy_id")
        assert (table.nunique(axis=1) == 1).all()
        assert table[0].nunique() == 6
    # the levers take every combination once per sample
    combos = points.groupby("sample_id")[["param.protocol.kind",
                                          "param.actors.b.reservation"]].nunique()
    assert (combos == 2).all().all()
    assert points.groupby("sample_id").size().eq(4).all()


def test_crn_pairs_replicates_across_points(levers):
    runs = pd.read_parquet(levers / "runs")
    assert {"policy_id", "sample_id"} <= set(runs.columns)
    seeds = runs.groupby("replicate")["seed"].nunique()
    assert (seeds == 1).all()  # replicate r: one seed at every point
    assert runs.groupby("point_id")["seed"].nunique().eq(4).all()
    manifest = json.loads((levers / "manifest.json").read_text())
    assert manifest["crn"] is True
    assert run_seed(11, 3, 2, crn=True) == run_seed(11, 17, 2, crn=True)
    assert run_seed(11, 3, 2, crn=False) != run_seed(11, 17, 2, crn=False)
    assert run_seed(11, 3, 2, crn=True) != run_seed(11, 3, 1, crn=True)


def test_crn_off_gives_independent_streams(tmp_path):
    for name in ("tiny.yaml", "levers.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    text = (tmp_path / "levers.yaml").read_text().replace("seed: 11", "seed: 11\ncrn: false")
    (tmp_path / "levers.yaml").write_text(text)
    plan = load_plan(tmp_path / "levers.yaml")
    assert plan.experiment.crn is False
    sweep(tmp_path / "levers.yaml", SweepOptions(out=tmp_path / "o", workers=1,
                                                  progress="quiet"))
    runs = pd.read_parquet(tmp_path / "o" / "runs")
    assert runs["seed"].nunique() == len(runs)
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["crn"] is False


def test_integer_uncertainty_stays_integer(levers):
    points = pd.read_parquet(levers / "points.parquet")
    rounds = points["param.dynamics.events[0].round"]
    assert (rounds == rounds.round()).all() and rounds.between(1, 8).all()


def test_reachable_reports_the_claim_with_intervals(levers, capsys):
    assert main(["reachable", str(levers), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rob = doc["robustness"]
    assert rob["n_samples"] == 6 and rob["n_replicates"] == 4 and rob["crn"] is True
    runs = pd.read_parquet(levers / "runs")
    kind = runs["param.protocol.kind"]
    rate_a = runs.loc[kind == "random_proposer", "agreement"].mean()
    rate_b = runs.loc[kind == "alternating_offers", "agreement"].mean()
    assert rob["rate_a"] == pytest.approx(rate_a) and rob["rate_b"] == pytest.approx(rate_b)
    assert rob["difference"] == pytest.approx(rate_a - rate_b)
    lo, hi = rob["difference_ci"]
    assert lo <= rob["difference"] <= hi
    per = runs.assign(a=kind == "random_proposer").groupby(["sample_id", "a"])[
        "agreement"].mean().unstack("a")
    holds = (per[True] > per[False]).mean()
    assert rob["holds_share"] == pytest.approx(holds)
    assert rob["holds_share_ci"][0] <= holds <= rob["holds_share_ci"][1]
    assert set(rob["rational"]) == {"a", "b"}


def test_validate_accepts_experiment_files(tmp_path, capsys):
    for name in ("tiny.yaml", "levers.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    assert main(["validate", str(tmp_path / "levers.yaml"), str(tmp_path / "tiny.yaml")]) == 0
    assert capsys.readouterr().out.strip() == "ok"
    bad = (tmp_path / "levers.yaml").read_text().replace("path: actors.b.patience",
                                                         "path: actors.b.patiense")
    (tmp_path / "bad.yaml").write_text(bad)
    assert main(["validate", str(tmp_path / "bad.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "bad.yaml: uncertainties[0].path: unknown path 'actors.b.patiense'" in err[0]


def test_claim_must_name_levers(tmp_path, capsys):
    for name in ("tiny.yaml", "levers.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    bad = (tmp_path / "levers.yaml").read_text().replace(
        "a: {protocol.kind: random_proposer}", "a: {actors.b.patience: 0.9}")
    (tmp_path / "bad.yaml").write_text(bad)
    assert main(["validate", str(tmp_path / "bad.yaml")]) == 2
    err = capsys.readouterr().err
    assert "claim" in err and "is not a lever" in err


def _experiment(kind: str, samples: int, params: list[Parameter], **design) -> Experiment:
    return Experiment(name="t", scenario="x.yaml", seed=5, parameters=params,
                      design={"kind": kind, "samples": samples, **design})


MIXED = [
    Parameter(path="a", range={"low": 0.0, "high": 1.0}),
    Parameter(path="n", range={"low": 0, "high": 40, "integer": True}),
    Parameter(path="c", values=["x", "y", "z"]),
]


@pytest.mark.parametrize("kind,samples", [("lhs", 50), ("sobol", 64), ("saltelli", 16),
                                          ("morris", 10)])
def test_integer_and_categorical_kept_in_every_design(kind, samples):
    axes = [Axis.from_parameter(p) for p in MIXED]
    design = build_design(_experiment(kind, samples, MIXED), axes)
    cols = design.columns(np.arange(design.n_points))
    assert all(isinstance(v, float) for v in cols[0])
    assert all(isinstance(v, int) and 0 <= v <= 40 for v in cols[1])
    assert set(cols[2]) <= {"x", "y", "z"} and len(set(cols[2])) > 1
    assert len(set(cols[1])) > 3


def test_saltelli_and_morris_sizes_follow_salib():
    axes = [Axis.from_parameter(p) for p in MIXED]
    assert build_design(_experiment("saltelli", 16, MIXED), axes).n_points == 16 * 8
    second = _experiment("saltelli", 16, MIXED, calc_second_order=False)
    assert build_design(second, axes).n_points == 16 * 5
    assert build_design(_experiment("morris", 10, MIXED), axes).n_points == 10 * 4


def test_wilson_matches_published_values():
    from sim.experiment.intervals import wilson

    # Newcombe (1998), "Two-sided confidence intervals for the single proportion", table I
    lo, hi = wilson(81, 263)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.2553, 0.3662)
    lo, hi = wilson(0, 20)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.0, 0.1611)


def test_newcombe_matches_the_published_example():
    from sim.experiment.robustness import newcombe

    # Newcombe (1998), Statistics in Medicine 17, 873-890, table II example (a), method 10
    lo, hi = newcombe(56, 70, 48, 80)
    assert (round(lo, 4), round(hi, 4)) == (0.0524, 0.3339)
