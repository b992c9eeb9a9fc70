import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.concession import (
    FAMILIES,
    PRESETS,
    aspiration,
    concession,
    exponential,
    polynomial,
)


def test_presets_table_names_and_exponents():
    assert PRESETS == {
        "boulware": {"family": "poly", "exponent": 0.2},
        "linear": {"family": "poly", "exponent": 1.0},
        "conceder": {"family": "poly", "exponent": 5.0},
    }
    assert set(FAMILIES) == {"poly", "exp"}


def test_polynomial_known_values():
    # e = 0.5: F(t) = t^2; with k = 0.2: 0.2 + 0.8 * t^2
    np.testing.assert_allclose(polynomial(np.array([0.0, 0.25, 1.0]), 0.5), [0.0, 0.0625, 1.0])
    np.testing.assert_allclose(polynomial(0.5, 0.5, k=0.2), 0.2 + 0.8 * 0.25)
    # e = 2: F(t) = sqrt(t)
    np.testing.assert_allclose(polynomial(0.36, 2.0), 0.6)


def test_exponential_known_values_and_endpoints():
    # beta = 1, k = 0.1: F(0.5) = exp(0.5 * ln 0.1) = sqrt(0.1)
    np.testing.assert_allclose(exponential(0.5, 1.0, 0.1), np.sqrt(0.1))
    # beta = 2: F(0.5) = exp(0.25 * ln 0.1); beta > 1 concedes faster than beta < 1
    np.testing.assert_allclose(exponential(0.5, 2.0, 0.1), 0.1**0.25)
    assert exponential(0.5, 2.0, 0.1) > exponential(0.5, 0.5, 0.1)
    np.testing.assert_allclose(exponential(np.array([0.0, 1.0]), 3.0, 0.25), [0.25, 1.0])
    # k = 1 concedes everything at once
    np.testing.assert_allclose(exponential(np.array([0.0, 0.3, 1.0]), 2.0, 1.0), 1.0)


def test_exponential_k_zero_is_the_step_limit():
    t = np.array([0.0, 0.5, 0.999, 1.0])
    np.testing.assert_array_equal(exponential(t, 1.0, 0.0), [0.0, 0.0, 0.0, 1.0])
    # the curve with a tiny k approaches it, pointwise, away from the deadline
    assert np.all(exponential(t[:2], 1.0, 1e-300) < 1e-100)


def test_aspiration_endpoints_and_preset_ordering():
    t = np.array([0.0, 0.5, 1.0])
    for preset in PRESETS.values():
        a = aspiration(t, 0.3, 0.9, **preset)
        assert a[0] == pytest.approx(0.9) and a[-1] == pytest.approx(0.3)
    mid = {name: float(aspiration(0.5, 0.0, 1.0, **p)) for name, p in PRESETS.items()}
    assert mid["boulware"] > mid["linear"] > mid["conceder"]
    assert mid["linear"] == pytest.approx(0.5)
    assert mid["boulware"] == pytest.approx(1 - 0.5**5)
    assert mid["conceder"] == pytest.approx(1 - 0.5**0.2)


def test_aspiration_with_k_starts_below_u_max():
    assert float(aspiration(0.0, 0.0, 1.0, "poly", 1.0, k=0.25)) == pytest.approx(0.75)


def test_shapes_scalar_and_array():
    assert np.asarray(aspiration(0.3, 0.0, 1.0)).shape == ()
    grid = np.linspace(0, 1, 12).reshape(3, 4)
    assert aspiration(grid, 0.0, 1.0, "exp", 2.0, 0.5).shape == (3, 4)


@pytest.mark.parametrize(
    "call",
    [
        lambda: polynomial(1.5, 1.0),
        lambda: polynomial(-0.1, 1.0),
        lambda: polynomial(np.array([0.2, np.nan]), 1.0),
        lambda: polynomial(0.5, 0.0),
        lambda: polynomial(0.5, 1.0, k=1.5),
        lambda: exponential(0.5, -1.0, 0.5),
        lambda: exponential(0.5, 1.0, -0.1),
        lambda: concession(0.5, "cubic", 1.0),
    ],
)
def test_invalid_arguments_raise(call):
    with pytest.raises(ValueError):
        call()


@settings(max_examples=200, deadline=None)
@given(
    family=st.sampled_from(FAMILIES),
    exponent=st.floats(0.01, 50.0),
    k=st.floats(0.0, 1.0),
    bounds=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0)).map(sorted),
    times=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=40),
)
def test_aspiration_is_monotone_non_increasing_and_bounded(family, exponent, k, bounds, times):
    if family == "exp" and k == 0.0:
        k = 0.5
    u_min, u_max = bounds
    t = np.sort(np.array(times))
    a = aspiration(t, u_min, u_max, family, exponent, k)
    assert np.all(np.diff(a) <= 0.0)
    assert np.all(a >= u_min - 1e-12) and np.all(a <= u_max + 1e-12)
    f = concession(t, family, exponent, k)
    assert np.all(f >= k - 1e-12) and np.all(f <= 1.0 + 1e-12)
