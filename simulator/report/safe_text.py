"""Text from a scenario made safe for where it is shown: spreadsheets and terminals.

Names, causes and sources come from the scenario file, which may come from
anyone. A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@``
as a formula, so :func:`spreadsheet_cell` puts an apostrophe before such text
(numbers are left alone, negative ones included). A terminal obeys escape
sequences, so :func:`terminal_text` removes control characters other than the
line break and the tab.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["for_terminal", "spreadsheet_cell", "terminal_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""ANSI control sequences (CSI), then any other C0 or C1 control but tab and line feed."""


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet reads as a formula: text starting so gets a ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def terminal_text(text: str) -> str:
    """``text`` without escape sequences or control characters (line breaks and tabs kept)."""
    return _CONTROL.sub("", text)


def for_terminal(text: str, fmt: str) -> str:
    """Output of format ``fmt`` as printed: JSON is data and stays as it is, the rest is text."""
    return text if fmt == "json" else terminal_text(text)
