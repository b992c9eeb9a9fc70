"""The negotiation player: run a seed and step it round by round.

Core object:
    Player: a seed, *New run* (the Mesa model of the edited scenario, `sim.api.model`),
        *Step* (one round: ``model.step()``), *Play to the end*; the state of the talks,
        the negotiation dance and the war state so far, and the round table (the model's
        ``rounds`` table, with labels: what ``negsim run --trace`` writes).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import solara

from sim.api import model as build_model
from sim.dashboard import figures, state
from sim.dashboard.text import table
from sim.engine.model import NegotiationModel
from sim.errors import UserError

seed: solara.Reactive[int] = solara.reactive(1)
running: solara.Reactive[Any] = solara.reactive(None)
tick: solara.Reactive[int] = solara.reactive(0)
problem_text: solara.Reactive[str] = solara.reactive("")


def _new_run() -> None:
    try:
        m = build_model(state.current().scenario, seed=int(seed.value))
    except UserError as exc:
        problem_text.set(str(exc))
        return
    problem_text.set("")
    running.set(m)
    tick.set(tick.value + 1)


def _step(to_end: bool = False) -> None:
    m = running.value
    if m is None:
        _new_run()
        m = running.value
    if m is None:
        return
    m.step()
    while to_end and m.running:
        m.step()
    tick.set(tick.value + 1)


def _status(m: NegotiationModel) -> str:
    played = m.state.round
    if m.outcome is None:
        return f"Round {played} of {m.deadline} played; the talks go on."
    how = {"agreement": "agreement", "stillborn": "a stillborn deal (the ratifiers refused)",
           "deadline": "no deal by the deadline", "walk_away": "a walk-out"}
    return (f"Round {played} of {m.deadline} played; the talks ended in "
            f"{how.get(m.outcome.reason, m.outcome.reason)}.")


def _round_table(trace: pd.DataFrame, m: NegotiationModel) -> str:
    names = state.names()
    problem = m.prepared.problem
    actors = problem.actors
    headers = ["round", "proposer", "proposal", *[f"utility: {names.actor(a)}" for a in actors],
               "accepted", "event"]
    rows, data = [], []
    for rec in trace.to_dict("records"):
        proposal = rec["proposal"]
        terms = "-" if proposal is None or pd.isna(proposal) else names.row_terms(int(proposal))
        who = rec["proposer"]
        rows.append([int(rec["round"]), names.actor(who) if who in actors else (who or "-"),
                     terms, *[_num(rec[f"utility_{a}"]) for a in actors],
                     "yes" if rec["accepted"] else "no", rec["event"] or ""])
        data.append({"round": int(rec["round"]), "proposer": who or "",
                     "proposal": "" if terms == "-" else int(proposal),
                     **{f"utility-{a}": _raw(rec[f"utility_{a}"]) for a in actors}})
    return table(headers, rows, "negsim-rounds", data)


def _num(x: Any) -> str:
    return "-" if x is None or pd.isna(x) else f"{float(x):.3f}"


def _raw(x: Any) -> str:
    return "" if x is None or pd.isna(x) else repr(round(float(x), 6))


@solara.component
def Player() -> None:
    """The negotiation player panel."""
    _ = tick.value  # re-render after every step
    names = state.names()
    m = running.value
    with solara.Row(style={"align-items": "center"}):
        solara.InputInt("Seed", value=seed, classes=["negsim-seed"])
        solara.Button("New run", on_click=_new_run, color="primary",
                      classes=["negsim-new-run"])
        solara.Button("Step one round", on_click=lambda: _step(),
                      disabled=m is not None and not m.running, classes=["negsim-step"])
        solara.Button("Play to the end", on_click=lambda: _step(True),
                      disabled=m is not None and not m.running, classes=["negsim-play"])
    if problem_text.value:
        solara.Error(problem_text.value)
    if m is None:
        solara.Text("Press New run (or Step) to start a negotiation of the scenario as edited "
                    "in the What-if tab.")
        return
    protocol = m.config.protocol
    solara.HTML(tag="div", unsafe_innerHTML=(
        f'<div class="negsim-status"><b>{_status(m)}</b> Protocol: {protocol.kind}, seed '
        f"{m.seed}.</div>"))
    trace = m.datacollector.get_table_dataframe("rounds")
    actors = list(m.prepared.problem.actors)
    with solara.Columns([1, 1]):
        with solara.Column():
            solara.Markdown("##### The negotiation dance: each actor's utility of each "
                            "proposal, and its reservation value")
            solara.FigureEcharts(option=figures.dance(trace, actors, names.actors, m.deadline),
                                 attributes={"style": "height: 420px; width: 100%;"})
        with solara.Column():
            solara.Markdown("##### The war while they talk")
            state_names = list(m.dynamics.names)
            if state_names:
                labels = {v: names.state(v) for v in state_names}
                solara.FigureEcharts(option=figures.war_state(trace, state_names, labels,
                                                              m.deadline),
                                     attributes={"style": "height: 420px; width: 100%;"})
            else:
                solara.Text("This scenario has no war dynamics.")
    solara.Markdown("##### Round table")
    solara.HTML(tag="div", unsafe_innerHTML=_round_table(trace, m))
