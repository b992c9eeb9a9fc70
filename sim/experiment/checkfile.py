"""``negsim validate`` on experiment files: tell them from scenario files, check them.

Core objects:
    is_experiment_file: whether a YAML file is an experiment file (by content: its top
        level names a base ``scenario`` file and holds no ``actors``); unreadable files
        are left to the scenario loader, which reports them.
    check_experiment: everything `negsim sweep` checks before it runs: the schema, the
        parameter paths and types, the design and the scenario at every design point.
"""

from __future__ import annotations

from pathlib import Path

from sim.experiment.plan import load_plan, validate_points
from sim.scenario.loader import ScenarioError, read_yaml_file


def is_experiment_file(path: str | Path) -> bool:
    """Whether ``path`` holds an experiment (``scenario: <file>``, no ``actors``)."""
    try:
        data = read_yaml_file(Path(path))
    except ScenarioError:
        return False
    return isinstance(data, dict) and isinstance(data.get("scenario"), str) and (
        "actors" not in data
    )


def check_experiment(path: str | Path) -> None:
    """Load the plan of an experiment file and validate every design point.

    Raises:
        ExperimentError: one line per problem (file, field path, what is allowed).
        ScenarioError: an invalid base or variant scenario file.
    """
    validate_points(load_plan(path))
