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

from numpy.random import PCG64, Generator, SeedSequence

from simulator.scenario.distributions import Distribution


class Streams:
    """Named random streams of one replication."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams: dict[str, Generator] = {}

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
            # What np.random.default_rng(SeedSequence(...)) makes, without its checks.
            stream = Generator(PCG64(SeedSequence([self.seed, *name_words(name)])))
            self._streams[name] = stream
        return stream


@lru_cache(maxsize=1 << 16)
def name_words(name: str) -> tuple[int, ...]:
    """The four 32-bit words of a name's SHA-256 that, with the seed, seed its stream.

    The same in every replication, so they are computed once per name.
    """
    digest = hashlib.sha256(name.encode()).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
