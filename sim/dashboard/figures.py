"""The dashboard's figures, as ECharts options (plain dicts the browser draws).

The server only builds these dicts (a few milliseconds even on the Alaska space); the
browser draws them, so a what-if change costs no image rendering on the server.

Core objects:
    utility_space: two actors' utilities over the whole outcome space: the density of
        every agenda-allowed package, the feasible set (a point's tooltip names its
        terms; clicking one drafts it), the feasible packages Pareto-optimal for everyone,
        the two actors' own Pareto frontier, the reservation values, the Nash and KS
        packages and the drafted package.
    dance: the negotiation dance so far: each actor's utility of every proposal, by
        proposer, with its reservation value round by round.
    war_state: the war's state variables round by round.
    heatmap: a rate over two swept parameters, each cell with its Wilson interval.

Plotting only: every number comes from `sim.dashboard.whatif` or the results tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.dashboard.whatif import View, pair_frontier

__all__ = ["dance", "heatmap", "utility_space", "war_state"]

Option = dict[str, Any]
_BINS = 50
#: Feasible points whose tooltips name their terms (beyond this, the index only).
NAMED_POINTS = 800
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _r(x: float) -> float:
    return round(float(x), 4)


def utility_space(v: View, x: int, y: int, drafted: int | None,
                  labels: Mapping[str, str], terms: Callable[[int], str]) -> Option:
    """Two actors' utilities over the outcome space (see the module docstring).

    Args:
        v: the current view.
        x: the actor index on the horizontal axis.
        y: the actor index on the vertical axis.
        drafted: the package in the builder, or None.
        labels: actor id -> label.
        terms: package row -> its terms in words (for tooltips).
    """
    a, U = v.analysis, v.analysis.U
    actors = v.problem.actors
    allowed = np.flatnonzero(a.agenda_ok)
    hist, _, _ = np.histogram2d(U[allowed, x], U[allowed, y], bins=_BINS,
                                range=((0, 1), (0, 1)))
    ix, iy = np.nonzero(hist)
    density = [[_r((i + 0.5) / _BINS), _r((j + 0.5) / _BINS), float(np.log1p(hist[i, j]))]
               for i, j in zip(ix.tolist(), iy.tolist(), strict=True)]
    feas = np.flatnonzero(a.feasible)
    named = feas.size <= NAMED_POINTS
    points = [{"value": [_r(U[r, x]), _r(U[r, y]), int(r)],
               "name": terms(int(r)) if named else f"package {r}"} for r in feas.tolist()]
    top = np.flatnonzero(a.feasible_pareto)
    series: list[Option] = [
        {"name": f"all {allowed.size:,} packages (density)", "type": "scatter",
         "data": density, "symbol": "rect", "symbolSize": 7, "silent": True,
         "itemStyle": {"color": "#c4c4c4"}, "z": 1},
        {"name": f"feasible ({feas.size:,})", "type": "scatter", "data": points,
         "symbolSize": 6, "itemStyle": {"color": "#1f77b4", "opacity": 0.75}, "z": 3,
         "tooltip": {"formatter": "{b}"}},
        {"name": f"feasible, Pareto-optimal for all ({top.size})", "type": "scatter",
         "data": [[_r(U[r, x]), _r(U[r, y])] for r in top.tolist()], "symbolSize": 9,
         "itemStyle": {"color": "transparent", "borderColor": "#000", "borderWidth": 1},
         "silent": True, "z": 4},
    ]
    if feas.size:
        front = pair_frontier(v, x, y, a.feasible)
        series.append({"name": "Pareto frontier of these two (feasible)", "type": "line",
                       "step": "end", "showSymbol": False, "silent": True, "z": 2,
                       "lineStyle": {"color": "#ff7f0e", "width": 2},
                       "itemStyle": {"color": "#ff7f0e"},
                       "data": [[_r(U[r, x]), _r(U[r, y])] for r in front.tolist()]})
    series.append({"name": "reservation values", "type": "line", "data": [], "silent": True,
                   "itemStyle": {"color": "#1f77b4"},
                   "markLine": {"symbol": "none", "silent": True, "label": {"show": False},
                                "lineStyle": {"type": "dashed", "color": "#1f77b4"},
                                "data": [{"xAxis": _r(a.reservations[x])},
                                         {"yAxis": _r(a.reservations[y])}]}})
    marks = [("nash", "Nash package", "triangle", "#2ca02c"),
             ("kalai_smorodinsky", "KS package", "diamond", "#9467bd")]
    for key, name, symbol, colour in marks:
        row = v.solution(key)
        if row is not None:
            series.append(_mark(name, symbol, colour, U[row, x], U[row, y], terms(row)))
    if drafted is not None:
        series.append(_mark("drafted package", "pin", "#d62728", U[drafted, x], U[drafted, y],
                            terms(drafted)))
    return {
        "animation": False,
        "grid": {"left": 60, "right": 250, "top": 20, "bottom": 50},
        "tooltip": {"trigger": "item", "confine": True,
                    "extraCssText": "white-space: pre-line; max-width: 420px;"},
        "legend": {"orient": "vertical", "right": 0, "top": 20, "textStyle": {"fontSize": 11}},
        "xAxis": {"type": "value", "min": 0, "max": 1, "nameLocation": "middle",
                  "nameGap": 28, "name": f"utility of {labels.get(actors[x], actors[x])}"},
        "yAxis": {"type": "value", "min": 0, "max": 1, "nameLocation": "middle",
                  "nameGap": 40, "name": f"utility of {labels.get(actors[y], actors[y])}"},
        "series": series,
    }


def _mark(name: str, symbol: str, colour: str, x: float, y: float, text: str) -> Option:
    return {"name": name, "type": "scatter", "symbol": symbol, "symbolSize": 18, "z": 6,
            "itemStyle": {"color": colour, "borderColor": "#000", "borderWidth": 1},
            "tooltip": {"formatter": "{b}"},
            "data": [{"value": [_r(x), _r(y)], "name": f"{name}\n{text}"}]}


def _grids(n: int, top: float = 8.0, height: float = 88.0) -> list[Option]:
    gap = height / n
    return [{"left": 50, "right": 20, "top": f"{top + k * gap + 3:.1f}%",
             "height": f"{gap - 8:.1f}%"} for k in range(n)]


def _panel_name(text: str) -> Option:
    """A y axis named above its panel (long labels fit)."""
    return {"name": text, "nameLocation": "end", "nameGap": 6,
            "nameTextStyle": {"align": "left", "fontSize": 11, "color": "#333"}}


def dance(trace: pd.DataFrame, actors: Sequence[str], labels: Mapping[str, str],
          deadline: int) -> Option:
    """The negotiation dance of the rounds played so far (one panel per actor).

    Args:
        trace: the ``rounds`` table so far.
        actors: actor ids, in problem order.
        labels: actor id -> label.
        deadline: the number of rounds allowed (the x range).
    """
    n = len(actors)
    proposers = [p for p in dict.fromkeys(trace["proposer"]) if isinstance(p, str)]
    series: list[Option] = []
    for k, who in enumerate(actors):
        for j, p in enumerate(proposers):
            sub = trace[trace["proposer"] == p]
            series.append({
                "name": f"proposed by {labels.get(p, p)}", "type": "line",
                "xAxisIndex": k, "yAxisIndex": k, "symbolSize": 5,
                "itemStyle": {"color": _PALETTE[j % len(_PALETTE)]},
                "data": [[int(r), _r(u)] for r, u in zip(sub["round"], sub[f"utility_{who}"],
                                                         strict=True) if pd.notna(u)]})
        series.append({
            "name": "reservation value", "type": "line", "step": "middle", "showSymbol": False,
            "xAxisIndex": k, "yAxisIndex": k, "itemStyle": {"color": "#000"},
            "lineStyle": {"type": "dashed", "color": "#000"},
            "data": [[int(r), _r(u)] for r, u in zip(trace["round"],
                                                     trace[f"reservation_{who}"], strict=True)]})
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "textStyle": {"fontSize": 11}},
        "grid": _grids(n),
        "xAxis": [{"type": "value", "gridIndex": k, "min": 0, "max": max(deadline - 1, 1),
                   "name": "round" if k == n - 1 else "", "nameLocation": "middle",
                   "nameGap": 22, "axisLabel": {"show": k == n - 1}} for k in range(n)],
        "yAxis": [{"type": "value", "gridIndex": k, "min": 0, "max": 1, "splitNumber": 2,
                   **_panel_name(labels.get(a, a))} for k, a in enumerate(actors)],
        "series": series,
    }


def war_state(trace: pd.DataFrame, names: Sequence[str], labels: Mapping[str, str],
              deadline: int) -> Option:
    """The war's state variables over the rounds played (one small panel each)."""
    n = max(len(names), 1)
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "grid": _grids(n, top=4.0, height=92.0),
        "xAxis": [{"type": "value", "gridIndex": k, "min": 0, "max": max(deadline - 1, 1),
                   "axisLabel": {"show": k == n - 1}} for k in range(n)],
        "yAxis": [{"type": "value", "gridIndex": k, "scale": True, "splitNumber": 2,
                   **_panel_name(labels.get(v, v))} for k, v in enumerate(names)],
        "series": [{"name": labels.get(v, v), "type": "line", "xAxisIndex": k,
                    "yAxisIndex": k, "symbolSize": 4,
                    "data": [[int(r), _r(s)] for r, s in zip(trace["round"],
                                                             trace[f"state_{v}"], strict=True)]}
                   for k, v in enumerate(names)],
    }


def heatmap(rate: pd.DataFrame, low: pd.DataFrame, high: pd.DataFrame, runs: pd.DataFrame,
            xlabel: str, ylabel: str, title: str,
            level: Callable[[str, object], str] | None = None) -> Option:
    """A rate over two parameters (rows: y levels, columns: x levels), with intervals.

    Args:
        rate: the rate per cell.
        low: the lower end of its Wilson 95% interval, same shape.
        high: the upper end, same shape.
        runs: runs per cell, same shape.
        xlabel: the x parameter's label.
        ylabel: the y parameter's label.
        title: what the rate is.
        level: ``(axis, value) -> text`` for the tick labels (axis ``x`` or ``y``).
    """
    show = level or (lambda _axis, v: _level(v))
    cells = []
    lo, hi = low.to_numpy(dtype=float), high.to_numpy(dtype=float)
    n = runs.to_numpy(dtype=float)
    for (i, j), value in np.ndenumerate(rate.to_numpy(dtype=float)):
        if np.isnan(value):
            continue
        text = f"{value:.0%}\n[{lo[i, j]:.0%}, {hi[i, j]:.0%}]\nn={int(n[i, j])}"
        cells.append({"value": [j, i, _r(value)], "label": {"formatter": text}})
    return {
        "animation": False,
        "title": {"text": f"{title} (Wilson 95% interval, runs)", "left": "center",
                  "textStyle": {"fontSize": 13}},
        "grid": {"left": 90, "right": 40, "top": 40, "bottom": 90},
        "xAxis": {"type": "category", "data": [show("x", c) for c in rate.columns],
                  "name": xlabel, "nameLocation": "middle", "nameGap": 30},
        "yAxis": {"type": "category", "data": [show("y", i) for i in rate.index],
                  "name": ylabel, "nameLocation": "middle", "nameGap": 60},
        "visualMap": {"min": 0, "max": 1, "calculable": False, "orient": "horizontal",
                      "left": "center", "bottom": 0, "inRange": {
                          "color": ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]}},
        "series": [{"name": title, "type": "heatmap", "data": cells,
                    "label": {"show": True, "fontSize": 11, "lineHeight": 15, "color": "#fff",
                              "textBorderColor": "#000", "textBorderWidth": 2}}],
    }


def _level(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
