"""Column prefixes of a sweep's runs table and readable names from the base scenario.

Core objects:
    PARAM, PKG, UTIL: the prefixes of the ``param.<path>``, ``pkg.<issue>`` and
        ``u.<actor>`` columns.
    Labels: readable names for issues, options, actors, state variables and parameters;
        every lookup falls back to the id.
    read_labels: the labels of a base scenario file (ids only when it cannot be read).
    scenario_names: the scenario names a results directory recorded in its Parquet
        metadata (`sim.experiment.labels`), by the ``param.scenario`` value naming each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PARAM = "param."


PKG = "pkg."


UTIL = "u."


@dataclass(frozen=True)
class Labels:
    """Readable names from the base scenario; every lookup falls back to the id."""

    issues: dict[str, str] = field(default_factory=dict)
    options: dict[str, dict[str, str]] = field(default_factory=dict)
    actors: dict[str, str] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    scenarios: dict[str, str] = field(default_factory=dict)

    def issue(self, issue: str) -> str:
        """The label of ``issue``."""
        return self.issues.get(issue, issue)

    def option(self, issue: str, option: str) -> str:
        """The label of ``option`` of ``issue``."""
        return self.options.get(issue, {}).get(option, option)

    def actor(self, actor: str) -> str:
        """The label of ``actor``."""
        return self.actors.get(actor, actor)

    def value(self, column: str, value: object) -> str:
        """A parameter value as shown: scenarios by name (else file stem), floats compactly."""
        if column == PARAM + "scenario" and isinstance(value, str):
            return self.scenarios.get(value) or Path(value).stem
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def param(self, column: str) -> str:
        """A readable name for a ``param.<path>`` column: known ids become their labels.

        ``param.actors.russia.patience.value`` reads "Russia (Putin): patience";
        unknown paths are shown as they are. A label given in the experiment file wins.
        """
        if column in self.params:
            return self.params[column]
        path = column[len(PARAM):] if column.startswith(PARAM) else column
        parts = [p for p in re.split(r"[.\[\]]", path) if p]
        owner: str | None = None
        issue: str | None = None
        words: list[str] = []
        for part in parts:
            if part in _STRUCTURE:
                continue
            if owner is None and part in self.actors:
                owner = self.actors[part]
            elif part in self.issues:
                issue = part
                words.append(self.issues[part])
            elif issue is not None and part in self.options.get(issue, {}):
                words.append(f"'{self.options[issue][part]}'")
            elif part in self.state:
                words.append(self.state[part])
            else:
                words.append(part.replace("_", " "))
        text = " ".join(words) if words else path
        return f"{owner}: {text}" if owner else text


_STRUCTURE = {"actors", "issues", "state", "dynamics", "params", "value"}


def read_labels(scenario_path: Path | None) -> Labels:
    """The labels of a base scenario file; ids only when there is none or it cannot be read."""
    if scenario_path is None:
        return Labels()
    from sim.scenario import ScenarioError, load_raw

    try:
        raw = load_raw(scenario_path)
    except ScenarioError:
        return Labels()
    issues = raw.get("issues") or {}
    actors = raw.get("actors") or {}
    state = ((raw.get("dynamics") or {}).get("state")) or {}

    def label(node: object, key: str) -> str:
        return str(node.get("label") or key) if isinstance(node, dict) else key

    return Labels(
        issues={k: label(v, k) for k, v in issues.items()},
        options={
            k: {str(o): str(t) for o, t in (v.get("options") or {}).items()}
            for k, v in issues.items()
            if isinstance(v, dict) and isinstance(v.get("options"), dict)
        },
        actors={k: label(v, k) for k, v in actors.items()},
        state={k: label(v, k) for k, v in state.items()},
    )


def scenario_names(directory: Path) -> dict[str, str]:
    """Scenario names by ``param.scenario`` value, from ``points.parquet``'s metadata."""
    from sim.experiment.labels import read_labels_doc

    doc = read_labels_doc(directory / "points.parquet") or {}
    names = doc.get("scenarios")
    return {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}
