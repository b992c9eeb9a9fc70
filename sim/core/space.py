"""The outcome space: packages as mixed-radix numbers.

A *package* picks one option index per issue.  The outcome space is the product of
the issues' options, numbered in mixed radix with issue 0 as the most significant
digit, so package index order is the lexicographic order of option tuples.

Decoded package arrays have shape ``(k, n_issues)`` and the smallest unsigned integer
dtype that holds every option index (``uint8`` unless some issue has more than 256
options).  They are laid out column-major (Fortran order) so that each issue's column
is contiguous: nearly every computation in `sim.core` works one issue at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .arrays import IntArray, PackageArray

_MAX_OUTCOMES = np.iinfo(np.int64).max


def _radix(radix: ArrayLike) -> IntArray:
    r = np.asarray(radix, dtype=np.int64).ravel()
    if np.any(r < 1):
        raise ValueError(f"every issue needs at least one option, got radix {r.tolist()}")
    return r


def package_dtype(radix: ArrayLike) -> np.dtype[np.unsignedinteger[Any]]:
    """The smallest unsigned integer dtype that holds every option index.

    Args:
        radix: options per issue.

    Returns:
        ``uint8``, ``uint16`` or ``uint32``.
    """
    r = _radix(radix)
    top = int(r.max()) - 1 if r.size else 0
    for dt in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dt).max:
            return np.dtype(dt)
    raise ValueError(f"an issue with {top + 1} options is too large")


def strides(radix: ArrayLike) -> IntArray:
    """Place values of the issues: ``strides[i] = prod(radix[i+1:])``.

    Args:
        radix: options per issue.

    Returns:
        int64 array, shape (n_issues,).

    Raises:
        ValueError: if the outcome space does not fit in an int64.
    """
    r = _radix(radix)
    out = np.ones(r.size, dtype=np.int64)
    acc = 1
    for i in range(r.size - 1, -1, -1):
        out[i] = acc
        acc *= int(r[i])
        if acc > _MAX_OUTCOMES:
            raise ValueError("outcome space too large for int64 package indices")
    return out


def n_outcomes(radix: ArrayLike) -> int:
    """Size of the outcome space (1 for an empty agenda)."""
    r = _radix(radix)
    total = 1
    for v in r.tolist():
        total *= v
    return total


def decode(indices: ArrayLike, radix: ArrayLike) -> PackageArray:
    """Turn package indices into option tuples.

    Args:
        indices: package indices (any integer array-like; flattened).
        radix: options per issue.

    Returns:
        Array of shape (k, n_issues), column-major, dtype from `package_dtype`.

    Raises:
        ValueError: if an index lies outside the outcome space.
    """
    r = _radix(radix)
    idx = np.asarray(indices, dtype=np.int64).ravel()
    total = n_outcomes(r)
    if idx.size and (idx.min() < 0 or idx.max() >= total):
        raise ValueError(f"package index out of range [0, {total})")
    out = np.empty((idx.size, r.size), dtype=package_dtype(r), order="F")
    rem = idx.copy()
    for i in range(r.size - 1, -1, -1):
        rem, digit = np.divmod(rem, r[i])
        out[:, i] = digit
    return out


def encode(packages: ArrayLike, radix: ArrayLike) -> IntArray:
    """Turn option tuples into package indices (inverse of `decode`).

    Args:
        packages: shape (k, n_issues); a 1-D array is read as one package.
        radix: options per issue.

    Returns:
        int64 array, shape (k,).

    Raises:
        ValueError: on a shape mismatch or an option index outside its issue.
    """
    r = _radix(radix)
    p = np.asarray(packages)
    if p.ndim == 1:
        p = p.reshape(1, -1)
    if p.ndim != 2 or p.shape[1] != r.size:
        raise ValueError(f"packages must have shape (k, {r.size}), got {p.shape}")
    out = np.zeros(p.shape[0], dtype=np.int64)
    if p.shape[0] == 0:
        return out
    st = strides(r)
    for i in range(r.size):
        col = p[:, i]
        if col.min() < 0 or col.max() >= r[i]:
            raise ValueError(f"option index out of range for issue {i}")
        out += col.astype(np.int64) * st[i]
    return out


def _fill_column(col: PackageArray, r: int, s: int, start: int) -> None:
    """Write options ``((start + j) // s) % r`` into ``col`` (a contiguous column).

    The column is periodic with period ``r * s``: write one period, then double the
    filled prefix with plain copies.
    """
    n, period = col.size, r * s
    offset = start % period
    if period >= n:  # at most r + 1 runs of equal options
        q0, q1 = offset // s, (offset + n - 1) // s
        lengths = np.full(q1 - q0 + 1, s, dtype=np.int64)
        lengths[0] -= offset % s
        lengths[-1] -= s - 1 - (offset + n - 1) % s
        col[:] = np.repeat((np.arange(q0, q1 + 1) % r).astype(col.dtype), lengths)
        return
    pattern = np.repeat(np.arange(r, dtype=col.dtype), s)
    col[:period] = np.concatenate([pattern[offset:], pattern[:offset]])
    filled = period
    while filled < n:
        m = min(filled, n - filled)
        col[filled : filled + m] = col[:m]
        filled += m


def enumerate_packages(radix: ArrayLike, start: int = 0, stop: int | None = None) -> PackageArray:
    """Decoded packages for the indices in ``[start, stop)``.

    Builds each column from its periodic pattern by doubling copies (no per-package
    division), so enumerating the whole space costs a few memory copies per issue.

    Args:
        radix: options per issue.
        start: first package index.
        stop: one past the last package index; defaults to the size of the space.

    Returns:
        Array of shape (stop - start, n_issues), column-major, dtype from `package_dtype`.
    """
    r = _radix(radix)
    total = n_outcomes(r)
    stop = total if stop is None else int(stop)
    start = int(start)
    if not 0 <= start <= stop <= total:
        raise ValueError(f"need 0 <= start <= stop <= {total}, got [{start}, {stop})")
    n = stop - start
    dt = package_dtype(r)
    out = np.empty((n, r.size), dtype=dt, order="F")
    if n == 0:
        return out
    st = strides(r)
    for i in range(r.size):
        _fill_column(out[:, i], int(r[i]), int(st[i]), start)
    return out
