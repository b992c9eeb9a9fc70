"""``negsim run``: simulate one negotiation of a scenario and tell how it went.

Thin: parse, load and validate, dispatch to `sim.api.simulate`, print. Output is a
readable account (rich) or, with ``--json``, one JSON object; the same seed always gives
byte-identical output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.api import RunResult
    from sim.scenario.schema import Scenario

#: The seed used when ``--seed`` is not given (printed in the account).
DEFAULT_SEED = 0
#: Fixed console width, so the readable account does not depend on the terminal.
WIDTH = 110


def register(app: typer.Typer) -> None:
    """Add ``run`` to ``app``."""
    app.command("run")(run)


def run(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the run's random generator.")
    ] = DEFAULT_SEED,
    rounds: Annotated[
        int | None, typer.Option("--rounds", min=1, help="Override the protocol's deadline.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    trace: Annotated[
        Path | None, typer.Option("--trace", help="Write the round table to this Parquet file.")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Draw the negotiation dance to this image (e.g. .png)."),
    ] = None,
) -> None:
    """Simulate one negotiation: who proposed what, the outcome and every actor's utility."""
    from sim.api import load, simulate

    scenario = load(file)
    collect = bool(trace or plot or not as_json)
    result = simulate(scenario, seed, rounds=rounds, collect=collect)
    if trace is not None:
        frame = result.trace
        assert frame is not None  # collected: collect is true whenever --trace is given
        _write(trace, lambda p: frame.to_parquet(p, index=False))
    if plot is not None:
        from sim.engine.plot import dance

        labels = {a: (act.label or a) for a, act in scenario.actors.items()}
        _write(plot, lambda p: dance(result, p, labels, scenario.name))
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    render_run(scenario, result)


def _write(path: Path, writer: Callable[[Path], object]) -> None:
    """Run ``writer(path)``, turning I/O failures into a one-line `UserError`."""
    from sim.atomic import atomic_path  # written to a temporary, then renamed over ``path``

    try:
        with atomic_path(path) as tmp:
            writer(tmp)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserError(f"{path}: cannot write: {reason}") from None


def render_run(scenario: Scenario, result: RunResult, width: int = WIDTH) -> None:
    """Print the readable account of a collected run.

    Rounds: who proposed, what changed from the previous proposal of the stage (the
    first proposal of a stage in full), every actor's utility of it and who accepted.
    Then the outcome, the package in words, each actor's utility, and whether the deal
    was ratified or stillborn.
    """
    from rich.console import Console
    from rich.table import Table

    console = Console(width=width, highlight=False)
    spec = scenario.protocol
    assert spec is not None  # the scenario was run, so it has a protocol (`run_config`)
    issue_label = {i: (iss.label or i) for i, iss in scenario.issues.items()}
    option_label = {i: dict(iss.options) for i, iss in scenario.issues.items()}
    actor_label = {a: (act.label or a) for a, act in scenario.actors.items()}
    actors = list(scenario.actors)
    console.print(f"[bold]{scenario.name}[/bold]")
    console.print(
        f"protocol {spec.kind}, sequencing {spec.sequencing}, deadline {result.deadline} "
        f"rounds; seed {result.seed}"
    )
    trace = result.trace
    assert trace is not None  # collected: `run` collects whenever it prints this account
    table = Table(title="Round by round (utilities of each proposal)", expand=True)
    table.add_column("round", justify="right", no_wrap=True)
    table.add_column("proposer", no_wrap=True)
    table.add_column("proposal: changes from the previous one", ratio=1, min_width=36,
                     overflow="fold")
    for a in actors:
        table.add_column(a.replace("_", " "), justify="right", no_wrap=False, max_width=9)
    table.add_column("accepted by", max_width=14, overflow="fold")
    previous: dict[str, str] = {}
    stage = None
    columns = [str(c) for c in trace.columns]
    for values in trace.itertuples(index=False, name=None):
        rec = dict(zip(columns, values, strict=True))
        if rec["stage"] != stage:
            stage, previous = rec["stage"], {}
        words = rec["package"]
        if words is None:
            what = "(passes)"
        else:
            current = dict(item.split("=", 1) for item in words.split("; "))
            changed = {i: o for i, o in current.items() if previous.get(i) != o}
            what = ", ".join(f"{i}={o}" for i, o in changed.items()) or "(same as before)"
            previous = current
        utilities = [
            "" if rec[f"utility_{a}"] != rec[f"utility_{a}"] else f"{rec[f'utility_{a}']:.2f}"
            for a in actors
        ]
        accepted = [a for a in actors if rec[f"response_{a}"] is True]
        note = ", ".join(accepted) or "-"
        if rec["event"]:
            note += f" [{rec['event']}]"
        if rec["walked"]:
            note += f" ({rec['walked']} walked out)"
        table.add_row(str(rec["round"]), str(rec["proposer"]), what, *utilities, note)
    console.print(table)
    console.print(f"[bold]Outcome:[/bold] {_outcome(result, actor_label)}")
    if result.package is not None:
        pkg = Table(title="The deal" if result.agreement else "The package on record")
        pkg.add_column("issue")
        pkg.add_column("option")
        for i, o in result.package.items():
            pkg.add_row(issue_label.get(i, i), option_label.get(i, {}).get(o, o))
        console.print(pkg)
    uts = Table(title="Each actor's utility" + ("" if result.agreement else " (no deal: "
                                                   "its reservation value)"))
    uts.add_column("actor")
    uts.add_column("utility", justify="right")
    if result.deal_utilities is not None and not result.agreement:
        uts.add_column("of the rejected deal", justify="right")
    for a in actors:
        cells = [actor_label[a], f"{result.utilities[a]:.3f}"]
        if result.deal_utilities is not None and not result.agreement:
            cells.append(f"{result.deal_utilities[a]:.3f}")
        uts.add_row(*cells)
    console.print(uts)
    if result.ratified is not None:
        console.print("Ratified: yes" if result.ratified else
                      "Ratified: no, the deal is stillborn")
    if result.agreement:
        pareto = "yes" if result.pareto_optimal else "no"
        nash = ("n/a" if result.nash_distance is None else f"{result.nash_distance:.3f}")
        console.print(f"Pareto-optimal: {pareto}; distance to the Nash point: {nash}")


def _outcome(result: RunResult, actor_label: dict[str, str]) -> str:
    """The outcome in one sentence."""
    if result.agreement:
        text = f"agreement in round {result.round}"
    elif result.stillborn:
        text = f"a deal in round {result.round}, rejected by the ratifiers: stillborn"
    elif result.reason == "walk_away":
        who = ", ".join(actor_label.get(a, a) for a in result.walked_out)
        text = f"the talks broke down in round {result.rounds - 1} ({who} walked out)"
    else:
        text = f"no agreement before the deadline ({result.rounds} rounds)"
    if result.ceasefire is not None and not result.agreement:
        text += f"; the ceasefire was settled first: {result.ceasefire}"
    elif result.walked_out and result.reason != "walk_away":
        text += f"; walked out: {', '.join(result.walked_out)}"
    return text
