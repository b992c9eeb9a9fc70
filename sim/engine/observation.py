"""What a strategy sees: frozen observations and its typed reply.

Core objects:
    Observation: a negotiator's frozen view of one decision point (time, its own
        utilities, the packages it may put forward, the history of proposals).
    Response: a negotiator's answer to a proposal (accept or not, plus objections).
    MediatorObservation: the mediator's view in the single-negotiating-text protocol.
    rank: builds ``order`` / ``sorted_utilities`` for one actor, vectorised; protocols call
        it once per scenario or stage, not per round.
    relative_time, readonly: small helpers for building observations.

Strategies never see the model, the other agents or their utilities: only these records
(style practice 4). All arrays handed to a strategy are read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "MediatorObservation",
    "Observation",
    "Response",
    "rank",
    "readonly",
    "relative_time",
]


@dataclass(frozen=True, slots=True)
class Observation:
    """A negotiator's view of one decision point.

    Attributes:
        round: the current round, 0-based.
        deadline: the total number of rounds.
        relative_time: ``round / max(deadline - 1, 1)``, in [0, 1].
        me: this actor's index.
        n_actors: the number of actors at the table.
        packages: shape (k, n_issues), the option index of every issue in every package
            (shared between actors, read-only).
        utilities: shape (k,), this actor's utility of every package (read-only).
        order: shape (m,), the rows this actor may propose or accept (its own red lines,
            the agenda constraints and the current candidate set all allow them), sorted by
            its own utility, descending, ties by the lower row.
        sorted_utilities: shape (m,), ``utilities[order]`` (descending).
        acceptable: shape (k,), bool, true on exactly the rows listed in ``order``.
        reservation: the current reservation value (moves with the war dynamics).
        history: ``(round, proposer index, package row)`` of every proposal so far, oldest
            first.
        on_table: the row currently under consideration, or None.
        values: this actor's value table for every issue (one array per issue).
        weights: this actor's issue weights.
        patience: this actor's discount factor per round (1: time costs it nothing).
        ascending_utilities: shape (m,), ``sorted_utilities`` in ascending order, for
            binary searches (shared by every observation of the stage; read-only).
        issue_rank: shape (n_issues,), each issue's rank by id: ties between issues are
            broken by it, so the order of issues in a file changes nothing.
        ratification: summit with beliefs only: shape (k,), read-only, this negotiator's
            believed probability that the ratifiers ratify each package
            (`sim.engine.beliefs`); None elsewhere. The same array object until a vote
            changes the beliefs.
    """

    round: int
    deadline: int
    relative_time: float
    me: int
    n_actors: int
    packages: np.ndarray
    utilities: np.ndarray
    order: np.ndarray
    sorted_utilities: np.ndarray
    acceptable: np.ndarray
    reservation: float
    history: tuple[tuple[int, int, int], ...]
    on_table: int | None
    values: tuple[np.ndarray, ...]
    weights: np.ndarray
    patience: float = 1.0
    ascending_utilities: np.ndarray | None = None
    issue_rank: np.ndarray | None = None
    ratification: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """A negotiator's answer to a proposal or a draft text.

    Attributes:
        accept: whether it accepts.
        objections: indices of the issues it objects to (read by the single-text mediator).
    """

    accept: bool
    objections: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MediatorObservation:
    """The mediator's view in the single-negotiating-text protocol.

    Attributes:
        round: the current round, 0-based.
        deadline: the total number of rounds.
        relative_time: ``round / max(deadline - 1, 1)``, in [0, 1].
        packages: shape (k, n_issues), option index per issue for every package.
        radix: shape (n_issues,), the number of options of every issue.
        utilities: shape (k,), the mediator's own utility of every package; all equal for a
            neutral mediator.
        feasible: shape (k,), bool, the packages it may draft (its own red lines, the agenda
            constraints and the current candidate set).
        texts: the rows drafted so far, oldest first.
        objections: aligned with ``texts``: for each text, party index -> the issues that
            party objected to (an empty tuple when it accepted the text).
        tiebreak: shape (k,), a key ordering packages of equal standing independently of
            the order of issues in the file (None: the row).
        issue_rank: shape (n_issues,), each issue's rank by id (None: the index).
    """

    round: int
    deadline: int
    relative_time: float
    packages: np.ndarray
    radix: np.ndarray
    utilities: np.ndarray
    feasible: np.ndarray
    texts: tuple[int, ...] = ()
    objections: tuple[dict[int, tuple[int, ...]], ...] = ()
    tiebreak: np.ndarray | None = None
    issue_rank: np.ndarray | None = None


def readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a`` (no copy; ``a`` itself keeps its flags).

    Args:
        a: any array.

    Returns:
        A view of ``a`` whose ``writeable`` flag is off.
    """
    view = np.asarray(a).view()
    view.setflags(write=False)
    return view


def relative_time(round: int, deadline: int) -> float:
    """``round / max(deadline - 1, 1)``, clipped to [0, 1].

    Args:
        round: the current round, 0-based.
        deadline: the total number of rounds.

    Returns:
        The relative time: 0 in the first round and 1 in the last.
    """
    return min(max(round / max(deadline - 1, 1), 0.0), 1.0)


def rank(
    utilities: np.ndarray, acceptable: np.ndarray, tiebreak: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """An actor's acceptable rows by descending utility, and their utilities.

    Vectorised: one ``flatnonzero`` and one stable sort over the acceptable rows.

    Args:
        utilities: shape (k,), the actor's utility of every package.
        acceptable: shape (k,), bool, the packages it may propose or accept.
        tiebreak: shape (k,), optional key ordering packages of equal utility (the engine
            passes a key that does not depend on the order of issues in the file);
            default: the row.

    Returns:
        ``(order, sorted_utilities)``, both read-only: ``order`` lists the acceptable rows
        sorted by utility descending, ties by the lower tiebreak key (or row);
        ``sorted_utilities`` is ``utilities[order]``.

    Examples:
        >>> order, su = rank(np.array([0.2, 0.9, 0.5, 0.9]), np.array([True, True, False, True]))
        >>> order.tolist(), su.tolist()
        ([1, 3, 0], [0.9, 0.9, 0.2])
    """
    utilities = np.asarray(utilities, dtype=np.float64)
    acceptable = np.asarray(acceptable, dtype=bool)
    if utilities.shape != acceptable.shape or utilities.ndim != 1:
        raise ValueError("utilities and acceptable must be 1-d arrays of the same length")
    rows = np.flatnonzero(acceptable)
    if tiebreak is None:
        order = rows[np.argsort(-utilities[rows], kind="stable")]
    else:
        order = rows[np.lexsort((np.asarray(tiebreak)[rows], -utilities[rows]))]
    return readonly(order), readonly(utilities[order])
