"""A warning for sweeps along a patience nobody at the table reads.

Core object:
    patience_warnings: one line per swept ``actors.<id>.patience`` axis when no strategy
        the experiment's scenarios can give (their actors' strategies, and any swept
        strategy kind) reads patience (the strategy trait ``reads_patience``): the runs
        then cannot differ along that axis; only ``negsim solve`` reads it.
"""

from __future__ import annotations

from typing import Any

from sim.engine.strategies import STRATEGIES

__all__ = ["patience_warnings"]


def _kinds(plan: Any) -> set[str]:
    """Every strategy kind an actor can play in the plan's scenarios and axes."""
    kinds: set[str] = set()
    for data in plan.scenarios.values():
        for actor in (data.get("actors") or {}).values():
            strategy = actor.get("strategy") or {}
            if isinstance(strategy, dict) and isinstance(strategy.get("kind"), str):
                kinds.add(strategy["kind"])
    for p in plan.experiment.parameters:
        if p.path.endswith(".strategy.kind") and p.values:
            kinds.update(v for v in p.values if isinstance(v, str))
    return kinds


def patience_warnings(plan: Any) -> list[str]:
    """``warning:`` lines for patience axes no strategy of the plan reads.

    Args:
        plan: a loaded `sim.experiment.plan.Plan`.

    Returns:
        One line per such axis (empty when every patience axis is read by somebody).
    """
    patience = [(i, p.path) for i, p in enumerate(plan.experiment.parameters)
                if p.path.startswith("actors.") and p.path.split(".")[-1] in ("patience", "value")
                and ".patience" in p.path]
    if not patience:
        return []
    classes = STRATEGIES.classes()
    if any(getattr(classes.get(k), "reads_patience", False) for k in _kinds(plan)):
        return []
    readers = ", ".join(n for n, c in sorted(classes.items()) if c.reads_patience)
    return [f"warning: {plan.file}: parameters[{i}]: {path} is swept but no strategy in "
            f"the experiment reads patience, so the runs cannot differ along it (only "
            f"`negsim solve` does); strategies that read it: {readers}"
            for i, path in patience]
