"""The subgame-perfect equilibrium of a scenario's protocol (`sim.core.solver`).

Core objects:
    solve_scenario: map the scenario's protocol onto the solver and solve it.
    SolveResult: the equilibrium package (in words), its round, its proposer and every
        actor's utility, with ``to_json()``.

How each protocol maps onto the solver
    The solver plays the game among the actors at the table (the protocol's seats, in
    seat order), with the same acceptance rule as the simulation (`AcceptanceRule`:
    veto actors plus a quota of the other responders), each actor's red lines and the
    agenda constraints as acceptability, its *base* reservation value as its
    disagreement payoff and its patience as its discount factor. The war dynamics are not
    part of the equilibrium (reservation values are held at their base values).

    * ``alternating_offers``: `solve_alternating` with the protocol's proposer order.
    * ``random_proposer``: `solve_random_proposer` with the recognition probabilities.
    * ``summit_ratification``: `solve_alternating` between the negotiators (unanimity),
      where a package is acceptable only if it would also be ratified: it respects every
      ratifier's red lines and is worth at least every accepting ratifier's base
      reservation value, as many of them as the ratification rule needs. Far-sighted
      negotiators never agree on a package that would be stillborn: a stillborn deal ends
      the talks with everyone at their disagreement payoff, which the negotiators can
      always obtain by letting the deadline pass, so restricting the summit to ratifiable
      packages gives the same equilibrium whenever waiting is weakly better than a
      stillborn deal (always, with discounting and constant reservation values).
    * ``single_text``: no subgame-perfect equilibrium is defined (the mediator follows a
      procedure, not incentives): `SolveError`.

    ``ceasefire_first`` sequencing is not modelled by the solver: the equilibrium is that
    of the package game (stated in ``notes``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine import protocols
from sim.engine.prepared import Prepared, prepare
from sim.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from sim.core.solver import SPEResult
    from sim.engine.protocols.base import AcceptanceRule
    from sim.scenario.schema import Scenario

__all__ = ["SolveError", "SolveResult", "ratifiable", "solve_scenario"]

#: Decimals kept for utilities in `SolveResult.to_json`.
JSON_DECIMALS = 6


class SolveError(UserError):
    """The scenario's protocol has no equilibrium the solver can compute."""


@dataclass(frozen=True)
class SolveResult:
    """The equilibrium of a scenario's protocol.

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


def solve_scenario(
    scenario: Scenario | None,
    rounds: int | None = None,
    prepared: Prepared | None = None,
) -> SolveResult:
    """Solve the subgame-perfect equilibrium of the scenario's protocol.

    Args:
        scenario: the validated scenario (None: the one ``prepared`` came from).
        rounds: overrides the protocol deadline.
        prepared: the scenario's precomputation, if already built.

    Returns:
        The equilibrium.

    Raises:
        UserError: the scenario has no protocol.
        SolveError: the protocol has no equilibrium (``single_text``).
    """
    from sim.core import solve_alternating, solve_random_proposer

    if scenario is None:
        if prepared is None or prepared.scenario is None:
            raise ValueError("solve_scenario needs a scenario (or a Prepared built from one)")
        scenario = prepared.scenario
    spec = scenario.protocol
    if spec is None:
        raise UserError(f"{scenario.name}: protocol: the scenario has no protocol to solve")
    if spec.kind == "single_text":
        raise SolveError(
            "protocol.kind: no subgame-perfect equilibrium is defined for single_text "
            "(the mediator follows a procedure); solve alternating_offers, random_proposer "
            "or summit_ratification"
        )
    if prepared is None:
        prepared = prepare(scenario)
    protocol = protocols.get(spec.kind)(prepared, spec, rounds)
    seats = list(protocol.seats)
    notes = []
    if spec.sequencing == "ceasefire_first":
        notes.append("ceasefire_first sequencing is not modelled: package game solved")
    notes.append("reservation values held at their base values (dynamics not modelled)")
    U = np.asarray(prepared.U[:, seats])
    acceptable = prepared.agenda_ok[:, None] & prepared.red_ok[:, seats]
    d = np.asarray(prepared.reservations)[seats]
    delta = np.asarray(prepared.patience)[seats]
    position = {a: j for j, a in enumerate(seats)}
    rule = protocol.rule
    veto = sorted(position[a] for a in rule.veto)
    if spec.kind == "random_proposer":
        p = np.array([protocol.probability[a] for a in seats], dtype=np.float64)
        spe = solve_random_proposer(
            U, acceptable, d, delta, protocol.deadline, p / p.sum(), veto, rule.quota
        )
    else:
        if spec.kind == "summit_ratification":
            ok = ratifiable(prepared, protocol.ratifiers, protocol.ratification_rule)
            acceptable = acceptable & ok[:, None]
            notes.append("summit restricted to packages the ratifiers would ratify")
        spe = solve_alternating(
            U, acceptable, d, delta, protocol.deadline, list(range(len(seats))), veto,
            rule.quota,
        )
    return _result(prepared, spec.kind, seats, spe, tuple(notes))


def ratifiable(
    prepared: Prepared, ratifiers: tuple[int, ...], rule: AcceptanceRule
) -> np.ndarray:
    """Packages the ratifiers would ratify at their base reservation values.

    A ratifier accepts a package inside its red lines and the agenda constraints worth at
    least its base reservation value; the ratification rule (veto ratifiers plus a quota
    of the others) then decides.

    Returns:
        Shape (k,), bool.
    """
    k = prepared.n_packages
    ok = np.ones(k, dtype=bool)
    count = np.zeros(k, dtype=np.int64)
    for r in ratifiers:
        accepts = (
            prepared.agenda_ok
            & prepared.red_ok[:, r]
            & (prepared.U[:, r] >= prepared.reservations[r])
        )
        if r in rule.veto or rule.quota is None:
            ok &= accepts
        else:
            count += accepts
    if rule.quota is not None:
        ok &= count >= rule.quota
    return ok


def _result(
    prepared: Prepared, kind: str, seats: list[int], spe: SPEResult, notes: tuple[str, ...]
) -> SolveResult:
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
        proposer = actors[seats[int(spe.proposer)]]
    return SolveResult(
        package=package,
        row=None if spe.package is None else int(spe.package),
        round=None if spe.round is None else int(spe.round),
        proposer=proposer,
        utilities=utilities,
        protocol=kind,
        agreement_probability=float(spe.agreement_probability),
        notes=notes,
        spe=spe,
    )
