"""One self-contained HTML file with the map, a scenario's utilisation and routes.

The file holds the page, its CSS and JavaScript, the vendored libraries, the
country outlines and the data, so it opens offline (e-mail, a USB stick). The
data is exactly what the API would return, so the page draws it the same way.

Examples
--------
>>> from corridor_twin import load_corridor
>>> from corridor_twin.api import BundledProvider
>>> from corridor_twin.api.schemas import RouteRequest
>>> p = BundledProvider(load_corridor())
>>> data = export_data(p, routes=[RouteRequest(origin="Almaty", destination="Istanbul")],
...                    utilisation=False)
>>> data["routes"][0]["result"]["routes"][0]["destination"]
'TR_IST'
>>> html = render_html(data)
>>> "<script src=" in html, 'id="corridor-data"' in html
(False, True)
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from corridor_twin.api import actions
from corridor_twin.api.lanes import sea_lanes
from corridor_twin.api.provider import NetworkProvider
from corridor_twin.api.schemas import CapacityRequest, RouteRequest
from corridor_twin.io import to_geojson
from corridor_twin.web import static_dir

__all__ = ["export_data", "render_html"]

_COUNTRIES = "vendor/world-atlas/countries-50m.json"
_LINK = re.compile(r'<link rel="stylesheet" href="static/([^"]+)">')
_SCRIPT = re.compile(r'<script src="static/([^"]+)"></script>')


def export_data(
    provider: NetworkProvider,
    *,
    scenario: str | None = None,
    routes: Sequence[RouteRequest] = (),
    utilisation: bool = True,
) -> dict[str, Any]:
    """The data the exported page shows, in the API's response formats.

    Parameters
    ----------
    provider
        Where the network and scenarios come from.
    scenario
        Scenario applied to the network (``None``: baseline).
    routes
        Route requests to plan and embed (their ``scenario`` is overridden).
    utilisation
        Whether to assign the scenario's demand, colour links and nodes by utilisation
        and mark the Middle Corridor's bottlenecks (its max-flow min cut).

    Raises
    ------
    CorridorError
        If the scenario is unknown or a route cannot be planned.
    """
    net = provider.network(scenario)
    planned = []
    for req in routes:
        req = req.model_copy(update={"scenario": scenario})
        result = actions.routes(provider, req)
        planned.append(
            {"request": req.model_dump(mode="json"), "result": result.model_dump(mode="json")}
        )
    util = actions.utilisation(provider, scenario).model_dump(mode="json") if utilisation else None
    bottlenecks = []
    if utilisation:
        cap = actions.capacity(provider, CapacityRequest(scenario=scenario))
        bottlenecks = [{**c.model_dump(mode="json"), "unit": cap.unit} for c in cap.cut]
    return {
        "mode": "export",
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scenario": scenario,
        "meta": actions.meta(provider).model_dump(mode="json"),
        "nodes": [n.model_dump(mode="json") for n in actions.nodes(net)],
        "geojson": to_geojson(net),
        "utilisation": util,
        "bottlenecks": bottlenecks,
        "lanes": [lane.model_dump(mode="json") for lane in sea_lanes(net)],
        "routes": planned,
    }


def _json_script(element_id: str, payload: object) -> str:
    # "</" inside a <script> would end it early; "<\/" means the same in JSON strings.
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{element_id}">{text}</script>\n'


def _inline(text: str, tag: str) -> str:
    return re.sub(f"</{tag}", f"<\\\\/{tag}", text, flags=re.IGNORECASE)


def render_html(data: dict[str, Any]) -> str:
    """The page with its CSS, scripts, country outlines and ``data`` inlined."""
    root = static_dir()
    html = (root / "index.html").read_text(encoding="utf-8")

    def style(m: re.Match[str]) -> str:
        css = (root / m.group(1)).read_text(encoding="utf-8")
        return f"<style>\n{_inline(css, 'style')}\n</style>"

    def script(m: re.Match[str]) -> str:
        js = (root / m.group(1)).read_text(encoding="utf-8")
        return f"<script>\n{_inline(js, 'script')}\n</script>"

    html = _LINK.sub(style, html)
    countries = json.loads((root / _COUNTRIES).read_text(encoding="utf-8"))
    embedded = _json_script("corridor-countries", countries) + _json_script("corridor-data", data)
    first = html.index('<script src="static/')
    html = html[:first] + embedded + html[first:]
    return _SCRIPT.sub(script, html)
