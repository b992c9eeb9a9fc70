"""The never-ending game of a protocol: its stationary subgame-perfect equilibrium.

Core object:
    solve_infinite: ``negsim solve --horizon infinite``: the protocol's game with no
        deadline, solved for a stationary equilibrium -> `SolveResult`.

How a protocol maps onto the stationary solvers
    The game is the one `Protocol.game` poses for the finite horizon (seats, veto players,
    quota, acceptability; see `sim.engine.solve`) with the deadline dropped. Alternating
    offers cycles through one recognition state per seat (the seats in turn);
    random recognition is one state with the recognition probabilities.

    * A *pie game* (one ``split`` issue, no agenda constraints, every seat a recipient
      with no red lines or interactions whose value is proportional to its own share,
      and no extra restriction from the protocol) is solved exactly in continuous shares
      by `sim.core.stationary_pie.solve_pie`, without listing the splits: ``values`` are
      the continuous equilibrium values, and each offer is the continuous offer rounded
      to the pie's units (every partner's share rounded up, the proposer keeping the
      rest), one package per coalition of the proposer's lottery over partners.
    * Anything else is solved over the enumerated packages by
      `sim.core.stationary.solve_stationary`: value iteration, then fictitious play
      where proposers must randomise beyond exact ties; ``residual`` says how close to an
      exact equilibrium the reported profile is.

    With no deadline the reservation values do not enter the stationary equilibrium
    (the value iteration starts from them); patience 1 leaves the shares undetermined
    (any split is an equilibrium of the undiscounted game) and the solvers report one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from sim.core.analysis import package_dict
from sim.core.generated import Linear, SplitOptions, ValueTables
from sim.core.problem import ADDITIVE, Problem
from sim.core.space import decode
from sim.core.stationary import recognition_cycle, solve_stationary
from sim.core.stationary_pie import PieEquilibrium, coalition_mixture, solve_pie
from sim.core.utility import scalar_utility
from sim.engine.prepared import Prepared, issue_rank, prepare
from sim.engine.protocols.records import Game
from sim.engine.settings import ProtocolSpec
from sim.engine.solve import SolveResult, game_of

__all__ = ["pie_recipes", "solve_infinite"]


def solve_infinite(problem: Problem, spec: ProtocolSpec,
                   prepared: Prepared | None = None) -> SolveResult:
    """The stationary equilibrium of the protocol ``spec``'s never-ending game.

    Args:
        problem: the compiled problem.
        spec: the protocol settings.
        prepared: the problem's precomputation, if made already (a pie game needs none).

    Raises:
        SolveError: the protocol has no equilibrium (e.g. ``single_text``).
    """
    if problem.n_issues == 1 and isinstance(problem.options[0], SplitOptions):
        game = game_of(_skeleton(problem), spec)
        recipes = pie_recipes(problem, game.seats)
        if recipes is not None and game.acceptable is None:
            return _pie(problem, spec, game, recipes)
    prepared = prepare(problem) if prepared is None else prepared
    return _general(prepared, spec, game_of(prepared, spec))


def pie_recipes(problem: Problem, seats: Iterable[int]) -> list[Linear] | None:
    """The seats' share recipes when the problem is a pie game among them, else None."""
    if problem.n_issues != 1 or problem.constraints:
        return None
    if not isinstance(problem.options[0], SplitOptions):
        return None
    out = []
    for a in seats:
        prefs = problem.preferences[a]
        values = prefs.values
        recipe = values.recipe(0) if isinstance(values, ValueTables) else None
        if (recipe is None or recipe.part is None or recipe.at_0 != 0.0 or recipe.at_1 <= 0
                or prefs.red_lines or prefs.interactions or prefs.aggregation != ADDITIVE):
            return None
        out.append(recipe)
    if len({r.part for r in out}) != len(out):
        return None
    return out


def _recognition(game: Game) -> np.ndarray:
    n = len(game.seats)
    if game.probabilities is not None:
        return np.asarray(game.probabilities, dtype=np.float64)[None, :]
    return recognition_cycle(range(n), n)


def _notes(problem: Problem, game: Game, extra: list[str]) -> tuple[str, ...]:
    notes = list(game.notes)
    notes.append("never-ending game: no deadline, so reservation values do not enter the "
                 "stationary equilibrium")
    if any(problem.preferences[a].patience == 1.0 for a in game.seats):
        notes.append("patience 1: the undiscounted game has many stationary equilibria; "
                     "one is reported")
    return tuple(notes + extra)


def _pie(problem: Problem, spec: ProtocolSpec, game: Game, recipes: list[Linear]) -> SolveResult:
    """A pie game, solved in continuous shares (see the module docstring)."""
    seats = list(game.seats)
    options = problem.options[0]
    assert isinstance(options, SplitOptions)
    K = options.steps
    slope = np.array([r.at_1 for r in recipes])
    delta = np.array([problem.preferences[a].patience for a in seats])
    P = _recognition(game)
    eq = solve_pie(P, delta, game.veto, game.quota)
    ids = problem.actors
    parts = [int(r.part or 0) for r in recipes]  # every seat is a recipient (pie_recipes)
    offers: dict[str, list[tuple[int, float]]] = {}
    first: tuple[int, int, int] | None = None
    for s in range(P.shape[0]):
        lotteries = {k: _pie_offers(eq, s, k, options, parts, K)
                     for k in range(len(seats)) if P[s, k] > 0}
        for k, lottery in lotteries.items():
            if game.probabilities is not None or s == k:
                offers[ids[seats[k]]] = lottery
        dealing = [k for k, lottery in lotteries.items() if lottery]
        if dealing and first is None:  # the most likely proposer (ties: the first seat)
            k = max(dealing, key=lambda j: (P[s, j], -j))
            first = (s, k, lotteries[k][0][0])
    shares = eq.values[0] * slope
    extra = [f"pie game solved in continuous shares (Eraslan 2002); offers rounded to the "
             f"pie's {K} units (partners' shares rounded up)"]
    if not eq.converged:
        extra.append(f"the equilibrium conditions hold only to {eq.residual:.1e}")
    return _make(problem, spec, game, first, {ids[a]: float(v) for a, v in zip(seats, shares,
                                                                                 strict=True)},
                 offers, _notes(problem, game, extra), eq.converged, eq.residual, eq)


def _pie_offers(eq: PieEquilibrium, s: int, k: int, options: SplitOptions,
                parts: list[int], K: int) -> list[tuple[int, float]]:
    """Proposer ``k``'s lottery in state ``s`` as packages (rounded to the units)."""
    if not eq.can_pass[k]:
        return []
    n = eq.inclusion.shape[1]
    x = eq.inclusion[s, k]
    fixed = [j for j in range(n) if j != k and x[j] >= 1 - 1e-9]
    loose = [j for j in range(n) if j != k and 1e-9 < x[j] < 1 - 1e-9]
    need = int(round(float(x[loose].sum()))) if loose else 0
    out: dict[int, float] = {}
    for members, q in coalition_mixture(x[loose], need) if loose else [((), 1.0)]:
        coalition = fixed + [loose[m] for m in members]
        units = [0] * len(options.recipients)
        for j in coalition:
            units[parts[j]] = int(math.ceil(eq.prices[s, j] * K - 1e-9))
        units[parts[k]] = K - sum(units)
        if units[parts[k]] < 0:
            continue  # the rounded prices exceed the pie: no such grid offer
        row = options.rank(units)
        out[row] = out.get(row, 0.0) + q
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))


def _general(prepared: Prepared, spec: ProtocolSpec, game: Game) -> SolveResult:
    """Any game, over the enumerated packages (see the module docstring)."""
    problem = prepared.problem
    seats = list(game.seats)
    U = np.asarray(prepared.U[:, seats])
    acceptable = prepared.agenda_ok[:, None] & prepared.red_ok[:, seats]
    if game.acceptable is not None:
        acceptable = acceptable & game.acceptable[:, None]
    d = np.asarray(prepared.reservations)[seats]
    delta = np.asarray(prepared.patience)[seats]
    P = _recognition(game)
    spe = solve_stationary(U, acceptable, d, delta, P, list(game.veto), game.quota)
    ids = problem.actors
    offers: dict[str, list[tuple[int, float]]] = {}
    for s in range(P.shape[0]):
        for k in range(len(seats)):
            if P[s, k] > 0 and (game.probabilities is not None or s == k):
                offers[ids[seats[k]]] = list(spe.offers[s][k].items())
    first = None
    if spe.package is not None:
        first = (int(spe.round or 0), int(spe.proposer or 0), int(spe.package))
    extra = []
    if spe.mixed:
        extra.append("proposers randomise over packages (the value iteration cycles; the "
                     "lotteries come from fictitious play)")
    if not spe.converged:
        extra.append(f"approximate equilibrium: a deviation gains or an offer misses its "
                     f"acceptance by up to {spe.residual:.3g}")
    values = {ids[a]: float(v) for a, v in zip(seats, spe.values[0], strict=True)}
    return _make(problem, spec, game, first, values, offers, _notes(problem, game, extra),
                 spe.converged, spe.residual, spe)


def _make(problem: Problem, spec: ProtocolSpec, game: Game, first: tuple[int, int, int] | None,
          values: dict[str, float], offers: dict[str, list[tuple[int, float]]],
          notes: tuple[str, ...], converged: bool, residual: float, raw: object) -> SolveResult:
    ids = problem.actors
    if first is None:
        package = row = proposer = round_ = None
        utilities = {a: float(p.reservation) for a, p in zip(ids, problem.preferences,
                                                              strict=True)}
    else:
        round_, k, row = first
        options = decode([row], problem.radix)[0]
        package = package_dict(problem, options)
        utilities = {a: scalar_utility(problem, j, options) for j, a in enumerate(ids)}
        proposer = ids[game.seats[k]]
    return SolveResult(
        package=package, row=row, round=round_, proposer=proposer, utilities=utilities,
        protocol=spec.kind, agreement_probability=0.0 if first is None else 1.0, notes=notes,
        spe=raw, values=values, offers=offers, horizon="infinite", converged=converged,
        residual=residual, problem=problem, disagreement=spec.disagreement,
    )


def _skeleton(problem: Problem) -> Prepared:
    """A `Prepared` without packages: enough to seat a protocol and read its rule."""
    n, m = problem.n_actors, problem.n_issues
    none = np.zeros(0, dtype=bool)
    prefs = problem.preferences
    return Prepared(
        problem=problem, packages=np.zeros((0, m), dtype=np.uint8), radix=problem.radix,
        U=np.zeros((0, n)), red_ok=np.zeros((0, n), dtype=bool), agenda_ok=none, values=(),
        weights=(), reservations=np.array([p.reservation for p in prefs], dtype=np.float64),
        patience=np.array([p.patience for p in prefs], dtype=np.float64),
        participants=tuple(problem.participant_indices()), feasible=none,
        inside_red_lines=none, pareto_red_lines=none, pareto_agenda=none, nash_row=None,
        neutral_utilities=np.zeros(0), canonical=np.zeros(0, dtype=np.int64),
        issue_rank=issue_rank(problem),
    )
