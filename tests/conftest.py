"""Settings every test shares."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def columns_of_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables fold to 120 columns, as printed to a pipe, whatever terminal runs the tests."""
    monkeypatch.setenv("COLUMNS", "120")
