"""Confidence intervals for rates measured over runs.

Core object:
    wilson: the Wilson score interval of a binomial proportion (default 95%), vectorised
        over arrays of counts; the one interval the dashboard and the reachable summaries
        report for agreement, stillborn and package rates.

Source: E. B. Wilson (1927), "Probable inference, the law of succession, and statistical
inference", *Journal of the American Statistical Association* 22(158), 209-212. Unlike the
normal approximation it stays inside [0, 1] and is not degenerate at 0 or n successes.

Example:
    >>> lo, hi = wilson(8, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4902, 0.9433)
    >>> [float(x) for x in wilson(0, 0)]
    [nan, nan]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

__all__ = ["Z95", "wilson"]

#: The two-sided 95% normal quantile.
Z95 = float(norm.ppf(0.975))


def wilson(
    successes: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The Wilson score interval of ``successes`` out of ``n``.

    Args:
        successes: counts of successes (non-negative, at most ``n``), any shape.
        n: counts of trials, broadcastable with ``successes``.
        confidence: the two-sided confidence level, in (0, 1).

    Returns:
        ``(low, high)`` arrays shaped like the broadcast inputs (0-d for scalars); NaN
        where ``n`` is 0.

    Raises:
        ValueError: a confidence level outside (0, 1), negative counts or more
            successes than trials.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    k = np.asarray(successes, dtype=np.float64)
    m = np.asarray(n, dtype=np.float64)
    if np.any(k < 0) or np.any(m < 0) or np.any(k > m):
        raise ValueError("counts must satisfy 0 <= successes <= n")
    z = Z95 if confidence == 0.95 else float(norm.ppf(0.5 + confidence / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        z2n = z * z / m
        centre = (p + z2n / 2) / (1 + z2n)
        half = z * np.sqrt(p * (1 - p) / m + z2n / (4 * m)) / (1 + z2n)
    low = np.where(m > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(m > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high
