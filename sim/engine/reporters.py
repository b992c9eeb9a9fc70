"""Mesa's reporters for `NegotiationModel`: the model and agent variables of every step.

Core objects:
    model_reporters: name -> function of the model, for ``DataCollector(model_reporters=)``:
        ``round``, ``stage``, ``proposer``, ``proposal``, ``accepted``, ``event``,
        ``walked`` (the round just played, as in the ``rounds`` table), ``outcome`` (how
        the talks ended, None while they run) and ``state_<var>`` per war-state variable.
    agent_reporters: name -> function of an agent: ``actor``, ``utility`` (of the round's
        proposal), ``response``, ``reservation`` (the actor's value that round); None
        for the single-text mediator, which holds no utilities.
    opening_row: the values the model reports before the first round.

Mesa's convention is one record per step, the first before any step; so
``get_model_vars_dataframe()`` has ``rounds + 1`` rows (row 0: nothing proposed yet, the
war as it starts), ``get_agent_vars_dataframe()`` one row per (step, agent), and
``mesa.batch_run(NegotiationModel, {"prepared": p, "config": c, "seed": [...]})`` works.
Every value is read from the row the model records in its ``rounds`` table
(``model.current``), so the reporters and the table agree by construction and reading
them never touches the run's random generator.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import mesa

__all__ = ["ROUND_FIELDS", "agent_reporters", "model_reporters", "opening_row"]

#: The round's own fields, reported under the ``rounds`` table's names.
ROUND_FIELDS = ("round", "stage", "proposer", "proposal", "accepted", "event", "walked")


def opening_row(columns: list[str], actors: tuple[str, ...], reservations: list[float],
                war: list[float], state_names: tuple[str, ...]) -> dict[str, Any]:
    """The row reported before the first round: nothing proposed, round 0's war.

    Args:
        columns: the ``rounds`` table's columns.
        actors: actor ids, in problem order.
        reservations: every actor's reservation value in round 0.
        war: the war state in round 0, one value per state variable.
        state_names: the state variables' names.
    """
    row: dict[str, Any] = dict.fromkeys(columns)
    row.update(event="", walked="")
    row.update({f"reservation_{a}": r for a, r in zip(actors, reservations, strict=True)})
    row.update({f"state_{v}": x for v, x in zip(state_names, war, strict=True)})
    return row


# The reporters take the model as ``Any``: `sim.engine.model` imports this module, and
# naming its class here (even for type checking only) would close an import cycle.
def _field(name: str, model: Any) -> Any:
    return model.current[name]


def _outcome(model: Any) -> str | None:
    return None if model.outcome is None else model.outcome.reason


def model_reporters(state_names: tuple[str, ...]) -> dict[str, Callable[[Any], Any]]:
    """The model reporters (see the module docstring), for a war with ``state_names``."""
    out: dict[str, Callable[[Any], Any]] = {f: partial(_field, f) for f in ROUND_FIELDS}
    out["outcome"] = _outcome
    out.update({f"state_{v}": partial(_field, f"state_{v}") for v in state_names})
    return out


def _actor(agent: mesa.Agent) -> str:
    return str(getattr(agent, "actor", "mediator"))


def _column(prefix: str, agent: mesa.Agent) -> Any:
    actor = getattr(agent, "actor", None)
    if actor is None:
        return None
    model: Any = agent.model
    return model.current.get(f"{prefix}_{actor}")


def agent_reporters() -> dict[str, Callable[[Any], Any]]:
    """The agent reporters (see the module docstring)."""
    return {
        "actor": _actor,
        "utility": partial(_column, "utility"),
        "response": partial(_column, "response"),
        "reservation": partial(_column, "reservation"),
    }
