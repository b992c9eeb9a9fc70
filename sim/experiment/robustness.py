"""How robust an experiment's claim is across its sampled uncertainties.

An experiment with levers may state a ``claim`` (`sim.experiment.schema.ClaimSpec`):
"the <metric> rate under lever setting a is greater (less) than under b". This module
checks it at every sample of the uncertainties, from the Parquet data.

Core objects:
    ClaimData: per uncertainty sample, the rates under a and b and their paired
        difference; per replicate the outcomes (pairs under common random numbers).
    evaluate: the `ClaimData` of a results directory (None: the experiment states no
        claim, or has no runs yet).
    summary: the JSON-ready ``robustness`` block of ``negsim reachable --json``:

        claim, metric, a, b, relation, crn, n_samples, n_replicates,
        rate_a, rate_a_ci, rate_b, rate_b_ci       pooled rates, Wilson 95%
        difference, difference_ci                  mean over samples of rate(a) - rate(b)
                                                   (signed so that > 0 supports the claim),
                                                   bootstrap over samples (the interval for
                                                   the sampled uncertainty space)
        difference_ci_paired                       the same mean, conditional on the
                                                   samples: normal interval from the paired
                                                   (replicate r under a minus under b)
                                                   differences within each sample
        difference_ci_unpaired                     Newcombe's hybrid score interval on the
                                                   pooled rates, as if a and b were
                                                   independent (compare with ..._paired)
        holds_share, holds_share_ci                share of samples where the claim holds
                                                   (strictly), Wilson 95% over samples
        holds_significant_share, flips_significant_share   share of samples whose paired
                                                   95% interval lies above / below zero
        rational                                   {a: ..., b: ...}: the subgame-perfect
                                                   equilibrium (`sim.api.solve`) at each
                                                   setting, uncertainties at base values

The share of samples is an estimate over the sampled uncertainty space: its interval
treats the samples as independent draws, which Latin hypercube and Sobol samples are
not quite (they are more even, so the interval is if anything conservative).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc

from sim.experiment import dataset
from sim.experiment.design import to_text
from sim.experiment.intervals import Z95, wilson
from sim.experiment.layout import EXPERIMENT
from sim.scenario.loader import parse_yaml

DECIMALS = 6
BOOTSTRAP = 2000


@dataclass(frozen=True)
class ClaimData:
    """A claim checked at every uncertainty sample.

    Attributes:
        spec: the claim as written (``text``, ``metric``, ``a``, ``b``, ``relation``).
        crn: whether the runs used common random numbers (replicates are pairs).
        seed: the experiment seed (for the bootstrap).
        sample_ids: the uncertainty samples, ascending.
        uncertainties: ``param.<path>`` -> its value at each sample.
        xa, xb: shape (samples, replicates): the outcome (0/1, averaged over the policies
            a side matches; NaN where no run is recorded).
        policies_a, policies_b: the policy ids each side matches.
    """

    spec: dict[str, Any]
    crn: bool
    seed: int
    sample_ids: np.ndarray
    uncertainties: dict[str, list[Any]]
    xa: np.ndarray
    xb: np.ndarray
    policies_a: tuple[int, ...]
    policies_b: tuple[int, ...]

    @property
    def sign(self) -> float:
        """+1 when the claim is rate(a) > rate(b), -1 for <."""
        return -1.0 if self.spec.get("relation") == "<" else 1.0

    @property
    def difference(self) -> np.ndarray:
        """Per sample, sign x (rate(a) - rate(b)): > 0 where the claim holds."""
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return self.sign * (np.nanmean(self.xa, axis=1) - np.nanmean(self.xb, axis=1))

    @property
    def paired_se(self) -> np.ndarray:
        """Per sample, the standard error of the mean paired difference over replicates."""
        d = self.xa - self.xb
        n = np.sum(~np.isnan(d), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.nanstd(d, axis=1, ddof=1) if d.shape[1] > 1 else np.full(len(d), np.nan)
            return sd / np.sqrt(n)

    @property
    def holds(self) -> np.ndarray:
        """Per sample, whether the claim holds (strictly)."""
        return np.asarray(self.difference > 0)


def _yaml_doc(directory: Path, manifest: Any) -> dict:
    if EXPERIMENT not in manifest.files:
        return {}
    text = dataset.read_side(directory, EXPERIMENT, manifest).decode("utf-8")
    doc = parse_yaml(text, str(directory / EXPERIMENT))
    return doc if isinstance(doc, dict) else {}


def _matches(cell: Any, want: Any) -> bool:
    """Whether a stored lever cell (float or text) is the value ``want`` of the claim."""
    if isinstance(want, int | float) and not isinstance(want, bool):
        try:
            return bool(np.isclose(float(cell), float(want)))
        except (TypeError, ValueError):
            return False
    return cell == to_text(want)


def evaluate(directory: str | Path) -> ClaimData | None:
    """The claim of the experiment in ``directory`` at every uncertainty sample.

    Raises:
        ResultsError: an unreadable results directory.
    """
    path = Path(directory)
    manifest = dataset.read_manifest(path)
    doc = _yaml_doc(path, manifest)
    claim = doc.get("claim")
    levers = [p.get("path") for p in doc.get("levers") or [] if isinstance(p, dict)]
    if not isinstance(claim, dict) or not levers:
        return None
    unc = [f"param.{p.get('path')}" for p in doc.get("uncertainties") or []
           if isinstance(p, dict)]
    points = dataset.read_points(path, manifest).to_pandas()
    metric = str(claim.get("metric", "agreement"))
    runs = dataset.read_runs(path, ["point_id", "replicate", metric], None, manifest)
    if runs is None or runs.num_rows == 0:
        return None
    first = points.sort_values("point_id").drop_duplicates("policy_id")
    sides = []
    for side in ("a", "b"):
        want = claim.get(side) or {}
        ok = np.ones(len(first), dtype=bool)
        for lever, value in want.items():
            cells = first[f"param.{lever}"].tolist()
            ok &= np.array([_matches(c, value) for c in cells], dtype=bool)
        sides.append(tuple(int(p) for p in first["policy_id"][ok]))
    samples = np.sort(points["sample_id"].unique())
    n_rep = int(pc.max(runs.column("replicate")).as_py()) + 1
    pol_of = points.set_index("point_id")["policy_id"]
    smp_of = points.set_index("point_id")["sample_id"]
    pid = runs.column("point_id").to_numpy()
    rep = runs.column("replicate").to_numpy()
    val = pc.fill_null(runs.column(metric), False).to_numpy(zero_copy_only=False)
    n_pol = int(points["policy_id"].max()) + 1
    cube = np.full((n_pol, len(samples), n_rep), np.nan)
    s_index = np.searchsorted(samples, smp_of.loc[pid].to_numpy())
    cube[pol_of.loc[pid].to_numpy(), s_index, rep] = val.astype(np.float64)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        xa = np.nanmean(cube[list(sides[0])], axis=0) if sides[0] else cube[0] * np.nan
        xb = np.nanmean(cube[list(sides[1])], axis=0) if sides[1] else cube[0] * np.nan
    by_sample = points.sort_values("point_id").drop_duplicates("sample_id").set_index(
        "sample_id").loc[samples]
    return ClaimData(
        spec=dict(claim),
        crn=bool(doc.get("crn", True)),
        seed=int(doc.get("seed", 0)),
        sample_ids=samples,
        uncertainties={c: by_sample[c].tolist() for c in unc if c in by_sample},
        xa=xa,
        xb=xb,
        policies_a=sides[0],
        policies_b=sides[1],
    )


def _r(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), DECIMALS)


def _pair(lo: Any, hi: Any) -> list[float | None]:
    return [_r(float(lo)), _r(float(hi))]


def newcombe(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Newcombe's hybrid score 95% interval of p1 - p2 for independent proportions.

    R. G. Newcombe (1998), "Interval estimation for the difference between independent
    proportions", *Statistics in Medicine* 17, 873-890 (method 10).
    """
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    p1, p2 = k1 / n1, k2 / n2
    d = p1 - p2
    return (float(d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
            float(d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)))


def summary(data: ClaimData, rational: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``robustness`` block (see the module docstring for the keys)."""
    d = data.difference
    ok = ~np.isnan(d)
    n = int(ok.sum())
    holds = int(np.sum(d[ok] > 0))
    se = data.paired_se
    above = int(np.sum(d[ok] - Z95 * se[ok] > 0))
    below = int(np.sum(d[ok] + Z95 * se[ok] < 0))
    rng = np.random.default_rng(np.random.SeedSequence(data.seed, spawn_key=(2**31 + 1,)))
    dd = d[ok]
    if n:
        boot = dd[rng.integers(0, n, size=(BOOTSTRAP, n))].mean(axis=1)
        ci = np.quantile(boot, [0.025, 0.975])
    else:
        ci = np.array([np.nan, np.nan])
    out: dict[str, Any] = {
        "claim": data.spec.get("text", ""),
        "metric": data.spec.get("metric", "agreement"),
        "a": data.spec.get("a"),
        "b": data.spec.get("b"),
        "relation": data.spec.get("relation", ">"),
        "crn": data.crn,
        "n_samples": n,
        "n_replicates": int(data.xa.shape[1]),
    }
    ka, na = _counts(data.xa)
    kb, nb = _counts(data.xb)
    for side, k, m in (("a", ka, na), ("b", kb, nb)):
        out[f"rate_{side}"] = _r(k / m) if m else None
        out[f"rate_{side}_ci"] = _pair(*wilson(k, m)) if m else None
    out["difference"] = _r(float(dd.mean())) if n else None
    out["difference_ci"] = _pair(*ci) if n else None
    if n and np.isfinite(se[ok]).all():
        half = Z95 * float(np.sqrt(np.sum(se[ok] ** 2))) / n
        out["difference_ci_paired"] = _pair(dd.mean() - half, dd.mean() + half)
    else:
        out["difference_ci_paired"] = None
    if na and nb:
        lo, hi = newcombe(round(ka), na, round(kb), nb)
        lo, hi = sorted((data.sign * lo, data.sign * hi))
        out["difference_ci_unpaired"] = _pair(lo, hi)
    else:
        out["difference_ci_unpaired"] = None
    out["holds_share"] = _r(holds / n) if n else None
    out["holds_share_ci"] = _pair(*wilson(holds, n)) if n else None
    out["holds_significant_share"] = _r(above / n) if n else None
    out["flips_significant_share"] = _r(below / n) if n else None
    out["rational"] = rational
    return out


def _counts(x: np.ndarray) -> tuple[float, int]:
    """Successes and trials of a side.

    Successes may be fractional when a side matches several policies (their outcomes are
    averaged); trials count sample-replicates.
    """
    ok = ~np.isnan(x)
    return float(np.sum(x[ok])), int(ok.sum())


def rational_benchmark(directory: str | Path, data: ClaimData) -> dict[str, Any]:
    """The subgame-perfect equilibrium under each side of the claim, at base uncertainties.

    The lever values each side names are set on the base scenario as swept; every other
    lever and every uncertainty keeps the base file's value. Per side: ``package`` (or
    null: no deal), ``agreement_probability``, ``round``, ``notes`` (what the solver's
    mapping of the protocol ignores, e.g. sequencing); or ``error`` when the protocol has
    no equilibrium solver.
    """
    from sim.api import solve
    from sim.errors import UserError
    from sim.experiment.point import point_dict
    from sim.experiment.sources import read_stored
    from sim.scenario.loader import validate_data

    path = Path(directory)
    manifest = dataset.read_manifest(path)
    stored = read_stored(path, manifest)
    if stored is None:
        return {}
    out: dict[str, Any] = {}
    for side in ("a", "b"):
        params = dict(data.spec.get(side) or {})
        try:
            scenario = validate_data(point_dict(stored.scenarios, stored.base, params),
                                     f"claim.{side}")
            res = solve(scenario)
        except (UserError, ValueError, RuntimeError) as exc:
            out[side] = {"error": str(exc).splitlines()[0]}
            continue
        out[side] = {
            "package": res.package,
            "agreement_probability": _r(float(res.agreement_probability)),
            "round": res.round,
            "notes": list(res.notes),
        }
    return out
