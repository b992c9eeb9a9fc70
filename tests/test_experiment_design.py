"""Designs (grid, Latin hypercube, Sobol), run seeds and parameter paths."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sim.experiment import paths
from sim.experiment.design import Axis, build_design, run_seed
from sim.experiment.plan import load_plan
from sim.experiment.schema import Experiment

DATA = Path(__file__).parent / "data" / "sweep"


def experiment(parameters: list[dict], design: dict, seed: int = 3) -> Experiment:
    return Experiment.model_validate(
        {"name": "t", "scenario": "x.yaml", "seed": seed, "parameters": parameters,
         "design": design}
    )


def design_of(parameters: list[dict], design: dict, seed: int = 3):
    exp = experiment(parameters, design, seed)
    return build_design(exp, [Axis.from_parameter(p) for p in exp.parameters])


MIXED = [
    {"path": "protocol.kind", "values": ["x", "y", "z"]},
    {"path": "actors.a.patience", "range": {"low": 0.5, "high": 0.9, "steps": 5}},
    {"path": "protocol.deadline", "range": {"low": 2, "high": 5, "integer": True}},
]


def test_grid_is_the_full_product_in_order():
    d = design_of(MIXED, {"kind": "grid"})
    assert d.n_points == 3 * 5 * 4
    cols = d.columns(np.arange(d.n_points))
    points = list(zip(*cols, strict=True))
    expected = list(
        itertools.product(["x", "y", "z"], [0.5, 0.6, 0.7, 0.8, 0.9], [2, 3, 4, 5])
    )
    assert len(points) == len(expected)
    for got, want in zip(points, expected, strict=True):
        assert got[0] == want[0] and got[2] == want[2]
        assert got[1] == pytest.approx(want[1])
    assert all(isinstance(v, int) for v in cols[2])


def test_grid_without_parameters_is_one_point():
    assert design_of([], {"kind": "grid"}).n_points == 1


def test_integer_grid_with_steps_keeps_distinct_levels():
    axis = Axis("p", low=0, high=3, integer=True, steps=10)
    assert axis.grid_levels() == [0, 1, 2, 3]


def _bins(values, low, high, n):
    u = (np.asarray(values, dtype=float) - low) / (high - low)
    return np.minimum((u * n).astype(int), n - 1)


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
def test_samplers_stratify_every_parameter(kind):
    n = 16
    params = [
        {"path": "a", "range": {"low": 0.2, "high": 0.6}},
        {"path": "b", "values": ["p", "q", "r", "s"]},
        {"path": "c", "range": {"low": 1, "high": 8, "integer": True}},
    ]
    d = design_of(params, {"kind": kind, "samples": n})
    assert d.n_points == n
    a, b, c = d.columns(np.arange(n))
    # one point in each of n equal slices of the continuous range
    assert sorted(_bins(a, 0.2, 0.6, n)) == list(range(n))
    assert all(0.2 <= x <= 0.6 for x in a)
    # categories and integers get equal shares (n is a multiple of 4 and of 8)
    assert Counter(b) == {"p": 4, "q": 4, "r": 4, "s": 4}
    assert Counter(c) == {k: 2 for k in range(1, 9)}


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
def test_samplers_are_reproducible_from_the_seed(kind):
    params = [{"path": "a", "range": {"low": 0.0, "high": 1.0}},
              {"path": "b", "range": {"low": 0.0, "high": 1.0}}]
    first = design_of(params, {"kind": kind, "samples": 8}, seed=5).columns(np.arange(8))
    again = design_of(params, {"kind": kind, "samples": 8}, seed=5).columns(np.arange(8))
    other = design_of(params, {"kind": kind, "samples": 8}, seed=6).columns(np.arange(8))
    assert first == again
    assert first != other


def test_sampler_needs_parameters():
    with pytest.raises(ValueError):
        design_of([], {"kind": "lhs", "samples": 4})


def test_run_seeds_are_63_bit_distinct_and_keyed():
    seeds = {run_seed(42, p, r) for p in range(20) for r in range(20)}
    assert len(seeds) == 400
    assert all(0 <= s < 2**63 for s in seeds)
    assert run_seed(42, 3, 4) == run_seed(42, 3, 4)
    assert run_seed(42, 3, 4) != run_seed(43, 3, 4)
    assert run_seed(42, 3, 4) != run_seed(42, 4, 3)


def test_point_values_of_a_plan_match_the_design_file():
    plan = load_plan(DATA / "grid.yaml")
    assert plan.n_points == 6 and plan.n_runs == 30
    assert plan.design.point(5) == {"protocol.kind": "single_text", "actors.b.patience": 0.99}


# -- paths -----------------------------------------------------------------------------------

SCENARIO = {
    "actors": {
        "r": {
            "patience": {"value": 0.9, "source": {"quote": "q", "assumption": None}},
            "values": {"land": {"value": {"kept": 1.0, "returned": 0.2},
                                "source": {"quote": None, "assumption": "a"}}},
            "red_lines": [{"name": "keep", "kind": "never", "issue": "land", "option": "x",
                           "label": "", "source": {"quote": "q", "assumption": None}}],
        }
    },
    "protocol": {"kind": "k", "deadline": 30, "params": {"order": ["r", "s"]}},
    "dynamics": {"events": [{"round": 4, "add": {"x": 1.0}}, {"round": 12, "set": {}}]},
}


@pytest.mark.parametrize(
    "text, concrete",
    [
        ("actors.r.patience", ("actors", "r", "patience", "value")),
        ("actors.r.patience.value", ("actors", "r", "patience", "value")),
        ("actors.r.values.land.kept", ("actors", "r", "values", "land", "value", "kept")),
        ("actors.r.red_lines[keep].option", ("actors", "r", "red_lines", 0, "option")),
        ("actors.r.red_lines[0].option", ("actors", "r", "red_lines", 0, "option")),
        ("dynamics.events[1].round", ("dynamics", "events", 1, "round")),
        ("protocol.params.order", ("protocol", "params", "order")),
    ],
)
def test_resolve(text, concrete):
    assert paths.resolve(SCENARIO, paths.parse_path(text)) == concrete


@pytest.mark.parametrize(
    "text, message",
    [
        ("actors.r.patiense", "unknown"),
        ("dynamics.events[2].round", "unknown"),
        ("actors.r", "group of fields"),
        ("actors.r.red_lines[keep].source", "provenance"),
        ("actors.r.red_lines[keep].name", "identifier"),
    ],
)
def test_resolve_rejects(text, message):
    with pytest.raises(paths.PathProblem, match=message):
        paths.resolve(SCENARIO, paths.parse_path(text))


@pytest.mark.parametrize("text", ["a..b", "a[1", "[1].a", "a.", "", "a]b"])
def test_malformed_paths(text):
    with pytest.raises(paths.PathProblem):
        paths.parse_path(text)


def test_parse_and_format_round_trip():
    for text in ("a.b[1].c", "actors.r.red_lines[keep].option", "x"):
        assert paths.format_path(paths.parse_path(text)) == text


def test_valid_paths_list_settable_leaves_only():
    valid = paths.valid_paths(SCENARIO)
    assert "actors.r.patience" in valid
    assert "actors.r.values.land.kept" in valid
    assert "actors.r.red_lines[keep].option" in valid
    assert "dynamics.events[1].round" in valid
    assert not any("source" in p or p.endswith(".label") or p.endswith(".name") for p in valid)
    assert paths.nearest("actors.r.patiense", valid)[0] == "actors.r.patience"


def test_set_value_copies_only_the_path():
    concrete = ("actors", "r", "patience", "value")
    new = paths.set_value(SCENARIO, concrete, 0.5)
    assert SCENARIO["actors"]["r"]["patience"]["value"] == 0.9
    assert new["actors"]["r"]["patience"]["value"] == 0.5
    assert new["protocol"] is SCENARIO["protocol"]


@pytest.mark.parametrize(
    "current, value, ok",
    [
        (0.5, 1, True), (0.5, "x", False), (0.5, True, False),
        (3, 4.0, True), (3, 4.5, False), (True, False, True), (True, 1, False),
        ("a", "b", True), ("a", 1, False), (["a"], ["b", "c"], True), (None, "x", True),
    ],
)
def test_check_type(current, value, ok):
    assert paths.check_type(paths.LeafKind.of(current), value) is ok


def test_hash_ignores_display_text_but_not_settings(tmp_path):
    import shutil

    shutil.copy(DATA / "tiny.yaml", tmp_path / "tiny.yaml")
    text = (DATA / "grid.yaml").read_text()
    variants = {
        "same": text,
        "reworded": text.replace("question: Does", "question: Will").replace(
            "  - path: protocol.kind\n", "  - path: protocol.kind\n    label: format\n"
        ),
        "reseeded": text.replace("seed: 7", "seed: 8"),
        "more": text.replace("replicates: 5", "replicates: 6"),
    }
    hashes = {}
    for name, body in variants.items():
        (tmp_path / f"{name}.yaml").write_text(body)
        hashes[name] = load_plan(tmp_path / f"{name}.yaml").experiment_hash
    assert hashes["same"] == hashes["reworded"]
    assert len({hashes["same"], hashes["reseeded"], hashes["more"]}) == 3
