"""Readable terminal output for the analysis (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sim.core.problem import Problem
from sim.scenario.schema import Scenario


def _label(problem: Problem, issue: str, option: str) -> str:
    return problem.labels.get("options", {}).get(issue, {}).get(option, option)


def render_analysis(scenario: Scenario, problem: Problem, doc: dict) -> None:
    """Print the analysis summary of ``doc`` (the ``--json`` object) as tables."""
    console = Console(width=110)
    console.print(f"[bold]{scenario.name}[/bold]")
    if scenario.description:
        console.print(scenario.description.strip())
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
            table.add_column(name.replace("_", " "))
        for issue in problem.issues:
            label = problem.labels.get("issues", {}).get(issue, issue)
            terms = [_label(problem, issue, s["package"][issue]) for s in sols.values()]
            table.add_row(label, *terms)
        for actor in problem.actors:
            table.add_row(
                f"[italic]u({actor})[/italic]",
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
    for row in doc["red_lines"]:
        rl.add_row(str(row["actor"]), row["name"], f"{row['blocks_alone']:,}")
    console.print(rl)
    relax = doc.get("minimal_relaxation")
    if relax:
        names = ", ".join(f"{r['actor']}.{r['name']}" for r in relax.get("red_lines", []))
        if names:
            console.print(
                f"Smallest relaxation that opens a deal: drop {names} "
                f"(opens {relax.get('opens', 0):,} packages)."
            )
        else:
            console.print(f"No relaxation of up to three red lines opens a deal: "
                          f"{relax.get('reason', '')}")
