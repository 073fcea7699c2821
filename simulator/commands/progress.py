"""The progress bar of the long commands, on standard error."""

from __future__ import annotations

import sys

from tqdm import tqdm


class _Bar(tqdm):  # type: ignore[type-arg]
    """tqdm without its monitor thread.

    A sweep's workers are forked from the command's process only while it runs
    no other thread (see ``ProcessPool``), and the bar is redrawn at each update
    anyway, which is all the monitor would do.
    """

    monitor_interval = 0


def progress_bar(total: int, unit: str, initial: int = 0) -> tqdm:  # type: ignore[type-arg]
    """A bar with an ETA on standard error; it draws nothing unless that is a terminal.

    Args:
        total: Units of work in all.
        unit: Their name (``"run"``, ``"replications"``).
        initial: Units already done (a resumed sweep).
    """
    return _Bar(
        total=total,
        initial=initial,
        unit=unit,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        dynamic_ncols=True,
    )
