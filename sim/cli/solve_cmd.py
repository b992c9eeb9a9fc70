"""``negsim solve``: the subgame-perfect equilibrium of a scenario's protocol.

Thin: parse, load and validate, dispatch to `sim.api.solve`, print the equilibrium
(`sim.engine.solve.SolveResult.to_json`) as JSON (``--json``) or as tables (rich).
``--horizon infinite`` solves the never-ending game (`sim.engine.solve_infinite`).
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
        int | None, typer.Option("--rounds", min=1, max=100_000, help="Override the protocol's "
                                 "deadline (at most 100,000 rounds; files allow 10,000).")
    ] = None,
    horizon: Annotated[
        str, typer.Option("--horizon", help="'finite' (to the deadline) or 'infinite' (the "
                          "stationary equilibrium of the never-ending game).")
    ] = "finite",
    disagreement: Annotated[
        str | None, typer.Option("--disagreement", help="The no-deal value: 'undiscounted' "
                                 "(the agents' convention: the reservation value, available "
                                 "in any round) or 'discounted' (paid at the deadline, "
                                 "discounted to it). Default: the file's "
                                 "protocol.disagreement, else undiscounted.")
    ] = None,
) -> None:
    """Solve the protocol's subgame-perfect equilibrium: package, round, proposer, utilities.

    What fully rational, forward-looking actors would agree on under the scenario's
    protocol (backward induction), to compare with what the heuristic agents reach;
    with --horizon infinite, the stationary equilibrium of the never-ending game.

    Examples:
      negsim solve scenarios/zelenskyy_at_table.yaml
      negsim solve scenarios/validation/rubinstein_two_players.yaml --json
      negsim solve scenarios/zelenskyy_at_table.yaml --horizon infinite
      negsim solve scenarios/alaska_summit.yaml --disagreement discounted
    """
    from sim.api import load
    from sim.api import solve as solve_scenario

    scenario = load(file)
    result = solve_scenario(scenario, rounds=rounds, horizon=horizon,
                            disagreement=disagreement)
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
    uts.add_column("ex-ante value", justify="right")
    for a, u in result.utilities.items():
        value = result.values.get(a)
        uts.add_row(escape(scenario.actors[a].label or a), f"{u:.3f}",
                    "-" if value is None else f"{value:.3f}")
    console.print(uts)
    doc = result.to_json()
    for a, lottery in doc["offers"].items():
        if not lottery:
            console.print(f"{escape(a)} lets the round pass")
            continue
        shown = "; ".join(
            f"{', '.join(f'{i}={o}' for i, o in offer['package'].items())} "
            f"({offer['probability']:.0%})" for offer in lottery[:4])
        more = f" and {len(lottery) - 4} more" if len(lottery) > 4 else ""
        console.print(escape(f"{a} proposes {shown}{more}"))
    console.print(f"no-deal value: {result.disagreement}")
    for note in result.notes:
        console.print(f"note: {escape(note)}")
