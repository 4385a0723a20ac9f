"""Who the people are and how their records are numbered (identity layer), kept as numbers.

* one population holds the defendants, the other card holders of the Disabled Persons'
  Federation extract and the lawyers; names are all distinct while it fits the name pools
  (:data:`DISTINCT_NAMES_MAX`), so a namesake appears only where the hard level plants one;
* the population is adult (22-75 on ``as_of``); defendants whose age decides a rule get a birth
  date counted back from their case's acceptance and a new ID carrying it (:func:`reissue`);
* defendant ids ``<county>XR<7 digits>`` are numbered in random order within the county, so a key
  tells nothing but where the case is handled;
* case numbers follow the procuratorate's ``芜湖鸠检刑诉〔2023〕123号`` or the court's
  ``（2023）皖0207刑初123号`` style, in acceptance order.

A person is a division, a birth day, an ID sequence number and the code points of a name
(:mod:`names`); text is made only for the rows a table shows (:mod:`text`).
``synthetic.idnumbers.draw_people`` makes the same kind of people as a pandas frame of
Python-built strings, which at a million people costs more than this whole generator may.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import idnumbers, regions
from synthetic.points.legal_aid import names as N, rules as R, text as T
from synthetic.points.legal_aid.schema import ADULT_AGE

WUHU = "340200"
WUHU_WEIGHT = 21              # Wuhu's counties repeated: about 60% of the cases are handled there
DISTINCT_NAMES_MAX = 200_000  # beyond this many people the name pools cannot keep names apart
MIN_AGE, MAX_AGE = 22, 75     # on as_of: adults at any acceptance of the last three years
LEGACY_SHARE = 0.3            # older people whose ID keeps an abolished county code
MAX_REDRAWS = 200
_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_WEIGHTS = np.asarray(idnumbers.ID_WEIGHTS, dtype=np.int64)


@cache
def codes() -> np.ndarray:
    """Every division code an ID may open with (current and abolished counties), sorted; people
    and cases hold indices into it."""
    return np.array([int(r.code) for r in regions.counties(include_legacy=True)], dtype=np.int64)


@cache
def _index() -> dict[str, int]:
    return {str(c): i for i, c in enumerate(codes())}


def _at(code: str) -> int:
    return _index()[code]


@cache
def divisions() -> np.ndarray:
    """The county pool (indices into :func:`codes`), Wuhu's counties repeated."""
    wuhu = [r.code for r in regions.counties(city=WUHU)]
    pool = wuhu * WUHU_WEIGHT + [r.code for r in regions.counties() if r.parent != WUHU]
    return np.array([_at(c) for c in pool], dtype=np.int64)


@cache
def _predecessors() -> tuple[np.ndarray, np.ndarray]:
    """(per code, the legacy codes it replaced, padded; how many), itself where none."""
    replaced: dict[int, list[int]] = {}
    for r in regions.REGIONS:
        if r.successor:
            replaced.setdefault(_at(r.successor), []).append(_at(r.code))
    choices = [replaced.get(i, [i]) for i in range(len(codes()))]
    width = max(map(len, choices))
    return (np.array([c + c[:1] * (width - len(c)) for c in choices]),
            np.array([len(c) for c in choices]))


@dataclass(frozen=True)
class People:
    """Aligned columns of a population; ``division`` and ``county`` index :func:`codes`."""

    division: np.ndarray   # the ID's division (an abolished one for some older people)
    county: np.ndarray     # the current county
    birth: np.ndarray      # day number (days since 1970-01-01)
    seq: np.ndarray        # the ID's sequence number, odd for men
    name: np.ndarray       # (n, 4) code points, zero-padded

    @property
    def male(self) -> np.ndarray:
        return self.seq % 2 == 1

    def take(self, rows: np.ndarray) -> People:
        return People(*(np.take(getattr(self, f.name), rows, axis=0) for f in fields(self)))

    def __add__(self, other: People) -> People:
        return People(*(np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                        for f in fields(self)))

    def keys(self, rows=slice(None)) -> np.ndarray:
        """One non-negative int64 per ID number (of ``rows``): equal exactly when the IDs are."""
        return (self.division[rows] * 2**20 + self.birth[rows] + 2**19) * 1024 + self.seq[rows]


def _shift_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:                       # 29 February in a common year
        return day.replace(year=day.year + years, day=28)


def _birth_range(as_of: datetime.date) -> tuple[int, int]:
    """Day numbers of the earliest and latest birth of someone aged MIN_AGE..MAX_AGE on as_of."""
    def day(d: datetime.date) -> int:
        return int(np.datetime64(d, "D").astype(np.int64))

    return day(_shift_years(as_of, -(MAX_AGE + 1))), day(_shift_years(as_of, -MIN_AGE)) - 1


def _day_groups(lo: int, span: int, people: People, rows=slice(None)) -> np.ndarray:
    """A number per (division, birth day) of ``rows``, births from ``lo`` over ``span`` days."""
    return people.division[rows] * span + people.birth[rows] - lo


def _sharing(people: People, rows: np.ndarray, some: np.ndarray) -> np.ndarray:
    """Which ``rows`` share a division and birth day with one of the rows ``some``, marked in a
    table of every division and day in range rather than searched for."""
    lo = int(people.birth[rows].min())
    span = int(people.birth[rows].max()) - lo + 1
    marked = np.zeros(len(codes()) * span, dtype=bool)
    marked[_day_groups(lo, span, people, some)] = True
    return marked[_day_groups(lo, span, people, rows)]


def _new_ids(people: People, others: People) -> np.ndarray:
    """Which ``others`` have an ID no one in ``people`` has: only the people sharing a division
    and birth day with one of them are compared."""
    lo = int(min(people.birth.min(), others.birth.min()))
    span = int(max(people.birth.max(), others.birth.max())) - lo + 1
    marked = np.zeros(len(codes()) * span, dtype=bool)
    marked[_day_groups(lo, span, others)] = True
    near = np.flatnonzero(marked[_day_groups(lo, span, people)])
    return ~np.isin(others.keys(), people.keys(near))


def _unique_ids(rng: np.random.Generator, people: People, rows=slice(None)) -> None:
    """A row (of ``rows``) whose ID repeats an earlier one's gets a new sequence number of the
    same parity, in place, until none does. After the first round only the rows sharing a
    division and birth day with a changed one can clash, so only those are checked again."""
    index = np.arange(len(people.seq))[rows]
    for _ in range(MAX_REDRAWS):
        again = index[N.later_repeats(people.keys(rows))]
        if len(again) == 0:
            return
        people.seq[again] = 2 * rng.integers(1, 500, len(again)) - people.seq[again] % 2
        index = rows = index[_sharing(people, index, again)]
    raise ValueError(f"cannot give {len(index)} people distinct ID numbers")


def draw_people(rng: np.random.Generator, n: int, as_of: datetime.date, *,
                distinct: bool) -> People:
    """``n`` adults with unique IDs from the county pool; ``distinct`` keeps their names apart."""
    earliest, latest = _birth_range(as_of)
    birth = earliest + rng.integers(0, latest - earliest + 1, n)
    county = divisions()[rng.integers(0, len(divisions()), n)]
    seq = rng.integers(1, 1000, n)
    legacy = np.flatnonzero((rng.random(n) < LEGACY_SHARE) & (birth < np.datetime64(
        idnumbers.LEGACY_BORN_BEFORE, "D").astype(np.int64)))
    table, count = _predecessors()
    division = county.copy()
    division[legacy] = table[county[legacy], (rng.random(len(legacy))
                                              * count[county[legacy]]).astype(np.int64)]
    people = People(division, county, birth, seq, N.names(rng, seq % 2 == 1, distinct=distinct))
    _unique_ids(rng, people)
    return people


def draw_population(rng: np.random.Generator, n: int, as_of: datetime.date) -> People:
    """``n`` people, distinct names if they fit."""
    return draw_people(rng, n, as_of, distinct=n <= DISTINCT_NAMES_MAX)


def births_for(rng: np.random.Generator, target: np.ndarray, minor_side: np.ndarray) -> np.ndarray:
    """Birth dates whose 18th birthday (in law) falls on ``target``.

    No birth has its 18th birthday on a 29 February; there the birth moves to 1 March (rows on
    the ``minor_side``, who stay minors) or 28 February (adults, who stay adults). A 28 February
    of a common year is the legal birthday of people born on 29 February too; half of those
    rows get that birth date.
    """
    year, month, day = R.ymd(target)
    born = year - ADULT_AGE
    feb29 = (month == 1) & (day == 28) & ~R.is_leap(born)
    month = np.where(feb29 & minor_side, 2, month)
    day = np.where(feb29, np.where(minor_side, 0, 27), day)
    leapling = ((month == 1) & (day == 27) & ~R.is_leap(year) & R.is_leap(born)
                & (rng.random(len(target)) < 0.5))
    return R.from_ymd(born, month, np.where(leapling, 28, day))


def reissue(rng: np.random.Generator, people: People, rows: np.ndarray,
            births: np.ndarray) -> None:
    """Give ``people`` rows ``rows`` new birth dates and IDs (current county, same sex), in place.

    The new births are younger than anyone else in the population (the rest are at least
    :data:`MIN_AGE`), so new IDs can only collide with each other.
    """
    people.birth[rows] = np.asarray(births, dtype="datetime64[D]").astype(np.int64)
    people.division[rows] = people.county[rows]
    _unique_ids(rng, people, rows)


def namesakes(rng: np.random.Generator, people: People, of: np.ndarray,
              as_of: datetime.date) -> People:
    """One new person per row ``of``: that person's name and sex, an ID no one in ``people``
    has."""
    pool = draw_people(rng, 3 * len(of) + 64, as_of, distinct=False)
    fresh = _new_ids(people, pool)
    out = np.empty(len(of), dtype=np.int64)
    for male in (True, False):
        want = np.flatnonzero(people.male[of] == male)
        have = np.flatnonzero(fresh & (pool.male == male))
        if len(have) < len(want):
            raise ValueError(f"cannot draw {len(want)} namesakes of one sex from {len(have)}")
        out[want] = have[:len(want)]
    twins = pool.take(out)
    twins.name[:] = people.name[of]
    return twins


# --- text -------------------------------------------------------------------------------------

@cache
def _id_parts() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``S6`` division codes and ``S3`` sequences, with their shares of the check sum."""
    division, seq = T.digit_matrix(codes(), 6), T.digit_matrix(np.arange(1000), 3)
    return (division.view("S6").ravel(), (division - T.ZERO).astype(np.int64) @ _WEIGHTS[:6],
            seq.view("S3").ravel(), (seq - T.ZERO).astype(np.int64) @ _WEIGHTS[14:])


def id_text(people: People) -> np.ndarray:
    """``S18`` ID numbers: each part's digits and its share of the check sum come from a table
    (of the division codes, the birth days present and the 1000 sequences)."""
    division, division_sum, seq, seq_sum = _id_parts()
    every, at = T.distinct(people.birth)
    year, month, day = R.ymd(every)
    date = T.digit_matrix((year * 100 + month + 1) * 100 + day + 1, 8)
    check = (np.take(division_sum, people.division) + np.take(seq_sum, people.seq)
             + np.take((date - T.ZERO).astype(np.int64) @ _WEIGHTS[6:14], at))
    return T.join(np.take(division, people.division), np.take(date.view("S8").ravel(), at),
                  np.take(seq, people.seq), np.take(_CHECK.view("S1"), check % 11))


def defendant_ids(rng: np.random.Generator, county: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(``S15`` unique ``<county>XR<7 digits>`` ids, numbered in random order within each county;
    an int64 per id that sorts as the ids do)."""
    seq = sequence(rng, county, np.zeros(len(county), dtype=np.int64))
    return (T.join(np.take(T.digits(codes(), 6), county), b"XR", T.digits(seq, 7)),
            codes()[county] * 10**7 + seq)


def order(rng: np.random.Generator, key: np.ndarray) -> np.ndarray:
    """Row order by a non-negative integer key, ties in random order: a random permutation
    sorted stably by each 16-bit digit of the key in turn (numpy sorts those by counting)."""
    out = rng.permutation(len(key))
    top, shift = int(key.max()) if len(key) else 0, 0
    while shift == 0 or top >> shift:
        out = out[np.argsort(((key[out] >> shift) & 0xFFFF).astype(np.uint16), kind="stable")]
        shift += 16
    return out


def sequence(rng: np.random.Generator, group: np.ndarray, day: np.ndarray) -> np.ndarray:
    """1-based rank of each row by day (ties in random order) within its group (small ints)."""
    day = day - day.min() if len(day) else day
    at = order(rng, group * (int(day.max()) + 1 if len(day) else 1) + day)
    g = group[at]
    first = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    out = np.empty(len(g), dtype=np.int64)
    out[at] = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)])) + 1
    return out


@cache
def _places() -> list[tuple[str, str, str, str, str]]:
    """Per code: (code, its city's code, short name and name, its own name)."""
    out = []
    for code in map(str, codes()):
        city = regions.city_of(code)
        out.append((code, city.code, regions.short_name(city.code), city.name,
                    regions.region(code).name))
    return out


def _head(kind: int) -> str:
    """The case number up to the sequence, ``{}`` standing for the year, of a code * 4 + city
    level * 2 + trial."""
    code, city, short, _, name = _places()[kind // 4]
    city_level = kind // 2 % 2
    if kind % 2:
        return "（{}）皖" + (city[2:4] if city_level else code[2:]) + "刑初"
    return short + ("" if city_level else name[0]) + "检刑诉〔{}〕"


@cache
def _city_code() -> np.ndarray:
    """Per code, the first code of its city: a city's office stands for any of its counties."""
    first: dict[str, int] = {}
    return np.array([first.setdefault(city, i) for i, (_, city, *_) in enumerate(_places())])


def _office(county: np.ndarray, city_level: np.ndarray) -> np.ndarray:
    return np.where(city_level, _city_code()[county], county)


def _named(key: np.ndarray, name, size: int) -> tuple[list[str], np.ndarray]:
    """(the distinct names ``name(k)`` of the keys present, in key order; each row's index into
    them): only the keys a scenario uses are named, and keys with one name share it."""
    present = np.flatnonzero(np.bincount(key, minlength=size))
    first: dict[str, int] = {}
    at = np.zeros(size, dtype=np.int64)
    for k in present.tolist():
        at[k] = first.setdefault(name(k), len(first))
    return list(first), at[key]


def case_numbers(rng: np.random.Generator, county: np.ndarray, city_level: np.ndarray,
                 trial: np.ndarray, days: np.ndarray) -> pa.Array:
    """Case numbers in acceptance order within each office and year: ``芜湖鸠检刑诉〔2023〕12号``
    for the procuratorate (审查起诉), ``（2023）皖0207刑初12号`` for the court (审判); cases that
    may end in 无期徒刑 or 死刑 go to the city's office (``芜湖检刑诉``, ``皖02刑初``)."""
    heads, office = _named(_office(county, city_level) * 4 + city_level * 2 + trial, _head,
                           4 * len(codes()))
    present, day = T.distinct(days)
    year = R.ymd(present)[0][day]
    first = int(year.min()) if len(year) else 0
    years = int(year.max()) - first + 1 if len(year) else 0
    group = office * years + year - first
    used, at = T.distinct(group)
    prefixes = T.Coded(pa.array([heads[g // years].format(first + g % years)
                                 for g in used.tolist()]), at)
    seq = pc.cast(pa.array(sequence(rng, group, days)), pa.string(), memory_pool=T.POOL)
    return pc.binary_join_element_wise(prefixes.array(), seq, "号", "", memory_pool=T.POOL)


def _centre(key: int) -> str:
    """The legal aid centre of a code * 2 + city level."""
    _, _, _, city, name = _places()[key // 2]
    return city + ("" if key % 2 else name) + "法律援助中心"


def aid_centres(county: np.ndarray, city_level: np.ndarray) -> T.Coded:
    """The legal aid centre of the case's county (``芜湖市鸠江区法律援助中心``) or city."""
    names, at = _named(_office(county, city_level) * 2 + city_level, _centre,
                       2 * len(codes()))
    return T.Coded(pa.array(names), at)
