"""Who the companies and people are (shared identity layer), built column by column.

Thin adapters over ``synthetic.creditcodes``, ``synthetic.idnumbers``, ``synthetic.regions`` and
``synthetic.pools``:

* companies live mostly in Wuhu's seven counties; a credit code's division is the company's
  county, its registering body ``9`` and entity type ``1`` for every company, so a code tells
  nothing but the county;
* incubator addresses ``…科技创业孵化中心3楼301-17室``: a few centres per county, rooms shared by
  many companies (workstations numbered within a room);
* one pool of people (ages 18-88) from ``draw_people``; the fact layer picks representatives of
  the ages it needs from it, and boundary birthdays are re-issued IDs of pool people;
* bank accounts, phone numbers and police case numbers are digits from the stream.

Strings are built as numpy string arrays or Arrow ``take`` from small vocabularies, never row by
row.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pyarrow as pa

from synthetic import creditcodes, idnumbers, pools, regions
from synthetic.points.shell_company.schema import (
    AREA_CODE, BANK_HEADS, CAPITAL_WAN, CAPITAL_WEIGHTS, INCUBATORS, JOINT_STOCK_TYPES,
    LIMITED_TYPES, LIMITED_WEIGHTS, MOBILE_HEADS)

WUHU = "340200"
WUHU_WEIGHT = 21              # Wuhu's counties repeated: about 60% of companies are there
DISTINCT_NAMES_MAX = 200_000  # beyond this many the pools cannot keep names apart
MIN_AGE, MAX_AGE = 18, 88
LEGACY_SHARE = 0.3
MOBILE_SHARE = 0.7
ROOMS_PER_CENTRE = 6
_S = np.dtypes.StringDType()


def divisions() -> np.ndarray:
    wuhu = [r.code for r in regions.counties(city=WUHU)]
    return np.asarray(wuhu * WUHU_WEIGHT + [r.code for r in regions.counties()
                                           if r.parent != WUHU])


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """``n`` strings of ``width`` random digits."""
    raw = (rng.integers(0, 10, (n, width)) + ord("0")).astype(np.uint8)
    return np.ascontiguousarray(raw).view(f"S{width}").ravel().astype(_S)


def companies(rng: np.random.Generator, n: int) -> dict:
    """Counties, credit codes, names, types, capital, phones and street addresses of ``n``
    companies; strings as Arrow arrays, which hold a million of them in a fraction of the
    memory Python strings take."""
    county = divisions()[rng.integers(0, len(divisions()), n)]
    uniq, inverse = np.unique(county, return_inverse=True)
    city = np.asarray([regions.city_of(c).name for c in uniq], dtype=object)[inverse]
    uscc = creditcodes.make_usccs(rng, n, divisions=county)
    names = pools.company_names(rng, n, city_names=city, unique=n <= DISTINCT_NAMES_MAX)
    joint = np.strings.find(names.astype(_S), "股份有限公司") >= 0
    types = np.asarray(LIMITED_TYPES, dtype=object)[rng.choice(len(LIMITED_TYPES), n,
                                                              p=LIMITED_WEIGHTS)]
    types = np.where(joint, np.asarray(JOINT_STOCK_TYPES, dtype=object)[
        rng.integers(0, len(JOINT_STOCK_TYPES), n)], types)
    capital = np.asarray(CAPITAL_WAN, dtype=float)[rng.choice(len(CAPITAL_WAN), n,
                                                             p=CAPITAL_WEIGHTS)]
    heads = np.asarray(MOBILE_HEADS, dtype=_S)[rng.integers(0, len(MOBILE_HEADS), n)]
    mobile = np.strings.add(heads, _digits(rng, n, 8))
    landline = np.strings.add(AREA_CODE + "-", np.strings.add(
        rng.integers(2, 9, n).astype(str).astype(_S), _digits(rng, n, 6)))
    phone = np.where(rng.random(n) < MOBILE_SHARE, mobile, landline)
    def text(values):
        return pa.array(values.astype(object), pa.string())

    return {"county": county, "uscc": text(uscc), "name": text(names), "type": text(types),
            "capital": capital, "phone": text(phone), "street": text(pools.addresses(rng, county))}


def incubator_addresses(rng: np.random.Generator, county: np.ndarray) -> np.ndarray:
    """An address in one of a few incubators of each company's county, in a shared room."""
    n = len(county)
    uniq, inverse = np.unique(county, return_inverse=True)
    prefix = np.asarray([regions.full_name(c) for c in uniq], dtype=_S)[inverse]
    centre = np.asarray(INCUBATORS, dtype=_S)[rng.integers(0, 2, n) + 2 * (inverse % 2)]
    floor = rng.integers(2, 6, n)
    room = floor * 100 + rng.integers(1, 1 + ROOMS_PER_CENTRE, n)
    seat = rng.integers(1, 60, n)
    parts = (prefix, centre, floor.astype(str).astype(_S), "楼", room.astype(str).astype(_S),
             "-", seat.astype(str).astype(_S), "室")
    out = parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part)
    return out.astype(object)


def people(rng: np.random.Generator, n: int, as_of: datetime.date) -> pd.DataFrame:
    """``n`` people aged 18-88 with distinct names while the pools allow it."""
    return idnumbers.draw_people(rng, n, as_of=as_of, min_age=MIN_AGE, max_age=MAX_AGE,
                                 divisions=divisions(), legacy_share=LEGACY_SHARE,
                                 distinct_names=n <= DISTINCT_NAMES_MAX)


def reissue(ids: np.ndarray, births: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """IDs with the same division and sequence for new birth dates; -1 where one is taken."""
    ids = np.asarray(ids, dtype=str)
    new = idnumbers.make_ids([i[:6] for i in ids], births, [int(i[14:17]) for i in ids])
    clash = np.isin(new.astype(str), np.asarray(taken, dtype=str))
    _, first = np.unique(new.astype(str), return_index=True)
    again = np.ones(len(new), dtype=bool)
    again[first] = False
    return np.where(clash | again, None, new)


def accounts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Corporate bank account numbers: a bank head and 15 digits, unique."""
    heads = np.asarray(BANK_HEADS, dtype=_S)[rng.integers(0, len(BANK_HEADS), n)]
    out = np.strings.add(heads, _digits(rng, n, 15))
    while len(np.unique(out)) < n:
        _, first = np.unique(out, return_index=True)
        again = np.setdiff1d(np.arange(n), first)
        out[again] = np.strings.add(heads[again], _digits(rng, len(again), 15))
    return out.astype(object)


def case_numbers(rng: np.random.Generator, county: np.ndarray, days: np.ndarray) -> pa.Array:
    """Police case numbers ``芜公(鸠江)刑立字〔2023〕01234号``, unique within county and year."""
    year = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    uniq, inverse = np.unique(county, return_inverse=True)
    heads = np.asarray([regions.short_name(regions.city_of(c).code)[:1] + "公("
                        + regions.region(c).name[:2] + ")刑立字〔" for c in uniq], dtype=_S)
    key = inverse.astype(np.int64) * 10_000 + year
    order = np.lexsort((rng.random(len(key)), key))
    seq = np.empty(len(key), dtype=np.int64)
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(sorted_key[1:] != sorted_key[:-1]) + 1]
    seq[order] = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)])) + 1
    text = np.strings.add(heads[inverse], year.astype(str).astype(_S))
    text = np.strings.add(np.strings.add(text, "〕"), np.char.zfill(seq.astype(str), 5).astype(_S))
    return pa.array(np.strings.add(text, "号").astype(object), pa.string())
