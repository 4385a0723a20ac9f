"""Who occupies the farmland: enterprises, government bodies and villagers (identity layer).

Thin adapters over ``synthetic.regions``, ``idnumbers``, ``creditcodes`` and ``pools``. Every
subject (approval or patch) gets a user type and, for enterprises and individuals, a user drawn
from the seed and the size only — never from the difficulty. Most users have one subject; some
enterprises (and a few villagers) have several, so a code alone does not always name one subject.
A government body is one of eight bodies of the subject's county, chosen later by land use.
Counties agree everywhere: the subject's ``county_code``, the division in the user's credit code,
and the division in an ID number (or the legacy code of the county it replaced).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from synthetic import creditcodes, pools, regions
from synthetic.idnumbers import draw_people
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


@dataclass(frozen=True)
class Entities:
    """Every user and payer: canonical code, registered name, kind and county."""

    code: np.ndarray
    name: np.ndarray
    kind: np.ndarray       # ENTERPRISE | GOVERNMENT | INDIVIDUAL
    county: np.ndarray
    gov_start: int         # index of the first government body (county-major, BODIES order)
    gov_counties: np.ndarray

    def __len__(self) -> int:
        return len(self.code)


@dataclass(frozen=True)
class Identity:
    """Per subject: kind, number, user type, county and user (-1 for government, set later)."""

    n_approvals: int
    number: np.ndarray
    user_type: np.ndarray
    county: np.ndarray
    entity: np.ndarray
    single: np.ndarray     # the (enterprise or individual) user has exactly this one subject
    entities: Entities


def county_pool() -> tuple[np.ndarray, np.ndarray]:
    """Wuhu's counties and the other current Anhui counties."""
    wuhu = np.array([r.code for r in regions.counties(city=WUHU)])
    other = np.array([r.code for r in regions.counties() if r.parent != WUHU])
    return wuhu, other


def draw_counties(rng: np.random.Generator, n: int) -> np.ndarray:
    wuhu, other = county_pool()
    in_wuhu = rng.random(n) < WUHU_SHARE
    return np.where(in_wuhu, wuhu[rng.integers(0, len(wuhu), n)],
                    other[rng.integers(0, len(other), n)]).astype(object)


def _government(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, names, counties) of every county's bodies: registering body 1, type 1 (organ)."""
    counties = np.array([r.code for r in regions.counties()], dtype=object)
    county = np.repeat(counties, len(BODIES))
    body = np.tile(np.array(BODIES, dtype=object), len(counties))
    rng = stream(seed, POINT, "government")
    codes = creditcodes.make_usccs(rng, len(county), divisions=county.astype(str),
                                   registering="1", entity_type="1")
    heads = {}
    for c in counties:
        r = regions.region(c)
        heads[c] = (regions.region(r.parent).name + r.name) if r.name.endswith("区") else r.name
    names = np.array([heads[c] for c in county], dtype=object) + body
    return codes, names, county


def draw_identity(seed: int, size: int, as_of: datetime.date) -> Identity:
    rng = stream(seed, POINT, "identity")
    n_patch = size * PATCH_SHARE_TENTHS // 10
    n_app = size - n_patch
    kind_p = np.array([USER_TYPE_P["approval"]] * n_app + [USER_TYPE_P["patch"]] * n_patch)
    cum = np.cumsum(kind_p, axis=1)
    user_type = np.minimum((rng.random(size)[:, None] >= cum).sum(axis=1), 2).astype(np.int8)
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
            city = np.array([regions.city_of(x).name for x in c], dtype=object)
            codes.append(creditcodes.make_usccs(rng, n_users, divisions=c.astype(str),
                                                registering="9", entity_type="1"))
            names.append(pools.company_names(rng, n_users, city_names=city,
                                             industry_words=ENTERPRISE_WORDS, unique=True))
        else:
            wuhu, other = county_pool()
            weighted = np.concatenate([np.repeat(wuhu, 14), other])  # about 60% in Wuhu
            people = draw_people(rng, n_users, as_of=as_of, min_age=22, max_age=85,
                                 divisions=weighted, legacy_share=LEGACY_DIVISION_SHARE)
            c = people["county_code"].to_numpy()
            codes.append(people["id_number"].to_numpy())
            names.append(people["name"].to_numpy())
        counties.append(c)
        kinds.append(np.full(n_users, kind, dtype=np.int8))
        entity[rows] = start + owner
        county[rows] = c[owner]
        start += n_users

    gcodes, gnames, gcounty = _government(seed)
    entities = Entities(
        code=np.concatenate(codes + [gcodes]).astype(object),
        name=np.concatenate(names + [gnames]).astype(object),
        kind=np.concatenate(kinds + [np.full(len(gcodes), GOVERNMENT, dtype=np.int8)]),
        county=np.concatenate(counties + [gcounty]).astype(object),
        gov_start=start, gov_counties=np.unique(gcounty.astype(str)))
    uses = np.bincount(entity[entity >= 0], minlength=len(entities))
    single = (entity >= 0) & (uses[np.maximum(entity, 0)] == 1)
    return Identity(n_approvals=n_app, number=_numbers(rng, county),
                    user_type=user_type, county=county, entity=entity, single=single,
                    entities=entities)


def government_entity(entities: Entities, county: np.ndarray, body: np.ndarray) -> np.ndarray:
    """Entity index of the body ``body`` (index into BODIES) of each county."""
    at = np.searchsorted(entities.gov_counties, county.astype(str))
    return entities.gov_start + at * len(BODIES) + body


def _numbers(rng: np.random.Generator, county: np.ndarray) -> np.ndarray:
    """Approval and patch numbers alike: the county code and eight random digits, all unique."""
    base = county.astype(np.int64) * 10**8
    num = base + rng.integers(0, 10**8, len(county))
    while True:
        _, first = np.unique(num, return_index=True)
        again = np.ones(len(num), dtype=bool)
        again[first] = False
        if not again.any():
            return num.astype(str).astype(object)
        num[again] = base[again] + rng.integers(0, 10**8, int(again.sum()))
