"""The package passes its linters: ruff check, ruff format and mypy --strict (pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (pip install --group lint)")
    return path


def _assert_clean(*args: str) -> None:
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_ruff_clean() -> None:
    _assert_clean(_tool("ruff"), "check", "src", "tests", "benchmarks")


@pytest.mark.slow
def test_ruff_format_clean() -> None:
    _assert_clean(_tool("ruff"), "format", "--check", "src", "tests", "benchmarks")


@pytest.mark.slow
def test_mypy_strict_clean() -> None:
    _assert_clean(_tool("mypy"))
