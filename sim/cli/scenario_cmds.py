"""``negsim validate``, ``negsim schema`` and ``negsim analyze``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from sim.errors import UserError
from sim.scenario import ScenarioError, compile_problem, load_scenario


def register(app: typer.Typer) -> None:
    """Add the scenario commands to ``app``."""
    app.command("validate")(validate)
    app.command("schema")(schema)
    app.command("analyze")(analyze)


def validate(
    files: list[Path] = typer.Argument(..., help="Scenario files."),
    strict: bool = typer.Option(
        False, "--strict", help="Also require a source for every number (protocol and "
        "dynamics included): one line per unsourced number."
    ),
) -> None:
    """Validate scenario files: prints ``ok`` or one line per problem (exit code 2).

    Each problem names the file, the field path and what is allowed; 'extends' chains
    are merged first. With --strict, every number must also carry a source.

    Examples:
      negsim validate scenarios/alaska_summit.yaml
      negsim validate --strict scenarios/*.yaml
    """
    problems: list[str] = []
    for f in files:
        try:
            load_scenario(f, strict=strict)
        except ScenarioError as exc:
            problems.extend(exc.lines)
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
) -> None:
    """Exact analysis of the outcome space: feasible set, Pareto frontier, solutions.

    Also what each red line blocks on its own and, when nothing is feasible, the
    smallest set of red lines whose removal opens a deal. The terms are explained under
    the tables.

    Examples:
      negsim analyze scenarios/alaska_summit.yaml
      negsim analyze scenarios/russia_advances.yaml --json
    """
    from sim.api import analyze as run_analysis
    from sim.core.analysis import analysis_to_json

    scenario = load_scenario(file)
    problem = compile_problem(scenario)
    result = run_analysis(problem)
    doc = analysis_to_json(problem, result)
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    from sim.cli.render import render_analysis

    render_analysis(scenario, problem, doc)
