"""Hypothesis settings profiles for the whole test suite.

``ci`` (the default) keeps the full suite under ten minutes on two cores: few examples per
property and no per-example deadline (timings on shared CI machines are noisy). ``dev``
runs many more examples to hunt for counterexamples locally::

    HYPOTHESIS_PROFILE=dev .venv/bin/python -m pytest tests/test_invariants*.py

Expensive properties scale their own example counts with the active profile through
`strategies.budget`, so ``dev`` deepens them too.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings
from strategies import CI_MAX_EXAMPLES

_COMMON = dict(
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

settings.register_profile("ci", max_examples=CI_MAX_EXAMPLES, **_COMMON)
settings.register_profile("dev", max_examples=400, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _release_mesa_models():
    """After each test, drop the finished models Mesa keeps alive (`release_finished_models`).

    Mesa 3.3 keeps every model that created an agent in a class-level dict, so a session of
    per-run models would only grow; the forked hostile-input children inherit its pages.
    """
    yield
    from sim.experiment.worker import release_finished_models

    release_finished_models()
