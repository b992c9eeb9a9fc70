"""Invariants of whole simulated runs (`sim.engine.api.simulate`, trace collected).

Each test checks one numbered invariant (the numbering of the README's Testing section)
on scenarios built by `tests/strategies.py`, against oracles that do not reuse the code
under test: red lines are evaluated from the scenario dict's own words
(`strategies.within_red_lines`), utilities with the brute-force references of
`tests/core_reference.py`, acceptance rules from the scenario's ``acceptance`` settings.

Checked elsewhere and not repeated here: invariant 4 (every run ends by the deadline),
for every registered protocol on random scenarios, by
`tests/test_protocols.py::test_every_protocol_on_random_valid_scenarios`; invariant 14
(sweeps do not depend on worker count or chunk size) by
`tests/test_experiment_sweep.py::test_results_do_not_depend_on_executor_or_chunking`.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pytest
from core_reference import ref_utility
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from strategies import (
    agenda_allows,
    budget,
    package_space,
    permute_scenario,
    scenarios,
    seeds,
    strategy_names,
    strategy_specs,
    within_red_lines,
)

from sim.api import prepare, simulate
from sim.engine import protocols, strategies
from sim.scenario import compile_problem, run_config, validate_data

#: Small runnable scenarios: few packages, few actors, short deadlines.
RUNNABLE = dict(protocol=True, max_packages=48, max_actors=4, max_deadline=10)
TOL = 1e-9


# --------------------------------------------------------------------------- harness
@dataclass
class Run:
    """One simulated run with everything the oracles need."""

    data: dict
    seed: int

    @cached_property
    def scenario(self):
        return validate_data(self.data)

    @cached_property
    def prepared(self):
        return prepare(self.scenario)

    @cached_property
    def result(self):
        return simulate(self.scenario, self.seed, prepared=self.prepared, collect=True)

    @cached_property
    def protocol(self):
        """The configured protocol (for its seating only: who sits at the table)."""
        spec = self.scenario.protocol
        return protocols.get(spec.kind)(self.prepared, spec)

    @cached_property
    def problem(self):
        return compile_problem(self.scenario)

    @property
    def actors(self) -> list[str]:
        return list(self.scenario.actors)

    @property
    def cols(self) -> dict[str, list]:
        return self.result.table.columns

    @property
    def n_rounds(self) -> int:
        return len(self.cols["round"])

    def package(self, row: int) -> dict[str, str]:
        """Package row -> issue id -> option id (read from the trace's package table)."""
        table = self.result.table
        return {
            issue: table.options[i][int(table.packages[row][i])]
            for i, issue in enumerate(table.issues)
        }

    @cached_property
    def ceasefire_issue(self) -> str | None:
        spec = self.scenario.protocol
        return spec.ceasefire_issue if spec.sequencing == "ceasefire_first" else None

    def allowed(self, actor: str, stage: str, row: int) -> bool:
        """Whether ``actor``'s red lines allow what ``row`` puts forward in ``stage``.

        In the ceasefire stage only the ceasefire option is on the table: an actor may
        back option ``o`` only if some agenda-allowed package with ``o`` respects its red
        lines (sim.engine.protocols.base, "Sequencing").
        """
        pkg = self.package(row)
        if stage == "ceasefire":
            issue = self.ceasefire_issue
            return any(
                p[issue] == pkg[issue]
                and agenda_allows(self.data, p)
                and within_red_lines(self.data, actor, p)
                for p in package_space(self.data)
            )
        return within_red_lines(self.data, actor, pkg)

    def utility(self, actor: str, stage: str, row: int) -> float:
        """The actor's utility of ``row`` in ``stage`` (brute-force reference).

        Every stage values a row as a whole package: in stage 1 of ``ceasefire_first`` the
        row is the ceasefire option's stage-2 anchor (`Prepared.anchors`)."""
        a = self.actors.index(actor)
        pkg = tuple(int(x) for x in self.result.table.packages[row])
        return ref_utility(self.problem, a, pkg)

    def strategy_class(self, actor: str):
        spec = run_config(self.scenario).strategies[self.actors.index(actor)]
        return strategies.get(spec.kind)


def runs(**overrides) -> st.SearchStrategy[Run]:
    """Runnable scenarios with a seed."""
    kw = {**RUNNABLE, **overrides}
    return st.builds(Run, scenarios(**kw), seeds())


@st.composite
def runs_playing(draw, kind: str, **overrides) -> Run:
    """Runnable scenarios where most actors play strategy ``kind`` (drawn parameters) and
    the others another registered strategy, with a seed."""
    data = draw(scenarios(**{**RUNNABLE, **overrides, "strategies": False}))
    mine = strategy_specs((kind,))
    other = strategy_specs()
    for actor in data["actors"].values():
        actor["strategy"] = draw(st.one_of(mine, mine, other))
    return Run(data, draw(seeds()))


# --------------------------------------------------------------------------- 1. red lines
@pytest.mark.parametrize("kind", strategy_names())
@settings(max_examples=budget(20))
@given(data=st.data())
def test_no_agent_proposes_or_accepts_outside_its_own_red_lines(kind, data):
    """Invariant 1: every proposal is inside the proposer's red lines and every acceptance
    inside the acceptor's (every round, every stage, ratification included), for every
    registered strategy."""
    run = data.draw(runs_playing(kind), label="run")
    cols = run.cols
    for r in range(run.n_rounds):
        row, stage, proposer = cols["proposal"][r], cols["stage"][r], cols["proposer"][r]
        if row is None:
            continue
        if proposer in run.actors:
            assert run.allowed(proposer, stage, row), (
                f"round {r}: {proposer} proposed {run.package(row)} outside its red lines"
            )
        for a in run.actors:
            if cols[f"response_{a}"][r] is True:
                assert run.allowed(a, stage, row), (
                    f"round {r}: {a} accepted {run.package(row)} outside its red lines"
                )


# --------------------------------------------------------------------------- 2. acceptance
def _rule(spec, table: list[int]) -> tuple[set[int], int | None]:
    """Veto set and quota (None: all) among ``table`` from the scenario's settings."""
    veto = set(table) if spec.veto == "all" else {i for i in table if i in spec._veto_idx}
    m = len([i for i in table if i not in veto])
    if spec.quota == "all":
        return veto, None
    if spec.quota == "majority":
        return veto, m // 2
    return veto, int(spec.quota)


def _rule_met(veto, quota, proposer, supporters, present) -> bool:
    others = [a for a in present if a != proposer]
    if any(a in veto and a not in supporters for a in others):
        return False
    free = [a for a in others if a not in veto]
    yes = sum(1 for a in free if a in supporters)
    return yes == len(free) if quota is None else yes >= quota


class _Spec:
    """The acceptance settings with veto ids resolved to indices."""

    def __init__(self, acceptance, actors):
        self.veto = acceptance.veto
        self.quota = acceptance.quota
        self._veto_idx = (
            set() if acceptance.veto == "all" else {actors.index(a) for a in acceptance.veto}
        )


@settings(max_examples=budget(45))
@given(run=runs())
def test_agreement_satisfies_the_acceptance_rule(run):
    """Invariant 2: an agreement has every veto actor and the quota behind it (a round is
    recorded as accepted exactly when its supporters meet the rule)."""
    res, cols, actors = run.result, run.cols, run.actors
    spec = _Spec(run.scenario.protocol.acceptance, actors)
    summit = run.protocol.ratifies
    seats = list(run.protocol.seats)
    walked: set[int] = set()
    for r in range(run.n_rounds):
        row, stage, who = cols["proposal"][r], cols["stage"][r], cols["proposer"][r]
        present = [s for s in seats if s not in walked]
        # a mediator's text has no sponsor: every party answers it, its own party included
        sponsored = who in actors and not run.protocol.mediator()
        proposer = actors.index(who) if sponsored else None
        supporters = {
            i for i, a in enumerate(actors)
            if row is not None and cols[f"response_{a}"][r] is True and run.allowed(a, stage, row)
        }
        if summit:  # unanimity among the negotiators (the spec applies to the ratifiers)
            veto, quota = set(seats), None
        else:
            veto, quota = _rule(spec, seats)
        met = row is not None and _rule_met(veto, quota, proposer, supporters, present)
        assert cols["accepted"][r] == met, f"round {r}: accepted flag disagrees with the rule"
        if cols["event"][r] in ("agreement", "stillborn") and summit:
            ratifiers = list(run.protocol.ratifiers)
            rveto, rquota = _rule(spec, ratifiers)
            ratified = _rule_met(rveto, rquota, None, supporters, ratifiers)
            assert (cols["event"][r] == "agreement") == ratified, f"round {r}: ratification"
        walked |= {actors.index(a) for a in cols["walked"][r].split(",") if a}
    if res.agreement:
        assert cols["event"][-1] == "agreement" and cols["accepted"][-1]
        assert cols["proposal"][-1] == res.row


# --------------------------------------------------------------------------- 3. reservation
def _reservation_aware_names() -> tuple[str, ...]:
    return tuple(n for n in strategy_names() if strategies.get(n).reservation_aware)


@pytest.mark.parametrize("kind", _reservation_aware_names())
@settings(max_examples=budget(20))
@given(data=st.data())
def test_reservation_aware_acceptors_get_their_reservation_value(kind, data):
    """Invariant 3: an actor whose strategy declares itself reservation-aware accepts only
    what is worth at least its reservation value in that round (war dynamics included)."""
    run = data.draw(runs_playing(kind), label="run")
    cols = run.cols
    aware = [a for a in run.actors if run.strategy_class(a).reservation_aware]
    for r in range(run.n_rounds):
        row, stage = cols["proposal"][r], cols["stage"][r]
        if row is None:
            continue
        for a in aware:
            if cols[f"response_{a}"][r] is True:
                u, res = run.utility(a, stage, row), cols[f"reservation_{a}"][r]
                assert u >= res - TOL, f"round {r}: {a} accepted {u} < reservation {res}"


# --------------------------------------------------------------------------- 5. [0, 1]
@settings(max_examples=budget(45))
@given(run=runs(max_interactions=3))
def test_normalised_utilities_stay_within_the_unit_interval(run):
    """Invariant 5: every utility (all packages, the trace, the result) and every
    reservation value lies in [0, 1], interaction terms and dynamics included."""
    U = run.prepared.U
    assert np.all((U >= 0.0) & (U <= 1.0))
    for a in run.actors:
        for col in (f"utility_{a}", f"reservation_{a}"):
            values = [x for x in run.cols[col] if x is not None]
            assert all(0.0 <= x <= 1.0 for x in values), (col, values)
    for u in run.result.utilities.values():
        assert 0.0 <= u <= 1.0
    for u in (run.result.deal_utilities or {}).values():
        assert 0.0 <= u <= 1.0


# --------------------------------------------------------------------------- 6. seeds
def _shuffle_free_order(node, rnd: random.Random, path: tuple = ()):
    """Reorder every mapping whose order carries no meaning (all but the agenda, the
    actors, each issue's options, the dynamics' state variables and protocol params)."""
    ordered = {("issues",), ("actors",), ("dynamics", "state")}
    if isinstance(node, dict):
        keys = list(node)
        keep = path in ordered or path[-1:] == ("options",) or path[:2] == ("protocol", "params")
        if not keep:
            rnd.shuffle(keys)
        return {k: _shuffle_free_order(node[k], rnd, (*path, k)) for k in keys}
    if isinstance(node, list):
        return [_shuffle_free_order(x, rnd, (*path, i)) for i, x in enumerate(node)]
    return node


@settings(max_examples=budget(45))
@given(run=runs(dynamics=None, strategies=True), shuffle=st.randoms(use_true_random=False))
def test_same_seed_same_trace_whatever_the_global_state_and_dict_order(run, shuffle):
    """Invariant 6: the same seed gives an identical result and trace, whatever the global
    random state and the order of the scenario's order-free mappings."""
    first = run.result
    np.random.seed(shuffle.randrange(2**32))  # noqa: NPY002 - disturbing global state on purpose
    random.seed(shuffle.randrange(2**32))
    again = Run(_shuffle_free_order(copy.deepcopy(run.data), shuffle), run.seed).result
    assert again == first
    assert again.table.columns == first.table.columns


_HASHSEED_SCRIPT = """
import json, sys
from sim.api import simulate
from sim.scenario import validate_data
data, seed = json.load(sys.stdin)
res = simulate(validate_data(data), seed)
print(json.dumps([res.to_json(), res.table.columns], sort_keys=True, default=str))
"""


@pytest.mark.slow
@settings(max_examples=budget(2))
@given(run=runs(max_actors=3, max_deadline=6, strategies=True))
def test_same_seed_same_trace_across_hash_seeds(run):
    """Invariant 6 (processes): a run does not depend on Python's string hash seed."""
    outputs = set()
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        proc = subprocess.run(
            [sys.executable, "-c", _HASHSEED_SCRIPT],
            input=json.dumps([run.data, run.seed]), capture_output=True, text=True,
            env=env, check=True,
        )
        outputs.add(proc.stdout)
    assert len(outputs) == 1


# --------------------------------------------------------------------------- 7. permutations
def _by_id(run: Run) -> tuple[dict, dict]:
    """The result and the trace with rows replaced by packages (issue -> option)."""
    res = run.result.to_json()
    cols = dict(run.cols)
    cols["proposal"] = [None if r is None else run.package(r) for r in cols["proposal"]]
    return res, cols


def _same_results(base: dict, permuted: dict, seed: int) -> None:
    assert _by_id(Run(permuted, seed)) == _by_id(Run(base, seed))


_S = {"assumption": "counterexample"}


def _actor(weights: dict, values: dict, **extra) -> dict:
    return {
        "weights": {i: {"value": w, "source": _S} for i, w in weights.items()},
        "values": {i: {"value": v, "source": _S} for i, v in values.items()},
        "reservation": {"value": 0.0, "source": _S},
        "patience": {"value": 1.0, "source": _S},
        **extra,
    }


_PQ = {"options": {"p": "p", "q": "q"}}
#: Shrunk by hand from this suite's counterexample: ``a`` ranks (x=p, y=q) and (x=q, y=p)
#: equal first; strategies break ties by the lowest package row, and rows are numbered in
#: agenda order, so swapping x and y changes which of the two ``a`` proposes.
ISSUE_ORDER_TIE = {
    "name": "issue order decides a tie",
    "issues": {"x": _PQ, "y": _PQ},
    "actors": {
        "a": _actor({"x": 1.0, "y": 1.0}, {"x": {"p": 0.0, "q": 1.0}, "y": {"p": 0.0, "q": 1.0}},
                    red_lines=[{"name": "not_both_q", "kind": "not_both",
                                "a": {"issue": "x", "option": "q"},
                                "b": {"issue": "y", "option": "q"}, "source": _S}]),
        "b": _actor({"x": 1.0, "y": 1.0}, {"x": {"p": 1.0, "q": 0.0}, "y": {"p": 1.0, "q": 0.0}}),
    },
    "protocol": {"kind": "alternating_offers", "deadline": 1, "walk_away": False},
}
#: With no ``order`` parameter the protocols once seated the participants in file order,
#: so swapping a and b changed who proposes first (now seated by id: kept as a regression).
ACTOR_ORDER_SEATING = {
    "name": "actor order decides the seating",
    "issues": {"x": _PQ},
    "actors": {
        "a": _actor({"x": 1.0}, {"x": {"p": 1.0, "q": 0.0}}),
        "b": _actor({"x": 1.0}, {"x": {"p": 0.0, "q": 1.0}}),
    },
    "protocol": {"kind": "alternating_offers", "deadline": 1, "walk_away": False},
}
#: The single text's default mediator is ``united_states`` if present, else the first
#: actor in the file: swapping a and b makes b the mediator, and the deal flips from
#: x=p to x=q.
ACTOR_ORDER_MEDIATOR = {
    **ACTOR_ORDER_SEATING,
    "name": "actor order decides the mediator",
    "protocol": {"kind": "single_text", "deadline": 1, "walk_away": False},
}


@st.composite
def reordered(draw, what: str, fixed_seating: bool = False):
    """``(scenario, seed, new order of the actors or issues)``."""
    base = draw(scenarios(**RUNNABLE), label="scenario")
    if fixed_seating:
        _fix_seating(base)
    order = draw(st.permutations(list(base[what])), label=f"{what} order")
    return base, draw(seeds(), label="seed"), order


def _fix_seating(data: dict) -> None:
    """Name the seating in the protocol's parameters (ids, in file order) where the file
    leaves it to the default, so that the file's actor order no longer decides it."""
    p = data["protocol"]
    ids = list(data["actors"])
    parts = [a for a in ids if data["actors"][a].get("participates", True)]
    params = p.setdefault("params", {})
    kind = p["kind"]
    if kind == "alternating_offers":
        params.setdefault("order", parts)
    elif kind == "random_proposer":
        params.setdefault("probabilities", {a: 1.0 for a in parts})
    elif kind == "summit_ratification":
        params.setdefault("negotiators", parts[:2])
        params.setdefault("ratifiers", [a for a in parts if a not in params["negotiators"]])
    elif kind == "single_text":
        params.setdefault("mediator", "neutral")
        params.setdefault("parties", parts)


@settings(max_examples=budget(45))
@example(case=(ISSUE_ORDER_TIE, 0, ["y", "x"]))
@given(case=reordered("issues"))
def test_permuting_issues_permutes_the_results_only(case):
    """Invariant 7 (issues): reordering the issues in the file changes nothing but the
    order in which the same results are listed."""
    base, seed, order = case
    _same_results(base, permute_scenario(base, issue_order=order), seed)


@settings(max_examples=budget(45))
@example(case=(ACTOR_ORDER_MEDIATOR, 0, ["b", "a"]))
@example(case=(ACTOR_ORDER_SEATING, 0, ["b", "a"]))
@given(case=reordered("actors"))
def test_permuting_actors_permutes_the_results_only(case):
    """Invariant 7 (actors): reordering the actors in the file changes nothing but the
    order in which the same results are listed."""
    base, seed, order = case
    _same_results(base, permute_scenario(base, actor_order=order), seed)


@settings(max_examples=budget(45))
@given(case=reordered("actors", fixed_seating=True))
def test_permuting_actors_with_the_seating_named_permutes_the_results_only(case):
    """Invariant 7 (actors, seating named in the protocol's parameters): once the file
    names the seating, the actors' order in the file changes nothing but the order of the
    listed results (no other dependence on actor indices: generators, walk-outs, votes)."""
    base, seed, order = case
    _same_results(base, permute_scenario(base, actor_order=order), seed)


# --------------------------------------------------------------------------- 8. concession
class _Recorder:
    """Wraps a strategy and records its aspiration at every decision point."""

    def __init__(self, strategy):
        self.strategy = strategy
        self.levels: list[tuple[int, float]] = []

    def __getattr__(self, name):
        return getattr(self.strategy, name)

    def _note(self, obs):
        self.levels.append((obs.round, float(self.strategy.aspiration(obs))))

    def propose(self, obs):
        self._note(obs)
        return self.strategy.propose(obs)

    def respond(self, obs, offer, explain=False):
        self._note(obs)
        return self.strategy.respond(obs, offer, explain)


def _time_dependent_names() -> tuple[str, ...]:
    return tuple(n for n in strategy_names() if strategies.get(n).time_dependent)


@settings(max_examples=budget(45))
@given(
    data=scenarios(**{**RUNNABLE, "dynamics": False}, strategies=True,
                   strategy_kinds=_time_dependent_names()),
    seed=seeds(),
)
def test_time_dependent_aspiration_never_rises_during_a_run(data, seed):
    """Invariant 8: in a run with fixed reservation values and one stage, the aspiration
    of every time-dependent strategy (any parameters) never rises from one decision to the
    next."""
    from sim.api import model as NegotiationModel

    data["protocol"]["sequencing"] = "package"
    model = NegotiationModel(validate_data(data), seed)
    recorders = []
    for agent in model.negotiators:
        if agent.strategy.time_dependent:
            agent.strategy = _Recorder(agent.strategy)
            recorders.append(agent.strategy)
    model.run_model()
    for rec in recorders:
        levels = [lvl for _, lvl in rec.levels]
        rises = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + TOL]
        assert not rises, f"{rec.strategy.name} raised its aspiration: {rec.levels}"


# --------------------------------------------------------------------------- 9. hardliners
def _demand(data: dict, actor: str, aspiration: float, agenda: list[dict]) -> float | None:
    """A hardliner's fixed demand over the packages it may propose (see `Hardliner`)."""
    us = [_u(data, actor, p) for p in agenda if within_red_lines(data, actor, p)]
    if not us:
        return None
    lo, hi = min(us), max(us)
    return min(lo + aspiration * (hi - lo), hi)


def _u(data: dict, actor: str, pkg: dict) -> float:
    problem = compile_problem(validate_data(data))
    a = list(data["actors"]).index(actor)
    return ref_utility(problem, a, tuple(list(data["issues"][i]["options"]).index(pkg[i])
                                         for i in data["issues"]))


@st.composite
def hardliner_pairs(draw, sequencing: str = "package"):
    """Two hardliners under unanimity whose demands no single package meets."""
    data = draw(scenarios(**{**RUNNABLE, "max_actors": 2, "max_packages": 24}))
    for actor in data["actors"].values():
        actor["strategy"] = {
            "kind": "hardliner",
            "params": {"aspiration": draw(st.sampled_from([1.0, 0.9, 0.75]) | st.floats(0.5, 1))},
        }
    p = data["protocol"]
    p.pop("acceptance", None)  # unanimity: both must agree
    p.pop("params", None)  # both at the table
    p["sequencing"] = sequencing
    if sequencing == "ceasefire_first":
        p["ceasefire_issue"] = draw(st.sampled_from(list(data["issues"])))
    else:
        p.pop("ceasefire_issue", None)
    return data


def _check_hardliners(data: dict, seed: int) -> None:
    a, b = list(data["actors"])
    agenda = [p for p in package_space(data) if agenda_allows(data, p)]
    da = _demand(data, a, data["actors"][a]["strategy"]["params"]["aspiration"], agenda)
    db = _demand(data, b, data["actors"][b]["strategy"]["params"]["aspiration"], agenda)
    both = [
        p for p in agenda
        if da is not None and db is not None
        and within_red_lines(data, a, p) and within_red_lines(data, b, p)
        and _u(data, a, p) >= da - TOL and _u(data, b, p) >= db - TOL
    ]
    assume(not both)
    res = Run(data, seed).result
    assert not res.agreement, f"hardliners agreed on {res.package}: {res.deal_utilities}"


@settings(max_examples=budget(45))
@given(data=hardliner_pairs(), seed=seeds())
def test_hardliners_with_incompatible_demands_never_agree(data, seed):
    """Invariant 9 (package deals): two hardliners whose demands cannot both be met by one
    package never reach an agreement."""
    _check_hardliners(data, seed)


#: b's demand over the whole agenda is 0.6 (ceasefire=no, land=returned) and a's is 1.0
#: (ceasefire=yes, land=kept, worth 0.4 to b): incompatible. Both want the ceasefire and
#: settle it first; in stage 2 b's red line leaves it only (yes, kept), so its demand over
#: the packages it may still propose falls to 0.4 and it agrees.
SALAMI_TACTICS = {
    "name": "a hardliner sliced by sequencing",
    "issues": {"ceasefire": {"options": {"yes": "yes", "no": "no"}},
               "land": {"options": {"kept": "kept", "returned": "returned"}}},
    "actors": {
        "a": _actor({"ceasefire": 0.5, "land": 0.5},
                    {"ceasefire": {"yes": 1.0, "no": 0.0}, "land": {"kept": 1.0, "returned": 0.0}},
                    strategy={"kind": "hardliner", "params": {"aspiration": 1.0}}),
        "b": _actor({"ceasefire": 0.4, "land": 0.6},
                    {"ceasefire": {"yes": 1.0, "no": 0.0}, "land": {"kept": 0.0, "returned": 1.0}},
                    strategy={"kind": "hardliner", "params": {"aspiration": 1.0}},
                    red_lines=[{"name": "no_ceasefire_with_return", "kind": "not_both",
                                "a": {"issue": "ceasefire", "option": "yes"},
                                "b": {"issue": "land", "option": "returned"}, "source": _S}]),
    },
    "protocol": {"kind": "alternating_offers", "deadline": 4, "sequencing": "ceasefire_first",
                 "ceasefire_issue": "ceasefire", "walk_away": False},
}


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="Hardliner (lead/strategies): its demand is recomputed over each stage's packages, "
    "so ceasefire_first lowers it in stage 2 and incompatible hardliners agree "
    "(counterexample SALAMI_TACTICS: b accepts 0.4 against a whole-agenda demand of 0.6)",
)
@settings(max_examples=budget(45))
@example(data=SALAMI_TACTICS, seed=0)
@given(data=hardliner_pairs("ceasefire_first"), seed=seeds())
def test_hardliners_with_incompatible_demands_never_agree_ceasefire_first(data, seed):
    """Invariant 9 (ceasefire settled first): two hardliners whose demands cannot both be
    met by one package never reach an agreement, whatever the sequencing."""
    _check_hardliners(data, seed)


# --------------------------------------------------------------------------- 10. empty set
@st.composite
def red_line_deadlocks(draw):
    """Scenarios whose participants' red lines leave no agenda-allowed package."""
    data = draw(scenarios(**RUNNABLE))
    actors = list(data["actors"])
    for a in actors[:2]:
        data["actors"][a].pop("participates", None)
    issue = draw(st.sampled_from(list(data["issues"])))
    opts = list(data["issues"][issue]["options"])
    cut = draw(st.integers(1, len(opts) - 1))
    src = {"assumption": "deadlock"}
    data["actors"][actors[0]].setdefault("red_lines", []).append(
        {"name": "deadlock_low", "kind": "at_least", "issue": issue, "option": opts[cut],
         "source": src})
    data["actors"][actors[1]].setdefault("red_lines", []).append(
        {"name": "deadlock_high", "kind": "at_most", "issue": issue, "option": opts[cut - 1],
         "source": src})
    for actor in data["actors"].values():  # names stay unique per actor
        names = [rl["name"] for rl in actor.get("red_lines", [])]
        assume(len(names) == len(set(names)))
    return data


@settings(max_examples=budget(45))
@given(data=red_line_deadlocks(), seed=seeds())
def test_empty_feasible_set_gives_no_agreement_inside_everyones_red_lines(data, seed):
    """Invariant 10: when no agenda-allowed package is inside every participant's red
    lines (the feasible set is empty), no run ends in an agreement inside them all."""
    run = Run(data, seed)
    assert not run.prepared.feasible.any()
    res = run.result
    if res.agreement:
        pkg = res.package
        participants = [a for a in run.actors if data["actors"][a].get("participates", True)]
        assert not (agenda_allows(data, pkg)
                    and all(within_red_lines(data, a, pkg) for a in participants))
