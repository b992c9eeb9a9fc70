"""The package builder: draft a package option by option and see who accepts it.

Core object:
    PackageBuilder: one row of option buttons per issue (labels from the scenario); the
        live score of the drafted package (`sim.api.score` in the current what-if view):
        each actor's utility against its reservation value, the red lines it breaks,
        feasible and Pareto badges, a package that dominates it and the nearest feasible
        package, each with a button to draft it.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from sim.core.analysis import package_dict
from sim.core.score import PackageScore
from sim.dashboard import state
from sim.dashboard.text import Names, table
from sim.dashboard.whatif import View


def drafted_row(v: View) -> int:
    """The drafted package's row: the session's draft, else the Nash package, else 0."""
    if state.package.value is not None:
        return v.row_of(state.package.value)
    nash = v.solution("nash")
    return 0 if nash is None else nash


def _chooser(choose: Callable[[int, int], None], i: int) -> Callable[[int], None]:
    def on_value(o: int) -> None:
        choose(i, o)

    return on_value


def _badge(text: str, good: bool | None, cls: str) -> str:
    tone = "negsim-neutral" if good is None else ("negsim-good" if good else "negsim-bad")
    return f'<span class="negsim-badge {tone} {cls}">{text}</span>'


def score_table(names: Names, s: PackageScore) -> str:
    """Per actor: utility, reservation value, margin (the `negsim score` numbers)."""
    rows, data = [], []
    for j, a in enumerate(s.problem.actors):
        u, r, m = (float(s.utilities[j]), float(s.reservations[j]), float(s.margins[j]))
        rows.append([names.actor(a), f"{u:.3f}", f"{r:.3f}", f"{m:+.3f}",
                     "yes" if j in s.problem.participant_indices() else "no"])
        data.append({"actor": a, "utility": round(u, 6), "reservation": round(r, 6),
                     "margin": round(m, 6)})
    return table(["actor", "utility", "reservation value", "margin", "counts for feasibility"],
                 rows, "negsim-scores", data)


def _changes(names: Names, v: View, frm: int, to: int) -> str:
    a, b = package_dict(v.problem, frm), package_dict(v.problem, to)
    rows = [[names.issue(i), names.option(i, a[i]), names.option(i, b[i])]
            for i in a if a[i] != b[i]]
    return table(["issue", "drafted", "instead"], rows, "negsim-changes")


@solara.component
def PackageBuilder() -> None:
    """The package builder panel."""
    v = state.current()
    names = state.names()
    problem = v.problem
    row = drafted_row(v)
    options = v.options_of(row)
    s = v.score(row)

    def choose(i: int, o: int) -> None:
        new = list(options)
        new[i] = o
        state.package.set(tuple(new))

    def draft(r: int) -> None:
        state.package.set(v.options_of(r))

    with solara.Columns([5, 4]):
        with solara.Column():
            solara.Markdown("#### Draft a package: one option per issue")
            for i, issue in enumerate(problem.issues):
                with solara.Row(classes=[f"negsim-issue-{issue}"], style={"align-items":
                                                                            "center"}):
                    solara.Text(names.issue(issue), classes=["negsim-issue"])
                    with solara.ToggleButtonsSingle(value=options[i], dense=True,
                                                    on_value=_chooser(choose, i)):
                        for o, opt in enumerate(problem.options[i]):
                            solara.Button(names.option(issue, opt), value=o, small=True,
                                          text=True, classes=[f"negsim-opt-{issue}-{opt}"])
            with solara.Row():
                for key, label in (("nash", "Draft the Nash package"),
                                   ("kalai_smorodinsky", "Draft the KS package")):
                    target = v.solution(key)
                    solara.Button(label, disabled=target is None, outlined=True, small=True,
                                  on_click=lambda t=target: draft(t) if t is not None else None)
        with solara.Column():
            solara.Markdown("#### Who accepts it")
            badges = (_badge("feasible" if s.feasible else "not feasible", s.feasible,
                             "negsim-feasible-badge")
                      + _badge("Pareto-optimal" if s.pareto_optimal else "Pareto-dominated",
                               s.pareto_optimal, "negsim-pareto-badge"))
            solara.HTML(tag="div", unsafe_innerHTML=badges)
            solara.HTML(tag="div", unsafe_innerHTML=score_table(names, s))
            broken = [[names.actor(problem.actors[a]), names.red_line(problem.actors[a], n)]
                      for a, n in s.red_lines]
            broken += [["agenda", c] for c in s.constraints]
            if broken:
                solara.HTML(tag="div", unsafe_innerHTML=table(
                    ["whose", "red line broken"], broken, "negsim-broken",
                    [{"name": n} for _, n in s.red_lines] + [{"name": c} for c in
                                                             s.constraints]))
            else:
                solara.Text("It breaks no red line.")
            if s.below:
                solara.Text("Below the reservation value of: " + ", ".join(
                    names.actor(problem.actors[a]) for a in s.below))
            if s.dominated_by is not None:
                solara.Markdown("**A package everyone likes at least as much** (it dominates "
                                "the draft):")
                solara.HTML(tag="div", unsafe_innerHTML=_changes(names, v, row, s.dominated_by))
                solara.Button("Draft the dominating package", small=True, outlined=True,
                              on_click=lambda: draft(s.dominated_by or 0))
            if s.nearest is None:
                solara.Warning("Nothing is feasible: no package is inside every party's red "
                               "lines and reservation values.")
            elif s.nearest != row:
                solara.Markdown(f"**Nearest feasible package**: changes {len(s.changed)} "
                                f"issue(s), Nash product {s.nash_product:.4f}")
                solara.HTML(tag="div", unsafe_innerHTML=_changes(names, v, row, s.nearest))
                solara.Button("Draft the nearest feasible package", small=True, outlined=True,
                              classes=["negsim-draft-nearest"],
                              on_click=lambda: draft(s.nearest or 0))
            n_edits = len(state.edits.value)
            if n_edits:
                solara.Info(f"Scored under {n_edits} what-if edit(s) (see the What-if tab).")
