"""Who occupies the farmland: enterprises, government bodies and villagers (identity layer).

Thin adapters over ``synthetic.regions``, ``idnumbers``, ``creditcodes`` and ``pools``. Every
subject (approval or patch) gets a user type and, for enterprises and individuals, a user drawn
from the seed and the size only — never from the difficulty. Most users have one subject; some
enterprises (and a few villagers) have several, so a code alone does not always name one subject.
A government body is one of eight bodies of the subject's county, chosen later by land use.
Counties agree everywhere: the subject's ``county_code``, the division in the user's credit code,
and the division in an ID number (or the legacy code of the county it replaced).

Counties are small integers (indices into :data:`COUNTY_CODES`), subject numbers are ``int64``
and every user's code and name sit once in an Arrow string array, so that a million subjects
never become a million Python strings before the tables are written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from synthetic import creditcodes, pools, regions
from synthetic.idnumbers import draw_people_arrays, later_repeats
from synthetic.points.farmland_tax.schema import (
    ENTERPRISE, GOVERNMENT, INDIVIDUAL, POINT)
from synthetic.rng import stream

WUHU = "340200"
WUHU_SHARE = 0.6
PATCH_SHARE_TENTHS = 3              # patches are size * 3 // 10 of the subjects
USER_TYPE_P = {"approval": (0.45, 0.20, 0.35), "patch": (0.45, 0.05, 0.50)}
NEW_USER_SHARE = {ENTERPRISE: 0.7, INDIVIDUAL: 0.95}   # the rest reuse an earlier user
LEGACY_DIVISION_SHARE = 0.3         # older people whose ID keeps a replaced county's code
ENTERPRISE_WORDS = pools.pool("industry_words") + ("置业", "房地产开发", "文化旅游", "商业管理")
# The government bodies of each county; land uses name the body that applies (facts.py).
BODIES = ("人民政府", "交通运输局", "水利局", "教育体育局", "卫生健康委员会", "民政局",
          "人民武装部", "农业农村局")

# Every current Anhui county; a county is an index into these.
COUNTY_CODES = np.array([r.code for r in regions.counties()])
COUNTY_NUMBER = COUNTY_CODES.astype(np.int64)
CITY_NAMES = np.array([regions.city_of(c).name for c in COUNTY_CODES], dtype=object)
_CITY_OF_COUNTY, _CITIES = pd.factorize(CITY_NAMES)
WUHU_COUNTIES = np.flatnonzero([regions.region(c).parent == WUHU for c in COUNTY_CODES])
OTHER_COUNTIES = np.flatnonzero([regions.region(c).parent != WUHU for c in COUNTY_CODES])


@dataclass(frozen=True)
class Entities:
    """Every user and payer: canonical code, registered name, kind and county (index)."""

    code: pa.Array
    name: pa.Array
    kind: np.ndarray       # ENTERPRISE | GOVERNMENT | INDIVIDUAL
    county: np.ndarray
    gov_start: int         # index of the first government body (county-major, BODIES order)

    def __len__(self) -> int:
        return len(self.kind)


@dataclass(frozen=True)
class Identity:
    """Per subject: kind, number, user type, county and user (-1 for government, set later)."""

    n_approvals: int
    number: np.ndarray     # int64: the 14-digit approval / patch number
    user_type: np.ndarray
    county: np.ndarray     # index into COUNTY_CODES
    entity: np.ndarray
    single: np.ndarray     # the (enterprise or individual) user has exactly this one subject
    entities: Entities


# The counties villagers are drawn from: Wuhu's fourteen times over, so about 60% live there.
_VILLAGER_COUNTIES = np.concatenate([np.repeat(WUHU_COUNTIES, 14), OTHER_COUNTIES]).astype(
    np.int16)


def _arrow(values) -> pa.Array:
    """Strings (an object array, or an Arrow array of any string type) as an Arrow string array."""
    out = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return out.cast(pa.string())


def _city_names(county: np.ndarray) -> pd.Categorical:
    """The counties' city names (``CITY_NAMES[county]``), kept as codes into the few cities."""
    return pd.Categorical.from_codes(_CITY_OF_COUNTY[county], categories=_CITIES)


def draw_counties(rng: np.random.Generator, n: int) -> np.ndarray:
    """County indices: 60% one of Wuhu's counties, the rest any other current Anhui county."""
    in_wuhu = rng.random(n) < WUHU_SHARE
    return np.where(in_wuhu, WUHU_COUNTIES[rng.integers(0, len(WUHU_COUNTIES), n)],
                    OTHER_COUNTIES[rng.integers(0, len(OTHER_COUNTIES), n)]).astype(np.int16)


def _body_names() -> pa.Array:
    """Every county's bodies, county-major: "芜湖市鸠江区人民政府" (a district names its city)."""
    heads = []
    for c in COUNTY_CODES:
        r = regions.region(c)
        heads.append((regions.region(r.parent).name + r.name) if r.name.endswith("区")
                     else r.name)
    return pa.array([head + body for head in heads for body in BODIES], pa.string())


_BODY_COUNTY = np.repeat(np.arange(len(COUNTY_CODES), dtype=np.int16), len(BODIES))
_BODY_NAMES = _body_names()


def _government(seed: int) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """(codes, names, counties) of every county's bodies: registering body 1, type 1 (organ)."""
    rng = stream(seed, POINT, "government")
    codes = creditcodes.make_uscc_array(rng, len(_BODY_COUNTY),
                                        divisions=COUNTY_CODES[_BODY_COUNTY], registering="1",
                                        entity_type="1")
    return codes, _BODY_NAMES, _BODY_COUNTY


def draw_identity(seed: int, size: int, as_of: datetime.date) -> Identity:
    rng = stream(seed, POINT, "identity")
    n_patch = size * PATCH_SHARE_TENTHS // 10
    n_app = size - n_patch
    u = rng.random(size)
    user_type = np.zeros(size, dtype=np.int8)        # approvals first, then patches
    for rows, p in ((slice(0, n_app), USER_TYPE_P["approval"]),
                    (slice(n_app, size), USER_TYPE_P["patch"])):
        for bound in np.cumsum(p)[:-1]:               # the bounds at or below u
            user_type[rows] += u[rows] >= bound
    entity = np.full(size, -1, dtype=np.int64)
    county = draw_counties(rng, size)          # kept for government subjects

    codes, names, kinds, counties = [], [], [], []
    start = 0
    for kind in (ENTERPRISE, INDIVIDUAL):
        rows = np.flatnonzero(user_type == kind)
        new = rng.random(len(rows)) < NEW_USER_SHARE[kind]
        if len(rows):
            new[0] = True
        n_users = int(new.sum())
        owner = np.cumsum(new) - 1                 # a new user gets the next index
        reuse = ~new
        owner[reuse] = rng.integers(0, n_users, int(reuse.sum())) if n_users else 0
        if kind == ENTERPRISE:
            c = draw_counties(rng, n_users)
            codes.append(creditcodes.make_uscc_array(rng, n_users, divisions=COUNTY_CODES[c],
                                                     registering="9", entity_type="1"))
            names.append(pools.company_name_array(rng, n_users, city_names=_city_names(c),
                                                  industry_words=ENTERPRISE_WORDS, unique=True))
        else:
            people = draw_people_arrays(rng, n_users, as_of=as_of, min_age=22, max_age=85,
                                        divisions=COUNTY_CODES[_VILLAGER_COUNTIES],
                                        legacy_share=LEGACY_DIVISION_SHARE)
            c = _VILLAGER_COUNTIES[people.county_at]
            codes.append(people.id_number)
            names.append(people.name)
        counties.append(c)
        kinds.append(np.full(n_users, kind, dtype=np.int8))
        entity[rows] = start + owner
        county[rows] = c[owner]
        start += n_users

    gcodes, gnames, gcounty = _government(seed)
    entities = Entities(
        code=pa.concat_arrays([_arrow(x) for x in codes + [gcodes]]),
        name=pa.concat_arrays([_arrow(x) for x in names + [gnames]]),
        kind=np.concatenate(kinds + [np.full(len(gcodes), GOVERNMENT, dtype=np.int8)]),
        county=np.concatenate(counties + [gcounty]), gov_start=start)
    uses = np.bincount(entity[entity >= 0], minlength=len(entities))
    single = (entity >= 0) & (uses[np.maximum(entity, 0)] == 1)
    return Identity(n_approvals=n_app, number=_numbers(rng, county),
                    user_type=user_type, county=county, entity=entity, single=single,
                    entities=entities)


def government_entity(entities: Entities, county: np.ndarray, body: np.ndarray) -> np.ndarray:
    """Entity index of the body ``body`` (index into BODIES) of each county (index)."""
    return entities.gov_start + county.astype(np.int64) * len(BODIES) + body


def unique_numbers(rng: np.random.Generator, prefix: np.ndarray, digits: int) -> np.ndarray:
    """``prefix`` followed by ``digits`` random digits, all distinct: a repeat of an earlier row
    is redrawn, in row order, until it is new. Repeats are found in hash tables (no sort of a
    million numbers); a redrawn value must be new to the numbers and to the other redraws."""
    base = prefix.astype(np.int64) * 10**digits
    num = base + rng.integers(0, 10**digits, len(prefix))
    pending = np.flatnonzero(later_repeats(num))
    while len(pending):
        new = base[pending] + rng.integers(0, 10**digits, len(pending))
        # the few numbers equal to a redraw, found by hashing the redraws (not the numbers)
        taken = num[pd.Series(num, copy=False).isin(new).to_numpy()]
        clash = later_repeats(new) | np.isin(new, taken)
        num[pending[~clash]] = new[~clash]
        pending = pending[clash]
    return num


def _numbers(rng: np.random.Generator, county: np.ndarray) -> np.ndarray:
    """Approval and patch numbers alike: the county code and eight random digits, all unique."""
    return unique_numbers(rng, COUNTY_NUMBER[county], 8)
