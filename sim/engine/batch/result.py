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
           ratified: bool | None, walked: tuple[int, ...], res: np.ndarray) -> RunResult:
    """The result of a run that ended in round ``t`` (``row`` -1: no package).

    ``res`` shape (deadline, n_actors): the run's reservation values per round.
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
    model_d = prepared.problem.durability  # package sequencing: no stage-1 ceasefire here
    durability = None
    if model_d is not None and agreement:
        durability = float(model_d.of(prepared.packages[row:row + 1])[0])
    return RunResult(
        agreement=agreement, package=package, row=None if row < 0 else row, round=settled,
        utilities=utilities, ratified=ratified, stillborn=reason == STILLBORN,
        pareto_optimal=pareto, nash_distance=nash, seed=seed, reason=reason, rounds=t + 1,
        deadline=deadline, ceasefire=None,
        walked_out=tuple(actors[a] for a in walked), deal_utilities=deal_utilities,
        durability=durability, attempts=int(ratified is not None), table=None,
    )
