"""Seeded random streams.

Every random draw in a generator comes from a named stream derived from the scenario seed with
``numpy.random.SeedSequence``. Names are turned into integers with CRC-32 (stable across
processes, unlike ``hash()``), so adding a stream never shifts the draws of another one and the
noise pass never disturbs the facts.
"""

from __future__ import annotations

import zlib

import numpy as np


def _words(names: tuple[str | int, ...]) -> list[int]:
    out = []
    for name in names:
        if isinstance(name, int):
            out.append(name & 0xFFFFFFFF)
        else:
            out.append(zlib.crc32(str(name).encode("utf-8")))
    return out


def stream(seed: int, *names: str | int) -> np.random.Generator:
    """A generator for ``seed`` and a path of stream names, e.g. ``stream(7, "env_tax", "facts")``."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), *_words(names)])))
