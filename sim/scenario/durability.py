"""The scenario's declared durability model: the ``durability:`` block of a file.

Core objects:
    DurabilitySpec: horizon, baseline hazard, the ceasefire-only hazard ratio and, per
        issue, a driver table (hazard ratios and/or credibilities of its options), every
        number with its provenance.
    compile_durability: the `sim.core.durability.DurabilityModel` of a validated spec.

The formula is documented in `sim.core.durability`. A driver's ``source`` grades what the
article supports (usually the direction: guarantees make a deal more likely to hold; a
commitment leaders "can't bind future leaders" to may not hold), never the size.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from sim.core.durability import DurabilityModel
from sim.scenario.sources import Source

__all__ = ["DurabilitySpec", "Driver", "compile_durability", "durability_errors"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Number(_Model):
    value: float = Field(description="The number.")
    source: Source = Field(description="Provenance of the number.")


class Driver(_Model):
    """What the options of one issue do to a package's durability."""

    hazard_ratio: dict[str, float] = Field(
        default_factory=dict,
        description="Option id -> hazard ratio (> 0; below 1 guards the deal, 1 if unlisted).",
    )
    credibility: dict[str, float] = Field(
        default_factory=dict,
        description="Option id -> chance its commitment is kept over the horizon, in (0, 1].",
    )
    source: Source = Field(description="Provenance of this driver's numbers.")

    @field_validator("hazard_ratio")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        for o, x in v.items():
            if not x > 0:
                raise PydanticCustomError("ratio", "option '{o}': a hazard ratio must be > 0, "
                                          "got {x}", {"o": o, "x": x})
        return v

    @field_validator("credibility")
    @classmethod
    def _probability(cls, v: dict[str, float]) -> dict[str, float]:
        for o, x in v.items():
            if not 0 < x <= 1:
                raise PydanticCustomError("credibility", "option '{o}': credibility must lie "
                                          "in (0, 1], got {x}", {"o": o, "x": x})
        return v


class DurabilitySpec(_Model):
    """The declared durability model (formula in `sim.core.durability`)."""

    horizon: _Number = Field(description="H: the horizon over which a deal should hold.")
    unit: str = Field(default="years", description="Unit of the horizon and of the hazard.")
    base_hazard: _Number = Field(
        description="h0: breakdowns per unit of time of a deal without guarantees (>= 0)."
    )
    ceasefire_only_hazard_ratio: _Number = Field(
        description="Hazard ratio of a ceasefire agreed without a settlement (> 0)."
    )
    drivers: dict[str, Driver] = Field(
        default_factory=dict, description="Issue id -> what its options do to durability."
    )

    @field_validator("horizon", "ceasefire_only_hazard_ratio")
    @classmethod
    def _strictly_positive(cls, v: _Number) -> _Number:
        if not v.value > 0:
            raise PydanticCustomError("positive", "must be > 0, got {x}", {"x": v.value})
        return v

    @field_validator("base_hazard")
    @classmethod
    def _non_negative(cls, v: _Number) -> _Number:
        if not v.value >= 0:
            raise PydanticCustomError("positive", "must be >= 0, got {x}", {"x": v.value})
        return v


def durability_errors(
    spec: DurabilitySpec, options: dict[str, Sequence[str]]
) -> list[tuple[tuple, str]]:
    """``(field path, message)`` for drivers naming unknown issues or options."""
    out: list[tuple[tuple, str]] = []
    for iid, driver in spec.drivers.items():
        if iid not in options:
            out.append((("durability", "drivers", iid),
                        f"unknown issue '{iid}'; allowed: {', '.join(options)}"))
            continue
        for field in ("hazard_ratio", "credibility"):
            for o in getattr(driver, field):
                if o not in options[iid]:
                    out.append((("durability", "drivers", iid, field, o),
                                f"unknown option '{o}' of issue '{iid}'; allowed: "
                                f"{', '.join(options[iid])}"))
    return out


def compile_durability(
    spec: DurabilitySpec, issues: Sequence[str], options: Sequence[Sequence[str]]
) -> DurabilityModel:
    """The core model of a validated spec (issues and options in problem order)."""
    hrs, creds = [], []
    for iid, opts in zip(issues, options, strict=True):
        driver = spec.drivers.get(iid)
        hr = driver.hazard_ratio if driver is not None else {}
        cr = driver.credibility if driver is not None else {}
        hrs.append(tuple(float(hr.get(o, 1.0)) for o in opts))
        creds.append(tuple(float(cr.get(o, 1.0)) for o in opts))
    return DurabilityModel(
        horizon=float(spec.horizon.value),
        base_hazard=float(spec.base_hazard.value),
        hazard_ratios=tuple(hrs),
        credibility=tuple(creds),
        ceasefire_only_hazard_ratio=float(spec.ceasefire_only_hazard_ratio.value),
        unit=spec.unit,
    )
