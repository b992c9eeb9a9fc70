"""The negotiation dance: what each actor got from every proposal, round by round.

Core object:
    dance: one panel per actor, its utility of each proposal over the rounds (one marker
        style per proposer) and its reservation value as a dashed line; the settled
        round is marked. Drawn with matplotlib's object-oriented API on the Agg canvas
        (no pyplot, no global backend state), from a run's collected trace.

Plotting only: no simulation here (style practice 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.api import RunResult

__all__ = ["check_format", "dance"]


def check_format(path: str | Path) -> None:
    """Refuse an image name whose suffix matplotlib cannot write, before anything runs.

    Raises:
        ValueError: the suffix is missing or unknown (the message lists the known ones).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    known = sorted(FigureCanvasAgg(Figure()).get_supported_filetypes())
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in known:
        got = f"'.{suffix}'" if suffix else "no suffix"
        raise ValueError(f"unknown image format ({got}); allowed: {', '.join(known)}")

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def dance(
    result: RunResult,
    path: str | Path,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Path:
    """Draw the negotiation dance of a collected run and save it as an image.

    Args:
        result: a run simulated with ``collect=True``.
        path: where to write the image (the format follows the suffix, e.g. ``.png``).
        labels: actor id -> display label (default: the ids).
        title: the figure's title (default: "negotiation").

    Returns:
        The path written.

    Raises:
        ValueError: the run was simulated without collecting its trace.
        OSError: the file cannot be written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    trace = result.trace
    if trace is None:
        raise ValueError("the run has no trace: simulate it with collect=True")
    actors = [c[len("utility_"):] for c in trace.columns if c.startswith("utility_")]
    names_of = {a: a for a in actors}
    names_of.update(labels or {})
    proposers = [p for p in dict.fromkeys(trace["proposer"]) if p is not None]

    fig = Figure(figsize=(9.0, 1.9 * len(actors) + 1.2))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(actors), 1, sharex=True, squeeze=False)[:, 0]
    rounds = trace["round"].to_numpy()
    for ax, a in zip(axes, actors, strict=True):
        for k, p in enumerate(proposers):
            sub = trace[trace["proposer"] == p]
            ax.plot(
                sub["round"], sub[f"utility_{a}"],
                marker=_MARKERS[k % len(_MARKERS)], linestyle="-", linewidth=0.8,
                markersize=4, label=f"proposed by {names_of.get(p, p)}",
            )
        ax.step(rounds, trace[f"reservation_{a}"], where="mid", color="black",
                linestyle="--", linewidth=1.0, label="reservation value")
        if result.round is not None:
            ax.axvline(result.round, color="grey", linewidth=0.8, linestyle=":")
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel(names_of[a], rotation=0, ha="right", va="center", fontsize=8)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("round")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", fontsize=7, ncol=min(len(names), 3),
               frameon=False)
    heading = title if title is not None else "negotiation"
    fig.suptitle(f"{heading}: {_ending(result)} (seed {result.seed})", fontsize=10)
    legend_rows = -(-len(names) // 3)
    for text in fig.findobj(Text):  # labels are plain text: a '$' is never mathtext
        text.set_parse_math(False)
    fig.tight_layout(rect=(0, 0.025 * legend_rows + 0.01, 1, 0.97))
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path


def _ending(result: RunResult) -> str:
    """How the run ended, in a few words."""
    if result.agreement:
        return f"agreement in round {result.round}"
    if result.stillborn:
        return f"stillborn deal in round {result.round}"
    return {"deadline": "deadline passed", "walk_away": "talks broke down"}.get(
        result.reason, result.reason
    )
