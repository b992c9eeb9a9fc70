"""The zone an acceptance rule defines: the packages some winning coalition would accept.

Pure numpy.

Definition
----------
A rule is a table of *seats* (actor indices), a set of *veto* seats, a *quota* (how many
non-veto seats other than the proposer must accept; ``None``: all of them) and the seats
who may *propose* (``None``: nobody, as under a mediator's single text, where every seat
answers and nobody's support counts as a proposal). Seat ``a`` *accepts* package ``j``
when ``j`` is allowed by the agenda constraints, lies inside ``a``'s red lines, is worth
at least ``a``'s reservation value (more than it, with ``strict``) and lies in the
rule's extra restriction if it has one (the summit: what its ratifiers would ratify).

Package ``j`` is in the *zone* when it could pass: every veto seat accepts it, and

* with proposers: some proposer ``p`` accepts it and at least ``quota`` of the non-veto
  seats other than ``p`` do (all of them for ``quota=None``), which is exactly the rule
  of `sim.core.solver` and of the protocols;
* without proposers: at least ``quota`` of the non-veto seats accept it (all for
  ``None``).

Under unanimity among the participants (every seat a veto actor, the default when a
scenario names no protocol) the zone is the feasible set of `sim.core.analysis`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .arrays import BoolArray, FloatArray
from .constraints import reservation_ok

__all__ = ["VotingRule", "accepting", "unanimity", "zone_mask"]


@dataclass(frozen=True)
class VotingRule:
    """Who must accept a package for it to pass (see the module docstring).

    Attributes:
        seats: actor indices at the table, in seat order.
        veto: the veto seats (actor indices).
        quota: non-veto seats other than the proposer who must accept (None: all).
        proposers: actor indices who may propose, or None when nobody proposes.
        restrict: shape (k,), bool, an extra condition every accepted package meets
            (e.g. ratifiable), or None.
        label: where the rule comes from (e.g. the protocol's name).
        ratifiers: actors away from the table whose consent ``restrict`` encodes (the
            summit's ratifiers).
    """

    seats: tuple[int, ...]
    veto: frozenset[int]
    quota: int | None
    proposers: tuple[int, ...] | None
    restrict: BoolArray | None = None
    label: str = ""
    ratifiers: tuple[int, ...] = ()

    @property
    def voters(self) -> tuple[int, ...]:
        """Everyone whose consent the rule counts (seats and ratifiers), in index order."""
        return tuple(sorted(set(self.seats) | set(self.ratifiers)))

    @property
    def unanimous(self) -> bool:
        """Whether every seat must accept."""
        others = [a for a in self.seats if a not in self.veto]
        if self.quota is None or not others:
            return True
        if self.proposers is None:
            return self.quota >= len(others)
        return all(self.quota >= len([a for a in others if a != p]) for p in self.proposers)


def unanimity(participants: Sequence[int], label: str = "unanimity") -> VotingRule:
    """Every participant must accept (the feasible set's rule)."""
    seats = tuple(participants)
    return VotingRule(seats, frozenset(seats), None, seats, None, label)


def accepting(U: FloatArray, red_ok: BoolArray, agenda_ok: BoolArray,
              reservations: FloatArray, rule: VotingRule, strict: bool = False) -> BoolArray:
    """Which seats accept which packages, shape (k, len(rule.seats)), seat order."""
    k = U.shape[0]
    base = agenda_ok if rule.restrict is None else agenda_ok & rule.restrict
    out = np.empty((k, len(rule.seats)), dtype=bool, order="F")
    for j, a in enumerate(rule.seats):
        out[:, j] = base & red_ok[:, a] & reservation_ok(U, reservations, a, strict)
    return out


def zone_mask(accepts: BoolArray, rule: VotingRule) -> BoolArray:
    """The packages that could pass under ``rule``, given who accepts them.

    Args:
        accepts: shape (k, len(rule.seats)), from `accepting`.
        rule: the rule.

    Returns:
        bool array, shape (k,).
    """
    seats = list(rule.seats)
    pos = {a: j for j, a in enumerate(seats)}
    k = accepts.shape[0]
    out = np.ones(k, dtype=bool)
    for a in rule.veto:
        if a in pos:
            out &= accepts[:, pos[a]]
    others = [pos[a] for a in seats if a not in rule.veto]
    count = accepts[:, others].sum(axis=1) if others else np.zeros(k, dtype=np.int64)
    if rule.proposers is None:
        need = len(others) if rule.quota is None else min(rule.quota, len(others))
        return out & (count >= need)
    able = np.zeros(k, dtype=bool)
    for p in rule.proposers:
        if p not in pos:
            continue
        rest = len(others) - (0 if p in rule.veto else 1)
        need = rest if rule.quota is None else rule.quota
        if need > rest:
            continue  # this proposer can never gather the quota
        mine = accepts[:, pos[p]]
        support = count - (0 if p in rule.veto else mine.astype(np.int64))
        able |= mine & (support >= need)
    return out & able
