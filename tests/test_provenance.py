"""Provenance: graded quotes, sourced numbers in the engine slots, ``validate --strict``,
the generated counts, and the article-consistent calibration of the shipped scenarios."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import budget, scenarios

from sim.cli import main
from sim.core import constraints, space
from sim.core.utility import utility_matrix
from sim.engine.dynamics import compile_dynamics
from sim.scenario import ScenarioError, compile_problem, load_raw, load_scenario, validate_data
from sim.scenario.numbers import engine_slots, numbers

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"
MINI = ROOT / "tests" / "data" / "mini.yaml"
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))
BITE = "dynamics.reservation.russia.coefficients.tariffs"


def _sources(node, loc=()):
    if isinstance(node, dict):
        if isinstance(node.get("source"), dict):
            yield loc, node["source"]
        for k, v in node.items():
            yield from _sources(v, (*loc, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _sources(v, (*loc, i))


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text.replace("BASE", str(ALASKA)))
    return f


def test_an_unknown_grade_and_a_graded_assumption_are_errors(tmp_path, capsys):
    f = _write(tmp_path, "extends: BASE\nactors:\n  russia:\n    patience: {value: 0.98, "
               "source: {quote: \"Putin is a really slippery negotiator.\", supports: "
               "strong}}\n    reservation: {value: 0.5, source: {assumption: a, supports: "
               "value}}\n")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "actors.russia.patience.source.supports" in err
    assert "actors.russia.reservation.source: 'supports' and 'derivation' grade a quote" in err


def test_strict_names_every_unsourced_number(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(f"extends: {MINI}\n" + """\
protocol:
  kind: alternating_offers
  deadline: 20
  walk_away_after: {value: 0.5, source: {assumption: a}}
dynamics:
  state:
    front: {initial: {value: 0.25, source: {assumption: a}}, noise: 0.01}
  events:
    - {round: 3, add: {front: 0.1}}
  reservation:
    a: {coefficients: {front: 0.5}}
""")
    assert main(["validate", str(f)]) == 0  # valid, only unsourced
    capsys.readouterr()
    assert main(["validate", "--strict", str(f)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    fields = [line.split(": ")[1] for line in lines]
    assert fields == ["protocol.deadline", "dynamics.state.front.noise",
                      "dynamics.events[0].round", "dynamics.events[0].add.front",
                      "dynamics.reservation.a.coefficients.front"]
    assert all(line.startswith(f"{f}: ") and "unsourced number" in line for line in lines)


def test_strict_counts_an_omitted_deadline_at_its_default(tmp_path, capsys):
    f = _write(tmp_path, "extends: BASE\nprotocol:\n  deadline: null\n")
    assert main(["validate", "--strict", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}: protocol.deadline: unsourced number 30 (the default" in err


def test_a_sourced_number_without_source_or_with_a_bad_one_is_an_error(tmp_path, capsys):
    f = _write(tmp_path, "extends: BASE\ndynamics:\n  state:\n    war_cost:\n"
               "      noise: {value: 0.01}\n      drift: {value: 0.02, source: {assumption: ''}}\n")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "dynamics.state.war_cost.noise.source: required field is missing" in err
    assert "dynamics.state.war_cost.drift.source: the quote or assumption must not be " \
           "empty" in err


def test_a_quote_of_an_engine_number_is_checked_against_the_article(tmp_path, capsys):
    f = _write(tmp_path, "extends: BASE\nprotocol:\n  deadline: {value: 20, source: "
               "{quote: \"The talks will last twenty weeks.\", supports: value}}\n")
    assert main(["validate", str(f)]) == 2
    assert "protocol.deadline.source.quote: quote not found verbatim" in \
        capsys.readouterr().err


def test_a_variant_cannot_change_a_value_and_keep_the_base_source(tmp_path, capsys):
    f = _write(tmp_path, "extends: BASE\nactors:\n  russia:\n    reservation: {value: 0.6}\n")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}: actors.russia.reservation: changes a value of" in err


def test_numbers_counts_value_tables_per_option_and_protocol_defaults():
    raw = load_raw(ALASKA)
    nums = numbers(raw)
    russia_values = [n for n in nums if n.loc[:3] == ("actors", "russia", "values")]
    assert len(russia_values) == sum(len(t["value"]) for t in raw["actors"]["russia"]
                                     ["values"].values())
    raw["protocol"].pop("deadline")
    (default,) = [n for n in numbers(raw) if n.loc == ("protocol", "deadline")]
    assert default.default and default.value == 30 and default.source is None


def _trajectory(path: Path, rounds: int = 30, **coefs):
    s = load_scenario(path)
    dyn = s.dynamics
    if coefs:
        rules = dict(dyn.reservation)
        rules["russia"] = rules["russia"].model_copy(
            update={"coefficients": {**rules["russia"].coefficients, **coefs}})
        dyn = dyn.model_copy(update={"reservation": rules})
    base = [a.reservation.value for a in s.actors.values()]
    d = compile_dynamics(dyn, list(s.actors), base)
    states = d.trajectory(rounds, np.random.default_rng(1))
    return d.reservations(states)[:, list(s.actors).index("russia")]


def _feasible_packages(path: Path) -> np.ndarray:
    p = compile_problem(load_scenario(path))
    pk = space.enumerate_packages([len(o) for o in p.options])
    return pk[constraints.feasible_mask(p, utility_matrix(p), pk)], p


def test_scenario_error_for_sourced_numbers_never_tracebacks(tmp_path):
    f = _write(tmp_path, "extends: BASE\ndynamics:\n  events:\n    - round: {value: [1], "
               "source: 3}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f, strict=True)
    assert all(line.startswith(str(f)) for line in exc.value.lines)


_WRAP_SOURCE = {"assumption": "wrapped"}


@settings(max_examples=budget(60))
@given(data=scenarios(protocol=True, dynamics=True, strategies=True, max_actors=3,
                      max_issues=3),
       pick=st.randoms(use_true_random=False))
def test_writing_engine_numbers_as_sourced_numbers_changes_nothing(data, pick):
    """Any engine-slot number written as {value, source} validates to the same Scenario,
    and is then counted as sourced by ``--strict``."""
    wrapped = copy.deepcopy(data)
    slots = list(engine_slots(wrapped))
    chosen = [s for s in slots if pick.random() < 0.5]
    for _loc, container, key in chosen:
        container[key] = {"value": container[key], "source": dict(_WRAP_SOURCE)}
    assert validate_data(wrapped) == validate_data(data)
    sourced = {n.loc for n in numbers(wrapped) if n.source == _WRAP_SOURCE}
    assert sourced == {loc for loc, _, _ in chosen}
