"""The results browser: open a sweep directory, see its rates and the packages reached.

Core objects:
    summary: what the browser shows of a results directory, computed from the public
        ``reachable`` summary (`sim.experiment.reachable`) and the per-point table of the
        report (`sim.report.tables.point_outcomes`), with Wilson 95% intervals
        (`sim.experiment.intervals.wilson`) on every rate.
    Results: the panel: a directory field, the overall rates, a heat map of the agreement
        (or stillborn) rate over two swept parameters, the packages reached named by their
        terms, the subgame-perfect packages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import solara

from sim.dashboard import figures
from sim.dashboard.state import RESULTS_ENV
from sim.dashboard.text import table
from sim.errors import UserError
from sim.experiment.intervals import wilson
from sim.experiment.reachable import reachable
from sim.report.data import Results as Loaded
from sim.report.data import Target, load_results
from sim.report.labels import Labels
from sim.report.tables import point_outcomes

directory: solara.Reactive[str] = solara.reactive(os.environ.get(RESULTS_ENV, ""))
opened: solara.Reactive[str] = solara.reactive(os.environ.get(RESULTS_ENV, ""))


def _interval(k: int, n: int) -> tuple[float, float]:
    lo, hi = wilson(k, n)
    return float(lo), float(hi)


def summary(path: str | Path) -> dict[str, Any]:
    """The numbers the browser shows (counts, rates and their Wilson intervals).

    Returns:
        ``reachable`` (the summary `negsim reachable --json` prints), ``results`` (the
        loaded directory), ``n_agree``, ``n_stillborn``, ``agreement_ci``,
        ``stillborn_ci`` and ``reached``: per package reached, its ``count``, share of
        runs with ``ci`` and the ``pareto_optimal`` flag.

    Raises:
        UserError: not a readable results directory.
    """
    doc = reachable(path)
    loaded = load_results(path)
    n = int(doc["n_runs"])
    n_agree = sum(int(e["count"]) for e in doc["reached"])
    n_still = round((doc["stillborn_rate"] or 0.0) * n)
    reached = [{**e, "run_share": e["count"] / n if n else None,
                "ci": _interval(int(e["count"]), n)} for e in doc["reached"]]
    return {"reachable": doc, "results": loaded, "n_agree": n_agree, "n_stillborn": n_still,
            "agreement_ci": _interval(n_agree, n), "stillborn_ci": _interval(n_still, n),
            "reached": reached}


def _open(path: str) -> dict[str, Any] | str:
    """`summary` of ``path``, or the error message when it cannot be read."""
    if not path:
        return ""
    try:
        return summary(path)
    except UserError as exc:
        return str(exc)


def rate_grid(loaded: Loaded, outcome: str, x: str, y: str) -> dict[str, pd.DataFrame]:
    """Per (y, x) cell: the ``outcome`` rate, its Wilson interval and the run count."""
    points = point_outcomes(loaded, Target(outcome))
    points["hits"] = (points[outcome] * points["runs"]).round().astype(int)
    if x == y:  # one parameter: a single row
        y = "_all"
        points[y] = "all points"
    cells = points.groupby([y, x], sort=True).agg(hits=("hits", "sum"), runs=("runs", "sum"))
    lo, hi = wilson(cells["hits"].to_numpy(), cells["runs"].to_numpy())
    cells["rate"] = cells["hits"] / cells["runs"]
    cells["low"], cells["high"] = lo, hi
    return {k: cells[k].unstack(x) for k in ("rate", "low", "high", "runs")}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _terms(labels: Labels, package: dict[str, str]) -> str:
    return "\n".join(f"{labels.issue(i)}: {labels.option(i, o)}" for i, o in package.items())


@solara.component
def Results() -> None:
    """The results browser panel."""
    with solara.Row(style={"align-items": "center"}):
        solara.InputText("Sweep results directory (written by negsim sweep)", value=directory,
                         continuous_update=False, classes=["negsim-results-dir"])
        solara.Button("Open", on_click=lambda: opened.set(directory.value), color="primary",
                      classes=["negsim-open"])
    found = solara.use_memo(lambda: _open(opened.value), dependencies=[opened.value])
    if not opened.value:
        solara.Text("Give a directory written by `negsim sweep` (or start the dashboard with "
                    "--results DIR).")
        return
    if isinstance(found, str):
        solara.Error(found)
        return
    s = found
    doc, loaded = s["reachable"], s["results"]
    labels = loaded.labels
    n = doc["n_runs"]
    lo, hi = s["agreement_ci"]
    slo, shi = s["stillborn_ci"]
    solara.HTML(tag="div", unsafe_innerHTML=(
        f'<div class="negsim-rates"><b>{n:,} runs</b> · agreement '
        f'<span class="negsim-agreement" data-value="{doc["agreement_rate"]}">'
        f'{_pct(doc["agreement_rate"])}</span> [{lo:.1%}, {hi:.1%}] · stillborn '
        f'{_pct(doc["stillborn_rate"])} [{slo:.1%}, {shi:.1%}] '
        f"(Wilson 95% intervals)</div>"))
    varied = list(loaded.varied_params)
    if len(varied) >= 1:
        RateMap(loaded, varied)
    rows = [[f"P{k + 1}", _terms(labels, e["package"]), e["count"],
             f"{e['run_share']:.1%} [{e['ci'][0]:.1%}, {e['ci'][1]:.1%}]",
             f"{e['share']:.1%}", "yes" if e["pareto_optimal"] else "no"]
            for k, e in enumerate(s["reached"])]
    solara.Markdown(f"##### Packages reached ({len(rows)}), most frequent first")
    solara.HTML(tag="div", unsafe_innerHTML=table(
        ["", "terms", "runs", "share of runs [95%]", "share of agreements", "Pareto-optimal"],
        rows, "negsim-reached", [{"count": e["count"]} for e in s["reached"]]))
    spe = doc["spe"]
    if spe:
        solara.Markdown("##### Subgame-perfect equilibria (SPE) of the design points")
        solara.HTML(tag="div", unsafe_innerHTML=table(
            ["terms", "design points"], [[_terms(labels, e["package"]), e["n_points"]]
                                         for e in spe], "negsim-spe"))
    solara.Text(f"Feasible packages never reached: {len(doc['never_reached_feasible']):,}.")


@solara.component
def RateMap(loaded: Loaded, varied: list[str]) -> None:
    """The heat map of a rate over two swept parameters (or one)."""
    labels = loaded.labels
    x = solara.use_reactive(varied[0])
    y = solara.use_reactive(varied[1] if len(varied) > 1 else varied[0])
    outcome = solara.use_reactive("agreement")
    by_label = {labels.param(p): p for p in varied}
    with solara.Row():
        solara.Select("Horizontal", value=labels.param(x.value), values=list(by_label),
                      on_value=lambda lab: x.set(by_label[lab]))
        solara.Select("Vertical", value=labels.param(y.value), values=list(by_label),
                      on_value=lambda lab: y.set(by_label[lab]))
        solara.Select("Rate", value=outcome.value, values=["agreement", "stillborn"],
                      on_value=outcome.set)
    grid = rate_grid(loaded, outcome.value, x.value, y.value)
    axes = {"x": x.value, "y": y.value}

    def level(axis: str, v: object) -> str:
        return labels.value(axes[axis], v) if v != "all points" else str(v)

    option = figures.heatmap(grid["rate"], grid["low"], grid["high"], grid["runs"],
                             labels.param(x.value), labels.param(y.value),
                             f"{outcome.value} rate", level)
    solara.FigureEcharts(option=option, attributes={"style": "height: 380px; width: 100%;"})
