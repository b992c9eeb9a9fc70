"""Import shim: exposes scenarios/validation/generate.py to the tests as a module."""

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[1] / "scenarios" / "validation" / "generate.py"
_spec = importlib.util.spec_from_file_location("_validation_generate", _PATH)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)

CASES = _mod.CASES
scenario = _mod.scenario
