"""Durability: the probability that an agreed package holds over a horizon (pure numpy).

Core objects:
    DurabilityModel: a declared durability model, compiled to per-issue tables.
    durability: every package's durability at once (vectorised over packages).

The model (exploratory: its form and every number are declared in the scenario)::

    D(x) = C(x) * S(x)
    C(x) = prod_i c_i(x_i)                      # every commitment in x is honoured
    S(x) = exp(-H * h0 * prod_i HR_i(x_i))       # no breakdown within the horizon

``x`` is a package (one option per issue). ``c_i(o)`` in (0, 1] is the *credibility* of
the commitment option ``o`` makes (the chance that whoever gives it still keeps it at the
horizon: a political pledge that successors may drop, or a halt that current leaders
"can't bind future leaders" to); an option that commits nobody to anything has 1.
``S`` is the survival function of a proportional-hazards model of the deal breaking
down: a constant baseline hazard ``h0`` per unit of time over the horizon ``H``,
multiplied by a hazard ratio ``HR_i(o) > 0`` for every option the package contains
(guarantees such as peacekeepers or weapons deliveries lower it, below 1; options that
leave a grievance open may raise it, above 1). Unlisted issues and options have
``c = HR = 1``.

Properties (tested): ``D`` lies in [0, 1]; it rises when any credibility rises and falls
when any hazard ratio rises, for the packages containing that option, and is unchanged
for the others; the vectorised computation equals the per-package formula.

A ceasefire agreed without a settlement (``ceasefire_only``) holds with
``exp(-H * h0 * HR_ceasefire_only)``: nothing is guaranteed or committed beyond the
ceasefire itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .arrays import FloatArray, IntArray

__all__ = ["DurabilityModel", "durability"]


@dataclass(frozen=True)
class DurabilityModel:
    """A compiled durability model (see the module docstring).

    Attributes:
        horizon: ``H``, in the scenario's unit of time (> 0).
        base_hazard: ``h0``, breakdowns per unit of time of a deal without guarantees.
        hazard_ratios: per issue, ``HR_i`` per option (a tuple of positive floats).
        credibility: per issue, ``c_i`` per option (a tuple of floats in (0, 1]).
        ceasefire_only_hazard_ratio: the hazard ratio of a ceasefire without a settlement.
        unit: the unit of ``horizon`` (for display).
    """

    horizon: float
    base_hazard: float
    hazard_ratios: tuple[tuple[float, ...], ...]
    credibility: tuple[tuple[float, ...], ...]
    ceasefire_only_hazard_ratio: float = 1.0
    unit: str = "years"

    def __post_init__(self) -> None:
        if not (self.horizon > 0 and self.base_hazard >= 0):
            raise ValueError("horizon must be > 0 and base_hazard >= 0")
        if len(self.hazard_ratios) != len(self.credibility):
            raise ValueError("hazard_ratios and credibility need one table per issue")
        for table in self.hazard_ratios:
            if any(not h > 0 for h in table):
                raise ValueError("hazard ratios must be > 0")
        for table in self.credibility:
            if any(not 0 < c <= 1 for c in table):
                raise ValueError("credibility must lie in (0, 1]")
        if not self.ceasefire_only_hazard_ratio > 0:
            raise ValueError("ceasefire_only_hazard_ratio must be > 0")

    def of(self, packages: IntArray) -> FloatArray:
        """``D`` of every row of ``packages`` (shape (k, n_issues)): `durability`."""
        return durability(self, packages)

    def ceasefire_only(self) -> float:
        """The durability of a ceasefire agreed without a settlement."""
        return math.exp(-self.horizon * self.base_hazard * self.ceasefire_only_hazard_ratio)


def durability(model: DurabilityModel, packages: IntArray) -> FloatArray:
    """Every package's durability ``D(x)`` (module docstring), shape (k,).

    One gather per issue (a loop over issues, never over packages), in log space.

    Args:
        model: the compiled model.
        packages: shape (k, n_issues), the option index of every issue in every package.

    Raises:
        ValueError: ``packages`` does not have one column per issue of the model.
    """
    packages = np.asarray(packages)
    if packages.ndim != 2 or packages.shape[1] != len(model.hazard_ratios):
        raise ValueError(f"expected packages of shape (k, {len(model.hazard_ratios)}), "
                         f"got {packages.shape}")
    k = packages.shape[0]
    log_hr = np.zeros(k)
    log_c = np.zeros(k)
    for i, (hr, cred) in enumerate(zip(model.hazard_ratios, model.credibility, strict=True)):
        col = packages[:, i]
        log_hr += np.log(np.asarray(hr, dtype=np.float64))[col]
        log_c += np.log(np.asarray(cred, dtype=np.float64))[col]
    survival = np.exp(-model.horizon * model.base_hazard * np.exp(log_hr))
    return np.clip(np.exp(log_c) * survival, 0.0, 1.0)
