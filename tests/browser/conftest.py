"""Fixtures of the browser check (``make browser``): the built book, Chromium, the vendored JS.

A missing prerequisite fails the test with the command that provides it; nothing is skipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(HERE) not in sys.path:  # pytest runs with --import-mode=importlib: make htmlcheck importable
    sys.path.insert(0, str(HERE))

from htmlcheck import CHROMIUM  # noqa: E402


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `bash tools/ensure-chromium.sh` (or `make browser`).")
    return CHROMIUM


@pytest.fixture(scope="session")
def vendor_dir() -> Path:
    vendor = ROOT / "_extra" / "vendor"
    if not (vendor / "mathjax" / "es5" / "tex-mml-chtml.js").is_file():
        pytest.fail(f"{vendor} has no MathJax: run `bash tools/vendor-js.sh _extra/vendor` (or `make html`).")
    return vendor


@pytest.fixture(scope="session")
def site_root() -> Path:
    html = ROOT / "_build" / "html"
    if not (html / "index.html").is_file():
        pytest.fail(f"{html} has no built book: run `make html` first.")
    return html


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    folder = ROOT / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder
