
"""A throw-away strategy written by tests/test_layout.py (deleted after it)."""

from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.registry import register


@register
class Tmp(Strategy[StrategyParams]):
    """Accept anything allowed, propose its best. Source: a test."""

    name = "tmp_aaaccd4e"

    def aspiration(self, obs):
        return 0.0

    def _propose(self, obs):
        return int(obs.order[0]) if obs.order.shape[0] else None

    def _respond(self, obs, offer):
        return bool(obs.acceptable[offer])
