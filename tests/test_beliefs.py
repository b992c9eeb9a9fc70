"""Beliefs about ratifiers, renegotiation and the ratification-aware strategy (issue 11 A).

Hypothesis properties of `sim.core.beliefs` (distributions stay distributions; Bayes' rule
after a rejection leaves no weight on a type that would have accepted; the vectorised
acceptance and ratification probabilities equal brute force) and of the summit with
renegotiation (see `test_accurate_beliefs_never_stillborn` for the exact conditions).
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.api import prepare, simulate
from sim.core import beliefs as core
from sim.engine.protocols.summit_ratification import ratifiable
from sim.scenario import validate_data
from sim.scenario.loader import load_raw

ROOT = Path(__file__).resolve().parent.parent
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"
ACCURATE = ROOT / "scenarios" / "summit_accurate_beliefs.yaml"

grid = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6)
PRESETS = ("boulware", "linear", "conceder")
FIXTURE = [HealthCheck.function_scoped_fixture]


@st.composite
def beliefs(draw):
    res = draw(grid)
    w = draw(st.lists(st.floats(0.0, 5.0), min_size=len(res), max_size=len(res)))
    if sum(w) <= 0:
        w = [1.0] * len(res)
    n_red = draw(st.integers(0, 4))
    real = draw(st.lists(st.floats(0.0, 1.0), min_size=n_red, max_size=n_red))
    fallback = None
    if draw(st.booleans()):
        fallback = core.prior(np.linspace(0, 1, 11).tolist(), [1.0] * 11, [0.5] * n_red)
    return core.prior(res, w, real, fallback), n_red


@st.composite
def answers(draw, n_red):
    n = draw(st.integers(1, 6))
    return [(draw(st.floats(0.0, 1.0)),
             np.array(draw(st.lists(st.booleans(), min_size=n_red, max_size=n_red)), bool),
             draw(st.booleans())) for _ in range(n)]


def is_distribution(b: core.Belief) -> bool:
    return bool(np.all(b.prob >= 0) and abs(b.prob.sum() - 1.0) < 1e-9
                and b.prob.shape == b.space.shape)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_beliefs_stay_distributions_and_rejections_rule_out_accepting_types(data):
    b, n_red = data.draw(beliefs())
    assert is_distribution(b)
    for u, v, accepted in data.draw(answers(n_red)):
        b = core.observe(b, u, v, accepted)
        assert is_distribution(b)
        consistent = core.accepts(b.space, u, v)
        if not accepted:
            consistent = ~consistent
        # no weight on a type that would have answered otherwise
        assert not np.any((b.prob > 0) & ~consistent)
        if b.fallback is not None:
            assert is_distribution(b.fallback)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_acceptance_is_the_mass_of_the_accepting_types(data):
    b, n_red = data.draw(beliefs())
    k = data.draw(st.integers(1, 8))
    u = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k)))
    v = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=n_red, max_size=n_red),
                                    min_size=k, max_size=k)), dtype=bool).reshape(k, n_red)
    p = core.acceptance(b, u, v)
    brute = [float((b.prob * core.accepts(b.space, u[i], v[i])).sum()) for i in range(k)]
    np.testing.assert_allclose(p, brute, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_ratification_probability_matches_enumeration(data):
    R = data.draw(st.integers(1, 4))
    p = np.array(data.draw(st.lists(st.floats(0.0, 1.0), min_size=R, max_size=R)))[None, :]
    veto = np.array(data.draw(st.lists(st.booleans(), min_size=R, max_size=R)))
    quota = data.draw(st.one_of(st.none(), st.integers(0, R)))
    total = 0.0
    for outcome in itertools.product((False, True), repeat=R):
        acc = np.array(outcome)
        others = acc[~veto]
        passes = acc[veto].all() and (others.all() if quota is None else others.sum() >= quota)
        total += passes * float(np.prod(np.where(acc, p[0], 1 - p[0])))
    assert core.ratification(p, veto, quota)[0] == pytest.approx(total, abs=1e-12)


# --------------------------------------------------------------------------- the summit
@pytest.fixture(scope="module")
def accurate():
    data = load_raw(ACCURATE)
    data.pop("dynamics", None)  # no dynamics: constant reservation values
    return data, prepare(validate_data(copy.deepcopy(data), "accurate"))


def summit(data, us, ru, deadline, attempts, prior="accurate", spread=0.0):
    d = copy.deepcopy(data)
    d["actors"]["united_states"]["strategy"] = {"kind": "ratification_aware",
                                                "params": {"preset": us}}
    d["actors"]["russia"]["strategy"] = {"kind": "ratification_aware", "params": {"preset": ru}}
    d["protocol"]["deadline"] = deadline
    params = d["protocol"]["params"]
    params["renegotiate"] = True
    params["max_attempts"] = attempts
    params["beliefs"] = {"prior": prior, "spread": spread, "points": 5}
    return validate_data(d, "summit")


@settings(max_examples=20, deadline=None, suppress_health_check=FIXTURE)
@given(us=st.sampled_from(PRESETS), ru=st.sampled_from(PRESETS), deadline=st.integers(2, 30),
       attempts=st.one_of(st.none(), st.integers(1, 4)), seed=st.integers(0, 2**16))
def test_accurate_beliefs_never_stillborn(accurate, us, ru, deadline, attempts, seed):
    """With accurate beliefs, renegotiation on and no dynamics, no run is stillborn.

    Conditions: the shipped Alaska summit (US and Russia negotiate, Ukraine and Europe
    ratify under unanimity) without its dynamics, so every reservation value is constant;
    both negotiators play ``ratification_aware`` (any preset curve); the ratifiers play
    ``reservation_aware`` with margin 0 (as shipped: they accept exactly the packages
    inside their red lines worth at least their reservation value); ``renegotiate: true``
    with any ``max_attempts`` and deadline; beliefs ``accurate`` with ``spread: 0`` (each
    ratifier's reservation value and red lines known exactly). Whenever a ratifiable
    package exists that both negotiators prefer to no deal (the summit is not empty), the
    run never ends stillborn: a negotiator never proposes or accepts a package it believes
    has no chance of ratification, and with exact beliefs every other package is ratified.
    With a spread above 0 the property is false in this model for a reason of rationality,
    not of design: in a last vote (last round or last attempt) a package with a believed
    probability below 1 still has a higher expected utility than no deal, and the gamble
    can be lost (`test_a_stillborn_deal_was_a_believed_gamble` checks that such losses are
    only ever gambles).
    """
    data, prepared = accurate
    sc = summit(data, us, ru, deadline, attempts)
    rule_ok = ratifiable(prepared, (2, 3), _unanimity())
    U, r = prepared.U, prepared.reservations
    both = (U[:, 0] >= r[0]) & (U[:, 1] >= r[1]) & prepared.red_ok[:, 0] & prepared.red_ok[:, 1]
    assert bool(np.any(rule_ok & both & prepared.agenda_ok))  # the premise holds here
    res = simulate(sc, seed, prepared=prepared, collect=False)
    assert not res.stillborn, (res.reason, res.attempts, res.beliefs_final)


def _unanimity():
    from sim.engine.protocols.rules import AcceptanceRule

    return AcceptanceRule(frozenset({2, 3}), None)


@settings(max_examples=15, deadline=None, suppress_health_check=FIXTURE)
@given(spread=st.floats(0.0, 0.2), deadline=st.integers(2, 30),
       attempts=st.one_of(st.none(), st.integers(1, 3)), seed=st.integers(0, 2**16))
def test_a_stillborn_deal_was_a_believed_gamble(accurate, spread, deadline, attempts, seed):
    """With accurate beliefs a stillborn deal was one a negotiator believed could fail.

    The accurate prior gives the true type positive weight, so a believed ratification
    probability of 1 means every type it holds possible, the true one included, ratifies
    (no dynamics: the truth does not move). Votes never exceed ``max_attempts``. (With
    the naive prior a stillborn deal is typically one believed certain.)
    """
    data, prepared = accurate
    sc = summit(data, "conceder", "boulware", deadline, attempts, "accurate", spread)
    res = simulate(sc, seed, prepared=prepared, collect=False)
    if attempts is not None:
        assert res.attempts <= attempts
    if res.stillborn:
        assert res.beliefs_final is not None
        assert min(b["all"] for b in res.beliefs_final.values()) < 1.0
    if res.ratified is not None:
        assert res.attempts >= 1 and res.beliefs_final is not None


def test_renegotiation_off_keeps_the_base_summit(accurate):
    # beliefs without renegotiation: one vote, a rejection is stillborn at once
    data, prepared = accurate
    d = copy.deepcopy(data)
    d["protocol"]["params"]["renegotiate"] = False
    d["protocol"]["params"].pop("max_attempts")
    d["protocol"]["params"]["beliefs"] = {"prior": "naive"}
    res = simulate(validate_data(d, "naive"), 1, prepared=prepared, collect=False)
    assert res.attempts <= 1
    base = load_raw(ALASKA)
    base.pop("dynamics", None)
    plain = simulate(validate_data(base, "base"), 1, prepared=prepared, collect=False)
    voted = plain.reason in ("agreement", "stillborn")
    assert plain.attempts == int(voted) and plain.beliefs_final is None


def test_a_naive_negotiator_learns_from_a_rejection(accurate):
    data, prepared = accurate
    sc = summit(data, "conceder", "boulware", 30, None, prior="naive")
    res = simulate(sc, 1, prepared=prepared)
    assert res.table is not None
    events = res.table.columns["event"]
    assert "rejected" in events  # the naive first deal is rejected, then renegotiated
    assert res.attempts == events.count("rejected") + (res.ratified is not None)


# --------------------------------------------------------------------------- audience costs
AUDIENCE = ROOT / "scenarios" / "summit_audience_costs.yaml"


def test_audience_costs_move_the_negotiators_reservation_values():
    from sim.api import model

    base = model(ACCURATE, seed=3)
    moved = model(AUDIENCE, seed=3)
    actors = list(base.prepared.problem.actors)
    ru, us = actors.index("russia"), actors.index("united_states")
    b, m = np.asarray(base.reservations), np.asarray(moved.reservations)
    # Putin's promise: +0.05 in every round (same war draws: same seed, same state)
    np.testing.assert_allclose(m[:, ru] - b[:, ru], 0.05, atol=1e-12)
    # Trump: the us_patience term re-declared as -0.005 a round, so the path is unchanged
    np.testing.assert_allclose(m[:, us], b[:, us], atol=1e-9)


def test_audience_costs_for_an_unknown_actor_are_a_located_error():
    data = load_raw(AUDIENCE)
    data["dynamics"]["audience_costs"]["nobody"] = {"shift": 0.1}
    with pytest.raises(Exception, match="audience_costs.nobody"):
        validate_data(data, "bad")
