"""The scenarios a sweep ran: the files it read (with their hashes) and its stored copy.

A sweep records the sha256 of every scenario file it read (the base scenario, the variants
of a ``scenario`` parameter and every file of their ``extends`` chains) in the manifest,
and stores the complete scenario dicts it ran in ``scenarios.yaml`` beside the results.
Readers rebuild design points from that copy, so an edit of a scenario file after the
sweep cannot change a report; `changed_sources` says which files changed since.

Core objects:
    scenario_files: path -> sha256 of every scenario file a plan read.
    changed_sources: one line per recorded scenario file that changed or disappeared.
    StoredScenarios / read_stored: the copy of the scenarios as swept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from sim.experiment.dataset import ResultsError, file_sha256, read_side
from sim.experiment.layout import SCENARIOS
from sim.experiment.schema import Manifest

STORED_FORMAT = "negsim-scenarios/1"
MAX_EXTENDS = 256


def _chain(path: Path) -> list[Path]:
    """``path`` and the files of its ``extends`` chain (as far as they can be read)."""
    from sim.scenario.loader import ScenarioError, read_yaml_file

    out: list[Path] = []
    current: Path | None = path
    while current is not None and len(out) < MAX_EXTENDS:
        resolved = current.resolve()
        if resolved in out or not resolved.is_file():
            break
        out.append(resolved)
        try:
            data = read_yaml_file(resolved)
        except ScenarioError:
            break
        parent = data.get("extends") if isinstance(data, dict) else None
        current = resolved.parent / parent if isinstance(parent, str) else None
    return out


def scenario_files(experiment_file: Path, keys: list[str]) -> dict[str, str]:
    """Absolute path -> sha256 of every scenario file behind the scenario keys of a plan.

    Args:
        experiment_file: the experiment file (scenario keys are relative to it).
        keys: the scenario keys (the base scenario and the variants, as written).
    """
    out: dict[str, str] = {}
    for key in keys:
        for path in _chain(experiment_file.parent / key):
            try:
                out.setdefault(str(path), file_sha256(path))
            except OSError:
                continue
    return out


def changed_sources(directory: Path, manifest: Manifest) -> list[str]:
    """One line per scenario file the sweep read that has changed or gone since."""
    stored = SCENARIOS in manifest.files
    uses = (f"the results describe the scenario as swept (stored in {directory / SCENARIOS})"
            if stored else "this directory keeps no copy of the scenario as swept")
    out = []
    for name, digest in manifest.scenario_files.items():
        path = Path(name)
        try:
            same = file_sha256(path) == digest
        except OSError:
            out.append(f"{path}: the scenario file the sweep of {directory} read is gone; {uses}")
            continue
        if not same:
            out.append(f"{path}: changed since the sweep of {directory} read it; {uses}")
    return out


@dataclass(frozen=True)
class StoredScenarios:
    """The complete scenario dicts a sweep ran (``scenarios.yaml``).

    Attributes:
        base: the key of the base scenario.
        scenarios: scenario key (as written in the experiment) -> complete scenario dict.
    """

    base: str
    scenarios: dict[str, dict]


def stored_text(base: str, scenarios: dict[str, dict]) -> str:
    """The text of ``scenarios.yaml``."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    doc = {"format": STORED_FORMAT, "base": base, "scenarios": scenarios}
    head = "# The scenarios as swept (complete, with defaults), written by negsim sweep.\n"
    return head + yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True)


def read_stored(directory: Path, manifest: Manifest) -> StoredScenarios | None:
    """The verified copy of the scenarios as swept, or None when the sweep stored none.

    Raises:
        ResultsError: the copy is recorded but missing, altered or unreadable.
    """
    if SCENARIOS not in manifest.files:
        return None
    data = read_side(directory, SCENARIOS, manifest)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        doc = yaml.load(data, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise ResultsError(f"{directory / SCENARIOS}: cannot read ({exc})") from None
    ok = (isinstance(doc, dict) and doc.get("format") == STORED_FORMAT
          and isinstance(doc.get("scenarios"), dict) and doc.get("base") in doc["scenarios"])
    if not ok:
        raise ResultsError(f"{directory / SCENARIOS}: not a negsim copy of the scenarios")
    return StoredScenarios(str(doc["base"]), dict(doc["scenarios"]))
