"""Scenario discovery: which parameter ranges make an outcome likely.

A shallow decision tree (scikit-learn) is fitted to the runs (one row per run, the swept
parameters as features, the binary target as label). Every leaf is a box in parameter
space; a leaf is reported as a readable rule with the two PRIM measures:

    density  = share of the runs inside the box where the target occurs;
    coverage = share of all runs with the target that fall inside the box.

Categorical parameters are one-hot encoded; the conditions on their indicator columns are
folded back into "x = a" / "x in {a, b}" / "x ≠ a". Numeric thresholds are shown at the
shortest decimal that separates the same runs (or at the observed grid values when a
parameter takes few values).

Core objects:
    Condition, Rule, Discovery; `discover` fits and extracts the rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

FEW_LEVELS = 12
MAX_DEPTH = 3
Split = tuple[int, float, bool]  # a tree split on a path: (feature, threshold, went left)


@dataclass(frozen=True)
class Condition:
    """One parameter's range inside a box.

    Attributes:
        param: the parameter column.
        low: numeric lower bound (inclusive), or None.
        high: numeric upper bound (exclusive when ``high_strict``), or None.
        high_strict: whether ``high`` is excluded (``x < high``) or included (``x <= high``).
        allowed: for categorical parameters, the categories inside the box.
        excluded: for categorical parameters, the categories outside the box.
    """

    param: str
    low: float | None = None
    high: float | None = None
    high_strict: bool = True
    allowed: tuple[str, ...] | None = None
    excluded: tuple[str, ...] = ()

    def text(self, name: Callable[[str], str], value: Callable[[str, str], str] | None = None
             ) -> str:
        """The condition in words.

        Args:
            name: turns the parameter column into a label.
            value: turns ``(column, category)`` into the text shown (default: as is).
        """
        label = name(self.param)
        if self.allowed is not None:
            show = [value(self.param, v) if value else v for v in self.allowed]
            if len(self.allowed) == 1:
                return f"{label} = {show[0]}"
            if len(self.excluded) == 1:
                gone = value(self.param, self.excluded[0]) if value else self.excluded[0]
                return f"{label} ≠ {gone}"
            return f"{label} in {{{', '.join(show)}}}"
        op = "<" if self.high_strict else "≤"
        if self.low is not None and self.high is not None:
            return f"{_num(self.low)} ≤ {label} {op} {_num(self.high)}"
        if self.low is not None:
            return f"{label} ≥ {_num(self.low)}"
        if self.high is not None:
            return f"{label} {op} {_num(self.high)}"
        return f"{label}: any value"


@dataclass(frozen=True)
class Rule:
    """A box in parameter space and how well it captures the target.

    Attributes:
        conditions: the ranges, one per parameter the box restricts.
        runs: runs inside the box.
        hits: runs inside the box where the target occurs.
        density: ``hits / runs``.
        coverage: ``hits`` over all runs with the target.
        support: ``runs`` over all runs.
    """

    conditions: tuple[Condition, ...]
    runs: int
    hits: int
    density: float
    coverage: float
    support: float

    def where(self, name: Callable[[str], str],
              value: Callable[[str, str], str] | None = None) -> str:
        """The box's conditions joined with "and" ("all runs" for the empty box)."""
        return " and ".join(c.text(name, value) for c in self.conditions) or "all runs"

    def text(self, name: Callable[[str], str], outcome: str = "target",
             value: Callable[[str, str], str] | None = None) -> str:
        """E.g. "x < 0.3 and cat = a: agreement 81%, covering 64% of cases"."""
        where = self.where(name, value)
        return (
            f"{where}: {outcome} {self.density:.0%}, covering {self.coverage:.0%} of cases "
            f"({self.hits} of {self.runs} runs in the box)"
        )

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of ``frame`` (with the parameter columns) lie inside the box."""
        inside = np.ones(len(frame), dtype=bool)
        for c in self.conditions:
            col = frame[c.param]
            if c.allowed is not None:
                inside &= col.astype("string").isin(c.allowed).to_numpy(dtype=bool)
                continue
            x = col.astype(float).to_numpy()
            if c.low is not None:
                inside &= x >= c.low
            if c.high is not None:
                inside &= (x < c.high) if c.high_strict else (x <= c.high)
        return inside


@dataclass(frozen=True)
class Discovery:
    """The rules found for one target.

    Attributes:
        rules: boxes whose density exceeds the base rate, densest first.
        base_rate: share of runs with the target.
        runs: number of runs fitted.
        hits: runs with the target.
        accuracy: the tree's accuracy on the runs (as a classifier).
        min_leaf: the minimum number of runs per leaf used.
        message: why no rule was searched for, when none was.
    """

    rules: tuple[Rule, ...]
    base_rate: float
    runs: int
    hits: int
    accuracy: float
    min_leaf: int
    message: str = ""

    @property
    def top(self) -> Rule | None:
        """The rule with the highest harmonic mean of density and coverage, or None.

        Ties go to the denser rule, then to the earlier one.
        """
        if not self.rules:
            return None
        return max(self.rules, key=lambda r: (_f1(r), r.density))


def _f1(rule: Rule) -> float:
    total = rule.density + rule.coverage
    return 2 * rule.density * rule.coverage / total if total else 0.0


def discover(
    params: pd.DataFrame, target: pd.Series | np.ndarray, max_depth: int = MAX_DEPTH,
    min_leaf: int | None = None,
) -> Discovery:
    """Fit a shallow tree of ``target`` on ``params`` and return its leaves as rules.

    Args:
        params: one row per run, one column per swept parameter (numeric or string).
        target: boolean outcome per run.
        max_depth: tree depth (number of conditions per rule at most).
        min_leaf: minimum runs per leaf; default ``max(5, 5% of the runs)``.
    """
    y = np.asarray(target, dtype=bool)
    n, hits = len(y), int(y.sum())
    base = hits / n if n else 0.0
    leaf = min_leaf or max(5, math.ceil(0.05 * n))
    varied = [c for c in params.columns if params[c].nunique(dropna=True) > 1]
    message = ""
    if n == 0:
        message = "there are no runs"
    elif hits in (0, n):
        message = f"the outcome {'never' if hits == 0 else 'always'} occurs"
    elif not varied:
        message = "no parameter varies across the runs"
    elif n < 2 * leaf:
        message = f"too few runs ({n}) for leaves of {leaf} runs"
    if message:
        return Discovery((), base, n, hits, float("nan"), leaf, message)
    features, decoders = _encode(params[varied])
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=leaf, random_state=0)
    tree.fit(features, y)
    accuracy = float((tree.predict(features) == y).mean())
    path_matrix = tree.decision_path(features)
    n_node = np.asarray(path_matrix.sum(axis=0)).ravel()
    hits_node = np.asarray(path_matrix.T @ y.astype(np.int64)).ravel()
    rules = []
    for node, path in _boxes(tree, hits_node / np.maximum(n_node, 1) > base):
        k, h = int(n_node[node]), int(hits_node[node])
        if k == 0 or h / k <= base:
            continue
        conditions = _fold(path, decoders, params[varied])
        rules.append(Rule(conditions, k, h, h / k, h / hits, k / n))
    rules.sort(key=lambda r: (-r.density, -r.coverage, len(r.conditions)))
    return Discovery(tuple(rules), base, n, hits, accuracy, leaf)


@dataclass(frozen=True)
class _Feature:
    param: str
    category: str | None  # None: the numeric parameter itself


def _encode(params: pd.DataFrame) -> tuple[np.ndarray, list[_Feature]]:
    columns, decoders = [], []
    for p in params.columns:
        col = params[p]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            columns.append(col.astype(float).to_numpy())
            decoders.append(_Feature(p, None))
            continue
        values = col.astype("string").fillna("<missing>")
        for cat in sorted(values.unique()):
            columns.append((values == cat).to_numpy(dtype=float))
            decoders.append(_Feature(p, str(cat)))
    return np.column_stack(columns), decoders


def _boxes(tree: DecisionTreeClassifier, above: np.ndarray) -> list[tuple[int, list[Split]]]:
    """The tree's leaves as boxes ``(node, [(feature, threshold, went_left), ...])``.

    Sibling boxes on the same side of the base rate (``above``, per node) are merged into
    their parent, bottom-up: a split that changes no conclusion adds no condition.
    """
    t = tree.tree_

    def walk(node: int, path: list[Split]) -> list[tuple[int, list[Split]]]:
        left, right = int(t.children_left[node]), int(t.children_right[node])
        if left == -1:
            return [(node, path)]
        f, thr = int(t.feature[node]), float(t.threshold[node])
        lo = walk(left, [*path, (f, thr, True)])
        hi = walk(right, [*path, (f, thr, False)])
        if len(lo) == len(hi) == 1 and lo[0][0] == left and hi[0][0] == right \
                and above[left] == above[right]:
            return [(node, path)]
        return lo + hi

    return walk(0, [])


def _fold(path: list[Split], decoders: list[_Feature], params: pd.DataFrame
          ) -> tuple[Condition, ...]:
    """Merge the splits along a path into one condition per parameter."""
    bounds: dict[str, list[float | None]] = {}
    cats: dict[str, set[str]] = {}
    order: list[str] = []
    for f, thr, left in path:
        feat = decoders[f]
        if feat.param not in order:
            order.append(feat.param)
        if feat.category is not None:
            allowed = cats.setdefault(
                feat.param, set(params[feat.param].astype("string").fillna("<missing>"))
            )
            # left: indicator <= 0.5, i.e. not this category
            cats[feat.param] = allowed - {feat.category} if left else allowed & {feat.category}
            continue
        lo, hi = bounds.setdefault(feat.param, [None, None])
        if left:
            bounds[feat.param][1] = thr if hi is None else min(hi, thr)
        else:
            bounds[feat.param][0] = thr if lo is None else max(lo, thr)
    out = []
    for p in order:
        if p in cats:
            every = set(params[p].astype("string").fillna("<missing>"))
            inside = tuple(sorted(cats[p]))
            out.append(Condition(p, allowed=inside, excluded=tuple(sorted(every - cats[p]))))
        else:
            lo, hi = bounds[p]
            out.append(_numeric_condition(p, lo, hi, params[p].astype(float).to_numpy()))
    return tuple(out)


def _numeric_condition(param: str, lo: float | None, hi: float | None, x: np.ndarray) -> Condition:
    """Turn tree thresholds (``lo < x <= hi``) into readable bounds on the same runs."""
    values = np.unique(x[~np.isnan(x)])
    few = len(values) <= FEW_LEVELS
    low = high = None
    strict = True
    if lo is not None:
        above = values[values > lo]
        below = values[values <= lo]
        low = float(above[0]) if few else _shortest(float(below[-1]), float(above[0]))
    if hi is not None:
        below = values[values <= hi]
        above = values[values > hi]
        if few:
            high, strict = float(below[-1]), False
        else:
            high = _shortest(float(below[-1]), float(above[0]))
    return Condition(param, low=low, high=high, high_strict=strict)


def _shortest(a: float, b: float) -> float:
    """The decimal with fewest digits in ``(a, b]``: ``x < c`` splits the runs as the tree did."""
    for digits in range(0, 12):
        c = math.ceil(a * 10**digits + 1e-12) / 10**digits
        if c <= a:
            c += 10**-digits
        if a < c <= b:
            return round(c, digits)
    return b


def _num(v: float) -> str:
    return f"{v:g}" if abs(v) >= 1e-4 or v == 0 else f"{v:.2e}"
