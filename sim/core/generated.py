"""Issues whose options are generated, not listed: shares and splits of a pie.

Pure numpy.

Core objects:
    DivisibleOptions: a share of something in ``steps`` equal steps, ``steps + 1``
        options ``0_of_N, 1_of_N, ..., N_of_N`` (share ``j / N``).
    SplitOptions: every division of ``steps`` indivisible units among named recipients,
        ``C(steps + m - 1, m - 1)`` options named ``a_40__b_60`` (recipient, units), in
        the order of `sim.core.pie.compositions` (the first recipient's units
        descending, then the second's, ...).
    Linear: a value table as a recipe, ``at_0 + (at_1 - at_0) * share`` where the share
        is the option's share (divisible) or one recipient's share (split).
    ValueTables: an actor's per-issue value tables, listed ones as arrays and generated
        ones as `Linear` recipes, each materialised on first use (a split of 100 units
        among five has 4.6 million options; a solver that reads the recipe never builds
        the array).

Both option classes are read-only sequences of option ids: ``len``, indexing, ``index``
and ``in`` work without listing the options (ids are ranked and unranked arithmetically).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from math import comb
from typing import Any, overload

import numpy as np

from .arrays import FloatArray, IntArray

__all__ = [
    "DivisibleOptions",
    "Linear",
    "SplitOptions",
    "ValueTables",
    "split_units",
    "value_at",
]


class _Generated(Sequence[str]):
    """Common behaviour of the generated option sequences."""

    kind = ""

    def __init__(self, steps: int) -> None:
        if int(steps) != steps or steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        self.steps = int(steps)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...
    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self._id(j) for j in range(*i.indices(len(self)))]
        j = int(i)
        if j < 0:
            j += len(self)
        if not 0 <= j < len(self):
            raise IndexError(f"option {i} out of range")
        return self._id(j)

    def __iter__(self) -> Iterator[str]:
        return (self._id(j) for j in range(len(self)))

    def __contains__(self, option: object) -> bool:
        return isinstance(option, str) and self._rank(option) is not None

    def index(self, option: Any, start: int = 0, stop: int | None = None) -> int:
        """The position of an option id (``ValueError`` when it is not one)."""
        j = self._rank(option) if isinstance(option, str) else None
        if j is None or j < start or (stop is not None and j >= stop):
            raise ValueError(f"{option!r} is not an option of this {self.kind} issue")
        return j

    def _id(self, j: int) -> str:
        raise NotImplementedError

    def _rank(self, option: str) -> int | None:
        raise NotImplementedError


class DivisibleOptions(_Generated):
    """A share in ``steps`` equal steps: options ``j_of_N`` for ``j = 0 .. N``."""

    kind = "divisible"

    def __len__(self) -> int:
        return self.steps + 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DivisibleOptions) and other.steps == self.steps

    def __hash__(self) -> int:
        return hash((self.kind, self.steps))

    def __repr__(self) -> str:
        return f"DivisibleOptions({self.steps})"

    def shares(self) -> FloatArray:
        """The share of every option, shape (steps + 1,)."""
        return np.arange(self.steps + 1, dtype=np.float64) / self.steps

    def label(self, j: int) -> str:
        """``j/N``."""
        return f"{j}/{self.steps}"

    def _id(self, j: int) -> str:
        return f"{j}_of_{self.steps}"

    def _rank(self, option: str) -> int | None:
        head, sep, tail = option.partition("_of_")
        if not sep or tail != str(self.steps) or not head.isdigit():
            return None
        j = int(head)
        return j if str(j) == head and j <= self.steps else None


class SplitOptions(_Generated):
    """Every division of ``steps`` units among ``recipients``."""

    kind = "split"

    def __init__(self, recipients: Sequence[str], steps: int) -> None:
        super().__init__(steps)
        if not recipients or len(set(recipients)) != len(recipients):
            raise ValueError("a split needs distinct recipients")
        self.recipients = tuple(recipients)

    def __len__(self) -> int:
        m = len(self.recipients)
        return comb(self.steps + m - 1, m - 1)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, SplitOptions) and other.steps == self.steps
                and other.recipients == self.recipients)

    def __hash__(self) -> int:
        return hash((self.kind, self.steps, self.recipients))

    def __repr__(self) -> str:
        return f"SplitOptions({list(self.recipients)}, {self.steps})"

    def units(self, j: int) -> tuple[int, ...]:
        """The units each recipient gets in option ``j`` (unranking)."""
        m, left, out = len(self.recipients), self.steps, []
        for part in range(m - 1):
            x = left
            while True:  # options with this part at x, then x - 1, ...
                block = comb(left - x + m - part - 2, m - part - 2)
                if j < block:
                    break
                j -= block
                x -= 1
            out.append(x)
            left -= x
        out.append(left)
        return tuple(out)

    def rank(self, units: Sequence[int]) -> int:
        """The option index of a division (inverse of `units`)."""
        m = len(self.recipients)
        if len(units) != m or sum(units) != self.steps or min(units) < 0:
            raise ValueError(f"units must be {m} non-negative integers summing to {self.steps}")
        j, left = 0, self.steps
        for part in range(m - 1):
            for x in range(left, int(units[part]), -1):
                j += comb(left - x + m - part - 2, m - part - 2)
            left -= int(units[part])
        return j

    def label(self, j: int) -> str:
        """``a 40, b 60``."""
        return ", ".join(f"{a} {u}" for a, u in zip(self.recipients, self.units(j),
                                                     strict=True))

    def _id(self, j: int) -> str:
        return "__".join(f"{a}_{u}" for a, u in zip(self.recipients, self.units(j),
                                                    strict=True))

    def _rank(self, option: str) -> int | None:
        units, rest = [], option
        for i, a in enumerate(self.recipients):
            head = f"{a}_"
            if not rest.startswith(head):
                return None
            digits, sep, rest = rest[len(head):].partition("__")
            if not digits.isdigit() or str(int(digits)) != digits:
                return None
            if (i < len(self.recipients) - 1) != bool(sep):
                return None
            units.append(int(digits))
        if rest or sum(units) != self.steps:
            return None
        return self.rank(units)


def split_units(parts: int, steps: int) -> IntArray:
    """The units of every recipient in every option of a split, shape (options, parts).

    Same rows as `sim.core.pie.compositions`, built level by level with ``np.repeat``:
    each level expands every partial division by the values its remainder allows and
    repeats its column by the number of completions (no copies of earlier columns).
    """
    if parts < 1 or steps < 0:
        raise ValueError("need at least one part and non-negative units")
    total = comb(steps + parts - 1, parts - 1)
    dtype = np.uint16 if steps < 2**16 else np.int64
    out = np.empty((total, parts), dtype=dtype, order="F")
    remaining = np.array([steps], dtype=np.int64)
    for part in range(parts - 1):
        counts = remaining + 1
        parent = np.repeat(np.arange(remaining.size), counts)
        offset = np.arange(parent.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts,
                                                                   counts)
        value = remaining[parent] - offset
        remaining = remaining[parent] - value
        left = parts - part - 1  # parts still to fill after this one
        completions = np.array([comb(r + left - 1, left - 1) for r in range(steps + 1)],
                               dtype=np.int64)[remaining]
        out[:, part] = np.repeat(value.astype(dtype), completions)
    last = np.full(total, steps, dtype=np.int64)
    for part in range(parts - 1):
        last -= out[:, part]
    out[:, parts - 1] = last.astype(dtype)
    return out


@dataclass(frozen=True)
class Linear:
    """A generated value table: ``at_0 + (at_1 - at_0) * share``.

    Attributes:
        options: the issue's generated options.
        at_0: the value of share 0.
        at_1: the value of share 1.
        part: split issues: the recipient whose share counts (None: not a recipient, so
            every option is worth ``at_0``); divisible issues: None.
    """

    options: DivisibleOptions | SplitOptions
    at_0: float
    at_1: float
    part: int | None = None

    def value(self, j: int) -> float:
        """The value of option ``j`` alone (no array built)."""
        if isinstance(self.options, DivisibleOptions):
            share = j / self.options.steps
        elif self.part is None:
            return float(self.at_0)
        else:
            share = self.options.units(j)[self.part] / self.options.steps
        return float(self.at_0) + (float(self.at_1) - float(self.at_0)) * share

    def materialise(self) -> FloatArray:
        """The value of every option, shape (len(options),)."""
        if isinstance(self.options, DivisibleOptions):
            share = self.options.shares()
        elif self.part is None:
            return np.full(len(self.options), float(self.at_0))
        else:
            units = split_units(len(self.options.recipients), self.options.steps)
            share = units[:, self.part].astype(np.float64) / self.options.steps
        return float(self.at_0) + (float(self.at_1) - float(self.at_0)) * share


class ValueTables(Sequence[FloatArray]):
    """An actor's per-issue value tables; `Linear` recipes are materialised on first use."""

    def __init__(self, tables: Sequence[FloatArray | Linear]) -> None:
        self._tables = list(tables)

    def __len__(self) -> int:
        return len(self._tables)

    @overload
    def __getitem__(self, i: int) -> FloatArray: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[FloatArray]: ...
    def __getitem__(self, i: int | slice) -> FloatArray | Sequence[FloatArray]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        table = self._tables[i]
        if isinstance(table, Linear):
            table = table.materialise()
            table.setflags(write=False)
            self._tables[i] = table
        return table

    def __iter__(self) -> Iterator[FloatArray]:
        return (self[j] for j in range(len(self)))

    def recipe(self, i: int) -> Linear | None:
        """The recipe of issue ``i`` when it is still unmaterialised, else None."""
        table = self._tables[i]
        return table if isinstance(table, Linear) else None


def value_at(values: Sequence[FloatArray], issue: int, option: int) -> float:
    """``values[issue][option]``, read off a recipe when the table is not built yet."""
    recipe = values.recipe(issue) if isinstance(values, ValueTables) else None
    if recipe is not None:
        return recipe.value(option)
    return float(values[issue][option])
