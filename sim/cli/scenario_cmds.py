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
    """Validate scenario files: prints ``ok`` or one line per problem (exit code 2)."""
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
    """Print the JSON Schema of scenario files (for editor validation and completion)."""
    from sim.scenario.numbers import engine_json_schema
    from sim.scenario.schema import Scenario

    doc = engine_json_schema(Scenario.model_json_schema(by_alias=True))
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "negsim scenario"
    # ``extends`` is resolved by the loader before validation; editors should accept it.
    doc.setdefault("properties", {})["extends"] = {
        "type": "string",
        "description": "Path of a base scenario file; this file's fields override it.",
    }
    typer.echo(json.dumps(doc, indent=2))


def analyze(
    file: Path = typer.Argument(..., help="Scenario file."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Exact analysis of the outcome space: feasible set, Pareto frontier, solutions."""
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
