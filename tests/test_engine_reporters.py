"""Mesa conventions on `NegotiationModel`: model and agent reporters, ``mesa.batch_run``."""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np
import pandas as pd

import sim
from sim.engine.model import NegotiationModel
from sim.engine.reporters import ROUND_FIELDS
from sim.scenario import run_config

ROOT = Path(__file__).resolve().parent.parent
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"
SINGLE_TEXT = ROOT / "tests" / "data" / "mini.yaml"


def _played(seed: int = 1) -> NegotiationModel:
    model = sim.model(ALASKA, seed=seed)
    model.run_model()
    return model


def test_model_vars_have_one_row_per_step_and_match_the_rounds_table():
    model = _played()
    dc = model.datacollector
    rounds = dc.get_table_dataframe("rounds")
    mvars = dc.get_model_vars_dataframe()
    assert len(mvars) == len(rounds) + 1 == model.steps + 1
    opening = mvars.iloc[0]
    assert pd.isna(opening["round"]) and pd.isna(opening["proposer"])
    states = [c for c in rounds.columns if c.startswith("state_")]
    assert states and [c for c in mvars.columns if c.startswith("state_")] == states
    np.testing.assert_allclose(opening[states].astype(float), model.war[0])
    played = mvars.iloc[1:].reset_index(drop=True)
    for column in (*ROUND_FIELDS, *states):
        assert played[column].tolist() == rounds[column].tolist(), column
    assert played["outcome"].iloc[:-1].isna().all()
    assert played["outcome"].iloc[-1] == model.outcome.reason == "stillborn"


def test_agent_vars_report_each_actors_utility_response_and_reservation():
    model = _played()
    dc = model.datacollector
    rounds = dc.get_table_dataframe("rounds")
    agents = dc.get_agent_vars_dataframe().reset_index()
    actors = list(model.prepared.problem.actors)
    assert len(agents) == (model.steps + 1) * len(actors)
    for step in (1, model.steps):
        at = agents[agents["Step"] == step].set_index("actor")
        row = rounds.iloc[step - 1]
        for a in actors:
            assert at.loc[a, "utility"] == row[f"utility_{a}"]
            assert at.loc[a, "reservation"] == row[f"reservation_{a}"]
            assert at.loc[a, "response"] == row[f"response_{a}"]


def test_reporters_change_nothing_about_the_run():
    collected = sim.simulate(ALASKA, seed=3)
    bare = sim.simulate(ALASKA, seed=3, collect=False)
    assert collected.to_json() == bare.to_json()


def test_batch_run_runs_the_model_over_seeds():
    scenario = sim.load(ALASKA)
    prepared = sim.prepare(scenario)
    out = mesa.batch_run(
        NegotiationModel,
        {"prepared": prepared, "config": run_config(scenario), "seed": [1, 2]},
        number_processes=1, display_progress=False,
    )
    frame = pd.DataFrame(out)
    assert sorted(frame["seed"].unique()) == [1, 2]
    assert set(frame["actor"]) == set(prepared.problem.actors)
    last = frame[frame["seed"] == 1]["Step"].max()
    expected = sim.simulate(scenario, seed=1)
    assert last == expected.rounds - 1  # batch_run reports its own last index


def test_a_mediator_agent_reports_no_utilities(tmp_path):
    text = SINGLE_TEXT.read_text() + "\nprotocol: {kind: single_text, deadline: 6}\n"
    path = tmp_path / "st.yaml"
    path.write_text(text)
    model = sim.model(path, seed=0)
    model.run_model()
    agents = model.datacollector.get_agent_vars_dataframe()
    mediator = agents[agents["actor"] == "mediator"]
    assert len(mediator) == model.steps + 1
    assert mediator[["utility", "response", "reservation"]].isna().all().all()
