"""The map page's files, the vendored libraries, and the offline HTML export."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from corridor_twin.cli import main
from corridor_twin.web import static_dir

ROOT = Path(__file__).resolve().parents[1]
VENDOR = static_dir() / "vendor"


def test_vendored_files_match_the_manifest_and_the_lock_file() -> None:
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    pinned = json.loads((ROOT / "web" / "package.json").read_text(encoding="utf-8"))
    assert set(manifest) == set(pinned["dependencies"])
    for pkg, entry in manifest.items():
        assert entry["version"] == pinned["dependencies"][pkg]
        assert entry["version"] == lock["packages"][f"node_modules/{pkg}"]["version"]
        for name, digest in entry["files"].items():
            data = (VENDOR / pkg / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, f"{pkg}/{name} changed"
    on_disk = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    listed = {f"{pkg}/{n}" for pkg, e in manifest.items() for n in e["files"]}
    assert on_disk == listed | {"MANIFEST.json"}


def test_page_loads_nothing_from_the_internet() -> None:
    html = (static_dir() / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs
    assert all(r.startswith(("static/", "data:")) for r in refs)
    js = (
        (static_dir() / "app.js")
        .read_text(encoding="utf-8")
        .replace(
            "http://www.w3.org/2000/svg",
            "",  # the SVG namespace, a name, not a fetch
        )
    )
    assert "http://" not in js
    assert "https://" not in js


def test_export_html_is_self_contained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "map.html"
    code = main(
        [
            "export",
            "html",
            "-o",
            str(out),
            "--scenario",
            "more-caspian-ferries",
            "--route",
            "Almaty:Istanbul",
            "--route",
            "Xian:Duisburg",
            "--k",
            "2",
        ]
    )
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "<script src=" not in html
    assert 'rel="stylesheet"' not in html
    data = json.loads(
        re.search(
            r'<script type="application/json" id="corridor-data">(.*?)</script>', html, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    assert data["scenario"] == "more-caspian-ferries"
    assert [len(r["result"]["routes"]) for r in data["routes"]] == [2, 2]
    assert data["utilisation"]["status"] == "optimal"
    assert 'id="corridor-countries"' in html


@pytest.mark.parametrize(
    "argv",
    [
        ["--route", "Nowhere:Istanbul"],
        ["--route", "AlmatyIstanbul"],
        ["--scenario", "no-such-scenario"],
        ["--route", "Almaty:Istanbul", "--k", "0"],
    ],
)
def test_export_html_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code = main(["export", "html", "-o", str(tmp_path / "x.html"), "--no-utilisation", *argv])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("corridor: error:")
    assert len(err.strip().splitlines()) == 1


def test_serve_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    assert "--port" in capsys.readouterr().out


def test_serve_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", "0"]) == 2
    assert main(["serve", "--network", "no-such-file.yaml", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "--workers" in err
    assert "no-such-file.yaml" in err
