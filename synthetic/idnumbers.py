"""Resident ID numbers (公民身份号码, GB 11643-1999) and the people who carry them.

An ID is a 6-digit division code, the birth date ``YYYYMMDD``, a 3-digit sequence (odd for men)
and a check character. The bulk functions work on whole numpy arrays because a scenario may hold
a million people; the scalar ones exist for tests, rules and readable examples.

>>> make_id("340207", dt.date(1980, 5, 17), 123)
'34020719800517123X'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa

from synthetic import regions
from synthetic.pools import FEMALE, MALE, person_name_array

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_CHECK_BYTES = np.frombuffer(_CHECK_CHARS.encode("ascii"), dtype=np.uint8)
# Legacy county codes appear only in the IDs of people born before this day.
LEGACY_BORN_BEFORE = dt.date(1995, 1, 1)


def id_check_char(body17: str) -> str:
    """The check character of a 17-digit body: ``'10X98765432'[sum(a_i * w_i) % 11]``."""
    if len(body17) != 17 or not (body17.isascii() and body17.isdigit()):
        raise ValueError(f"an ID body is 17 ASCII digits; got {body17!r}")
    return _CHECK_CHARS[sum(int(a) * w for a, w in zip(body17, ID_WEIGHTS)) % 11]


def make_id(division: str, birth: dt.date, seq: int) -> str:
    """One ID number; ``seq`` is 0..999 and odd for a man."""
    return str(make_ids([division], np.array([birth], dtype="datetime64[D]"), [seq])[0])


def _id_chars(div: np.ndarray, births, seqs) -> np.ndarray:
    """(n, 18) ASCII bytes of the IDs of int64 divisions, ``datetime64[D]`` births and sequences."""
    if div.size and (div.min() < 110000 or div.max() > 999999):
        raise ValueError("division codes must have 6 digits, the first not 0")
    days = np.asarray(births, dtype="datetime64[D]")
    seq = np.asarray(seqs, dtype=np.int64)
    if seq.size and (seq.min() < 0 or seq.max() > 999):
        raise ValueError("sequence numbers must be in 0..999")
    ymd = _yyyymmdd(days)
    if ymd.size and (ymd.min() < 1000_00_00 or ymd.max() > 9999_12_31):
        raise ValueError("birth years must have 4 digits")
    body = div * 10**11 + ymd * 1_000 + seq
    # A division code has no leading zero, so every body prints as exactly 17 ASCII digits.
    chars = np.empty((len(body), 18), dtype=np.uint8)
    chars[:, :17] = _digits(body, 17)
    total = np.zeros(len(chars), dtype=np.int32)
    for i, weight in enumerate(ID_WEIGHTS):      # a column at a time: no (n, 17) int table
        total += chars[:, i] * np.int32(weight)
    total -= ord("0") * sum(ID_WEIGHTS)
    chars[:, 17] = _CHECK_BYTES[total % 11]
    return chars


def _yyyymmdd(days: np.ndarray) -> np.ndarray:
    """``YYYYMMDD`` as int64 of ``datetime64[D]`` days. Calendar arithmetic is done once per day
    of their range when it is shorter than the array (birth dates span decades, not millions
    of days), and looked up for each row."""
    number = days.astype(np.int64)
    first = int(number.min()) if len(number) else 0
    span = int(number.max()) - first + 1 if len(number) else 0
    if span > len(number):
        return _calendar_yyyymmdd(days)
    return _calendar_yyyymmdd(np.arange(first, first + span).astype("datetime64[D]"))[
        number - first]


def _calendar_yyyymmdd(days: np.ndarray) -> np.ndarray:
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = days.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (days - month_start).astype(np.int64) + 1
    return year * 10_000 + month * 100 + day


# The four ASCII digits of 0000 .. 9999, as the little-endian bytes of one 32-bit integer.
_QUADS = np.array([int.from_bytes(f"{i:04d}".encode("ascii"), "little") for i in range(10_000)],
                  dtype="<u4")


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative int64 ``values`` below 10**width, zero-padded
    (a view): four digits at a time from a table, much faster than formatting each number."""
    groups = -(-width // 4)
    out = np.empty((len(values), groups), dtype="<u4")
    rest = values
    for g in range(groups - 1, -1, -1):
        high = rest // 10_000
        out[:, g] = _QUADS[rest - high * 10_000]
        rest = high
    return out.view(np.uint8)[:, 4 * groups - width:]


def _arrow_strings(chars: np.ndarray) -> pa.Array:
    """A ``large_string`` Arrow array from an (n, width) matrix of ASCII bytes, without copies
    through Python objects."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets),
                                                        pa.py_buffer(np.ascontiguousarray(chars))])


def _codes(divisions) -> np.ndarray:
    """``np.asarray(divisions).astype(np.int64)``; six-digit strings are read from their code
    points (the same numbers, without parsing a million strings one by one)."""
    codes = np.asarray(divisions)
    if codes.dtype == np.dtype("U6") and codes.size:
        points = np.ascontiguousarray(codes).view(np.uint32).reshape(-1, 6)
        if ((points >= ord("0")) & (points <= ord("9"))).all():
            value = (points - ord("0")).astype(np.int64) @ (10 ** np.arange(5, -1, -1))
            return value.reshape(codes.shape)
    return codes.astype(np.int64)


def make_ids(divisions, births, seqs) -> np.ndarray:
    """ID numbers for aligned arrays of division codes, ``datetime64[D]`` births and sequences.

    Returns an object array of ``str``; the check digits are computed on digit arrays and the
    strings are made from Arrow buffers, so a million IDs take a fraction of a second.
    """
    full = _id_chars(_codes(divisions), births, seqs)
    return _arrow_strings(full).to_numpy(zero_copy_only=False).astype(object, copy=False)


def _parse_birth(id18: str) -> dt.date | None:
    try:
        return dt.date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def is_valid_id(s: object) -> bool:
    """True for a canonical ID: 18 characters, a real birth date, the right (upper-case) check."""
    if not isinstance(s, str) or len(s) != 18 or not (s[:17].isascii() and s[:17].isdigit()):
        return False
    return _parse_birth(s) is not None and id_check_char(s[:17]) == s[17]


def birth_date_of(id18: str) -> dt.date:
    birth = _parse_birth(id18)
    if birth is None:
        raise ValueError(f"no valid birth date in {id18!r}")
    return birth


def is_male(id18: str) -> bool:
    return int(id18[16]) % 2 == 1


def to_legacy15(id18: str) -> str:
    """The first-generation 15-digit form: no century and no check character (people born 19xx)."""
    if id18[6:8] != "19":
        raise ValueError(f"only IDs of people born 1900-1999 have a 15-digit form; got {id18!r}")
    return id18[:6] + id18[8:17]


def from_legacy15(id15: str) -> str:
    """The 18-digit ID of a 15-digit one, whose year is read as 19xx."""
    if len(id15) != 15 or not (id15.isascii() and id15.isdigit()):
        raise ValueError(f"a legacy ID is 15 ASCII digits; got {id15!r}")
    body = id15[:6] + "19" + id15[6:]
    return body + id_check_char(body)


def _add_years(day: dt.date, years: int) -> dt.date:
    """The anniversary ``years`` later; 29 February falls on 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(birth: dt.date, on: dt.date) -> int:
    """Age in years as the law counts it: N is reached the day *after* the Nth birthday."""
    years = on.year - birth.year
    return years if _add_years(birth, years) < on else years - 1


def _birth_range(as_of: dt.date, min_age: int, max_age: int) -> tuple[dt.date, dt.date]:
    """The earliest and latest birth dates of people aged ``min_age..max_age`` on ``as_of``."""
    one = dt.timedelta(days=1)
    latest = _add_years(as_of, -min_age)
    while age_on(latest, as_of) < min_age:
        latest -= one
    while age_on(latest + one, as_of) >= min_age:
        latest += one
    earliest = _add_years(as_of, -(max_age + 1))
    while age_on(earliest, as_of) > max_age:
        earliest += one
    while age_on(earliest - one, as_of) <= max_age:
        earliest -= one
    return earliest, latest


@cache
def _predecessor_codes(county: str) -> tuple[str, ...]:
    return tuple(r.code for r in regions.predecessors(county)) or (county,)


def _legacy_table(uniq) -> tuple[np.ndarray, np.ndarray]:
    """For distinct current counties, a (county, k) table of their legacy predecessors (itself if
    none; short rows padded with their first entry) and how many each has."""
    choices = [_predecessor_codes(str(c)) for c in uniq]
    width = max(len(c) for c in choices)
    table = np.asarray([c + c[:1] * (width - len(c)) for c in choices])
    return table, np.asarray([len(c) for c in choices])


def _legacy_divisions(counties: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each current county, one of its legacy predecessors chosen by ``u`` (itself if none).

    Rows share few counties, so each distinct one is looked up once (a hash factorisation, not a
    sort of every row); the choice depends only on the county and ``u``."""
    inverse, uniq = pd.factorize(counties, use_na_sentinel=False)
    table, counts = _legacy_table(uniq)
    return table[inverse, (u * counts[inverse]).astype(np.int64)]


def _legacy_codes(pool: np.ndarray, at: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``_legacy_divisions(pool[at], u)`` parsed as int64, with ``at`` factorised instead of the
    strings and each table entry parsed once."""
    inverse, used = pd.factorize(at)
    table, counts = _legacy_table(pool[used])
    return table.astype(np.int64)[inverse, (u * counts[inverse]).astype(np.int64)]


def later_repeats(keys: np.ndarray) -> np.ndarray:
    """Rows whose int64 key equals an earlier row's: one hash table, cheaper than a sort."""
    return pd.Series(keys, copy=False).duplicated().to_numpy()


_STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)


def _str_column(array: pa.Array):
    """The pandas ``str`` column (Arrow ``large_string``) of an Arrow array."""
    return pd.arrays.ArrowStringArray(pa.chunked_array([array], pa.large_string()),
                                      dtype=_STR_DTYPE)


@dataclass(frozen=True)
class People:
    """The people :func:`draw_people_arrays` draws, as arrays: ID numbers and names as Arrow
    ``large_string`` arrays and each person's current county as a row of ``divisions``."""

    id_number: pa.Array
    name: pa.Array
    female: np.ndarray
    birth_date: np.ndarray     # datetime64[D]
    county_at: np.ndarray
    divisions: np.ndarray

    def frame(self) -> pd.DataFrame:
        """The :func:`draw_people` frame of these people."""
        if not len(self.female):   # empty columns of Python objects keep their object dtype
            empty = np.empty(0, dtype=object)
            return pd.DataFrame({"id_number": empty, "name": empty.copy(), "sex": empty.copy(),
                                 "birth_date": self.birth_date,
                                 "county_code": self.divisions[self.county_at].astype(object)})
        sexes = pa.array([MALE, FEMALE], pa.large_string())
        return pd.DataFrame({
            "id_number": _str_column(self.id_number),
            "name": _str_column(self.name),
            "sex": _str_column(sexes.take(pa.array(self.female.astype(np.int8)))),
            "birth_date": self.birth_date,
            "county_code": self._county_column(),
        })

    def _county_column(self):
        if self.divisions.dtype.kind == "U":
            return _str_column(pa.array(self.divisions.tolist(), pa.large_string())
                               .take(pa.array(self.county_at)))
        return self.divisions[self.county_at].astype(object)


def draw_people(rng: np.random.Generator, n: int, *, as_of: dt.date, min_age: int, max_age: int,
                divisions: Sequence[str] | None = None, legacy_share: float = 0.0,
                distinct_names: bool = False) -> pd.DataFrame:
    """``n`` people with unique, valid IDs whose birth date and sex agree with the record.

    Columns: ``id_number, name, sex ("男"/"女"), birth_date (datetime64), county_code`` — the
    last is the person's current county. Counties are drawn uniformly from ``divisions`` (default:
    every current Anhui county). A person born before 1995 whose county replaced an older one
    carries the older code in the ID with probability ``legacy_share``. Every random draw happens
    whatever ``legacy_share`` is, so names, sexes, birth dates and counties do not change with
    it. A colliding ID (the later row) gets a new sequence number of the same parity.
    """
    return draw_people_arrays(rng, n, as_of=as_of, min_age=min_age, max_age=max_age,
                              divisions=divisions, legacy_share=legacy_share,
                              distinct_names=distinct_names).frame()


def _id_divisions(pool: np.ndarray, county_at: np.ndarray, old: np.ndarray,
                  pick: np.ndarray) -> np.ndarray:
    """The int64 division code in each ID: the county's, or (``old`` rows) a predecessor's
    chosen by ``pick``. Codes of a text pool are parsed once per pool entry when they can be;
    any other pool keeps the row-wise path."""
    if pool.dtype.kind == "U":
        try:
            division = pool.astype(np.int64)[county_at]
        except (ValueError, OverflowError):
            division = pool[county_at].astype(np.int64)
        if old.any():
            division[old] = _legacy_codes(pool, county_at[old], pick[old])
        return division
    county = pool[county_at]
    if old.any():
        county = np.where(old, _legacy_divisions(county, pick), county)
    return county.astype(np.int64)


def _separate(prefix: np.ndarray, seq: np.ndarray, redraw: np.random.Generator) -> None:
    """Redraw, in place, the sequence of every row whose ID body (``prefix + seq``) repeats an
    earlier row's, until none does. After a round only rows sharing a body with a redrawn row
    can repeat one (the others were distinct already), so only those are checked again."""
    key = prefix + seq
    rows = np.flatnonzero(later_repeats(key))
    while len(rows):
        seq[rows] = 2 * redraw.integers(1, 500, len(rows)) - seq[rows] % 2
        key[rows] = prefix[rows] + seq[rows]
        near = np.flatnonzero(pd.Series(key, copy=False).isin(key[rows]).to_numpy())
        rows = near[later_repeats(key[near])]


def draw_people_arrays(rng: np.random.Generator, n: int, *, as_of: dt.date, min_age: int,
                       max_age: int, divisions: Sequence[str] | None = None,
                       legacy_share: float = 0.0, distinct_names: bool = False) -> People:
    """:func:`draw_people` (the same draws) as :class:`People` arrays, for generators that keep
    a million people out of Python strings."""
    if n < 0 or not 0 <= min_age <= max_age or not 0.0 <= legacy_share <= 1.0:
        raise ValueError(f"draw_people needs n >= 0, 0 <= min_age <= max_age and legacy_share in "
                         f"[0, 1]; got n={n}, ages {min_age}..{max_age}, share {legacy_share}")
    pool = np.asarray([r.code for r in regions.counties()] if divisions is None else divisions)
    earliest, latest = _birth_range(as_of, min_age, max_age)
    span = (latest - earliest).days + 1
    if n > span * 999 * len(pool) // 4:
        raise ValueError(f"{n} people do not fit {span} birth days in {len(pool)} divisions")
    births = np.datetime64(earliest, "D") + rng.integers(0, span, n)
    county_at = rng.integers(0, len(pool), n)
    use_legacy = rng.random(n) < legacy_share
    pick = rng.random(n)
    seq = rng.integers(1, 1000, n)
    redraw = np.random.default_rng(rng.integers(2**63))
    female = seq % 2 == 0
    names = person_name_array(rng, ~female, distinct=distinct_names)
    division = _id_divisions(pool, county_at, use_legacy & (births < np.datetime64(
        LEGACY_BORN_BEFORE, "D")), pick)
    # Collisions get a new sequence of the same parity from a side stream, so that neither the
    # sex nor any later draw depends on which IDs happened to collide.
    prefix = division * 10**9 + (births.astype(np.int64) + 10**6) * 1000
    _separate(prefix, seq, redraw)
    return People(id_number=_arrow_strings(_id_chars(division, births, seq)), name=names,
                  female=female, birth_date=births, county_at=county_at, divisions=pool)
