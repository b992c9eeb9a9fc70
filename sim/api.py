"""The Python API: scenarios in, analyses, runs and equilibria out.

Core objects (re-exported from `sim`; the CLI dispatches to them):
    load: a validated `Scenario` from a file (``extends`` resolved) or a dict.
    analyze: the exact analysis of a scenario's outcome space (`sim.core.Analysis`), its
        zone and solutions taken under the scenario's own acceptance rule.
    analysis_json: what ``negsim analyze --json`` prints.
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
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.core.analysis import Analysis, with_rule
from sim.core.analysis import analyze as analyze_problem
from sim.core.problem import Problem
from sim.core.score import PackageScore, score_package
from sim.errors import UserError
from sim.scenario import Scenario, compile_problem, load_scenario, run_config, validate_data
from sim.scenario.describe import analysis_document
from sim.scenario.kinds import option_ids

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.api import RunResult
    from sim.engine.model import NegotiationModel
    from sim.engine.prepared import Prepared
    from sim.engine.solve import SolveResult

__all__ = ["analysis_json", "analyze", "load", "model", "prepare", "score", "simulate", "solve"]

Source = Scenario | str | Path | Mapping[str, Any]
#: The horizons `solve` knows.
HORIZONS = ("finite", "infinite")
#: The no-deal conventions `solve` knows (``ProtocolSpec.disagreement``).
DISAGREEMENTS = ("undiscounted", "discounted")


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


def analyze(source: Source | Problem, diagnostics: bool = True,
            strict: bool = False) -> Analysis:
    """The exact analysis of the outcome space (what ``negsim analyze`` prints).

    The zone and the solutions are taken under the scenario's acceptance rule
    (`sim.engine.zone`; unanimity among the participants for a `Problem` or a scenario
    without a protocol); ``feasible`` is always the unanimous feasible set.

    Args:
        source: a scenario (file, dict or `Scenario`) or a compiled `Problem`.
        diagnostics: also compute what each constraint blocks, the minimal relaxation and
            the per-actor thresholds.
        strict: reservation values are strict thresholds (a package must beat no deal).

    When the protocol cannot be set up for the scenario's actors, the zone is the feasible
    set and ``rule.label`` says why.
    """
    if isinstance(source, Problem):
        return analyze_problem(source, diagnostics=diagnostics, strict=strict)
    scenario = load(source)
    problem = compile_problem(scenario)
    analysis = analyze_problem(problem, diagnostics=diagnostics, strict=strict)
    if scenario.protocol is None:
        return analysis
    from sim.engine.prepared import prepare as prepare_problem
    from sim.engine.protocols.records import ProtocolError
    from sim.engine.zone import voting_rule

    try:
        rule = voting_rule(prepare_problem(problem, analysis), scenario.protocol)
    except ProtocolError as exc:  # analysable all the same: unanimity, and say why
        assert analysis.rule is not None
        why = "; ".join(exc.lines)
        return replace(analysis, rule=replace(analysis.rule, label=f"unanimity ({why})"))
    return with_rule(analysis, rule)


def analysis_json(source: Source, listing: str | None = None, limit: int | None = None,
                  strict: bool = False) -> dict[str, Any]:
    """The ``negsim analyze --json`` object (`sim.scenario.describe.analysis_document`).

    Args:
        source: the scenario.
        listing: ``feasible`` or ``pareto``: also list those packages (key ``list``).
        limit: list at most this many.
        strict: reservation values are strict thresholds.
    """
    scenario = load(source)
    analysis = analyze(scenario, strict=strict)
    return analysis_document(scenario, compile_problem(scenario), analysis, listing, limit)


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
    source: Source, rounds: int | None = None, prepared: Prepared | None = None,
    horizon: str = "finite", disagreement: str | None = None,
) -> SolveResult:
    """The subgame-perfect equilibrium of the scenario's protocol (``negsim solve``).

    Args:
        source: the scenario.
        rounds: overrides the protocol deadline (finite horizon only; no cap).
        prepared: the scenario's precomputation, to reuse it.
        horizon: ``finite`` (backward induction to the deadline) or ``infinite`` (the
            stationary equilibrium of the never-ending game, `sim.engine.solve_infinite`).
        disagreement: overrides ``protocol.disagreement``, the no-deal convention
            (``undiscounted``, the agents', or ``discounted``; README, "Patience and the
            no-deal value").

    Raises:
        UserError: the scenario has no protocol, or the options conflict.
        SolveError: the protocol has no equilibrium (e.g. ``single_text``).
    """
    from sim.engine.solve import solve as solve_protocol
    from sim.engine.solve_infinite import solve_infinite

    scenario = load(source)
    if scenario.protocol is None:
        raise UserError(f"{scenario.name}: protocol: the scenario has no protocol to solve")
    if horizon not in HORIZONS:
        raise UserError(f"--horizon: unknown horizon '{horizon}'; allowed: finite, infinite")
    protocol = scenario.protocol
    if disagreement is not None:
        if disagreement not in DISAGREEMENTS:
            raise UserError(f"--disagreement: unknown no-deal convention '{disagreement}'; "
                            f"allowed: {', '.join(DISAGREEMENTS)}")
        protocol = protocol.model_copy(update={"disagreement": disagreement})
    if horizon == "infinite":
        if rounds is not None:
            raise UserError("--rounds: the infinite horizon has no deadline to override; "
                            "drop --rounds or use --horizon finite")
        problem = compile_problem(scenario) if prepared is None else prepared.problem
        return solve_infinite(problem, protocol, prepared)
    return solve_protocol(_prepared(scenario, prepared), protocol, rounds)


def _prepared(scenario: Scenario, prepared: Prepared | None) -> Prepared:
    """``prepared`` checked against ``scenario``, or a new precomputation."""
    from sim.engine.prepared import prepare as prepare_problem

    if prepared is None:
        return prepare_problem(compile_problem(scenario))
    problem = prepared.problem
    issues = tuple(scenario.issues)
    options = tuple(option_ids(i) for i in scenario.issues.values())
    if (problem.issues, problem.options, problem.actors) != (
        issues, options, tuple(scenario.actors)
    ):
        raise ValueError("prepared does not match the scenario's issues, options and actors")
    return prepared
