"""Who the people are and how their records are numbered (shared identity layer).

Thin adapters over ``synthetic.idnumbers``, ``synthetic.regions`` and ``synthetic.pools``:

* one population holds the defendants, the other card holders of the Disabled Persons'
  Federation extract and the lawyers; names are all distinct while it fits the name pools
  (:data:`DISTINCT_NAMES_MAX`), so a namesake appears only where the hard level plants one;
* the population is adult (22-75 on ``as_of``); defendants whose age decides a rule get a birth
  date counted back from their case's acceptance and a new ID carrying it (:func:`reissue_ids`);
* defendant ids ``<county>XR<7 digits>`` are numbered in random order within the county, so a key
  tells nothing but where the case is handled;
* case numbers follow the procuratorate's ``芜湖鸠检刑诉〔2023〕123号`` or the court's
  ``（2023）皖0207刑初123号`` style, in acceptance order.

Strings are built from small vocabularies (``take``), never row by row.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import idnumbers, regions
from synthetic.points.legal_aid import rules as R
from synthetic.points.legal_aid.schema import ADULT_AGE, TRIAL

WUHU = "340200"
WUHU_WEIGHT = 21              # Wuhu's counties repeated: about 60% of the cases are handled there
DISTINCT_NAMES_MAX = 200_000  # beyond this many people the name pools cannot keep names apart
MIN_AGE, MAX_AGE = 22, 75     # on as_of: adults at any acceptance of the last three years
LEGACY_SHARE = 0.3            # older people whose ID keeps an abolished county code


def arrow(values) -> pa.Array:
    """A pandas string column (or any sequence of str) as an Arrow ``string`` array."""
    out = pa.array(values)
    return (out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out).cast(pa.string())


def divisions() -> list[str]:
    wuhu = [r.code for r in regions.counties(city=WUHU)]
    return wuhu * WUHU_WEIGHT + [r.code for r in regions.counties() if r.parent != WUHU]


def draw_population(rng: np.random.Generator, n: int, as_of: datetime.date) -> pd.DataFrame:
    """``n`` adults (``id_number, name, sex, birth_date, county_code``), distinct names if
    they fit."""
    return idnumbers.draw_people(rng, n, as_of=as_of, min_age=MIN_AGE, max_age=MAX_AGE,
                                 divisions=divisions(), legacy_share=LEGACY_SHARE,
                                 distinct_names=n <= DISTINCT_NAMES_MAX)


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


def reissue_ids(rng: np.random.Generator, people: pd.DataFrame, rows: np.ndarray,
                births: np.ndarray) -> None:
    """Give ``people`` rows ``rows`` new birth dates and IDs (current county, same sex), in place.

    The new births are younger than anyone else in the population (the rest are at least
    :data:`MIN_AGE`), so new IDs can only collide with each other; a colliding ID gets a new
    sequence number of the same parity.
    """
    if len(rows) == 0:
        return
    births = np.asarray(births, dtype="datetime64[D]")
    county = people["county_code"].to_numpy()[rows].astype(np.int64)
    old = people["id_number"].to_numpy()[rows].astype("U18")
    seq = np.strings.slice(old, 14, 17).astype(np.int64)
    prefix = county * 10**9 + (births.astype(np.int64) + 10**6) * 1000
    while True:
        _, first = np.unique(prefix + seq, return_index=True)
        again = np.ones(len(rows), dtype=bool)
        again[first] = False
        if not again.any():
            break
        seq[again] = 2 * rng.integers(1, 500, int(again.sum())) - seq[again] % 2
    ids = idnumbers.make_ids(county, births, seq)
    at = people.columns.get_loc("id_number"), people.columns.get_loc("birth_date")
    people.iloc[rows, at[0]] = ids
    people.iloc[rows, at[1]] = births.astype("datetime64[ns]")


def namesakes(rng: np.random.Generator, names: np.ndarray, male: np.ndarray, taken: pa.Array,
              as_of: datetime.date) -> pd.DataFrame:
    """One new person per name, of the given sex, with that name and an ID not in ``taken``."""
    k = len(names)
    pool = idnumbers.draw_people(rng, 3 * k + 64, as_of=as_of, min_age=MIN_AGE,
                                 max_age=MAX_AGE, divisions=divisions())
    fresh = ~pc.is_in(arrow(pool["id_number"]), value_set=taken).to_numpy(zero_copy_only=False)
    pool_male = (pool["sex"] == idnumbers.MALE).to_numpy()
    out = np.empty(k, dtype=np.int64)
    for sex in (True, False):
        want, have = np.flatnonzero(male == sex), np.flatnonzero(fresh & (pool_male == sex))
        if len(have) < len(want):
            raise ValueError(f"cannot draw {len(want)} namesakes of one sex from {len(have)}")
        out[want] = have[:len(want)]
    twins = pool.iloc[out].reset_index(drop=True)
    twins["name"] = names
    return twins


def _text(numbers: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(numbers, pa.int64()), pa.string())


def _sequence(rng: np.random.Generator, group: np.ndarray, day: np.ndarray) -> np.ndarray:
    """1-based rank of each row by day (ties in random order) within its group."""
    _, g = np.unique(group, return_inverse=True)
    order = np.lexsort((rng.random(len(day)), day, g))
    g = g[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1] if len(g) else np.zeros(0, int)
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    out = np.empty(len(g), dtype=np.int64)
    out[order] = rank + 1
    return out


def defendant_ids(rng: np.random.Generator, counties: np.ndarray) -> pa.Array:
    """Unique ``<county>XR<7 digits>`` ids, numbered in random order within each county."""
    county = counties.astype(np.int64)
    seq = _sequence(rng, county, np.zeros(len(county), dtype=np.int64))
    return pc.binary_join_element_wise(_text(county), "XR", pc.utf8_lpad(_text(seq), 7, "0"), "")


def _heads(county: str, city_level: bool, stage: str) -> str:
    city = regions.city_of(county)
    if stage == TRIAL:
        code = city.code[2:4] if city_level else county[2:]
        return "皖" + code + "刑初"
    head = regions.short_name(city.code)
    return head + ("" if city_level else regions.region(county).name[0]) + "检刑诉"


def case_numbers(rng: np.random.Generator, counties: np.ndarray, city_level: np.ndarray,
                 trial: np.ndarray, days: np.ndarray) -> pa.Array:
    """Case numbers in acceptance order within each office and year: ``芜湖鸠检刑诉〔2023〕12号``
    for the procuratorate (审查起诉), ``（2023）皖0207刑初12号`` for the court (审判); cases that
    may end in 无期徒刑 or 死刑 go to the city's office (``芜湖检刑诉``, ``皖02刑初``)."""
    key = counties.astype(np.int64) * 4 + city_level * 2 + trial
    uniq, inverse = np.unique(key, return_inverse=True)
    heads = np.array([_heads(str(k // 4), bool(k // 2 % 2), TRIAL if k % 2 else "")
                      for k in uniq])
    _, office = np.unique(heads, return_inverse=True)
    year = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    seq = _sequence(rng, office.astype(np.int64)[inverse] * 10_000 + year, days)
    head = pa.array(heads.tolist()).take(pa.array(inverse))
    by_court = pc.binary_join_element_wise("（", _text(year), "）", head, _text(seq), "号", "")
    by_office = pc.binary_join_element_wise(head, "〔", _text(year), "〕", _text(seq), "号", "")
    return pc.if_else(pa.array(trial.astype(bool)), by_court, by_office)


def aid_centres(counties: np.ndarray, city_level: np.ndarray) -> pa.Array:
    """The legal aid centre of the case's county (``芜湖市鸠江区法律援助中心``) or city."""
    uniq, inverse = np.unique(counties.astype(np.int64) * 2 + city_level, return_inverse=True)
    names = []
    for key in uniq:
        county = regions.region(str(key // 2))
        city = regions.city_of(county.code)
        names.append(city.name + ("" if key % 2 else county.name) + "法律援助中心")
    return pa.array(names).take(pa.array(inverse))
