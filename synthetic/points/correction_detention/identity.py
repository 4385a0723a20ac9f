"""Who the people are and how their records are numbered (shared identity layer).

Thin adapters over ``synthetic.idnumbers``, ``synthetic.regions`` and ``synthetic.pools``:

* one population holds the correction subjects and the other people the public-security extract
  mentions; their names are all distinct while the population fits the name pools
  (:data:`DISTINCT_NAMES_MAX`), so a namesake appears only where the hard level plants one;
* namesakes are extra people with a subject's name and sex and an ID of their own;
* correction numbers ``<county>JZ<start year><5-digit sequence>`` (``340207JZ202300135``) run
  in start-date order within a county and year, so a key tells nothing but county and intake;
* decision numbers follow the public-security style ``芜湖公(鸠江)行罚决字〔2023〕1234号``.

Strings are built as Arrow arrays from small vocabularies (``take``), never row by row.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import idnumbers, regions
from synthetic.points.correction_detention.schema import CENTER_SHARE, TOWNS

WUHU = "340200"
WUHU_WEIGHT = 21              # Wuhu's counties repeated: about 60% of the people live there
DISTINCT_NAMES_MAX = 200_000  # beyond this many people the name pools cannot keep names apart
MIN_AGE, MAX_AGE = 24, 75     # on as_of: adults at any intake of the last five years
LEGACY_SHARE = 0.3            # older people whose ID keeps an abolished county code


def arrow(values) -> pa.Array:
    """A pandas string column (or any sequence of str) as an Arrow ``string`` array."""
    out = pa.array(values)
    return (out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out).cast(pa.string())


def _divisions() -> list[str]:
    wuhu = [r.code for r in regions.counties(city=WUHU)]
    return wuhu * WUHU_WEIGHT + [r.code for r in regions.counties() if r.parent != WUHU]


def draw_population(rng: np.random.Generator, n: int, as_of: datetime.date) -> pd.DataFrame:
    """``n`` people (``id_number, name, sex, birth_date, county_code``); distinct names if they fit."""
    return idnumbers.draw_people(rng, n, as_of=as_of, min_age=MIN_AGE, max_age=MAX_AGE,
                                 divisions=_divisions(), legacy_share=LEGACY_SHARE,
                                 distinct_names=n <= DISTINCT_NAMES_MAX)


def namesakes(rng: np.random.Generator, male: np.ndarray, taken: pa.Array,
              as_of: datetime.date) -> pd.DataFrame:
    """One new person per entry of ``male``, of that sex, whose ID is not in ``taken``."""
    k = len(male)
    pool = idnumbers.draw_people(rng, 3 * k + 64, as_of=as_of, min_age=MIN_AGE,
                                 max_age=MAX_AGE, divisions=_divisions())
    fresh = ~pc.is_in(arrow(pool["id_number"]), value_set=taken).to_numpy(zero_copy_only=False)
    pool_male = pc.equal(arrow(pool["sex"]), idnumbers.MALE).to_numpy(zero_copy_only=False)
    out = np.empty(k, dtype=np.int64)
    for sex in (True, False):
        want, have = np.flatnonzero(male == sex), np.flatnonzero(fresh & (pool_male == sex))
        if len(have) < len(want):
            raise ValueError(f"cannot draw {len(want)} namesakes of one sex from {len(have)}")
        out[want] = have[:len(want)]
    return pool.iloc[out].reset_index(drop=True)


def _vocabulary(codes: np.ndarray, make) -> tuple[list[str], np.ndarray]:
    """Unique codes' values from ``make`` and each row's index into them."""
    uniq, inverse = np.unique(codes, return_inverse=True)
    return [make(str(c)) for c in uniq], inverse


def offices(rng: np.random.Generator, counties: np.ndarray) -> pa.Array:
    """The supervising office: the county's 社区矫正中心 or one of its 司法所."""
    heads, inverse = _vocabulary(counties, lambda c: regions.city_of(c).name
                                 + regions.region(c).name)
    units = ["司法局社区矫正中心", *(town + "司法所" for town in TOWNS)]
    town = 1 + rng.integers(0, len(TOWNS), len(counties))
    unit = np.where(rng.random(len(counties)) < CENTER_SHARE, 0, town)
    vocab = pa.array([head + u for head in heads for u in units])
    return vocab.take(pa.array(inverse * len(units) + unit))


def _sequence(rng: np.random.Generator, group: np.ndarray, day: np.ndarray) -> np.ndarray:
    """1-based rank of each row by day (ties in random order) within its group."""
    _, g = np.unique(group, return_inverse=True)
    key = (g.astype(np.int64) << 40) | ((day - day.min(initial=0)) << 22) | rng.integers(
        0, 1 << 22, len(day))
    order = np.argsort(key, kind="stable")
    g = g[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    out = np.empty(len(g), dtype=np.int64)
    out[order] = rank + 1
    return out


def _years(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _text(numbers: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(numbers, pa.int64()), pa.string())


def correction_numbers(rng: np.random.Generator, counties: np.ndarray,
                       start_days: np.ndarray) -> pa.Array:
    """Unique ``<county>JZ<year><seq:05d>`` numbers, in intake order within county and year."""
    county = counties.astype(np.int64)
    year = _years(start_days)
    seq = _sequence(rng, county * 10_000 + year, start_days)
    if len(seq) and seq.max() > 99_999:
        raise ValueError("more than 99,999 intakes in one county and year")
    return pc.binary_join_element_wise(_text(county), "JZ", _text(year * 100_000 + seq), "")


def punishment_numbers(rng: np.random.Generator, counties: np.ndarray,
                       days: np.ndarray) -> pa.Array:
    """Unique decision numbers ``<city>公(<county>)行罚决字〔<year>〕<seq>号``, in date order."""
    year = _years(days)
    seq = _sequence(rng, counties.astype(np.int64) * 10_000 + year, days)
    heads, inverse = _vocabulary(counties, lambda c: regions.short_name(regions.city_of(c).code)
                                 + "公(" + regions.region(c).name[:2] + ")行罚决字〔")
    return pc.binary_join_element_wise(pa.array(heads).take(pa.array(inverse)), _text(year),
                                       "〕", _text(seq), "号", "")
