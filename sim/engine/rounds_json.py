"""The per-round records of a run as JSON (``negsim run --json --per-round``).

Core object:
    per_round: one record per round from a collected run's round table (`Trace`):
        ``round``, ``stage``, ``proposer``, ``package`` (issue -> option of the proposal,
        only the issues of the round's stage; None for a pass), ``accepted`` (whether it
        passed), ``event``, ``walked`` (ids), ``utilities`` (each actor's utility of the
        proposal; None for a pass), ``responses`` (actor -> True/False, None when not
        asked), ``objections`` (single text only: actor -> the issues it objected to),
        ``reservations`` (each actor's reservation value in that round) and ``state``
        (the war state variables).
"""

from __future__ import annotations

import math
from typing import Any

from sim.engine.api import JSON_DECIMALS, RunResult

__all__ = ["per_round"]


def _number(x: Any) -> float | None:
    if x is None:
        return None
    value = float(x)
    return None if math.isnan(value) else round(value, JSON_DECIMALS)


def per_round(result: RunResult, actors: tuple[str, ...]) -> list[dict[str, Any]]:
    """The round records of a run collected with its round table.

    Args:
        result: the run (``collect=True``).
        actors: the actor ids, in problem order.

    Raises:
        ValueError: the run did not collect its round table.
    """
    table = result.table
    if table is None:
        raise ValueError("the run did not collect its round table")
    cols = table.columns
    states = [c for c in cols if c.startswith("state_")]
    out = []
    for t in range(len(table)):
        proposal = cols["proposal"][t]
        package = None
        if proposal is not None:
            options = table.packages[int(proposal)]
            issues = ((table.ceasefire_issue,) if cols["stage"][t] == "ceasefire"
                      and table.ceasefire_issue is not None else range(len(table.issues)))
            package = {table.issues[i]: table.options[i][int(options[i])] for i in issues}
        record: dict[str, Any] = {
            "round": int(cols["round"][t]),
            "stage": cols["stage"][t],
            "proposer": cols["proposer"][t],
            "package": package,
            "accepted": bool(cols["accepted"][t]),
            "event": cols["event"][t],
            "walked": [a for a in (cols["walked"][t] or "").split(",") if a],
            "utilities": None if proposal is None else {
                a: _number(cols[f"utility_{a}"][t]) for a in actors},
            "responses": {a: cols[f"response_{a}"][t] for a in actors},
        }
        if f"objections_{actors[0]}" in cols:
            record["objections"] = {
                a: [i for i in (cols[f"objections_{a}"][t] or "").split(",") if i]
                for a in actors}
        record["reservations"] = {a: _number(cols[f"reservation_{a}"][t]) for a in actors}
        record["state"] = {c[len("state_"):]: _number(cols[c][t]) for c in states}
        out.append(record)
    return out
