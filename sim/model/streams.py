"""Named random streams: one numpy Generator per process of the model, all children of one seed.

A reform run and its baseline with the same seed draw the same numbers for every process the reform does not
touch (common random numbers), because each process draws from its own stream, not from a shared one whose
position would shift as soon as one reform draws one number more or less. Streams are keyed by a stable hash of
their name, so adding a new stream later does not move the existing ones.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (crc32: identical in every process and Python version)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """``streams["messages"]`` is the Generator for messages; the same (seed, name) always gives the same draws."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            seq = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            gen = self._generators[name] = np.random.Generator(np.random.PCG64(seq))
        return gen


class Categorical:
    """Draws from fixed category shares: ``draw(rng, n)`` is ``rng.choice(len(p), size=n, p=p)``, draw for draw and
    from the same numbers (numpy's own method: one uniform each, placed on the shares' cumulative sum), without
    checking the shares again on every call (a tenth of the time; ``tests/test_speed.py`` holds it to numpy's)."""

    def __init__(self, p):
        cdf = np.cumsum(np.asarray(p, dtype=np.float64))
        cdf /= cdf[-1]
        self.cdf = cdf

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.cdf.searchsorted(rng.random(n), side="right")
