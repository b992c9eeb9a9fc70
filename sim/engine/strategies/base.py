"""The strategy contract every registered strategy inherits.

Core objects:
    StrategyParams: base of every strategy's nested ``Params`` model (pydantic,
        ``extra="forbid"``, frozen).
    Drafter: what the single-text mediator agent asks of its strategy (``draft``).
    Strategy: a small class with a registry name, declarative traits, ``propose`` and
        ``respond``. The public methods wrap the subclass's ``_propose`` / ``_respond`` in a
        final check: a strategy never proposes or accepts a package outside its own
        acceptable set, and a reservation-aware one never proposes or accepts below its
        current reservation value. A tripped check turns the action into a pass or a
        rejection and is counted in ``guard_trips`` (the contract tests require zero).

Speed: a decision must cost O(log m) or O(window), never a scan of all packages. The
helpers here (`Strategy.count_at_or_above`, `Strategy.objections`) respect that; no
strategy instance copies a package-sized array, and objections are computed only for a
protocol that reads them.
"""

from __future__ import annotations

import math
import typing
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast

import numpy as np
from pydantic import BaseModel, ConfigDict

from sim.engine.observation import MediatorObservation, Observation, Response

__all__ = ["MAX_OBJECTIONS", "Drafter", "Role", "Strategy", "StrategyParams"]

Role = Literal["negotiator", "mediator"]

#: At most this many issues are named when a strategy rejects a package.
MAX_OBJECTIONS = 3


class StrategyParams(BaseModel):
    """Base of every strategy's parameter model: unknown keys are errors, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=StrategyParams)


@typing.runtime_checkable
class Drafter(typing.Protocol):
    """A strategy that drafts single texts (role ``mediator``, e.g. ``mediator``)."""

    def draft(self, obs: MediatorObservation) -> int | None:
        """The next text (a feasible package row), or None when nothing is feasible."""
        ...


class Strategy(ABC, Generic[P]):
    """Base class: one negotiating behaviour.

    Subclasses set the class attributes, define a nested ``Params`` model and implement
    ``_propose``, ``_respond`` and ``aspiration``; per-negotiation state is cleared in
    ``_reset``.

    Attributes:
        name: the registry key.
        stochastic: whether it may draw from its generator. A class whose parameters can
            switch randomness on sets the instance attribute in ``__init__``; a strategy
            with ``stochastic = False`` never touches ``rng``.
        time_dependent: whether its demands fall with relative time alone.
        reservation_aware: whether it never proposes or accepts below its current
            reservation value.
        reads_patience: whether its decisions depend on ``Observation.patience`` (a sweep
            of patience changes nothing at a table where no strategy reads it).
        needs_equilibrium: whether the model must bind it the protocol's equilibrium play
            (``bind``, `sim.engine.equilibrium_play`) before the first round.
        role: ``"negotiator"`` or ``"mediator"``.
        params: the validated parameters.
        rng: the generator it draws from (when stochastic).
        guard_trips: how many of its actions the final check had to overrule.
    """

    name: ClassVar[str] = ""
    stochastic: bool = False
    time_dependent: ClassVar[bool] = False
    reservation_aware: ClassVar[bool] = False
    reads_patience: ClassVar[bool] = False
    needs_equilibrium: ClassVar[bool] = False
    role: ClassVar[Role] = "negotiator"
    Params: ClassVar[type[StrategyParams]] = StrategyParams
    #: The batch kernel of exactly this class (`sim.engine.strategies.kernel`), or None:
    #: not inherited by `kernel_for`, so a subclass that changes a rule has none until it
    #: declares one (its runs then fall back to the per-run engine).
    kernel: ClassVar[type[Any] | None] = None

    def __init__(
        self, params: StrategyParams | dict[str, Any] | None, rng: np.random.Generator
    ) -> None:
        """Create the strategy.

        Args:
            params: a ``Params`` instance (as `sim.engine.strategies.build` passes it,
                validated once), or a mapping validated here (None: defaults).
            rng: the explicit generator this strategy may draw from.
        """
        if not isinstance(params, self.Params):
            params = self.Params.model_validate(params or {})
        self.params: P = cast(P, params)
        self.rng = rng
        self.guard_trips = 0
        self._shortfall_key: tuple[Any, ...] | None = None
        self._shortfall: list[float] = []
        self._offsets: list[int] = []
        self._objections: dict[int, tuple[int, ...]] = {}
        self.reset()

    # ------------------------------------------------------------------ public API
    def batchable(self) -> bool:
        """Whether these parameters have a batch kernel (when the class declares one)."""
        return True

    def reset(self) -> None:
        """Forget everything learnt in a previous negotiation."""
        self._reset()

    def propose(self, obs: Observation) -> int | None:
        """A package row to put forward, or None to pass.

        Args:
            obs: this actor's observation.

        Returns:
            A row of ``obs.order`` (so inside ``obs.acceptable``) or None.
        """
        row = self._propose(obs)
        if row is None:
            return None
        row = int(row)
        if not self._allowed(obs, row):
            self.guard_trips += 1
            return None
        return row

    def respond(self, obs: Observation, offer: int, explain: bool = False) -> Response:
        """Accept or reject ``offer``; with ``explain``, a rejection names its objections.

        Args:
            obs: this actor's observation.
            offer: the package row on the table.
            explain: name the issues objected to when rejecting (only protocols that read
                objections ask for them).

        Returns:
            The response; ``accept`` is only true for an allowed package.
        """
        accept = bool(self._respond(obs, int(offer)))
        if accept and not self._allowed(obs, int(offer)):
            self.guard_trips += 1
            accept = False
        if accept:
            return _ACCEPT
        if not explain:
            return _REJECT
        return Response(False, self.objections(obs, int(offer)))

    @abstractmethod
    def aspiration(self, obs: Observation) -> float:
        """The lowest own utility the strategy accepts at this point (``inf``: nothing)."""

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def count_at_or_above(obs: Observation, target: float) -> int:
        """How many rows of ``obs.order`` have utility ``>= target`` (binary search).

        Searches the stage's shared ascending copy (``obs.ascending_utilities``), so each
        call costs O(log m) and no strategy copies the array.
        """
        asc = obs.ascending_utilities
        if asc is None:  # an observation built by hand
            asc = np.ascontiguousarray(obs.sorted_utilities[::-1])
        return int(asc.shape[0] - np.searchsorted(asc, target, side="left"))

    def objections(self, obs: Observation, offer: int) -> tuple[int, ...]:
        """The issues this actor objects to in package ``offer``.

        Rule: the issues where the package's option loses the most weighted value against
        this actor's best option on that issue (``w_i * (max v_i - v_i(option))``), largest
        loss first (ties: the issue whose id sorts first), at most `MAX_OBJECTIONS`, only
        positive losses. Computed from the value tables, so interaction terms are ignored;
        memoised per row while the tables and the package array stay the same objects.

        Returns:
            Issue indices, largest loss first.
        """
        key = self._shortfall_key
        if (key is not None and key[0] is obs.values and key[1] is obs.weights
                and key[2] is obs.packages):
            cached = self._objections.get(offer)
            if cached is not None:
                return cached
        else:
            tables = [np.asarray(v, dtype=np.float64) for v in obs.values]
            w = np.asarray(obs.weights, dtype=np.float64)
            self._shortfall = np.concatenate(
                [w[i] * (t.max() - t) for i, t in enumerate(tables)]
            ).tolist()
            sizes = [t.size for t in tables]
            self._offsets = [sum(sizes[:i]) for i in range(len(sizes))]
            self._shortfall_key = (obs.values, obs.weights, obs.packages)
            self._objections = {}
        sf = self._shortfall
        loss = [sf[o + f] for o, f in zip(obs.packages[offer].tolist(), self._offsets,
                                          strict=True)]
        rank = obs.issue_rank
        tie = (lambda i: int(rank[i])) if rank is not None else (lambda i: i)
        top = sorted(range(len(loss)), key=lambda i: (-loss[i], tie(i)))
        out = tuple(i for i in top[:MAX_OBJECTIONS] if loss[i] > 0.0)
        self._objections[offer] = out  # a pure function of the tables and the row
        return out

    def _allowed(self, obs: Observation, row: int) -> bool:
        """The final check: inside the acceptable set and, if reservation-aware, above it."""
        if not 0 <= row < obs.acceptable.shape[0] or not obs.acceptable[row]:
            return False
        return not (self.reservation_aware and obs.utilities[row] < obs.reservation)

    @staticmethod
    def bounds(obs: Observation) -> tuple[float, float]:
        """``(u_max, u_low)``: the best and worst utilities in ``obs.order``.

        Returns ``(-inf, -inf)`` when nothing is acceptable.
        """
        su = obs.sorted_utilities
        if su.shape[0] == 0:
            return -math.inf, -math.inf
        return float(su[0]), float(su[-1])

    # ------------------------------------------------------------------ subclass hooks
    def _reset(self) -> None:  # noqa: B027  (an optional hook: stateless strategies skip it)
        """Clear per-negotiation state (override when there is any)."""

    @abstractmethod
    def _propose(self, obs: Observation) -> int | None:
        """The strategy's own proposal rule (checked by `propose`)."""

    @abstractmethod
    def _respond(self, obs: Observation, offer: int) -> bool:
        """The strategy's own acceptance rule (checked by `respond`)."""


_ACCEPT = Response(True)
_REJECT = Response(False)
