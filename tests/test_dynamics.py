import numpy as np
import pytest
from pydantic import ValidationError

from sim.engine.dynamics import WarState, compile_dynamics
from sim.scenario.specs import DynamicsSpec, StateVar

ACTORS = ("us", "russia", "ukraine", "europe")
BASE = np.array([0.3, 0.4, 0.2, 0.25])


def spec(**kw) -> DynamicsSpec:
    return DynamicsSpec.model_validate(kw)


def test_no_spec_means_constant_reservations():
    d = compile_dynamics(None, ACTORS, BASE)
    x0 = d.initial()
    assert x0.shape == (0,)
    traj = d.trajectory(10, np.random.default_rng(0))
    assert traj.shape == (11, 0)
    np.testing.assert_array_equal(d.reservations(x0), BASE)
    np.testing.assert_array_equal(d.reservations(traj), np.tile(BASE, (11, 1)))
    assert d.step(x0, 1, np.random.default_rng(0)).shape == (0,)


def test_drift_is_linear_in_rounds():
    d = compile_dynamics(
        spec(state={"held": {"initial": 0.25, "drift": -0.01}, "tariff": {"initial": 0.0}}),
        ACTORS, BASE,
    )
    traj = d.trajectory(5, np.random.default_rng(0))
    np.testing.assert_allclose(traj[:, 0], 0.25 - 0.01 * np.arange(6))
    np.testing.assert_array_equal(traj[:, 1], 0.0)


def test_bounds_clip_every_round():
    d = compile_dynamics(
        spec(state={"held": {"initial": 0.05, "drift": -0.02, "min": 0.0, "max": 1.0}}),
        ACTORS, BASE,
    )
    traj = d.trajectory(6, np.random.default_rng(0))[:, 0]
    np.testing.assert_allclose(traj, [0.05, 0.03, 0.01, 0.0, 0.0, 0.0, 0.0], atol=1e-12)
    # clipping is per round: a later event starts from the bound (0 - 0.02 + 0.1), not
    # from the unclipped path (0.05 - 5 * 0.02 + 0.1 = 0.05)
    d2 = compile_dynamics(
        spec(
            state={"held": {"initial": 0.05, "drift": -0.02, "min": 0.0}},
            events=[{"round": 5, "add": {"held": 0.1}}],
        ),
        ACTORS, BASE,
    )
    assert d2.trajectory(5, np.random.default_rng(0))[5, 0] == pytest.approx(0.08)


def test_events_set_then_add_in_file_order_and_round_zero():
    d = compile_dynamics(
        spec(
            state={"tariff": {"initial": 0.0}, "approval": {"initial": 0.5, "drift": -0.01}},
            events=[
                {"round": 0, "add": {"approval": 0.1}},
                {"round": 3, "set": {"tariff": 1.0}, "add": {"tariff": 0.5}},
                {"round": 3, "add": {"tariff": -0.25}},
            ],
        ),
        ACTORS, BASE,
    )
    x0 = d.initial()
    np.testing.assert_allclose(x0, [0.0, 0.6])
    traj = d.trajectory(4, np.random.default_rng(0))
    np.testing.assert_allclose(traj[:, 0], [0, 0, 0, 1.25, 1.25])
    np.testing.assert_allclose(traj[:, 1], 0.6 - 0.01 * np.arange(5))


def test_trajectory_equals_stepping_bit_for_bit():
    cases = [
        spec(state={"a": {"initial": 0.0, "drift": 0.1, "noise": 0.3},
                    "b": {"initial": 1.0, "noise": 0.0}}),
        spec(state={"a": {"initial": 0.5, "drift": 0.05, "noise": 0.2, "min": 0.0, "max": 1.0},
                    "b": {"initial": 0.0, "drift": -0.1}},
             events=[{"round": 4, "set": {"b": 2.0}}]),
    ]
    for s in cases:
        d = compile_dynamics(s, ACTORS, BASE)
        traj = d.trajectory(20, np.random.default_rng(7))
        rng = np.random.default_rng(7)
        x = d.initial()
        stepped = [x]
        for r in range(1, 21):
            x = d.step(x, r, rng)
            stepped.append(x)
        np.testing.assert_array_equal(traj, np.array(stepped))


def test_noise_is_reproducible_by_seed_and_has_the_declared_scale():
    d = compile_dynamics(
        spec(state={"x": {"initial": 0.0, "drift": 0.02, "noise": 0.1}}), ACTORS, BASE
    )
    a = d.trajectory(50, np.random.default_rng(3))
    b = d.trajectory(50, np.random.default_rng(3))
    c = d.trajectory(50, np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    inc = np.diff(d.trajectory(20_000, np.random.default_rng(5))[:, 0])
    assert inc.mean() == pytest.approx(0.02, abs=0.004)
    assert inc.std() == pytest.approx(0.1, rel=0.03)


def test_generator_untouched_without_noise():
    d = compile_dynamics(spec(state={"x": {"initial": 0.0, "drift": 1.0}}), ACTORS, BASE)
    rng = np.random.default_rng(11)
    before = rng.bit_generator.state
    d.trajectory(30, rng)
    d.step(d.initial(), 1, rng)
    assert rng.bit_generator.state == before


def test_reservations_follow_the_declared_linear_rule():
    d = compile_dynamics(
        spec(
            state={"held": {"initial": 0.25, "drift": -0.05}, "tariff": {"initial": 0.0}},
            events=[{"round": 2, "set": {"tariff": 1.0}}],
            reservation={
                "russia": {"coefficients": {"held": -0.4, "tariff": -0.1}},
                "ukraine": {"coefficients": {"held": 2.0}},
            },
        ),
        ACTORS, BASE,
    )
    np.testing.assert_array_equal(d.coefficients[0], 0.0)  # us: no rule
    traj = d.trajectory(4, np.random.default_rng(0))
    res = d.reservations(traj)
    assert res.shape == (5, 4)
    np.testing.assert_allclose(res[0], BASE)
    # round 3: held = 0.10 (delta -0.15), tariff = 1
    np.testing.assert_allclose(
        res[3], [0.3, 0.4 + 0.06 - 0.1, max(0.2 - 0.3, 0.0), 0.25], atol=1e-12
    )
    np.testing.assert_allclose(d.reservations(traj[3]), res[3])
    # clipping at 1
    big = compile_dynamics(
        spec(state={"x": {"initial": 0.0, "drift": 1.0}},
             reservation={"us": {"coefficients": {"x": 1.0}}}),
        ACTORS, BASE,
    )
    assert big.reservations(big.trajectory(3, np.random.default_rng(0))[3])[0] == 1.0


def test_war_state_snapshot():
    d = compile_dynamics(
        spec(state={"held": {"initial": 0.25}, "tariff": {"initial": 1.0}}), ACTORS, BASE
    )
    ws = d.war_state(d.initial(), 0)
    assert ws == WarState(0, {"held": 0.25, "tariff": 1.0})
    with pytest.raises(AttributeError):
        ws.round = 3


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(state={"x": {"initial": 0}}, events=[{"round": 1, "add": {"y": 1}}]), "'y'"),
        (dict(state={"x": {"initial": 0}}, reservation={"nato": {"coefficients": {"x": 1}}}),
         "'nato'"),
        (dict(state={"x": {"initial": 0}}, reservation={"us": {"coefficients": {"z": 1}}}),
         "'z'"),
    ],
)
def test_compile_rejects_unknown_names(kw, message):
    with pytest.raises(ValueError, match=message):
        compile_dynamics(spec(**kw), ACTORS, BASE)


def test_compile_rejects_mismatched_base():
    with pytest.raises(ValueError, match="base reservation"):
        compile_dynamics(None, ACTORS, BASE[:3])


def test_state_var_bounds_are_validated():
    with pytest.raises(ValidationError, match="min 1.0 exceeds max 0.0"):
        StateVar(initial=0.5, min=1.0, max=0.0)
    with pytest.raises(ValidationError, match="outside"):
        StateVar(initial=2.0, min=0.0, max=1.0)
    with pytest.raises(ValidationError):
        StateVar(initial=0.0, noise=-0.1)


def test_round_zero_events_move_reservations_from_the_declared_initial_values():
    d = compile_dynamics(
        spec(
            state={"tariff": {"initial": 0.0}},
            events=[{"round": 0, "set": {"tariff": 1.0}}],
            reservation={"russia": {"coefficients": {"tariff": -0.1}}},
        ),
        ACTORS, BASE,
    )
    np.testing.assert_allclose(d.reservations(d.initial()), [0.3, 0.3, 0.2, 0.25])
