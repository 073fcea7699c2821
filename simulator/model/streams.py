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
from functools import lru_cache

import numpy as np
from numpy.random import PCG64, Generator, SeedSequence

from simulator.scenario.distributions import Distribution


class Streams:
    """Named random streams of one replication."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams: dict[str, Generator] = {}
        self._seed_words = _words_of(seed)

    def draw(self, name: str, value: float | Distribution) -> float:
        """A value of a quantity for entity ``name``; a fixed number draws nothing.

        Streams are made only when something is drawn from them, which keeps
        a replication with few uncertain quantities as fast as a fixed one.
        """
        if isinstance(value, int | float):
            return float(value)
        return value.draw(self(name))

    def __call__(self, name: str) -> Generator:
        """The stream of ``name`` (created on first use, then continued)."""
        stream = self._streams.get(name)
        if stream is None:
            # The stream of np.random.default_rng(SeedSequence([seed, *name_words(name)])),
            # its entropy given as the 32-bit words SeedSequence would split that list into.
            entropy = np.array([*self._seed_words, *name_words(name)], dtype=np.uint32)
            stream = Generator(PCG64(SeedSequence(entropy)))
            self._streams[name] = stream
        return stream


def _words_of(number: int) -> list[int]:
    """A non-negative integer as SeedSequence reads it: 32-bit words, least first."""
    words = [number & 0xFFFFFFFF]
    while number := number >> 32:
        words.append(number & 0xFFFFFFFF)
    return words


@lru_cache(maxsize=1 << 16)
def name_words(name: str) -> tuple[int, ...]:
    """The four 32-bit words of a name's SHA-256 that, with the seed, seed its stream.

    The same in every replication, so they are computed once per name.
    """
    digest = hashlib.sha256(name.encode()).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
