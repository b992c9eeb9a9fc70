"""Sections rebuilt from the model: the representative point re-analysed, its run re-simulated.

The report's one door to the engine and the analysis (scenario compilation, the bargaining
analysis, the simulation and its dance plot); the only other call below `sim.experiment`
is `sim.report.labels` reading the base scenario file for its labels.

Core objects:
    scenario_at_point: the validated scenario of a design point, rebuilt from the base
        scenario and the point's parameter values.
    problem_space / package_rows: a compiled problem's outcome space and the row of every
        agreed package in it.
    replay_section: the utility space at the representative point, the negotiation dance
        of its representative run and the trajectories of the state and reservation values.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.atomic import atomic_path
from sim.errors import UserError
from sim.experiment.reachable import PackageSpace
from sim.report import figures
from sim.report.data import Results, existing_file, point_params
from sim.report.document import Doc, num
from sim.report.facts import Facts
from sim.report.labels import PARAM, PKG

if TYPE_CHECKING:
    from sim.core.problem import Problem
    from sim.scenario.schema import Scenario


def scenario_at_point(results: Results, point_id: int) -> Scenario:
    """The validated scenario of one design point, rebuilt from the experiment.

    From the scenarios as swept (``scenarios.yaml``) when the directory stores them: the
    base scenario (or the point's value of the ``scenario`` parameter) with every swept
    value set as the sweep's workers set it (`sim.experiment.point.scenario_for_point`).
    A directory without that copy falls back to the scenario files as they are now.

    Raises:
        UserError: when the base scenario cannot be found or a value no longer applies.
    """
    from sim.experiment.point import complete_scenario, scenario_for_point

    values = point_params(results, point_id)
    if results.scenarios is not None and results.base is not None:
        scenario, _ = scenario_for_point(results.scenarios, results.base, values, point_id)
        return scenario
    file = results.scenario_path
    variant = values.pop("scenario", None)
    if isinstance(variant, str):
        source = Path(str(results.experiment.get("source_file", "")))
        file = existing_file(Path(variant), source.parent, results.path)
    if file is None:
        raise UserError(f"{results.path}: the experiment's base scenario file was not found")
    key = str(file)
    scenario, _ = scenario_for_point({key: complete_scenario(file)}, key, values, point_id)
    return scenario


def problem_space(problem: Problem) -> dict[str, list[str]]:
    """The outcome space of a compiled problem, in the form of `read_spaces`."""
    return {i: list(o) for i, o in zip(problem.issues, problem.options, strict=True)}


def package_rows(problem: Problem, packages: pd.DataFrame) -> list[int | None]:
    """The row in ``problem``'s outcome space of every package of `package_table`."""
    space = PackageSpace.of(problem_space(problem))
    issues = [c[len(PKG):] for c in packages.columns if c.startswith(PKG)]
    return [space.encode({i: str(r[PKG + i]) for i in issues}) for _, r in packages.iterrows()]


def replay_section(doc: Doc, facts: Facts, point: int, run: pd.Series, out: Path) -> None:
    """Utility space at the representative point; dance and dynamics of its run."""
    results = facts.results
    doc.heading(f"Utility space at the representative design point ({point})")
    values = point_params(results, point)
    if values:
        doc.para("Parameter values there: " + "; ".join(
            f"{results.labels.param(PARAM + k)} = {results.labels.value(PARAM + k, v)}"
            for k, v in values.items()) + ".")
    try:
        scenario = scenario_at_point(results, point)
    except UserError as exc:
        doc.para(f"Not drawn: {exc.lines[0]}.")
        return
    _utility_space(doc, facts, scenario, out)
    _dance(doc, facts, scenario, run, out)


def _utility_space(doc: Doc, facts: Facts, scenario: Scenario, out: Path) -> None:
    from sim.core.analysis import SOLUTION_NAMES, analyze, package_dict
    from sim.scenario import compile_problem

    labels = facts.results.labels
    problem = compile_problem(scenario)
    an = analyze(problem, diagnostics=False)
    U = np.asarray(an.U, dtype=float)
    feasible = np.asarray(an.feasible, dtype=bool)
    frontier = np.asarray(an.feasible_pareto, dtype=bool)
    reached = package_rows(problem, facts.packages)
    counts = {int(r): int(c) for r, c in zip(reached, facts.packages["count"], strict=True)
              if r is not None}
    solutions = {k: an.solutions.get(k) for k in SOLUTION_NAMES}
    actors = [labels.actor(a) for a in problem.actors]
    path = figures.utility_space(U, feasible, frontier, solutions, counts, actors,
                                 out / "utility_space.png")
    doc.para(
        f"{int(feasible.sum())} of {len(U)} packages are inside every participant's red lines "
        f"and reservation values here; {int(frontier.sum())} of them are on the Pareto "
        f"frontier. Circles: the {len(counts)} packages agreed anywhere in the experiment "
        "(size: runs), placed with this point's utilities."
    )
    doc.image(path, "Utility space (pairwise projections): feasible set, Pareto frontier, "
                    "Nash and Kalai-Smorodinsky points, agreements reached")
    defined = {k: v for k, v in solutions.items() if v is not None}
    if not defined:
        doc.para("No package is feasible here, so the bargaining solutions are undefined.")
        return
    doc.para("Bargaining solutions over the feasible set at this point:")
    terms = {k: package_dict(problem, r) for k, r in defined.items()}
    rows = [[labels.issue(i), *[labels.option(i, t[i]) for t in terms.values()]]
            for i in problem.issues]
    rows += [[f"u({labels.actor(a)})", *[num(U[r, j]) for r in defined.values()]]
             for j, a in enumerate(problem.actors)]
    doc.table(["issue", *[k.replace("_", "-") for k in defined]], rows)


def _dance(doc: Doc, facts: Facts, scenario: Scenario, run: pd.Series, out: Path) -> None:
    from sim.api import simulate
    from sim.engine.plot import dance

    results, labels = facts.results, facts.results.labels
    rounds = results.spec.get("rounds")
    result = simulate(scenario, int(run["seed"]), rounds=rounds, collect=True)
    doc.heading(f"The negotiation dance of run {int(run['run_id'])}")
    recorded = _ending(bool(run["agreement"]), str(run.get("reason", "")), run.get("round"))
    replayed = _ending(result.agreement, result.reason, result.round)
    if recorded == replayed:
        verdict = " (reproduced)"
    else:
        from sim import __version__

        m = results.manifest
        made = f"negsim {m.get('package_version', 'of unknown version')}"
        if m.get("git_commit"):
            made += f" at commit {str(m['git_commit'])[:12]}"
        verdict = (f". The re-simulation differs from the record: the results were written by "
                   f"{made}; this is negsim {__version__}")
    doc.para(f"Re-simulated from seed {int(run['seed'])}: {replayed}. Recorded in the "
             f"results: {recorded}{verdict}.")
    names = {a: (act.label or a) for a, act in scenario.actors.items()}
    path = out / "dance.png"
    with atomic_path(path) as tmp:
        dance(result, tmp, names, scenario.name)
    doc.image(path, "Proposals round by round: each actor's utility of what was put on the "
                    "table, with its reservation value")
    trace = result.trace
    if trace is None:  # collect=True records it
        raise RuntimeError(f"the re-simulation of run {int(run['run_id'])} kept no round table")
    state_cols = [c for c in trace.columns if c.startswith("state_")]
    res_cols = [c for c in trace.columns if c.startswith("reservation_")]
    if not state_cols and not res_cols:
        return
    state = trace.set_index("round")[state_cols]
    state.columns = [labels.state.get(c[6:], c[6:]) for c in state_cols]
    res = trace.set_index("round")[res_cols]
    res.columns = [labels.actor(c[12:]) for c in res_cols]
    end = int(trace["round"].iloc[-1])
    path = figures.trajectories(state, res, out / "trajectories.png", end=end)
    doc.image(path, "The war state and every actor's reservation value while the talks last")
    last = trace.iloc[-1]
    doc.table(["actor", "reservation, first round", "reservation, last round"], [
        [labels.actor(c[12:]), num(float(trace[c].iloc[0])), num(float(last[c]))]
        for c in res_cols
    ])


def _ending(agreement: bool, reason: str, round_: float | None) -> str:
    when = "" if round_ is None or pd.isna(round_) else f" in round {int(round_)}"
    what = "agreement" if agreement else (reason or "no agreement").replace("_", " ")
    return what + when
