"""The numpy floor: many copies of the engine benchmark's negotiation advanced as arrays.

This is the physical-limit reference of ``make bench`` (issue 15, item 5): the least work
a Python program can do to play the benchmark's negotiations, so that negsim's engine can
be judged against it ("negotiations per CPU-second >= 0.5x the floor"). It is plain
numpy and imports nothing from ``sim``; ``bench_engine.check_floor`` (run first by
``benchmarks/run.py``) plays the same negotiations through negsim and requires identical
outcomes.

What it plays (the setting of ``bench_engine.py``): the actors of a `spaces` spec with
linear-additive utilities, stacked alternating offers with a deadline of 100 rounds, no
walking away, unanimity; in run ``r`` the proposer order is the actors rotated by ``r``
and actor ``a`` plays ``[boulware, linear, conceder][(a + r) % 3]``. The strategies are
negsim's time-dependent family with its defaults (``k = 0``, ``window = 32``, no
exploration), restated here as array operations:

* aspiration at relative time ``t``: ``u_min + (1 - F(t)) (u_max - u_min)`` capped at
  ``u_max``, with ``F(t) = t ** (1 / e)`` (Faratin et al., 1998), ``u_max`` the best
  utility, ``u_min`` the larger of the reservation value and the worst utility;
* the proposer offers, out of the ``window`` packages at or just above its aspiration (in
  its presorted order: utility descending, ties by the issue-order-independent key), the
  one whose options the other actors have proposed most often (summed option counts),
  ties to the one nearest the aspiration, then the earlier one;
* a responder accepts an offer worth at least its aspiration now, or (AC_next) worth at
  least its aspiration next round and at least the package it would itself offer next
  round (the most-proposed package of its window there, ties to the earlier one);
* the offer passes when every responder accepts; otherwise the next round starts.

Everything that is a pure function of (actor, preset, round) -- aspirations, window
bounds -- is tabulated once per call, inside the timing; only the opponent counts and the
offers depend on the run. The runs of a batch advance round by round together; finished
runs are compacted away. Candidates are scored by one small matrix product per (actor,
preset) group (``method="matmul"``, the floor) or by a plain gather (``"gather"``, about
three times slower; the same results). `timed` holds BLAS to one thread.

    from benchmarks import floor, spaces
    inputs = floor.build_inputs(spaces.make_named("large"))
    out = floor.play(inputs, n_runs=20_000)      # dict of arrays: agreement, row, round
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

PRESETS = ("boulware", "linear", "conceder")
#: Faratin et al.'s polynomial exponents of the presets (``check_floor`` compares them
#: with negsim's ``sim.core.concession.PRESETS``).
EXPONENTS = {"boulware": 0.2, "linear": 1.0, "conceder": 5.0}
DEADLINE = 100
WINDOW = 32
BATCH = 4_000  # runs advanced together (1,000-20,000 give about the same rate)
DECIMALS = 12  # negsim compares utilities on this grid (``sim.core.utility.snap``)


@dataclass(frozen=True)
class Inputs:
    """The presorted problem (built once per space, outside the timing, as negsim's
    ``Prepared`` is).

    Attributes:
        packages: (k, n_issues) option index per issue, row-major (last issue fastest).
        opt: (k, n_issues) flat option ids (``packages + offsets``).
        n_opt: number of options over all issues.
        U: (k, n_actors) utilities on the 12-decimal grid.
        order: (n_actors, k) each actor's rows by utility descending, ties by the key.
        su: (n_actors, k) ``U[order[a], a]``.
        neg_su: (n_actors, k) ``-su`` (ascending, for ``searchsorted``).
        reservation: (n_actors,) reservation values.
    """

    packages: np.ndarray
    opt: np.ndarray
    n_opt: int
    U: np.ndarray
    order: np.ndarray
    su: np.ndarray
    neg_su: np.ndarray
    reservation: np.ndarray


def build_inputs(spec: dict) -> Inputs:
    """Enumerate, evaluate and presort the spec's space (plain numpy)."""
    counts = [len(i["options"]) for i in spec["issues"]]
    packages = np.indices(counts).reshape(len(counts), -1).T.astype(np.int64)
    sizes = np.array(counts, dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    n_act = len(spec["actors"])
    U = np.zeros((packages.shape[0], n_act))
    for a, actor in enumerate(spec["actors"]):
        for i, (w, vals) in enumerate(zip(actor["weights"], actor["values"], strict=True)):
            U[:, a] += w * np.asarray(vals, dtype=np.float64)[packages[:, i]]
    U = np.round(U, DECIMALS)
    # Ties between equal utilities: option indices re-encoded with the issues sorted by
    # name, the order-independent key negsim uses.
    names = [i["name"] for i in spec["issues"]]
    key = np.zeros(packages.shape[0], dtype=np.int64)
    for i in sorted(range(len(names)), key=names.__getitem__):
        key = key * counts[i] + packages[:, i]
    order = np.stack([np.lexsort((key, -U[:, a])) for a in range(n_act)])
    su = np.take_along_axis(U.T, order, axis=1)
    return Inputs(
        packages=packages,
        opt=packages + offsets,
        n_opt=int(sizes.sum()),
        U=U,
        order=order,
        su=su,
        neg_su=-su,
        reservation=np.array([float(a["reservation"]) for a in spec["actors"]]),
    )


def _tables(inp: Inputs, deadline: int) -> tuple[np.ndarray, ...]:
    """Per (actor, preset, round): aspiration now and next round, window ends ``n``."""
    n_act = inp.U.shape[1]
    u_max = inp.su[:, 0]
    u_min = np.maximum(inp.reservation, inp.su[:, -1])
    span = max(deadline - 1, 1)
    now = [min(max(t / span, 0.0), 1.0) for t in range(deadline)]
    nxt = [min(1.0, (t + 1) / span) for t in range(deadline)]
    asp = np.empty((2, n_act, len(PRESETS), deadline))
    for p, name in enumerate(PRESETS):
        e = EXPONENTS[name]
        for j, times in enumerate((now, nxt)):
            # F(t) per round, as a 0-d computation (the same arithmetic as negsim's).
            f = np.array([0.0 + 1.0 * float(np.power(np.asarray(t), 1.0 / e)) for t in times])
            val = u_min[:, None] + (1.0 - f[None, :]) * (u_max - u_min)[:, None]
            val = np.minimum(val, u_max[:, None])
            asp[j, :, p, :] = np.where((u_min > u_max)[:, None], u_min[:, None], val)
    ends = np.empty(asp.shape, dtype=np.int64)
    for a in range(n_act):
        found = np.searchsorted(inp.neg_su[a], -asp[:, a], side="right")
        ends[:, a] = np.maximum(found, 1)
    hopeless = inp.su[:, 0] < inp.reservation  # would pass (never the case on the specs)
    return asp[0], asp[1], ends[0], ends[1], hopeless


def _score_gather(counts, opt, runs, actor, group, rows) -> np.ndarray:
    """Summed option counts of each candidate: one gather of (runs, window, issues)."""
    return counts[runs[:, None, None], actor[:, None, None], opt[rows]].sum(axis=2)


def _score_matmul(counts, opt, runs, actor, group, rows) -> np.ndarray:
    """The same sums as a product with the window's option-incidence matrix.

    A window is a pure function of (actor, preset, round), so the candidates of every run
    in a group are the same rows: one (runs x options) @ (options x window) product per
    group (at most 12 per round), instead of a gather over every candidate's options.
    """
    out = np.empty(rows.shape)
    lanes = np.arange(rows.shape[1])[:, None]
    for key in np.unique(group):
        sel = np.flatnonzero(group == key)
        inc = np.zeros((rows.shape[1], counts.shape[2]))
        inc[lanes, opt[rows[sel[0]]]] = 1.0
        out[sel] = counts[runs[sel], actor[sel[0]]] @ inc.T
    return out


_SCORERS = {"matmul": _score_matmul, "gather": _score_gather}


def play(inp: Inputs, n_runs: int, deadline: int = DEADLINE, window: int = WINDOW,
         first_run: int = 0, method: str = "matmul") -> dict[str, np.ndarray]:
    """Play runs ``first_run .. first_run + n_runs - 1`` at once.

    ``method`` scores the candidates by a grouped matrix product (``matmul``, the floor)
    or by a plain gather (``gather``, the straightforward version; same results).

    Returns:
        ``agreement`` (bool), ``row`` (agreed row or -1), ``round`` (0-based round of the
        deal or -1), ``rounds`` (rounds played), ``offers`` and ``responses`` (decisions
        made), each of shape (n_runs,).
    """
    n_act = inp.U.shape[1]
    asp_now, asp_next, end_now, end_next, hopeless = _tables(inp, deadline)
    runs = np.arange(first_run, first_run + n_runs)
    # seats[b, k]: the k-th proposer of run b; preset[b, a]: actor a's curve in run b.
    seats = (np.arange(n_act)[None, :] + runs[:, None]) % n_act
    preset = (np.arange(n_act)[None, :] + runs[:, None]) % len(PRESETS)
    n_opt = inp.n_opt
    counts = np.zeros((n_runs, n_act, n_opt))  # the other actors' option counts (exact)
    n_pre = len(PRESETS)
    scorer = _SCORERS[method]
    live = np.arange(n_runs)  # batch position of every live run
    agreement = np.zeros(n_runs, dtype=bool)
    row_out = np.full(n_runs, -1, dtype=np.int64)
    round_out = np.full(n_runs, -1, dtype=np.int64)
    lanes = np.arange(window)
    actors = np.arange(n_act)
    U, order, su, opt = inp.U, inp.order, inp.su, inp.opt
    for t in range(deadline):
        L = live.shape[0]
        if L == 0:
            break
        bl = np.arange(L)
        p = seats[:, t % n_act]
        pre_p = preset[bl, p]
        # -- proposals: the window below the aspiration, most-proposed options first
        n = end_now[p, pre_p, t]
        idx = np.maximum(n - window, 0)[:, None] + lanes[None, :]
        valid = idx < n[:, None]
        idx = np.minimum(idx, n[:, None] - 1)
        rows = order[p[:, None], idx]                                   # (L, W)
        score = np.where(valid, scorer(counts, opt, bl, p, p * n_pre + pre_p, rows), -1.0)
        best = score == score.max(axis=1, keepdims=True)
        u_w = np.where(best, su[p[:, None], idx], np.inf)
        nearest = best & (u_w == u_w.min(axis=1, keepdims=True))
        offer = rows[bl, np.argmax(nearest, axis=1)]
        offer = np.where(hopeless[p], -1, offer)
        # -- everyone else now counts the proposal's options
        o_opt = opt[np.maximum(offer, 0)]                               # (L, n_issues)
        others = (actors[None, :] != p[:, None]) & (offer >= 0)[:, None]
        for a in range(n_act):
            m = np.flatnonzero(others[:, a])
            counts[m[:, None], a, o_opt[m]] += 1
        # -- responses: aspiration now, else AC_next against its own next offer
        pre = preset
        u = U[np.maximum(offer, 0)]                                     # (L, n_act)
        ok = (u >= inp.reservation[None, :]) & ~hopeless[None, :]
        accept = ok & (u >= asp_now[actors[None, :], pre, t])
        maybe = others & ok & ~accept & (u >= asp_next[actors[None, :], pre, t])
        mb, ma = np.nonzero(maybe)
        if mb.size:
            n2 = end_next[ma, pre[mb, ma], t]
            idx2 = np.maximum(n2 - window, 0)[:, None] + lanes[None, :]
            valid2 = idx2 < n2[:, None]
            idx2 = np.minimum(idx2, n2[:, None] - 1)
            rows2 = order[ma[:, None], idx2]
            g2 = ma * n_pre + pre[mb, ma]
            s2 = np.where(valid2, scorer(counts, opt, mb, ma, g2, rows2), -1.0)
            own = rows2[np.arange(mb.size), np.argmax(s2, axis=1)]
            accept[mb, ma] = u[mb, ma] >= U[own, ma]
        passed = (offer >= 0) & np.all(accept | ~others, axis=1)
        if passed.any():
            done = live[passed]
            agreement[done] = True
            row_out[done] = offer[passed]
            round_out[done] = t
            keep = ~passed
            live, seats, preset, counts = live[keep], seats[keep], preset[keep], counts[keep]
    rounds = np.where(agreement, round_out + 1, deadline)
    return {
        "agreement": agreement,
        "row": row_out,
        "round": round_out,
        "rounds": rounds,
        "offers": rounds.copy(),
        "responses": rounds * (n_act - 1),
    }


def _one_thread():
    """BLAS limited to one thread, like negsim's one core (no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(1)


def timed(inp: Inputs, n_runs: int, batch: int = BATCH, method: str = "matmul") -> dict:
    """Play ``n_runs`` runs in batches of ``batch`` on one thread; wall and CPU seconds."""
    agreed = rounds = 0
    with _one_thread():
        c0, t0 = time.process_time(), time.perf_counter()
        for start in range(0, n_runs, batch):
            out = play(inp, min(batch, n_runs - start), first_run=start, method=method)
            agreed += int(out["agreement"].sum())
            rounds += int(out["rounds"].sum())
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "runs": n_runs,
        "wall_s": wall,
        "cpu_s": cpu,
        "agreement_rate": agreed / n_runs,
        "mean_rounds": rounds / n_runs,
    }
