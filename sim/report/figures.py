"""The report's figures, drawn with matplotlib's object API on the Agg canvas.

Each function takes tables already computed (by `sim.report.tables` or the analysis),
draws one figure and saves it as a PNG; none touches pyplot's global state.

Core objects:
    rate_heatmaps: outcome rates over two swept parameters (one panel per outcome).
    rate_lines: outcome rates along one swept parameter (lines, or bars for categories).
    package_bars: how often each agreed package was reached, marked Pareto/feasible.
    utility_space: pairwise projections (parallel coordinates beyond five actors) of the
        feasible set, the Pareto frontier, the Nash and Kalai-Smorodinsky points and the
        agreements reached.
    trajectories: the war state and every actor's reservation value, round by round.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.atomic import atomic_path
from sim.experiment.intervals import wilson

DPI = 110
PAIRWISE_MAX_ACTORS = 5


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    _plain(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return path


def _plain(fig: Figure) -> Figure:
    """Labels are plain text: a '$' in a scenario's label is never read as mathtext."""
    for text in fig.findobj(Text):
        text.set_parse_math(False)
    return fig


def _level_text(v: object) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def rate_heatmaps(
    panels: dict[str, pd.DataFrame], counts: pd.DataFrame, xlabel: str, ylabel: str,
    path: Path,
) -> Path:
    """Heat maps of outcome rates: rows are ``y`` levels, columns ``x`` levels.

    Args:
        panels: outcome name -> rate table (index: y levels, columns: x levels).
        counts: runs per cell, same shape (annotated beside each rate, with the rate's
            Wilson 95% interval).
        xlabel: the x parameter's label.
        ylabel: the y parameter's label.
        path: where to save.
    """
    n = len(panels)
    first = next(iter(panels.values()))
    w = max(4.0, 0.9 * first.shape[1] + 2.0)
    h = max(3.0, 0.6 * first.shape[0] + 1.6)
    fig = Figure(figsize=(w * n, h))
    for k, (name, table) in enumerate(panels.items()):
        ax = fig.add_subplot(1, n, k + 1)
        data = table.to_numpy(dtype=float)
        im = ax.imshow(data, vmin=0, vmax=1, cmap="viridis", origin="lower", aspect="auto")
        ax.set_xticks(range(table.shape[1]), [_level_text(v) for v in table.columns],
                      rotation=45 if table.shape[1] > 5 else 0, ha="right" if
                      table.shape[1] > 5 else "center")
        ax.set_yticks(range(table.shape[0]), [_level_text(v) for v in table.index])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel if k == 0 else "")
        ax.set_title(f"{name} rate")
        if data.size <= 100:
            runs = counts.to_numpy()
            for (i, j), v in np.ndenumerate(data):
                if np.isnan(v):
                    continue
                c = runs[i, j]
                lo, hi = wilson(round(v * c), c) if c else (np.nan, np.nan)
                ax.text(j, i, f"{v:.0%}\n[{lo:.0%}-{hi:.0%}]\n(n={c})", ha="center",
                        va="center", fontsize=6, color="white" if v < 0.6 else "black")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    _plain(fig).tight_layout()
    return _save(fig, path)


def rate_lines(rates: pd.DataFrame, xlabel: str, path: Path, categorical: bool) -> Path:
    """Outcome rates along one parameter (index: its levels; one column per outcome)."""
    fig = Figure(figsize=(max(5.0, 0.6 * len(rates) + 3), 3.6))
    ax = fig.add_subplot(1, 1, 1)
    labels = [_level_text(v) for v in rates.index]
    if categorical:
        width = 0.8 / max(1, rates.shape[1])
        x = np.arange(len(rates))
        for k, col in enumerate(rates.columns):
            ax.bar(x + k * width - 0.4 + width / 2, rates[col], width, label=f"{col} rate")
        ax.set_xticks(x, labels)
    else:
        levels = [float(v) for v in rates.index]
        for col in rates.columns:
            ax.plot(levels, rates[col], marker="o", label=f"{col} rate")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of runs")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    _plain(fig).tight_layout()
    return _save(fig, path)


def package_bars(table: pd.DataFrame, path: Path) -> Path:
    """Horizontal bars of the agreed packages' counts.

    Args:
        table: columns ``name`` (the terms that tell the package apart), ``count``,
            ``pareto`` (bool or NaN) and ``feasible`` (bool or NaN), most frequent first.
        path: where to save.
    """
    import textwrap

    names = ["\n".join(textwrap.wrap(str(n), 48)) or str(n) for n in table["name"]]
    lines = sum(n.count("\n") + 1 for n in names)
    fig = Figure(figsize=(9.6, 0.2 * lines + 0.25 * len(table) + 1.4))
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(len(table))[::-1]
    colors = ["tab:orange" if p is True else "tab:blue" for p in table["pareto"]]
    hatches = ["" if f is not False else "//" for f in table["feasible"]]
    bars = ax.barh(y, table["count"], color=colors, edgecolor="black", linewidth=0.5)
    for bar, hatch in zip(bars, hatches, strict=True):
        bar.set_hatch(hatch)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel("runs ending in this package")
    from matplotlib.patches import Patch

    ax.legend(
        handles=[
            Patch(facecolor="tab:orange", edgecolor="black", label="Pareto-optimal"),
            Patch(facecolor="tab:blue", edgecolor="black", label="not Pareto-optimal"),
            Patch(facecolor="white", edgecolor="black", hatch="//",
                  label="outside the feasible set"),
        ],
        frameon=False, fontsize=8, loc="lower right",
    )
    _plain(fig).tight_layout()
    return _save(fig, path)


def utility_space(
    U: np.ndarray, feasible: np.ndarray, pareto: np.ndarray, solutions: dict[str, int | None],
    reached: dict[int, int], actors: list[str], path: Path,
) -> Path:
    """The utility space: every package, the feasible set, frontier, solutions, agreements.

    Args:
        U: shape (k, n), every package's utility for every actor.
        feasible: bool (k,), inside every participant's red lines and reservation value.
        pareto: bool (k,), on the Pareto frontier of the feasible set.
        solutions: name -> package row (None when undefined).
        reached: package row -> number of runs that agreed on it.
        actors: axis labels.
        path: where to save.
    """
    n = U.shape[1]
    if n <= PAIRWISE_MAX_ACTORS:
        fig = _pairwise(U, feasible, pareto, solutions, reached, actors)
    else:
        fig = _parallel(U, feasible, pareto, solutions, reached, actors)
    return _save(fig, path)


_MARK = {"nash": ("*", "red", "Nash"), "kalai_smorodinsky": ("D", "purple", "Kalai-Smorodinsky")}


def _pairwise(
    U: np.ndarray, feasible: np.ndarray, pareto: np.ndarray,
    solutions: dict[str, int | None], reached: dict[int, int], actors: list[str],
) -> Figure:
    pairs = list(itertools.combinations(range(U.shape[1]), 2))
    cols = min(3, len(pairs))
    rows = -(-len(pairs) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.8 * rows))
    rows_reached = np.array(sorted(reached), dtype=np.int64)
    sizes = np.array([reached[r] for r in rows_reached], dtype=float)
    for k, (a, b) in enumerate(pairs):
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.scatter(U[~feasible, a], U[~feasible, b], s=1, c="0.85", rasterized=True,
                   label="infeasible")
        ax.scatter(U[feasible, a], U[feasible, b], s=2, c="tab:blue", rasterized=True,
                   label="feasible")
        ax.scatter(U[pareto, a], U[pareto, b], s=8, c="tab:orange", label="Pareto (feasible)")
        if len(rows_reached):
            ax.scatter(U[rows_reached, a], U[rows_reached, b],
                       s=20 + 80 * sizes / sizes.max(), facecolors="none",
                       edgecolors="black", linewidths=1.0, label="agreements reached")
        for name, row in solutions.items():
            if row is None or name not in _MARK:
                continue
            marker, color, label = _MARK[name]
            ax.scatter([U[row, a]], [U[row, b]], marker=marker, s=120, c=color,
                       edgecolors="black", linewidths=0.6, zorder=5, label=label)
        ax.set_xlabel(f"u({actors[a]})")
        ax.set_ylabel(f"u({actors[b]})")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
    handles, names = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", ncol=len(names), fontsize=8, frameon=False,
               markerscale=0.8)
    _plain(fig).tight_layout(rect=(0, 0, 1, 0.95))
    return fig


def _parallel(
    U: np.ndarray, feasible: np.ndarray, pareto: np.ndarray,
    solutions: dict[str, int | None], reached: dict[int, int], actors: list[str],
) -> Figure:
    n = U.shape[1]
    fig = Figure(figsize=(1.4 * n + 2, 4.2))
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(n)
    for frontier_row in np.flatnonzero(pareto):
        ax.plot(x, U[frontier_row], color="tab:orange", alpha=0.3, lw=0.8)
    for reached_row in reached:
        ax.plot(x, U[reached_row], color="black", lw=1.2)
    for name, row in solutions.items():
        if row is not None and name in _MARK:
            ax.plot(x, U[row], color=_MARK[name][1], lw=2.0, label=_MARK[name][2])
    ax.set_xticks(x, actors, rotation=30, ha="right")
    ax.set_ylabel("utility")
    ax.set_title(f"Pareto frontier of the feasible set ({int(feasible.sum())} feasible "
                 "packages; orange), agreements reached (black)")
    ax.legend(frameon=False, fontsize=8)
    _plain(fig).tight_layout()
    return fig


def trajectories(
    state: pd.DataFrame, reservations: pd.DataFrame, path: Path, end: int | None = None
) -> Path:
    """The war state variables and reservation values, one step line per variable/actor.

    Args:
        state: index = round, one column per state variable (its label).
        reservations: index = round, one column per actor (its label).
        path: where to save.
        end: the round the talks ended (marked), or None.
    """
    fig = Figure(figsize=(11, 4.6))
    left = fig.add_subplot(1, 2, 1)
    for col in state.columns:
        series = state[col].astype(float)
        span = series.max() - series.min()
        scaled = (series - series.iloc[0]) / span if span > 0 else series * 0.0
        left.plot(state.index, scaled, drawstyle="steps-post",
                  label=f"{col} ({series.iloc[0]:.3g} → {series.iloc[-1]:.3g})")
    left.set_title("war state: change from the first round, scaled by its range", fontsize=10)
    right = fig.add_subplot(1, 2, 2)
    for col in reservations.columns:
        right.plot(reservations.index, reservations[col].astype(float), drawstyle="steps-post",
                   label=col)
    right.set_title("reservation values", fontsize=10)
    right.set_ylim(0, 1)
    for ax in (left, right):
        ax.set_xlabel("round")
        ax.grid(alpha=0.3)
        if end is not None:
            ax.axvline(end, color="grey", linestyle=":", linewidth=0.9)
        ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    _plain(fig).tight_layout()
    return _save(fig, path)
