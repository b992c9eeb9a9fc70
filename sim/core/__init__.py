"""Numeric core of negsim.

The compiled problem, the outcome space, utilities, constraints, the Pareto frontier,
bargaining solutions, diagnostics, the whole-space analysis and the subgame-perfect
equilibrium solvers.
"""

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
