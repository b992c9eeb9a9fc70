"""Run one negotiation and report it.

Core objects:
    run: one negotiation of a `Prepared` problem with a `RunConfig` and a seed ->
        `RunResult` (`sim.api.simulate` does the same from a scenario).
    RunResult: the frozen outcome of a run, with ``to_json()`` and, when collected, the
        round table (``table``; as a DataFrame: ``trace``).
    Trace: the round table recorded by the model's ``DataCollector`` (column -> values);
        ``to_frame()`` makes the typed pandas DataFrame (only when asked: building it
        costs more than the run).

What a result reports
    ``package`` is the package on record: the agreed one; for a *stillborn* deal (summit
    ratifiers rejected it) the rejected package; for ``ceasefire_first`` talks that settled
    only stage 1, just ``{ceasefire_issue: option}``; otherwise None. ``round`` is the
    round (0-based) in which that package was settled. ``utilities`` are the payoffs of the
    run: every actor's utility of the agreed package, or, without an agreement (stillborn
    included), its reservation value in the last round played. ``pareto_optimal`` and
    ``nash_distance`` (see `sim.engine.prepared` for the conventions) are None without an
    agreement; ``nash_distance`` is also None when the scenario has no Nash point.

    ``stage1_ceasefire`` is the ceasefire option stage 1 of ``ceasefire_first`` settled on
    (None when it settled none, or under ``package``). ``ceasefire_only`` is true when that
    option put a ceasefire in force (the dynamics' ``ceasefire_effect``) and stage 2
    reached no agreement (a stillborn deal included: the ceasefire stays in force): a
    ceasefire agreed, a settlement not. ``outcome`` is ``ceasefire_only`` then, else
    ``reason`` (``stillborn`` and ``reason`` keep their meaning). ``durability``
    (`sim.core.durability`) is the probability that what was agreed holds over the
    scenario's horizon: of the agreed package, or of the ceasefire alone for
    ``ceasefire_only``; None otherwise and when the scenario declares no durability model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.engine.model import NegotiationModel
from sim.engine.prepared import Prepared
from sim.engine.protocols.records import AGREEMENT, STILLBORN
from sim.engine.settings import RunConfig

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CEASEFIRE_ONLY", "JSON_KEYS", "RunResult", "Trace", "package_dict", "result_of", "run"]

#: The keys of `RunResult.to_json`, in order.
JSON_KEYS = (
    "agreement",
    "package",
    "round",
    "utilities",
    "ratified",
    "stillborn",
    "pareto_optimal",
    "nash_distance",
    "seed",
    "stage1_ceasefire",
    "ceasefire_only",
    "outcome",
    "durability",
)
#: The outcome of a run whose stage-1 ceasefire holds without a settlement.
CEASEFIRE_ONLY = "ceasefire_only"
#: Decimals kept for floats in `RunResult.to_json` (stable across platforms).
JSON_DECIMALS = 6


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run (see the module docstring for what each field reports).

    Attributes:
        agreement: a deal was struck (and ratified, where ratification applies).
        package: issue id -> option id of the package on record, or None.
        row: the package's row when it is a whole package, else None.
        round: the round in which ``package`` was settled, or None.
        utilities: actor id -> payoff of the run.
        ratified: summit only: whether the ratifiers accepted the deal (None elsewhere and
            when there was no deal).
        stillborn: the summit's deal was rejected by the ratifiers.
        pareto_optimal: whether the agreed package is Pareto-optimal (every actor's
            utility; the feasible set at the reservation values of the agreement's round,
            or the agenda-allowed space if it is not feasible then), or None.
        nash_distance: Euclidean distance from the agreed package to the Nash point in the
            participants' utility space, or None.
        seed: the run's seed.
        reason: ``agreement``, ``deadline``, ``walk_away`` or ``stillborn``.
        rounds: the number of rounds played.
        deadline: the number of rounds allowed.
        ceasefire: the ceasefire option agreed in stage 1 (``ceasefire_first``), or None.
        walked_out: ids of the actors who walked out.
        deal_utilities: actor id -> utility of ``package`` when it is a whole package
            (agreed or stillborn), else None.
        ceasefire_only: a stage-1 ceasefire holds and stage 2 reached no agreement.
        durability: the probability that what was agreed holds (module docstring), or None.
        table: the round table as recorded (`Trace`) when collected, else None; not part
            of equality.

    The property ``trace`` is that table as a pandas DataFrame (built on first access).
    """

    agreement: bool
    package: dict[str, str] | None
    row: int | None
    round: int | None
    utilities: dict[str, float]
    ratified: bool | None
    stillborn: bool
    pareto_optimal: bool | None
    nash_distance: float | None
    seed: int
    reason: str
    rounds: int
    deadline: int
    ceasefire: str | None = None
    walked_out: tuple[str, ...] = ()
    deal_utilities: dict[str, float] | None = None
    ceasefire_only: bool = False
    durability: float | None = None
    table: Trace | None = field(default=None, compare=False, repr=False)

    @cached_property
    def trace(self) -> pd.DataFrame | None:
        """The round table as a DataFrame (`Trace.to_frame`), or None when not collected."""
        return None if self.table is None else self.table.to_frame()

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict with exactly the keys of `JSON_KEYS`.

        Floats are rounded to `JSON_DECIMALS` decimals, so the same seed gives
        byte-identical JSON.
        """
        return {
            "agreement": self.agreement,
            "package": None if self.package is None else dict(self.package),
            "round": self.round,
            "utilities": {a: round(u, JSON_DECIMALS) for a, u in self.utilities.items()},
            "ratified": self.ratified,
            "stillborn": self.stillborn,
            "pareto_optimal": self.pareto_optimal,
            "nash_distance": (
                None if self.nash_distance is None else round(self.nash_distance, JSON_DECIMALS)
            ),
            "seed": self.seed,
            "stage1_ceasefire": self.ceasefire,
            "ceasefire_only": self.ceasefire_only,
            "outcome": self.outcome,
            "durability": (
                None if self.durability is None else round(self.durability, JSON_DECIMALS)
            ),
        }

    @property
    def outcome(self) -> str:
        """``ceasefire_only`` when a stage-1 ceasefire holds without a deal, else ``reason``."""
        return CEASEFIRE_ONLY if self.ceasefire_only else self.reason


def run(
    prepared: Prepared,
    config: RunConfig,
    seed: int,
    rounds: int | None = None,
    collect: bool = True,
) -> RunResult:
    """Run one negotiation of a prepared problem with explicit run settings.

    Args:
        prepared: the problem's precomputation.
        config: protocol, strategies and dynamics.
        seed: the run's seed.
        rounds: overrides the protocol deadline.
        collect: record the round table.

    Returns:
        The run's result.
    """
    model = NegotiationModel(prepared, config, seed, rounds=rounds, collect=collect)
    model.run_model()
    return result_of(model)


def result_of(model: NegotiationModel) -> RunResult:
    """The `RunResult` of a finished model."""
    outcome = model.outcome
    if outcome is None:
        raise ValueError("the negotiation has not finished")
    prepared = model.prepared
    problem = prepared.problem
    actors = problem.actors
    agreement = outcome.reason == AGREEMENT
    stillborn = outcome.reason == STILLBORN
    last = model.state.round - 1
    row = outcome.row
    package = None
    deal_utilities = None
    settled = None
    if row is not None:
        package = package_dict(prepared, row)
        deal_utilities = {a: float(prepared.U[row, i]) for i, a in enumerate(actors)}
        settled = outcome.round
    ceasefire = None
    if outcome.ceasefire is not None:
        issue = model.protocol.ceasefire_issue
        assert issue is not None  # a stage-1 ceasefire exists only under ceasefire_first
        ceasefire = problem.options[issue][outcome.ceasefire]
        if package is None:
            package = {problem.issues[issue]: ceasefire}
            settled = outcome.ceasefire_round
    ceasefire_only = model.ceasefire_from is not None and not agreement
    model_d = problem.durability
    durability: float | None = None
    if model_d is not None and agreement and row is not None:
        durability = float(model_d.of(prepared.packages[row:row + 1])[0])
    elif model_d is not None and ceasefire_only:
        durability = model_d.ceasefire_only()
    pareto: bool | None = None
    nash: float | None = None
    if agreement:
        # an agreement is on a package, in a round
        assert row is not None and deal_utilities is not None and outcome.round is not None
        utilities = dict(deal_utilities)
        pareto = pareto_optimal(prepared, row, model.reservations[outcome.round])
        nash = nash_distance(prepared, row)
    else:
        utilities = {a: float(r) for a, r in zip(actors, model.reservations[last], strict=True)}
    return RunResult(
        agreement=agreement,
        package=package,
        row=row,
        round=settled,
        utilities=utilities,
        ratified=outcome.ratified,
        stillborn=stillborn,
        pareto_optimal=pareto,
        nash_distance=nash,
        seed=model.seed,
        reason=outcome.reason,
        rounds=model.state.round,
        deadline=model.deadline,
        ceasefire=ceasefire,
        walked_out=tuple(actors[a] for a in outcome.walked),
        deal_utilities=deal_utilities,
        ceasefire_only=ceasefire_only,
        durability=durability,
        table=None if model.datacollector is None else Trace.of(model),
    )


def package_dict(prepared: Prepared, row: int) -> dict[str, str]:
    """Issue id -> option id of package ``row``."""
    problem = prepared.problem
    options = prepared.packages[row]
    return {
        issue: problem.options[i][int(options[i])] for i, issue in enumerate(problem.issues)
    }


def pareto_optimal(prepared: Prepared, row: int, reservations: list[float]) -> bool:
    """Whether ``row`` is Pareto-optimal (conventions in `sim.engine.prepared`).

    Args:
        prepared: the precomputation.
        row: the agreed package.
        reservations: every actor's reservation value in the round of the agreement.
    """
    P = list(prepared.participants)
    r = np.asarray(reservations, dtype=np.float64)[P]
    feasible = bool(prepared.inside_red_lines[row]) and bool(np.all(prepared.U[row, P] >= r))
    mask = prepared.pareto_red_lines if feasible else prepared.pareto_agenda
    return bool(mask[row])


def nash_distance(prepared: Prepared, row: int) -> float | None:
    """Euclidean distance from ``row`` to the Nash package in the participants' utilities."""
    if prepared.nash_row is None:
        return None
    P = list(prepared.participants)
    d = prepared.U[row, P] - prepared.U[prepared.nash_row, P]
    return float(math.sqrt(float(np.dot(d, d))))


@dataclass(frozen=True, eq=False)
class Trace:
    """The round table of one run: column name -> one value per round.

    Columns (see `NegotiationModel.row`): ``round``, ``stage``, ``proposer``,
    ``proposal``, ``accepted``, ``event``, ``walked``, then per actor ``utility_<id>``,
    ``response_<id>`` (``objections_<id>`` for the single text), ``reservation_<id>``,
    then ``state_<var>`` per war-state variable.

    Attributes:
        columns: the table, as recorded by the DataCollector.
        issues: the issue ids (for the ``package`` column of `to_frame`).
        options: per issue, its option ids.
        packages: shape (k, n_issues), the package table.
        ceasefire_issue: the stage-1 issue of ``ceasefire_first`` talks, or None.
    """

    columns: dict[str, list]
    issues: tuple[str, ...]
    options: tuple[Sequence[str], ...]
    packages: np.ndarray
    ceasefire_issue: int | None

    @classmethod
    def of(cls, model: NegotiationModel) -> Trace:
        """The trace of a model that collected its rounds.

        Raises:
            ValueError: the model was built with ``collect=False``.
        """
        if model.datacollector is None:
            raise ValueError("the model did not collect its rounds (collect=False)")
        problem = model.prepared.problem
        return cls(
            columns=model.datacollector.tables["rounds"],
            issues=problem.issues,
            options=problem.options,
            packages=model.prepared.packages,
            ceasefire_issue=model.protocol.ceasefire_issue,
        )

    def __len__(self) -> int:
        """The number of rounds recorded."""
        return len(self.columns["round"])

    def to_frame(self) -> pd.DataFrame:
        """The table as a tidy DataFrame (one row per round, snake_case columns).

        Adds ``package``: the proposal in words (``issue=option; ...``, only the issues
        negotiated in the round's stage). Integer and boolean columns with gaps use
        pandas' nullable dtypes, so the table writes to Parquet with typed columns.
        """
        import pandas as pd

        df = pd.DataFrame({k: list(v) for k, v in self.columns.items()})
        words: list[str | None] = []
        for stage, proposal in zip(self.columns["stage"], self.columns["proposal"],
                                   strict=True):
            if proposal is None:
                words.append(None)
                continue
            options = self.packages[int(proposal)]
            issues: Sequence[int] = range(len(self.issues))
            if stage == "ceasefire":
                assert self.ceasefire_issue is not None  # only ceasefire_first has the stage
                issues = (self.ceasefire_issue,)
            words.append("; ".join(
                f"{self.issues[i]}={self.options[i][int(options[i])]}" for i in issues
            ))
        df.insert(list(df.columns).index("proposal") + 1, "package", words)
        df["proposal"] = df["proposal"].astype("Int64")
        for col in df.columns:
            if col.startswith("response_"):
                df[col] = df[col].astype("boolean")
            elif col.startswith(("utility_", "reservation_", "state_")):
                df[col] = df[col].astype("float64")
        return df
