"""End to end in headless Chromium: the page served by ``corridor serve`` and the export.

One server for the module (``corridor serve`` on a free port, on a fresh SQLite
store in a temporary data directory, so the first start bootstraps it and
prints the admin's token) and one browser; each test opens its own page. Tests
that edit read the record's current version, so they do not depend on their
order. The system Chromium is used (``/usr/bin/chromium``; Playwright never
downloads a browser here). Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
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
from tests.store_support import free_port

from corridor_twin.data import load_corridor
from corridor_twin.routing import route

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CORRIDOR_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FERRY = "KZ_AKT-AZ_ALAT-FERRY"


def _corridor() -> list[str]:
    corridor = Path(sys.executable).with_name("corridor")
    return (
        [str(corridor)]
        if corridor.exists()
        else [sys.executable, "-c", "from corridor_twin.cli import run; run()"]
    )


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
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return out.stdout.strip()

    def get(self, path: str) -> Any:
        req = urllib.request.Request(
            f"{self.url}/api/v1{path}", headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(req) as r:
            return json.load(r)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    data_dir = tmp_path_factory.mktemp("serve") / "data"
    proc = subprocess.Popen(
        [
            *_corridor(),
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
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
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()
    assert not errors, errors


def shot(page: Any, name: str, *, full: bool = False) -> None:
    """Screenshot once the map has settled: Leaflet redraws its vector layers only when a
    zoom animation ends, so a shot taken mid-animation shows a half-drawn basemap."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_function(
        "!document.querySelector('.leaflet-map-pane.leaflet-zoom-anim')", timeout=5_000
    )
    page.wait_for_timeout(400)  # the redraw after zoomend (a frame or two)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def panel_shot(page: Any, selector: str, name: str) -> None:
    """Screenshot of one panel section, whole: the window is made tall enough for the
    side panel not to scroll, then put back."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 4000})
    page.wait_for_timeout(300)
    page.locator(selector).screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)


def open_page(page: Any, server: Server, token: str | None = None) -> None:
    page.goto(server.page_url(token))
    page.wait_for_selector("body[data-ready='1']")


def labels(page: Any) -> list[str]:
    out: list[str] = page.locator(".node-label").all_inner_texts()
    return out


def overlapping_labels(page: Any) -> int:
    n: int = page.evaluate(
        """() => {
          const r = [...document.querySelectorAll('.node-label')]
            .map(e => e.getBoundingClientRect());
          let n = 0;
          for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
            const a = r[i], b = r[j];
            if (a.left < b.right - 1 && a.right > b.left + 1
                && a.top < b.bottom - 1 && a.bottom > b.top + 1) n++;
          }
          return n; }"""
    )
    return n


def plan(page: Any, origin: str, destination: str, **form: str) -> None:
    page.fill("#origin", origin)
    page.fill("#destination", destination)
    for key, value in form.items():
        if key in ("corridor", "objective", "cargo"):
            page.select_option(f"#{key}", value)
        else:
            page.fill(f"#{key}", value)


# ---------- the map ----------


def test_opening_view_fits_the_corridor_with_labels(server: Server, page: Any) -> None:
    open_page(page, server)
    assert page.locator("path.leaflet-interactive").count() > 90  # links and nodes
    assert page.locator(".leaflet-overlay-pane path").count() > 150  # + country outlines
    assert page.locator("#cargo option").count() >= 4
    # China (Shanghai, Xi'an) and Rotterdam are in the opening view
    inside = page.evaluate(
        "() => ['CN_SHA', 'CN_XIAN', 'NL_RTM', 'AZ_ALAT'].map(id => "
        "map.getBounds().contains(nodeLatLng(id)))"
    )
    assert inside == [True, True, True, True]
    shown = labels(page)
    assert {"Shanghai", "Rotterdam"} <= set(shown)
    assert overlapping_labels(page) == 0
    shot(page, "01-map-opening-view")


def test_the_shanghai_rotterdam_line_follows_the_sea_lane(server: Server, page: Any) -> None:
    open_page(page, server)
    pts = page.evaluate(
        "() => { let out = null; state.layers.links.eachLayer(l => { if "
        "(l.feature.properties.id === 'CN_SHA-NL_RTM') "
        "out = l.getLatLngs().map(p => [p.lat, p.lng]); }); return out; }"
    )
    assert len(pts) > 20
    assert min(lat for lat, _ in pts) < 5  # Malacca
    # not across Russia or Kazakhstan
    assert not any(lat > 45 and 40 < lon < 120 for lat, lon in pts)
    assert page.locator("#legend").inner_text().count("other sea lane") == 1


def test_zooming_to_the_caucasus_shows_more_labels_without_overlap(
    server: Server, page: Any
) -> None:
    open_page(page, server)
    before = len(labels(page))
    page.click("#view-caucasus")
    page.wait_for_timeout(600)
    shown = labels(page)
    assert len(shown) > before
    assert {"Alat", "Tbilisi", "Poti", "Baku", "Aktau"} <= set(shown)
    assert overlapping_labels(page) == 0
    shot(page, "02-caucasus-labels")


def test_find_a_place_and_zoom_to_it(server: Server, page: Any) -> None:
    open_page(page, server)
    page.fill("#find", "alyat")  # an alias, any case
    page.click("#find-form button")
    page.wait_for_selector(".found-ring")
    centre = page.evaluate("() => [map.getCenter().lat, map.getCenter().lng, map.getZoom()]")
    assert abs(centre[0] - 39.95) < 0.2
    assert abs(centre[1] - 49.4) < 0.2
    assert centre[2] >= 7
    assert page.inner_text("#status").startswith("Alat: seaport, AZ")
    assert "Alat" in labels(page)
    shot(page, "03-find-alat")
    page.fill("#find", "Atlantis")
    page.click("#find-form button")
    assert "no place called 'Atlantis'" in page.inner_text("#status")


# ---------- routes and corridors ----------


def test_plan_k_routes_named_by_their_places(server: Server, page: Any) -> None:
    open_page(page, server)
    plan(page, "Xian", "Duisburg", objective="cost", k="3")
    page.click("#plan")
    page.wait_for_selector("#legs-table:not([hidden])")
    assert page.locator("path.route-line").count() == 3
    rows = page.locator("#routes-table tbody tr").all_inner_texts()
    assert len(rows) == 3
    assert all("via " in r for r in rows)
    assert len(set(rows)) == 3
    assert "TOTAL" in page.inner_text("#legs-table")
    page.click("#routes-table tbody tr:nth-child(2)")
    assert "route 2" in page.inner_text("#legs-title")
    legend = page.inner_text("#legend")
    assert "Route 1: via" in legend
    assert "Route 3: via" in legend
    # route colours are not mode colours (the pipeline's green, the ferry's blue)
    colours = page.evaluate(
        "() => [...document.querySelectorAll('path.route-line')].map(p => p.getAttribute('stroke'))"
    )
    assert not set(colours) & {"#2e8b57", "#1f5fbf", "#3a9ad9", "#8b1a1a", "#555555"}
    shot(page, "04-k-routes-named")


def test_middle_corridor_compared_with_the_northern_route(server: Server, page: Any) -> None:
    open_page(page, server)
    plan(page, "Almaty", "Istanbul", corridor="middle", k="1")
    page.click("#plan")
    page.wait_for_selector("#legs-table:not([hidden])")
    row = page.inner_text("#routes-table tbody tr")
    assert "via Kuryk, Alat, Boyuk Kesik" in row
    middle, northern = (
        route(load_corridor(), "Almaty", "Istanbul", cargo="container", corridor=c)
        for c in ("middle", "northern")
    )
    assert f"{middle.time_days:.1f}" in row
    page.click("#compare-corridors")
    page.wait_for_function(
        "document.getElementById('routes-title').textContent.includes('Northern')"
    )
    rows = page.locator("#routes-table tbody tr").all_inner_texts()
    assert len(rows) == 4
    assert rows[0].split("\t")[1].startswith("Middle Corridor (Trans-Caspian, TITR): via Kuryk")
    assert rows[1].split("\t")[1].startswith("Northern Corridor")
    assert "Southern Corridor" in rows[2]
    # Almaty has no deep-sea route: the row says why
    assert rows[3].split("\t")[1].startswith("Deep sea via Suez: no route (")
    title = page.inner_text("#routes-title")
    slower = middle.time_days - northern.time_days
    assert (
        f"Middle Corridor {middle.time_days:.1f} days, {slower:.1f} days slower than the "
        f"Northern ({northern.time_days:.1f} days)"
    ) in title
    assert page.locator("path.route-line").count() == 3
    assert "Southern Corridor" in page.inner_text("#legend")
    shot(page, "05-corridors-compared")


def test_reliability_follows_the_corridor_and_the_selected_route(server: Server, page: Any) -> None:
    open_page(page, server)
    plan(page, "Almaty", "Istanbul", corridor="middle", k="3")
    page.click("#plan")
    page.wait_for_selector("#legs-table:not([hidden])")
    page.click("#routes-table tbody tr:nth-child(2)")
    second = page.locator("#routes-table tbody tr:nth-child(2) td").all_inner_texts()
    page.click("#simulate")
    page.wait_for_selector("#histogram:not([hidden])")
    title = page.inner_text("#reliability-title")
    assert title.startswith("Route 2: " + second[1])
    assert "Middle Corridor" in title
    stats = page.inner_text("#reliability-stats")
    assert f"planned (no delays)\t{second[3]}" in stats
    assert "P90" in stats
    assert "95% CI" in stats
    assert page.locator("#histogram rect").count() >= 10
    assert "days door to door" in page.locator("#histogram").text_content()
    page.locator("#reliability").scroll_into_view_if_needed()
    shot(page, "06-reliability-selected-route")
    panel_shot(page, "#reliability", "06b-reliability-panel")


def test_country_codes_are_checked(server: Server, page: Any) -> None:
    open_page(page, server)
    page.fill("#avoid", "RU, XX")
    page.click("#plan")
    page.wait_for_selector("#route-error:not([hidden])")
    text = page.inner_text("#route-error")
    assert text.startswith("Avoid countries: no place of the network is in 'XX'")
    assert "422" not in text
    assert page.locator("path.route-line").count() == 0
    page.fill("#avoid", "Russia")
    page.click("#plan")
    page.wait_for_function(
        "document.getElementById('route-error').textContent.includes('two-letter')"
    )
    shot(page, "07-unknown-country")


def test_bad_place_shows_an_error(server: Server, page: Any) -> None:
    open_page(page, server)
    page.fill("#origin", "Atlantis")
    page.click("#plan")
    page.wait_for_selector("#route-error:not([hidden])")
    text = page.inner_text("#route-error")
    assert text.startswith("Origin: ")
    assert "unknown node 'Atlantis'" in text


def test_pareto_routes_side_by_side_and_downloads(server: Server, page: Any) -> None:
    open_page(page, server)
    plan(page, "Xian", "Duisburg", objective="pareto")
    page.click("#plan")
    page.wait_for_selector("#routes-downloads:not([hidden])")
    n = page.locator("#routes-table tbody tr").count()
    assert n >= 2
    assert "Pareto" in page.inner_text("#routes-title")
    got = {}
    for kind in ("CSV", "JSON", "GeoJSON"):
        with page.expect_download() as d:
            page.click(f"#routes-downloads button:text-is('{kind}')")
        got[kind] = Path(d.value.path()).read_text()
    csv_lines = got["CSV"].strip().splitlines()
    assert csv_lines[0].startswith("rank,label,via,origin,destination")
    assert len(csv_lines) == n + 1
    assert "via Dostyk, Mamlyutka" in got["CSV"]
    assert len(json.loads(got["JSON"])["routes"]) == n
    gj = json.loads(got["GeoJSON"])
    assert gj["type"] == "FeatureCollection"
    assert len(gj["features"]) == n
    assert gj["features"][0]["geometry"]["type"] == "LineString"
    shot(page, "08-pareto-side-by-side")


# ---------- utilisation ----------


def test_utilisation_tells_unknown_capacity_from_no_flow_and_shows_alat(
    server: Server, page: Any
) -> None:
    open_page(page, server)
    page.select_option("#colour-by", "utilisation")
    page.wait_for_function(
        "document.getElementById('status').textContent.startsWith('utilisation')"
    )
    legend = page.inner_text("#legend")
    assert "flow, capacity unknown" in legend
    assert "no assigned flow" in legend
    assert "bottleneck of the Middle Corridor" in legend
    styles = page.evaluate(
        "() => { const out = {}; state.layers.links.eachLayer(l => { "
        "out[l.feature.properties.id] = l.options.color; }); return out; }"
    )
    util = server.get("/network/utilisation")
    unknown = [
        x["link"] for x in util["links"] if x["utilisation"] is None and x["flow_t_per_year"] > 0
    ]
    assert unknown
    assert {styles[x] for x in unknown} == {"#5e4fa2"}
    flowing = {x["link"] for x in util["links"] if x["flow_t_per_year"] > 0}
    idle = [k for k in styles if k not in flowing]
    assert {styles[x] for x in idle} == {"#c8c8c8"}
    assert page.locator("path.bottleneck").count() == 1  # Alat: the min cut
    alat_radius = page.evaluate(
        "() => { let r = 0; state.layers.nodes.eachLayer(m => { "
        "if (m.node.id === 'AZ_ALAT') r = m.getRadius(); }); return r; }"
    )
    assert alat_radius > 5
    page.click("#view-caucasus")
    page.wait_for_timeout(600)
    assert page.locator(".node-label.bottleneck-label", has_text="Alat").count() == 1
    shot(page, "09-utilisation-caucasus")
    page.click("#view-corridor")
    shot(page, "09b-utilisation-corridor")
    page.select_option("#colour-by", "mode")
    page.wait_for_function("document.getElementById('status').textContent === 'colour by mode'")
    assert "Links by mode" in page.inner_text("#legend")


# ---------- scenario comparison ----------


def test_scenario_comparison_with_readable_labels(server: Server, page: Any) -> None:
    open_page(page, server)
    page.check("#compare-choices input[value='more-caspian-ferries']")
    page.check("#compare-choices input[value='baku-port-phase-2']")
    page.click("#compare")
    page.wait_for_selector("#compare-table:not([hidden])")
    chart = page.locator("#compare-chart text").all_text_contents()
    assert "more-caspian-ferries" in chart  # whole, not "more-casp…"
    assert "TEU/year" in chart
    assert "more-caspian-ferries" in page.inner_text("#compare-table")
    fits = page.evaluate(
        "() => { const s = document.getElementById('compare-chart').getBoundingClientRect(); "
        "return [...document.querySelectorAll('#compare-chart text')].every(t => { "
        "const r = t.getBoundingClientRect(); "
        "return r.left >= s.left - 1 && r.right <= s.right + 1; }); }"
    )
    assert fits
    with page.expect_download() as d:
        page.click("#compare-downloads button:text-is('CSV')")
    assert Path(d.value.path()).read_text().startswith("analysis,scenario,metric")
    panel_shot(page, "#comparison", "10-scenario-comparison")


# ---------- export and sign-in ----------


def test_exported_html_works_offline(tmp_path: Path, page: Any) -> None:
    from corridor_twin.cli import main

    out = tmp_path / "map.html"
    assert (
        main(
            [
                "export",
                "html",
                "-o",
                str(out),
                "--route",
                "Almaty:Istanbul",
                "--scenario",
                "more-caspian-ferries",
            ]
        )
        == 0
    )
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
    assert "via " in page.inner_text("#routes-table")
    assert page.locator(".leaflet-overlay-pane path").count() > 150
    assert page.locator("path.bottleneck").count() == 1
    assert "flow, capacity unknown" in page.inner_text("#legend")
    shot(page, "11-export-offline")


def test_without_a_token_the_page_says_how_to_get_one(server: Server, page: Any) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("#signin:not([hidden])")
    assert "sign in" in page.inner_text("#status")
    message = page.inner_text("#map-message")
    assert "corridor serve" in message
    assert "corridor admin issue-token" in message
    assert page.locator(".leaflet-overlay-pane path").count() > 150  # the basemap is drawn
    shot(page, "12-no-token")
    page.fill("#token", server.token)
    page.click("#signin button")
    page.wait_for_selector("body[data-ready='1']")
    assert "admin" in page.inner_text("#who")
    assert page.locator("#map-message").is_hidden()


# ---------- editor ----------


def _open_record(page: Any, table: str, text: str) -> None:
    page.evaluate("() => { document.getElementById('edit-title').textContent = ''; }")
    page.select_option("#edit-table", table)
    page.fill("#edit-id", text)
    page.click("#edit-load")
    page.wait_for_function("document.getElementById('edit-title').textContent !== ''")


def test_editor_labels_are_readable_and_records_open_by_name(server: Server, page: Any) -> None:
    open_page(page, server)
    _open_record(page, "nodes", "alat")
    assert "AZ_ALAT" in page.inner_text("#edit-title")
    names = page.locator("#edit-fields .name").all_inner_texts()
    assert "Transit cost per TEU" in names
    assert "Capacity in tonnes" in names
    assert not any("_" in n for n in names)
    cut = page.evaluate(
        "() => [...document.querySelectorAll('#edit-fields .name, #edit-fields .unit')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"
    )
    assert cut == []
    assert "Source now: azernews-2025-01, 2024" in page.inner_text("#edit-fields")
    page.locator("#editor").scroll_into_view_if_needed()
    panel_shot(page, "#editor", "13-editor-node-by-name")
    _open_record(page, "links", "Aktau - Alat")
    assert "Aktau → Alat" in page.inner_text("#edit-title")


def test_new_figure_needs_source_and_year_then_history_and_revert(
    server: Server, page: Any
) -> None:
    open_page(page, server, server.issue_token("baku-port"))
    assert "Port of Baku" in page.inner_text("#who")
    page.evaluate(  # select the ferry link on the map itself
        "id => { state.layers.links.eachLayer(l => { if (l.feature.properties.id === id) "
        "l.fire('click'); }); }",
        FERRY,
    )
    page.wait_for_selector("#edit-form:not([hidden])")
    assert FERRY in page.inner_text("#edit-title")
    assert "You may edit it" in page.inner_text("#edit-rights")
    before = server.get(f"/networks/titr/links/{FERRY}")
    page.fill("#edit-capacity_t_per_year", "4500000")
    assert page.locator("#prov-capacity_t_per_year .prov-fields").is_visible()
    page.fill("#edit-message", "new ferry in service")
    page.click("#edit-save")
    page.wait_for_selector("#edit-error:not([hidden])")
    assert "needs its source and year" in page.inner_text("#edit-error")
    assert page.locator(".field-error").count() == 1
    assert "give its source and the year" in page.inner_text(".field-error")
    page.select_option("#prov-capacity_t_per_year .prov-source", "assumption-corridor-twin")
    page.fill("#prov-capacity_t_per_year .prov-year", "2026")
    page.check("#prov-capacity_t_per_year .prov-estimate")
    page.fill("#prov-capacity_t_per_year .prov-note", "2 new ferries, 2026")
    page.click("#edit-save")
    page.wait_for_selector("#edit-ok:not([hidden])")
    v1 = before["version"] + 1
    assert f"version {v1}" in page.inner_text("#edit-ok")
    assert "Capacity in tonnes changed" in page.inner_text("#edit-ok")
    assert page.input_value("#edit-capacity_t_per_year") == "4500000"
    stored = server.get(f"/networks/titr/links/{FERRY}")["values"]["capacity_t_per_year"]
    assert stored == {
        "value": 4500000,
        "source": "assumption-corridor-twin",
        "year": 2026,
        "estimate": True,
        "note": "2 new ferries, 2026",
    }
    (entry,) = server.get(f"/networks/titr/audit?record_id={FERRY}")[-1:]
    assert (entry["user"], entry["organisation"]) == ("baku-port", "Port of Baku")
    page.click("#edit-history-button")
    page.wait_for_selector("#edit-history:not([hidden])")
    hist = page.inner_text("#edit-history-table")
    assert "baku-port (Port of Baku)" in hist
    assert "new ferry in service" in hist
    assert "assumption-corridor-twin, 2026, estimate" in hist
    page.locator("#editor").scroll_into_view_if_needed()
    panel_shot(page, "#editor", "14-editor-history")
    page.click("#edit-history-table button.revert")
    page.wait_for_function("document.getElementById('edit-ok').textContent.startsWith('Reverted')")
    assert f"as version {v1 + 1}" in page.inner_text("#edit-ok")
    after = server.get(f"/networks/titr/links/{FERRY}")
    assert after["values"] == before["values"]
    assert after["version"] == v1 + 1
    page.wait_for_function(
        f"document.getElementById('edit-history-table').textContent.includes('revert {FERRY}')"
    )
    panel_shot(page, "#editor", "15-editor-reverted")


def test_editor_of_another_organisation_is_told_no(server: Server, page: Any) -> None:
    open_page(page, server, server.issue_token("gr"))
    _open_record(page, "links", FERRY)
    assert "may not edit it" in page.inner_text("#edit-rights")
    page.fill("#edit-capacity_t_per_year", "9000000")
    page.select_option("#prov-capacity_t_per_year .prov-source", "assumption-corridor-twin")
    page.fill("#prov-capacity_t_per_year .prov-year", "2026")
    page.click("#edit-save")
    page.wait_for_selector("#edit-error:not([hidden])")
    text = page.inner_text("#edit-error")
    assert text.startswith("Not saved: you may not edit this record.")
    assert "Georgian Railway" in text or "gr" in text
    assert "403" not in text


def test_invalid_value_is_shown_once_next_to_its_field(server: Server, page: Any) -> None:
    open_page(page, server, server.issue_token("baku-port"))
    _open_record(page, "links", FERRY)
    page.fill("#edit-capacity_t_per_year", "-5")
    page.select_option("#prov-capacity_t_per_year .prov-source", "assumption-corridor-twin")
    page.fill("#prov-capacity_t_per_year .prov-year", "2026")
    page.click("#edit-save")
    page.wait_for_selector("#edit-error:not([hidden])")
    text = page.inner_text("#edit-error")
    assert text == "Not saved: a value needs fixing (marked below)."
    assert page.locator("#edit-capacity_t_per_year.invalid").count() == 1
    messages = page.locator("#edit-fields .field-error").all_inner_texts()
    assert messages
    assert len(set(messages)) == len(messages)  # each problem once
    assert all(m.startswith("Capacity in tonnes: ") for m in messages)
    assert page.inner_text("#editor").count("below the minimum") == 1
    page.locator("#editor").scroll_into_view_if_needed()
    panel_shot(page, "#editor", "16-editor-invalid-value")


# ---------- the simulation job ----------


def test_simulation_job_with_waits_backlog_queues_and_time_slider(
    server: Server, page: Any
) -> None:
    open_page(page, server, server.issue_token("baku-port"))
    page.select_option("#scenario", "caspian-storm-week")
    page.fill("#sim-days", "20")
    page.fill("#sim-reps", "2")
    page.click("#sim-start")
    page.wait_for_selector("#sim-results:not([hidden])", timeout=120_000)
    status = page.inner_text("#sim-status")
    assert "scenario caspian-storm-week: 2 replications of 20 days" in status
    assert "shipments delivered" in status
    table = page.inner_text("#sim-table")
    assert page.locator("#sim-table tbody tr").count() >= 3
    assert "Xi'an → " in table
    assert "CN_XIAN" not in table
    assert re.search(r"\d+(\.\d)? \(\d+(\.\d)?–\d+(\.\d)?\)", table)  # CIs
    waits = page.locator("#sim-waits text").all_text_contents()
    assert any("waiting for a ship" in t for t in waits)
    assert page.locator("#sim-backlog polyline.series").count() == 1
    assert page.locator("#sim-queues polyline.series").count() >= 2
    assert page.locator(".time-slider").count() == 1
    assert page.locator("path.queue-dot").count() >= 1
    page.fill("#queue-day", "5")
    page.dispatch_event("#queue-day", "input")
    assert page.inner_text("#queue-day-label") == "day 5 of 20"
    with page.expect_download() as d:
        page.click("#sim-results button:text-is('waits CSV')")
    assert Path(d.value.path()).read_text().startswith("kind,place,node,label,mean_wait_h")
    shot(page, "17-simulation-map-queues")
    panel_shot(page, "#jobs", "17b-simulation-panel")
    # a longer one, cancelled while it runs: the page shows the run failed as cancelled
    page.fill("#sim-days", "365")
    page.fill("#sim-reps", "20")
    page.click("#sim-start")
    page.wait_for_function("document.getElementById('sim-status').textContent.includes('running')")
    page.click("#sim-cancel")
    page.wait_for_selector("#sim-error:not([hidden])", timeout=60_000)
    assert "cancelled by baku-port" in page.inner_text("#sim-error")
