"""Provenance: graded quotes, sourced numbers in the engine slots, ``validate --strict``,
the generated counts, and the article-consistent calibration of the shipped scenarios."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import budget, scenarios

from sim.cli import main
from sim.core import constraints, space
from sim.core.utility import utility_matrix
from sim.engine.dynamics import compile_dynamics
from sim.scenario import ScenarioError, compile_problem, load_raw, load_scenario, validate_data
from sim.scenario.numbers import engine_slots, grade, numbers, strip_engine_provenance
from sim.scenario.provenance import BEGIN, END, readme_section
from sim.scenario.sources import GRADES

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
VALIDATION = sorted((ROOT / "scenarios" / "validation").glob("*.yaml"))
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


# --------------------------------------------------------------------------- grades
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_quote_is_graded_and_every_assumption_is_not(path):
    for loc, src in _sources(load_raw(path)):
        if "quote" in src:
            assert src.get("supports") in GRADES, (path.name, loc)
        else:
            assert "assumption" in src and "supports" not in src, (path.name, loc)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_quotes_are_whole_sentences(path):
    """No fragment: a quote starts like a sentence and ends on its full stop (or ?)."""
    for loc, src in _sources(load_raw(path)):
        q = src.get("quote")
        if q is None:
            continue
        assert re.match(r'^["A-Z]', q), (path.name, loc, q)
        assert re.search(r'[.?]"?$', q), (path.name, loc, q)


def test_an_ungraded_quote_exits_2_naming_the_field(tmp_path, capsys):
    f = _write(tmp_path, "extends: BASE\nactors:\n  russia:\n    patience: {value: 0.98, "
               "source: {quote: \"Putin is a really slippery negotiator.\"}}\n")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}: actors.russia.patience.source: a quote needs 'supports'" in err


def test_an_unknown_grade_and_a_graded_assumption_are_errors(tmp_path, capsys):
    f = _write(tmp_path, "extends: BASE\nactors:\n  russia:\n    patience: {value: 0.98, "
               "source: {quote: \"Putin is a really slippery negotiator.\", supports: "
               "strong}}\n    reservation: {value: 0.5, source: {assumption: a, supports: "
               "value}}\n")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "actors.russia.patience.source.supports" in err
    assert "actors.russia.reservation.source: 'supports' and 'derivation' grade a quote" in err


# --------------------------------------------------------------------------- strict
@pytest.mark.parametrize("path", SCENARIOS + VALIDATION, ids=lambda p: p.name)
def test_shipped_scenarios_pass_strict(path, capsys):
    assert main(["validate", "--strict", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "ok"


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


def test_the_engine_gets_plain_numbers():
    raw = load_raw(ALASKA)
    plain, problems = strip_engine_provenance(raw)
    assert problems == []
    assert plain["protocol"]["deadline"] == 30
    assert plain["dynamics"]["state"]["ukraine_share"]["drift"] == -0.0005
    assert "source" not in plain["actors"]["russia"]["strategy"]
    assert isinstance(raw["protocol"]["deadline"], dict)  # the input is left untouched
    s = load_scenario(ALASKA)
    assert s.protocol.deadline == 30 and s.dynamics.events[1].set == {"tariffs": 1.0}


def test_plain_and_sourced_files_run_identically(tmp_path, capsys):
    """Stripping the sources changes nothing a run sees: identical JSON for one seed."""
    plain, _ = strip_engine_provenance(load_raw(ALASKA))
    f = tmp_path / "plain.yaml"
    f.write_text(yaml.safe_dump(plain, sort_keys=False))
    docs = []
    for path in (ALASKA, f):
        assert main(["run", str(path), "--seed", "3", "--json"]) == 0
        docs.append(json.loads(capsys.readouterr().out))
    assert docs[0] == docs[1]


# --------------------------------------------------------------------------- counts
def test_scenarios_readme_generated_part_is_in_step():
    text = (ROOT / "scenarios" / "README.md").read_text()
    assert BEGIN in text and END in text
    section = text[text.index(BEGIN): text.index(END) + len(END)]
    assert section == readme_section(ROOT / "scenarios")


def test_top_level_readme_states_the_base_counts():
    nums = numbers(load_raw(ALASKA))
    c = Counter(grade(n.source) for n in nums)
    assert c[None] == 0
    text = " ".join((ROOT / "README.md").read_text().split())
    judgements = len(nums) - c["value"]
    assert f"Of the {len(nums)} numbers in the base scenario" in text
    assert f"the article states {c['value']}:" in text
    assert f"The other {judgements} are judgements: {c['ordering']} follow" in text
    assert f"{c['topic']} share only a topic" in text
    assert f"{c['assumption']} are assumptions" in text


def test_numbers_counts_value_tables_per_option_and_protocol_defaults():
    raw = load_raw(ALASKA)
    nums = numbers(raw)
    russia_values = [n for n in nums if n.loc[:3] == ("actors", "russia", "values")]
    assert len(russia_values) == sum(len(t["value"]) for t in raw["actors"]["russia"]
                                     ["values"].values())
    raw["protocol"].pop("deadline")
    (default,) = [n for n in numbers(raw) if n.loc == ("protocol", "deadline")]
    assert default.default and default.value == 30 and default.source is None


# --------------------------------------------------------------------------- calibration
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


def test_without_pressure_time_is_on_russias_side():
    """No bite of the tariffs or the Patriots: Russia's no-deal value rises every round."""
    r = _trajectory(ALASKA, tariffs=0.0, air_defence=0.0)
    assert np.all(np.diff(r) > 0), r
    assert r[-1] > r[0]


def test_in_the_baseline_russias_value_rises_between_pressure_events():
    s = load_scenario(ALASKA)
    r = _trajectory(ALASKA)
    events = sorted({ev.round for ev in s.dynamics.events})
    bounds = [0, *events, len(r)]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        stretch = r[lo:hi]
        if len(stretch) > 1:
            assert stretch[-1] > stretch[0], (lo, hi, stretch)
    assert r[events[-1]] < r[events[-1] - 1]  # the tariff event lowers it


def _feasible_packages(path: Path) -> np.ndarray:
    p = compile_problem(load_scenario(path))
    pk = space.enumerate_packages([len(o) for o in p.options])
    return pk[constraints.feasible_mask(p, utility_matrix(p), pk)], p


def test_the_four_regions_line_keeps_the_south_with_russia():
    ok, p = _feasible_packages(ALASKA)
    south = p.issues.index("south")
    assert len(ok) > 0
    assert not np.any(ok[:, south] == p.options[south].index("returned"))
    ok2, _ = _feasible_packages(ROOT / "scenarios" / "south_negotiable.yaml")
    assert np.any(ok2[:, south] == p.options[south].index("returned"))
    assert len(ok2) > len(ok)


def test_no_agreement_without_a_ceasefire():
    for path in SCENARIOS:
        ok, p = _feasible_packages(path)
        i = p.issues.index("ceasefire")
        assert not np.any(ok[:, i] == p.options[i].index("none")), path.name


def test_the_bite_of_pressure_is_an_assumption():
    raw = load_raw(ALASKA)
    coefs = raw["dynamics"]["reservation"]["russia"]["coefficients"]
    for var in ("tariffs", "air_defence"):
        assert grade(coefs[var]["source"]) == "assumption", var


def _axes(exp: dict) -> list[dict]:
    return [*exp.get("parameters", []), *exp.get("levers", []), *exp.get("uncertainties", [])]


@pytest.mark.parametrize("path", [p for p in EXPERIMENTS if p.stem.startswith("q")
                                  or p.stem == "demo"], ids=lambda p: p.name)
def test_question_experiments_sweep_the_bite_of_us_pressure(path):
    exp = yaml.safe_load(path.read_text())
    (axis,) = [p for p in _axes(exp) if p["path"] == BITE]
    if "values" in axis:
        assert 0.0 in axis["values"] and len(axis["values"]) >= 3
    else:  # a sampled uncertainty: down to no bite at all
        assert axis["range"]["high"] == 0.0 and axis["range"]["low"] < 0.0


def test_a_shipped_experiment_uses_the_split_europe():
    used = [p.name for p in EXPERIMENTS if "europe_split" in p.read_text()]
    assert used


def test_europe_split_follows_the_three_cleavages():
    s = load_scenario(ROOT / "scenarios" / "europe_split.yaml")
    eu = {"troop_contributors", "non_contributors", "frontline_states", "sanctions_sceptic"}
    assert eu <= set(s.actors) and "europe" not in s.actors
    sg = {a: s.actors[a].values["security_guarantees"].value for a in eu}
    assert sg["troop_contributors"]["peacekeepers_and_weapons"] > \
        sg["non_contributors"]["peacekeepers_and_weapons"]
    assert s.actors["sanctions_sceptic"].values["us_pressure"].value["relief"] == 1.0
    assert "no_crimea_recognition" in {rl.name for rl in s.actors["frontline_states"].red_lines}
    for a in eu - {"troop_contributors"}:  # every difference from the bloc is assumed
        raw = load_raw(ROOT / "scenarios" / "europe_split.yaml")["actors"][a]
        bloc = load_raw(ALASKA)["actors"]["europe"]
        for key in ("weights", "values"):
            for iid, entry in raw[key].items():
                if entry["value"] != bloc[key][iid]["value"]:
                    assert grade(entry["source"]) == "assumption", (a, key, iid)


def test_scenario_error_for_sourced_numbers_never_tracebacks(tmp_path):
    f = _write(tmp_path, "extends: BASE\ndynamics:\n  events:\n    - round: {value: [1], "
               "source: 3}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(f, strict=True)
    assert all(line.startswith(str(f)) for line in exc.value.lines)


# --------------------------------------------------------------------------- property
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


def test_every_numeric_engine_setting_is_a_known_number_position():
    """Tripwire: a numeric field added to the engine settings must be taught to
    `sim.scenario.numbers` (else its sourced form is refused and --strict misses it)."""
    from sim.scenario import numbers as nm
    from sim.scenario.specs import Event, ProtocolSpec, ReservationRule, StateVar

    def numeric(model) -> set[str]:
        return {k for k, f in model.model_fields.items()
                if f.annotation in (int, float, "int", "float")}

    assert numeric(ProtocolSpec) == set(nm._PROTOCOL_FIELDS)
    assert numeric(StateVar) == set(nm._STATE_FIELDS)
    assert numeric(Event) == {"round"}
    assert {k for k, f in Event.model_fields.items() if "dict" in str(f.annotation)} == \
        {"set", "add"}
    assert set(ReservationRule.model_fields) == {"coefficients", "source"}
