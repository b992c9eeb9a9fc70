"""The `RunResult` of one finished batched run (as `sim.engine.api.result_of`).

Core object:
    result: build it from the run's end state.
"""

from __future__ import annotations

import numpy as np

from sim.engine.api import RunResult, nash_distance, package_dict, pareto_optimal
from sim.engine.prepared import Prepared
from sim.engine.protocols.records import AGREEMENT, STILLBORN

__all__ = ["result"]


def result(prepared: Prepared, deadline: int, seed: int, reason: str, row: int, t: int,
           ratified: bool | None, walked: tuple[int, ...], res: np.ndarray,
           ceasefire: tuple[str, int, bool] | None = None, issue: int | None = None,
           attempts: int | None = None,
           beliefs_final: dict[str, dict[str, float]] | None = None) -> RunResult:
    """The result of a run that ended in round ``t`` (``row`` -1: no package).

    ``res`` shape (deadline, n_actors): the run's reservation values per round.
    ``ceasefire``: ``ceasefire_first`` with a settled stage 1: ``(option, round, whether
    it put a ceasefire in force)``; ``issue``: the ceasefire issue. ``attempts``: the
    ratification votes held (None: one if the run ended on a vote, else none);
    ``beliefs_final``: `TableBeliefs.final` of the last vote's beliefs, or None.
    """
    actors = prepared.problem.actors
    agreement = reason == AGREEMENT
    package = deal_utilities = None
    settled = None
    if row >= 0:
        package = package_dict(prepared, row)
        deal_utilities = {a: float(prepared.U[row, i]) for i, a in enumerate(actors)}
        settled = t
    pareto = nash = None
    if agreement:
        assert deal_utilities is not None
        utilities = dict(deal_utilities)
        pareto = pareto_optimal(prepared, row, res[t].tolist())
        nash = nash_distance(prepared, row)
    else:
        utilities = {a: float(r) for a, r in zip(actors, res[t].tolist(), strict=True)}
    name = None
    ceasefire_only = False
    if ceasefire is not None:
        assert issue is not None  # a stage-1 settlement is on the ceasefire issue
        name, settled_round, in_force = ceasefire
        if package is None:
            package = {prepared.problem.issues[issue]: name}
            settled = settled_round
        ceasefire_only = in_force and not agreement
    model_d = prepared.problem.durability
    durability = None
    if model_d is not None and agreement:
        durability = float(model_d.of(prepared.packages[row:row + 1])[0])
    elif model_d is not None and ceasefire_only:
        durability = model_d.ceasefire_only()
    return RunResult(
        agreement=agreement, package=package, row=None if row < 0 else row, round=settled,
        utilities=utilities, ratified=ratified, stillborn=reason == STILLBORN,
        pareto_optimal=pareto, nash_distance=nash, seed=seed, reason=reason, rounds=t + 1,
        deadline=deadline, ceasefire=name,
        walked_out=tuple(actors[a] for a in walked), deal_utilities=deal_utilities,
        ceasefire_only=ceasefire_only, durability=durability,
        attempts=int(ratified is not None) if attempts is None else attempts,
        beliefs_final=beliefs_final, table=None,
    )
