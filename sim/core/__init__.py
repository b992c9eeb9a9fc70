"""Numeric core of negsim.

The compiled problem, the outcome space, utilities, constraints, the Pareto frontier,
bargaining solutions, diagnostics, the whole-space analysis and the subgame-perfect
equilibrium solvers.

The names below are imported on first use (PEP 562): a module that needs only the
outcome space (`sim.core.space`) does not import the analysis or the solvers (issue 15,
item 4: start-up).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .analysis import Analysis, analysis_to_json, analyze, package_dict
    from .constraints import agenda_ok, clause_blocks, feasible_mask, red_line_ok
    from .diagnostics import blocks_alone, minimal_relaxation
    from .pareto import is_pareto_optimal, pareto_mask, pareto_mask_subset
    from .problem import (
        ADDITIVE,
        AGGREGATIONS,
        MEAN_OF_ADOPTED,
        Clause,
        Interaction,
        Literal,
        Preferences,
        Problem,
    )
    from .solutions import egalitarian, kalai_smorodinsky, nash_point, utilitarian
    from .solver import TIES_FIRST, TIES_UNIFORM, SPEResult, solve_alternating
    from .solver_random import solve_random_proposer, solve_random_proposer_stationary
    from .space import decode, encode, enumerate_packages
    from .utility import actor_utility, scalar_utility, utility_matrix

__all__ = [
    "ADDITIVE",
    "AGGREGATIONS",
    "MEAN_OF_ADOPTED",
    "TIES_FIRST",
    "TIES_UNIFORM",
    "Analysis",
    "Clause",
    "Interaction",
    "Literal",
    "Preferences",
    "Problem",
    "SPEResult",
    "actor_utility",
    "agenda_ok",
    "analysis_to_json",
    "analyze",
    "blocks_alone",
    "clause_blocks",
    "decode",
    "egalitarian",
    "encode",
    "enumerate_packages",
    "feasible_mask",
    "is_pareto_optimal",
    "kalai_smorodinsky",
    "minimal_relaxation",
    "nash_point",
    "package_dict",
    "pareto_mask",
    "pareto_mask_subset",
    "red_line_ok",
    "scalar_utility",
    "solve_alternating",
    "solve_random_proposer",
    "solve_random_proposer_stationary",
    "utilitarian",
    "utility_matrix",
]

_HOME = {
    "ADDITIVE": "problem",
    "AGGREGATIONS": "problem",
    "MEAN_OF_ADOPTED": "problem",
    "TIES_FIRST": "solver",
    "TIES_UNIFORM": "solver",
    "Analysis": "analysis",
    "Clause": "problem",
    "Interaction": "problem",
    "Literal": "problem",
    "Preferences": "problem",
    "Problem": "problem",
    "SPEResult": "solver",
    "actor_utility": "utility",
    "agenda_ok": "constraints",
    "analysis_to_json": "analysis",
    "analyze": "analysis",
    "blocks_alone": "diagnostics",
    "clause_blocks": "constraints",
    "decode": "space",
    "egalitarian": "solutions",
    "encode": "space",
    "enumerate_packages": "space",
    "feasible_mask": "constraints",
    "is_pareto_optimal": "pareto",
    "kalai_smorodinsky": "solutions",
    "minimal_relaxation": "diagnostics",
    "nash_point": "solutions",
    "package_dict": "analysis",
    "pareto_mask": "pareto",
    "pareto_mask_subset": "pareto",
    "red_line_ok": "constraints",
    "scalar_utility": "utility",
    "solve_alternating": "solver",
    "solve_random_proposer": "solver_random",
    "solve_random_proposer_stationary": "solver_random",
    "utilitarian": "solutions",
    "utility_matrix": "utility",
}


def __getattr__(name: str) -> Any:
    """The public names, imported from their module when first asked for."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
