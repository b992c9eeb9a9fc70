"""The negotiators' beliefs about the ratifiers at a summit (engine glue of `sim.core.beliefs`).

Core objects:
    BeliefsParams: the ``beliefs`` block of the summit protocol's params: a preset prior
        (``accurate`` or ``naive``) or a ``custom`` one per negotiator and ratifier.
    RatifierPriorParams: a custom prior about one ratifier: a reservation grid with weights
        and, per red line, the probability that it is real.
    TableBeliefs: every negotiator's belief about every ratifier, immutable, with the
        believed ratification probability of every package per negotiator (what its
        observations carry); ``observe`` returns the posterior after a vote.

The presets, in this model and under these assumptions:
    ``accurate``: the ratifier's reservation value is believed to lie on ``points`` grid
        values evenly spread over ``true +- spread`` (triangular weights, most on the true
        base value), and every declared red line of the ratifier is known to be real.
    ``naive``: the negotiator ignores the ratifiers: it believes every ratifier accepts
        every package (reservation value 0, no red line real), so its believed
        ratification probability is 1 for every package, until a rejection contradicts it.
Every prior carries a *fallback*: a uniform belief over reservation values 0, 0.05, ...,
1 (and a type that rejects everything) with each red line real with probability 1/2,
updated on every vote alongside the prior; it replaces the prior when a vote leaves no
type of the prior possible (for ``naive``: at the first rejection). The truth a prior is
centred on is the ratifier's *base* reservation value; with war dynamics the true value
moves and the beliefs, which assume a fixed type, can be wrong for that reason too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.core import beliefs as core
from sim.core.constraints import clause_blocks
from sim.engine.observation import readonly

if TYPE_CHECKING:
    from sim.engine.prepared import Prepared

__all__ = ["BeliefsParams", "RatifierPriorParams", "TableBeliefs"]

#: The fallback grid of reservation values (plus ``inf``).
FALLBACK_GRID = tuple(round(0.05 * i, 2) for i in range(21))


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RatifierPriorParams(_Params):
    """A custom prior about one ratifier."""

    reservation: list[float] = Field(
        min_length=1, description="Grid of believed reservation values, each in [0, 1]."
    )
    weights: list[float] | None = Field(
        default=None, description="Weight of each grid value (default: equal)."
    )
    red_lines: dict[str, float] = Field(
        default_factory=dict,
        description="Red-line name -> probability that it is real (unnamed: 1, real).",
    )

    @model_validator(mode="after")
    def _check(self) -> RatifierPriorParams:
        if any(not 0.0 <= r <= 1.0 for r in self.reservation):
            raise ValueError("reservation values must lie in [0, 1]")
        if self.weights is not None:
            if len(self.weights) != len(self.reservation):
                raise ValueError("weights must have one entry per reservation value")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative and not all zero")
        if any(not 0.0 <= p <= 1.0 for p in self.red_lines.values()):
            raise ValueError("red-line probabilities must lie in [0, 1]")
        return self


class BeliefsParams(_Params):
    """What the negotiators believe about the ratifiers (see the module docstring)."""

    prior: Literal["accurate", "naive", "custom"] = Field(
        default="accurate", description="accurate, naive, or custom (then give 'custom')."
    )
    spread: float = Field(
        default=0.05, ge=0.0, le=0.5,
        description="accurate: half-width of the believed reservation grid around the truth.",
    )
    points: int = Field(
        default=5, ge=1, le=41, description="accurate: number of grid values (odd: centred)."
    )
    custom: dict[str, dict[str, RatifierPriorParams]] = Field(
        default_factory=dict,
        description="custom: negotiator id -> ratifier id -> prior (missing: accurate).",
    )

    @model_validator(mode="after")
    def _custom(self) -> BeliefsParams:
        if self.custom and self.prior != "custom":
            raise ValueError("'custom' is given but prior is not 'custom'")
        return self


def _accurate(truth: float, n_red: int, spread: float, points: int,
              fallback: core.Belief) -> core.Belief:
    offsets = np.linspace(-1.0, 1.0, points) if points > 1 else np.zeros(1)
    grid = np.clip(truth + spread * offsets, 0.0, 1.0)
    weights = 1.0 + (points - 1) / 2.0 - np.abs(np.arange(points) - (points - 1) / 2.0)
    return core.prior(grid.tolist(), weights.tolist(), [1.0] * n_red, fallback)


@dataclass(frozen=True, eq=False)
class TableBeliefs:
    """Every negotiator's beliefs about every ratifier (immutable).

    Attributes:
        negotiators: the negotiators' actor indices.
        ratifiers: the ratifiers' actor indices.
        beliefs: per negotiator (aligned with ``negotiators``), one `core.Belief` per
            ratifier.
        utilities: per ratifier, shape (k,), its utility of every package.
        violated: per ratifier, shape (k, n_red_lines), bool, which of its red lines each
            package violates.
        veto: shape (len(ratifiers),), bool, the veto ratifiers of the ratification rule.
        quota: how many other ratifiers must accept (None: all).
        acceptance: per negotiator, shape (k, len(ratifiers)), believed acceptance.
        ratification: per negotiator, shape (k,), read-only: believed probability that the
            ratification passes.
    """

    negotiators: tuple[int, ...]
    ratifiers: tuple[int, ...]
    beliefs: tuple[tuple[core.Belief, ...], ...]
    utilities: tuple[np.ndarray, ...]
    violated: tuple[np.ndarray, ...]
    veto: np.ndarray
    quota: int | None
    acceptance: tuple[np.ndarray, ...]
    ratification: tuple[np.ndarray, ...]

    @classmethod
    def build(
        cls,
        params: BeliefsParams,
        prepared: Prepared,
        negotiators: Sequence[int],
        ratifiers: Sequence[int],
        veto: Sequence[int],
        quota: int | None,
    ) -> TableBeliefs:
        """The prior beliefs of every negotiator.

        Raises:
            ValueError: a custom prior names an unknown negotiator, ratifier or red line.
        """
        problem = prepared.problem
        actors = problem.actors
        utilities, violated, names = [], [], []
        for r in ratifiers:
            clauses = problem.preferences[r].red_lines
            utilities.append(readonly(np.ascontiguousarray(prepared.U[:, r])))
            cols = [clause_blocks(c, prepared.packages) for c in clauses]
            v = np.stack(cols, axis=1) if cols else np.zeros((prepared.n_packages, 0), bool)
            violated.append(readonly(v))
            names.append([c.name for c in clauses])
        _check_custom(params, actors, negotiators, ratifiers, names)
        table = []
        for n in negotiators:
            row = []
            for j, r in enumerate(ratifiers):
                n_red = len(names[j])
                fallback = core.prior(FALLBACK_GRID, [1.0] * len(FALLBACK_GRID), [0.5] * n_red)
                spec = params.custom.get(actors[n], {}).get(actors[r])
                if params.prior == "naive":
                    b = core.prior([0.0], [1.0], [0.0] * n_red, fallback)
                elif spec is not None:
                    w = spec.weights or [1.0] * len(spec.reservation)
                    real = [spec.red_lines.get(name, 1.0) for name in names[j]]
                    b = core.prior(spec.reservation, w, real, fallback)
                else:
                    truth = float(prepared.reservations[r])
                    b = _accurate(truth, n_red, params.spread, params.points, fallback)
                row.append(b)
            table.append(tuple(row))
        veto_mask = np.array([r in set(veto) for r in ratifiers], dtype=bool)
        return cls._with(tuple(negotiators), tuple(ratifiers), tuple(table),
                         tuple(utilities), tuple(violated), veto_mask, quota)

    @classmethod
    def _with(cls, negotiators, ratifiers, table, utilities, violated, veto, quota):
        acc, rat = [], []
        for row in table:
            p = np.stack([core.acceptance(b, u, v) for b, u, v
                          in zip(row, utilities, violated, strict=True)], axis=1)
            acc.append(readonly(p))
            rat.append(readonly(core.ratification(p, veto, quota)))
        return cls(negotiators, ratifiers, table, utilities, violated, veto, quota,
                   tuple(acc), tuple(rat))

    def of(self, actor: int) -> np.ndarray | None:
        """The believed ratification probability of every package for ``actor``, or None."""
        if actor in self.negotiators:
            return self.ratification[self.negotiators.index(actor)]
        return None

    def observe(self, row: int, accepted: Sequence[bool]) -> TableBeliefs:
        """Every negotiator's posterior after the ratifiers answered package ``row``.

        Args:
            row: the package put to the vote.
            accepted: per ratifier (aligned with ``ratifiers``), whether it accepted.
        """
        table = tuple(
            tuple(core.observe(b, float(u[row]), v[row], bool(a))
                  for b, u, v, a in zip(beliefs, self.utilities, self.violated, accepted,
                                        strict=True))
            for beliefs in self.beliefs
        )
        return self._with(self.negotiators, self.ratifiers, table, self.utilities,
                          self.violated, self.veto, self.quota)

    def final(self, row: int, actors: Sequence[str]) -> dict[str, dict[str, float]]:
        """Per negotiator id: each ratifier's believed acceptance of ``row`` and ``all``.

        ``all`` is the believed probability that the ratification passes.
        """
        out = {}
        for j, n in enumerate(self.negotiators):
            d = {actors[r]: float(self.acceptance[j][row, i])
                 for i, r in enumerate(self.ratifiers)}
            d["all"] = float(self.ratification[j][row])
            out[actors[n]] = d
        return out


def _check_custom(params, actors, negotiators, ratifiers, names) -> None:
    known_n = {actors[n] for n in negotiators}
    known_r = {actors[r]: j for j, r in enumerate(ratifiers)}
    for n, about in params.custom.items():
        if n not in known_n:
            raise ValueError(f"beliefs.custom.{n}: not a negotiator; allowed: "
                             f"{', '.join(sorted(known_n))}")
        for r, spec in about.items():
            if r not in known_r:
                raise ValueError(f"beliefs.custom.{n}.{r}: not a ratifier; allowed: "
                                 f"{', '.join(known_r)}")
            for name in spec.red_lines:
                if name not in names[known_r[r]]:
                    raise ValueError(
                        f"beliefs.custom.{n}.{r}.red_lines.{name}: unknown red line; "
                        f"allowed: {', '.join(names[known_r[r]]) or '(none)'}")
