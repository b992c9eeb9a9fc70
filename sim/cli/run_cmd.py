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
WIDTH = 132


def register(app: typer.Typer) -> None:
    """Add ``run`` to ``app``."""
    app.command("run")(run)


def run(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the run's random generator.")
    ] = DEFAULT_SEED,
    rounds: Annotated[
        int | None, typer.Option("--rounds", min=1, max=10_000,
                                 help="Override the protocol's deadline (at most 10,000).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    per_round: Annotated[
        bool, typer.Option("--per-round", help="With --json: add the per-round records "
                           "(key 'rounds'; --rounds already overrides the deadline).")
    ] = False,
    trace: Annotated[
        Path | None, typer.Option("--trace", help="Write the round table to this Parquet file.")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Draw the negotiation dance to this image (e.g. .png)."),
    ] = None,
) -> None:
    """Simulate one negotiation: who proposed what, the outcome and every actor's utility.

    The same seed gives the same run, byte for byte.

    Examples:
      negsim run scenarios/zelenskyy_at_table.yaml --seed 1
      negsim run scenarios/alaska_summit.yaml --seed 1 --json
      negsim run scenarios/trump_impatient.yaml --plot dance.png --trace t.parquet
    """
    from sim.api import load, simulate

    if plot is not None:
        from sim.engine.plot import check_format

        try:
            check_format(plot)
        except ValueError as exc:
            raise UserError(f"--plot {plot}: {exc}") from None
    scenario = load(file)
    collect = bool(trace or plot or per_round or not as_json)
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
        doc = result.to_json()
        if per_round:
            from sim.engine.rounds_json import per_round as records

            doc["rounds"] = records(result, tuple(scenario.actors))
        typer.echo(json.dumps(doc, indent=2))
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
    first proposal of a stage in full), every actor's utility of it, who accepted and
    what happened (agreement, stillborn deal, walk-outs). Then the outcome, the package in
    words, each actor's utility, whether the deal was ratified or stillborn, and the
    terms used. Issues, options and actors are named by their labels.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from sim.cli.render import print_terms

    console = Console(width=width, highlight=False)
    spec = scenario.protocol
    assert spec is not None  # the scenario was run, so it has a protocol (`run_config`)
    issue_label = {i: (iss.label or i) for i, iss in scenario.issues.items()}
    option_label = {i: dict(iss.options) for i, iss in scenario.issues.items()}
    actor_label = {a: (act.label or a) for a, act in scenario.actors.items()}
    actors = list(scenario.actors)
    console.print(f"[bold]{escape(scenario.name)}[/bold]")
    console.print(
        f"protocol {spec.kind}, sequencing {spec.sequencing}, deadline {result.deadline} "
        f"rounds; seed {result.seed}"
    )
    trace = result.trace
    assert trace is not None  # collected: `run` collects whenever it prints this account
    table = Table(title="Round by round (utilities of each proposal)", expand=True)
    table.add_column("round", justify="right", no_wrap=True)
    table.add_column("proposer", max_width=12)
    table.add_column("proposal: changes from the previous one", ratio=1, min_width=36,
                     overflow="fold")
    for a in actors:
        table.add_column(escape(actor_label[a]), justify="right", max_width=11)
    table.add_column("accepted by", max_width=16)
    previous: dict[str, str] = {}
    stage = None
    columns = [str(c) for c in trace.columns]
    for values in trace.itertuples(index=False, name=None):
        rec = dict(zip(columns, values, strict=True))
        if rec["stage"] != stage:
            stage, previous = rec["stage"], {}
        table.add_row(
            str(rec["round"]),
            escape(actor_label.get(str(rec["proposer"]), str(rec["proposer"]))),
            escape(_changes(rec["package"], previous, issue_label, option_label)),
            *[_utility(rec[f"utility_{a}"]) for a in actors],
            escape(_note(rec, actors, actor_label)),
        )
    console.print(table)
    console.print(f"[bold]Outcome:[/bold] {escape(_outcome(result, actor_label))}")
    if result.package is not None:
        pkg = Table(title="The deal" if result.agreement else "The package on record")
        pkg.add_column("issue")
        pkg.add_column("option")
        for i, o in result.package.items():
            pkg.add_row(escape(issue_label.get(i, i)), escape(option_label.get(i, {}).get(o, o)))
        console.print(pkg)
    uts = Table(title="Each actor's utility" + ("" if result.agreement else " (no deal: "
                                                   "its reservation value)"))
    uts.add_column("actor")
    uts.add_column("utility", justify="right")
    if result.deal_utilities is not None and not result.agreement:
        uts.add_column("of the rejected deal", justify="right")
    for a in actors:
        cells = [escape(actor_label[a]), f"{result.utilities[a]:.3f}"]
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
    terms = ["Pareto-optimal", "Nash", "Nash distance"] if result.agreement else []
    terms += ["reservation value", *(["stillborn"] if result.ratified is not None else [])]
    print_terms(console, *terms)


def _accepted(value: object) -> bool:
    """Whether a ``response_<actor>`` cell says yes (numpy or pandas boolean, or NA)."""
    try:
        return bool(value == True)  # noqa: E712 - numpy booleans are not ``True``
    except TypeError:  # pandas.NA: the actor gave no answer
        return False


def _utility(value: object) -> str:
    return "" if value is None or value != value else f"{float(value):.2f}"  # type: ignore[arg-type]


def _changes(words: str | None, previous: dict[str, str], issue_label: dict[str, str],
             option_label: dict[str, dict[str, str]]) -> str:
    """What a proposal changes from ``previous`` (updated in place), in labels."""
    if words is None or words != words:
        return "(passes)"
    current = dict(item.split("=", 1) for item in words.split("; "))
    changed = {i: o for i, o in current.items() if previous.get(i) != o}
    previous.clear()
    previous.update(current)
    if not changed:
        return "(same as before)"
    return "\n".join(
        f"{issue_label.get(i, i)}: {option_label.get(i, {}).get(o, o)}" for i, o in changed.items()
    )


def _note(rec: dict, actors: list[str], actor_label: dict[str, str]) -> str:
    """Who accepted the proposal, and what happened in the round."""
    accepted = [actor_label[a] for a in actors if _accepted(rec[f"response_{a}"])]
    note = ", ".join(accepted) or "-"
    if rec["event"]:
        note += f" [{rec['event']}]"
    if rec["walked"]:
        walked = ", ".join(actor_label.get(a, a) for a in str(rec["walked"]).split(","))
        note += f" ({walked} walked out)"
    return note


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
    if result.ceasefire_only:
        text += (f"; ceasefire only: stage 1 agreed '{result.ceasefire}', which holds "
                 "without a settlement")
    elif result.ceasefire is not None and not result.agreement:
        text += f"; the ceasefire was settled first: {result.ceasefire}"
    elif result.walked_out and result.reason != "walk_away":
        text += f"; walked out: {', '.join(result.walked_out)}"
    if result.durability is not None:
        text += (f"; durability {result.durability:.2f} (the model's chance that it holds "
                 "over the scenario's horizon)")
    return text
