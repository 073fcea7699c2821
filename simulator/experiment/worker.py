"""The first code a local pool worker runs: light, so that it takes effect at once.

A spawned pool worker starts as a fresh interpreter and must import the model
(NumPy, SimPy, pydantic) before it can run a replication -- seconds on a slow
machine.  This module imports nothing heavy, so the worker's set-up runs
right after it starts, *before* that import (a forked worker has the model
already, and runs the same set-up):

* Ctrl-C is ignored: it is the sweep process's to handle, and a worker would
  only print a traceback.
* A thread watches a *lifeline*, a pipe whose only writing end the sweep process
  holds.  The kernel closes that end when the sweep process ends, however it
  ends (even ``kill -9``, and even if it is never reaped), and the sweep process
  closes it itself to stop its workers at once; either way the worker exits
  immediately, even in the middle of its import or of a batch.  (Polling the
  parent's pid would not do: an unreaped, killed process still has one.)

:func:`warm_up` is then submitted once per worker so that a spawned worker's
import happens while the sweep process is still loading the design points.
"""

from __future__ import annotations

import importlib
import os
import signal
import threading
from contextlib import suppress
from multiprocessing.connection import Connection

__all__ = ["start_worker", "warm_up"]


def _watch(lifeline: Connection) -> None:
    """Exit as soon as the lifeline is closed."""
    with suppress(EOFError, OSError):
        lifeline.recv_bytes()
    os._exit(1)


def start_worker(lifeline: Connection, inherited_end: Connection | None = None) -> None:
    """Set up a pool worker (its pool's ``initializer``).

    Args:
        lifeline: Reading end of the pipe held open by the sweep process.
        inherited_end: In a forked worker, its copy of the writing end, which it
            closes: while any process holds that end open, the lifeline stays open.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if inherited_end is not None:
        inherited_end.close()
    threading.Thread(target=_watch, args=(lifeline,), daemon=True).start()


def warm_up() -> None:
    """Import the model now rather than with the first batch."""
    importlib.import_module("simulator.experiment.replicate")
