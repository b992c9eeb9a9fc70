"""Invariant 15: loading is total.

Whatever text a scenario file holds, and whatever nested data reaches
`sim.scenario.validate_data`, loading either returns a `Scenario` or raises the documented
`ScenarioError` (one readable line per problem) -- never another exception -- and
``negsim validate`` exits with code 2 on every invalid file.
"""

from __future__ import annotations

import contextlib
import copy
import io
import tempfile
from pathlib import Path

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import budget, scenarios

from sim.cli import main
from sim.scenario import Scenario, ScenarioError, load_scenario, validate_data

# --------------------------------------------------------------------------- builders
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["all", "majority", "never", "at_least", "if_then", "a", "value"]),
)
_KEYS = st.one_of(
    st.sampled_from(
        ["name", "issues", "actors", "options", "weights", "values", "value", "source",
         "quote", "assumption", "red_lines", "kind", "protocol", "dynamics", "extends",
         "reservation", "patience", "strategy", "params", "deadline", "if", "then"]
    ),
    st.text(max_size=8),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
#: Arbitrary nested data: what ``yaml.safe_load`` can return, plus odd keys.
nested_data = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_KEYS, children, max_size=4),
    ),
    max_leaves=20,
)

#: Pieces of YAML syntax, so that arbitrary texts reach the parser's corners (anchors,
#: aliases, merge keys, complex keys, tags, flow collections, ``extends``).
_TOKENS = [
    ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "?", "? ", "&a ", "*a", "<<: ", "!!str ",
    "!!python/object ", "!!binary ", "\n", "\n  ", "  ", "#", "'", '"', "|", ">", "---",
    "...", "%YAML 1.1\n", "extends: ", "s.yaml", "name: x\n", "issues:", "actors:",
    "options:", "1.5", "null", "~", "true", "\t", "\\", "\x00", "\ufeff",
]
yaml_texts = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(st.sampled_from(_TOKENS), st.text(max_size=4)), max_size=30).map(
        "".join
    ),
    nested_data.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
)


@st.composite
def mutated_scenarios(draw) -> object:
    """A valid scenario with one node replaced by arbitrary data, or deleted."""
    data = draw(scenarios(max_issues=3, max_actors=3))
    paths: list[tuple] = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(data, ())
    path = draw(st.sampled_from(paths))
    out = copy.deepcopy(data)
    if not path:
        return draw(nested_data)
    parent = out
    for part in path[:-1]:
        parent = parent[part]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(nested_data)
    return out


def _load_text(text: str) -> Scenario:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        return load_scenario(path)


def _assert_readable(exc: ScenarioError) -> None:
    assert exc.lines, "a ScenarioError must carry at least one line"
    for line in exc.lines:
        assert isinstance(line, str) and line.strip(), exc.lines


#: Found by this suite (shrunk to ``'? -'``): a YAML mapping whose key is a sequence or a
#: mapping once raised TypeError (unhashable) in the loader instead of ScenarioError; the
#: explicit examples below keep that case covered.


# --------------------------------------------------------------------------- properties
@settings(max_examples=budget(200))
@example(text="? -")
@example(text="? [a]\n: 1\n")  # a sequence as a mapping key
@example(text="{[a]: 1}")
@given(text=yaml_texts)
def test_loading_arbitrary_yaml_text_raises_only_scenario_error(text):
    """Invariant 15 (files): any file text loads or raises ScenarioError, nothing else."""
    try:
        scenario = _load_text(text)
    except ScenarioError as exc:
        _assert_readable(exc)
    else:
        assert isinstance(scenario, Scenario)


@settings(max_examples=budget(200))
@given(data=nested_data)
def test_validating_arbitrary_data_raises_only_scenario_error(data):
    """Invariant 15 (data): validate_data on any nested value raises only ScenarioError."""
    try:
        scenario = validate_data(data)
    except ScenarioError as exc:
        _assert_readable(exc)
    else:
        assert isinstance(scenario, Scenario)


@settings(max_examples=budget(100))
@given(data=mutated_scenarios())
def test_validating_mutated_scenarios_raises_only_scenario_error(data):
    """Invariant 15 (near-valid data): one corrupted node gives a Scenario or ScenarioError."""
    try:
        scenario = validate_data(data)
    except ScenarioError as exc:
        _assert_readable(exc)
    else:
        assert isinstance(scenario, Scenario)


@settings(max_examples=budget(60))
@example(text="? -")
@given(text=yaml_texts)
def test_cli_validate_exits_2_on_every_invalid_file(text):
    """Invariant 15 (CLI): `negsim validate` exits 2 on an invalid file and 0 on a valid one."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_scenario(path)
            valid = True
        except ScenarioError:
            valid = False
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(path)])
    assert code == (0 if valid else 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
