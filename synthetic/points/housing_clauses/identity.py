"""Who signs the contracts: developers, their projects and the buyers (shared identity layer).

Thin adapters over ``synthetic.regions``, ``synthetic.creditcodes``, ``synthetic.pools`` and
``synthetic.idnumbers``:

* developers sit in Wuhu's counties (about 60%) or elsewhere in Anhui; their credit codes carry the
  county's division code and their names are distinct real-looking 置业 / 房地产开发 companies;
* each developer sells one to four projects, each with a 预售许可证 number such as
  ``芜房预售证第2022045号`` (city, year, sequence);
* buyers are drawn as people with valid ID numbers, shown masked as the sales systems print them:
  the first six and the last four characters, eight ``*`` between (``340202********123X``);
* contract numbers ``<county>WQ<year><6-digit sequence>`` (网签) run in signing order within a
  county and year, so a key tells nothing but where and when.
"""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import creditcodes, idnumbers, pools, regions
from synthetic.points.housing_clauses.schema import DEVELOPER_WORDS, PROJECT_SUFFIXES

WUHU = "340200"
WUHU_SHARE = 0.6
WUHU_WEIGHT = 21              # Wuhu's counties repeated: about 60% of the buyers live there
CONTRACTS_PER_DEVELOPER = 40
MIN_AGE, MAX_AGE = 22, 70


def counties(rng: np.random.Generator, n: int) -> np.ndarray:
    """County codes: 60% one of Wuhu's, the rest any other current Anhui county."""
    wuhu = np.array([r.code for r in regions.counties(city=WUHU)])
    other = np.array([r.code for r in regions.counties() if r.parent != WUHU])
    return np.where(rng.random(n) < WUHU_SHARE, wuhu[rng.integers(0, len(wuhu), n)],
                    other[rng.integers(0, len(other), n)])


def _by_code(codes: np.ndarray, make) -> np.ndarray:
    uniq, inverse = np.unique(codes, return_inverse=True)
    return np.array([make(str(c)) for c in uniq], dtype=object)[inverse]


def developers(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """``county, uscc, name`` of ``n`` developers (names unique within the scenario)."""
    county = counties(rng, n)
    uscc = creditcodes.make_usccs(rng, n, divisions=county, registering="9", entity_type="1")
    city = _by_code(county, lambda c: regions.city_of(c).name)
    name = pools.company_names(rng, n, city_names=city, industry_words=DEVELOPER_WORDS,
                               unique=True)
    return {"county": county, "uscc": uscc, "name": name}


def projects(rng: np.random.Generator, developer_county: np.ndarray,
             years: np.ndarray) -> dict:
    """Per developer one to four projects: ``developer, name, permit`` (Arrow)."""
    per = rng.integers(1, 5, len(developer_county))
    developer = np.repeat(np.arange(len(developer_county)), per)
    n = len(developer)
    trades = np.asarray(pools.pool("trade_names"), dtype=object)
    suffixes = np.asarray(PROJECT_SUFFIXES, dtype=object)
    name = trades[rng.integers(0, len(trades), n)] + suffixes[rng.integers(0, len(suffixes), n)]
    county = developer_county[developer]
    head = _by_code(county, lambda c: regions.short_name(regions.city_of(c).code)[0] + "房预售证第")
    year = years[rng.integers(0, len(years), n)]
    seq = rng.permutation(n) % 999 + 1
    permit = pc.binary_join_element_wise(
        pa.array(head, pa.string()), pa.array(year).cast(pa.string()),
        pc.ascii_lpad(pa.array(seq).cast(pa.string()), 3, "0"), "号", "")
    return {"developer": developer, "name": name, "permit": permit}


def masked_buyer_ids(rng: np.random.Generator, n: int, as_of: datetime.date) -> pa.Array:
    """Masked ID numbers of ``n`` adult buyers, e.g. ``340202********123X``."""
    wuhu = [r.code for r in regions.counties(city=WUHU)]
    divisions = wuhu * WUHU_WEIGHT + [r.code for r in regions.counties() if r.parent != WUHU]
    people = idnumbers.draw_people(rng, n, as_of=as_of, min_age=MIN_AGE, max_age=MAX_AGE,
                                   divisions=divisions)
    ids = pa.array(people["id_number"], pa.string())
    return pc.binary_replace_slice(ids, 6, 14, "********")   # IDs are 18 ASCII characters


def contract_numbers(rng: np.random.Generator, county: np.ndarray,
                     sign_day: np.ndarray) -> pa.Array:
    """Unique ``<county>WQ<year><seq:06d>`` numbers in signing order within county and year
    (``county`` as int codes)."""
    year = sign_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    group = county * 10_000 + year
    # Rows in (county, year, day) order, ties in random order. The year follows from the day, so
    # a whole-number key per (county, day) plus the random number sorts in one float sort, exact
    # unless some sums round to equal ones: then the exact two-key sort.
    day = sign_day - sign_day.min(initial=0)
    key = (county - county.min(initial=0)) * (int(day.max(initial=0)) + 1) + day
    tie = rng.random(len(group))
    both = key + tie
    order = np.argsort(both)
    if (both[order[1:]] == both[order[:-1]]).any():
        order = np.lexsort((tie, key))
    g = group[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    seq = np.empty(len(g), dtype=np.int64)
    seq[order] = rank + 1
    return pc.binary_join_element_wise(
        pa.array(county).cast(pa.string()), "WQ", pa.array(year).cast(pa.string()),
        pc.ascii_lpad(pa.array(seq).cast(pa.string()), 6, "0"), "")
