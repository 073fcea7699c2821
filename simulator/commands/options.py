"""Options that several commands share, written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

WORKERS = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes computing on this machine (this one included).",
)
"""``--workers W``: processes computing on this machine."""


def set_option(help_text: str) -> Callable[[Any], Any]:
    """``--set PATH=VALUE`` (repeatable, into ``assignments``), with the command's own help."""
    return click.option("--set", "assignments", multiple=True, metavar="PATH=VALUE", help=help_text)
