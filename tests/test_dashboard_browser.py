"""The dashboard in a real browser: Debian's Chromium driven by Playwright, headless.

``negsim dashboard`` is started on 127.0.0.1 (a free port) with a small sweep to browse;
every test opens a fresh page (a fresh Solara session) and checks what the page shows
against the command line: the feasible count after moving a reservation slider against
``negsim analyze`` on the same edit, a drafted package's scores against ``negsim score``,
a stepped negotiation's round table against ``negsim run --trace``, the results browser
against ``negsim reachable``. The browser is required: without /usr/bin/chromium these
tests fail (``.ci/run`` installs the ``chromium`` Debian package).

Screenshots: ``NEGSIM_SCREENSHOTS=docs/dashboard .venv/bin/python -m pytest
tests/test_dashboard_browser.py`` writes one PNG per panel there (regenerated deliberately,
never on an ordinary run).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ALASKA = ROOT / "scenarios" / "alaska_summit.yaml"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]
SHOTS = os.environ.get("NEGSIM_SCREENSHOTS")
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.timeout(300)


def negsim(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A small sweep (two formats x two patience values x 8 seeds) to browse."""
    where = tmp_path_factory.mktemp("sweep")
    experiment = {
        "name": "browser", "scenario": str(ALASKA), "seed": 11, "replicates": 8,
        "design": {"kind": "grid"},
        "parameters": [
            {"path": "scenario", "label": "format",
             "values": [str(ALASKA), str(ROOT / "scenarios" / "zelenskyy_at_table.yaml")]},
            {"path": "actors.russia.patience", "values": [0.95, 0.98]},
        ],
    }
    (where / "exp.yaml").write_text(yaml.safe_dump(experiment))
    negsim("sweep", where / "exp.yaml", "--workers", "1", "--out", where / "results")
    return where / "results"


@pytest.fixture(scope="module")
def analysis() -> dict:
    """``negsim analyze --json`` of the Alaska scenario, as the command prints it."""
    return json.loads(negsim("analyze", ALASKA, "--json"))


@pytest.fixture(scope="module")
def server(sweep):
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "dashboard", str(ALASKA), "--host", "127.0.0.1",
         "--port", str(port), "--results", str(sweep)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as page:
                if page.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"negsim dashboard did not start:\n{out}")
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.is_file(), (
        "the browser tests need Debian's Chromium at /usr/bin/chromium "
        "(apt-get install -y chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1360, "height": 940})
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        context.close()


@pytest.fixture
def page(browser, server):
    page = browser.new_page()
    page.goto(server)
    page.locator(".negsim-scores").wait_for()  # the package builder is the first tab
    yield page
    page.close()


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        time.sleep(1.0)  # let the charts draw
        path = Path(SHOTS) / f"{name}.png"
        page.screenshot(path=str(path))
        from PIL import Image  # matplotlib's dependency: keep the committed PNGs small

        with Image.open(path) as im:
            small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
        small.save(path, optimize=True)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


# --------------------------------------------------------------------------- tests
def test_the_page_shows_labels_the_glossary_and_four_panels(page):
    text = page.inner_text("body")
    assert "Alaska summit (August 2025)" in text and "52,488 packages" in text
    for word in ("Pareto-optimal", "Nash", "Kalai-Smorodinsky", "reservation value",
                 "stillborn", "subgame-perfect"):
        assert word in text
    for tab in ("Package builder", "What-if", "Negotiation player", "Results"):
        assert page.get_by_role("tab", name=tab).is_visible()
    assert "Russia (Putin)" in text and "Crimea" in text
    assert "united_states" not in text and "ukrainian_claim" not in text  # labels, not ids


def test_a_reservation_slider_moves_the_feasible_count_as_negsim_analyze_does(
        page, tmp_path, analysis):
    open_tab(page, "What-if")
    count = page.locator(".negsim-feasible")
    count.wait_for()
    start = analysis["n_feasible"]
    assert int(count.get_attribute("data-value")) == start
    thumb = page.locator(".negsim-res-russia [role=slider]")
    assert thumb.get_attribute("aria-valuenow") == "0.55"
    thumb.focus()
    for _ in range(5):  # 0.55 -> 0.60 in steps of 0.01
        page.keyboard.press("ArrowRight")
    page.locator(".negsim-edits", has_text="actors.russia.reservation").wait_for()
    page.wait_for_function("() => document.querySelector('.negsim-res-russia [role=slider]')"
                           ".getAttribute('aria-valuenow') === '0.6'")
    data = yaml.safe_load(ALASKA.read_text())
    data["actors"]["russia"]["reservation"]["value"] = 0.6
    data["source_text"] = str(ALASKA.parent / data["source_text"])
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, sort_keys=False))
    expected = json.loads(negsim("analyze", edited, "--json"))["n_feasible"]
    assert expected != start
    page.locator(f".negsim-feasible[data-value='{expected}']").wait_for()
    shot(page, "whatif")


PICKS = {"crimea": "ukrainian_claim", "security_guarantees": "peacekeepers_and_weapons"}


def test_a_drafted_package_scores_as_negsim_score_does(page, analysis):
    nash = analysis["solutions"]["nash"]["package"]
    drafted = {**nash, **PICKS}
    for issue, option in PICKS.items():
        page.locator(f".negsim-opt-{issue}-{option}").click()
    page.locator(".negsim-feasible-badge", has_text="not feasible").wait_for()
    text = ",".join(f"{i}={o}" for i, o in drafted.items())
    doc = json.loads(negsim("score", ALASKA, "--package", text, "--json"))
    rows = page.locator(".negsim-scores tbody tr")
    assert rows.count() == len(doc["utilities"])
    for k in range(rows.count()):
        row = rows.nth(k)
        actor = row.get_attribute("data-actor")
        assert float(row.get_attribute("data-utility")) == doc["utilities"][actor]
        assert float(row.get_attribute("data-reservation")) == doc["reservations"][actor]
        assert float(row.get_attribute("data-margin")) == pytest.approx(
            doc["margins"][actor], abs=1e-9)
    broken = page.locator(".negsim-broken tbody tr")
    names = {broken.nth(k).get_attribute("data-name") for k in range(broken.count())}
    assert names == {r["name"] for r in doc["red_lines_broken"]}
    pareto = page.locator(".negsim-pareto-badge").inner_text()
    assert pareto == ("Pareto-optimal" if doc["pareto_optimal"] else "Pareto-dominated")
    assert doc["nearest_feasible"] is not None
    shot(page, "builder")
    page.locator(".negsim-draft-nearest").click()
    page.locator(".negsim-feasible-badge", has_text="feasible").filter(
        has_not_text="not").wait_for()


def test_stepping_a_negotiation_fills_the_round_table_as_negsim_run_does(page, tmp_path):
    open_tab(page, "Negotiation player")
    page.locator(".negsim-new-run").click()
    steps = 4
    for k in range(steps):
        page.locator(".negsim-step").click()
        page.locator(".negsim-rounds tbody tr").nth(k).wait_for()
    page.locator(".negsim-status", has_text=f"Round {steps} of").wait_for()
    negsim("run", ALASKA, "--seed", "1", "--trace", tmp_path / "t.parquet")
    trace = pd.read_parquet(tmp_path / "t.parquet").head(steps)
    rows = page.locator(".negsim-rounds tbody tr")
    assert rows.count() == steps
    actors = [c[len("utility_"):] for c in trace.columns if c.startswith("utility_")]
    for k, rec in enumerate(trace.to_dict("records")):
        row = rows.nth(k)
        assert int(row.get_attribute("data-round")) == rec["round"]
        assert row.get_attribute("data-proposer") == rec["proposer"]
        assert int(row.get_attribute("data-proposal")) == rec["proposal"]
        for a in actors:
            assert float(row.get_attribute(f"data-utility-{a}")) == pytest.approx(
                rec[f"utility_{a}"], abs=1e-6)
    shot(page, "player")


def test_the_results_browser_shows_the_sweep_with_intervals(page, sweep):
    open_tab(page, "Results")
    page.locator(".negsim-open").click()
    rate = page.locator(".negsim-agreement")
    rate.wait_for()
    doc = json.loads(negsim("reachable", sweep, "--json"))
    assert float(rate.get_attribute("data-value")) == doc["agreement_rate"]
    assert "Wilson 95% intervals" in page.locator(".negsim-rates").inner_text()
    rows = page.locator(".negsim-reached tbody tr")
    assert rows.count() == len(doc["reached"])
    counts = [int(rows.nth(k).get_attribute("data-count")) for k in range(rows.count())]
    assert counts == [e["count"] for e in doc["reached"]]
    if doc["reached"]:
        assert "Crimea:" in rows.nth(0).inner_text()  # named by their terms
    shot(page, "results")
