"""``negsim score``: one hand-drafted package scored against the outcome space.

Thin: parse, load, dispatch to `sim.api.score`, print its ``to_json()`` (``--json``) or
tables with the scenario's labels (rich).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

#: Fixed console width, so the output does not depend on the terminal.
WIDTH = 110


def register(app: typer.Typer) -> None:
    """Add ``score`` to ``app``."""
    app.command("score")(score)


def score(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    package: Annotated[str, typer.Option(
        "--package", help="The package: issue=option,... (every issue, ids as in the file).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score a package: utilities and margins, red lines broken, Pareto, nearest feasible.

    Each actor's utility of the package and its margin to its reservation value, the red
    lines the package breaks, whether it is feasible and Pareto-optimal (with a package that
    dominates it), and the nearest feasible package. Every issue must be given.

    Examples:
      negsim score tests/data/mini.yaml --package ceasefire=in_package,land=frozen
      negsim score tests/data/mini.yaml --package ceasefire=none,land=ceded --json
    """
    from sim.api import load
    from sim.api import score as score_package
    from sim.scenario import compile_problem

    scenario = load(file)
    problem = compile_problem(scenario)
    doc = score_package(problem, package).to_json()
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    _render(scenario, doc)


def _render(scenario: Any, doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    actors, issues = scenario.actors, scenario.issues
    console = Console(width=WIDTH, highlight=False)
    console.print(f"[bold]{scenario.name}[/bold]: the package scored")
    terms = Table(title="The package")
    terms.add_column("issue")
    terms.add_column("option")
    for i, o in doc["package"].items():
        terms.add_row(issues[i].label or i, issues[i].options[o])
    console.print(terms)
    table = Table(title="Each actor's utility against its reservation value")
    for col in ("actor", "utility", "reservation", "margin"):
        table.add_column(col, justify="left" if col == "actor" else "right")
    for a, u in doc["utilities"].items():
        table.add_row(actors[a].label or a, f"{u:.3f}", f"{doc['reservations'][a]:.3f}",
                      f"{doc['margins'][a]:+.3f}")
    console.print(table)
    red = {(a, r.name): r.label or r.name for a, act in actors.items() for r in act.red_lines}
    for item in doc["red_lines_broken"]:
        who = actors[item["actor"]].label or item["actor"]
        console.print(f"breaks a red line of {who}: {red[(item['actor'], item['name'])]}")
    for name in doc["constraints_broken"]:
        console.print(f"breaks the agenda constraint {name}")
    console.print(("feasible" if doc["feasible"] else "not feasible") + ", "
                  + ("Pareto-optimal" if doc["pareto_optimal"] else "Pareto-dominated"))
    for key, title in (("dominated_by", "A package that dominates it changes"),
                       ("nearest_feasible", "The nearest feasible package changes")):
        other = doc[key]
        if other is None:
            continue
        diff = [(i, o) for i, o in other["package"].items() if doc["package"][i] != o]
        if not diff:
            console.print("it is its own nearest feasible package")
            continue
        console.print(f"{title}:")
        for i, o in diff:
            console.print(f"  {issues[i].label or i}: {issues[i].options[doc['package'][i]]}"
                          f" -> {issues[i].options[o]}")
    if doc["nearest_feasible"] is None:
        console.print("nothing is feasible: no package is inside every party's red lines "
                      "and reservation values")
