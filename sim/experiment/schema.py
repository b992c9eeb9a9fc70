"""Experiment files (``experiments/*.yaml``), the resolved experiment and the manifest.

Core objects:
    RangeSpec: a continuous (or integer) interval ``[low, high]``, optionally with ``steps``
        grid levels.
    Parameter: one swept parameter: a path into the scenario plus ``values`` (a list, any
        type: categorical) or ``range`` (numeric).
    DesignSpec: ``grid`` (full factorial), ``lhs`` (Latin hypercube) or ``sobol``.
    Experiment: the experiment file itself: base scenario, parameters, design, replicates,
        seed and an optional ``rounds`` override.
    ResolvedExperiment: what is saved beside the results (``experiment.yaml``): the
        experiment (base scenario path made absolute), its hash and the expanded points.
    Spaces: ``spaces.json``: the issues and options of each scenario, to decode package rows.
    Manifest: ``manifest.json``: hash, package version, git commit, timestamps, counts.

How the experiment is *run* (workers, chunk size, scheduler) is never part of the file:
those choices cannot change the results.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

Scalar = bool | int | float | str
Value = Scalar | list[Scalar] | None

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RangeSpec(_Model):
    """A numeric interval; ``integer`` ranges take whole numbers only."""

    low: float = Field(description="Lower bound (inclusive).")
    high: float = Field(description="Upper bound (inclusive).")
    steps: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Grid levels, evenly spaced from low to high (grid design; required for "
            "continuous ranges, optional for integer ranges where every integer is a level)."
        ),
    )
    integer: bool = Field(default=False, description="Whole numbers only.")

    @model_validator(mode="after")
    def _non_empty(self) -> RangeSpec:
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            raise PydanticCustomError("range", "low and high must be finite numbers")
        if self.low > self.high:
            raise PydanticCustomError(
                "empty_range",
                "empty range: low {low} is greater than high {high}",
                {"low": self.low, "high": self.high},
            )
        if self.integer and math.ceil(self.low) > math.floor(self.high):
            raise PydanticCustomError(
                "empty_range",
                "empty range: no integer between {low} and {high}",
                {"low": self.low, "high": self.high},
            )
        if self.low == self.high and self.steps not in (None, 1):
            raise PydanticCustomError(
                "empty_range", "low equals high: a single level, so steps must be 1 or omitted"
            )
        return self


class Parameter(_Model):
    """One swept parameter: a path into the scenario and the values it takes."""

    path: str = Field(
        description=(
            "Where in the scenario, e.g. 'actors.russia.patience', 'protocol.kind', "
            "'dynamics.events[1].round'; 'scenario' swaps the base scenario file itself. "
            "A path ending on a sourced number ({value, source}) sets its value."
        )
    )
    values: list[Value] | None = Field(
        default=None, description="Categorical levels (any type the scenario field accepts)."
    )
    range: RangeSpec | None = Field(default=None, description="A numeric interval.")
    label: str = Field(default="", description="Display name in reports.")

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        if not v.strip():
            raise PydanticCustomError("path", "the path must not be empty")
        return v.strip()

    @model_validator(mode="after")
    def _one_of(self) -> Parameter:
        if (self.values is None) == (self.range is None):
            raise PydanticCustomError("parameter", "give exactly one of 'values' or 'range'")
        if self.values is not None and not self.values:
            raise PydanticCustomError("empty_values", "empty list of values")
        return self

    @property
    def categorical(self) -> bool:
        """True when the parameter takes listed values rather than a range."""
        return self.values is not None


class DesignSpec(_Model):
    """How the design points are chosen."""

    kind: Literal["grid", "lhs", "sobol", "saltelli", "morris"] = Field(
        default="grid",
        description=(
            "grid: every combination of levels; lhs: Latin hypercube; sobol: scrambled "
            "Sobol sequence (scipy.stats.qmc); saltelli: SALib's Saltelli sample (Sobol' "
            "indices); morris: SALib's Morris trajectories (elementary effects); all "
            "seeded from the experiment seed."
        ),
    )
    samples: int | None = Field(
        default=None,
        ge=1,
        le=10_000_000,
        description="Points to draw (lhs, sobol; a power of two); base samples N of a "
        "saltelli design (a power of two; N * (2D + 2) points, or N * (D + 2) without "
        "second order); trajectories of a morris design (N * (D + 1) points).",
    )
    calc_second_order: bool = Field(
        default=True, description="saltelli: also the second-order blocks (BA_i)."
    )
    num_levels: int = Field(
        default=4, ge=2, le=100, description="morris: levels of the grid trajectories walk."
    )

    @model_validator(mode="after")
    def _samples(self) -> DesignSpec:
        if self.kind == "grid" and self.samples is not None:
            raise PydanticCustomError(
                "design", "a grid design takes no 'samples' (its size is the product of levels)"
            )
        if self.kind != "grid" and self.samples is None:
            raise PydanticCustomError(
                "design", "'samples' is required for an {kind} design", {"kind": self.kind}
            )
        if self.kind in ("sobol", "saltelli") and self.samples is not None:
            n = self.samples
            if n & (n - 1):
                low = 1 << (n.bit_length() - 1)
                raise PydanticCustomError(
                    "design",
                    "a {kind} design needs a power of two samples (got {n}; try {low} or "
                    "{high})",
                    {"kind": self.kind, "n": n, "low": low, "high": low * 2},
                )
        return self


# --- levers x uncertainties (issue 13) ---------------------------------------------------


class ClaimSpec(_Model):
    """A claim about two lever settings, checked at every sample of the uncertainties.

    ``a`` and ``b`` pick policies by lever values (lever path -> value; levers not named
    match any value and are averaged over). The claim holds at a sample when the
    ``metric`` rate under ``a`` is ``relation`` the rate under ``b`` (over the replicates,
    paired by common random numbers).
    """

    text: str = Field(default="", description="The claim in words.")
    metric: Literal["agreement", "stillborn", "ratified"] = Field(
        default="agreement", description="Which run outcome the rate counts."
    )
    a: dict[str, Value] = Field(description="Lever path -> value of the first setting.")
    b: dict[str, Value] = Field(description="Lever path -> value of the second setting.")
    relation: Literal[">", "<"] = Field(default=">", description="rate(a) relation rate(b).")


class Experiment(_Model):
    """An experiment file: what to vary on which scenario, how many times, with which seed."""

    name: str = Field(
        pattern=NAME_PATTERN, description="Experiment name (the results directory name)."
    )
    question: str = Field(default="", description="The question this experiment answers.")
    description: str = Field(default="", description="What the experiment does.")
    scenario: str = Field(description="Base scenario file, relative to this file.")
    parameters: list[Parameter] = Field(
        default_factory=list, description="Parameters to vary (none: a single point)."
    )
    levers: list[Parameter] = Field(
        default_factory=list,
        description="What a party can choose (format, who is at the table, pressure, "
        "sequencing): always crossed as a full factorial with the uncertainty sample.",
    )
    uncertainties: list[Parameter] = Field(
        default_factory=list,
        description="What we do not know (reservation values, strategy profiles, deadline, "
        "priors, pressure bite, dynamics): sampled by 'design'.",
    )
    claim: ClaimSpec | None = Field(
        default=None, description="A lever comparison whose robustness the report checks."
    )
    crn: bool = Field(
        default=True,
        description="Common random numbers: replicate r uses the same seed at every design "
        "point, so comparisons between points are paired.",
    )
    design: DesignSpec = Field(default_factory=DesignSpec, description="Design of the points.")
    replicates: int = Field(default=1, ge=1, le=1_000_000, description="Runs (seeds) per point.")
    seed: int = Field(
        ge=0, lt=2**63, description="The experiment seed; every run seed derives from it."
    )
    rounds: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="Override the protocol deadline (rounds) of every run.",
    )

    @model_validator(mode="after")
    def _unique_paths(self) -> Experiment:
        if self.parameters and (self.levers or self.uncertainties):
            raise PydanticCustomError(
                "parameters",
                "give either 'parameters' or 'levers'/'uncertainties', not both",
            )
        if self.claim is not None and not self.levers:
            raise PydanticCustomError("claim", "a claim compares lever settings: add 'levers'")
        if self.claim is not None:
            names = {p.path for p in self.levers}
            for side in ("a", "b"):
                for key in getattr(self.claim, side):
                    if key not in names:
                        raise PydanticCustomError(
                            "claim",
                            "claim.{side}: '{key}' is not a lever (levers: {names})",
                            {"side": side, "key": key, "names": ", ".join(sorted(names))},
                        )
        seen: set[str] = set()
        for p in self.all_parameters:
            if p.path in seen:
                raise PydanticCustomError(
                    "duplicate", "parameter path '{path}' is given twice", {"path": p.path}
                )
            seen.add(p.path)
        return self


    @property
    def all_parameters(self) -> list[Parameter]:
        """Every swept parameter, levers first (the axes of the design, in order)."""
        return [*self.parameters, *self.levers, *self.uncertainties]

    @property
    def field_names(self) -> list[str]:
        """Per entry of `all_parameters`, its place in the file (``levers[0]``)."""
        return [f"parameters[{i}]" for i in range(len(self.parameters))] + [
            f"levers[{i}]" for i in range(len(self.levers))
        ] + [f"uncertainties[{i}]" for i in range(len(self.uncertainties))]


class ResolvedPoint(_Model):
    """One expanded design point: its id and the value of every parameter."""

    point_id: int = Field(ge=0)
    params: dict[str, Any] = Field(description="Parameter path -> value at this point.")


class ResolvedExperiment(Experiment):
    """The experiment as run (``experiment.yaml`` beside the results).

    The experiment's own fields come first, with ``scenario`` made absolute so that readers
    of the results directory find the base scenario; then the file that was run, the hash
    and every design point.
    """

    source_file: str = Field(description="The experiment file that was run (absolute).")
    experiment_hash: str = Field(description="sha256 of the experiment and its scenarios.")
    n_points: int = Field(ge=1, description="Number of design points.")
    n_runs: int = Field(ge=1, description="Number of runs (points times replicates).")
    points: list[ResolvedPoint] = Field(description="Every design point, in point_id order.")


class OutcomeSpace(_Model):
    """The packages of one scenario.

    Package row ``r`` is the mixed-radix number whose digits are the option indices of the
    issues in this order (first issue most significant).
    """

    issues: dict[str, list[str]] = Field(description="Issue id -> its option ids, in order.")


class Spaces(_Model):
    """``spaces.json``: how to read the package rows of ``points.parquet``."""

    format: Literal["negsim-spaces/1"] = "negsim-spaces/1"
    base: str = Field(description="The scenario key of points without a 'scenario' parameter.")
    scenarios: dict[str, OutcomeSpace] = Field(description="Scenario key -> outcome space.")


class Counts(_Model):
    """Run counts."""

    total: int = Field(ge=0)
    done: int = Field(ge=0)


class PartRecord(_Model):
    """One committed part file of ``runs/``, as the manifest records it."""

    name: str = Field(description="File name inside runs/.")
    first_run: int = Field(ge=0, description="Smallest run id in the file.")
    last_run: int = Field(ge=0, description="Largest run id in the file.")
    rows: int = Field(ge=1, description="Rows (runs) in the file.")
    sha256: str = Field(description="sha256 of the file's bytes.")


class Manifest(_Model):
    """``manifest.json``: provenance of a results directory and the record of its files."""

    format: Literal["negsim-sweep/1"] = "negsim-sweep/1"
    experiment_name: str
    experiment_hash: str
    package_version: str
    git_commit: str | None
    started: str = Field(description="ISO 8601 timestamp (UTC) of the first start.")
    ended: str | None = Field(default=None, description="ISO 8601 timestamp (UTC) of completion.")
    counts: Counts
    experiment_file: str | None = Field(
        default=None, description="The experiment file that was run (absolute)."
    )
    crn: bool | None = Field(
        default=None, description="Whether run seeds are common random numbers (the same "
        "seed for replicate r at every point; absent: written before issue 13)."
    )
    parts: list[PartRecord] | None = Field(
        default=None,
        description="Every committed part file, in commit order; readers read these and "
        "nothing else (absent: written by a negsim that did not record parts).",
    )
    files: dict[str, str] = Field(
        default_factory=dict,
        description="Side file (experiment.yaml, scenarios.yaml, spaces.json, "
        "points.parquet) -> sha256 of its bytes.",
    )
    scenario_files: dict[str, str] = Field(
        default_factory=dict,
        description="Every scenario file the sweep read (absolute path: base, variants and "
        "their extends chains) -> sha256 of its bytes when the sweep started.",
    )
