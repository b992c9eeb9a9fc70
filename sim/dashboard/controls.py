"""What-if controls: move reservation values, weights, the table and the war's levers.

Core objects:
    WhatIf: the controls beside their effect: the exact feasible count, the Pareto
        frontier in the utility space of any two actors, and the Nash and KS packages,
        recomputed on every change (`sim.dashboard.whatif.view`; its time is shown).
    Controls: the controls themselves, each writing one edit in experiment-file syntax
        (shown, and downloadable as an edited scenario file ``negsim`` reads).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara
import yaml

from sim.core.analysis import package_dict
from sim.dashboard import figures, state
from sim.dashboard.builder import drafted_row
from sim.dashboard.text import table
from sim.dashboard.whatif import PARAMS, SEATING, View, apply_edits
from sim.engine import protocols


@solara.component
def ActorControls() -> None:
    """Reservation values, participation and weights, per actor."""
    names = state.names()
    b = state.base()
    solara.Markdown("##### Reservation values (what each gets with no deal)")
    for a in b.scenario.actors:
        path = f"actors.{a}.reservation"
        with solara.Div(classes=[f"negsim-res-{a}"]):
            solara.SliderFloat(names.actor(a), value=float(state.value(path)), min=0.0,
                               max=1.0, step=0.01, thumb_label=True,
                               on_value=state.setter(path, _cent))
    solara.Markdown("##### Whose red lines and reservation value bound the feasible set")
    for a in b.scenario.actors:
        path = f"actors.{a}.participates"
        solara.Checkbox(label=names.actor(a), value=bool(state.value(path)),
                        on_value=state.setter(path, bool))
    Weights()


@solara.component
def Weights() -> None:
    """One actor's weights at a time (only the chosen actor's sliders are rendered)."""
    names = state.names()
    actors = state.base().scenario.actors
    by_label = {names.actor(a): a for a in actors}
    chosen = solara.use_reactive("")
    solara.Select("Weights of (normalised to sum 1)", value=chosen.value,
                  values=["", *by_label], on_value=chosen.set)
    a = by_label.get(chosen.value)
    if a is None:
        return
    for i in state.base().scenario.issues:
        path = f"actors.{a}.weights.{i}"
        solara.SliderFloat(names.issue(i), value=float(state.value(path)), min=0.0, max=1.0,
                           step=0.01, on_value=state.setter(path, _cent))


@solara.component
def TableControls() -> None:
    """Protocol, who sits at the table, acceptance rule, sequencing, deadline."""
    names = state.names()
    b = state.base()
    spec = b.scenario.protocol
    if spec is None:
        solara.Text("The scenario has no protocol: nothing to run.")
        return
    actors = list(b.scenario.actors)
    kind = state.value("protocol.kind")
    solara.Markdown("##### How the talks are run (the negotiation player uses these)")

    def set_kind(k: str) -> None:
        params = None if k != spec.kind else b.data["protocol"]["params"]
        state.set_edits({"protocol.kind": k, PARAMS: params})

    solara.Select("Protocol", value=kind, values=list(protocols.names()), on_value=set_kind)
    seat = SEATING.get(kind)
    if seat is not None:
        params = state.value(PARAMS) if any(p == PARAMS for p, _ in state.edits.value) else (
            b.data["protocol"]["params"] if kind == spec.kind else None)
        seated = list(dict(params or {}).get(seat) or [])
        label_of = names.actors

        def set_seats(chosen: list[str]) -> None:
            ids = [a for a in actors if label_of[a] in chosen]
            state.set_edits({PARAMS: {seat: ids} if ids else None})

        solara.SelectMultiple(f"At the table ({seat}; empty: the protocol's default)",
                              values=[label_of[a] for a in seated],
                              all_values=[label_of[a] for a in actors], on_value=set_seats)
    quotas = ["all", "majority", *[str(k) for k in range(len(actors))]]
    quota = str(state.value("protocol.acceptance.quota"))
    solara.Select("Acceptance quota (of the non-veto responders)", value=quota, values=quotas,
                  on_value=state.setter("protocol.acceptance.quota", _quota))
    veto = state.value("protocol.acceptance.veto")
    solara.Checkbox(label="Every responder holds a veto", value=veto == "all",
                    on_value=state.setter("protocol.acceptance.veto", _veto))
    seq = state.value("protocol.sequencing")
    with solara.ToggleButtonsSingle(value=seq, on_value=state.setter("protocol.sequencing")):
        solara.Button("Package deal", value="package", small=True)
        solara.Button("Ceasefire first", value="ceasefire_first", small=True)
    solara.SliderInt("Deadline (rounds)", value=int(state.value("protocol.deadline")), min=2,
                     max=100, on_value=state.setter("protocol.deadline", int))


@solara.component
def DynamicsControls() -> None:
    """The war's levers: when the scheduled events happen, how fast the state drifts."""
    dyn = state.base().scenario.dynamics
    if dyn is None:
        return
    names = state.names()
    with solara.Details("The war's levers (events, drift)"):
        for k, event in enumerate(dyn.events):
            path = f"dynamics.events[{k}].round"
            solara.SliderInt(f"Round of: {event.label or path}", value=int(state.value(path)),
                             min=0, max=100,
                             on_value=state.setter(path, int))
        for var in dyn.state:
            path = f"dynamics.state.{var}.drift"
            solara.InputFloat(f"Drift per round: {names.state(var)}",
                              value=float(state.value(path)),
                              on_value=state.setter(path, float))


def _cent(x: float) -> float:
    return round(float(x), 2)


def _quota(q: str) -> str | int:
    return q if q in ("all", "majority") else int(q)


def _veto(every: bool) -> str | tuple[str, ...]:
    return "all" if every else ()


def _solutions(v: View) -> str:
    names = state.names()
    picks = [(n, v.solution(k)) for k, n in (("nash", "Nash"), ("kalai_smorodinsky", "KS"))]
    rows = [[names.issue(i)] + [names.option(i, package_dict(v.problem, r)[i])
                                if r is not None else "-" for _, r in picks]
            for i in v.problem.issues]
    rows += [[f"utility of {names.actor(a)}"] + [f"{v.analysis.U[r, j]:.3f}" if r is not None
                                                else "-" for _, r in picks]
             for j, a in enumerate(v.problem.actors)]
    return table(["issue", *[n for n, _ in picks]], rows, "negsim-solutions")


@solara.component
def WhatIf() -> None:
    """The what-if panel."""
    v = state.current()
    names = state.names()
    actors = list(v.problem.actors)
    label_of = names.actors
    x, y = state.pair.value
    with solara.Columns([4, 7]):
        with solara.Column():
            ActorControls()
            TableControls()
            DynamicsControls()
            if state.error.value:
                solara.Error(state.error.value)
            changes = state.edits.value
            if changes:
                solara.Markdown("##### Edits in force (experiment parameter paths)")
                solara.HTML(tag="div", unsafe_innerHTML=table(
                    ["path", "value"], [[p, repr(val)] for p, val in changes], "negsim-edits"))
                with solara.Row():
                    solara.Button("Reset all edits", on_click=state.reset, outlined=True,
                                  small=True)
                    data = yaml.safe_dump(apply_edits(state.base().data, changes),
                                          sort_keys=False, allow_unicode=True)
                    solara.FileDownload(data, filename="whatif.yaml",
                                        label="Download the edited scenario")
        with solara.Column():
            n = v.n_feasible
            text = (f'<div class="negsim-summary"><b>Feasible packages: <span '
                    f'class="negsim-feasible" data-value="{n}">{n:,}</span></b> of '
                    f"{v.problem.n_outcomes:,} · Pareto frontier: "
                    f"{int(v.analysis.pareto.sum()):,} (feasible: "
                    f"{int(v.analysis.feasible_pareto.sum()):,}) · recomputed in "
                    f'<span class="negsim-elapsed">{v.elapsed_ms:.0f}</span> ms</div>')
            solara.HTML(tag="div", unsafe_innerHTML=text)
            with solara.Row():
                solara.Select("Horizontal axis", value=label_of[actors[x]],
                              values=list(label_of.values()),
                              on_value=lambda lab: state.pair.set(
                                  (actors.index(_id(label_of, lab)), y)))
                solara.Select("Vertical axis", value=label_of[actors[y]],
                              values=list(label_of.values()),
                              on_value=lambda lab: state.pair.set(
                                  (x, actors.index(_id(label_of, lab)))))
            option = figures.utility_space(v, x, y, drafted_row(v), label_of,
                                           lambda r: names.row_terms(r))
            solara.FigureEcharts(option=option, on_click=_click(v),
                                 attributes={"style": "height: 460px; width: 100%;"})
            solara.Text("Click a feasible point to draft it in the package builder.")
            solara.HTML(tag="div", unsafe_innerHTML=_solutions(v))


def _id(label_of: dict[str, str], label: str) -> str:
    return next(a for a, lab in label_of.items() if lab == label)


def _click(v: View) -> Callable[[Any], None]:
    def on_click(data: Any) -> None:
        value = data.get("value") if isinstance(data, dict) else None
        if isinstance(value, list) and len(value) == 3:
            state.package.set(v.options_of(int(value[2])))

    return on_click
