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
    rule = doc.get("acceptance") or {}
    if rule and not rule.get("unanimous", True):
        console.print(
            f"under the acceptance rule of {rule['rule']} (veto: "
            f"{', '.join(rule['veto']) or 'nobody'}; quota: {rule['quota']} of the others): "
            f"{doc['n_feasible']:,} packages could pass; "
            f"{doc['n_feasible_unanimous']:,} are acceptable to every participant"
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
    actors = doc.get("actors") or {}
    if actors:
        at = Table(title="Each actor: what it accepts, and its binding threshold")
        for col in ("actor", "reservation", "acceptable", "best", "highest reservation "
                    "keeping a deal"):
            at.add_column(col, justify="left" if col == "actor" else "right")
        for actor, row in actors.items():
            top = row["max_reservation"]
            at.add_row(actor, f"{row['reservation']:.3f}", f"{row['acceptable']:,}",
                       "-" if row["best"] is None else f"{row['best']:.3f}",
                       "-" if top is None else f"{top:.3f}")
        console.print(at)
    listed = doc.get("list")
    if listed:
        lt = Table(title=f"{listed['kind']} packages ({len(listed['packages']):,} of "
                   f"{listed['total']:,})")
        lt.add_column("package")
        for actor in problem.actors:
            lt.add_column(actor, justify="right")
        for entry in listed["packages"]:
            words = ", ".join(f"{i}={o}" for i, o in entry["package"].items())
            lt.add_row(words, *[f"{entry['utilities'][a]:.3f}" for a in problem.actors])
        console.print(lt)
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
