"""Unified social credit codes (统一社会信用代码, GB 32100-2015) with GB 11714 organisation codes.

A code is: registering body (``9`` market regulation, ``1`` establishment office, ``5`` civil
affairs), entity type (for ``9``: ``1`` enterprise, ``2`` individual business, ``3`` farmers'
cooperative; for ``1``: ``1`` state organ), the 6-digit division, the 9-character organisation
code (8 body characters and a mod-11 check) and a mod-31 check character. Both checks are
computed here, so a code that passes ``is_valid_uscc`` is valid under both standards.

>>> is_valid_uscc("91350100M000100Y43")
True
"""

from __future__ import annotations

import numpy as np
import numpy.strings  # noqa: F401  (np.strings loads lazily; load it with this module)
import pandas as pd
import pyarrow as pa

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714 values 0..35
_ORG_CHECK = "0123456789X0"  # index is 11 - sum % 11 (1..11); 10 -> 'X', 11 -> '0'
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
# Organisation-code body characters that are also legal in a credit code: the whole charset.
BODY_CHARS = USCC_CHARSET
MA_SHARE = 0.3  # newer codes issued since 2015 read "MA" + six characters


def _byte_table(mapping: dict[str, int]) -> np.ndarray:
    table = np.full(128, -1, dtype=np.int64)
    for char, value in mapping.items():
        table[ord(char)] = value
    return table


_USCC_TABLE = _byte_table(_USCC_VALUE)
_ORG_TABLE = _byte_table({c: i for i, c in enumerate(_ORG_CHARS)})
_USCC_BYTES = np.frombuffer(USCC_CHARSET.encode("ascii"), dtype=np.uint8)
_ORG_CHECK_BYTES = np.frombuffer(_ORG_CHECK.encode("ascii"), dtype=np.uint8)
_BODY_BYTES = np.frombuffer(BODY_CHARS.encode("ascii"), dtype=np.uint8)


def org_code_check_char(body8: str) -> str:
    """GB 11714 check: ``C = 11 - sum(v_i * w_i) % 11`` with 10 -> 'X' and 11 -> '0'."""
    if len(body8) != 8 or any(c not in _ORG_CHARS for c in body8):
        raise ValueError(f"an organisation code body is 8 of 0-9/A-Z; got {body8!r}")
    total = sum(_ORG_CHARS.index(c) * w for c, w in zip(body8, ORG_WEIGHTS))
    return _ORG_CHECK[11 - total % 11]


def uscc_check_char(body17: str) -> str:
    """GB 32100 check: ``CS[(31 - sum(v_i * w_i) % 31) % 31]``."""
    if len(body17) != 17 or any(c not in _USCC_VALUE for c in body17):
        raise ValueError(f"a credit code body is 17 characters of {USCC_CHARSET}; got {body17!r}")
    total = sum(_USCC_VALUE[c] * w for c, w in zip(body17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def make_uscc(division: str, org_body8: str, *, registering: str = "9",
              entity_type: str = "1") -> str:
    """One credit code from its parts; both check characters are computed."""
    if len(division) != 6 or not division.isdigit():
        raise ValueError(f"a division code has 6 digits; got {division!r}")
    if len(registering) != 1 or len(entity_type) != 1:
        raise ValueError("registering and entity_type are single characters")
    body = registering + entity_type + division + org_body8 + org_code_check_char(org_body8)
    return body + uscc_check_char(body)


def _ascii(values, width: int, n: int) -> np.ndarray:
    """An (n, width) byte matrix of equal-width ASCII strings, broadcasting a single value.

    Many rows share few values (divisions), so each distinct value is checked and encoded once
    and the rows are filled from those (a hash factorisation, not a sort)."""
    array = np.asarray(values)
    if array.ndim == 0 and n:
        return np.broadcast_to(_ascii_rows(array.reshape(1), width, 1), (n, width))
    if array.dtype == np.dtype(f"U{width}") and array.shape == (n,) and n:
        # fixed-width text: its code points are the bytes when every one is ASCII and not NUL
        points = np.ascontiguousarray(array).view(np.uint32).reshape(n, width)
        if ((points > 0) & (points < 128)).all():
            return points.astype(np.uint8)
    if array.ndim == 0 or len(array) != n or n == 0 or (
            array.dtype == object and pd.api.types.infer_dtype(array, skipna=False) != "string"):
        return _ascii_rows(values, width, n)
    codes, uniq = pd.factorize(array)
    return _ascii_rows(np.asarray(uniq), width, len(uniq))[codes]


def _ascii_rows(values, width: int, n: int) -> np.ndarray:
    text = np.broadcast_to(np.asarray(values).astype(str), (n,))
    if n and np.any(np.strings.str_len(text) != width):
        raise ValueError(f"expected values of {width} characters")
    try:
        raw = text.astype(f"S{width}")
    except UnicodeEncodeError:
        raise ValueError(f"expected ASCII values of {width} characters") from None
    return np.ascontiguousarray(raw).view(np.uint8).reshape(n, width)


def _later_repeats(body: np.ndarray) -> np.ndarray:
    """Rows whose 8 body bytes equal an earlier row's (compared as one 64-bit integer, in a
    hash table: cheaper than a sort)."""
    keys = np.ascontiguousarray(body).view(np.uint64).ravel()
    return pd.Series(keys, copy=False).duplicated().to_numpy()


def _arrow(chars: np.ndarray) -> pa.Array:
    """A string array (``large_string`` past 2 GiB) from an (n, width) matrix of ASCII bytes."""
    n, width = chars.shape
    large = n * width >= 1 << 31
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64 if large else np.int32)
    return pa.Array.from_buffers(pa.large_string() if large else pa.string(), n,
                                 [None, pa.py_buffer(offsets),
                                  pa.py_buffer(np.ascontiguousarray(chars))])


def _weighted_sum(chars: np.ndarray, values: np.ndarray, weights) -> np.ndarray:
    """``values[chars] @ weights`` a column at a time: the same sums without a (rows, width)
    table of int64 (a million codes would make one of 136 MB)."""
    total = np.zeros(len(chars), dtype=np.int64)
    for i, weight in enumerate(weights):
        total += weight * values[chars[:, i]]
    return total


def _draw_bodies(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 8) bytes: eight digits, or "MA" and six characters valid in both standards."""
    digits = rng.integers(0, 10, (n, 8)) + ord("0")
    mixed = _BODY_BYTES[rng.integers(0, len(BODY_CHARS), (n, 8))]
    mixed[:, 0], mixed[:, 1] = ord("M"), ord("A")
    newer = rng.random(n) < MA_SHARE
    return np.where(newer[:, None], mixed, digits).astype(np.uint8)


def make_usccs(rng: np.random.Generator, n: int, *, divisions, registering="9",
               entity_type="1") -> np.ndarray:
    """:func:`make_uscc_array` as an object array of ``str``."""
    return make_uscc_array(rng, n, divisions=divisions, registering=registering,
                           entity_type=entity_type).to_numpy(zero_copy_only=False)


def make_uscc_array(rng: np.random.Generator, n: int, *, divisions, registering="9",
                    entity_type="1") -> pa.Array:
    """``n`` unique credit codes as an Arrow string array.

    ``divisions``, ``registering`` and ``entity_type`` are one value or one per row. Organisation
    codes are unique across the result (as they are nationally); a repeated one is redrawn, in row
    order, so the output is deterministic.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0; got {n}")
    head = np.concatenate([_ascii(registering, 1, n), _ascii(entity_type, 1, n),
                           _ascii(divisions, 6, n)], axis=1)
    if any((_USCC_TABLE[head[:, i]] < 0).any() for i in range(head.shape[1])):
        raise ValueError(f"registering, entity type and division must use {USCC_CHARSET}")
    body = _draw_bodies(rng, n)
    while True:
        again = _later_repeats(body)
        if not again.any():
            break
        body[again] = _draw_bodies(rng, int(again.sum()))
    org_sum = _weighted_sum(body, _ORG_TABLE, ORG_WEIGHTS)
    org_check = _ORG_CHECK_BYTES[11 - org_sum % 11]
    code17 = np.concatenate([head, body, org_check[:, None]], axis=1)
    total = _weighted_sum(code17, _USCC_TABLE, USCC_WEIGHTS)
    check = _USCC_BYTES[(31 - total % 31) % 31]
    return _arrow(np.concatenate([code17, check[:, None]], axis=1).astype(np.uint8))


def is_valid_uscc(s: object) -> bool:
    """True for a canonical code: 18 characters of the charset, both checks right."""
    if not isinstance(s, str) or len(s) != 18 or any(c not in _USCC_VALUE for c in s):
        return False
    return org_code_check_char(s[8:16]) == s[16] and uscc_check_char(s[:17]) == s[17]
