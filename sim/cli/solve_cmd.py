"""``negsim solve``: the subgame-perfect equilibrium of a scenario's protocol.

Thin: parse, load and validate, dispatch to `sim.api.solve`, print
``{package, round, proposer, utilities}`` as JSON (``--json``) or as tables (rich).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

#: Fixed console width, so the output does not depend on the terminal.
WIDTH = 110


def register(app: typer.Typer) -> None:
    """Add ``solve`` to ``app``."""
    app.command("solve")(solve)


def solve(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    rounds: Annotated[
        int | None, typer.Option("--rounds", min=1, help="Override the protocol's deadline.")
    ] = None,
) -> None:
    """Solve the protocol's subgame-perfect equilibrium: package, round, proposer, utilities.

    What fully rational, forward-looking actors would agree on under the scenario's
    protocol (backward induction), to compare with what the heuristic agents reach.

    Examples:
      negsim solve scenarios/zelenskyy_at_table.yaml
      negsim solve scenarios/validation/rubinstein_two_players.yaml --json
    """
    from sim.api import load
    from sim.api import solve as solve_scenario

    scenario = load(file)
    result = solve_scenario(scenario, rounds=rounds)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(width=WIDTH, highlight=False)
    console.print(f"[bold]{escape(scenario.name)}[/bold]: subgame-perfect equilibrium of "
                  f"{result.protocol}")
    if result.package is None:
        console.print("No deal: in equilibrium the deadline passes without agreement.")
    else:
        assert result.proposer is not None  # an equilibrium agreement has a proposer
        console.print(f"Agreement in round {result.round}, proposed by "
                      f"{escape(scenario.actors[result.proposer].label or result.proposer)}.")
        table = Table(title="The equilibrium package")
        table.add_column("issue")
        table.add_column("option")
        for i, o in result.package.items():
            issue = scenario.issues[i]
            table.add_row(escape(issue.label or i), escape(issue.options.get(o, o)))
        console.print(table)
    uts = Table(title="Each actor's utility" + ("" if result.package else
                                                   " (no deal: its reservation value)"))
    uts.add_column("actor")
    uts.add_column("utility", justify="right")
    for a, u in result.utilities.items():
        uts.add_row(escape(scenario.actors[a].label or a), f"{u:.3f}")
    console.print(uts)
    for note in result.notes:
        console.print(f"note: {escape(note)}")
