"""``negsim validate`` on experiment files: tell them from scenario files, check them.

Core objects:
    is_experiment_file: whether a YAML file is an experiment file (by content: its top
        level names a base ``scenario`` file and holds no ``actors``); unreadable files
        are left to the scenario loader, which reports them.
    read_kind: the same, with the parsed content, so that ``negsim validate`` reads each
        file once.
    check_experiment: everything `negsim sweep` checks before it runs: the schema, the
        parameter paths and types, the design and the scenario at every design point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.scenario.loader import ScenarioError, read_yaml_file

# The experiment layer (the plan, the design, numpy) is imported by `check_experiment`
# only: validating a scenario file does not need it.


def read_kind(path: str | Path) -> tuple[bool, Any, bool]:
    """``(is an experiment, parsed content, read)`` of a YAML file.

    ``read`` is False when the file could not be read or parsed (the content is then
    None): the scenario loader reads it again and reports why.
    """
    try:
        data = read_yaml_file(Path(path))
    except ScenarioError:
        return False, None, False
    experiment = isinstance(data, dict) and isinstance(data.get("scenario"), str) and (
        "actors" not in data
    )
    return experiment, data, True


def is_experiment_file(path: str | Path) -> bool:
    """Whether ``path`` holds an experiment (``scenario: <file>``, no ``actors``)."""
    return read_kind(path)[0]


def check_experiment(path: str | Path) -> None:
    """Load the plan of an experiment file and validate every design point.

    Raises:
        ExperimentError: one line per problem (file, field path, what is allowed).
        ScenarioError: an invalid base or variant scenario file.
    """
    from sim.experiment.plan import load_plan, validate_points

    validate_points(load_plan(path))
