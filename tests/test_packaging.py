"""The build declares what the compiled kernels need from the source tree.

A kernel that cimports a shared ``.pxd`` (the 4-ary heap in
``corridor_twin/_heap.pxd``) builds only with ``src`` on the Cython include
path, and the ``.pxd`` reaches the sdist (so a wheel can be built from it)
only as a declared dependency of the extension.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_CIMPORT = re.compile(r"^from (corridor_twin(?:\.\w+)+) cimport", re.MULTILINE)


def _extensions() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    exts: list[dict[str, Any]] = config["tool"]["setuptools"]["ext-modules"]
    return exts


def test_every_kernel_is_built() -> None:
    built = {src for ext in _extensions() for src in ext["sources"]}
    found = {p.relative_to(ROOT).as_posix() for p in (ROOT / "src").rglob("*.pyx")}
    assert found == built


def test_shared_pxd_is_on_the_include_path_and_a_declared_dependency() -> None:
    shared = 0
    for ext in _extensions():
        (source,) = ext["sources"]
        text = (ROOT / source).read_text(encoding="utf-8")
        for module in _CIMPORT.findall(text):
            pxd = "src/" + module.replace(".", "/") + ".pxd"
            assert (ROOT / pxd).is_file(), f"{source} cimports {module}, but {pxd} is missing"
            assert "src" in ext.get("include-dirs", []), f"{ext['name']}: src not on the path"
            assert pxd in ext.get("depends", []), f"{ext['name']}: {pxd} not in depends"
            shared += 1
    assert shared >= 2, "the routing and user-equilibrium kernels share the heap"
