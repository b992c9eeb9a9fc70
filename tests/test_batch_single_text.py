"""The single text's batch kernels equal their per-run rules, step by step (issue 15).

The end-to-end property (tests/test_batch_equivalence.py) compares whole runs; here each
kernel is driven side by side with its per-run strategy on random scenarios and random
answers, and every step is compared: every draft of the ``mediator`` and
``random_mutation`` drafters under random objections (and each run's generator after
the draws), and the objections of the voters and of the default rule for random texts.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import budget, scenarios, seeds

from sim.api import prepare
from sim.engine import strategies
from sim.engine.batch.single_text import _default_objections, _shortfall
from sim.engine.observation import MediatorObservation
from sim.engine.protocols.base import relative_times
from sim.engine.protocols.records import NEUTRAL
from sim.engine.protocols.rounds import observe
from sim.engine.settings import StrategySpec
from sim.engine.strategies.kernel import ObjectingKernel, draft_kernel_for, kernel_for
from sim.scenario import compile_problem, validate_data

DRAFTERS = ("mediator", "random_mutation")


def _prepared(data):
    return prepare(compile_problem(validate_data(data)))


@st.composite
def worlds(draw):
    """A prepared problem, its package view and a drafting actor (or `NEUTRAL`)."""
    prepared = _prepared(draw(scenarios(protocol=False, max_packages=64, max_actors=4)))
    view = prepared.view(("package",))
    # a neutral mediator half the time: all its utilities tie, the tie-breaks decide
    m = draw(st.just(NEUTRAL) | st.integers(0, prepared.problem.n_actors - 1))
    return prepared, view, m


def _mediator_obs(prepared, view, m, t, deadline, texts=(), objections=()):
    if m == NEUTRAL:
        utilities, feasible = prepared.neutral_utilities, view.candidate
    else:
        utilities, feasible = view.utilities[m], view.acceptable[m]
    return MediatorObservation(
        round=t, deadline=deadline, relative_time=relative_times(deadline)[t],
        packages=prepared.packages, radix=prepared.radix, utilities=utilities,
        feasible=feasible, texts=tuple(texts), objections=tuple(objections),
        tiebreak=prepared.canonical, issue_rank=prepared.issue_rank,
    )


@settings(max_examples=budget(40), deadline=None)
@given(world=worlds(), kind=st.sampled_from(DRAFTERS), params=st.data(),
       deadline=st.integers(1, 14), n_runs=st.integers(1, 5), stream=seeds())
def test_draft_kernels_draft_what_the_mediators_draft(world, kind, params, deadline,
                                                     n_runs, stream):
    """Round by round, under random objections: the same texts, the same draws."""
    prepared, view, m = world
    spec = StrategySpec(kind=kind)
    if kind == "random_mutation":
        spec = StrategySpec(kind=kind, params={"attempts": params.draw(st.integers(1, 4))})
    run_seeds = [stream + b for b in range(n_runs)]
    reference = [strategies.build(spec, np.random.default_rng(s)) for s in run_seeds]
    kernel = draft_kernel_for(strategies.build(spec, np.random.default_rng(0)),
                              _mediator_obs(prepared, view, m, 0, deadline))
    assert kernel is not None
    kernel.start(n_runs, deadline)
    kernel.rngs = [np.random.default_rng(s) for s in run_seeds]
    texts = np.full((n_runs, deadline), -1, dtype=np.int64)
    n_texts = np.zeros(n_runs, dtype=np.int64)
    ref_texts: list[tuple[int, ...]] = [()] * n_runs
    ref_objections: list[tuple[dict, ...]] = [()] * n_runs
    answers = np.random.default_rng(stream)
    n_issues = prepared.radix.shape[0]
    for t in range(deadline):
        runs = np.arange(n_runs)
        got = kernel.draft(runs, t, deadline, texts, n_texts)
        for b in range(n_runs):
            obs = _mediator_obs(prepared, view, m, t, deadline, ref_texts[b], ref_objections[b])
            row = reference[b].draft(obs)
            assert got[b] == (-1 if row is None else row), (t, b)
            if row is not None:
                ref_texts[b] = (*ref_texts[b], row)
        drafted = runs[got >= 0]
        texts[drafted, n_texts[drafted]] = got[drafted]
        n_texts[drafted] += 1
        heard = np.zeros((n_runs, n_issues), dtype=np.int64)
        for b in drafted.tolist():  # three parties, each naming up to three issues
            said = {}
            for a in range(3):
                k = int(answers.integers(0, min(3, n_issues) + 1))
                said[a] = tuple(int(i) for i in answers.choice(n_issues, k, replace=False))
                heard[b, list(said[a])] += 1
            ref_objections[b] = (*ref_objections[b], said)
        kernel.hear(drafted, heard[drafted])
    for b in range(n_runs):  # every run drew exactly what its mediator drew
        assert (kernel.rngs[b].bit_generator.state
                == reference[b].rng.bit_generator.state)


@settings(max_examples=budget(40), deadline=None)
@given(world=worlds(), kind=st.sampled_from(["hill_climber", "annealer", "time_dependent"]),
       data=st.data(), stream=seeds())
def test_objections_over_runs_equal_the_strategies_objections(world, kind, data, stream):
    """The voters' votes and objections (draws included), and the default objections."""
    prepared, view, _m = world
    n_actors, k = prepared.problem.n_actors, prepared.packages.shape[0]
    a = data.draw(st.integers(0, n_actors - 1))
    deadline = data.draw(st.integers(2, 10))
    t = data.draw(st.integers(0, deadline - 1))
    params = {"temperature": data.draw(st.sampled_from([0.0, 0.05, 0.5, 10.0]))} \
        if kind == "annealer" else {}
    spec = StrategySpec(kind=kind, params=params)
    n_runs = data.draw(st.integers(1, 6))
    picks = np.random.default_rng(stream)
    offer = picks.integers(0, k, n_runs)
    before = picks.integers(-1, k, n_runs)  # -1: the first text
    same = picks.random(n_runs) < 0.3  # the text restated
    before[same] = offer[same]
    run_seeds = [stream + b for b in range(n_runs)]
    strategy = strategies.build(spec, np.random.default_rng(0))
    kern = kernel_for(strategy, view, a)
    assert kern is not None
    kern.rngs = [np.random.default_rng(s) for s in run_seeds]
    runs = np.arange(n_runs)
    time = relative_times(deadline)[t]
    if isinstance(kern, ObjectingKernel):
        got = kern.objections(runs, t, time, offer, before, prepared.packages,
                              prepared.issue_rank)
    else:
        got = _default_objections(_shortfall(view.parts[a][5], view.parts[a][6]),
                                  prepared.packages[offer].astype(np.int64),
                                  prepared.issue_rank)
    proto = _Clock(prepared, deadline)
    for b in range(n_runs):
        ref = strategies.build(spec, np.random.default_rng(run_seeds[b]))
        history = ((() if before[b] < 0 else ((t - 1, NEUTRAL, int(before[b])),))
                   + ((t, NEUTRAL, int(offer[b])),))
        obs = observe(proto, _State(t), view, a, 0.0, int(offer[b]), history)
        names = ref.objections(obs, int(offer[b]))
        assert set(np.flatnonzero(got[b]).tolist()) == set(names), b
        assert kern.rngs[b].bit_generator.state == ref.rng.bit_generator.state


class _Clock:
    """The parts of a protocol that `observe` reads (package sequencing)."""

    def __init__(self, prepared, deadline):
        self.prepared, self.deadline = prepared, deadline
        self.ceasefire_issue = None
        self.times = relative_times(deadline)
        self.n = prepared.problem.n_actors
        self.packages = prepared.packages


class _State:
    def __init__(self, t):
        self.round, self.beliefs = t, None
