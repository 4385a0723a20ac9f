"""Sorting helpers for non-negative integer keys, cheaper than numpy's stable ``argsort``.

``numpy.argsort(kind="stable")`` on 64-bit integers is a merge sort of (key, index) pairs; when
the key and the row number fit in 64 bits together, one ``numpy.sort`` of the packed values
gives the same order much faster. Both helpers fall back to numpy when they do not fit.

>>> stable_argsort(np.array([3, 1, 3, 0, 1])).tolist()
[3, 1, 4, 0, 2]
>>> [u.tolist() for u in dense_codes(np.array([340207, 340202, 340207]))]
[[340202, 340207], [1, 0, 1]]
"""

from __future__ import annotations

import numpy as np

_DENSE_MAX = 1 << 22        # codes spanning less than this are ranked through a lookup table


def stable_argsort(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer ``keys``."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.asarray(keys)
    top = int(keys.max())
    low = max(n - 1, 1).bit_length()
    if int(keys.min()) < 0 or top.bit_length() + low > 63:
        return np.argsort(keys, kind="stable")
    packed = keys.astype(np.int64)           # in place from here: millions of rows
    packed <<= low
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    packed &= (1 << low) - 1
    return packed


def dense_codes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` for integer codes within a few million."""
    codes = np.asarray(codes)
    if len(codes) == 0 or int(codes.max()) - int(codes.min()) >= _DENSE_MAX:
        return np.unique(codes, return_inverse=True)
    low = int(codes.min())
    shifted = codes - low
    present = np.zeros(int(shifted.max()) + 1, dtype=bool)
    present[shifted] = True
    uniq = np.flatnonzero(present)
    rank = np.cumsum(present) - 1
    return (uniq + low).astype(codes.dtype), rank[shifted]
