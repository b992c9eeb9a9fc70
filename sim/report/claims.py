"""Report sections of issue 13: PRIM boxes, and how robust the experiment's claim is.

Sections (each adds its blocks to a `Doc`):
    prim_block: the PRIM box for an outcome (method, peeling trajectory, coverage and
        density, lift over the base rate, quasi-p-value of each restriction).
    robustness_section: the claim of an experiment with levers, checked at every
        uncertainty sample (`sim.experiment.robustness`): share of the sampled space where
        it holds, with its interval, the paired and unpaired intervals of the difference,
        the box of uncertainties where it flips (PRIM, else the decision tree) and the
        rational benchmark (the subgame-perfect equilibrium) beside the agents.
    robustness_summary: the same figures as a JSON-ready dict (or None).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.report import prim as prim_lib
from sim.report.discovery import discover
from sim.report.document import Doc, num, pct
from sim.report.prim import PrimResult

TRAJECTORY_ROWS = 8
CART = "decision tree (CART, scikit-learn)"


def prim_block(doc: Doc, found: PrimResult | None, outcome: str, name: Any, value: Any,
               unit: str = "runs") -> None:
    """The PRIM box for ``outcome`` (or why there is none)."""
    if found is None:
        why = ("EMA Workbench is not installed (pip install 'negsim[discovery]')"
               if not prim_lib.available() else "PRIM found no box")
        doc.para(f"PRIM for {outcome}: not run: {why}; the {CART} below stands in.")
        return
    doc.para(
        f"**Method: {found.method}.** Box for {outcome} (the peel with the best harmonic "
        f"mean of density and coverage, {found.chosen + 1} of {len(found.trajectory)} on the "
        f"peeling trajectory): {_where(found, name, value)}. Density {pct(found.density)}, "
        f"coverage {pct(found.coverage)}, {found.rows} {unit} in the box "
        f"({pct(found.mass)} of all); base rate {pct(found.base_rate)}, lift "
        f"{num(found.lift, 2)}."
    )
    if found.qp:
        doc.table(["restriction", "quasi-p-value"],
                  [[c.text(name, value), num(found.qp.get(c.param, np.nan), 4)]
                   for c in found.conditions])
        doc.para("A quasi-p-value above 0.05 means the data do not support that restriction.")
    traj = found.trajectory
    step = max(1, len(traj) // TRAJECTORY_ROWS)
    rows = sorted(set(range(0, len(traj), step)) | {found.chosen, len(traj) - 1})
    doc.para("Coverage/density trade-off along the peeling trajectory:")
    doc.table(["peel", "coverage", "density", "mass", "restricted parameters"],
              [[f"{k + 1}{' (chosen)' if k == found.chosen else ''}",
                pct(traj["coverage"].iloc[k]), pct(traj["density"].iloc[k]),
                pct(traj["mass"].iloc[k]), int(traj["res_dim"].iloc[k])] for k in rows])


def _where(found: PrimResult, name: Any, value: Any) -> str:
    return " and ".join(c.text(name, value) for c in found.conditions) or "all runs"


def _claim(results: Any) -> tuple[Any, dict[str, Any]] | None:
    from sim.experiment import robustness

    data = robustness.evaluate(results.path)
    if data is None:
        return None
    return data, robustness.summary(data, robustness.rational_benchmark(results.path, data))


def _flip_box(data: Any) -> tuple[str, PrimResult | None, Any]:
    """The box of uncertainties where the claim fails: PRIM, else the decision tree."""
    frame = pd.DataFrame(data.uncertainties)
    fails = ~data.holds
    if not frame.shape[1] or fails.all() or not fails.any():
        return "", None, None
    found = prim_lib.prim(frame, fails)
    if found is not None:
        return found.method, found, None
    tree = discover(frame, fails, min_leaf=max(3, len(frame) // 20))
    return CART, None, tree


def robustness_summary(results: Any) -> dict[str, Any] | None:
    """The robustness block of the report's summary (`summarize`), or None."""
    got = _claim(results)
    if got is None:
        return None
    data, out = got
    method, found, tree = _flip_box(data)
    labels = results.labels
    if found is not None:
        out["flip_box"] = {"method": method, "where": _where(found, labels.param, labels.value),
                           "density": found.density, "coverage": found.coverage,
                           "qp": {k: (float(v) if np.isfinite(v) else None)
                                  for k, v in found.qp.items()}}
    elif tree is not None and tree.top is not None:
        out["flip_box"] = {"method": method, "where": tree.top.where(labels.param,
                                                                      labels.value),
                           "density": tree.top.density, "coverage": tree.top.coverage}
    else:
        out["flip_box"] = None
    return out


def robustness_section(doc: Doc, results: Any) -> None:
    """How robust the experiment's claim is across the sampled uncertainties."""
    got = _claim(results)
    if got is None:
        return
    data, s = got
    labels = results.labels
    doc.heading("Robustness of the claim across the uncertainties")
    sides = {k: ", ".join(f"{labels.param('param.' + p)} = {v}" for p, v in s[k].items())
             for k in ("a", "b")}
    metric = s["metric"]
    doc.para(f"Claim: {s['claim'] or 'rate(a) ' + s['relation'] + ' rate(b)'}. Setting a: "
             f"{sides['a']}; setting b: {sides['b']}; outcome: {metric} rate "
             f"(a {s['relation']} b).")
    paired = ("paired by common random numbers (replicate r draws the same seed under both "
              "settings)" if s["crn"] else "not paired (common random numbers were off)")
    doc.items([
        f"{metric} rate under a: {_rate(s, 'a')}; under b: {_rate(s, 'b')} (pooled over "
        f"{s['n_samples']} uncertainty samples x {s['n_replicates']} replicates).",
        f"difference (claim's direction): {num(s['difference'])}; 95% interval over the "
        f"sampled uncertainty space (bootstrap over samples) {_interval(s['difference_ci'])}; "
        f"given these samples, {paired}: {_interval(s['difference_ci_paired'])}, against "
        f"{_interval(s['difference_ci_unpaired'])} as if the settings were independent "
        "(Newcombe).",
        f"the claim holds in {pct(s['holds_share'])} of the sampled uncertainty space "
        f"(95% Wilson interval {_interval(s['holds_share_ci'], True)}); its paired interval "
        f"lies above zero in {pct(s['holds_significant_share'])} of the samples and below "
        f"zero (the claim flips) in {pct(s['flips_significant_share'])}.",
    ])
    method, found, tree = _flip_box(data)
    if found is not None:
        prim_block(doc, found, "the claim failing (one row per uncertainty sample)",
                   labels.param, labels.value, unit="samples")
    elif tree is not None:
        top = tree.top
        doc.para(f"Where the claim fails ({method}): "
                 + (top.text(labels.param, "claim fails", labels.value) if top is not None
                    else tree.message or "no box raises the failure rate") + ".")
    else:
        doc.para("The claim holds at every sample, or fails at every one: no box to find.")
    rational = s.get("rational") or {}
    if rational:
        doc.para("Rational benchmark (`negsim solve`: the subgame-perfect equilibrium of "
                 "the protocol, uncertainties at the base scenario's values) beside the "
                 "heuristic agents:")
        doc.table(["setting", "agents' rate", "equilibrium", "deal probability",
                   "solver's simplifications"],
                  [[k, _rate(s, k), _package(rational.get(k) or {}),
                    _prob((rational.get(k) or {}).get("agreement_probability")),
                    "; ".join((rational.get(k) or {}).get("notes") or []) or "none"]
                   for k in ("a", "b")])


def _prob(p: float | None) -> str:
    return "n/a" if p is None else num(float(p), 2)


def _rate(s: dict[str, Any], side: str) -> str:
    return f"{pct(s[f'rate_{side}'])} {_interval(s[f'rate_{side}_ci'], True)}"


def _interval(ci: list[float | None] | None, as_pct: bool = False) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return "n/a"
    if as_pct:
        return f"[{pct(ci[0])}, {pct(ci[1])}]"
    return f"[{num(ci[0])}, {num(ci[1])}]"


def _package(entry: dict[str, Any]) -> str:
    if "error" in entry:
        return f"not solvable: {entry['error']}"
    pkg = entry.get("package")
    return "no deal" if not pkg else ", ".join(f"{i}={o}" for i, o in pkg.items())
