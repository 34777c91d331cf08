"""End to end in headless Chromium: the page served by ``corridor serve`` and the export.

Each test starts its own server (``corridor serve`` on a free port, on a
fresh SQLite store in a temporary data directory, so the first start
bootstraps it and prints the admin's token) and uses the system Chromium
(``/usr/bin/chromium``; Playwright never downloads a browser here).
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
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


def _corridor() -> list[str]:
    corridor = Path(sys.executable).with_name("corridor")
    return [str(corridor)] if corridor.exists() else [
        sys.executable, "-c", "from corridor_twin.cli import run; run()"
    ]


@dataclass
class Server:
    url: str
    token: str
    data_dir: Path

    def page_url(self, token: str | None = None) -> str:
        """The page, signed in with ``token`` (default: the admin's), as serve prints it."""
        return f"{self.url}/#token={token or self.token}"

    def issue_token(self, user: str) -> str:
        out = subprocess.run(
            [*_corridor(), "admin", "--data-dir", str(self.data_dir), "issue-token", user],
            check=True, capture_output=True, text=True, timeout=60,
        )
        return out.stdout.strip()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    port = _free_port()
    data_dir = tmp_path / "data"
    proc = subprocess.Popen(
        [*_corridor(), "serve", "--port", str(port), "--log-level", "warning",
         "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    assert proc.stderr is not None
    drain = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)  # type: ignore[arg-type]
    drain.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/api/v1/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"corridor serve did not start: {''.join(lines)}")
                time.sleep(0.2)
        found = [m.group(1) for line in lines if (m := re.search(r"#token=(ct_\S+)", line))]
        assert found, "".join(lines)
        yield Server(url, found[0], data_dir)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        drain.join(timeout=10)
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
    """Screenshot once the map has settled: Leaflet redraws its vector layers only when a
    zoom animation ends, so a shot taken mid-animation shows a half-drawn basemap."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_function(
        "!document.querySelector('.leaflet-map-pane.leaflet-zoom-anim')", timeout=5_000
    )
    page.wait_for_timeout(300)  # the redraw after zoomend (a frame or two)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_page_loads_with_basemap_nodes_and_links(server: Server, page: Any) -> None:
    page.goto(server.page_url())
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("path.leaflet-interactive").count() > 90  # links and nodes
    assert page.locator(".leaflet-overlay-pane path").count() > 150  # + country outlines
    assert page.locator("#cargo option").count() >= 4
    shot(page, "01-map")


def test_plan_a_route_and_see_it_drawn(server: Server, page: Any) -> None:
    page.goto(server.page_url())
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


def test_bad_input_shows_an_error(server: Server, page: Any) -> None:
    page.goto(server.page_url())
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#origin", "Atlantis")
    page.click("#plan")
    page.wait_for_selector("#route-error:not([hidden])")
    text = page.inner_text("#route-error")
    assert "origin" in text
    assert "unknown node 'Atlantis'" in text
    assert page.locator("path.route-line").count() == 0
    shot(page, "03-bad-input")


def test_utilisation_reliability_and_comparison(server: Server, page: Any) -> None:
    page.goto(server.page_url())
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


def test_without_a_token_the_page_asks_for_one(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("#signin:not([hidden])")
    assert "sign in" in page.inner_text("#status")
    page.fill("#token", server.token)
    page.click("#signin button")
    page.wait_for_selector("body[data-ready='1']")
    assert "admin" in page.inner_text("#who")


FERRY = "KZ_AKT-AZ_ALAT-FERRY"


def _open_link(page: Any, link_id: str) -> None:
    page.select_option("#edit-table", "links")
    page.fill("#edit-id", link_id)
    page.click("#edit-load")
    page.wait_for_selector("#edit-form:not([hidden])")


def test_editor_edits_a_link_its_organisation_owns(server: Server, page: Any) -> None:
    page.goto(server.page_url(server.issue_token("baku-port")))
    page.wait_for_selector("body[data-ready='1']")
    assert "Port of Baku" in page.inner_text("#who")
    # select the ferry link on the map itself
    page.evaluate(  # a block body: returning the layer group would serialise the whole map
        "id => { state.layers.links.eachLayer(l => { if (l.feature.properties.id === id) "
        "l.fire('click'); }); }",
        FERRY,
    )
    page.wait_for_selector("#edit-form:not([hidden])")
    assert FERRY in page.inner_text("#edit-title")
    assert "You may edit it" in page.inner_text("#edit-rights")
    page.fill("#edit-capacity_t_per_year", "4500000")
    page.fill("#edit-message", "new ferry in service")
    page.click("#edit-save")
    page.wait_for_selector("#edit-ok:not([hidden])")
    assert "version 2" in page.inner_text("#edit-ok")
    assert "capacity_t_per_year" in page.inner_text("#edit-ok")
    assert page.input_value("#edit-capacity_t_per_year") == "4500000"
    shot(page, "06-editor-saved")
    with urllib.request.urlopen(urllib.request.Request(
        f"{server.url}/api/v1/networks/titr/audit?record_id={FERRY}",
        headers={"Authorization": f"Bearer {server.token}"},
    )) as r:
        import json

        (entry,) = json.load(r)
    assert (entry["user"], entry["organisation"], entry["new_value"]) == (
        "baku-port", "Port of Baku", 4500000)


def test_editor_of_another_organisation_sees_403(server: Server, page: Any) -> None:
    page.goto(server.page_url(server.issue_token("gr")))
    page.wait_for_selector("body[data-ready='1']")
    _open_link(page, FERRY)
    assert "may not edit it" in page.inner_text("#edit-rights")
    page.fill("#edit-capacity_t_per_year", "9000000")
    page.click("#edit-save")
    page.wait_for_selector("#edit-error:not([hidden])")
    text = page.inner_text("#edit-error")
    assert "403" in text
    assert "Georgian Railway" in text or "gr" in text
    shot(page, "07-editor-403-other-organisation")


def test_invalid_value_shows_the_validation_message(server: Server, page: Any) -> None:
    page.goto(server.page_url(server.issue_token("baku-port")))
    page.wait_for_selector("body[data-ready='1']")
    _open_link(page, FERRY)
    page.fill("#edit-capacity_t_per_year", "-5")
    page.click("#edit-save")
    page.wait_for_selector("#edit-error:not([hidden])")
    assert "422" in page.inner_text("#edit-error")
    assert "capacity_t_per_year" in page.inner_text("#edit-error")
    assert page.locator("#edit-capacity_t_per_year.invalid").count() == 1
    messages = " ".join(page.locator("#edit-fields .field-error").all_inner_texts())
    assert "below the minimum" in messages
    shot(page, "08-editor-422-validation")


def test_simulation_job_shows_progress_and_result(server: Server, page: Any) -> None:
    page.goto(server.page_url(server.issue_token("baku-port")))
    page.wait_for_selector("body[data-ready='1']")
    page.select_option("#scenario", "caspian-storm-week")
    page.fill("#sim-days", "20")
    page.fill("#sim-reps", "2")
    page.click("#sim-start")
    page.wait_for_selector("#sim-table:not([hidden])", timeout=120_000)
    status = page.inner_text("#sim-status")
    assert "2 replications of 20 days" in status
    assert "shipments delivered" in status
    assert page.locator("#sim-table tbody tr").count() >= 3
    assert "CN_XIAN" in page.inner_text("#sim-table")
    page.locator("#jobs").scroll_into_view_if_needed()
    shot(page, "09-simulation-job")
    # a longer one, cancelled while it runs: the page shows the run failed as cancelled
    page.fill("#sim-days", "365")
    page.fill("#sim-reps", "20")
    page.click("#sim-start")
    page.wait_for_function("document.getElementById('sim-status').textContent.includes('running')")
    page.click("#sim-cancel")
    page.wait_for_selector("#sim-error:not([hidden])", timeout=60_000)
    assert "cancelled by baku-port" in page.inner_text("#sim-error")
