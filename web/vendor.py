"""Copy the pinned front-end libraries from node_modules into the package.

Run after ``npm ci`` in this folder::

    cd web && npm ci --ignore-scripts && python vendor.py

It copies the files listed in ``FILES`` into
``src/corridor_twin/web/static/vendor/<package>/`` and writes
``MANIFEST.json`` there: package, version (from package-lock.json) and the
SHA-256 of each file. ``tests/test_web_vendor.py`` checks the committed files
against that manifest and the manifest against the lock file, so the page never
loads anything that was not pinned here, and never from a CDN.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEST = HERE.parent / "src" / "corridor_twin" / "web" / "static" / "vendor"

FILES: dict[str, list[str]] = {
    "leaflet": [
        "dist/leaflet.js",
        "dist/leaflet.css",
        "LICENSE",
    ],
    "topojson-client": ["dist/topojson-client.min.js", "LICENSE"],
    # Natural Earth 1:50m admin-0 countries as TopoJSON (public domain data).
    "world-atlas": ["countries-50m.json", "LICENSE"],
}


def main() -> None:
    lock = json.loads((HERE / "package-lock.json").read_text(encoding="utf-8"))
    if DEST.exists():
        shutil.rmtree(DEST)
    manifest: dict[str, dict[str, object]] = {}
    for pkg, files in FILES.items():
        version = lock["packages"][f"node_modules/{pkg}"]["version"]
        hashes = {}
        for rel in files:
            src = HERE / "node_modules" / pkg / rel
            dst = DEST / pkg / Path(rel).name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            hashes[Path(rel).name] = hashlib.sha256(dst.read_bytes()).hexdigest()
        manifest[pkg] = {"version": version, "files": hashes}
    (DEST / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"vendored {sum(len(f) for f in FILES.values())} files into {DEST}")


if __name__ == "__main__":
    main()
