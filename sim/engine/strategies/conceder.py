"""Conceder (``conceder``): time-dependent concession along a preset curve."""

from __future__ import annotations

from sim.engine.strategies.registry import register
from sim.engine.strategies.time_dependent import (
    PresetParams,
    TimeDependent,
    TimeDependentKernel,
)

__all__ = ["Conceder"]


@register
class Conceder(TimeDependent):
    """`TimeDependent` with the Conceder curve (polynomial, ``e = 5``).

    It gives ground early.

    Source: P. Faratin, C. Sierra and N. R. Jennings (1998), "Negotiation decision
    functions for autonomous agents", *Robotics and Autonomous Systems* 24, 159-182; the
    curve is ``sim.core.concession.PRESETS['conceder']``.
    """

    name = "conceder"
    preset = "conceder"
    Params = PresetParams
    kernel = TimeDependentKernel
