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


def seed_option(help_text: str, default: int | None = 0) -> Callable[[Any], Any]:
    """``--seed S``, a non-negative integer, with the command's own help and default."""
    return click.option("--seed", type=click.IntRange(min=0), default=default,
                        show_default=default is not None, help=help_text)  # fmt: skip


def replications_option(
    help_text: str, default: int | None = None, metavar: str | None = None
) -> Callable[[Any], Any]:
    """``--replications N``, a positive integer, with the command's own help and default."""
    return click.option("--replications", type=click.IntRange(min=1), default=default,
                        show_default=default is not None, metavar=metavar,
                        help=help_text)  # fmt: skip
