"""A column store of replication scalars: one float64 column per output key.

Replications are reduced to a few dozen named numbers each (see
``experiment.replicate.outputs``). Kept as one dict per replication they cost
kilobytes each; kept here as columns, about 9 bytes a value: 8 for the float64
and 1 for a mask that says whether the replication has the value at all. A
missing value (a milestone never reached, or a key the replication did not
return) is a 0 in the mask, never a number such as NaN or 0 standing in for
one, so a NaN that a replication did return stays a value.

Columns are kept in the order their keys were first seen; a key first seen at
replication k is missing in replications 0 to k-1.

Memory is bounded: once the values held in memory pass ``limit`` bytes (by
default :data:`DEFAULT_LIMIT`, or the environment variable
:data:`LIMIT_VARIABLE`), every column is appended to a file of its own in a
temporary folder and memory starts again from nothing. Statistics read one
column at a time (:meth:`Scalars.column`), so reading never needs more than one
column in memory. The folder is removed when the store is closed, or at the
latest when the process exits.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from array import array
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from simulator.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["DEFAULT_LIMIT", "LIMIT_VARIABLE", "VALUE_BYTES", "Scalars", "limit_from_env"]

DEFAULT_LIMIT = 64 * 1024 * 1024
"""Bytes of values held in memory before the columns go to disk (64 MiB).

About 80,000 replications of a scenario with ninety outputs: a run that large is
rare, and below it nothing is written. The process of a run holds about 70 MB
anyway (the libraries, the scenario, one replication's world), so the store at
most doubles that; above it memory stays flat however many replications run."""

LIMIT_VARIABLE = "TABLETOP_SPILL_BYTES"
"""Environment variable that sets the limit in bytes (0: every replication goes to disk)."""

VALUE_BYTES = 9
"""Bytes a value takes: its float64 and its mask byte."""


def limit_from_env(environ: Mapping[str, str] | None = None) -> int:
    """The memory limit: :data:`LIMIT_VARIABLE` if set, else :data:`DEFAULT_LIMIT`.

    Raises:
        ScenarioError: If the variable is not a whole number of bytes, 0 or more.
    """
    text = (os.environ if environ is None else environ).get(LIMIT_VARIABLE)
    if text is None or not text.strip():
        return DEFAULT_LIMIT
    try:
        limit = int(text.strip().replace("_", ""))
    except ValueError:
        limit = -1
    if limit < 0:
        raise ScenarioError(
            Problem(
                LIMIT_VARIABLE,
                None,
                text,
                f"expected a whole number of bytes, 0 or more (default {DEFAULT_LIMIT})",
            )
        )
    return limit


class Scalars:
    """The scalar outputs of replications, by key, in the order the replications were added.

    Args:
        limit: Bytes of values to hold in memory before the columns go to disk;
            ``None`` for never.
        folder: Where the temporary folder of the columns on disk is made (as a
            hidden folder); default: the system's temporary folder.
    """

    def __init__(self, limit: int | None = DEFAULT_LIMIT, folder: Path | None = None) -> None:
        self._limit = limit
        self._parent = folder
        self._index: dict[str, int] = {}
        self._values: list[array[float]] = []
        self._mask: list[array[int]] = []
        self._rows = 0
        self._spilled = 0
        self._dir: Path | None = None
        self._cleanup: weakref.finalize[Any, Any] | None = None

    @classmethod
    def of(cls, runs: Iterable[Mapping[str, float | None]]) -> Scalars:
        """A store held in memory of ``runs`` (one mapping of outputs each)."""
        store = cls(limit=None)
        for run in runs:
            store.append(run)
        return store

    def __len__(self) -> int:
        """The number of replications added."""
        return self._rows

    def keys(self) -> list[str]:
        """Every key seen, in the order first seen."""
        return list(self._index)

    @property
    def spilled(self) -> int:
        """How many replications are on disk (the rest are in memory)."""
        return self._spilled

    def append(self, outputs: Mapping[str, float | None]) -> None:
        """Add one replication's outputs (``None``: missing)."""
        held = self._rows - self._spilled
        seen = 0
        for key, value in outputs.items():
            column = self._index.get(key)
            if column is None:
                column = self._new_column(key, held)
            if value is None:
                self._values[column].append(0.0)
                self._mask[column].append(0)
            else:
                self._values[column].append(float(value))
                self._mask[column].append(1)
            seen += 1
        held += 1
        if seen < len(self._index):  # keys earlier replications had and this one lacks
            for values, mask in zip(self._values, self._mask, strict=True):
                if len(mask) < held:
                    values.append(0.0)
                    mask.append(0)
        self._rows += 1
        if self._limit is not None and held * len(self._index) * VALUE_BYTES > self._limit:
            self._spill()

    def _new_column(self, key: str, held: int) -> int:
        self._index[key] = len(self._values)
        self._values.append(array("d", bytes(8 * held)))
        self._mask.append(array("B", bytes(held)))
        return self._index[key]

    def _files(self, column: int) -> tuple[Path, Path]:
        assert self._dir is not None
        return self._dir / f"{column}.f8", self._dir / f"{column}.mask"

    def _spill(self) -> None:
        """Append every column held in memory to its files, and empty memory."""
        if self._dir is None:
            if self._parent is not None:
                self._parent.mkdir(parents=True, exist_ok=True)
            self._dir = Path(tempfile.mkdtemp(prefix=".scalars-", dir=self._parent))
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)
        for column, (values, mask) in enumerate(zip(self._values, self._mask, strict=True)):
            value_file, mask_file = self._files(column)
            earlier = 0 if value_file.exists() else self._spilled  # a column newer than the files
            with value_file.open("ab") as handle:
                handle.write(bytes(8 * earlier))
                values.tofile(handle)
            with mask_file.open("ab") as handle:
                handle.write(bytes(earlier))
                mask.tofile(handle)
            self._values[column] = array("d")
            self._mask[column] = array("B")
        self._spilled = self._rows

    def column(self, key: str) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Every replication's value of ``key`` and whether it has one (a new array each).

        Raises:
            KeyError: If no replication had the key.
        """
        import numpy as np

        column = self._index[key]
        values = np.zeros(self._rows, dtype=np.float64)
        mask = np.zeros(self._rows, dtype=np.bool_)
        if self._spilled:
            value_file, mask_file = self._files(column)
            if value_file.exists():
                values[: self._spilled] = np.fromfile(value_file, dtype=np.float64)
                mask[: self._spilled] = np.fromfile(mask_file, dtype=np.uint8).astype(np.bool_)
        held = self._values[column]
        if len(held):
            values[self._spilled :] = np.frombuffer(held, dtype=np.float64)
            mask[self._spilled :] = np.frombuffer(self._mask[column], dtype=np.uint8) != 0
        return values, mask

    def present(self, key: str) -> NDArray[np.float64]:
        """The values of ``key`` that replications have, in order (missing ones left out)."""
        values, mask = self.column(key)
        return values[mask]

    def close(self) -> None:
        """Remove the columns on disk, if any; the store is empty afterwards."""
        if self._cleanup is not None:
            self._cleanup()
        self._cleanup = None
        self._dir = None
        self._index.clear()
        self._values.clear()
        self._mask.clear()
        self._rows = self._spilled = 0

    def __enter__(self) -> Self:
        """The store itself; it is closed when the block ends."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()
