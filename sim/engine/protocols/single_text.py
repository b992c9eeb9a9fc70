"""The single negotiating text: a mediator drafts, the parties accept or object, it revises.

Core object:
    SingleText (``single_text``): each round the mediator drafts a text (the first from
        its own ranking, later ones revised from the objections to the last), and every
        party accepts it or rejects it naming the issues it objects to; the text passes
        under the acceptance rule (see `sim.engine.protocols.base`).

Sources: R. Fisher (1978), "Playing the wrong game?", in *Dynamics of Third Party
Intervention*; H. Raiffa (1982), *The Art and Science of Negotiation*, chapter 14 (the
single negotiating text at Camp David).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field, field_validator

from sim.engine.observation import MediatorObservation
from sim.engine.protocols.base import Game, Protocol, Unsolvable
from sim.engine.protocols.records import (
    NEUTRAL,
    Parties,
    ProtocolParams,
    ProtocolState,
    StepResult,
)
from sim.engine.protocols.registry import register
from sim.engine.protocols.rounds import ask, conclude, stage_time
from sim.engine.protocols.rules import check_actor_list, unknown_actor_errors
from sim.engine.settings import StrategySpec
from sim.engine.strategies.registry import STRATEGIES
from sim.errors import InternalError

__all__ = ["NEUTRAL_MEDIATOR", "SingleText", "SingleTextParams"]

#: The ``mediator`` value for a mediator without preferences of its own.
NEUTRAL_MEDIATOR = "neutral"
#: The preferred default mediator, when the scenario has this actor.
DEFAULT_MEDIATOR = "united_states"


class SingleTextParams(ProtocolParams):
    """Parameters of `SingleText`."""

    mediator: str | None = Field(
        default=None,
        description="The drafting actor, or 'neutral' for a mediator without preferences; "
        "default: 'united_states' if present, else the first actor by id.",
    )
    strategy: StrategySpec = Field(
        default_factory=lambda: StrategySpec(kind="mediator"),
        description="The registered drafting strategy (its role must be 'mediator').",
    )
    parties: list[str] | None = Field(
        default=None,
        description="The actors who answer the texts; default: the participating actors "
        "(every actor if fewer than two participate).",
    )

    @field_validator("strategy")
    @classmethod
    def _mediator_strategy(cls, v: StrategySpec) -> StrategySpec:
        try:
            strategy = STRATEGIES.get(v.kind)
        except KeyError as exc:
            raise ValueError(str(exc).strip("'\"")) from None
        if strategy.role != "mediator" or not hasattr(strategy, "draft"):
            raise ValueError(f"strategy '{v.kind}' cannot draft texts (its role is not mediator)")
        STRATEGIES.validate_params(v.kind, v.params)
        return v

    @field_validator("parties")
    @classmethod
    def _parties(cls, v: list[str] | None) -> list[str] | None:
        return check_actor_list(v, 2, "parties")


@register
class SingleText(Protocol[SingleTextParams]):
    """A mediator's single negotiating text, revised until the parties accept it.

    Rule: in round 0 of a stage the mediator drafts its first text; in every later round
    it revises the last text from the objections the parties raised against it (the
    mediator strategy's ``draft``). Every active party answers: accept, or reject naming
    the issues it objects to (only issues negotiated in the current stage are passed on).
    The text passes under the acceptance rule with nobody counted as its proposer. A
    mediator that is an actor wears two hats: it drafts with its own utilities and red
    lines (the drafting strategy), and, if it is one of the parties, it answers its own
    text with its negotiating strategy like everyone else, so it never signs a text its
    strategy would refuse; the talks cannot go on without it. A neutral mediator
    (``mediator: neutral``) has no preferences: all its utilities are equal and it may
    draft any candidate package; it is not a party and never walks away. Sequencing,
    walking away and the deadline are the shared rules of `sim.engine.protocols.base`;
    drafts count as willingness shown toward a package for the walk-away rule.
    """

    name = "single_text"
    Params = SingleTextParams
    records_objections = True

    @classmethod
    def reference_errors(
        cls, params: Any, actors: Sequence[str]
    ) -> list[tuple[tuple[Any, ...], str]]:
        """Unknown actors as mediator or among the parties."""
        out = unknown_actor_errors(params.parties, actors, "parties")
        m = params.mediator
        if m is not None and m != NEUTRAL_MEDIATOR and m not in actors:
            out.append((("mediator",),
                        f"unknown actor '{m}'; allowed: {NEUTRAL_MEDIATOR}, {', '.join(actors)}"))
        return out

    def choose_seats(self) -> Sequence[int]:
        """``params.parties``, or the participating actors; also fixes the mediator."""
        m = self.params.mediator
        if m is None:
            m = DEFAULT_MEDIATOR if DEFAULT_MEDIATOR in self.index else min(self.actors)
        self.mediator_index = NEUTRAL if m == NEUTRAL_MEDIATOR else self.index[m]
        if self.params.parties is not None:
            seats = [self.index[a] for a in self.params.parties]
        else:
            seats = self.participants()
        return seats

    def mediator(self) -> tuple[int, StrategySpec] | None:
        """The mediator's actor index (`NEUTRAL` if neutral) and drafting strategy."""
        return self.mediator_index, self.params.strategy

    def proposers(self, active: Sequence[int]) -> tuple[int, ...]:
        """Nobody proposes: the mediator drafts every text (`NEUTRAL` for the quota)."""
        return (NEUTRAL,)

    def game(self) -> Game:
        """No game: the mediator follows a procedure, not incentives.

        Raises:
            Unsolvable: always.
        """
        raise Unsolvable("the mediator follows a procedure")

    def essential(self, actor: int) -> bool:
        """The talks cannot go on without a mediator that is a party."""
        return actor == self.mediator_index

    def _step(
        self,
        state: ProtocolState,
        parties: Parties,
        reservations: Sequence[float],
        rng: np.random.Generator,
    ) -> StepResult:
        """One round: the mediator drafts or revises, the parties answer (see the class)."""
        view = self.prepared.view(state.view)
        m = self.mediator_index
        if m == NEUTRAL:
            utilities, feasible = self.prepared.neutral_utilities, view.candidate
        else:
            utilities, feasible = view.utilities[m], view.acceptable[m]
        local, length, time = stage_time(self, state)  # the current stage's clock
        obs = MediatorObservation(
            round=local,
            deadline=length,
            relative_time=time,
            packages=self.packages,
            radix=self.prepared.radix,
            utilities=utilities,
            feasible=feasible,
            texts=state.texts,
            objections=state.objections,
            tiebreak=self.prepared.canonical,
            issue_rank=self.prepared.issue_rank,
        )
        mediator = parties.mediator
        assert mediator is not None  # the model builds the mediator `mediator()` names
        row = mediator.draft(obs)
        if row is None:
            return conclude(
                self, state, view, m, None, (None,) * self.n, (), parties, reservations
            )
        row = int(row)
        if not (0 <= row < feasible.shape[0] and feasible[row]):
            raise InternalError(
                f"the mediator drafted package row {row}, outside its feasible set "
                "(a strategy bug)"
            )
        history = (*state.history, (state.round, m, row))
        responders = state.active
        responses, accepted = ask(
            self, state, view, row, responders, parties, reservations, history
        )
        issues = view.issue_set
        objections: dict[int, tuple[int, ...]] = {}
        for a in responders:
            response = responses[a]
            assert response is not None  # `ask` answers every responder
            objections[a] = (
                () if a in accepted else tuple(i for i in response.objections if i in issues)
            )
        return conclude(
            self, state, view, m, row, responses, accepted, parties, reservations,
            history=history,
            texts=(*state.texts, row),
            objections=(*state.objections, objections),
            proposer_supports=False,
        )
