"""Linear (``linear``): time-dependent concession along a preset curve."""

from __future__ import annotations

from sim.engine.strategies.registry import register
from sim.engine.strategies.time_dependent import (
    PresetParams,
    TimeDependent,
    TimeDependentKernel,
)

__all__ = ["Linear"]


@register
class Linear(TimeDependent):
    """`TimeDependent` with the linear curve (polynomial, ``e = 1``).

    It concedes at a constant pace.

    Source: P. Faratin, C. Sierra and N. R. Jennings (1998), "Negotiation decision
    functions for autonomous agents", *Robotics and Autonomous Systems* 24, 159-182; the
    curve is ``sim.core.concession.PRESETS['linear']``.
    """

    name = "linear"
    preset = "linear"
    Params = PresetParams
    kernel = TimeDependentKernel
