"""The package layout: no import cycles, registries fed by discovery, the facade.

Counterparts of the import-linter contracts in pyproject.toml (run by ``make lint``):
these tests read the same import graph (grimp, deferred and ``TYPE_CHECKING`` imports
included) and check what a contract cannot say: zero cycles anywhere, one registered
class per module, a new strategy picked up by the CLI with no other edit.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import grimp
import numpy as np
import pytest

import sim
from sim.engine import protocols, strategies
from sim.engine.settings import StrategySpec

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini.yaml"


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        component.append(m)
                        if m == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.build_graph("sim", exclude_type_checking_imports=False)
    graph.add_import(importer="sim.core.space", imported="sim.engine.prepared")
    assert any("sim.core.space" in c for c in _cycles(graph))


def test_no_import_cycles_counting_deferred_and_type_checking_imports():
    graph = grimp.build_graph("sim", exclude_type_checking_imports=False)
    assert _cycles(graph) == []


def test_no_module_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "sim").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


# --------------------------------------------------------------------------- registries
@pytest.mark.parametrize(("package", "registry"), [
    (protocols, protocols.PROTOCOLS), (strategies, strategies.STRATEGIES),
])
def test_every_module_registers_exactly_one_class_and_is_discovered(package, registry):
    here = Path(package.__file__).parent
    on_disk = sorted(p.stem for p in here.glob("*.py")
                     if p.stem not in package.SUPPORT and not p.stem.startswith("_"))
    assert list(package.MODULES) == on_disk
    owners: dict[str, list[str]] = {m: [] for m in on_disk}
    for name, cls in registry.classes().items():
        module = cls.__module__.rsplit(".", 1)[-1]
        assert module in owners, f"{name} is registered from support module {module}"
        owners[module].append(name)
    assert {m: len(v) for m, v in owners.items()} == {m: 1 for m in on_disk}
    # support modules define no registered class
    for m in package.SUPPORT:
        importlib.import_module(f"{package.__name__}.{m}")


def test_a_throwaway_strategy_in_a_test_meets_the_contract():
    from test_strategies import line_world, play

    from sim.engine.strategies.base import Strategy, StrategyParams

    class Stubborn(Strategy[StrategyParams]):
        """Always its best package; accepts only that. Source: a test of the registry."""

        name = "throwaway_stubborn"

        def aspiration(self, obs):
            return float("inf") if obs.order.shape[0] == 0 else float(obs.sorted_utilities[0])

        def _propose(self, obs):
            return int(obs.order[0]) if obs.order.shape[0] else None

        def _respond(self, obs, offer):
            return obs.order.shape[0] > 0 and offer == int(obs.order[0])

    strategies.register(Stubborn)
    try:
        assert "throwaway_stubborn" in strategies.names()
        built = strategies.build(StrategySpec(kind="throwaway_stubborn"),
                                 np.random.default_rng(0))
        play(built, line_world(), seed=1)
        assert built.guard_trips == 0
    finally:
        strategies.STRATEGIES.unregister("throwaway_stubborn")
    assert "throwaway_stubborn" not in strategies.names()


def test_a_new_strategy_module_is_picked_up_by_the_cli_with_no_other_edit(tmp_path):
    name = f"tmp_{uuid.uuid4().hex[:8]}"
    module = Path(strategies.__file__).parent / f"{name}.py"
    module.write_text(textwrap.dedent(f'''
        """A throw-away strategy written by tests/test_layout.py (deleted after it)."""

        from sim.engine.strategies.base import Strategy, StrategyParams
        from sim.engine.strategies.registry import register


        @register
        class Tmp(Strategy[StrategyParams]):
            """Accept anything allowed, propose its best. Source: a test."""

            name = "{name}"

            def aspiration(self, obs):
                return 0.0

            def _propose(self, obs):
                return int(obs.order[0]) if obs.order.shape[0] else None

            def _respond(self, obs, offer):
                return bool(obs.acceptable[offer])
    '''))
    try:
        scenario = tmp_path / "s.yaml"
        text = MINI.read_text()
        scenario.write_text(
            text + f"\ndefault_strategy: {{kind: {name}}}\n"
            "protocol: {kind: alternating_offers, deadline: 5}\n"
        )
        cmd = [sys.executable, "-m", "sim", "run", str(scenario), "--json"]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert out.returncode == 0, out.stderr  # an unknown strategy would exit 2
        assert json.loads(out.stdout)["seed"] == 0
    finally:
        module.unlink()
        for cache in module.parent.glob(f"__pycache__/{name}.*"):
            cache.unlink()


# --------------------------------------------------------------------------- the facade
def test_the_facade_lists_working_names():
    assert {"load", "analyze", "simulate", "solve", "sweep", "load_results",
            "report"} <= set(sim.__all__)
    for name in sim.__all__:
        assert callable(getattr(sim, name)) or isinstance(getattr(sim, name), type)
    assert set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018


def test_the_facade_analyzes_and_simulates_a_scenario_file():
    scenario = sim.load(ROOT / "scenarios" / "alaska_summit.yaml")
    by_path = sim.analyze(ROOT / "scenarios" / "alaska_summit.yaml")
    assert int(sim.analyze(scenario).feasible.sum()) == int(by_path.feasible.sum()) > 0
    result = sim.simulate(scenario, seed=1)
    golden = json.loads((ROOT / "tests" / "golden" / "alaska_seed1.json").read_text())
    assert result.to_json() == golden
    assert len(result.trace) == result.rounds
    solved = sim.solve(scenario)
    assert solved.protocol == scenario.protocol.kind
    assert set(solved.to_json()) == {"package", "round", "proposer", "utilities"}


def test_a_strategy_bug_is_an_internal_error_with_exit_code_1(tmp_path, capsys):
    """A strategy that bypasses the red-line guard is a bug (exit 1), not bad input (2)."""
    from sim.cli import main
    from sim.engine.strategies.base import Strategy, StrategyParams

    class Rogue(Strategy[StrategyParams]):
        """Proposes a package outside its own red lines. Source: a test of the errors."""

        name = "throwaway_rogue"

        def aspiration(self, obs):
            return 0.0

        def propose(self, obs):  # overrides the guarded public method: a bug
            return int(np.flatnonzero(~obs.acceptable)[0])

        def _propose(self, obs):
            return None

        def _respond(self, obs, offer):
            return False

    strategies.register(Rogue)
    try:
        scenario = tmp_path / "s.yaml"
        scenario.write_text(
            MINI.read_text() + "\ndefault_strategy: {kind: throwaway_rogue}\n"
            "protocol: {kind: alternating_offers, deadline: 5}\n"
        )
        assert main(["run", str(scenario), "--json"]) == 1
    finally:
        strategies.STRATEGIES.unregister("throwaway_rogue")
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "internal error" in err and "strategy bug" in err and "report" in err
