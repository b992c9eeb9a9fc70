"""The dashboard page (``SOLARA_APP=sim.dashboard.app``): four panels under one glossary.

Core object:
    Page: the title and the state of the what-if edits, the one-line glossary, and four
        tabs: the package builder (`sim.dashboard.builder`), the what-if controls
        (`sim.dashboard.controls`), the negotiation player (`sim.dashboard.player`) and
        the results browser (`sim.dashboard.results`).
"""

from __future__ import annotations

import solara
import solara.lab

from sim.dashboard import state
from sim.dashboard.builder import PackageBuilder
from sim.dashboard.controls import WhatIf
from sim.dashboard.player import Player
from sim.dashboard.results import Results
from sim.dashboard.text import CSS, GLOSSARY

TABS = ("Package builder", "What-if", "Negotiation player", "Results")


@solara.component
def Header() -> None:
    """The scenario, its size and the edits in force (re-rendered on every edit)."""
    b = state.base()
    v = state.current()
    n_edits = len(state.edits.value)
    solara.HTML(tag="div", unsafe_innerHTML=(
        f'<div class="negsim-header">{v.problem.n_outcomes:,} packages over '
        f"{v.problem.n_issues} issues, {v.n_feasible:,} feasible · "
        f"{n_edits} what-if edit(s) in force · scenario file: {b.path.name}</div>"))


@solara.component
def Page() -> None:
    """The whole dashboard (only the open tab is rendered)."""
    b = state.base()
    solara.Title(f"negsim: {b.scenario.name}")
    solara.Style(CSS)
    with solara.Column(style={"padding": "12px 20px"}):
        solara.Markdown(f"### negsim · {b.scenario.name}")
        Header()
        solara.Markdown(GLOSSARY, style={"font-size": "12px"})
        with solara.lab.Tabs(lazy=True):
            with solara.lab.Tab(TABS[0]):
                PackageBuilder()
            with solara.lab.Tab(TABS[1]):
                WhatIf()
            with solara.lab.Tab(TABS[2]):
                Player()
            with solara.lab.Tab(TABS[3]):
                Results()
