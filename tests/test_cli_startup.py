"""Start-up of the command line: short commands do not import the heavy libraries (issue 15).

Each command runs in a fresh interpreter (a subprocess, so this process's imports do not
count); the child reports which of the heavy top-level packages ended up in
``sys.modules``. Not a timed test: the wall times are in ``benchmarks/bench_cli.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALASKA = "scenarios/alaska_summit.yaml"
HEAVY = ("pandas", "matplotlib", "sklearn", "SALib", "pyarrow", "mesa")
PACKAGE = (
    "ceasefire=in_package,crimea=ukrainian_claim,donbas=frozen,south=frozen,"
    "other_land=returned,ukraine_nato=neutrality,nato_expansion=no_commitment,"
    "security_guarantees=peacekeepers_and_weapons,eu_membership=free_to_seek,"
    "long_range_strikes=mutual_moratorium,us_pressure=relief"
)

_CHILD = """
import contextlib, io, json, sys
from sim.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[2:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(json.loads(sys.argv[1])))
mods = sorted(set(sys.modules))
print(json.dumps({"code": code, "heavy": heavy, "out": out.getvalue()[:200], "modules": mods}))
"""


def _imports(argv: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(HEAVY), *argv],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["validate", ALASKA],
        ["analyze", ALASKA, "--json"],
        ["score", ALASKA, "--json", "--package", PACKAGE],
    ],
    ids=["help", "validate", "analyze", "score"],
)
def test_short_commands_import_no_heavy_library(argv: list[str]) -> None:
    got = _imports(argv)
    assert got["code"] == 0, got
    assert got["heavy"] == [], f"negsim {' '.join(argv[:2])} imported {got['heavy']}"
    if argv[0] == "validate":
        assert got["out"].strip() == "ok"
        # checking a file needs the outcome space, not the analysis or the solvers
        slow = sorted(set(got["modules"]) & {"sim.core.analysis", "sim.core.solver",
                                             "sim.core.pareto", "sim.engine.prepared"})
        assert slow == [], f"negsim validate imported {slow}"


def test_the_check_sees_a_heavy_import() -> None:
    """The probe is live: ``run`` plays a model on Mesa, so mesa must show up."""
    got = _imports(["run", ALASKA, "--seed", "1", "--json"])
    assert got["code"] == 0, got
    assert "mesa" in got["heavy"]
