"""Issue 13 in the report: Sobol' and Morris indices with intervals, PRIM, robustness."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment.runner import SweepOptions, sweep
from sim.report import prim as prim_mod
from sim.report.claims import robustness_summary
from sim.report.data import Target, load_results
from sim.report.facts import compute_facts
from sim.report.render import build_report, summarize

DATA = Path(__file__).parent / "data" / "sweep"


def _run(tmp: Path, name: str, edit: tuple[str, str] | None = None) -> Path:
    for f in ("tiny.yaml", name):
        shutil.copy(DATA / f, tmp / f)
    if edit is not None:
        text = (tmp / name).read_text().replace(*edit)
        (tmp / name).write_text(text)
    out = tmp / "out"
    sweep(tmp / name, SweepOptions(out=out, workers=1, progress="quiet"))
    return out


@pytest.fixture(scope="module")
def saltelli(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("saltelli"), "saltelli.yaml")


@pytest.fixture(scope="module")
def levers(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("lev"), "levers.yaml",
                ("samples: 6", "samples: 24"))


def test_saltelli_experiment_yields_sobol_indices_with_intervals(saltelli):
    results = load_results(saltelli)
    facts = compute_facts(results, Target("agreement"))
    s = facts.sensitivity
    assert s.method == "sobol" and s.index == "ST"
    assert {"S1", "ST_conf", "S1_conf"} <= set(s.extra)
    conf = s.extra["ST_conf"]["agreement"]
    assert conf.notna().all() and (conf >= 0).all()
    assert conf["param.actors.b.reservation"] > 0  # b's reservation moves the outcome
    assert s.table.loc["param.actors.b.reservation", "agreement"] > 0.1
    md = build_report(saltelli, replay=False).read_text()
    assert "Sobol' indices (SALib sobol.analyze" in md
    assert " ± " in md.split("Sensitivity")[1]


def test_morris_experiment_yields_mu_star(tmp_path):
    out = _run(tmp_path, "saltelli.yaml", ("design: {kind: saltelli, samples: 8}",
                                           "design: {kind: morris, samples: 6}"))
    facts = compute_facts(load_results(out), Target("agreement"))
    assert facts.sensitivity.method == "morris"
    assert {"sigma", "mu_star_conf"} <= set(facts.sensitivity.extra)
    assert facts.sensitivity.table["agreement"].notna().any()


def test_levers_sensitivity_is_over_the_uncertainty_samples(levers):
    facts = compute_facts(load_results(levers), Target("agreement"))
    s = facts.sensitivity
    assert set(s.table.index) == {"param.actors.b.patience", "param.dynamics.events[0].round"}
    assert "24 samples of the uncertainties" in s.scope


def test_prim_box_names_its_method(levers):
    if not prim_mod.available():
        pytest.skip("the discovery extra (ema_workbench) is not installed")
    facts = compute_facts(load_results(levers), Target("agreement"))
    found = facts.prim
    assert found is not None and found.method.startswith("PRIM (EMA Workbench ")
    assert 0 < found.coverage <= 1 and found.density >= found.base_rate
    assert found.lift == pytest.approx(found.density / found.base_rate)
    assert len(found.trajectory) >= 1 and set(found.qp) == {c.param for c in found.conditions}
    md = build_report(levers, replay=False).read_text()
    assert "**Method: PRIM (EMA Workbench" in md
    assert "**Method: decision tree (CART, scikit-learn).**" in md
    s = summarize(levers)
    assert s["prim"]["method"].startswith("PRIM") and s["top_rule"]["method"].startswith(
        "decision tree")


def test_prim_finds_a_planted_box():
    if not prim_mod.available():
        pytest.skip("the discovery extra (ema_workbench) is not installed")
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.random(3000), "b": rng.random(3000),
                      "c": rng.choice(["u", "v", "w"], 3000)})
    y = ((x["a"] > 0.7) & (x["c"] != "u")).to_numpy()
    found = prim_mod.prim(x, y)
    assert found is not None
    params = {c.param for c in found.conditions}
    assert "a" in params and "b" not in params
    (a,) = [c for c in found.conditions if c.param == "a"]
    assert a.low == pytest.approx(0.7, abs=0.05)
    assert found.qp["a"] < 0.05


def test_without_the_extra_the_tree_stands_in(levers, monkeypatch):
    monkeypatch.setattr(prim_mod, "available", lambda: False)
    assert prim_mod.prim(pd.DataFrame({"a": [0.1, 0.2, 0.3]}), [True, False, True]) is None
    md = build_report(levers, replay=False).read_text()
    assert "EMA Workbench is not installed" in md
    assert "**Method: decision tree (CART, scikit-learn).**" in md


def test_report_has_the_robustness_section(levers):
    md = build_report(levers, replay=False).read_text()
    part = md.split("## Robustness of the claim across the uncertainties")[1]
    assert "of the sampled uncertainty space" in part
    assert "Rational benchmark" in part
    s = robustness_summary(load_results(levers))
    assert s is not None and s["n_samples"] == 24
    lo, hi = s["holds_share_ci"]
    assert lo <= s["holds_share"] <= hi
