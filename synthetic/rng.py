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


# Buckets of the unit interval for weighted draws from many categories (surnames): each bucket
# holds the few category bounds that fall in it, so most draws need no search.
_BUCKETS = 1 << 14


def choice(rng: np.random.Generator, k: int, n: int, p) -> np.ndarray:
    """``rng.choice(k, size=n, p=p)``: the same values from the same ``n`` uniform draws.

    numpy searches the cumulative weights for every draw; counting the bounds at or below a
    draw (few categories) or reading them from a bucket table (many) gives the same index
    several times faster."""
    p = np.asarray(p, dtype=np.float64)
    if len(p) != k or (p < 0).any() or abs(p.sum() - 1.0) > np.sqrt(np.finfo(np.float64).eps):
        raise ValueError(f"p must be {k} non-negative probabilities summing to 1")
    cdf = p.cumsum()
    cdf /= cdf[-1]
    u = rng.random(n)
    if k <= 16:                   # as numpy's search (side="right"): bounds at or below u
        index = np.zeros(n, dtype=np.int8)
        for bound in cdf:
            index += u >= bound
        return index.astype(np.int64)
    # u lies in bucket b = floor(u * B), [b / B, (b + 1) / B) exactly (B is a power of two):
    # bounds up to the bucket's start are at or below u, bounds from its end on are above it;
    # only a draw with a bound inside its bucket is searched.
    edges = np.arange(_BUCKETS + 1) / _BUCKETS
    low = np.searchsorted(cdf, edges[:-1], "right")
    high = np.searchsorted(cdf, edges[1:], "left")
    bucket = (u * _BUCKETS).astype(np.int64)
    index = low[bucket]
    unsure = np.flatnonzero(high[bucket] != index)
    index[unsure] = np.searchsorted(cdf, u[unsure], "right")
    return index
