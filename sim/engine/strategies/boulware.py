"""Boulware (``boulware``): time-dependent concession along a preset curve."""

from __future__ import annotations

from sim.engine.strategies.registry import register
from sim.engine.strategies.time_dependent import (
    PresetParams,
    TimeDependent,
    TimeDependentKernel,
)

__all__ = ["Boulware"]


@register
class Boulware(TimeDependent):
    """`TimeDependent` with the Boulware curve (polynomial, ``e = 0.2``).

    It holds out and concedes only near the deadline.

    Source: P. Faratin, C. Sierra and N. R. Jennings (1998), "Negotiation decision
    functions for autonomous agents", *Robotics and Autonomous Systems* 24, 159-182; the
    curve is ``sim.core.concession.PRESETS['boulware']``.
    """

    name = "boulware"
    preset = "boulware"
    Params = PresetParams
    kernel = TimeDependentKernel
