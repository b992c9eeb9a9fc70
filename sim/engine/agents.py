"""The Mesa agents: one per actor, plus the single-text mediator.

Core objects:
    Negotiator: one actor. It holds the actor's preferences and its strategy and forwards
        every decision to the strategy, which sees only the frozen observation it is
        handed (never the model, never another actor's preferences).
    Mediator: the drafting mediator of the single-text protocol (a neutral one, or an
        actor's second hat), forwarding ``draft`` to its mediator strategy.

Agents are deliberately thin: the protocol decides who is asked what, the strategy
decides the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:  # pragma: no cover
    from sim.core.problem import Preferences
    from sim.engine.observation import MediatorObservation, Observation, Response
    from sim.engine.strategies.base import Drafter, Strategy

__all__ = ["Mediator", "Negotiator"]


class Negotiator(mesa.Agent):
    """One actor at (or around) the table.

    Attributes:
        index: the actor's index in the problem.
        actor: the actor id.
        preferences: the actor's compiled preferences (kept for inspection; the strategy
            receives only observations built from them).
        strategy: the negotiating strategy.
    """

    def __init__(
        self,
        model: mesa.Model,
        index: int,
        actor: str,
        preferences: Preferences,
        strategy: Strategy,
    ) -> None:
        """Create the agent and register it with ``model``.

        Args:
            model: the negotiation model.
            index: the actor's index in the problem.
            actor: the actor id.
            preferences: its compiled preferences.
            strategy: its strategy (built with the run's generator).
        """
        super().__init__(model)
        self.index = index
        self.actor = actor
        self.preferences = preferences
        self.strategy = strategy

    def propose(self, obs: Observation) -> int | None:
        """The strategy's proposal (a package row) or None to pass."""
        return self.strategy.propose(obs)

    def respond(self, obs: Observation, offer: int, explain: bool = False) -> Response:
        """The strategy's answer to ``offer`` (naming its objections if ``explain``)."""
        return self.strategy.respond(obs, offer, explain)


class Mediator(mesa.Agent):
    """The single-text mediator.

    Attributes:
        index: the actor it speaks for, or `sim.engine.protocols.base.NEUTRAL`.
        strategy: the drafting strategy (role ``mediator``).
    """

    def __init__(self, model: mesa.Model, index: int, strategy: Drafter) -> None:
        """Create the mediator and register it with ``model``."""
        super().__init__(model)
        self.index = index
        self.strategy = strategy

    def draft(self, obs: MediatorObservation) -> int | None:
        """The strategy's next text (a package row), or None when nothing is feasible."""
        return self.strategy.draft(obs)
