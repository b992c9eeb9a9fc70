"""The subgame-perfect equilibrium of a protocol on a prepared problem (`sim.core.solver`).

Core objects:
    solve: ask the protocol for its game (`Protocol.game`) and solve it.
    SolveResult: the equilibrium package (in words), its round, its proposer and every
        actor's utility, with ``to_json()``.
    SolveError: the protocol poses no game the solver can solve.

How a protocol maps onto the solver
    Each solvable protocol says so through its `Protocol.game` hook (no protocol is
    recognised by name here). The solver plays the game among the actors at the table
    (the protocol's seats, in seat order), with the same acceptance rule as the
    simulation (`AcceptanceRule`: veto actors plus a quota of the other responders), each
    actor's red lines and the agenda constraints as acceptability (further restricted
    where the game says so, e.g. the summit to what its ratifiers would ratify), its
    *base* reservation value as its disagreement payoff and its patience as its discount
    factor. The war dynamics are not part of the equilibrium (reservation values are held
    at their base values), and ``ceasefire_first`` sequencing is not modelled (the
    package game is solved); both are stated in ``notes``.

    * ``alternating``: `solve_alternating` with the seats' proposer order.
    * ``random``: `solve_random_proposer` with the recognition probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core import SPEResult, solve_alternating, solve_random_proposer
from sim.engine.prepared import Prepared
from sim.engine.protocols import PROTOCOLS, Game, Unsolvable
from sim.engine.settings import ProtocolSpec
from sim.errors import UserError

__all__ = ["SolveError", "SolveResult", "solvable", "solve"]

#: Decimals kept for utilities in `SolveResult.to_json`.
JSON_DECIMALS = 6


class SolveError(UserError):
    """The scenario's protocol has no equilibrium the solver can compute."""


@dataclass(frozen=True)
class SolveResult:
    """The equilibrium of a protocol.

    Attributes:
        package: issue id -> option id of the equilibrium package, or None (no deal).
        row: its package row, or None.
        round: the (first) round of agreement, or None.
        proposer: the actor id who proposes it, or None.
        utilities: actor id -> utility of the package (every actor), or base reservation
            value when there is no deal.
        protocol: the protocol solved.
        agreement_probability: the probability that a deal is eventually struck (0 or 1
            for alternating offers).
        notes: simplifications the mapping made (e.g. sequencing ignored).
        spe: the solver's raw result.
    """

    package: dict[str, str] | None
    row: int | None
    round: int | None
    proposer: str | None
    utilities: dict[str, float]
    protocol: str
    agreement_probability: float
    notes: tuple[str, ...] = ()
    spe: Any = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """``{package, round, proposer, utilities}`` as a JSON-ready dict."""
        return {
            "package": None if self.package is None else dict(self.package),
            "round": self.round,
            "proposer": self.proposer,
            "utilities": {a: round(u, JSON_DECIMALS) for a, u in self.utilities.items()},
        }


def solvable() -> tuple[str, ...]:
    """The registered protocols that pose a game to the solver, sorted."""
    return tuple(n for n, cls in sorted(PROTOCOLS.classes().items()) if cls.solvable)


def solve(prepared: Prepared, spec: ProtocolSpec, rounds: int | None = None) -> SolveResult:
    """Solve the subgame-perfect equilibrium of the protocol ``spec`` on ``prepared``.

    Args:
        prepared: the problem's precomputation.
        spec: the protocol settings.
        rounds: overrides the protocol deadline.

    Returns:
        The equilibrium.

    Raises:
        SolveError: the protocol has no equilibrium (e.g. ``single_text``).
    """
    protocol = PROTOCOLS.get(spec.kind)(prepared, spec, rounds)
    try:
        game = protocol.game()
    except Unsolvable as exc:
        names = solvable()
        listed = ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1]
        raise SolveError(
            f"protocol.kind: no subgame-perfect equilibrium is defined for {spec.kind} "
            f"({exc.reason}); solve {listed}"
        ) from None
    return _result(prepared, spec.kind, game, _solve_game(prepared, game))


def _solve_game(prepared: Prepared, game: Game) -> SPEResult:
    """Run the solver the game's form names."""
    seats = list(game.seats)
    U = np.asarray(prepared.U[:, seats])
    acceptable = prepared.agenda_ok[:, None] & prepared.red_ok[:, seats]
    if game.acceptable is not None:
        acceptable = acceptable & game.acceptable[:, None]
    d = np.asarray(prepared.reservations)[seats]
    delta = np.asarray(prepared.patience)[seats]
    veto = list(game.veto)
    if game.form == "random":
        if game.probabilities is None:
            raise ValueError("a random-proposer game needs recognition probabilities")
        return solve_random_proposer(
            U, acceptable, d, delta, game.deadline, game.probabilities, veto, game.quota
        )
    if game.form != "alternating":
        raise ValueError(f"unknown game form '{game.form}'")
    return solve_alternating(
        U, acceptable, d, delta, game.deadline, list(range(len(seats))), veto, game.quota
    )


def _result(prepared: Prepared, kind: str, game: Game, spe: SPEResult) -> SolveResult:
    problem = prepared.problem
    actors = problem.actors
    if spe.package is None:
        package = None
        utilities = {a: float(r) for a, r in zip(actors, prepared.reservations, strict=True)}
        proposer = None
    else:
        row = int(spe.package)
        options = prepared.packages[row]
        package = {
            issue: problem.options[i][int(options[i])] for i, issue in enumerate(problem.issues)
        }
        utilities = {a: float(prepared.U[row, i]) for i, a in enumerate(actors)}
        assert spe.proposer is not None  # an equilibrium agreement has a proposer
        proposer = actors[game.seats[int(spe.proposer)]]
    return SolveResult(
        package=package,
        row=None if spe.package is None else int(spe.package),
        round=None if spe.round is None else int(spe.round),
        proposer=proposer,
        utilities=utilities,
        protocol=kind,
        agreement_probability=float(spe.agreement_probability),
        notes=game.notes,
        spe=spe,
    )
