"""Vocabulary pools and the composers that turn them into names and addresses.

The pools are files built once from the pinned Faker by ``scripts/build_pools.py`` and shipped as
package data, so generation never calls Faker (whose output drifts between versions) and draws
only from the caller's seeded ``numpy.random.Generator``. Every composer is vectorised and
returns an object array of ``str`` (its ``*_array`` twin, where there is one, the same values as
an Arrow array, for generators that keep a million strings out of Python).

>>> pool("company_suffixes")
('有限公司', '有限责任公司', '股份有限公司')
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources

import numpy as np
import numpy.strings  # noqa: F401  (np.strings loads lazily; load it with this module)
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from harness.errors import UnknownNameError
from synthetic import regions
from synthetic.rng import choice

POOLS_VERSION = "v1"
MALE, FEMALE = "男", "女"
TWO_CHAR_GIVEN_SHARE = 0.6     # given names of two characters, the rest as Faker lists them
PROVINCE_PREFIX_SHARE = 0.15   # "安徽…" rather than "芜湖…" at the head of a company name
BRACKET_SHARE = 0.10           # names with full-width brackets: （集团）, （芜湖）, （芜湖分公司）
LEGAL_FORM_WEIGHTS = {"有限公司": 0.80, "有限责任公司": 0.15, "股份有限公司": 0.05}
BUILDING_SHARE = 0.25          # addresses inside an industrial park
_MAX_REDRAWS = 200
_S = np.dtypes.StringDType()


@cache
def _pool_dir():
    return resources.files("synthetic").joinpath("data", "pools", POOLS_VERSION)


def available_pools() -> list[str]:
    return sorted(f.name.removesuffix(".txt") for f in _pool_dir().iterdir()
                  if f.name.endswith(".txt"))


@cache
def _read(name: str) -> tuple[tuple[str, ...], tuple[float, ...] | None]:
    file = _pool_dir().joinpath(f"{name}.txt")
    if not file.is_file():
        raise UnknownNameError("pool", name, available_pools())
    lines = file.read_text(encoding="utf-8").splitlines()
    if "\t" not in lines[0]:
        return tuple(lines), None
    values, weights = zip(*(line.split("\t") for line in lines))
    return tuple(values), tuple(float(w) for w in weights)


def pool(name: str) -> tuple[str, ...]:
    """The values of one pool, sorted; ``KeyError`` (with a did-you-mean) for an unknown name."""
    return _read(name)[0]


def pool_weights(name: str) -> np.ndarray:
    """Draw probabilities aligned with ``pool(name)``: Faker's frequencies, or uniform."""
    values, weights = _read(name)
    w = np.ones(len(values)) if weights is None else np.asarray(weights)
    return w / w.sum()


@lru_cache(maxsize=64)
def _arrow_vocabulary(values: tuple[str, ...]) -> pa.Array:
    """A vocabulary as an Arrow string array, converted once (trade names are four thousand)."""
    return pa.array(values, pa.string())


@cache
def _array(name: str) -> np.ndarray:
    return np.asarray(pool(name), dtype=_S)


def _cat(*parts) -> np.ndarray:
    out = parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part)
    return out


def _later_duplicates(values: np.ndarray) -> np.ndarray:
    """Rows whose value already occurred in an earlier row."""
    _, first = np.unique(values, return_index=True)
    later = np.ones(len(values), dtype=bool)
    later[first] = False
    return later


def _repeats(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows repeating an earlier row's key, ascending; the distinct keys, sorted): the repeats
    from a hash table, then one sort of the other keys."""
    later = pd.Series(keys, copy=False).duplicated().to_numpy()
    return np.flatnonzero(later), np.sort(keys[~later])


def _redraw_repeats(keys: np.ndarray, redraw: Callable[[np.ndarray], np.ndarray]) -> None:
    """Make ``keys`` unique in place: a row repeating an earlier row's key gets
    ``redraw(rows)`` until it is new. Only the redrawn rows are checked again, against the
    sorted keys already accepted, so the rounds stay cheap at a million rows."""
    pending, accepted = _repeats(keys)
    for _ in range(_MAX_REDRAWS):
        if len(pending) == 0:
            return
        new = redraw(pending)
        keys[pending] = new
        at = np.minimum(np.searchsorted(accepted, new), max(len(accepted) - 1, 0))
        clash = (accepted[at] == new) if len(accepted) else np.zeros(len(new), dtype=bool)
        clash |= _later_duplicates(new)
        fresh = np.sort(new[~clash])
        accepted = np.insert(accepted, np.searchsorted(accepted, fresh), fresh)
        pending = pending[clash]
    raise ValueError(f"cannot make {len(keys)} values unique from the pools")


@cache
def _points(name: str) -> np.ndarray | None:
    """A pool's values as code points, ``(len, 2)`` zero-padded, or ``None`` when some value
    has more than two characters or one outside the Basic Multilingual Plane."""
    values = np.asarray(pool(name))
    if values.dtype.itemsize > 2 * 4:          # some value has more than two characters
        return None
    points = np.ascontiguousarray(values.astype("U2")).view(np.uint32).reshape(-1, 2)
    return points if points.max(initial=0) < 1 << 16 else None


def _point_keys(points: np.ndarray) -> np.ndarray:
    """Each ``(n, 4)`` row of 16-bit code points as one integer: equal exactly when the names
    are, so repeats are found among integers rather than strings."""
    p = points.astype(np.uint64)
    return (p[:, 0] << 48) | (p[:, 1] << 32) | (p[:, 2] << 16) | p[:, 3]


def _full_name_points(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """The names :func:`_full_names` draws (the same draws, in the same order) as ``(n, 4)``
    code points: surname, then the given name from the surname's length on, zero-padded."""
    n = len(male)
    surname = _points("last_names")[choice(rng, len(pool("last_names")), n,
                                           pool_weights("last_names"))]
    given = np.empty((n, 2), dtype=np.uint32)
    for sex_pool, rows in (("first_names_male", male), ("first_names_female", ~male)):
        names, m = _points(sex_pool), int(rows.sum())
        single = names[names[:, 1] == 0, 0]
        first, second = rng.integers(0, len(single), (2, m))
        part = names[rng.integers(0, len(names), m)]
        pair = rng.random(m) < TWO_CHAR_GIVEN_SHARE
        part[pair, 0], part[pair, 1] = single[first[pair]], single[second[pair]]
        given[rows] = part
    out = np.empty((n, 4), dtype=np.uint32)
    one = surname[:, 1] == 0             # a one-character surname: the given name moves left
    out[:, 0] = surname[:, 0]
    out[:, 1] = np.where(one, given[:, 0], surname[:, 1])
    out[:, 2] = np.where(one, given[:, 1], given[:, 0])
    out[:, 3] = np.where(one, 0, given[:, 1])
    return out


def _fits_points() -> bool:
    return all(_points(p) is not None
               for p in ("last_names", "first_names_male", "first_names_female"))


def _given_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    out = np.empty(len(male), dtype=_S)
    for sex_pool, rows in (("first_names_male", male), ("first_names_female", ~male)):
        names, m = _array(sex_pool), int(rows.sum())
        single = names[np.strings.str_len(names) == 1]
        first, second = rng.integers(0, len(single), (2, m))
        listed = names[rng.integers(0, len(names), m)]
        pair = rng.random(m) < TWO_CHAR_GIVEN_SHARE
        given = listed.copy()
        given[pair] = _cat(single[first[pair]], single[second[pair]])
        out[rows] = given
    return out


def _full_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    surnames = _array("last_names")[choice(rng, len(pool("last_names")), len(male),
                                           pool_weights("last_names"))]
    return _cat(surnames, _given_names(rng, male))


def _males(sexes) -> np.ndarray:
    sex = np.asarray(sexes, dtype=object)
    male = sex == MALE
    if not np.all(male | (sex == FEMALE)):
        raise ValueError('sexes must be "男" or "女"')
    return male


def _distinct_full_names(rng: np.random.Generator, male: np.ndarray,
                         distinct: bool) -> np.ndarray:
    names = _full_names(rng, male)
    if distinct:
        _redraw_repeats(names, lambda rows: _full_names(rng, male[rows]))
    return names


def _name_points(rng: np.random.Generator, male: np.ndarray, distinct: bool) -> np.ndarray:
    """The same draws as :func:`_full_names`, kept as code points: repeats are found among
    integers and the strings are made once, at the end."""
    points = _full_name_points(rng, male)
    if distinct:
        def redraw(rows):
            points[rows] = _full_name_points(rng, male[rows])
            return _point_keys(points[rows])

        _redraw_repeats(_point_keys(points), redraw)
    return points


def _utf8(points: np.ndarray) -> pa.Array:
    """A ``large_string`` array of ``(n, k)`` code points below 2**16, zero-padded at the end,
    encoded to UTF-8 with array operations (no Python strings)."""
    p = np.asarray(points, dtype=np.uint32)
    used = p > 0
    if p.shape[1] <= 4 and (p >= 0x800).sum() == used.sum() and (
            used[:, 1:] <= used[:, :-1]).all():
        return _utf8_inline(p, used)
    one, two = p < 0x80, p < 0x800
    width = np.where(two, np.where(one, p > 0, 2), 3).astype(np.int8)
    slots = np.empty(p.shape + (3,), dtype=np.uint8)
    slots[..., 0] = np.where(one, p, np.where(two, 0xC0 | (p >> 6), 0xE0 | (p >> 12)))
    slots[..., 1] = np.where(two, 0x80 | (p & 0x3F), 0x80 | ((p >> 6) & 0x3F))
    slots[..., 2] = 0x80 | (p & 0x3F)
    data = slots[np.arange(3) < width[..., None]]
    offsets = np.zeros(len(p) + 1, dtype=np.int64)
    np.cumsum(width.sum(axis=1), out=offsets[1:])
    return pa.Array.from_buffers(pa.large_string(), len(p),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _utf8_inline(p: np.ndarray, used: np.ndarray) -> pa.Array:
    """:func:`_utf8` of at most four characters of three UTF-8 bytes each (Chinese names):
    each row's bytes fit inline in a 16-byte Arrow string view (length, then the bytes), so
    the rows are encoded in place and Arrow packs them, with no compaction in numpy."""
    n, k = p.shape
    views = np.zeros((n, 16), dtype=np.uint8)
    views[:, :4] = (3 * used.sum(axis=1)).astype("<i4").view(np.uint8).reshape(n, 4)
    chars = views[:, 4:4 + 3 * k].reshape(n, k, 3)
    chars[..., 0] = (0xE0 | (p >> 12)) * used
    chars[..., 1] = (0x80 | ((p >> 6) & 0x3F)) * used
    chars[..., 2] = (0x80 | (p & 0x3F)) * used
    return pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(views)]).cast(
        pa.large_string())


def person_names(rng: np.random.Generator, sexes, *, distinct: bool = False) -> np.ndarray:
    """Chinese names for people of the given sexes ("男"/"女").

    Surnames follow Faker's frequencies, so names repeat as they do in life. ``distinct=True``
    redraws repeated names (in row order) for difficulties that promise no namesakes.
    """
    male = _males(sexes)
    if not _fits_points():
        return _distinct_full_names(rng, male, distinct).astype(object)
    return _name_points(rng, male, distinct).view("U4").ravel().astype(object)


def person_name_array(rng: np.random.Generator, male: np.ndarray, *,
                      distinct: bool = False) -> pa.Array:
    """:func:`person_names` (the same draws) for a boolean ``male`` per person, as an Arrow
    ``large_string`` array."""
    if not _fits_points():
        return pa.array(_distinct_full_names(rng, male, distinct), pa.large_string())
    return _utf8(_name_points(rng, male, distinct))


def _city_heads(city_names, n: int) -> tuple[list[str], np.ndarray]:
    """(the distinct city heads, sorted; each row's index into them): "芜湖市" and "芜湖" are
    both "芜湖". Rows share few cities, so each distinct value is read once (a hash
    factorisation, not a sort of every row; a ``pandas.Categorical`` is factorised already)."""
    if isinstance(city_names, pd.Categorical) and len(city_names) == n:
        used = city_names.remove_unused_categories()
        codes, raw = used.codes.astype(np.int64), [str(c) for c in used.categories]
        return _heads(raw, codes, n)
    cities = np.asarray(city_names, dtype=object)
    if cities.ndim == 0:
        codes, raw = np.zeros(n, dtype=np.int64), [str(cities[()])]
    else:
        cities = np.broadcast_to(cities, (n,))
        codes, uniq = pd.factorize(cities, use_na_sentinel=False)
        raw = [str(c) for c in uniq]
    return _heads(raw, codes, n)


def _heads(raw: list[str], codes: np.ndarray, n: int) -> tuple[list[str], np.ndarray]:
    """:func:`_city_heads` of the distinct city names ``raw`` and each row's index into them."""
    short = [c.removesuffix("市") if len(c) > 2 else c for c in raw]
    heads, inverse = np.unique(np.asarray(short, dtype=object).astype(str), return_inverse=True)
    return heads.tolist(), inverse[codes] if len(raw) else np.zeros(n, dtype=np.int64)


def company_names(rng: np.random.Generator, n: int, *, city_names, industry_words=None,
                  unique: bool = True) -> np.ndarray:
    """:func:`company_name_array` as an object array of ``str``."""
    return company_name_array(rng, n, city_names=city_names, industry_words=industry_words,
                              unique=unique).to_numpy(zero_copy_only=False)


def company_name_array(rng: np.random.Generator, n: int, *, city_names, industry_words=None,
                       unique: bool = True) -> pa.Array:
    """Registered company names such as "芜湖华远环保科技有限公司", as an Arrow string array.

    ``city_names`` (one or one per row, with or without 市, or a ``pandas.Categorical`` of them)
    opens the name; some names open with "安徽" instead, and about 10% carry full-width
    brackets — "安徽恒通化工（集团）有限公司", "恒通化工（芜湖）有限公司",
    "安徽恒通化工有限公司（芜湖分公司）" — so that bracket noise matters. ``unique=True``
    redraws the trade name of repeated names, in row order.
    """
    heads, city_id = _city_heads(city_names, n)
    words = pool("industry_words") if industry_words is None else tuple(industry_words)
    if len(words) == 0:
        raise ValueError("industry_words must not be empty")
    forms, trades = tuple(LEGAL_FORM_WEIGHTS), pool("trade_names")
    industry = rng.integers(0, len(words), n)
    form = choice(rng, len(forms), n, list(LEGAL_FORM_WEIGHTS.values()))
    province = rng.random(n) < PROVINCE_PREFIX_SHARE
    kind = np.where(rng.random(n) < BRACKET_SHARE, rng.integers(1, 4, n), 0)
    trade = rng.integers(0, len(trades), n)
    # Everything but the trade name as one integer, so that repeats are found without sorting
    # strings: place 0 is "安徽", which names of kinds 0 and 1 may open with instead of the city.
    place = np.where(province & (kind < 2), 0, city_id + 1)
    template = ((kind * (city_id.max(initial=0) + 2) + place) * len(words) + industry) * len(
        forms) + form
    if unique:
        def redraw(rows):
            trade[rows] = rng.integers(0, len(trades), len(rows))
            return template[rows] * len(trades) + trade[rows]

        _redraw_repeats(template * len(trades) + trade, redraw)
    # Each part from a small vocabulary (the city's variants after the fixed ones), joined once.
    head = np.where(kind == 2, 0, np.where((kind == 3) | province, 1, 2 + city_id))
    middle = np.where(kind == 1, 1, np.where(kind == 2, 2 + city_id, 0))
    tail = np.where(kind == 3, 1 + city_id, 0)
    parts = [(["", "安徽", *heads], head), (trades, trade), (words, industry),
             (["", "（集团）", *("（" + c + "）" for c in heads)], middle), (forms, form),
             (["", *("（" + c + "分公司）" for c in heads)], tail)]
    joined = pc.binary_join_element_wise(
        *(_arrow_vocabulary(tuple(vocab)).take(pa.array(index, pa.int64()))
          for vocab, index in parts), "")
    if unique and _repeated_text(parts, joined):
        raise ValueError("city names and industry words run into each other (like '黄山' and "
                         "'黄山区'), so distinct parts gave equal names")
    return joined


# Rows of joined vocabulary parts are compared by a polynomial hash of their UTF-8 bytes,
# modulo 2**64, which a concatenation gets from its parts: h(ab) = h(a) * BASE**len(b) + h(b).
_HASH_BASE = 0x100000001B3


@lru_cache(maxsize=64)
def _text_hashes(values: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(hash, byte length) of each value, the bytes taken a column at a time."""
    encoded = [v.encode("utf-8") for v in values]
    width = max((len(b) for b in encoded), default=0)
    raw = np.array(encoded, dtype=f"S{max(width, 1)}").view(np.uint8).reshape(len(values), -1)
    length = np.array([len(b) for b in encoded], dtype=np.int64)
    h = np.zeros(len(values), dtype=np.uint64)
    for j in range(width):
        h = np.where(j < length, h * np.uint64(_HASH_BASE) + raw[:, j], h)
    return h, length


@cache
def _hash_powers(top: int) -> np.ndarray:
    """``BASE**k`` modulo 2**64 for ``k`` in ``0 .. top``."""
    return np.cumprod(np.r_[1, np.full(top, _HASH_BASE)].astype(np.uint64))


def _repeated_text(parts: list, joined: pa.Array) -> bool:
    """Whether ``joined``, the rows' concatenated ``(vocabulary, index)`` parts, repeats a string.

    Hashes combined from the parts' stand for the strings (no hashing of a million strings);
    only rows whose hashes repeat are compared as text."""
    h = np.zeros(len(joined), dtype=np.uint64)
    for vocab, index in parts:
        part_hash, length = _text_hashes(tuple(vocab))
        h = h * _hash_powers(int(length.max(initial=0)))[length[index]] + part_hash[index]
    suspects = pd.Series(h, copy=False).duplicated(keep=False).to_numpy()
    if not suspects.any():
        return False
    texts = joined.filter(pa.array(suspects))
    return len(pc.unique(texts)) < len(texts)


def addresses(rng: np.random.Generator, county_codes) -> np.ndarray:
    """Street addresses inside each county, e.g. "安徽省芜湖市鸠江区北京路188号"."""
    codes = np.asarray(county_codes).astype(str)
    n = len(codes)
    uniq, inverse = np.unique(codes, return_inverse=True)
    prefix = np.asarray([regions.full_name(c) for c in uniq], dtype=_S)[inverse]
    streets, parks = _array("street_names"), _array("building_words")
    street = streets[rng.integers(0, len(streets), n)]
    number = rng.integers(1, 1000, n).astype(str).astype(_S)
    park = _cat(parks[rng.integers(0, len(parks), n)],
                rng.integers(1, 21, n).astype(str).astype(_S), "栋")
    building = np.where(rng.random(n) < BUILDING_SHARE, park, "").astype(_S)
    return _cat(prefix, street, number, "号", building).astype(object)
