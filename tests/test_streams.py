"""Named streams: each is numpy's default generator seeded with the seed and the name.

The derivation is part of what makes a seed give the same run everywhere, so
it is pinned here against numpy's own, for seeds of one, two and three 32-bit
words and for names of every kind.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from simulator.model.streams import Streams


def reference(seed: int, name: str) -> np.random.Generator:
    digest = hashlib.sha256(name.encode()).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]
    return np.random.default_rng(np.random.SeedSequence([seed, *words]))


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 2**32, 2**63 - 1, 2**64 + 7, 12345])
@pytest.mark.parametrize("name", ["fleet/2", "unit#3", "task:clear_town", "inject:fog", ""])
def test_a_stream_is_the_default_generator_of_the_seed_and_the_name_s_hash(
    seed: int, name: str
) -> None:
    assert list(Streams(seed)(name).random(4)) == list(reference(seed, name).random(4))


def test_a_stream_continues_and_others_are_apart() -> None:
    streams = Streams(7)
    first = streams("a").random()
    assert streams("a") is streams("a")
    assert streams("a").random() != first
    assert Streams(7)("b").random() == reference(7, "b").random()
    assert streams.draw("a", 2) == 2.0
