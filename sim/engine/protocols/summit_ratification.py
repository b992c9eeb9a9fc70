"""The Alaska format: a summit of negotiators, then ratification by those left outside.

Core object:
    SummitRatification (``summit_ratification``): the negotiators bargain by alternating
        offers with unanimity among themselves; the package they agree goes to the
        ratifiers, and a package the ratifiers reject is stillborn, not an agreement.

Source: the scenario article ("decisions made without Ukraine are stillborn"); the
two-level structure follows R. D. Putnam (1988), "Diplomacy and domestic politics: the
logic of two-level games", *International Organization* 42(3), 427-460.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import Field, field_validator, model_validator

from sim.engine.beliefs import BeliefsParams, TableBeliefs
from sim.engine.observation import Response
from sim.engine.protocols.base import Game, Protocol
from sim.engine.protocols.records import (
    NEUTRAL,
    Parties,
    ProtocolError,
    ProtocolParams,
    ProtocolState,
    StepResult,
)
from sim.engine.protocols.registry import register
from sim.engine.protocols.rounds import ask, offer_round
from sim.engine.protocols.rules import (
    AcceptanceRule,
    check_actor_list,
    next_seat,
    unknown_actor_errors,
)

if TYPE_CHECKING:
    from sim.engine.prepared import Prepared, StageView

__all__ = ["SummitRatification", "SummitRatificationParams", "ratifiable"]

#: The default negotiators, when the scenario has both.
DEFAULT_NEGOTIATORS = ("united_states", "russia")


class SummitRatificationParams(ProtocolParams):
    """Parameters of `SummitRatification`."""

    negotiators: list[str] | None = Field(
        default=None,
        description="The actors at the summit, in proposing order; default: united_states "
        "and russia when present, else the first two participating actors.",
    )
    ratifiers: list[str] | None = Field(
        default=None,
        description="The actors who must ratify the summit's package (negotiators listed "
        "here are dropped: they agreed at the summit; so are actors with participates: "
        "false: they have no vote); default: every other participating actor.",
    )

    renegotiate: bool = Field(
        default=False,
        description="A deal the ratifiers reject returns to the table while time and "
        "attempts remain (false: a rejected deal is stillborn at once).",
    )
    max_attempts: int | None = Field(
        default=None, ge=1, le=1000,
        description="With renegotiate: at most this many ratification votes (default: as "
        "many as the deadline allows); the last rejected one is stillborn.",
    )
    beliefs: BeliefsParams | None = Field(
        default=None,
        description="What the negotiators believe the ratifiers will accept (a prior over "
        "their reservation values and real red lines, updated by Bayes' rule after each "
        "vote); read by strategies such as ratification_aware. Default: none.",
    )

    @field_validator("negotiators", "ratifiers")
    @classmethod
    def _unique(cls, v: list[str] | None) -> list[str] | None:
        return check_actor_list(v)

    @model_validator(mode="after")
    def _attempts(self) -> SummitRatificationParams:
        if self.max_attempts is not None and self.max_attempts > 1 and not self.renegotiate:
            raise ValueError("max_attempts above 1 needs renegotiate: true")
        return self

    @field_validator("negotiators")
    @classmethod
    def _two(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(v) < 2:
            raise ValueError("needs at least two actors")
        return v


@register
class SummitRatification(Protocol[SummitRatificationParams]):
    """A bilateral (or small) summit whose package the absent parties must ratify.

    Rule: the negotiators make alternating offers in their listed order and a package
    passes only if every negotiator accepts (unanimity among them; the scenario's
    acceptance rule does not apply at the summit). When the final stage passes, every
    ratifier answers the package with its own strategy's ``respond`` in that round (with
    the public history of the summit); the scenario's acceptance rule, restricted to the
    ratifiers (veto actors who are negotiators are ignored, ``quota`` counts non-veto
    ratifiers), decides ratification. A ratified package is an agreement; a rejected one
    ends the talks as *stillborn* (no agreement), unless ``renegotiate`` is on: then a
    rejected deal returns to the table (event ``rejected``) while rounds remain and fewer
    than ``max_attempts`` votes were held, the negotiators' ``beliefs`` about the
    ratifiers are updated by Bayes' rule from every ratifier's answer, and only the last
    rejected vote is stillborn. With no ratifiers every package counts
    as ratified. Only negotiators may walk away. Sequencing and the deadline are the
    shared rules of `sim.engine.protocols.base` (ratification follows the final stage).
    """

    name = "summit_ratification"
    Params = SummitRatificationParams
    solvable = True
    rotating = True
    ratifies = True

    @classmethod
    def reference_errors(
        cls, params: Any, actors: Sequence[str]
    ) -> list[tuple[tuple[Any, ...], str]]:
        """Unknown actors among negotiators or ratifiers."""
        return unknown_actor_errors(params.negotiators, actors, "negotiators") + (
            unknown_actor_errors(params.ratifiers, actors, "ratifiers")
        )

    def choose_seats(self) -> Sequence[int]:
        """The negotiators (also fixes the ratifiers)."""
        participants = self.participants()
        if self.params.negotiators is not None:
            seats = [self.index[a] for a in self.params.negotiators]
        elif all(a in self.index for a in DEFAULT_NEGOTIATORS):
            seats = [self.index[a] for a in DEFAULT_NEGOTIATORS]
        else:
            seats = participants[:2]
        ratifiers = list(self.prepared.problem.participant_indices())
        if self.params.ratifiers is not None:  # a named ratifier that does not take part
            ratifiers = [self.index[a] for a in self.params.ratifiers  # has no vote
                         if self.index[a] in ratifiers]
        self.ratifiers: tuple[int, ...] = tuple(r for r in ratifiers if r not in seats)
        return seats

    def make_rule(self) -> AcceptanceRule:
        """Unanimity among the negotiators; also builds the ratification rule."""
        self.ratification_rule = AcceptanceRule.build(
            self.spec.acceptance, self.ratifiers, self.actors
        )
        return AcceptanceRule(frozenset(self.seats), None)

    def initial(self) -> ProtocolState:
        """The state before round 0, with the negotiators' prior beliefs (if any)."""
        state = super().initial()
        if self.params.beliefs is None or not self.ratifiers:
            return state
        rule = self.ratification_rule
        params, veto = self.params.beliefs, tuple(sorted(rule.veto))
        key = ("beliefs", params.model_dump_json(), self.seats, self.ratifiers, veto, rule.quota)
        try:  # the priors are the same in every run of the problem: built once (immutable)
            beliefs = self.prepared.derived(key, lambda: TableBeliefs.build(
                params, self.prepared, self.seats, self.ratifiers, veto, rule.quota))
        except ValueError as exc:
            raise ProtocolError(f"protocol.params.{exc}") from None
        return replace(state, beliefs=beliefs)

    def on_rejection(
        self, state: ProtocolState, row: int, ratification: tuple[Any, ...] | None
    ) -> ProtocolState | None:
        """Renegotiation: back to the table while time and attempts remain.

        The negotiators saw every ratifier's answer; their beliefs are updated by Bayes'
        rule (`TableBeliefs.observe`). Objections are not used: the ratifiers' strategies
        name them from their value tables alone, so under every type the same issues are
        named and Bayes' rule would leave the belief unchanged.
        """
        if not self.params.renegotiate or state.round >= self.deadline:
            return None
        limit = self.params.max_attempts
        if limit is not None and state.attempts >= limit:
            return None
        beliefs = state.beliefs
        if beliefs is not None and ratification is not None:
            answers = [bool(ratification[r] is not None and ratification[r].accept)
                       for r in beliefs.ratifiers]
            beliefs = beliefs.observe(row, answers)
        return replace(state, on_table=None, beliefs=beliefs)

    def _step(
        self,
        state: ProtocolState,
        parties: Parties,
        reservations: Sequence[float],
        rng: np.random.Generator,
    ) -> StepResult:
        """One summit round: the next negotiator offers, the other(s) respond."""
        proposer = next_seat(self.seats, state.active, state.turn)
        return offer_round(self, state, parties, reservations, proposer)

    def on_agreement(
        self,
        state: ProtocolState,
        view: StageView,
        row: int,
        parties: Parties,
        reservations: Sequence[float],
        history: tuple[tuple[int, int, int], ...],
    ) -> tuple[bool | None, tuple[Response | None, ...] | None]:
        """Put the summit's package to the ratifiers; ``(ratified, their responses)``."""
        if not self.ratifiers:
            return True, None
        responses, accepted = ask(
            self, state, view, row, self.ratifiers, parties, reservations, history
        )
        ratified = self.ratification_rule.passes(NEUTRAL, accepted, self.ratifiers)
        return ratified, responses

    def game(self) -> Game:
        """The negotiators bargain by alternating offers over what would be ratified.

        Far-sighted negotiators never agree on a package that would be stillborn: a
        stillborn deal ends the talks with everyone at their disagreement payoff, which
        the negotiators can always obtain by letting the deadline pass, so restricting
        the summit to ratifiable packages gives the same equilibrium whenever waiting is
        weakly better than a stillborn deal (always, with discounting and constant
        reservation values).
        """
        ok = ratifiable(self.prepared, self.ratifiers, self.ratification_rule)
        return self._game(
            "alternating",
            acceptable=ok,
            notes=("summit restricted to packages the ratifiers would ratify",),
        )


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
