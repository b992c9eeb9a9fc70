"""What runs inside a worker (in-process, pool process or Dask worker): points and runs.

Core objects:
    prepare_points: per design point, the size of the static feasible set, its rows and the
        subgame-perfect package (where the protocol has one).
    run_chunk: simulate a chunk of runs; returns the outcome columns.

Caches (per thread, so Dask threads never share them): validated scenarios by point, and
`Prepared` precomputations keyed on the *problem-defining* part of the scenario (issues,
actors' preferences, red lines, agenda constraints): points that differ only in protocol,
dynamics or strategy settings share one utility matrix and analysis. Caching never changes
a result: every run is a pure function of (scenario, seed, rounds).

This module imports neither pyarrow nor rich: workers stay light.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.experiment.point import Job

if TYPE_CHECKING:
    from sim.engine.api import RunResult
    from sim.engine.prepared import Prepared
    from sim.scenario.schema import Scenario

# Fields of a complete scenario dict that do not change the compiled problem.
_RUN_ONLY = ("name", "description", "protocol", "dynamics", "default_strategy")
_ACTOR_RUN_ONLY = ("strategy",)
_MAX_PREPARED = 8
_MAX_SCENARIOS = 256


def preload() -> None:
    """Import the engine now (mesa, protocols, solver).

    A pool forked afterwards inherits it, instead of every worker importing it again.
    """
    import sim.api  # noqa: F401
    import sim.engine.api  # noqa: F401
    import sim.engine.solve  # noqa: F401


def problem_key(data: dict) -> str:
    """A digest of the problem-defining part of a complete scenario dict."""
    reduced = {k: v for k, v in data.items() if k not in _RUN_ONLY}
    reduced["actors"] = {
        a: {k: v for k, v in actor.items() if k not in _ACTOR_RUN_ONLY}
        for a, actor in data["actors"].items()
    }
    text = json.dumps(reduced, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _State:
    """Per-thread caches for one job."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.prepared: OrderedDict[str, Prepared] = OrderedDict()
        self.points: OrderedDict[int, tuple[Scenario, str]] = OrderedDict()
        self.checked: set[int] = set()  # points whose batch passed the canary here


_LOCAL = threading.local()


def _state(job: Job) -> _State:
    st = getattr(_LOCAL, "state", None)
    if st is None or st.key != job.key:
        st = _State(job.key)
        _LOCAL.state = st
    return st


def _point(
    job: Job, st: _State, point_id: int, values: list[Any]
) -> tuple[Scenario, str, Prepared]:
    """The validated scenario of a point, its problem key and its `Prepared`."""
    from sim.api import prepare

    hit = st.points.get(point_id)
    if hit is None:
        scenario, data = job.scenario(point_id, values)
        hit = (scenario, problem_key(data))
        st.points[point_id] = hit
        if len(st.points) > _MAX_SCENARIOS:
            st.points.popitem(last=False)
    else:
        st.points.move_to_end(point_id)
    scenario, pkey = hit
    prepared = st.prepared.get(pkey)
    if prepared is None:
        prepared = prepare(scenario)
        st.prepared[pkey] = prepared
        if len(st.prepared) > _MAX_PREPARED:
            st.prepared.popitem(last=False)
    else:
        st.prepared.move_to_end(pkey)
    return scenario, pkey, prepared


@dataclass(frozen=True)
class PointInfo:
    """What the points table records about one design point.

    Attributes:
        point_id: the point.
        n_feasible: size of the static feasible set.
        spe: the subgame-perfect package {issue: option}, or None.
        feasible_rows: shape (n_feasible,), int64, the feasible package rows.
    """

    point_id: int
    n_feasible: int
    spe: dict[str, str] | None
    feasible_rows: np.ndarray


def prepare_points(job: Job, points: list[tuple[int, list[Any]]]) -> list[PointInfo]:
    """Analyse design points: feasible set and subgame-perfect package of each."""
    st = _state(job)
    out = []
    for point_id, values in points:
        scenario, _, prepared = _point(job, st, point_id, values)
        rows = np.flatnonzero(prepared.feasible).astype(np.int64)
        out.append(PointInfo(point_id, int(rows.size), _spe(scenario, prepared, job.rounds), rows))
    return out


def _spe(scenario: Scenario, prepared: Prepared, rounds: int | None) -> dict[str, str] | None:
    """The subgame-perfect package.

    None where the protocol has no equilibrium (`sim.engine.solve.SolveError`) or the
    equilibrium is no deal.
    """
    from sim.api import solve
    from sim.engine.solve import SolveError

    try:
        result = solve(scenario, rounds=rounds, prepared=prepared)
    except SolveError:
        return None
    return result.package


#: The columns of the ceasefire-first format and of durability (`sim.engine.api`).
CEASEFIRE_COLUMNS = ("stage1_ceasefire", "ceasefire_only", "outcome", "durability")


def run_chunk(
    job: Job,
    runs: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    values: dict[int, list[Any]],
    seed: int | None = None,
    crn: bool = False,
) -> dict[str, list]:
    """Simulate a chunk of runs.

    Args:
        job: the experiment's job.
        runs: (point_ids, replicates, seeds), aligned arrays; seeds None to derive them
            here from ``seed`` (`sim.experiment.design.run_seed`), returned as ``seed``.
        values: point id -> its axis values, for every point in the chunk.
        seed: the experiment's seed (needed when ``runs`` has no seeds).
        crn: common random numbers (`sim.experiment.design.run_seed`).

    Returns:
        The outcome columns (``agreement``, ``pkg.*``, ``round``, ``u.*``, ``ratified``,
        ``stillborn``, ``pareto_optimal``, ``nash_distance``, ``reason``,
        ``stage1_ceasefire``, ``ceasefire_only``, ``outcome``, ``durability``,
        ``attempts``, ``belief.*``), one entry per run. ``attempts`` is the number of ratification
        votes (summit; 0 elsewhere); ``belief.<actor>`` a negotiator's believed
        probability that the final package is ratified (``beliefs_final[actor]["all"]``
        of ``run --json``), null for other actors, without beliefs or without a vote.
    """
    st = _state(job)
    point_ids, replicates, seeds = runs
    cols: dict[str, list] = {"agreement": []}
    if seeds is None:  # derived here, in parallel, not in the parent (issue 15)
        from sim.experiment.design import run_seed

        if seed is None:
            raise ValueError("run_chunk: runs without seeds need the experiment seed")
        pairs = zip(point_ids.tolist(), replicates.tolist(), strict=True)
        seeds = np.array([run_seed(seed, p, r, crn) for p, r in pairs], dtype=np.int64)
        cols["seed"] = seeds.tolist()
    cols.update({f"pkg.{i}": [] for i in job.issues})
    cols["round"] = []
    cols.update({f"u.{a}": [] for a in job.actors})
    for name in ("ratified", "stillborn", "pareto_optimal", "nash_distance", "reason",
                 "attempts"):
        cols[name] = []
    for name in CEASEFIRE_COLUMNS:  # issue 12: the stage-1 ceasefire and durability
        cols[name] = []
    cols.update({f"belief.{a}": [] for a in job.actors})
    fallbacks: dict[str, int] = {}
    for r in _results(job, st, point_ids.tolist(), seeds.tolist(), values, fallbacks):
        cols["agreement"].append(bool(r.agreement))
        package = r.package or {}
        for i in job.issues:
            cols[f"pkg.{i}"].append(package.get(i))
        cols["round"].append(None if r.round is None else int(r.round))
        for a in job.actors:
            u = r.utilities.get(a)
            cols[f"u.{a}"].append(None if u is None else float(u))
        cols["ratified"].append(None if r.ratified is None else bool(r.ratified))
        cols["stillborn"].append(bool(r.stillborn))
        cols["pareto_optimal"].append(None if r.pareto_optimal is None else bool(r.pareto_optimal))
        cols["nash_distance"].append(None if r.nash_distance is None else float(r.nash_distance))
        cols["reason"].append(str(r.reason))
        cols["stage1_ceasefire"].append(r.ceasefire)
        cols["ceasefire_only"].append(bool(r.ceasefire_only))
        cols["outcome"].append(str(r.outcome))
        cols["durability"].append(None if r.durability is None else float(r.durability))
        cols["attempts"].append(int(r.attempts))
        believed = r.beliefs_final or {}
        for a in job.actors:
            b = believed.get(a)
            cols[f"belief.{a}"].append(None if b is None else float(b["all"]))
    if fallbacks:  # not a column: the runner reports it in the sweep summary
        cols[FALLBACK_KEY] = sorted(fallbacks.items())
    return cols


# --------------------------------------------------------------- batched runs (issue 15)
#: Key of `run_chunk`'s output listing ``(reason, runs)`` played per run (not a column).
FALLBACK_KEY = "__per_run__"
#: ``NEGSIM_BATCH=0`` in the environment plays every run on the per-run engine (the
#: reference; benchmarks compare the two). Results are identical either way.
BATCH_ENV = "NEGSIM_BATCH"


def _results(job: Job, st: _State, point_ids: list[int], seeds: list[int],
             values: dict[int, list[Any]], fallbacks: dict[str, int]) -> Iterator[RunResult]:
    """The chunk's results in run order: each point's consecutive runs as one batch.

    `sim.engine.batch.simulate_many` plays a point's runs as arrays where the batch
    engine covers its protocol and strategies, else one by one (its reason is counted in
    ``fallbacks``); either way each result equals ``simulate(scenario, seed)``.
    """
    import os

    from sim.engine.batch import simulate_many
    from sim.scenario import run_config

    batched = os.environ.get(BATCH_ENV, "1") != "0"
    start = 0
    while start < len(point_ids):
        pid = point_ids[start]
        end = start + 1
        while end < len(point_ids) and point_ids[end] == pid:
            end += 1
        scenario, _, prepared = _point(job, st, pid, values[pid])
        results, reason = simulate_many(prepared, run_config(scenario), seeds[start:end],
                                        job.rounds, batched=batched,
                                        check=pid not in st.checked)
        if reason is None:
            st.checked.add(pid)  # the canary once per point and process
        if reason is not None and batched:
            fallbacks[reason] = fallbacks.get(reason, 0) + end - start
        yield from results
        release_finished_models()  # per-run models (the batch's canary included)
        start = end


def release_finished_models() -> int:
    """Drop finished models from Mesa's per-class agent-id counters; return how many.

    Mesa 3.3 keeps ``mesa.Agent._ids``, a class-level dict keyed by model, so every model
    that ever created an agent stays alive (about 25 kB per run here): a million-run sweep
    would exhaust memory. A finished model (``running`` false) creates no more agents, so
    its counter can go. Models still running (another Dask thread's) are left alone.
    """
    import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if not isinstance(ids, dict):
        return 0
    done = [m for m in list(ids) if not getattr(m, "running", True)]
    for m in done:
        ids.pop(m, None)
    return len(done)
