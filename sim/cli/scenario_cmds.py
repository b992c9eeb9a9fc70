"""``negsim validate``, ``negsim schema`` and ``negsim analyze``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from sim.errors import UserError

# The scenario layer (numpy, pydantic, the registries) is imported inside each command:
# `negsim --help` then costs the interpreter and typer only (issue 15, item 4).


def register(app: typer.Typer) -> None:
    """Add the scenario commands to ``app``."""
    app.command("validate")(validate)
    app.command("schema")(schema)
    app.command("analyze")(analyze)


def validate(
    files: list[Path] = typer.Argument(..., help="Scenario or experiment files."),
    strict: bool = typer.Option(
        False, "--strict", help="Also require a source for every number (protocol and "
        "dynamics included): one line per unsourced number."
    ),
) -> None:
    """Validate scenario or experiment files: prints ``ok`` or one line per problem (exit 2).

    Each problem names the file, the field path and what is allowed; 'extends' chains
    are merged first. With --strict, every number must also carry a source. A file whose
    top level names a base 'scenario' (and no 'actors') is an experiment file: its schema,
    parameter paths, design and the scenario at every design point are checked (what
    'negsim sweep' checks before it runs anything).

    Examples:
      negsim validate scenarios/alaska_summit.yaml
      negsim validate --strict scenarios/*.yaml
      negsim validate experiments/q1_zelenskyy_at_table.yaml
    """
    from sim.experiment.checkfile import check_experiment, read_kind
    from sim.scenario.loader import ScenarioError, load_scenario

    problems: list[str] = []
    for f in files:
        try:
            experiment, data, read = read_kind(f)  # each file parsed once
            if experiment:
                check_experiment(f)
            elif read:
                load_scenario(f, strict=strict, parsed=data)
            else:
                load_scenario(f, strict=strict)
        except (ScenarioError, UserError) as exc:
            problems.extend(getattr(exc, "lines", None) or [str(exc)])
    if problems:
        raise UserError(problems)
    typer.echo("ok")


def schema() -> None:
    """Print the JSON Schema of scenario files (for editor validation and completion).

    One schema for every file: without 'extends' a file must be a whole scenario; with
    'extends' it is an overlay whose fields are all optional ('null' deletes the base's
    value). Protocol and strategy kinds, and each kind's params, come from the registries.

    Example:
      negsim schema > scenario.schema.json
    """
    from sim.scenario.json_schema import scenario_json_schema

    typer.echo(json.dumps(scenario_json_schema(), indent=2, allow_nan=False))


def analyze(
    file: Path = typer.Argument(..., help="Scenario file."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    listing: str | None = typer.Option(
        None, "--list", help="Also list the packages: 'feasible' (the rule's zone) or "
        "'pareto' (its Pareto frontier)."),
    limit: int | None = typer.Option(None, "--limit", min=0, help="List at most N packages."),
    strict: bool = typer.Option(
        False, "--strict", help="Reservation values are strict: a package must beat no deal."),
) -> None:
    """Exact analysis of the outcome space: feasible set, Pareto frontier, solutions.

    Also what each red line and reservation value blocks on its own, each actor's binding
    threshold and, when nothing is feasible, the smallest set of red lines whose removal
    opens a deal. The zone and the solutions follow the scenario's acceptance rule. The
    terms are explained under the tables.

    Examples:
      negsim analyze scenarios/alaska_summit.yaml
      negsim analyze scenarios/russia_advances.yaml --json
      negsim analyze scenarios/alaska_summit.yaml --json --list pareto --limit 3
    """
    from sim.api import analysis_json
    from sim.core.analysis import LISTS
    from sim.scenario import compile_problem, load_scenario

    if listing is not None and listing not in LISTS:
        raise UserError(f"--list: unknown list '{listing}'; allowed: {', '.join(LISTS)}")
    scenario = load_scenario(file)
    doc = analysis_json(scenario, listing, limit, strict)
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    from sim.cli.render import render_analysis

    render_analysis(scenario, compile_problem(scenario), doc)
