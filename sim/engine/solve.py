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
    factor. The no-deal value follows ``ProtocolSpec.disagreement``: ``undiscounted``
    (the default, the agents' convention) lets every actor take its reservation value in
    any round, so no equilibrium gives an accepting actor less (``outside_option`` of the
    solver); ``discounted`` pays it only at the deadline, worth ``delta**T * d`` at round
    0, so a patient-enough rival can push an actor below it. The war dynamics are not part
    of the equilibrium (reservation values are held at their base values), and
    ``ceasefire_first`` sequencing is not modelled (the package game is solved); both are
    stated in ``notes``.

    * ``alternating``: `solve_alternating` with the seats' proposer order.
    * ``random``: `solve_random_proposer` with the recognition probabilities.

    The never-ending game (``--horizon infinite``) is `sim.engine.solve_infinite`.

What a result reports besides the equilibrium package
    ``values``: each seat's expected discounted payoff at round 0 (the game's ex-ante
    value); ``offers``: what each seat proposes when it is its turn, as a lottery over
    packages (the finite horizon: its offer in the first round it proposes, or in round 0
    for the random proposer; an empty list when it lets the round pass); ``scores``:
    ``utilities`` in each actor's own units (its ``scale``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sim.core import SPEResult, solve_alternating, solve_random_proposer
from sim.core.problem import Problem
from sim.core.space import decode
from sim.core.utility import scalar_utility
from sim.engine.prepared import Prepared
from sim.engine.protocols import PROTOCOLS, Game, Unsolvable
from sim.engine.settings import ProtocolSpec
from sim.errors import UserError

__all__ = ["SolveError", "SolveResult", "game_of", "solvable", "solve", "solve_game"]

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
        values: seat id -> expected discounted payoff at round 0.
        offers: seat id -> its offer: ``[(row, probability), ...]`` (empty: it passes).
        horizon: ``finite`` or ``infinite``.
        converged: infinite horizon: whether the profile is an exact equilibrium.
        residual: infinite horizon: its largest deviation gain or acceptance shortfall.
        problem: the solved problem (for package names and scores).
        disagreement: the no-deal convention solved (``ProtocolSpec.disagreement``).
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
    values: dict[str, float] = field(default_factory=dict)
    offers: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    horizon: str = "finite"
    converged: bool | None = None
    residual: float | None = None
    problem: Any = field(default=None, compare=False, repr=False)
    disagreement: str = "undiscounted"

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict.

        Keys: ``package``, ``round``, ``proposer``, ``utilities`` and, added,
        ``scores``, ``values``, ``offers`` (seat id -> ``[{package, probability,
        utilities}]``), ``agreement_probability``, ``horizon``, ``converged``,
        ``residual``, ``notes`` and ``disagreement`` (the no-deal convention).
        """
        r = JSON_DECIMALS
        return {
            "package": None if self.package is None else dict(self.package),
            "round": self.round,
            "proposer": self.proposer,
            "utilities": {a: round(u, r) for a, u in self.utilities.items()},
            "scores": scores(self.problem, self.utilities),
            "values": {a: round(v, r) for a, v in self.values.items()},
            "offers": {a: [offer_json(self.problem, row, q) for row, q in lottery]
                       for a, lottery in self.offers.items()},
            "agreement_probability": round(self.agreement_probability, r),
            "horizon": self.horizon,
            "converged": self.converged,
            "residual": None if self.residual is None else round(self.residual, 12),
            "notes": list(self.notes),
            "disagreement": self.disagreement,
        }


def scores(problem: Problem | None, utilities: dict[str, float]) -> dict[str, float]:
    """Utilities in each actor's own units (``problem.labels['scales']``)."""
    scales = {} if problem is None else problem.labels.get("scales", {})
    out = {}
    for a, u in utilities.items():
        lo, hi = scales.get(a, (0.0, 1.0))
        out[a] = round(lo + u * (hi - lo), JSON_DECIMALS)
    return out


def offer_json(problem: Problem, row: int, probability: float) -> dict[str, Any]:
    """One offer of a lottery: the package, its probability and every actor's utility."""
    options = decode([row], problem.radix)
    u = [scalar_utility(problem, j, options[0]) for j in range(problem.n_actors)]
    return {
        "package": {issue: problem.options[i][int(options[0, i])]
                    for i, issue in enumerate(problem.issues)},
        "probability": round(float(probability), JSON_DECIMALS),
        "utilities": {a: round(float(u[j]), JSON_DECIMALS)
                      for j, a in enumerate(problem.actors)},
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
    game = game_of(prepared, spec, rounds)
    spe = solve_game(prepared, game, spec.disagreement)
    return replace(_result(prepared, spec.kind, game, spe), disagreement=spec.disagreement)


def game_of(prepared: Prepared, spec: ProtocolSpec, rounds: int | None = None) -> Game:
    """The game the protocol poses on ``prepared``.

    Raises:
        SolveError: the protocol has no equilibrium (e.g. ``single_text``).
    """
    protocol = PROTOCOLS.get(spec.kind)(prepared, spec, rounds)
    try:
        return protocol.game()
    except Unsolvable as exc:
        names = solvable()
        listed = ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1]
        raise SolveError(
            f"protocol.kind: no subgame-perfect equilibrium is defined for {spec.kind} "
            f"({exc.reason}); solve {listed}"
        ) from None


def solve_game(prepared: Prepared, game: Game, disagreement: str = "undiscounted"
                ) -> SPEResult:
    """Run the solver the game's form names under the no-deal convention."""
    outside = disagreement == "undiscounted"
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
            U, acceptable, d, delta, game.deadline, game.probabilities, veto, game.quota,
            outside_option=outside,
        )
    if game.form != "alternating":
        raise ValueError(f"unknown game form '{game.form}'")
    return solve_alternating(
        U, acceptable, d, delta, game.deadline, list(range(len(seats))), veto, game.quota,
        outside_option=outside,
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
    seats = [actors[a] for a in game.seats]
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
        values={a: float(v) for a, v in zip(seats, spe.values, strict=True)},
        offers=_finite_offers(game, spe, seats),
        problem=problem,
    )


def _finite_offers(game: Game, spe: SPEResult, seats: list[str]) -> dict[str, list[tuple[int,
                                                                                        float]]]:
    """Each seat's offer when it first proposes (random proposer: in round 0)."""
    out: dict[str, list[tuple[int, float]]] = {}
    if spe.proposals is not None:  # random proposer
        for j, row in spe.proposals.items():
            out[seats[j]] = [] if row is None else [(int(row), 1.0)]
        return out
    plan = spe.plan if spe.plan is not None else np.zeros(0, dtype=np.int64)
    for t, row in enumerate(plan.tolist()[: len(seats)]):
        out[seats[t % len(seats)]] = [] if row < 0 else [(int(row), 1.0)]
    return out
