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
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import idnumbers, regions
from synthetic.points.correction_detention.order import dense_codes, stable_argsort
from synthetic.points.correction_detention.schema import CENTER_SHARE, TOWNS
from synthetic.take import take

WUHU = "340200"
WUHU_WEIGHT = 21              # Wuhu's counties repeated: about 60% of the people live there
DISTINCT_NAMES_MAX = 200_000  # beyond this many people the name pools cannot keep names apart
MIN_AGE, MAX_AGE = 24, 75     # on as_of: adults at any intake of the last five years
LEGACY_SHARE = 0.3            # older people whose ID keeps an abolished county code


@dataclass(frozen=True)
class People:
    """Everyone in a scenario, one entry per person: strings in Arrow, the rest as numbers."""

    id_number: pa.Array
    name: pa.Array
    male: np.ndarray
    birth: np.ndarray          # day numbers (days since 1970-01-01)
    county: np.ndarray         # county code as an integer

    def __len__(self) -> int:
        return len(self.male)

    @classmethod
    def of(cls, drawn: idnumbers.People) -> "People":
        """The people ``draw_people_arrays`` drew."""
        return cls(id_number=drawn.id_number.cast(pa.string()),
                   name=drawn.name.cast(pa.string()), male=~drawn.female,
                   birth=drawn.birth_date.astype(np.int64),
                   county=drawn.divisions.astype(np.int64)[drawn.county_at])

    def take(self, rows: np.ndarray) -> "People":
        at = pa.array(rows)
        return People(id_number=self.id_number.take(at), name=self.name.take(at),
                      male=self.male[rows], birth=self.birth[rows], county=self.county[rows])

    def append(self, other: "People") -> "People":
        return People(id_number=pa.concat_arrays([self.id_number, other.id_number]),
                      name=pa.concat_arrays([self.name, other.name]),
                      male=np.concatenate([self.male, other.male]),
                      birth=np.concatenate([self.birth, other.birth]),
                      county=np.concatenate([self.county, other.county]))

    def frame(self) -> pd.DataFrame:
        """``id_number, name, sex, birth_date, county_code`` as ``draw_people`` gives them."""
        return pd.DataFrame({
            "id_number": self.id_number.to_pandas(), "name": self.name.to_pandas(),
            "sex": np.where(self.male, idnumbers.MALE, idnumbers.FEMALE).astype(object),
            "birth_date": self.birth.astype("datetime64[D]").astype("datetime64[s]"),
            "county_code": self.county.astype(str).astype(object)})


def _divisions() -> list[str]:
    wuhu = [r.code for r in regions.counties(city=WUHU)]
    return wuhu * WUHU_WEIGHT + [r.code for r in regions.counties() if r.parent != WUHU]


def draw_population(rng: np.random.Generator, n: int, as_of: datetime.date) -> People:
    """``n`` people; distinct names if they fit."""
    return People.of(idnumbers.draw_people_arrays(
        rng, n, as_of=as_of, min_age=MIN_AGE, max_age=MAX_AGE, divisions=_divisions(),
        legacy_share=LEGACY_SHARE, distinct_names=n <= DISTINCT_NAMES_MAX))


def namesakes(rng: np.random.Generator, male: np.ndarray, taken: pa.Array,
              as_of: datetime.date) -> People:
    """One new person per entry of ``male``, of that sex, whose ID is not in ``taken``."""
    k = len(male)
    pool = People.of(idnumbers.draw_people_arrays(rng, 3 * k + 64, as_of=as_of, min_age=MIN_AGE,
                                                  max_age=MAX_AGE, divisions=_divisions()))
    found = pc.index_in(taken, value_set=pool.id_number).drop_null()
    fresh = np.ones(len(pool), dtype=bool)
    fresh[found.to_numpy()] = False
    out = np.empty(k, dtype=np.int64)
    for sex in (True, False):
        want, have = np.flatnonzero(male == sex), np.flatnonzero(fresh & (pool.male == sex))
        if len(have) < len(want):
            raise ValueError(f"cannot draw {len(want)} namesakes of one sex from {len(have)}")
        out[want] = have[:len(want)]
    return pool.take(out)


def _vocabulary(codes: np.ndarray, make) -> tuple[list[str], np.ndarray]:
    """Unique codes' values from ``make`` and each row's index into them."""
    uniq, inverse = dense_codes(codes)
    return [make(str(c)) for c in uniq], inverse


def offices(rng: np.random.Generator, counties: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """The supervising office: the county's 社区矫正中心 or one of its 司法所 (vocabulary, index)."""
    heads, inverse = _vocabulary(counties, lambda c: regions.city_of(c).name
                                 + regions.region(c).name)
    units = ["司法局社区矫正中心", *(town + "司法所" for town in TOWNS)]
    town = 1 + rng.integers(0, len(TOWNS), len(counties))
    unit = np.where(rng.random(len(counties)) < CENTER_SHARE, 0, town)
    vocab = pa.array([head + u for head in heads for u in units])
    return vocab, inverse * len(units) + unit


def _sequence(rng: np.random.Generator, county: np.ndarray, year: np.ndarray,
              day: np.ndarray) -> np.ndarray:
    """1-based rank of each row by day (ties in random order) within its county and year."""
    n = len(day)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, c = dense_codes(county)
    y0, d0 = int(year.min()), int(day.min())
    years, days = int(year.max()) - y0 + 1, int(day.max()) - d0 + 1
    g = c * years + (year - y0)
    slot = g * days + (day - d0)
    spare = 62 - max(int(slot.max()), 1).bit_length() - max(n - 1, 1).bit_length()
    bits = min(max(spare, 0), 20)                  # ties in random order
    slot <<= bits
    slot |= rng.integers(0, 1 << bits, n, dtype=np.int64)
    order = stable_argsort(slot)
    g = g[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    out = np.empty(n, dtype=np.int64)
    out[order] = rank + 1
    return out


def _years(days: np.ndarray) -> np.ndarray:
    """Calendar years of day numbers: computed once per day of their range (a few thousand
    days) and looked up per row, as calendar arithmetic on millions of rows is slow."""
    first = int(days.min()) if len(days) else 0
    span = np.arange(first, int(days.max()) + 1 if len(days) else 0)
    year = span.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return year[days - first]


def _text(numbers: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(numbers, pa.int64()), pa.string())


def correction_numbers(rng: np.random.Generator, counties: np.ndarray,
                       start_days: np.ndarray) -> pa.Array:
    """Unique ``<county>JZ<year><seq:05d>`` numbers, in intake order within county and year."""
    county = counties.astype(np.int64)
    year = _years(start_days)
    seq = _sequence(rng, county, year, start_days)
    if len(seq) and seq.max() > 99_999:
        raise ValueError("more than 99,999 intakes in one county and year")
    return pc.binary_join_element_wise(_text(county), "JZ", _text(year * 100_000 + seq), "")


@dataclass(frozen=True)
class DecisionNumbers:
    """Decision numbers as their parts (a head per county and year, and a sequence) until a
    table asks for them in its row order: joined then, they are never copied as text."""

    heads: pa.Array
    head: np.ndarray
    seq: np.ndarray

    def __len__(self) -> int:
        return len(self.seq)

    def column(self, order: np.ndarray | None = None) -> pa.Array:
        head, seq = (self.head, self.seq) if order is None else (self.head[order],
                                                                 self.seq[order])
        return pc.binary_join_element_wise(take(self.heads, head), _text(seq), "号", "")


def punishment_numbers(rng: np.random.Generator, counties: np.ndarray,
                       days: np.ndarray) -> DecisionNumbers:
    """Unique decision numbers ``<city>公(<county>)行罚决字〔<year>〕<seq>号``, in date order."""
    year = _years(days)
    seq = _sequence(rng, counties, year, days)
    heads, inverse = _vocabulary(counties, lambda c: regions.short_name(regions.city_of(c).code)
                                 + "公(" + regions.region(c).name[:2] + ")行罚决字〔")
    y0 = int(year.min()) if len(year) else 0
    years = range(y0, int(year.max()) + 1 if len(year) else 0)
    vocab = pa.array([head + str(y) + "〕" for head in heads for y in years], pa.string())
    return DecisionNumbers(vocab, inverse * len(years) + (year - y0), seq)
