"""The map page: static files served at ``/`` and the offline HTML export.

The page (``static/index.html``, ``app.js``, ``app.css``) uses vendored,
pinned libraries (Leaflet, topojson-client) and Natural Earth country outlines
(``world-atlas``) from ``static/vendor``; nothing is loaded from the internet.
In server mode it calls the API; in an exported file it reads the data
embedded in the page (:func:`corridor_twin.web.export.render_html`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["mount_web", "static_dir"]


def static_dir() -> Path:
    """The folder of the page's static files."""
    return Path(str(resources.files("corridor_twin.web").joinpath("static")))


def mount_web(app: FastAPI) -> None:
    """Serve the page at ``/`` and its files under ``/static``."""
    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles

    root = static_dir()

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(root / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=root), name="static")
