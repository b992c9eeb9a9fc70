"""The batched engine on tables that shrink: walk-outs that leave the talks going (issue 15).

With ``walk_away`` on and no veto actors, a seat that walks out of a majority-quota table
of four or five may leave the quota reachable: that run goes on without it, its rotation,
responders and pass tables those of the smaller table, until a deal, the deadline or a
walk-out that ends the talks. For random valid scenarios of this kind (``alternating_offers``
and ``random_proposer``, both walk rules, reservation values rising with the war so that
walk-outs happen) the batched results equal the per-run engine's, field by field, whatever
the batch size and the order of the seeds (`_check` in tests/test_batch_equivalence.py),
without falling back; and a good share of the examples really have a walk-out that did
not end the talks.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import budget, fit_equilibrium, scenarios, seeds
from test_batch_equivalence import KERNEL_STRATEGIES, _check

from sim.api import prepare
from sim.engine.api import run
from sim.engine.batch import Fallback, plan, run_batch
from sim.engine.model import NegotiationModel
from sim.engine.protocols.records import WALK_AWAY
from sim.scenario import compile_problem, run_config, validate_data

SHRINKING = ("alternating_offers", "random_proposer")


@st.composite
def shrinking(draw, kind: str | None = None) -> dict:
    """A kernel scenario of 4-5 seats, majority quota, no veto, rising reservations."""
    kinds = SHRINKING if kind is None else (kind,)
    data = draw(scenarios(protocol=True, protocol_kinds=kinds, strategies=True,
                          strategy_kinds=KERNEL_STRATEGIES, max_packages=48, min_actors=4,
                          max_actors=5, max_deadline=12, dynamics=False,
                          max_reservation=0.5))
    ids = list(data["actors"])
    for actor in data["actors"].values():
        actor.pop("participates", None)  # every actor at the table
    proto = data["protocol"]
    proto.pop("ceasefire_issue", None)
    proto["sequencing"] = "package"
    proto["deadline"] = draw(st.integers(4, 12))
    probs = proto.get("params", {}).get("probabilities")
    if probs is None or len(probs) < 4:
        proto.pop("params", None)  # every actor seated
    proto["acceptance"] = {"veto": [], "quota": draw(st.sampled_from(["majority", "all", 1, 2]))}
    proto["walk_away"] = True
    proto["walk_rule"] = draw(st.sampled_from(["seen", "expected"]))
    proto["walk_away_after"] = draw(st.sampled_from([0.3, 0.5]) | st.floats(0.2, 1.0))
    drift = draw(st.sampled_from([0.05, 0.1]) | st.floats(0.02, 0.2))
    war: dict = {"initial": 0.0, "drift": drift}
    if draw(st.booleans()):
        war["noise"] = draw(st.sampled_from([0.02, 0.05]) | st.floats(0.0, 0.1))
    rising = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    data["dynamics"] = {
        "state": {"war": war},
        "reservation": {a: {"coefficients": {"war": draw(st.floats(0.2, 2.0))}}
                        for a in rising},
    }
    return fit_equilibrium(data)


def _setup(data: dict):
    scenario = validate_data(data)
    return prepare(compile_problem(scenario)), run_config(scenario)


def _went_on(prepared, config, seed_list) -> bool:
    """In some run a walk-out left the talks going (read from the per-run model)."""
    for s in seed_list:
        model = NegotiationModel(prepared, config, s, collect=False)
        while model.outcome is None:
            model.step()
            rec = model.last
            if rec is not None and rec.walked and rec.event != WALK_AWAY:
                return True
    return False


def _property(kind: str | None, examples: int) -> None:
    got: list[bool] = []

    @settings(max_examples=budget(examples), deadline=None)
    @given(data=st.data())
    def check(data):
        prepared, config = _setup(data.draw(shrinking(kind)))
        seed_list = data.draw(st.lists(seeds(), min_size=2, max_size=6, unique=True))
        reason = _check(prepared, config, seed_list)
        assert reason is None, reason  # batched: none of these falls back
        got.append(_went_on(prepared, config, seed_list))

    check()
    # the property must exercise what it is about: tables that shrink and go on
    assert sum(got) >= max(1, len(got) // 5), f"{sum(got)} of {len(got)} with a shrunk table"


def test_shrinking_tables_match_per_run_under_alternating_offers():
    """Rotation over the seats still at the table, their pass tables."""
    _property("alternating_offers", 40)


def test_shrinking_tables_match_per_run_under_random_proposer():
    """The recognition draw over the active proposers, round by round."""
    _property("random_proposer", 40)


@settings(max_examples=budget(15), deadline=None)
@given(data=st.data())
def test_shrinking_tables_with_kernels_that_draw(data):
    """``explore > 0``: the kernels' draws follow the round's recognition draw."""
    scenario = data.draw(shrinking())
    explore = st.floats(min_value=0.05, max_value=1.0)
    kinds = st.sampled_from(["time_dependent", "boulware", "conceder"])
    for actor in scenario["actors"].values():
        if data.draw(st.booleans()):
            actor["strategy"] = {"kind": data.draw(kinds),
                                 "params": {"explore": data.draw(explore)}}
    prepared, config = _setup(fit_equilibrium(scenario))
    seed_list = data.draw(st.lists(seeds(), min_size=2, max_size=6, unique=True))
    assert _check(prepared, config, seed_list) is None


def five_at_the_table(kind: str = "alternating_offers", rule: str = "seen") -> dict:
    """Five parties, unanimity of those still there, two pressed by a war that goes badly."""
    issues = {f"i{k}": {"options": {f"o{j}": f"option {j}" for j in range(3)}} for k in range(3)}
    values = [[0.0, 0.5, 1.0], [1.0, 0.5, 0.0], [0.2, 1.0, 0.4], [0.9, 0.1, 0.6],
              [0.5, 0.5, 0.9]]
    src = {"assumption": "assumed"}
    actors = {}
    for a, v in zip("abcde", values, strict=True):
        actors[a] = {
            "weights": {i: {"value": 1.0, "source": src} for i in issues},
            "values": {i: {"value": {f"o{j}": v[(j + k) % 3] for j in range(3)},
                           "source": src} for k, i in enumerate(issues)},
            "reservation": {"value": 0.3, "source": src},
            "patience": {"value": 0.95, "source": src},
            "strategy": {"kind": "boulware" if a in "ab" else "conceder"},
        }
    return {
        "name": "five", "issues": issues, "actors": actors,
        "protocol": {"kind": kind, "deadline": 12, "walk_away": True, "walk_rule": rule,
                     "walk_away_after": 0.4,
                     "acceptance": {"veto": [], "quota": "all"}},
        "dynamics": {"state": {"war": {"initial": 0.0, "drift": 0.06, "noise": 0.05}},
                     "reservation": {"a": {"coefficients": {"war": 1.0}},
                                     "d": {"coefficients": {"war": 0.8}}}},
    }


def test_a_fixed_table_batches_and_matches_whatever_the_batch():
    """Batch-size independence on a table that shrinks in many runs, every protocol/rule."""
    for kind in SHRINKING:
        for rule in ("seen", "expected"):
            prepared, config = _setup(five_at_the_table(kind, rule))
            batch = plan(prepared, config)
            assert not isinstance(batch, Fallback), batch
            seed_list = list(range(48))
            ref = [run(prepared, config, s, collect=False) for s in seed_list]
            assert _went_on(prepared, config, seed_list), (kind, rule)
            assert _check(prepared, config, seed_list, note=False) is None
            parts = [run_batch(batch, seed_list[k:k + 5]) for k in range(0, 48, 5)]
            assert [r for part in parts for r in part] == ref
