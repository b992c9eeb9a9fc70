"""The Python API: scenarios in, analyses, runs and equilibria out.

Core objects (re-exported from `sim`; the CLI dispatches to them):
    load: a validated `Scenario` from a file (``extends`` resolved) or a dict.
    analyze: the exact analysis of a scenario's outcome space (`sim.core.Analysis`).
    prepare: the engine's precomputation of a scenario (shared by many runs).
    model: the Mesa `NegotiationModel` of one run, to step through round by round.
    simulate: one negotiation -> `RunResult` (``.trace`` is the round table as a pandas
        DataFrame, ``.to_json()`` what ``negsim run --json`` prints).
    solve: the subgame-perfect equilibrium of the scenario's protocol -> `SolveResult`.
    score: one hand-drafted package scored against the outcome space -> `PackageScore`
        (``.to_json()`` is what ``negsim score --json`` prints; the dashboard calls it too).

Sweeps, results directories and reports sit in the layers above this one
(`sim.experiment`, `sim.report`); `sim` re-exports their entry points too (``sweep``,
``load_results``, ``report``).

Example:
    >>> import sim
    >>> scenario = sim.load("scenarios/validation/rubinstein_two_players.yaml")
    >>> int(sim.analyze(scenario).feasible.sum()) > 0
    True
    >>> result = sim.simulate(scenario, seed=1)
    >>> result.seed, result.trace is not None
    (1, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.core.analysis import Analysis
from sim.core.analysis import analyze as analyze_problem
from sim.core.problem import Problem
from sim.core.score import PackageScore, score_package
from sim.errors import UserError
from sim.scenario import Scenario, compile_problem, load_scenario, run_config, validate_data

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.api import RunResult
    from sim.engine.model import NegotiationModel
    from sim.engine.prepared import Prepared
    from sim.engine.solve import SolveResult

__all__ = ["analyze", "load", "model", "prepare", "score", "simulate", "solve"]

Source = Scenario | str | Path | Mapping[str, Any]


def load(source: Source) -> Scenario:
    """A validated scenario.

    Args:
        source: a scenario file (its ``extends`` chain resolved), a dict shaped like a
            parsed file, or an already validated `Scenario` (returned as it is).

    Raises:
        ScenarioError: one readable line per problem (file, field path, what is allowed).
    """
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        return validate_data(dict(source), "<dict>")
    return load_scenario(source)


def analyze(source: Source | Problem, diagnostics: bool = True) -> Analysis:
    """The exact analysis of the outcome space (what ``negsim analyze`` prints).

    Args:
        source: a scenario (file, dict or `Scenario`) or a compiled `Problem`.
        diagnostics: also compute what each red line blocks and the minimal relaxation.
    """
    problem = source if isinstance(source, Problem) else compile_problem(load(source))
    return analyze_problem(problem, diagnostics=diagnostics)


def score(
    source: Source | Problem,
    package: str | Mapping[str, str] | int,
    analysis: Analysis | None = None,
) -> PackageScore:
    """Score one package: utilities and margins, red lines broken, Pareto, nearest deal.

    Args:
        source: a scenario (file, dict or `Scenario`) or a compiled `Problem`.
        package: ``issue=option,...`` text, ``{issue: option}`` (every issue given, ids
            as in the file) or a package index.
        analysis: the problem's analysis, when the caller has it already (the dashboard
            keeps one per edit); computed without diagnostics otherwise.

    Raises:
        UserError: a package naming unknown issues or options, or leaving an issue out
            (one line each, with what is allowed).
    """
    from sim.scenario.packages import package_row

    problem = source if isinstance(source, Problem) else compile_problem(load(source))
    row = package if isinstance(package, int) else package_row(problem, package)
    if analysis is None:
        analysis = analyze_problem(problem, diagnostics=False)
    return score_package(problem, analysis, row)


def prepare(source: Source | Problem) -> Prepared:
    """The engine's precomputation of a scenario (or compiled problem), shared by runs."""
    from sim.engine.prepared import prepare as prepare_problem

    problem = source if isinstance(source, Problem) else compile_problem(load(source))
    return prepare_problem(problem)


def model(
    source: Source,
    seed: int = 0,
    rounds: int | None = None,
    collect: bool = True,
    prepared: Prepared | None = None,
) -> NegotiationModel:
    """The Mesa model of one run, ready to ``step()`` round by round.

    Args:
        source: the scenario.
        seed: the run's seed (its only source of randomness).
        rounds: overrides the protocol deadline.
        collect: record the round table in ``model.datacollector``.
        prepared: the scenario's precomputation, to share it across runs.

    Raises:
        UserError: the scenario cannot be run (no protocol, bad settings).
    """
    from sim.engine.model import NegotiationModel

    scenario = load(source)
    prepared = _prepared(scenario, prepared)
    return NegotiationModel(prepared, run_config(scenario), seed, rounds=rounds,
                            collect=collect)


def simulate(
    source: Source,
    seed: int = 0,
    rounds: int | None = None,
    prepared: Prepared | None = None,
    collect: bool = True,
) -> RunResult:
    """Run one negotiation.

    Args:
        source: the scenario (file, dict or `Scenario`).
        seed: the run's seed: the same seed gives the same run, bit for bit.
        rounds: overrides the protocol deadline.
        prepared: the scenario's precomputation (`prepare`), to share it across runs; it
            must come from a scenario with the same issues, options and actors (protocol,
            strategies and dynamics are taken from ``source``).
        collect: record the round table (``RunResult.trace``); the outcome is the same
            either way.

    Raises:
        UserError: the scenario cannot be run (no protocol, bad settings).
        ValueError: ``prepared`` does not match the scenario.
    """
    from sim.engine.api import run

    scenario = load(source)
    prepared = _prepared(scenario, prepared)
    return run(prepared, run_config(scenario), seed, rounds, collect)


def solve(
    source: Source, rounds: int | None = None, prepared: Prepared | None = None
) -> SolveResult:
    """The subgame-perfect equilibrium of the scenario's protocol (``negsim solve``).

    Raises:
        UserError: the scenario has no protocol.
        SolveError: the protocol has no equilibrium (e.g. ``single_text``).
    """
    from sim.engine.solve import solve as solve_protocol

    scenario = load(source)
    if scenario.protocol is None:
        raise UserError(f"{scenario.name}: protocol: the scenario has no protocol to solve")
    return solve_protocol(_prepared(scenario, prepared), scenario.protocol, rounds)


def _prepared(scenario: Scenario, prepared: Prepared | None) -> Prepared:
    """``prepared`` checked against ``scenario``, or a new precomputation."""
    from sim.engine.prepared import prepare as prepare_problem

    if prepared is None:
        return prepare_problem(compile_problem(scenario))
    problem = prepared.problem
    issues = tuple(scenario.issues)
    options = tuple(tuple(i.options) for i in scenario.issues.values())
    if (problem.issues, problem.options, problem.actors) != (
        issues, options, tuple(scenario.actors)
    ):
        raise ValueError("prepared does not match the scenario's issues, options and actors")
    return prepared
