"""Time-dependent concession curves: pure numpy functions of relative time.

Core objects:
    polynomial: Faratin et al.'s polynomial family ``F(t) = k + (1 - k) * t ** (1 / e)``.
    exponential: their exponential family ``F(t) = exp((1 - t) ** beta * ln k)``.
    concession: either family, chosen by name.
    aspiration: the utility a negotiator demands at time ``t``,
        ``u_min + (1 - F(t)) * (u_max - u_min)``.
    PRESETS: the named curves (boulware, linear, conceder) in one table.
    Family, Preset: the family names; one preset's ``family`` and ``exponent``.

Source: P. Faratin, C. Sierra and N. R. Jennings (1998), "Negotiation decision functions
for autonomous agents", *Robotics and Autonomous Systems* 24(3-4), 159-182, section 4.2.1
(time-dependent tactics). ``F(t)`` is the fraction of the way from the best to the worst
acceptable value conceded at relative time ``t`` (``t = elapsed / deadline`` in [0, 1]);
``k`` is the fraction conceded at ``t = 0``. An exponent ``e < 1`` (or ``beta < 1``) keeps
the offer near the best until close to the deadline (*Boulware*); ``e > 1`` concedes early
(*Conceder*); ``e = 1`` concedes linearly.

Every function accepts a scalar or an array of times and returns an array of the same
shape (a 0-d array for a scalar). No randomness, no state.
"""

from __future__ import annotations

from typing import Literal, TypedDict

import numpy as np

__all__ = [
    "FAMILIES",
    "PRESETS",
    "Family",
    "Preset",
    "aspiration",
    "concession",
    "exponential",
    "polynomial",
]

Family = Literal["poly", "exp"]
FAMILIES: tuple[str, ...] = ("poly", "exp")


class Preset(TypedDict):
    """A named curve: the keyword arguments ``family`` and ``exponent`` of `concession`."""

    family: Family
    exponent: float


#: Named curves of Faratin et al. (1998): family and exponent (keyword arguments of
#: `concession` and `aspiration`). ``e = 0.2`` and ``e = 5`` are the Boulware and
#: Conceder settings commonly used in the literature built on the paper.
PRESETS: dict[str, Preset] = {
    "boulware": {"family": "poly", "exponent": 0.2},
    "linear": {"family": "poly", "exponent": 1.0},
    "conceder": {"family": "poly", "exponent": 5.0},
}


def _time(t: float | np.ndarray) -> np.ndarray:
    """Relative time as a float array, checked to lie in [0, 1]."""
    t = np.asarray(t, dtype=np.float64)
    if t.size and not (t.min() >= 0.0 and t.max() <= 1.0):  # NaN fails both comparisons
        raise ValueError("relative time must lie in [0, 1]")
    return t


def _check_k(k: float) -> None:
    if not 0.0 <= k <= 1.0:
        raise ValueError(f"k must lie in [0, 1], got {k}")


def polynomial(t: float | np.ndarray, e: float, k: float = 0.0) -> np.ndarray:
    """Polynomial concession ``F(t) = k + (1 - k) * t ** (1 / e)`` (Faratin et al., 1998).

    Args:
        t: relative time(s) in [0, 1].
        e: concession exponent, > 0 (``e < 1`` Boulware, ``e > 1`` Conceder).
        k: fraction conceded at ``t = 0``, in [0, 1].

    Returns:
        ``F(t)`` in [k, 1], non-decreasing in ``t``, with ``F(0) = k`` and ``F(1) = 1``.

    Raises:
        ValueError: if ``e <= 0``, ``k`` is outside [0, 1] or a time is outside [0, 1].
    """
    if not e > 0.0:
        raise ValueError(f"e must be positive, got {e}")
    _check_k(k)
    t = _time(t)
    return k + (1.0 - k) * np.power(t, 1.0 / e)


def exponential(t: float | np.ndarray, beta: float, k: float) -> np.ndarray:
    """Exponential concession ``F(t) = exp((1 - t) ** beta * ln k)`` (Faratin et al., 1998).

    The curve equals ``k`` at ``t = 0`` and 1 at ``t = 1``. At ``k = 0`` the logarithm is
    infinite; the function then returns its limit as ``k -> 0``, a step: 0 before the
    deadline and 1 at ``t = 1``.

    Args:
        t: relative time(s) in [0, 1].
        beta: concession exponent, > 0 (``beta < 1`` Boulware, ``beta > 1`` Conceder).
        k: fraction conceded at ``t = 0``, in [0, 1].

    Returns:
        ``F(t)`` in [k, 1], non-decreasing in ``t``.

    Raises:
        ValueError: if ``beta <= 0``, ``k`` is outside [0, 1] or a time is outside [0, 1].
    """
    if not beta > 0.0:
        raise ValueError(f"beta must be positive, got {beta}")
    _check_k(k)
    t = _time(t)
    if k == 0.0:
        return np.where(t >= 1.0, 1.0, 0.0)
    return np.exp(np.power(1.0 - t, beta) * np.log(k))


def concession(
    t: float | np.ndarray, family: Family = "poly", exponent: float = 1.0, k: float = 0.0
) -> np.ndarray:
    """The concession fraction ``F(t)`` of the named family.

    Args:
        t: relative time(s) in [0, 1].
        family: ``"poly"`` (exponent ``e``) or ``"exp"`` (exponent ``beta``).
        exponent: ``e`` or ``beta``, > 0.
        k: fraction conceded at ``t = 0``, in [0, 1].

    Returns:
        ``F(t)``, same shape as ``t``.

    Raises:
        ValueError: for an unknown family or invalid parameters.
    """
    if family == "poly":
        return polynomial(t, exponent, k)
    if family == "exp":
        return exponential(t, exponent, k)
    raise ValueError(f"unknown concession family '{family}'; allowed: {', '.join(FAMILIES)}")


def aspiration(
    t: float | np.ndarray,
    u_min: float,
    u_max: float,
    family: Family = "poly",
    exponent: float = 1.0,
    k: float = 0.0,
) -> np.ndarray:
    """Utility demanded at time ``t``: ``u_min + (1 - F(t)) * (u_max - u_min)``.

    Args:
        t: relative time(s) in [0, 1].
        u_min: the lowest utility the negotiator will ever demand (reached at ``t = 1``).
        u_max: the utility demanded at ``t = 0`` when ``k = 0``.
        family: ``"poly"`` or ``"exp"``.
        exponent: ``e`` or ``beta``, > 0.
        k: fraction conceded at ``t = 0``.

    Returns:
        The aspiration level(s), non-increasing in ``t`` when ``u_min <= u_max``.

    Examples:
        >>> round(float(aspiration(0.5, 0.2, 1.0, "poly", 1.0)), 12)
        0.6
        >>> [round(float(a), 3) for a in aspiration(np.array([0.0, 0.5, 1.0]), 0.0, 1.0,
        ...                                          **PRESETS["boulware"])]
        [1.0, 0.969, 0.0]
    """
    f = concession(t, family, exponent, k)
    return u_min + (1.0 - f) * (u_max - u_min)
