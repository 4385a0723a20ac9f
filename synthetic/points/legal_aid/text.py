"""Arrow string columns straight from numpy buffers.

A million rows of ``take`` from a large Arrow array, or of Python strings, cost more than the
whole rest of the generator may. Fixed-width ASCII text (ids, ID numbers, dates) is kept as numpy
``S<width>`` arrays: parts are formatted once per distinct value in small tables, gathered per
row and joined as the fields of one record, then wrapped as Arrow ``string`` without a copy.
Names go from code points to UTF-8 in a few array operations.

A table column is :class:`Coded`: distinct values and each row's index into them, taken into one
Arrow array only when the table is made, after the noise pass has appended its variants and
repeated rows — so every column is written once.

>>> fixed(join(digits(np.array([7, 42]), 3), b"-", digits(np.array([1, 2]), 1))).to_pylist()
['007-1', '042-2']
>>> iso(np.array([19723, 0, 19723])).array().to_pylist()
['2024-01-01', '1970-01-01', '2024-01-01']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.points.legal_aid.rules import ymd

ZERO = ord("0")
# Arrow's default pool (mimalloc) soon gives freed memory back to the system, so at a million
# rows each new column faults its pages in again; the C library's heap reuses them (measured:
# about a sixth less CPU at 1M subjects, the same at 10k).
POOL = pa.system_memory_pool()


@dataclass(frozen=True)
class Coded:
    """The column ``values[index]``; no ``index``: the values are the column. ``values`` are an
    Arrow array, or an ``S<width>`` array of ASCII text, which numpy gathers faster."""

    values: pa.Array | np.ndarray
    index: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.values) if self.index is None else len(self.index)

    def array(self) -> pa.Array:
        if isinstance(self.values, np.ndarray):
            return fixed(self.values, self.index)
        if self.index is None:
            return self.values
        return pc.take(self.values, pa.array(self.index), memory_pool=POOL)

    def cells(self, rows: np.ndarray) -> pa.Array:
        """The values of ``rows``."""
        return Coded(self.values, rows if self.index is None else self.index[rows]).array()

    def replaced(self, rows: np.ndarray, values: pa.Array) -> Coded:
        """The column with ``rows`` holding ``values`` (one per row, or one for all)."""
        if len(rows) == 0:
            return self
        index = np.arange(len(self)) if self.index is None else self.index.copy()
        index[rows] = len(self.values) + (np.arange(len(rows)) if len(values) > 1 else 0)
        return Coded(pa.concat_arrays([Coded(self.values).array(), values], memory_pool=POOL),
                     index)

    def reordered(self, rows: np.ndarray) -> Coded:
        """The column's ``rows``, in that order (repeats allowed)."""
        return Coded(self.values, rows if self.index is None else self.index[rows])


def digit_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """``(n, width)`` ASCII digits of non-negative integers, zero-padded on the left."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers % 10 + ZERO).astype(np.uint8)


@cache
def _table(width: int) -> np.ndarray:
    return digit_matrix(np.arange(10**width), width).view(f"S{width}").ravel()


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """``S<width>`` digits of non-negative integers, zero-padded on the left: up to four digits
    at a time from a table of them."""
    values = np.asarray(values, dtype=np.int64)
    parts, rest = [], width
    while rest:
        w = rest % 4 or 4
        rest -= w
        parts.append(np.take(_table(w), (values // 10**rest if rest else values) % 10**w))
    return join(*parts) if len(parts) > 1 else parts[0]


def join(*parts) -> np.ndarray:
    """Row-wise concatenation of ``S<w>`` arrays (or ``bytes`` constants), as one ``S``
    array: each part is copied into a field of a record, with no per-byte work."""
    n = max(len(p) for p in parts if isinstance(p, np.ndarray))
    widths = [len(p) if isinstance(p, bytes) else p.dtype.itemsize for p in parts]
    out = np.empty(n, np.dtype([(f"f{i}", f"S{w}") for i, w in enumerate(widths)]))
    for i, part in enumerate(parts):
        out[f"f{i}"] = part
    return out.view(f"S{sum(widths)}")


def fixed(values: np.ndarray, rows: np.ndarray | None = None) -> pa.Array:
    """An Arrow ``string`` array of an ``S<width>`` array of ASCII text (of its ``rows``: a
    ``take``, which moves fixed-width items twice as fast as fancy indexing)."""
    if rows is not None:
        values = np.take(values, rows)
    n, width = len(values), values.dtype.itemsize
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(np.ascontiguousarray(values))])


def utf8(points: np.ndarray) -> pa.Array:
    """Strings of ``(n, k)`` code points in U+0800..U+FFFF (three UTF-8 bytes each), zero-padded
    at the end of each row."""
    n, k = points.shape
    count = np.count_nonzero(points, axis=1)
    raw = np.empty((n, k, 3), dtype=np.uint8)
    raw[..., 0] = 0xE0 | (points >> 12)
    raw[..., 1] = 0x80 | ((points >> 6) & 0x3F)
    raw[..., 2] = 0x80 | (points & 0x3F)
    data = raw.reshape(n, 3 * k)[np.arange(3 * k) < 3 * count[:, None]]
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(3 * count, out=offsets[1:])
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(data)])


@cache
def _vocabulary(values: tuple[str, ...]) -> pa.Array:
    return pa.array(values, pa.string())


def vocab(values: tuple[str, ...], codes: np.ndarray) -> Coded:
    """``values[codes]`` for a small vocabulary."""
    return Coded(_vocabulary(tuple(values)), np.asarray(codes, dtype=np.int64))


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values, ascending; each row's index into them) of integers in a small range
    (day numbers, say), found by marking the range rather than by sorting: a table of the
    distinct values then costs no more than the rows."""
    values = np.asarray(values, dtype=np.int64)
    if len(values) == 0:
        return values, values
    lo = int(values.min())
    seen = np.zeros(int(values.max()) - lo + 1, dtype=bool)
    seen[values - lo] = True
    return np.flatnonzero(seen) + lo, (np.cumsum(seen) - 1)[values - lo]


def iso(days: np.ndarray) -> Coded:
    """``YYYY-MM-DD`` of day numbers (days since 1970-01-01), each distinct day written once."""
    every, at = distinct(days)
    year, month0, day0 = ymd(every)
    return Coded(join(digits(year, 4), b"-", digits(month0 + 1, 2), b"-", digits(day0 + 1, 2)),
                 at)
