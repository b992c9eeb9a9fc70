"""The random-mutation mediator of mediated single-text negotiation.

Core object:
    RandomMutation (``random_mutation``): drafts texts for the single_text protocol by
        mutating one issue of the current reference text at random; the parties' votes
        (a rejection with no objection is a vote for the change) decide whether the
        mutation becomes the new reference.
    RandomMutationDraftKernel: `RandomMutation.draft` over many runs at once, each run's
        draws from its own generator in the per-run order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from sim.engine.observation import MediatorObservation, Observation
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.kernel import DraftKernel
from sim.engine.strategies.mediator import PartyKernel
from sim.engine.strategies.registry import register

__all__ = ["RandomMutation"]

_REFERENCE, _MUTATION = "reference", "mutation"


class RandomMutationParams(StrategyParams):
    """Parameters of `RandomMutation`."""

    attempts: int = Field(
        default=20, ge=1, le=1000,
        description="Random mutations tried per round before the reference is redrafted "
        "(a mutation must stay inside the mediator's feasible set).",
    )


class RandomMutationDraftKernel(DraftKernel):
    """`RandomMutation.draft` for every run of a batch.

    Per run: the reference, whether the last text was a mutation, whether a party voted
    against it. The draws (the first text, then per attempt an issue and an option) are
    taken run by run from each run's generator, attempt by attempt: a run's draws come
    in the per-run order whatever the batch.
    """

    draws = True

    def __init__(self, strategy: Any, obs: MediatorObservation) -> None:
        super().__init__(strategy, obs)
        rows = np.flatnonzero(obs.feasible)
        if obs.tiebreak is not None:
            rows = rows[np.argsort(np.asarray(obs.tiebreak)[rows], kind="stable")]
        self.rows = rows
        self.strides, self.lookup = strategy._encoding(obs)
        self.radix = np.asarray(obs.radix, dtype=np.int64)
        rank = obs.issue_rank
        self.issues = np.argsort(np.asarray(rank), kind="stable") if rank is not None else \
            np.arange(self.radix.size)
        self.feasible = np.asarray(obs.feasible, dtype=bool)
        self.packages = np.asarray(obs.packages, dtype=np.int64)
        self.attempts = int(strategy.params.attempts)

    def start(self, batch: int, deadline: int) -> None:
        self.reference = np.full(batch, -1, dtype=np.int64)
        self.mutated = np.zeros(batch, dtype=bool)
        self.against = np.zeros(batch, dtype=bool)

    def hear(self, runs: np.ndarray, objected: np.ndarray) -> None:
        self.against[runs] = objected.any(axis=1)

    def draft(self, runs: np.ndarray, t: int, deadline: int, texts: np.ndarray,
              n_texts: np.ndarray) -> np.ndarray:
        out = np.full(runs.shape[0], -1, dtype=np.int64)
        if self.rows.size == 0:
            return out
        n = n_texts[runs]
        first = np.flatnonzero(n == 0)
        size = int(self.rows.size)
        for j in first.tolist():
            out[j] = self.rows[self.rngs[int(runs[j])].integers(size)]
        self.reference[runs[first]] = out[first]
        self.mutated[runs[first]] = False
        sub = np.flatnonzero(n > 0)
        if sub.size == 0:
            return out
        r = runs[sub]
        last = texts[r, n[sub] - 1]
        adopt = self.mutated[r] & ~self.against[r]  # every party voted for the mutation
        self.reference[r[adopt]] = last[adopt]
        ref = self.reference[r]
        out[sub] = ref
        sign = (self.mutated[r] & (last != ref)) | (t >= deadline - 1)
        self.mutated[r[sign]] = False
        k = np.flatnonzero(~sign)
        if k.size:
            mutation = self._mutate(r[k], ref[k])
            found = mutation >= 0
            self.mutated[r[k]] = found
            out[sub[k]] = np.where(found, mutation, ref[k])
        return out

    def _mutate(self, r: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """`RandomMutation._mutate` per run (-1: no feasible mutation found)."""
        opts = self.packages[ref]
        code = opts @ self.strides
        out = np.full(r.shape[0], -1, dtype=np.int64)
        todo = np.arange(r.shape[0])
        n_issues = int(self.issues.size)
        rngs = self.rngs
        for _ in range(self.attempts):
            if todo.size == 0:
                break
            i = self.issues[[int(rngs[b].integers(n_issues)) for b in r[todo].tolist()]]
            two = self.radix[i] >= 2
            tried, i = todo[two], i[two]
            if tried.size == 0:
                continue
            o = opts[tried, i]
            new = np.array([int(rngs[b].integers(h)) for b, h in
                            zip(r[tried].tolist(), (self.radix[i] - 1).tolist(), strict=True)],
                           dtype=np.int64)
            new += new >= o
            target = code[tried] + (new - o) * self.strides[i]
            cand = target if self.lookup is None else self.lookup[target]
            hit = (cand >= 0) & self.feasible[np.maximum(cand, 0)]
            out[tried[hit]] = cand[hit]
            todo = todo[~np.isin(todo, tried[hit])]
        return out


@register
class RandomMutation(Strategy[RandomMutationParams]):
    """Mutate one issue of the reference text at random; keep it when every party agrees.

    Rule (Klein et al.'s mediated single text, in the single_text protocol): the first
    text is a feasible package drawn at random (uniformly, in an order that does not
    depend on the order of issues in the file); it is the *reference*. Each later round
    the mediator drafts a *mutation* of the reference: one issue, drawn at random, moved
    to another of its options drawn at random (up to ``attempts`` draws until the text is
    feasible). The parties vote on it: a party that rejects it naming no objection votes
    for the change (the voters ``hill_climber`` and ``annealer`` vote this way, signing
    nothing before the last round). If every party voted for it, the mutation becomes
    the reference; otherwise the next text restates the reference before the next
    mutation, so every mutation is judged against the text right before it. In the last
    round of the talks the mediator puts the reference up for signature. A party that
    accepts a text signs it: the acceptance rule then ends the talks on it.

    As a party in other protocols it makes no proposals and accepts any allowed offer
    worth at least its reservation value.

    Source: M. Klein, P. Faratin, H. Sayama and Y. Bar-Yam (2003), "Negotiating complex
    contracts", *Group Decision and Negotiation* 12(2), 111-125.
    """

    name = "random_mutation"
    role = "mediator"
    stochastic = True
    reservation_aware = True
    Params = RandomMutationParams
    kernel = PartyKernel
    draft_kernel = RandomMutationDraftKernel

    def __init__(
        self, params: StrategyParams | dict[str, Any] | None, rng: np.random.Generator
    ) -> None:
        """Create the mediator (see `Strategy.__init__`)."""
        self._space: tuple[Any, ...] | None = None
        super().__init__(params, rng)

    def _reset(self) -> None:
        self._reference: int | None = None
        self._last = _REFERENCE
        self._seen = 0

    # ------------------------------------------------------------------ as a party
    def aspiration(self, obs: Observation) -> float:
        """Its reservation value (``inf`` when nothing is acceptable)."""
        return float("inf") if obs.order.shape[0] == 0 else obs.reservation

    def _propose(self, obs: Observation) -> int | None:
        return None

    def _respond(self, obs: Observation, offer: int) -> bool:
        return bool(obs.acceptable[offer]) and float(obs.utilities[offer]) >= obs.reservation

    # ------------------------------------------------------------------ drafting
    def draft(self, obs: MediatorObservation) -> int | None:
        """The next text (a feasible row), or None when nothing is feasible."""
        texts = obs.texts
        if len(texts) < self._seen or not texts:  # a new negotiation or stage
            self._reset()
        if not texts:
            rows = np.flatnonzero(obs.feasible)
            if rows.size == 0:
                return None
            if obs.tiebreak is not None:
                rows = rows[np.argsort(np.asarray(obs.tiebreak)[rows], kind="stable")]
            self._reference, self._last, self._seen = int(rows[self.rng.integers(rows.size)]), \
                _REFERENCE, 1
            return self._reference
        if len(texts) > self._seen:  # the votes on the last text are in
            votes = obs.objections[-1] if obs.objections else {}
            if self._last == _MUTATION and not any(votes.values()):
                self._reference = int(texts[-1])
            self._seen = len(texts)
        reference = self._reference
        if reference is None or not obs.feasible[reference]:
            reference = int(texts[-1])
            if not obs.feasible[reference]:
                return None
            self._reference = reference
        if obs.round >= obs.deadline - 1 or (self._last == _MUTATION and
                                             int(texts[-1]) != reference):
            self._last = _REFERENCE  # the reference again: for signature, or after a no
            return reference
        mutation = self._mutate(obs, reference)
        self._last = _REFERENCE if mutation is None else _MUTATION
        return reference if mutation is None else mutation

    def _mutate(self, obs: MediatorObservation, row: int) -> int | None:
        """A feasible text differing from ``row`` in one issue, drawn at random."""
        radix = np.asarray(obs.radix, dtype=np.int64)
        rank = obs.issue_rank
        issues = np.argsort(np.asarray(rank), kind="stable") if rank is not None else \
            np.arange(radix.size)
        strides, lookup = self._encoding(obs)
        options = obs.packages[row]
        code = int(np.dot(options.astype(np.int64), strides))
        for _ in range(self.params.attempts):
            i = int(issues[self.rng.integers(issues.size)])
            if radix[i] < 2:
                continue
            o = int(options[i])
            new = int(self.rng.integers(radix[i] - 1))
            new += int(new >= o)
            target = code + (new - o) * int(strides[i])
            candidate = target if lookup is None else int(lookup[target])
            if candidate >= 0 and obs.feasible[candidate]:
                return candidate
        return None

    def _encoding(self, obs: MediatorObservation) -> tuple[np.ndarray, np.ndarray | None]:
        """Mixed-radix strides and, unless rows already are codes, a code -> row table."""
        if self._space is None or self._space[0] is not obs.packages:
            radix = np.asarray(obs.radix, dtype=np.int64)
            strides = np.ones(radix.size, dtype=np.int64)
            for i in range(radix.size - 2, -1, -1):
                strides[i] = strides[i + 1] * radix[i + 1]
            codes = obs.packages.astype(np.int64) @ strides
            lookup = None
            if not np.array_equal(codes, np.arange(codes.size)):
                lookup = np.full(int(np.prod(radix)), -1, dtype=np.int64)
                lookup[codes] = np.arange(codes.size)
            self._space = (obs.packages, strides, lookup)
        return self._space[1], self._space[2]
