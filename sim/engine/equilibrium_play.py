"""What each actor plays in the subgame-perfect equilibrium, for `equilibrium` agents.

Core objects:
    SeatPlay: one actor's equilibrium play, round by round: the package it proposes when
        it is its turn (or a pass) and the least own utility it accepts.
    seat_plays: the plays of every actor from `sim.engine.solve` (same game, same no-deal
        convention, same deadline as ``negsim solve``).
    bind_equilibrium: hand every agent whose strategy needs the equilibrium its play.

From the solver's continuation values ``C`` (round-``t`` units) a seated actor ``a``
accepts in round ``t`` any package it may accept that is worth at least
``w[t] = delta_a * C[t + 1, a]`` (``max(d_a, w[t])`` under the ``undiscounted`` no-deal
convention), within the solver's tolerance; in the summit only packages the ratifiers
would ratify. It proposes the solver's plan entry for its seat (alternating offers: the
round-``t`` proposer is seat ``t mod n``; random proposer: its column of the plan). An
actor who is not at the table (a summit ratifier) accepts what it may accept that is
worth at least its reservation value, which is how the solver's summit game assumes the
ratifiers vote. The equilibrium is computed at the base reservation values: under
dynamics the agents keep playing it (the solver's notes say so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.engine.prepared import Prepared
from sim.engine.settings import ProtocolSpec
from sim.engine.solve import game_of, solve_game

__all__ = ["SeatPlay", "bind_equilibrium", "seat_plays"]


@dataclass(frozen=True)
class SeatPlay:
    """One actor's equilibrium play.

    Attributes:
        seat: its position at the table (among the game's seats), or None.
        proposals: shape (T,), the row it proposes in round ``t`` (-1: it passes).
        thresholds: shape (T,), the least own utility it accepts in round ``t``; None for
            an actor off the table (it accepts from its reservation value up).
        allowed: shape (k,), bool, the packages the game lets pass (None: all).
    """

    seat: int | None
    proposals: np.ndarray
    thresholds: np.ndarray | None
    allowed: np.ndarray | None


def seat_plays(prepared: Prepared, spec: ProtocolSpec,
               rounds: int | None = None) -> dict[int, SeatPlay]:
    """Every actor's equilibrium play (actor index -> `SeatPlay`).

    Raises:
        SolveError: the protocol has no equilibrium (e.g. ``single_text``).
    """
    game = game_of(prepared, spec, rounds)
    spe = solve_game(prepared, game, spec.disagreement)
    seats = list(game.seats)
    n, T = len(seats), game.deadline
    assert spe.plan is not None and spe.continuation is not None  # finite horizon
    delta = np.asarray(prepared.patience, dtype=np.float64)[seats]
    wait = delta[None, :] * spe.continuation[1:]
    if spec.disagreement == "undiscounted":
        d = np.asarray(prepared.reservations, dtype=np.float64)[seats]
        wait = np.maximum(wait, d[None, :])
    plan = np.asarray(spe.plan)
    out: dict[int, SeatPlay] = {}
    for j, a in enumerate(seats):
        if plan.ndim == 2:  # random proposer: one column per seat
            proposals = plan[:, j].copy()
        else:
            proposals = np.where(np.arange(T) % n == j, plan, -1)
        out[a] = SeatPlay(j, proposals, wait[:, j].copy(), game.acceptable)
    for a in range(prepared.problem.n_actors):
        if a not in out:
            out[a] = SeatPlay(None, np.full(T, -1, dtype=np.int64), None, game.acceptable)
    return out


def bind_equilibrium(agents: Sequence[Any], prepared: Prepared, spec: ProtocolSpec,
                     rounds: int | None = None) -> None:
    """Bind its play to every agent whose strategy has ``needs_equilibrium``.

    Raises:
        SolveError: the protocol has no equilibrium (a one-line `UserError`, exit 2).
    """
    plays = seat_plays(prepared, spec, rounds)
    for agent in agents:
        if getattr(agent.strategy, "needs_equilibrium", False):
            agent.strategy.bind(plays[agent.index])
