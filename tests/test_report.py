"""``negsim report`` end to end on a synthetic sweep: files, images, numbers, CLI."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from test_report_data import ISSUES, PATIENCE, write_results

from sim.cli import main
from sim.experiment.intervals import wilson
from sim.report.document import pct, pct_ci
from sim.report.render import build_report, summarize
from sim.report.sections import REASONS

PNG = b"\x89PNG\r\n\x1a\n"
FIGURES = ("rates_heatmap.png", "packages.png", "utility_space.png", "dance.png",
           "trajectories.png")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = write_results(tmp_path_factory.mktemp("sweep") / "res")
    return build_report(out)


def _raw(report: Path) -> pd.DataFrame:
    return pd.read_parquet(report.parent / "runs")


def test_every_file_exists_and_images_are_valid_pngs(report):
    d = report.parent
    assert report.name == "report.md" and (d / "report.html").is_file()
    for name in FIGURES:
        data = (d / "figures" / name).read_bytes()
        assert data[:8] == PNG, name
        with Image.open(d / "figures" / name) as im:
            im.verify()
        import matplotlib.image as mpimg

        assert mpimg.imread(d / "figures" / name).ndim == 3
    md = report.read_text()
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert sorted(Path(x).name for x in linked) == sorted(FIGURES)


def test_html_is_self_contained(report):
    page = (report.parent / "report.html").read_text()
    sources = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(sources) == len(FIGURES)
    embedded = sorted(base64.b64decode(s.split(",", 1)[1]) for s in sources)
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    on_disk = sorted((report.parent / "figures" / n).read_bytes() for n in FIGURES)
    assert embedded == on_disk
    assert "figures/" not in page


def test_numbers_equal_the_parquet_data(report):
    md = report.read_text()
    raw = _raw(report)
    n, deals, still = len(raw), int(raw["agreement"].sum()), int(raw["stillborn"].sum())
    assert f"| agreement | {deals} | {pct_ci(deals / n, n)} |" in md
    assert f"| stillborn deal | {still} | {pct_ci(still / n, n)} |" in md
    lo, hi = wilson(still, n)
    assert pct_ci(still / n, n) == f"{pct(still / n)} ({100 * lo:.1f}-{100 * hi:.1f}%)"
    # heat-map table: agreement rate, its Wilson interval and runs per cell
    section = md.split("Agreement rate, Wilson 95% interval")[1].split("\n\n", 2)[1]
    for p in PATIENCE:
        sub = raw[raw["param.actors.russia.patience"] == p]
        cells = [f"{pct_ci(g['agreement'].mean(), len(g))} n={len(g)}"
                 for _, g in sub.groupby("param.protocol.sequencing")]
        assert f"| {p:g} | {' | '.join(cells)} |" in section
    # the most frequent package, its count and its share of agreements
    counts = raw[raw["agreement"]].groupby([f"pkg.{i}" for i in ISSUES]).size()
    top = int(counts.max())
    assert re.search(rf"\| #1 \| [^|]+ \| {top} \| {re.escape(pct_ci(top / deals, deals))} \|",
                     md)
    voted = raw["ratified"].dropna()
    assert (f"deals put to the ratifiers: {len(voted)}; ratified: {int(voted.sum())} "
            f"({pct(voted.mean())})") in md
    # mean round of agreement
    assert f"mean round of agreement: {raw[raw['agreement']]['round'].mean():.2f}" in md


def test_summary_matches_the_data(report):
    raw = _raw(report)
    s = summarize(report.parent)
    assert s["runs"] == len(raw) and s["points"] == raw["point_id"].nunique()
    assert s["agreement_rate"] == pytest.approx(raw["agreement"].mean())
    assert s["stillborn_rate"] == pytest.approx(raw["stillborn"].mean())
    counts = raw[raw["agreement"]].groupby([f"pkg.{i}" for i in ISSUES]).size()
    assert [p["runs"] for p in s["top_packages"]] == sorted(counts, reverse=True)[:3]
    rule = s["top_rule"]
    assert "sequencing = package" in rule["text"] and rule["density"] > 0.75
    assert {r["param"] for r in s["sensitivity"]["ranking"]} == {
        "actors.russia.patience", "protocol.sequencing"}


def test_replay_reports_the_representative_run(report):
    md = report.read_text()
    assert re.search(r"Re-simulated from seed \d+: ", md)
    assert "Kalai-Smorodinsky" in md or "kalai-smorodinsky" in md


def test_one_swept_parameter_gives_a_line_chart(tmp_path):
    out = write_results(tmp_path / "res", sequencing=("package",))
    md = build_report(out, replay=False).read_text()
    assert (out / "figures" / "rates.png").read_bytes()[:8] == PNG
    raw = pd.read_parquet(out / "runs")
    for p in PATIENCE:
        g = raw[raw["param.actors.russia.patience"] == p]
        assert f"| {p:g} | {len(g)} | {pct_ci(g['agreement'].mean(), len(g))} |" in md


def test_cli_writes_report_and_prints_path(tmp_path, capsys):
    out = write_results(tmp_path / "res")
    code = main(["report", str(out), "--target", "package:ukraine_nato=deferred",
                 "--x", "protocol.sequencing", "--y", "actors.russia.patience", "--no-replay"])
    assert code == 0
    printed = capsys.readouterr()
    assert printed.out.splitlines() == [str(out / "report.md"), str(out / "report.html")]
    assert "report: [1/6] rates, packages" in printed.err  # progress goes to stderr
    md = (out / "report.md").read_text()
    raw = pd.read_parquet(out / "runs")
    hit = raw["agreement"] & (raw["pkg.ukraine_nato"] == "deferred")
    assert (f"| Ukraine and NATO: Deferred | {int(hit.sum())} | "
            f"{pct_ci(hit.mean(), len(hit))} |") in md
    assert np.isclose(summarize(out, "package:ukraine_nato=deferred")["target_rate"],
                      hit.mean())
    assert not (out / "figures" / "dance.png").exists()
    assert "Axes: sequencing × Russia (Putin): patience (chosen on the command line)" in md


@pytest.mark.parametrize("args, message", [
    (["--x", "nope"], "unknown swept parameter 'nope'"),
    (["--target", "peace"], "--target: expected agreement, stillborn"),
    (["--target", "package:crimea=given_back"], "unknown option 'given_back'"),
])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, args, message):
    out = write_results(tmp_path / "res")
    assert main(["report", str(out), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_cli_missing_directory(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "not a results directory" in capsys.readouterr().err


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real_report(tmp_path_factory) -> Path:
    """A real (tiny) sweep of the Alaska scenario, then its report."""
    d = tmp_path_factory.mktemp("real")
    exp = d / "tiny.yaml"
    exp.write_text(
        "name: tiny\nquestion: Does Russia's patience matter?\n"
        f"scenario: {ROOT / 'scenarios' / 'alaska_summit.yaml'}\n"
        "parameters:\n  - path: actors.russia.patience\n    values: [0.95, 0.98]\n"
        "design: {kind: grid}\nreplicates: 3\nseed: 11\n"
    )
    assert main(["sweep", str(exp), "--out", str(d / "res"), "--workers", "1", "-q"]) == 0
    return build_report(d / "res")


def test_real_sweep_report(real_report):
    md = real_report.read_text()
    raw = _raw(real_report)
    n, deals = len(raw), int(raw["agreement"].sum())
    assert n == 6
    assert f"| agreement | {deals} | {pct_ci(deals / n, n)} |" in md
    for p in (0.95, 0.98):
        g = raw[raw["param.actors.russia.patience"] == p]
        assert f"| {p:g} | {len(g)} | {pct_ci(g['agreement'].mean(), len(g))} |" in md
    reasons = raw["reason"].value_counts()
    for reason, count in reasons.items():
        assert f"| {REASONS[reason]} | {count} | {pct(count / n)} |" in md  # in words
    # the representative run, re-simulated from its recorded seed, ends as recorded
    assert re.search(r"Re-simulated from seed \d+: [^.]+\. Recorded in the results: "
                     r"[^.]+ \(reproduced\)\.", md)
    for name in ("rates.png", "utility_space.png", "dance.png", "trajectories.png"):
        assert (real_report.parent / "figures" / name).read_bytes()[:8] == PNG


def test_report_outside_the_working_directory_names_the_sweep_not_its_path(real_report):
    """A results directory outside the working directory (here under tmp) is not printed:
    the report names the sweep command that regenerates it, so a committed copy cites no
    machine's path."""
    md = real_report.read_text()
    assert str(real_report.parent) not in md
    assert "rows of `runs/` in the results directory of `negsim sweep " in md
    assert "tiny.yaml --out DIR` (regenerate: that command, then `negsim report DIR`)" in md
