"""``negsim reachable``: which outcomes a sweep reached, per design point and overall."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # pragma: no cover
    from sim.report.labels import Labels

TOP_PACKAGES = 5


def register(app: typer.Typer) -> None:
    """Add the ``reachable`` command to ``app``."""
    app.command("reachable")(reachable)


def reachable(
    directory: Annotated[Path, typer.Argument(help="Results directory of a sweep.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse (exit 2) if a scenario file changed since "
                           "the sweep, instead of warning.")
    ] = False,
) -> None:
    """Agreement rates, packages reached, feasible packages never reached, the SPE.

    Tables name issues, options and actors by their labels; --json gives the ids. Reads
    only the part files the manifest records, each checked against its checksum.

    Examples:
      negsim reachable results/demo
      negsim reachable results/demo --json
      negsim reachable results/demo --strict
    """
    from sim.cli.checks import scenario_warnings
    from sim.experiment.reachable import reachable as summarise

    scenario_warnings(directory, strict)
    doc = summarise(directory)
    if as_json:
        typer.echo(json.dumps(doc, indent=2))
        return
    render(directory, doc)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _pct_ci(x: float | None, ci: list[float] | None) -> str:
    """``62.5% (55.1-69.4%)``: a rate and its Wilson 95% interval."""
    if x is None or not ci:
        return _pct(x)
    return f"{100 * x:.1f}% ({100 * ci[0]:.1f}-{100 * ci[1]:.1f}%)"


def labels_of(directory: Path) -> tuple[Labels, dict[str, str]]:
    """The labels a sweep recorded in its Parquet metadata (ids only when there are none).

    Returns:
        The labels of issues, options, actors, state variables and parameters, and the
        names of the scenarios by the ``param.scenario`` value that selects them.
    """
    from sim.experiment.labels import read_labels_doc
    from sim.report.labels import Labels

    doc = read_labels_doc(directory / "points.parquet") or {}

    def mapping(key: str) -> dict:
        value = doc.get(key)
        return value if isinstance(value, dict) else {}

    labels = Labels(mapping("issues"), mapping("options"), mapping("actors"), mapping("state"),
                    mapping("params"))
    return labels, {str(k): str(v) for k, v in mapping("scenarios").items()}


def _terms(package: dict[str, str] | None, labels: Labels) -> str:
    if not package:
        return "-"
    return "; ".join(f"{labels.issue(i)}: {labels.option(i, o)}" for i, o in package.items())


def render(directory: Path, doc: dict) -> None:
    """Print ``doc`` (the ``--json`` object) as rich tables, ids shown by their labels."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from sim.cli.render import print_terms

    labels, scenarios = labels_of(directory)
    console = Console(width=140, highlight=False)
    console.print(
        f"[bold]{escape(str(directory))}[/bold]: {doc['n_runs']:,} runs, agreement "
        f"{_pct_ci(doc['agreement_rate'], doc.get('agreement_rate_ci'))}, stillborn "
        f"{_pct_ci(doc['stillborn_rate'], doc.get('stillborn_rate_ci'))} (Wilson 95%), "
        f"ceasefire only {_pct(doc.get('ceasefire_only_rate'))}, "
        f"{len(doc['by_point']):,} design points"
    )
    rob = doc.get("robustness")
    if rob and rob.get("holds_share") is not None:
        console.print(
            f"Claim: {escape(rob['claim'] or 'rate(a) ' + rob['relation'] + ' rate(b)')}: "
            f"holds in {_pct_ci(rob['holds_share'], rob['holds_share_ci'])} of "
            f"{rob['n_samples']} uncertainty samples; difference {rob['difference']:+.3f} "
            f"(95% {rob['difference_ci'][0]:+.3f} to {rob['difference_ci'][1]:+.3f})"
        )
    top = doc["reached"][:TOP_PACKAGES]
    spe = doc["spe"][0]["package"] if len(doc["spe"]) == 1 else None
    if top:
        table = Table(title=f"Packages reached (top {len(top)} of {len(doc['reached'])})")
        table.add_column("issue")
        for k, _ in enumerate(top, 1):
            table.add_column(f"#{k}")
        if spe:
            table.add_column("SPE", style="italic")
        issues = list(dict.fromkeys(i for e in top for i in e["package"]))
        for issue in issues:
            cells = [labels.option(issue, e["package"][issue]) if issue in e["package"] else "-"
                     for e in top]
            if spe:
                cells.append(labels.option(issue, spe[issue]) if issue in spe else "-")
            table.add_row(escape(labels.issue(issue)), *[escape(c) for c in cells])
        extra = [""] if spe else []
        table.add_row("[bold]runs[/bold]", *[f"{e['count']:,}" for e in top], *extra)
        table.add_row("[bold]share[/bold]", *[_pct(e["share"]) for e in top], *extra)
        table.add_row("Pareto-optimal", *["yes" if e["pareto_optimal"] else "no" for e in top],
                      *extra)
        table.add_row(
            "Nash distance",
            *["-" if e["nash_distance"] is None else f"{e['nash_distance']:.3f}" for e in top],
            *extra,
        )
        table.add_row("durability", *[_num(e.get("durability")) for e in top], *extra)
        table.add_row("durable value (joint)",
                      *[_num((e.get("expected_durable_value") or {}).get("joint"))
                        for e in top], *extra)
        console.print(table)
    else:
        console.print("[bold red]No run reached an agreement.[/bold red]")
    for e in doc.get("ceasefire_only", []):
        console.print(f"Ceasefire only ({escape(e['stage1_ceasefire'])} ceasefire agreed, no "
                      f"settlement): {e['count']:,} runs ({_pct(e['share'])}), durability "
                      f"{_num(e['durability'])}, durable value (joint) "
                      f"{_num((e['expected_durable_value'] or {}).get('joint'))}")
    if len(doc["spe"]) > 1:
        console.print(f"Subgame-perfect packages differ across points: {len(doc['spe'])} distinct.")
    elif not doc["spe"]:
        console.print("No subgame-perfect package (no equilibrium deal, or none defined).")
    never = doc["never_reached_feasible"]
    console.print(f"Feasible packages never reached (union over points): {len(never):,}")
    for pkg in never[:3]:
        console.print(f"  {escape(_terms(pkg, labels))}")
    if len(never) > 3:
        console.print(f"  ... and {len(never) - 3:,} more (see --json)")
    points = Table(title="By design point")
    points.add_column("point", justify="right")
    params = list(doc["by_point"][0]["params"]) if doc["by_point"] else []
    for p in params:
        points.add_column(escape(labels.param("param." + p)), overflow="fold")
    for name in ("runs", "agreement", "stillborn", "ceasefire only", "packages", "top share",
                 "never reached"):
        points.add_column(name, justify="right")
    points.add_column("SPE reached", justify="right")
    for pt in doc["by_point"]:
        top_share = pt["reached"][0]["share"] if pt["reached"] else None
        spe_share = next(
            (e["count"] / pt["n_runs"] for e in pt["reached"] if pt["spe"] and
             e["package"] == pt["spe"]),
            0.0 if pt["spe"] and pt["n_runs"] else None,
        )
        points.add_row(
            str(pt["point_id"]),
            *[escape(_fmt(pt["params"][p], scenarios)) for p in params],
            f"{pt['n_runs']:,}",
            _pct_ci(pt["agreement_rate"], pt.get("agreement_rate_ci")),
            _pct_ci(pt["stillborn_rate"], pt.get("stillborn_rate_ci")),
            _pct(pt.get("ceasefire_only_rate")),
            str(len(pt["reached"])),
            _pct(top_share),
            f"{len(pt['never_reached_feasible']):,}",
            _pct(spe_share),
        )
    console.print(points)
    print_terms(console, "feasible", "Pareto-optimal", "Nash distance", "stillborn", "SPE")


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _fmt(value, scenarios: dict[str, str]) -> str:
    if isinstance(value, str) and value in scenarios:
        return scenarios[value]  # a scenario file, by its name
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str) and value.endswith((".yaml", ".yml")):
        return Path(value).stem  # a scenario file
    return "-" if value is None else str(value)
