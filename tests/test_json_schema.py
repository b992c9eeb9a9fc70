"""``negsim schema``: one JSON Schema that every shipped scenario file meets, overlays too.

The schema is checked with an independent validator (the ``jsonschema`` library), against
what ``negsim schema`` prints, on every file under ``scenarios/`` as it is at test time:
the schema is generated from the pydantic models and the registries, so new fields, new
files and new strategy modules need no edit here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from sim.cli import main
from sim.engine.strategies.base import Strategy, StrategyParams
from sim.engine.strategies.registry import STRATEGIES, register
from sim.scenario import load_raw, load_scenario
from sim.scenario.json_schema import scenario_json_schema

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the validation files are large


def parse(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506


@pytest.fixture(scope="module")
def printed() -> dict:
    """The schema exactly as ``negsim schema`` prints it (strict JSON: no NaN, no Infinity)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["schema"]) == 0
    return json.loads(out.getvalue(), parse_constant=_reject)


def _reject(name: str):
    raise ValueError(f"not JSON: {name}")


@pytest.fixture(scope="module")
def validator(printed) -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(printed)
    cls.check_schema(printed)
    assert cls is jsonschema.Draft202012Validator
    return cls(printed)


def errors(validator, data) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(data)]


def test_scenario_files_are_shipped_and_some_are_overlays():
    raw = [parse(f) for f in SHIPPED]
    assert len(SHIPPED) >= 8
    assert sum("extends" in d for d in raw) >= 5
    assert sum("extends" not in d for d in raw) >= 2


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(ROOT)) for p in SHIPPED])
def test_every_shipped_scenario_file_meets_the_printed_schema(validator, path):
    assert errors(validator, parse(path)) == []


def test_a_merged_overlay_is_a_whole_scenario_negsim_accepts(validator):
    for path in SHIPPED:
        if "extends" not in parse(path):
            continue
        load_scenario(path)
        merged = load_raw(path)
        merged.pop("source_text", None)  # made absolute by the loader; still a string
        assert errors(validator, merged) == [], path


@pytest.fixture()
def alaska() -> dict:
    return parse(ALASKA)


@pytest.mark.parametrize("change, where", [
    (lambda d: d.pop("issues"), ""),
    (lambda d: d["actors"]["russia"].update(strategy={"kind": "stubborn_goat"}),
     "actors.russia.strategy"),
    (lambda d: d["actors"]["russia"].update(strategy={"kind": "hardliner",
                                                       "params": {"aspiration": 2}}),
     "actors.russia.strategy"),
    (lambda d: d["actors"]["russia"].update(strategy={"kind": "hardliner",
                                                       "params": {"margin": 0.1}}),
     "actors.russia.strategy"),
    (lambda d: d["protocol"].update(kind="round_table"), "protocol"),
    (lambda d: d["protocol"]["params"].update(chair="united_states"), "protocol"),
    (lambda d: d["actors"]["russia"]["reservation"].update(
        source={"quote": "a", "assumption": "b"}), "actors.russia.reservation.source"),
    (lambda d: d.update(colour="red"), ""),
])
def test_the_schema_rejects_what_negsim_rejects(validator, alaska, change, where):
    bad = copy.deepcopy(alaska)
    change(bad)
    found = errors(validator, bad)
    assert found and any(e.startswith(f"{where}:") for e in found), found


@pytest.mark.parametrize("overlay, ok", [
    ({"name": "x"}, True),
    ({"actors": {"europe": None}}, True),  # null deletes the base's key
    ({"protocol": {"kind": "alternating_offers", "params": None}}, True),
    ({"protocol": {"params": {"ratifiers": ["ukraine"]}}}, True),  # kind kept from the base
    ({"actors": {"russia": {"patience": {"value": 0.9, "source": {"assumption": "a"}}}}}, True),
    ({"actors": {"russia": {"red_lines": [{"name": "crimea_kept", "delete": True}]}}}, True),
    ({"protocol": {"kind": "round_table"}}, False),
    ({"protocol": {"params": {"chair": "united_states"}}}, False),  # no kind has it
    ({"actors": {"russia": {"strategy": {"kind": "hardliner", "params": {"margin": 0.1}}}}},
     False),
    ({"actors": {"russia": {"patience": {"value": 0.9, "source": {}}}}}, False),  # whole
    ({"actors": {"russia": {"red_lines": [{"name": "half_a_red_line"}]}}}, False),
    ({"weather": "fine"}, False),
    # numbers of the engine slots may carry their source, parameters included
    ({"protocol": {"deadline": {"value": 20, "source": {"assumption": "a"}}}}, True),
    ({"actors": {"russia": {"strategy": {"kind": "hardliner", "params": {
        "aspiration": {"value": 0.8, "source": {"assumption": "a"}}}}}}}, True),
    ({"actors": {"russia": {"strategy": {"kind": "hardliner", "params": {
        "aspiration": {"value": "high", "source": {"assumption": "a"}}}}}}}, False),
    ({"actors": {"russia": {"patience": {"value": 0.9, "source": {"quote": "q"}}}}},
     False),  # a quote says what it supports
    ({"actors": {"russia": {"patience": {"value": 0.9, "source": {
        "quote": "q", "supports": "ordering"}}}}}, True),
])
def test_overlays_are_partial_and_nullable_but_still_checked(validator, overlay, ok):
    found = errors(validator, {"extends": "alaska_summit.yaml", **overlay})
    assert (found == []) == ok, found


def test_without_extends_a_partial_file_is_rejected(validator):
    assert errors(validator, {"name": "x"})


def test_kinds_and_params_come_from_the_registries():
    """A strategy registered anywhere appears in the schema, with its own params."""

    class GoatParams(StrategyParams):
        stubbornness: float = 1.0

    @register
    class Goat(Strategy[GoatParams]):
        """Never moves. Source: a test double."""

        name = "goat_for_the_schema_test"
        Params = GoatParams

        def aspiration(self, obs):
            return 1.0

        def _propose(self, obs):
            return None

        def _respond(self, obs, offer):
            return False

    try:
        doc = scenario_json_schema()
        kinds = doc["$defs"]["StrategySpec"]["properties"]["kind"]["enum"]
        assert list(kinds) == list(STRATEGIES.names())
        validator = jsonschema.Draft202012Validator(doc)
        base = parse(ALASKA)
        base["actors"]["russia"]["strategy"] = {
            "kind": Goat.name, "params": {"stubbornness": 0.5}}
        assert errors(validator, base) == []
        base["actors"]["russia"]["strategy"]["params"] = {"aspiration": 0.5}
        assert errors(validator, base)
    finally:
        STRATEGIES.unregister(Goat.name)
    assert Goat.name not in json.dumps(scenario_json_schema())
