"""The batched engine: many negotiation runs as one array computation (issue 15).

`sim.engine.batch.engine` plays a batch of seeds of one prepared problem and run config
round by round with arrays over runs (`draws`: each run's random draws, `play`: the
round state and the offer round, `result`: the run results); each strategy's kernel lives
in its own module (`sim.engine.strategies.kernel`). A configuration the batch engine
does not cover is reported as a `Fallback` (with the reason) and runs on the per-run
engine. The mediated single text has its own round (`single_text`): the drafting
mediator's kernel (``draft_kernel`` on its strategy class) drafts, the parties answer
and name their objections (`ObjectingKernel` where a strategy has its own rule).

``ceasefire_first`` talks are played by `sim.engine.batch.stages` (each stage on its own
clock and view, the runs grouped by stage; a ceasefire in force recomputes the run's war
from its own draws); walk-outs, by either ``walk_rule``, by `sim.engine.batch.walks`,
and tables that shrink when a walk-out leaves the talks going by `tables`;
audience costs are added to the reservation values as they are drawn (`draws`); the
summit's votes, renegotiation and per-run beliefs about the ratifiers are in `ratify`.
"""

from sim.engine.batch.engine import Batch, Fallback, plan, run_batch
from sim.engine.batch.kernels import kernel_for
from sim.engine.batch.many import simulate_many

__all__ = ["Batch", "Fallback", "kernel_for", "plan", "run_batch", "simulate_many"]
