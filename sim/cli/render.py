"""Readable terminal output (rich): the analysis tables and the glossary under them.

Every text that comes from a file (names, labels, ids) goes through `rich.markup.escape`:
rich would otherwise read ``[...]`` in it as markup and drop it.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim import glossary
from sim.core.problem import Problem
from sim.scenario.schema import Scenario

#: Column headings of the bargaining solutions, as the glossary names them.
SOLUTION_NAMES = {"nash": "Nash", "kalai_smorodinsky": "Kalai-Smorodinsky (KS)"}


def _label(problem: Problem, issue: str, option: str) -> str:
    return escape(problem.labels.get("options", {}).get(issue, {}).get(option, option))


def print_terms(console: Console, *terms: str) -> None:
    """Print the glossary lines of ``terms`` (`sim.glossary`), dimmed, under a heading."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(style="dim")
    for line in glossary.lines(*terms):
        term, text = line.split(": ", 1)
        grid.add_row(f"  {escape(term)}:", escape(text))
    console.print("[dim]Terms:[/dim]")
    console.print(grid)


def render_analysis(scenario: Scenario, problem: Problem, doc: dict) -> None:
    """Print the analysis summary of ``doc`` (the ``--json`` object) as tables."""
    console = Console(width=110)
    console.print(f"[bold]{escape(scenario.name)}[/bold]")
    if scenario.description:
        console.print(escape(scenario.description.strip()))
    console.print(
        f"packages: {doc['n_outcomes']:,}   feasible: {doc['n_feasible']:,}   "
        f"Pareto frontier: {doc['pareto_size']:,} (feasible: {doc['feasible_pareto_size']:,})"
        f"   [{doc['elapsed_s'] * 1000:.1f} ms]"
    )
    sols = {k: v for k, v in doc["solutions"].items() if v is not None}
    if sols:
        table = Table(title="Bargaining solutions over the feasible set")
        table.add_column("issue")
        for name in sols:
            table.add_column(SOLUTION_NAMES.get(name, name.replace("_", " ")))
        for issue in problem.issues:
            label = escape(problem.labels.get("issues", {}).get(issue, issue))
            terms = [_label(problem, issue, s["package"][issue]) for s in sols.values()]
            table.add_row(label, *terms)
        for actor in problem.actors:
            name = escape(problem.labels.get("actors", {}).get(actor, actor))
            table.add_row(
                f"[italic]u({name})[/italic]",
                *[f"{s['utilities'][actor]:.3f}" for s in sols.values()],
            )
        console.print(table)
    else:
        console.print("[bold red]No package is inside every party's red lines and reservation "
                      "values.[/bold red]")
    rl = Table(title="Red lines: packages each one alone blocks")
    rl.add_column("actor")
    rl.add_column("red line")
    rl.add_column("blocks alone", justify="right")
    actors = problem.labels.get("actors", {})
    for row in doc["red_lines"]:
        rl.add_row(escape(actors.get(row["actor"], str(row["actor"]))),
                   escape(_red_line(scenario, row)), f"{row['blocks_alone']:,}")
    console.print(rl)
    relax = doc.get("minimal_relaxation")
    if relax:
        names = ", ".join(
            escape(f"{actors.get(r['actor'], r['actor'])}: {_red_line(scenario, r)}")
            for r in relax.get("red_lines", [])
        )
        if names:
            console.print(
                f"Smallest relaxation that opens a deal: drop {names} "
                f"(opens {relax.get('opens', 0):,} packages)."
            )
        else:
            console.print(f"No relaxation of up to three red lines opens a deal: "
                          f"{relax.get('reason', '')}")
    print_terms(console, "feasible", "Pareto-optimal", "Nash", "Kalai-Smorodinsky (KS)",
                "egalitarian", "utilitarian", "reservation value", "blocks alone")


def _red_line(scenario: Scenario, row: dict) -> str:
    """A red line as a person reads it: its label, else its name."""
    actor = scenario.actors.get(str(row.get("actor")))
    for rl in actor.red_lines if actor is not None else scenario.constraints:
        if rl.name == row.get("name") and rl.label:
            return rl.label
    return str(row.get("name"))
