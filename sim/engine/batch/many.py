"""Play many seeds of one prepared problem and config: batched where a kernel covers it.

Core object:
    simulate_many: the results of ``seeds`` (as `sim.engine.api.run` with
        ``collect=False``, field by field) and, when the batch engine could not play them,
        the reason (the runs were then played one by one on the per-run engine).
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.engine.api import RunResult, run
from sim.engine.batch.engine import Fallback, plan, run_batch
from sim.engine.prepared import Prepared
from sim.engine.settings import RunConfig

__all__ = ["simulate_many"]


def simulate_many(
    prepared: Prepared,
    config: RunConfig,
    seeds: Sequence[int],
    rounds: int | None = None,
    batched: bool = True,
) -> tuple[list[RunResult], str | None]:
    """Play every seed; ``(results in seed order, fallback reason or None)``.

    Args:
        prepared: the problem's precomputation.
        config: protocol, strategies and dynamics.
        seeds: the runs' seeds.
        rounds: overrides the protocol deadline.
        batched: use the batch engine where it applies (False: always per run, the
            reference).

    Raises:
        UserError: settings that cannot be run (as `NegotiationModel`).
    """
    if not seeds:
        return [], None
    reason: str | None = "batching off"
    if batched:
        batch = plan(prepared, config, rounds)
        if not isinstance(batch, Fallback):
            return run_batch(batch, seeds), None
        reason = batch.reason
    return [run(prepared, config, int(s), rounds, collect=False) for s in seeds], reason
