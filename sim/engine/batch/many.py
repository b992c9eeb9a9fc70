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
    check: bool = True,
) -> tuple[list[RunResult], str | None]:
    """Play every seed; ``(results in seed order, fallback reason or None)``.

    Args:
        prepared: the problem's precomputation.
        config: protocol, strategies and dynamics.
        seeds: the runs' seeds.
        rounds: overrides the protocol deadline.
        batched: use the batch engine where it applies (False: always per run, the
            reference).
        check: replay the first seed of a batch on the per-run engine and, if the two
            differ, play every seed per run (with the reason).

    Raises:
        UserError: settings that cannot be run (as `NegotiationModel`).
    """
    if not seeds:
        return [], None
    reason: str | None = "batching off"
    if batched:
        batch = plan(prepared, config, rounds)
        if isinstance(batch, Fallback):
            reason = batch.reason
        else:
            results = run_batch(batch, seeds)
            if not check:
                return results, None
            # The canary: the first run again on the per-run engine (the reference). A
            # kernel that no longer matches its strategy or protocol (a rule changed, a
            # result field added) costs speed, never a wrong row.
            first = run(prepared, config, int(seeds[0]), rounds, collect=False)
            if first == results[0]:
                return results, None
            reason = (f"the batch engine disagrees with the per-run engine on seed "
                      f"{int(seeds[0])} (a kernel is out of date)")
            rest = [run(prepared, config, int(s), rounds, collect=False) for s in seeds[1:]]
            return [first, *rest], reason
    return [run(prepared, config, int(s), rounds, collect=False) for s in seeds], reason
