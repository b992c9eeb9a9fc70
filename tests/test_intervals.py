"""Wilson intervals (`sim.experiment.intervals`) against SciPy's binomial test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from sim.experiment.intervals import wilson


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_wilson_matches_scipy_for_every_count(confidence):
    n = 37
    low, high = wilson(np.arange(n + 1), n, confidence)
    for k in range(n + 1):
        ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
        assert low[k] == pytest.approx(ci.low, abs=1e-12)
        assert high[k] == pytest.approx(ci.high, abs=1e-12)


def test_wilson_brackets_the_rate_and_shrinks_with_n():
    low, high = wilson([5, 50, 500], [10, 100, 1000])
    assert np.all(low < 0.5) and np.all(high > 0.5)
    assert np.all(np.diff(high - low) < 0)


def test_wilson_of_no_runs_is_undefined_and_bad_counts_are_refused():
    low, high = wilson(0, 0)
    assert np.isnan(low) and np.isnan(high)
    for k, n in ((3, 2), (-1, 4)):
        with pytest.raises(ValueError):
            wilson(k, n)
    with pytest.raises(ValueError):
        wilson(1, 2, confidence=1.0)
