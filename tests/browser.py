"""Driving Debian's Chromium with Playwright, for the tests of pages in a real browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
"""Chromium's flags: no sandbox (run as root) and no connection of its own to the network."""
SHOTS = os.environ.get("TABLETOP_SCREENSHOTS")
"""A folder to keep the screenshots in (for the docs), if set."""


def browser_or_skip() -> Any:
    """Playwright's ``sync_playwright``; the test is skipped without a browser (fails in CI)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):  # continuous integration installs it: never skip there
            pytest.fail("no chromium to drive (apt-get install chromium)")
        pytest.skip("no chromium to drive (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("no playwright (pip install '.[dev]')")
        pytest.skip("no playwright (pip install '.[dev]')")
    return sync_playwright
