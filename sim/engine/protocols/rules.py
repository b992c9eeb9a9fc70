"""The rules every protocol shares: who must accept, whose turn it is, who may be named.

Core objects:
    AcceptanceRule: veto actors plus a quota among the other responders (the rule is
        documented in `sim.engine.protocols.base`).
    next_seat: the rotation helper.
    check_actor_list: the check of a parameter listing actor ids (at least ``minimum``,
        none twice).
    unknown_actor_errors: entries of such a list that are not actor ids, located.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sim.engine.protocols.records import ProtocolError
from sim.engine.settings import AcceptanceSpec

__all__ = ["AcceptanceRule", "check_actor_list", "next_seat", "unknown_actor_errors"]


@dataclass(frozen=True, slots=True)
class AcceptanceRule:
    """Veto actors plus a quota among the other responders (see the module docstring).

    Attributes:
        veto: indices of the veto actors.
        quota: how many non-veto responders other than the proposer must accept; None
            means all of them.
    """

    veto: frozenset[int]
    quota: int | None

    @classmethod
    def build(
        cls, spec: AcceptanceSpec, seats: Sequence[int], actors: Sequence[str]
    ) -> AcceptanceRule:
        """The rule among the actors in ``seats`` from a scenario's `AcceptanceSpec`.

        Veto actors who are not among ``seats`` are ignored, and an integer quota above
        the number of non-veto seats is capped at that number (so ``veto: all`` with any
        quota is unanimity). Every schema-valid setting therefore yields a rule.

        Args:
            spec: the scenario's acceptance settings.
            seats: indices of the actors the rule applies to.
            actors: every actor id, by index.
        """
        seat_set = set(seats)
        if spec.veto == "all":
            veto = frozenset(seats)
        else:
            index = {a: i for i, a in enumerate(actors)}
            veto = frozenset(index[a] for a in spec.veto if index.get(a) in seat_set)
        m = sum(1 for s in seats if s not in veto)
        if spec.quota == "all":
            quota: int | None = None
        elif spec.quota == "majority":
            quota = m // 2
        else:
            quota = min(max(int(spec.quota), 0), m)
        return cls(veto, quota)

    def passes(self, proposer: int, accepted: Iterable[int], active: Sequence[int]) -> bool:
        """Whether a proposal passes.

        Args:
            proposer: the proposer's index (`NEUTRAL` or any index outside ``active`` for
                nobody, e.g. a neutral mediator or a ratification vote).
            accepted: the responders who accepted.
            active: the actors still at the table.

        Returns:
            True when every veto responder and ``quota`` of the others accepted.
        """
        acc = set(accepted)
        count = 0
        for a in active:
            if a == proposer:
                continue
            if a in self.veto:
                if a not in acc:
                    return False
            elif a in acc:
                count += 1
            elif self.quota is None:
                return False
        return self.quota is None or count >= self.quota

    def reachable(self, active: Sequence[int], proposers: Iterable[int]) -> bool:
        """Whether some proposer could still gather the quota among ``active``."""
        if self.quota is None:
            return True
        for p in proposers:
            if sum(1 for a in active if a != p and a not in self.veto) >= self.quota:
                return True
        return False


def next_seat(seats: Sequence[int], active: Sequence[int], after: int) -> int:
    """The first active seat after ``after`` in ``seats`` order, cycling.

    Args:
        seats: the seat order (actor indices).
        active: the actors still at the table.
        after: the last proposer, or -1 to start from the first seat.

    Returns:
        An actor index from ``active``.
    """
    start = seats.index(after) + 1 if after in seats else 0
    n = len(seats)
    for k in range(n):
        s = seats[(start + k) % n]
        if s in active:
            return s
    raise ProtocolError("nobody is left at the table")


def check_actor_list(v: list[str] | None, minimum: int = 0, noun: str = "actors"):
    """Validate a parameter listing actor ids: at least ``minimum`` of them, none twice.

    Raises:
        ValueError: too few entries or a duplicate (pydantic reports it at the field).
    """
    if v is not None:
        if len(v) < minimum:
            raise ValueError(f"needs at least {minimum} {noun}")
        dup = sorted({a for a in v if v.count(a) > 1})
        if dup:
            raise ValueError(f"actor(s) listed twice: {', '.join(dup)}")
    return v


def unknown_actor_errors(
    names: Sequence[str] | None, actors: Sequence[str], field: str
) -> list[tuple[tuple[Any, ...], str]]:
    """``(location, message)`` for every entry of ``names`` that is not an actor id."""
    out: list[tuple[tuple[Any, ...], str]] = []
    for j, a in enumerate(names or ()):
        if a not in actors:
            out.append(((field, j), f"unknown actor '{a}'; allowed: {', '.join(actors)}"))
    return out
