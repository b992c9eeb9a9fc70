"""Every run's random draws, taken from its own generator in the per-run engine's order.

Core objects:
    draws: each run's reservation values per round, its proposer per round, its generator
        (`noisy_draws`: and the war's standard normals, for a ceasefire that changes it).
    draw_proposers: a random proposer drawn round by round (when kernels draw too).
    trajectories: `Dynamics.trajectory` of many runs at once.

Each run's generator is ``default_rng(seed)``, drawn from in the order of
`NegotiationModel`: Mesa's seed for ``model.random``, the war's trajectory, then one
uniform per round for a random proposer. So what a run draws does not depend on the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.engine.dynamics import Dynamics
from sim.engine.prepared import Prepared
from sim.engine.protocols.random_proposer import RandomProposer

__all__ = ["draw_proposers", "draws", "noisy_draws", "recognition", "trajectories"]


def recognition(proto: Any) -> tuple[tuple[int, ...], np.ndarray, float]:
    """A random proposer's candidates, cumulative probabilities and total (else empty)."""
    if not isinstance(proto, RandomProposer):
        return (), np.zeros(0), 0.0
    cands = proto.proposers(proto.seats)
    acc, sums = 0.0, []
    for a in cands:
        acc += proto.probability[a]
        sums.append(acc)
    return cands, np.array(sums), sum(proto.probability[a] for a in cands)


def draws(prepared: Prepared, dyn: Dynamics, proto: Any, seeds: Sequence[int],
          live: bool = False, audience: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray, list[np.random.Generator]]:
    """`noisy_draws` without the noise."""
    res, proposer, rngs, _ = noisy_draws(prepared, dyn, proto, seeds, live, audience)
    return res, proposer, rngs


def noisy_draws(prepared: Prepared, dyn: Dynamics, proto: Any, seeds: Sequence[int],
                live: bool = False, audience: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, list[np.random.Generator], np.ndarray]:
    """Every run's reservation values (B, deadline, n), proposers (B, deadline), generators.

    Drawn from each run's generator in the order of the model: Mesa's seed, the war's
    trajectory, then (random proposer) one uniform per round, inverted through the
    cumulative recognition probabilities as `RandomProposer.draw` does. Rounds a run does
    not reach draw numbers nothing else uses.

    With ``live`` (some kernel draws during the rounds), a random proposer is not drawn
    ahead: `draw_proposers` draws it at the start of each round, so the generators
    (returned, positioned after the war's trajectory) serve the round's draws in the
    model's order. Without it the generators are returned spent.

    ``audience``: shape (deadline, n), the audience costs added to every run's reservation
    values (then clipped to [0, 1], as the model does), or None. Also returned: the war's
    standard normals, shape (B, deadline - 1, n_vars) (zeros when nothing is noisy).
    """
    deadline = proto.deadline
    seats = proto.seats
    res = np.empty((len(seeds), deadline, prepared.problem.n_actors))
    proposer = np.empty((len(seeds), deadline), dtype=np.int64)
    proposer[:] = np.array([seats[t % len(seats)] for t in range(deadline)])
    cands, cum, total = recognition(proto)
    noise = np.zeros((len(seeds), deadline - 1, dyn.n_vars))
    rngs = []
    for b, seed in enumerate(seeds):
        rng = np.random.default_rng(int(seed))
        rng.integers(np.iinfo(np.int32).max)  # mesa.Model's seed for model.random
        if dyn.n_vars and dyn.noisy:
            noise[b] = rng.standard_normal((deadline - 1, dyn.n_vars))
        if cands and not live:
            k = np.searchsorted(cum, rng.random(deadline) * total, side="right")
            proposer[b] = np.asarray(cands)[np.minimum(k, len(cands) - 1)]
        rngs.append(rng)
    if dyn.n_vars:
        war = trajectories(dyn, noise)
        for b in range(len(seeds)):
            res[b] = dyn.reservations(war[b])
    else:
        res[:] = prepared.reservations
    if audience is not None:
        res = np.clip(res + audience, 0.0, 1.0)
    return res, proposer, rngs, noise


def draw_proposers(proto: Any, rngs: Sequence[np.random.Generator], runs: np.ndarray,
                   t: int, proposer: np.ndarray) -> None:
    """Round ``t``'s random proposer of each of ``runs``, drawn now (``live`` draws)."""
    cands, cum, total = recognition(proto)
    if not cands:
        return
    u = np.array([rngs[b].random() for b in runs.tolist()]) * total
    k = np.searchsorted(cum, u, side="right")
    proposer[runs, t] = np.asarray(cands)[np.minimum(k, len(cands) - 1)]


def trajectories(dyn: Dynamics, z: np.ndarray) -> np.ndarray:
    """`Dynamics.trajectory` of every run at once from its standard normals ``z``.

    ``z`` shape (B, rounds, n_vars); the same element-wise operations in the same order
    as the per-run trajectory, so every state is bit for bit the same.
    """
    B, rounds, n_vars = z.shape
    if dyn.noisy:
        inc = dyn.drift + dyn.noise * z
    else:
        inc = np.broadcast_to(dyn.drift, (B, rounds, n_vars))
    out = np.empty((B, rounds + 1, n_vars))
    out[:, 0] = dyn.initial()
    unbounded = np.all(np.isinf(dyn.lower)) and np.all(np.isinf(dyn.upper))
    if unbounded and all(r == 0 for r in dyn.events):
        np.cumsum(np.concatenate([out[:, :1], inc], axis=1), axis=1, out=out)
        return out
    for r in range(1, rounds + 1):
        out[:, r] = np.clip(dyn._events_at(out[:, r - 1] + inc[:, r - 1], r),
                            dyn.lower, dyn.upper)
    return out
