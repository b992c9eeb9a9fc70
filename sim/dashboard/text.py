"""Words for the dashboard: labels from the scenario, package terms, the glossary, tables.

Core objects:
    GLOSSARY: the one-line glossary (Pareto, Nash, KS, reservation value, stillborn, SPE),
        from `sim.glossary`.
    Names: the scenario's labels for actors, issues, options, red lines, state variables
        and events; every lookup falls back to the id, so raw ids never show where a
        label exists.
    table: an HTML table with escaped cells and per-row data attributes (the browser
        tests read those, so what they compare is exactly what is shown).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.core.problem import Problem
from sim.glossary import lines
from sim.scenario import Scenario

__all__ = ["GLOSSARY", "Names", "table"]

#: The glossary's terms, defined once for the CLI, the reports and the page (`sim.glossary`).
GLOSSARY_TERMS = ("Pareto-optimal", "Nash", "Kalai-Smorodinsky (KS)", "reservation value",
                  "stillborn", "SPE")
GLOSSARY = " · ".join(
    f"**{line.split(': ', 1)[0]}**: {line.split(': ', 1)[1]}" for line in lines(*GLOSSARY_TERMS)
)


@dataclass(frozen=True)
class Names:
    """Display names of one scenario (ids where it gives no label)."""

    scenario: Scenario
    problem: Problem
    _terms: dict[tuple[int, str], str] = field(default_factory=dict, compare=False, repr=False)

    def actor(self, actor: str) -> str:
        """The actor's label."""
        return self.scenario.actors[actor].label or actor

    @property
    def actors(self) -> dict[str, str]:
        """Actor id -> label, in problem order."""
        return {a: self.actor(a) for a in self.problem.actors}

    def issue(self, issue: str) -> str:
        """The issue's label."""
        return self.scenario.issues[issue].label or issue

    def option(self, issue: str, option: str) -> str:
        """The option's label."""
        return self.scenario.issues[issue].options.get(option, option)

    def red_line(self, actor: str, name: str) -> str:
        """The red line's statement (its label), else its name."""
        for rl in self.scenario.actors[actor].red_lines:
            if rl.name == name:
                return rl.label or name
        return name

    def state(self, var: str) -> str:
        """A war-state variable's label."""
        dyn = self.scenario.dynamics
        if dyn is None or var not in dyn.state:
            return var
        return dyn.state[var].label or var

    def terms(self, package: Mapping[str, str], sep: str = "\n") -> str:
        """A package in words: ``issue: option`` per issue."""
        return sep.join(f"{self.issue(i)}: {self.option(i, o)}" for i, o in package.items())

    def row_terms(self, row: int, sep: str = "\n") -> str:
        """Package ``row`` in words (cached: the figures ask for many rows per change)."""
        key = (int(row), sep)
        if key not in self._terms:
            from sim.core.analysis import package_dict

            self._terms[key] = self.terms(package_dict(self.problem, row), sep)
        return self._terms[key]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], cls: str,
          data: Sequence[Mapping[str, Any]] | None = None) -> str:
    """An HTML table (cells escaped; newlines in a cell become line breaks).

    Args:
        headers: the column headings.
        rows: the cells, row by row.
        cls: the table's CSS class (the browser tests find tables by it).
        data: per row, ``data-<key>`` attributes for the ``<tr>``.
    """
    def cell(x: Any) -> str:
        return html.escape(str(x)).replace("\n", "<br>")

    head = "".join(f"<th>{cell(h)}</th>" for h in headers)
    body = []
    for k, row in enumerate(rows):
        attrs = "".join(f' data-{key}="{html.escape(str(v))}"'
                        for key, v in (data[k] if data else {}).items())
        body.append(f"<tr{attrs}>" + "".join(f"<td>{cell(x)}</td>" for x in row) + "</tr>")
    return (f'<table class="negsim-table {cls}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


#: Styles of the tables and badges (injected once by the page).
CSS = """
.negsim-table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
.negsim-table th, .negsim-table td { border-bottom: 1px solid #ddd; padding: 3px 8px;
  text-align: left; vertical-align: top; }
.negsim-table th { background: #f4f4f4; }
.negsim-badge { display: inline-block; padding: 2px 10px; border-radius: 10px; color: #fff;
  margin-right: 6px; font-size: 13px; }
.negsim-good { background: #2e7d32; } .negsim-bad { background: #c62828; }
.negsim-neutral { background: #546e7a; }
.negsim-neg { color: #c62828; font-weight: bold; } .negsim-pos { color: #2e7d32; }
.negsim-issue { font-weight: 600; min-width: 260px; max-width: 260px; font-size: 13px; }
.negsim-glossary { font-size: 12px; color: #444; }
.v-btn { text-transform: none !important; letter-spacing: normal !important; }
.v-btn-toggle { flex-wrap: wrap; }
.v-btn-toggle > .v-btn.v-btn--active { background: #1565c0 !important; color: #fff !important; }
"""
