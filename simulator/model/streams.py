"""Random streams: one numpy Generator per named entity, derived from the seed.

A replication's seed and an entity's name (a carrier ``fleet/2``, a load or
group ``unit#3``, a task ``task:clear_town``, an inject ``inject:fog``) give
that entity its own stream. Adding, removing
or editing one entity therefore leaves every other entity's draws as they
were (common random numbers: what-if comparisons differ only by the change).
Names are hashed with SHA-256, never with Python's ``hash``, so streams are
the same in every process.
"""

from __future__ import annotations

import hashlib

import numpy as np

from simulator.scenario.distributions import Distribution


class Streams:
    """Named random streams of one replication."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams: dict[str, np.random.Generator] = {}

    def draw(self, name: str, value: float | Distribution) -> float:
        """A value of a quantity for entity ``name``; a fixed number draws nothing.

        Streams are made only when something is drawn from them, which keeps
        a replication with few uncertain quantities as fast as a fixed one.
        """
        if isinstance(value, int | float):
            return float(value)
        return value.draw(self(name))

    def __call__(self, name: str) -> np.random.Generator:
        """The stream of ``name`` (created on first use, then continued)."""
        stream = self._streams.get(name)
        if stream is None:
            digest = hashlib.sha256(name.encode()).digest()
            words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
            stream = np.random.default_rng(np.random.SeedSequence([self.seed, *words]))
            self._streams[name] = stream
        return stream
