"""Contract tests over the strategy registry, plus scripted cases per strategy.

Every registered strategy is checked automatically (style practice 11): it never proposes
or accepts outside its acceptable set (nor below its reservation value when it declares
itself reservation-aware), it is deterministic for a given seed, a non-stochastic one
never draws from its generator, and a time-dependent one never raises its demand while
nothing happens. Mediators are checked on their drafts instead.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.engine.observation import (
    MediatorObservation,
    Observation,
    Response,
    rank,
    readonly,
    relative_time,
)
from sim.engine.strategies import (
    Strategy,
    StrategyParams,
    UnknownStrategy,
    build,
    get,
    names,
    register,
    validate_params,
)
from sim.engine.strategies.base import MAX_OBJECTIONS
from sim.engine.strategies.opponent import FrequencyModel
from sim.scenario.specs import StrategySpec

#: Contract tests build observations by hand, with no game: strategies that play the
#: protocol's equilibrium (``needs_equilibrium``) need one and are tested in
#: tests/test_patience.py.
NEGOTIATORS = tuple(n for n in names()
                    if get(n).role == "negotiator" and not get(n).needs_equilibrium)
MEDIATORS = tuple(n for n in names() if get(n).role == "mediator")
#: Every strategy that can be built by hand (all but the equilibrium players).
HAND_BUILT = tuple(n for n in names() if not get(n).needs_equilibrium)


# --------------------------------------------------------------------------- worlds
class World:
    """A small random negotiation: packages, per-actor utilities and acceptable sets."""

    def __init__(self, seed: int, radix: tuple[int, ...], n_actors: int, density: float):
        rng = np.random.default_rng(seed)
        self.radix = np.array(radix)
        self.packages = readonly(np.indices(radix).reshape(len(radix), -1).T.copy())
        self.k = self.packages.shape[0]
        self.n_actors = n_actors
        self.actors = []
        for _ in range(n_actors):
            w = rng.dirichlet(np.ones(len(radix)))
            values = tuple(readonly(rng.random(r)) for r in radix)
            u = sum(w[i] * values[i][self.packages[:, i]] for i in range(len(radix)))
            acceptable = rng.random(self.k) < density
            order, su = rank(u, acceptable)
            self.actors.append(
                dict(utilities=readonly(u), acceptable=readonly(acceptable), order=order,
                     sorted_utilities=su, values=values, weights=readonly(w))
            )

    def obs(self, me, round=0, deadline=10, history=(), reservation=0.0, on_table=None):
        a = self.actors[me]
        return Observation(
            round=round, deadline=deadline, relative_time=relative_time(round, deadline),
            me=me, n_actors=self.n_actors, packages=self.packages, utilities=a["utilities"],
            order=a["order"], sorted_utilities=a["sorted_utilities"],
            acceptable=a["acceptable"], reservation=reservation, history=tuple(history),
            on_table=on_table, values=a["values"], weights=a["weights"],
        )


@st.composite
def worlds(draw, max_issues: int = 4) -> World:
    radix = tuple(draw(st.lists(st.integers(2, 3), min_size=1, max_size=max_issues)))
    density = draw(st.sampled_from([1.0, 0.6, 0.2, 0.0]))
    return World(draw(st.integers(0, 2**32 - 1)), radix, draw(st.integers(2, 4)), density)


def play(strategy: Strategy, world: World, seed: int, deadline: int = 12,
         reservations=None) -> list:
    """Drive one strategy (actor 0) against random others; record every action and check."""
    rng = np.random.default_rng(seed)
    history: list[tuple[int, int, int]] = []
    actions: list = []
    for r in range(deadline):
        res = float(reservations[r]) if reservations is not None else 0.0
        for who in range(1, world.n_actors):
            history.append((r, who, int(rng.integers(world.k))))
        obs = world.obs(0, r, deadline, history, res)
        row = strategy.propose(obs)
        actions.append(("propose", r, row))
        if row is not None:
            assert obs.acceptable[row], f"{strategy.name} proposed an unacceptable package"
            if strategy.reservation_aware:
                assert obs.utilities[row] >= res
            history.append((r, 0, row))
        for offer in rng.integers(world.k, size=3):
            obs = world.obs(0, r, deadline, history, res, on_table=int(offer))
            resp = strategy.respond(obs, int(offer), explain=True)
            assert isinstance(resp, Response)
            actions.append(("respond", r, int(offer), resp.accept, resp.objections))
            if resp.accept:
                assert obs.acceptable[offer], f"{strategy.name} accepted an unacceptable package"
                if strategy.reservation_aware:
                    assert obs.utilities[offer] >= res
            else:
                assert len(resp.objections) <= MAX_OBJECTIONS
                assert all(0 <= i < len(world.radix) for i in resp.objections)
    return actions


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("name", HAND_BUILT)  # a mediator may also sit at the table as a party
@settings(max_examples=25)
@given(world=worlds(), seed=st.integers(0, 2**16), reservation=st.floats(0.0, 1.0))
def test_contract_red_lines_and_reservation(name, world, seed, reservation):
    s = get(name)({}, np.random.default_rng(seed))
    res = np.full(12, reservation)
    res[6:] = reservation / 2  # the reservation value moves mid-negotiation
    play(s, world, seed, reservations=res)
    assert s.guard_trips == 0, "the rule itself must respect the contract; the guard is a backstop"


@pytest.mark.parametrize("name", NEGOTIATORS)
@settings(max_examples=10)
@given(world=worlds(), seed=st.integers(0, 2**16))
def test_contract_deterministic_for_a_seed_and_reset(name, world, seed):
    a = get(name)({}, np.random.default_rng(seed))
    b = get(name)({}, np.random.default_rng(seed))
    first = play(a, world, seed)
    assert first == play(b, world, seed)
    a.reset()
    a.rng = np.random.default_rng(seed)
    assert play(a, world, seed) == first


@pytest.mark.parametrize("name", HAND_BUILT)
@settings(max_examples=10)
@given(world=worlds(), seed=st.integers(0, 2**16))
def test_contract_non_stochastic_never_draws(name, world, seed):
    rng = np.random.default_rng(seed)
    s = get(name)({}, rng)
    if s.stochastic:
        return
    before = rng.bit_generator.state
    play(s, world, seed)
    assert rng.bit_generator.state == before


@pytest.mark.parametrize("name", [n for n in NEGOTIATORS if get(n).time_dependent])
@settings(max_examples=25)
@given(world=worlds(), reservation=st.floats(0.0, 0.6), deadline=st.integers(2, 40))
def test_contract_time_dependent_demand_never_rises(name, world, reservation, deadline):
    s = get(name)({}, np.random.default_rng(0))
    history = ((0, 1, 0),)
    levels = [s.aspiration(world.obs(0, r, deadline, history, reservation))
              for r in range(deadline)]
    assert all(b <= a for a, b in zip(levels, levels[1:], strict=False))
    if world.actors[0]["order"].size and world.actors[0]["sorted_utilities"][0] >= reservation:
        last = world.obs(0, deadline - 1, deadline, history, reservation)
        assert levels[-1] == pytest.approx(max(reservation, last.sorted_utilities[-1]))


@pytest.mark.parametrize("name", [n for n in NEGOTIATORS if get(n).reservation_aware])
def test_contract_reservation_aware_rejects_just_below_reservation(name):
    world = World(1, (3, 3, 2), 3, 1.0)
    u = world.actors[0]["utilities"]
    for deadline_round in (0, 9):
        for row in range(world.k):
            res = float(u[row]) + 1e-9
            obs = world.obs(0, deadline_round, 10, ((0, 1, row),), res, on_table=row)
            assert not get(name)({}, np.random.default_rng(0)).respond(obs, row).accept


@pytest.mark.parametrize("name", NEGOTIATORS)
def test_contract_nothing_acceptable_means_pass_and_reject(name):
    world = World(2, (2, 3), 2, 0.0)
    s = get(name)({}, np.random.default_rng(0))
    obs = world.obs(0, 3, 10, ((0, 1, 4),), 0.0)
    assert s.propose(obs) is None
    assert not s.respond(obs, 4).accept
    assert s.aspiration(obs) == float("inf")


@pytest.mark.parametrize("name", HAND_BUILT)
def test_contract_declared_traits_and_documented_source(name):
    cls = get(name)
    assert cls.name == name
    assert cls.role in ("negotiator", "mediator")
    assert all(isinstance(getattr(cls, t), bool)
               for t in ("stochastic", "time_dependent", "reservation_aware", "reads_patience"))
    assert issubclass(cls.Params, StrategyParams)
    assert cls.Params.model_config.get("extra") == "forbid"
    assert "Source" in (cls.__doc__ or ""), "the docstring must cite its source"
    with pytest.raises(ValidationError):
        cls.Params.model_validate({"no_such_parameter": 1})


# --------------------------------------------------------------------------- registry
def test_registry_names_sorted_and_complete():
    assert names() == tuple(sorted(names()))
    assert {"time_dependent", "boulware", "linear", "conceder", "reciprocal", "hardliner",
            "reservation_aware", "mediator"} <= set(names())


def test_unknown_strategy_lists_registered_names():
    with pytest.raises(UnknownStrategy) as exc:
        get("foo")
    assert isinstance(exc.value, KeyError)
    assert str(exc.value) == f"unknown strategy 'foo'; registered: {', '.join(names())}"


def test_build_validates_params():
    s = build(StrategySpec(kind="hardliner", params={"aspiration": 0.7}),
              np.random.default_rng(0))
    assert s.name == "hardliner" and s.params.aspiration == 0.7
    with pytest.raises(ValueError, match="'window'"):
        validate_params("time_dependent", {"window": 0})


def test_register_rejects_duplicates_and_non_strategies():
    with pytest.raises(ValueError, match="already taken"):
        @register
        class Impostor(get("hardliner")):
            name = "hardliner"
    with pytest.raises(TypeError):
        register(int)
    # re-registering the same class is harmless
    assert register(get("linear")) is get("linear")


def test_strategy_spec_reports_unknown_kind_and_bad_params():
    with pytest.raises(ValidationError) as exc:
        StrategySpec(kind="foo")
    err = exc.value.errors()[0]
    assert err["loc"] == ("kind",)
    assert err["msg"] == f"unknown strategy 'foo'; registered: {', '.join(names())}"
    with pytest.raises(ValidationError) as exc:
        StrategySpec(kind="boulware", params={"e": 2.0})
    err = exc.value.errors()[0]
    assert err["loc"] == ("params",)
    assert "boulware: 'e': unknown parameter" in err["msg"]
    with pytest.raises(ValidationError, match="either 'preset' or e"):
        StrategySpec(kind="time_dependent", params={"preset": "boulware", "e": 3})
    with pytest.raises(ValidationError, match="needs k > 0"):
        StrategySpec(kind="time_dependent", params={"family": "exp"})
    assert StrategySpec(kind="time_dependent", params={"family": "exp", "k": 0.1})


# --------------------------------------------------------------------------- observation
@settings(max_examples=50)
@given(seed=st.integers(0, 2**16), k=st.integers(0, 60))
def test_rank_matches_brute_force(seed, k):
    rng = np.random.default_rng(seed)
    u = rng.integers(0, 5, size=k) / 4  # many ties
    acc = rng.random(k) < 0.5
    order, su = rank(u, acc)
    expected = sorted(np.flatnonzero(acc).tolist(), key=lambda r: (-u[r], r))
    assert order.tolist() == expected
    np.testing.assert_array_equal(su, u[order])
    assert not order.flags.writeable and not su.flags.writeable


def test_relative_time_and_readonly():
    assert relative_time(0, 10) == 0.0 and relative_time(9, 10) == 1.0
    assert relative_time(0, 1) == 0.0 and relative_time(5, 1) == 1.0
    a = np.arange(3)
    v = readonly(a)
    with pytest.raises(ValueError):
        v[0] = 1
    a[0] = 7  # the original keeps its flags
    assert v[0] == 7


# --------------------------------------------------------------------------- scripted
def line_world() -> World:
    """One issue with 11 options, actor 0 values option i at i/10: utility = row / 10."""
    w = World(0, (11,), 2, 1.0)
    u = np.arange(11) / 10
    values = (readonly(u),)
    order, su = rank(u, np.ones(11, dtype=bool))
    w.actors[0] = dict(utilities=readonly(u), acceptable=readonly(np.ones(11, bool)),
                       order=order, sorted_utilities=su, values=values,
                       weights=readonly(np.ones(1)))
    return w


def test_linear_concedes_linearly_and_proposes_at_the_aspiration():
    w = line_world()
    s = get("linear")({"window": 1}, np.random.default_rng(0))
    # deadline 11: t = r / 10, aspiration = 1 - t over [0, 1]
    u = w.actors[0]["utilities"]
    for r in range(11):
        obs = w.obs(0, r, 11)
        asp = s.aspiration(obs)
        assert asp == pytest.approx(1 - r / 10)
        # the package at (or, by rounding, just above) the aspiration
        assert s.propose(obs) == min(row for row in range(11) if u[row] >= asp)
        assert s.propose(obs) in (10 - r, 11 - r)
    # reservation 0.35 floors the curve: aspiration = 0.35 + (1 - t) * 0.65
    obs = w.obs(0, 5, 11, reservation=0.35)
    assert s.aspiration(obs) == pytest.approx(0.35 + 0.5 * 0.65)
    assert s.propose(obs) == 7  # lowest package at or above 0.675


def test_time_dependent_acceptance_with_ac_next():
    w = line_world()
    s = get("linear")({"window": 1}, np.random.default_rng(0))
    obs = w.obs(0, 2, 11)  # aspiration 0.8, next round 0.7
    assert s.respond(obs, 8).accept
    assert s.respond(obs, 7).accept  # AC_next: what it would offer next round
    rejected = s.respond(obs, 6, explain=True)
    assert not rejected.accept and rejected.objections == (0,)
    # objections are computed only for a protocol that reads them
    assert s.respond(obs, 6).objections == ()


def test_boulware_holds_out_longer_than_conceder():
    w = line_world()
    obs = w.obs(0, 5, 11)
    asp = {n: get(n)({}, np.random.default_rng(0)).aspiration(obs)
           for n in ("boulware", "linear", "conceder")}
    assert asp["boulware"] > asp["linear"] > asp["conceder"]
    assert asp["boulware"] == pytest.approx(1 - 0.5**5)


def test_time_dependent_exp_family_and_k():
    w = line_world()
    s = get("time_dependent")({"family": "exp", "beta": 1.0, "k": 0.1},
                              np.random.default_rng(0))
    assert s.aspiration(w.obs(0, 0, 11)) == pytest.approx(0.9)
    assert s.aspiration(w.obs(0, 5, 11)) == pytest.approx(1 - np.sqrt(0.1))


def test_window_choice_follows_the_others_proposals():
    # two issues of 3 options; actor 0 values only issue 0, so the three packages sharing
    # its best option tie; the others keep asking for option 2 on issue 1
    w = World(0, (3, 3), 3, 1.0)
    u = w.packages[:, 0] / 2
    vals = (readonly(np.array([0.0, 0.5, 1.0])), readonly(np.zeros(3)))
    order, su = rank(u, np.ones(9, bool))
    w.actors[0] = dict(utilities=readonly(u), acceptable=readonly(np.ones(9, bool)),
                       order=order, sorted_utilities=su, values=vals,
                       weights=readonly(np.array([1.0, 0.0])))
    hist = [(0, 1, 1), (0, 2, 4), (1, 1, 1)]  # issue 1 = option 1 every time
    for name in ("time_dependent", "reservation_aware", "reciprocal"):
        s = get(name)({"window": 3}, np.random.default_rng(0))
        row = s.propose(w.obs(0, 1, 10, hist))
        assert row == 7, name  # (2, 1): best on issue 0, the others' option on issue 1
        # with no information, ties go to the package nearest its aspiration (time-dependent)
        # or the one it prefers, then the lower row
        assert get(name)({"window": 3}, np.random.default_rng(0)).propose(w.obs(0, 0, 10)) == 6


def test_time_dependent_offers_at_its_aspiration_in_a_small_candidate_set():
    """With a handful of candidates and no opponent information, concede along the curve."""
    w = World(0, (3,), 3, 1.0)
    u = w.packages[:, 0] / 2  # 0, 0.5, 1
    order, su = rank(u, np.ones(3, bool))
    w.actors[0] = dict(utilities=readonly(u), acceptable=readonly(np.ones(3, bool)),
                       order=order, sorted_utilities=su,
                       values=(readonly(np.array([0.0, 0.5, 1.0])),),
                       weights=readonly(np.array([1.0])))
    s = get("linear")({}, np.random.default_rng(0))
    offers = [s.propose(w.obs(0, r, 5)) for r in range(5)]
    assert offers[0] == 2 and offers[-1] == 0
    assert sorted(offers, reverse=True) == offers and len(set(offers)) == 3


def test_frequency_model_counts_only_the_others_incrementally():
    w = World(0, (3, 3), 3, 1.0)
    row_of = {tuple(p): r for r, p in enumerate(w.packages.tolist())}
    m = FrequencyModel()
    hist = [(0, 0, row_of[(0, 0)]), (0, 1, row_of[(2, 1)]), (0, 2, row_of[(2, 2)])]
    m.update(w.obs(0, 0, 10, hist))
    assert m.n_counted == 2
    rows = np.array([row_of[(0, 0)], row_of[(2, 1)], row_of[(1, 1)]])
    np.testing.assert_array_equal(m.scores(rows), [0, 3, 1])
    hist += [(1, 0, row_of[(0, 0)]), (1, 1, row_of[(1, 1)]), (1, 2, row_of[(1, 1)])]
    m.update(w.obs(0, 1, 10, hist))  # only the new entries are counted
    assert m.n_counted == 4 and m.n_seen == 6
    np.testing.assert_array_equal(m.scores(rows), [0, 5, 5])
    assert m.most_similar(rows) == rows[1]  # a tie: the earlier candidate
    m.update(w.obs(0, 0, 10, hist[:1]))  # a shorter history: a new negotiation
    assert m.n_counted == 0 and m.most_similar(rows) == rows[0]


def test_explore_is_random_but_reproducible():
    w = World(5, (3, 3, 3), 3, 1.0)
    rows = []
    for seed in (1, 1, 2):
        s = get("time_dependent")({"explore": 1.0, "window": 16}, np.random.default_rng(seed))
        assert s.stochastic
        rows.append([s.propose(w.obs(0, r, 20)) for r in range(20)])
    assert rows[0] == rows[1] and rows[0] != rows[2]


def test_reciprocal_matches_the_others_concessions():
    w = line_world()
    s = get("reciprocal")({"window": 1}, np.random.default_rng(0))
    hist = [(0, 1, 0)]
    assert s.propose(w.obs(0, 0, 10, hist)) == 10  # starts at its best
    hist += [(0, 0, 10), (1, 1, 2)]  # the other concedes 0.2 in actor 0's terms
    assert s.aspiration(w.obs(0, 1, 10, hist)) == pytest.approx(0.8)
    assert s.propose(w.obs(0, 1, 10, hist)) == 8
    hist += [(1, 0, 8), (2, 1, 1)]  # the other hardens by 0.1: so does actor 0
    assert s.aspiration(w.obs(0, 2, 10, hist)) == pytest.approx(0.9)
    # never below the reservation value, whatever the others do
    hist += [(2, 0, 9), (3, 1, 10)]
    obs = w.obs(0, 3, 10, hist, reservation=0.55)
    assert s.aspiration(obs) == pytest.approx(0.55)
    assert s.propose(obs) == 6 and not s.respond(obs, 5).accept and s.respond(obs, 6).accept


def test_reciprocal_divides_by_the_number_of_others_and_min_concession():
    w = World(0, (11,), 3, 1.0)
    w.actors[0] = line_world().actors[0]
    s = get("reciprocal")({"window": 1, "min_concession": 0.15}, np.random.default_rng(0))
    hist = [(0, 1, 0), (0, 2, 0)]
    assert s.propose(w.obs(0, 0, 10, hist)) == 10
    hist += [(0, 0, 10), (1, 1, 4), (1, 2, 0)]  # one of two others concedes 0.4
    assert s.aspiration(w.obs(0, 1, 10, hist)) == pytest.approx(0.8)
    assert s.propose(w.obs(0, 1, 10, hist)) == 7  # plus its own 0.15 after each proposal


def test_hardliner_proposes_its_best_and_holds_its_demand():
    w = line_world()
    s = get("hardliner")({}, np.random.default_rng(0))
    for r in range(10):
        obs = w.obs(0, r, 10, reservation=0.95)  # ignores the reservation value
        assert s.propose(obs) == 10
        assert s.aspiration(obs) == pytest.approx(0.9)
        assert s.respond(obs, 9).accept and not s.respond(obs, 8).accept


def test_reservation_aware_accepts_anything_above_reservation_plus_margin():
    w = line_world()
    s = get("reservation_aware")({"margin": 0.1}, np.random.default_rng(0))
    obs = w.obs(0, 0, 10, reservation=0.3)
    assert s.respond(obs, 4).accept and not s.respond(obs, 3).accept
    assert s.propose(obs) == 10
    assert s.propose(w.obs(0, 0, 10, reservation=0.95)) is None  # nothing meets 1.05


def test_objections_name_the_largest_losses():
    w = World(0, (3, 3, 3, 3), 2, 1.0)
    vals = tuple(readonly(np.array([0.0, 0.5, 1.0])) for _ in range(4))
    weights = readonly(np.array([0.1, 0.4, 0.2, 0.3]))
    w.actors[0] = dict(w.actors[0], values=vals, weights=weights)
    s = get("hardliner")({}, np.random.default_rng(0))
    row = int(np.flatnonzero((w.packages == [0, 0, 2, 1]).all(axis=1))[0])
    # losses: 0.1, 0.4, 0, 0.15 -> issues 1, 3, 0 (issue 2 is at its best)
    assert s.objections(w.obs(0), row) == (1, 3, 0)


def test_guard_overrules_a_rule_that_breaks_the_contract():
    class Reckless(Strategy):
        """Proposes and accepts anything. Source: a test double."""

        name = "reckless_test_double"
        reservation_aware = True

        def aspiration(self, obs):
            return 0.0

        def _propose(self, obs):
            return int(np.flatnonzero(~obs.acceptable)[0])

        def _respond(self, obs, offer):
            return True

    w = World(3, (3, 3), 2, 0.5)
    s = Reckless({}, np.random.default_rng(0))
    obs = w.obs(0, reservation=0.99)
    assert s.propose(obs) is None
    bad = int(np.flatnonzero(~obs.acceptable)[0])
    assert not s.respond(obs, bad).accept
    assert s.guard_trips == 2


# --------------------------------------------------------------------------- mediator
def mediator_obs(world: World, utilities=None, feasible=None, texts=(), objections=()):
    k = world.k
    return MediatorObservation(
        round=len(texts), deadline=30, relative_time=relative_time(len(texts), 30),
        packages=world.packages, radix=readonly(world.radix),
        utilities=readonly(np.zeros(k) if utilities is None else utilities),
        feasible=readonly(np.ones(k, bool) if feasible is None else feasible),
        texts=tuple(texts), objections=tuple(objections),
    )


@pytest.mark.parametrize("name", MEDIATORS)
@settings(max_examples=25)
@given(world=worlds(max_issues=5), seed=st.integers(0, 2**16), neutral=st.booleans())
def test_contract_mediator_drafts_stay_feasible_and_are_deterministic(
    name, world, seed, neutral
):
    feasible = world.actors[0]["acceptable"]
    utilities = None if neutral else world.actors[0]["utilities"]

    def run() -> list:
        m = get(name)({}, np.random.default_rng(0))
        r = np.random.default_rng(seed)
        texts, objections = [], []
        for _ in range(15):
            obs = mediator_obs(world, utilities, feasible, texts, objections)
            row = m.draft(obs)
            if not feasible.any():
                assert row is None
                return []
            assert feasible[row]
            texts.append(row)
            n_issues = len(world.radix)
            objections.append({
                p: tuple(sorted(set(r.integers(n_issues, size=r.integers(0, 3)).tolist())))
                for p in range(world.n_actors)
            })
        assert m.guard_trips == 0
        return texts

    assert run() == run()


def test_mediator_first_text_neutral_is_the_centre_and_partisan_is_its_best():
    w = World(0, (3, 3, 2), 2, 1.0)
    m = get("mediator")({}, np.random.default_rng(0))
    centre = int(np.flatnonzero((w.packages == [1, 1, 0]).all(axis=1))[0])
    assert m.draft(mediator_obs(w)) == centre
    u = w.actors[0]["utilities"]
    assert m.draft(mediator_obs(w, utilities=u)) == int(np.argmax(u))
    # the centre is blocked: the nearest feasible package, ties to the lowest row
    feasible = np.ones(w.k, bool)
    feasible[centre] = False
    near = [r for r in range(w.k) if np.abs(w.packages[r] - [1, 1, 0]).sum() == 1]
    assert m.draft(mediator_obs(w, feasible=feasible)) == min(near)
    assert m.draft(mediator_obs(w, feasible=np.zeros(w.k, bool))) is None


def test_mediator_revises_only_objected_issues_one_step_and_alternates():
    w = World(0, (3, 3, 3), 2, 1.0)
    m = get("mediator")({}, np.random.default_rng(0))
    row_of = {tuple(p): r for r, p in enumerate(w.packages.tolist())}
    texts = [row_of[(1, 1, 1)]]
    # no objections: the text stands
    assert m.draft(mediator_obs(w, texts=texts), {0: (), 1: ()}, texts) == texts[0]
    # issue 2 objected: moves one step (up first), nothing else changes
    nxt = m.draft(mediator_obs(w, texts=texts), {0: (2,), 1: ()}, texts)
    assert w.packages[nxt].tolist() == [1, 1, 2]
    texts.append(nxt)
    # objected again at option 2: its only neighbour is 1, already objected to -> back
    # to 1 would repeat (1, 1, 1), so the mediator drafts the best unused package instead
    nxt = m.draft(mediator_obs(w, texts=texts), {1: (2,)}, texts)
    assert nxt not in texts
    # a different issue alternates direction on its second move
    m2 = get("mediator")({}, np.random.default_rng(0))
    texts = [row_of[(1, 1, 1)]]
    t1 = m2.draft(mediator_obs(w, texts=texts), {0: (0,)}, texts)
    assert w.packages[t1].tolist() == [2, 1, 1]
    texts.append(row_of[(1, 1, 1)])  # the protocol put the old text again
    t2 = m2.draft(mediator_obs(w, texts=texts), {0: (0,)}, texts)
    assert w.packages[t2].tolist() == [0, 1, 1]


def test_mediator_respects_feasibility_when_revising():
    w = World(0, (3, 3), 2, 1.0)
    row_of = {tuple(p): r for r, p in enumerate(w.packages.tolist())}
    feasible = np.ones(w.k, bool)
    feasible[row_of[(1, 2)]] = False  # the preferred move is blocked: go the other way
    m = get("mediator")({}, np.random.default_rng(0))
    texts = [row_of[(1, 1)]]
    nxt = m.draft(mediator_obs(w, feasible=feasible, texts=texts), {0: (1,)}, texts)
    assert w.packages[nxt].tolist() == [1, 0]


def test_mediator_works_when_rows_are_not_mixed_radix_codes():
    w = World(0, (2, 3), 2, 1.0)
    perm = np.array([5, 3, 1, 0, 2, 4])
    w.packages = readonly(w.packages[perm])
    row_of = {tuple(p): r for r, p in enumerate(w.packages.tolist())}
    m = get("mediator")({}, np.random.default_rng(0))
    texts = [row_of[(0, 1)]]
    nxt = m.draft(mediator_obs(w, texts=texts), {0: (1,)}, texts)
    assert w.packages[nxt].tolist() == [0, 2]


def test_mediator_as_a_party_passes_and_accepts_above_reservation():
    w = line_world()
    m = get("mediator")({}, np.random.default_rng(0))
    obs = w.obs(0, 0, 10, reservation=0.5)
    assert m.propose(obs) is None
    assert m.respond(obs, 5).accept and not m.respond(obs, 4).accept


def test_mediator_starts_afresh_when_the_texts_restart():
    w = World(0, (3, 3, 3), 2, 1.0)
    row_of = {tuple(p): r for r, p in enumerate(w.packages.tolist())}
    start = [row_of[(1, 1, 1)]]
    m = get("mediator")({}, np.random.default_rng(0))
    t1 = m.draft(mediator_obs(w, texts=start), {0: (0,)}, start)
    assert w.packages[t1].tolist() == [2, 1, 1]  # issue 0 moved up: next time it goes down
    texts = [*start, t1]
    m.draft(mediator_obs(w, texts=texts), {0: (1,)}, texts)
    # a new stage: the history is shorter again, so the tallies and directions reset and
    # the same objection gets the same answer as the first time
    assert m.draft(mediator_obs(w, texts=start), {0: (0,)}, start) == t1
