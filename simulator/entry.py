"""The ``tabletop`` program's entry point: Ctrl-C is one line and exit 130 from the start.

The command line (:mod:`simulator.cli`) turns Ctrl-C into a clean exit once a
command runs; this module imports nothing but the standard library, so that an
interrupt while the program is still importing is handled the same way.
"""

from __future__ import annotations

import signal
import sys

EXIT_INTERRUPTED = 130
"""Kept equal to :data:`simulator.commands.exits.EXIT_INTERRUPTED` (a test checks)."""


def main() -> None:
    """Run the command line, ending with exit 130 and one line on Ctrl-C, whenever it comes."""
    try:
        from simulator.cli import main as command_line

        command_line()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    finally:
        # The command is over and its files are written: a Ctrl-C now would only cut the
        # interpreter's shutdown short (joining worker threads) and end the process by
        # the signal instead of with the command's exit code.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
