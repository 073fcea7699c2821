"""Exit codes and the error wrapper every command shares.

A command's own code raises :class:`~simulator.scenario.errors.ScenarioError`
for bad input; :func:`fail_cleanly` prints each problem on a line of its own
and exits 2.  A file that cannot be written (a read-only folder, a full disk)
is one line naming the path and the system's reason, exit 3.  Ctrl-C is one
line, exit 130.  Anything unexpected is a one-line message and exit 1, never a
traceback. Both the main command line and the commands registered on it
use it, so it lives here rather than in either.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from simulator.report.safe_text import terminal_text
from simulator.scenario.errors import ScenarioError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
EXIT_IO = 3
EXIT_INTERRUPTED = 130


def fail_cleanly(command: F) -> F:
    """Turn scenario errors into exit 2 and anything unexpected into exit 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ScenarioError as error:
            for problem in error.problems:
                click.echo(terminal_text(f"error: {problem}"), err=True)
            sys.exit(EXIT_BAD_INPUT)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except OSError as error:
            click.echo(terminal_text(f"error: {io_message(error)}"), err=True)
            sys.exit(EXIT_IO)
        except Exception as error:
            click.echo(f"internal error: {type(error).__name__}: {error}", err=True)
            click.echo("please report this with the scenario and command line", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def io_message(error: OSError) -> str:
    """One line for a failed file operation: the path and the system's reason."""
    reason = error.strerror or str(error) or type(error).__name__
    if error.filename is None:
        return f"file operation failed: {reason}"
    return f"{error.filename}: {reason}"
