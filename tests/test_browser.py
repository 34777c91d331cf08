"""End to end in headless Chromium: the page served by ``corridor serve`` and the export.

Each test starts its own server (``corridor serve`` on a free port) and uses
the system Chromium (``/usr/bin/chromium``; Playwright never downloads a
browser here). Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server() -> Iterator[str]:
    port = _free_port()
    corridor = Path(sys.executable).with_name("corridor")
    cmd = [str(corridor)] if corridor.exists() else [
        sys.executable, "-c", "from corridor_twin.cli import run; run()"
    ]
    proc = subprocess.Popen(
        [*cmd, "serve", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/api/v1/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"corridor serve did not start: {err}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        msg = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    pg = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    pg.close()
    assert not errors, errors


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_page_loads_with_basemap_nodes_and_links(server: str, page: Any) -> None:
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("path.leaflet-interactive").count() > 90  # links and nodes
    assert page.locator(".leaflet-overlay-pane path").count() > 150  # + country outlines
    assert page.locator("#cargo option").count() >= 4
    shot(page, "01-map")


def test_plan_a_route_and_see_it_drawn(server: str, page: Any) -> None:
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#origin", "Xian")
    page.fill("#destination", "Duisburg")
    page.select_option("#objective", "cost")
    page.fill("#k", "3")
    page.click("#plan")
    page.wait_for_selector("#legs-table:not([hidden])")
    assert page.locator("path.route-line").count() == 3
    assert page.locator("#routes-table tbody tr").count() == 3
    assert "TOTAL" in page.inner_text("#legs-table")
    page.click("#routes-table tbody tr:nth-child(2)")
    assert "route 2" in page.inner_text("#legs-title")
    shot(page, "02-route-planned")


def test_bad_input_shows_an_error(server: str, page: Any) -> None:
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#origin", "Atlantis")
    page.click("#plan")
    page.wait_for_selector("#route-error:not([hidden])")
    text = page.inner_text("#route-error")
    assert "origin" in text
    assert "unknown node 'Atlantis'" in text
    assert page.locator("path.route-line").count() == 0
    shot(page, "03-bad-input")


def test_utilisation_reliability_and_comparison(server: str, page: Any) -> None:
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']")
    page.select_option("#colour-by", "utilisation")
    page.wait_for_function("document.getElementById('status').textContent.startsWith('utilisation')")
    page.click("#simulate")
    page.wait_for_selector("#histogram:not([hidden])")
    assert page.locator("#histogram rect").count() >= 10
    assert "P90" in page.inner_text("#reliability-stats")
    page.check("#compare-choices input[value='more-caspian-ferries']")
    page.click("#compare")
    page.wait_for_selector("#compare-table:not([hidden])")
    assert "more-caspian-ferries" in page.inner_text("#compare-table")
    shot(page, "04-utilisation-reliability-comparison")


def test_exported_html_works_offline(tmp_path: Path, page: Any) -> None:
    from corridor_twin.cli import main

    out = tmp_path / "map.html"
    assert main(["export", "html", "-o", str(out), "--route", "Almaty:Istanbul",
                 "--scenario", "more-caspian-ferries"]) == 0
    requested: list[str] = []

    def only_the_file(route: Any) -> None:
        requested.append(route.request.url)
        if route.request.url.startswith("file:") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", only_the_file)
    page.goto(out.as_uri())
    page.wait_for_selector("body[data-ready='1']")
    assert [u for u in requested if not u.startswith(("file:", "data:"))] == []
    assert page.locator("path.route-line").count() == 3
    assert "TOTAL" in page.inner_text("#legs-table")
    assert page.locator(".leaflet-overlay-pane path").count() > 150
    shot(page, "05-export-offline")
