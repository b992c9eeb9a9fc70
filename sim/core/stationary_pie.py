"""The stationary equilibrium of dividing a pie, for any recognition, patience and rule.

Pure numpy. ``n`` players divide a pie of size 1; player ``i``'s utility is its share.
Play moves through ``L`` recognition *states* in a cycle (state ``s`` is followed by
``(s + 1) % L``): in state ``s`` player ``k`` is recognised as proposer with probability
``recognition[s, k]``. Alternating offers with a proposer cycle is ``L = len(cycle)``
with one proposer per state; Baron and Ferejohn's random recognition is ``L = 1``.

The proposer offers a split; it passes when every veto player other than the proposer
accepts and at least ``quota`` of the other responders (``None``: all of them) do, the
rule of `sim.core.solver`. Responder ``i`` accepts a share at least its *price*
``delta_i * W[s + 1, i]`` (ties accepted), where ``W[s, i]`` is its expected share when
state ``s`` begins. A proposer therefore pays every veto player its price, buys the
``quota`` cheapest of the others, keeps the rest and always proposes (its remainder is
worth at least waiting, since the prices of all others never exceed their expected
shares). When several of the others are equally cheap it *randomises* over them:
``inclusion[s, k, i]`` is the probability that proposer ``k`` in state ``s`` includes
``i``. These mixtures are what the stationary subgame-perfect equilibrium needs when
recognition probabilities or patience differ (Eraslan 2002, who also shows the
equilibrium shares are unique when every patience is below 1); they are not unique
themselves, only the shares are.

Method
------
1. Homotopy on a smoothed game: each proposer includes a candidate with the logistic
   probability ``sigmoid((mu - price) / tau)``, ``mu`` chosen so the inclusions add up to
   the quota. The smoothed fixed point ``W(tau)`` is found by Newton's method (analytic
   Jacobian) for ``tau`` from 1 down to about 1e-5; ``W(tau)`` tends to the equilibrium
   linearly in ``tau``.
2. Exact polish: the last smoothed solution tells which candidates each proposer
   always, never or sometimes includes; the exact equations of that structure (share
   balance, the quota, equal prices among the sometimes-included) are solved by
   Gauss-Newton, then checked: inclusions in [0, 1], cheaper candidates never left out
   for dearer ones, the balance met. ``converged`` reports the check; otherwise the
   homotopy goes on to a smaller ``tau`` and polishes again.

Sources: A. Rubinstein (1982), "Perfect equilibrium in a bargaining model",
*Econometrica* 50(1); D. P. Baron and J. A. Ferejohn (1989), "Bargaining in
legislatures", *APSR* 83(4); H. Eraslan (2002), "Uniqueness of stationary equilibrium
payoffs in the Baron-Ferejohn model", *Journal of Economic Theory* 103(1).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .arrays import BoolArray, FloatArray, IntArray

__all__ = ["PieEquilibrium", "coalition_mixture", "solve_pie"]

#: Inclusion probabilities within this distance of 0 or 1 count as pure choices.
_PURE = 1e-6
#: Smallest smoothing tried by the homotopy.
_TAU_END = 1e-9


@dataclass(frozen=True)
class PieEquilibrium:
    """The stationary equilibrium of a pie game (shares of a pie of size 1).

    Attributes:
        values: shape (L, n), each player's expected share when state ``s`` begins
            (``values[0]``: the ex-ante shares of the game).
        prices: shape (L, n), the share each responder accepts in state ``s``.
        inclusion: shape (L, n, n), the probability that proposer ``k`` includes player
            ``i`` in state ``s`` (1 for veto players, 0 for itself).
        keeps: shape (L, n), the share proposer ``k`` keeps in state ``s`` (NaN where
            it cannot gather the votes and lets the round pass).
        can_pass: shape (n,), whether proposer ``k`` has enough others to meet the rule.
        need: shape (n,), how many non-veto others proposer ``k`` must include.
        converged: whether the exact equilibrium conditions hold (within 1e-9).
        residual: the largest violation of those conditions.
    """

    values: FloatArray
    prices: FloatArray
    inclusion: FloatArray
    keeps: FloatArray
    can_pass: BoolArray
    need: IntArray
    converged: bool
    residual: float


class _Game:
    """The rule and recognition, with the per-proposer candidate sets."""

    def __init__(self, recognition: FloatArray, delta: FloatArray, veto: frozenset[int],
                 quota: int | None) -> None:
        self.P = recognition
        self.L, self.n = recognition.shape
        self.delta = delta
        self.nxt = (np.arange(self.L) + 1) % self.L
        vetoes = np.zeros(self.n, dtype=bool)
        vetoes[sorted(veto)] = True
        eye = np.eye(self.n, dtype=bool)
        self.R = vetoes[None, :] & ~eye  # (proposer, player): must be included
        self.M = ~vetoes[None, :] & ~eye  # candidates among the others
        m = self.M.sum(axis=1)
        need = m.copy() if quota is None else np.full(self.n, int(quota))
        self.ok = need <= m
        self.need = np.minimum(need, m)
        self.frac = self.ok & (self.need > 0) & (self.need < m)
        base = self.R | (self.M & (self.need == m)[:, None])
        self.base = np.where(self.ok[:, None], base, False).astype(np.float64)

    def prices(self, W: FloatArray) -> FloatArray:
        return self.delta[None, :] * W[self.nxt]

    def shares(self, p: FloatArray, x: FloatArray) -> FloatArray:
        """Each proposal's shares ``(L, k, i)`` given prices and inclusions."""
        share = p[:, None, :] * x
        idx = np.arange(self.n)
        share[:, idx, idx] = 1.0 - share.sum(axis=2)
        return np.where(self.ok[None, :, None], share, p[:, None, :])

    def balance(self, p: FloatArray, x: FloatArray) -> FloatArray:
        """``F(W)``: the expected shares when each state begins."""
        return np.einsum("sk,ski->si", self.P, self.shares(p, x))

    # --------------------------------------------------------------- smoothed game
    def logit(self, p: FloatArray, tau: float) -> tuple[FloatArray, FloatArray]:
        """Smoothed inclusions ``x`` (L, k, i) and their slopes ``w = x (1 - x) / tau``."""
        L, n = self.L, self.n
        x = np.broadcast_to(self.base[None], (L, n, n)).copy()
        w = np.zeros((L, n, n))
        ks = np.flatnonzero(self.frac)
        if ks.size == 0:
            return x, w
        pp = np.broadcast_to(p[:, None, :], (L, n, n))[:, ks, :]
        cand = np.broadcast_to(self.M[ks][None], pp.shape)
        need = self.need[ks][None, :].astype(np.float64)
        masked = np.where(cand, pp, np.nan)
        lo = np.nanmin(masked, axis=2) - 60 * tau
        hi = np.nanmax(masked, axis=2) + 60 * tau
        for _ in range(80):  # bisection on the threshold mu, vectorised over proposers
            mu = 0.5 * (lo + hi)
            filled = np.where(cand, _sigmoid((mu[..., None] - pp) / tau), 0.0).sum(axis=2)
            lo = np.where(filled < need, mu, lo)
            hi = np.where(filled < need, hi, mu)
        mu = 0.5 * (lo + hi)
        for _ in range(3):  # Newton polish of mu
            z = np.where(cand, _sigmoid((mu[..., None] - pp) / tau), 0.0)
            slope = (z * (1 - z)).sum(axis=2) / tau
            mu = mu - np.where(slope > 0, (z.sum(axis=2) - need) / np.maximum(slope, 1e-300), 0)
        z = np.where(cand, _sigmoid((mu[..., None] - pp) / tau), 0.0)
        x[:, ks, :] = z + self.R[ks][None]
        w[:, ks, :] = z * (1 - z) / tau
        return x, w

    def smoothed(self, W: FloatArray, tau: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``F_tau(W) - W``, its Jacobian (L n, L n) and the inclusions."""
        L, n = self.L, self.n
        p = self.prices(W)
        x, w = self.logit(p, tau)
        S = w.sum(axis=2, keepdims=True)
        share_w = np.where(S > 0, w / np.where(S > 0, S, 1.0), 0.0)
        eye = np.eye(n)
        Jx = w[..., :, None] * (share_w[..., None, :] - eye[None, None])  # dx_i / dp_j
        D = eye[None, None] * x[..., :, None] + p[:, None, :, None] * Jx
        idx = np.arange(n)
        D[:, idx, idx, :] = -(x + np.einsum("ski,skij->skj", np.broadcast_to(
            p[:, None, :], x.shape), Jx))
        D = np.where(self.ok[None, :, None, None], D, eye[None, None])
        B = np.einsum("sk,skij->sij", self.P, D) * self.delta[None, None, :]
        J = np.zeros((L * n, L * n))
        for s in range(L):
            t = int(self.nxt[s])
            J[s * n:(s + 1) * n, t * n:(t + 1) * n] += B[s]
        J -= np.eye(L * n)
        return self.balance(p, x) - W, J, x


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def _newton(g: _Game, W: FloatArray, tau: float, max_iter: int = 40) -> tuple[FloatArray, bool]:
    """Newton's method on the smoothed balance, with a backtracking line search."""
    floor = 1e-13 / max(tau, 1e-12) ** 0.5
    for _ in range(max_iter):
        r, J, _x = g.smoothed(W, tau)
        norm = float(np.abs(r).max())
        if norm < max(1e-13, floor * 1e-3):
            return W, True
        step = np.linalg.lstsq(J, -r.ravel(), rcond=None)[0].reshape(W.shape)
        t = 1.0
        while True:
            trial = W + t * step
            new = float(np.abs(g.smoothed(trial, tau)[0]).max())
            if new < (1 - 1e-4 * t) * norm:
                break
            t *= 0.5
            if t < 1 / 64:
                return W, norm < floor
        W = trial
    return W, float(np.abs(g.smoothed(W, tau)[0]).max()) < floor


# ------------------------------------------------------------------- exact polish
def _polish(g: _Game, W: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Solve the exact equations of the inclusion structure read off ``x``."""
    L, n = g.L, g.n
    free = (x > _PURE) & (x < 1 - _PURE) & g.frac[None, :, None] & g.M[None]
    x = np.where(free, x, np.rint(x))
    slots = np.where(free, 0.0, x * g.M[None]).sum(axis=2)  # (L, k) fixed inclusions
    cells = np.argwhere(free)  # (m, 3): s, k, i
    m = cells.shape[0]
    groups = [(s, k, np.flatnonzero(free[s, k])) for s in range(L) for k in range(n)
              if free[s, k].any()]
    last = np.inf
    for _ in range(20):
        p = g.prices(W)
        r_bal = (g.balance(p, x) - W).ravel()
        r_fill = [x[s, k, idx].sum() + slots[s, k] - g.need[k] for s, k, idx in groups]
        r_tie = [p[s, i] - p[s, idx[0]] for s, _k, idx in groups for i in idx[1:]]
        r = np.concatenate([r_bal, np.asarray(r_fill, dtype=np.float64),
                            np.asarray(r_tie, dtype=np.float64)])
        norm = float(np.abs(r).max())
        if norm < 1e-15 or (norm < 1e-12 and norm > 0.5 * last):
            break  # solved, or down to rounding noise
        if not norm < 4 * last:
            break  # diverging: the structure read off x is not the equilibrium's
        last = norm
        J = _polish_jacobian(g, p, x, cells, groups)
        step = np.linalg.lstsq(J, -r, rcond=None)[0]
        W = W + step[: L * n].reshape(L, n)
        if m:
            x = x.copy()
            x[cells[:, 0], cells[:, 1], cells[:, 2]] += step[L * n:]
    return W, x


def _polish_jacobian(g: _Game, p: FloatArray, x: FloatArray, cells: IntArray,
                     groups: list[tuple[int, int, IntArray]]) -> FloatArray:
    L, n = g.L, g.n
    m = cells.shape[0]
    rows = L * n + len(groups) + sum(idx.size - 1 for _s, _k, idx in groups)
    J = np.zeros((rows, L * n + m))
    eye = np.eye(n)
    D = eye[None, None] * x[..., :, None]
    idx_n = np.arange(n)
    D[:, idx_n, idx_n, :] = -x
    D = np.where(g.ok[None, :, None, None], D, eye[None, None])
    B = np.einsum("sk,skij->sij", g.P, D) * g.delta[None, None, :]
    for s in range(L):
        t = int(g.nxt[s])
        J[s * n:(s + 1) * n, t * n:(t + 1) * n] += B[s]
    J[: L * n, : L * n] -= np.eye(L * n)
    col = {tuple(c): L * n + j for j, c in enumerate(cells.tolist())}
    for (s, k, i), c in col.items():
        J[s * n + i, c] += g.P[s, k] * p[s, i]
        J[s * n + k, c] -= g.P[s, k] * p[s, i]
    row = L * n
    for s, k, idx in groups:
        for i in idx:
            J[row, col[(s, k, int(i))]] = 1.0
        row += 1
    for s, _k, idx in groups:
        t = int(g.nxt[s])
        for i in idx[1:]:
            J[row, t * n + int(i)] += g.delta[int(i)]
            J[row, t * n + int(idx[0])] -= g.delta[int(idx[0])]
            row += 1
    return J


def _violation(g: _Game, W: FloatArray, x: FloatArray) -> float:
    """The largest violation of the exact equilibrium conditions."""
    p = g.prices(W)
    worst = float(np.abs(g.balance(p, x) - W).max())
    worst = max(worst, float(np.maximum(-x, x - 1).max()))
    for k in np.flatnonzero(g.ok):
        cand = g.M[k]
        filled = (x[:, k, :] * cand).sum(axis=1)
        worst = max(worst, float(np.abs(filled - g.need[k]).max()))
        for s in range(g.L):
            xs, ps = x[s, k, cand], p[s, cand]
            inside, outside = xs > _PURE, xs < 1 - _PURE
            if inside.any() and outside.any():  # nobody dearer in while a cheaper one out
                worst = max(worst, float(ps[inside].max() - ps[outside].min()))
    worst = max(worst, float(np.maximum(-W, 0).max()))
    return worst


def solve_pie(recognition: ArrayLike, discount: ArrayLike, veto: Iterable[int] = (),
              quota: int | None = None, *, tol: float = 1e-9) -> PieEquilibrium:
    """The stationary equilibrium shares, offers and mixtures of a pie game.

    Args:
        recognition: shape (L, n) (or (n,) for one state): per state, each player's
            probability of being recognised as proposer (rows sum to 1).
        discount: shape (n,) or scalar, per-round discount factors in [0, 1].
        veto: players whose acceptance is required.
        quota: how many of the other non-veto responders must accept (None: all).
        tol: the largest violation of the equilibrium conditions still reported as
            converged.

    Returns:
        The `PieEquilibrium`.

    Raises:
        ValueError: on malformed inputs.
    """
    P = np.atleast_2d(np.asarray(recognition, dtype=np.float64))
    if P.ndim != 2 or P.shape[1] < 1 or not np.all(np.isfinite(P)) or np.any(P < 0):
        raise ValueError("recognition must be a non-negative (L, n) array")
    if np.any(np.abs(P.sum(axis=1) - 1.0) > 1e-9):
        raise ValueError("each state's recognition probabilities must sum to 1")
    n = P.shape[1]
    delta = np.broadcast_to(np.asarray(discount, dtype=np.float64), (n,)).copy()
    if not np.all((delta >= 0) & (delta <= 1)):
        raise ValueError(f"discount factors must lie in [0, 1], got {delta}")
    veto_set = frozenset(int(a) for a in veto)
    if any(a < 0 or a >= n for a in veto_set):
        raise ValueError(f"veto entries must be player indices in [0, {n})")
    if quota is not None and (int(quota) != quota or quota < 0):
        raise ValueError(f"quota must be a non-negative integer or None, got {quota!r}")
    g = _Game(P, delta, veto_set, quota)
    W = np.full((g.L, n), 1.0 / n)
    tau = 1.0
    W, _ok = _newton(g, W, tau, 200)
    best: tuple[float, FloatArray, FloatArray] | None = None
    factor = 0.1
    while True:
        x = g.smoothed(W, tau)[2]
        Wp, xp = _polish(g, W.copy(), x)
        err = _violation(g, Wp, xp)
        if best is None or err < best[0]:
            best = (err, Wp, xp)
        if err <= tol or tau <= _TAU_END:
            break
        target = max(tau * factor, _TAU_END)
        trial, ok = _newton(g, W, target)
        if ok:
            W, tau = trial, target
            factor = max(factor * factor, 1e-3)
        else:
            factor = factor ** 0.5
            if factor > 0.95:
                break
    err, W, x = best
    p = g.prices(W)
    shares = g.shares(p, x)
    idx = np.arange(n)
    keeps = np.where(g.ok[None, :], shares[:, idx, idx], np.nan)
    return PieEquilibrium(values=W, prices=p, inclusion=np.clip(x, 0.0, 1.0), keeps=keeps,
                          can_pass=g.ok.copy(), need=g.need.astype(np.int64),
                          converged=bool(err <= tol), residual=err)


def coalition_mixture(inclusion: ArrayLike, need: int) -> list[tuple[tuple[int, ...], float]]:
    """A lottery over coalitions with the given inclusion probabilities.

    Any vector of inclusion probabilities in [0, 1] summing to an integer ``need`` is the
    marginal of a lottery over sets of exactly ``need`` members. Systematic sampling
    builds one with at most ``len(inclusion) + 1`` sets: lay the probabilities end to end
    on [0, need) and, for each offset ``u``, take the members whose segment covers
    ``u, u + 1, ..., u + need - 1``.

    Args:
        inclusion: shape (m,), inclusion probabilities summing to ``need``.
        need: the coalition size.

    Returns:
        ``[(members, probability), ...]`` with probabilities summing to 1, members as
        indices into ``inclusion``, sorted by decreasing probability then members.
    """
    x = np.clip(np.asarray(inclusion, dtype=np.float64), 0.0, 1.0)
    if need <= 0:
        return [((), 1.0)]
    ends = np.cumsum(x)
    ends[-1] = float(need)
    starts = ends - x
    cuts = np.unique(np.concatenate([[0.0], np.mod(ends, 1.0), [1.0]]))
    out: dict[tuple[int, ...], float] = {}
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        if b - a <= 1e-12:
            continue
        u = 0.5 * (a + b) + np.arange(need)
        members = tuple(int(np.flatnonzero((starts <= t) & (t < ends))[0]) for t in u)
        out[members] = out.get(members, 0.0) + float(b - a)
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))
