"""What each subject owes and the tax records its role gives it (vectorised).

Tax due is kept exact: a unit tax in eighths of a yuan (``u8``, 37.5 yuan = 300) times an area in
hundredths of a square metre (``a100``) is the due in eighths of a cent (``due8``). A payment is an
integer number of cents; "below 95%" is ``160 * cents < 19 * due8``. The roles decide the plan:

* plain subjects pay the due (rounded to the cent) in one record under the code their use allows;
* ``r_underpaid``: a lower rate, the area read as hectares, no basic-farmland surcharge, a part,
  or exactly one cent below 95%; ``r_improper_relief``: a code the use does not allow, with the full
  due, or (with ``r_underpaid``) with the amount that code would give;
* the hard-negative families of :mod:`facts`: exactly 95% (whole quarter-yuan amounts and areas
  that survive ``ha * 10000`` in float64, so every way of comparing agrees) or a little more,
  instalments that add up, another taxpayer, a late declaration, nothing yet while not due.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic import regions
from synthetic.difficulty import Difficulty, profile
from synthetic.points.farmland_tax import identity as ID, schema as S
from synthetic.rng import stream

_S = np.dtypes.StringDType()
RATES8 = np.array([300, 210, 150, 16])     # the county rates and the transport rate, in eighths
TIE_SHARE = 0.5                            # hn_paid_95_100 at exactly 95%
NOT_DUE_PART_SHARE = 0.3                   # hn_not_yet_due subjects that paid a part already
LATE_DAYS = 150
_PART_GAP_DAYS = 45
# how an underpaid subject went wrong, with weights
WRONG_RATE, AREA_AS_HA, NO_SURCHARGE, PARTIAL, ONE_CENT = range(5)
_U_WEIGHTS = np.array([0.3, 0.1, 0.15, 0.3, 0.15])


@dataclass
class SubjectTerms:
    """Per subject: land use, areas, unit tax and the allowed relief code (mutable areas)."""

    n_approvals: int
    use: np.ndarray
    farm_m2: np.ndarray          # approvals: farmland; patches: 0
    basic_m2: np.ndarray
    patch_centi: np.ndarray      # patches only, hundredths of a m2
    trigger: np.ndarray          # datetime64[D]: notice / determination
    u8: np.ndarray
    allowed: np.ndarray          # index into RELIEF_CODES

    @classmethod
    def build(cls, ident: ID.Identity, use, farm, basic, patch_centi, trigger,
              rates: pd.DataFrame) -> "SubjectTerms":
        size = len(use)
        rate8 = dict(zip(rates["county_code"], (rates["rate_yuan_m2"] * 8).astype(np.int64)))
        county8 = np.array([rate8[c] for c in ident.county], dtype=np.int64) if size else \
            np.empty(0, dtype=np.int64)
        names = np.array(S.LAND_USES)[use]
        u8 = np.select([np.isin(names, S.EXEMPT_USES), np.isin(names, S.TRANSPORT_USES),
                        np.isin(names, S.RURAL_USES)], [0, 16, county8 // 2], county8)
        allowed = np.array([S.RELIEF_CODES.index(S.relief_code(u)) for u in S.LAND_USES])[use]
        pad = np.zeros(size - len(farm), dtype=np.int64)
        return cls(ident.n_approvals, use, np.concatenate([farm, pad]),
                   np.concatenate([basic, pad]), patch_centi, trigger, u8, allowed)

    @property
    def patch(self) -> np.ndarray:
        return np.arange(len(self.use)) >= self.n_approvals

    @property
    def a100(self) -> np.ndarray:
        """Taxed area in hundredths of a m2, basic farmland counted 1.5 times."""
        pc = np.concatenate([np.zeros(self.n_approvals, dtype=np.int64), self.patch_centi])
        return np.where(self.patch, pc, 100 * self.farm_m2 + 50 * self.basic_m2)

    @property
    def area_centi(self) -> np.ndarray:
        """The occupied area as a record shows it (no surcharge)."""
        pc = np.concatenate([np.zeros(self.n_approvals, dtype=np.int64), self.patch_centi])
        return np.where(self.patch, pc, 100 * self.farm_m2)

    def make_tie_geometry(self, rows: np.ndarray) -> None:
        """Areas for which 95% of the due is a whole quarter-yuan: multiples of 40 m2 (no basic
        farmland), whose hectares times 10,000 give back the same m2 in float64."""
        m2 = np.where(self.patch[rows], self.a100[rows] // 100, self.farm_m2[rows])
        base = np.maximum(40, m2 // 40 * 40)
        steps = base[:, None] + 40 * np.arange(64)[None, :]   # failures run at most 22 long
        exact = (np.round(steps / S.M2_PER_HA, 4) * S.M2_PER_HA) == steps
        chosen = steps[np.arange(len(rows)), np.argmax(exact, axis=1)]
        app = rows[~self.patch[rows]]
        self.farm_m2[app] = chosen[~self.patch[rows]]
        self.basic_m2[app] = 0
        pat = rows[self.patch[rows]]
        self.patch_centi[pat - self.n_approvals] = 100 * chosen[self.patch[rows]]


@dataclass(frozen=True)
class Records:
    """Tax records, one row per instalment, in subject order."""

    subject: np.ndarray
    entity: np.ndarray
    cents: np.ndarray
    code: np.ndarray
    unit8: np.ndarray
    area_centi: np.ndarray
    date: np.ndarray

    def frame(self, ident: ID.Identity, ents: ID.Entities,
              rng: np.random.Generator) -> pd.DataFrame:
        return pd.DataFrame({
            "tax_record_id": _record_ids(rng, ident.county[self.subject]),
            "source_ref": ident.number[self.subject],
            "taxpayer_code": ents.code[self.entity],
            "taxpayer_name": ents.name[self.entity],
            "taxed_area_m2": np.round(self.area_centi / 100, 2),
            "unit_tax_yuan": np.round(self.unit8 / 8, 2),
            "relief_code": np.array(S.RELIEF_CODES, dtype=object)[self.code],
            "tax_payable_yuan": np.round(self.cents / 100, 2),
            "declared_date": np.datetime_as_string(self.date, unit="D").astype(object),
        })


def _record_ids(rng: np.random.Generator, county: np.ndarray) -> np.ndarray:
    """Tax voucher numbers: the county code and 13 random digits, unique."""
    base = county.astype(np.int64) * 10**13
    num = base + rng.integers(0, 10**13, len(county))
    while True:
        _, first = np.unique(num, return_index=True)
        again = np.ones(len(num), dtype=bool)
        again[first] = False
        if not again.any():
            return num.astype(str).astype(object)
        num[again] = base[again] + rng.integers(0, 10**13, int(again.sum()))


def _pick(rng: np.random.Generator, ok: np.ndarray, weights=None) -> np.ndarray:
    """One allowed column per row, weighted (Efraimidis-Spirakis keys)."""
    u = rng.random(ok.shape)
    key = u if weights is None else u ** (1.0 / np.asarray(weights))[None, :]
    return np.argmax(key * ok, axis=1)


def _cents(u8: np.ndarray, a100: np.ndarray) -> np.ndarray:
    """``u8 * a100`` eighths of a cent, rounded half up to cents."""
    return (u8 * a100 + 4) // 8


def build_payments(seed: int, difficulty: Difficulty, subj: SubjectTerms, flags: dict,
                   entity: np.ndarray, ident: ID.Identity, as_of: datetime.date) -> Records:
    from synthetic.points.farmland_tax import facts as F

    rng = stream(seed, S.POINT, "payments", difficulty.value)
    n = len(subj.use)
    U, P, R = flags[F.R_UNDECLARED] | flags[F.R_ILLEGAL], flags[F.R_UNDERPAID], flags[F.R_IMPROPER]
    patch = subj.patch
    code = subj.allowed.copy()
    parts = np.ones(n, dtype=np.int64)
    unit = np.ones(n, dtype=np.int64)        # amounts in cents, or in 25 cents for ties

    # hn_paid_95_100 at exactly 95% and the surcharge mechanism need their areas first
    p95 = flags[F.HN_PAID_95_100]
    tie = p95 & (rng.random(n) < TIE_SHARE)
    subj.make_tie_geometry(np.flatnonzero(tie))
    lower = (100 * RATES8[None, :] <= 93 * subj.u8[:, None])
    ok = np.column_stack([lower.any(axis=1), ~patch, ~patch, np.ones(n, bool), np.ones(n, bool)])
    mech = _pick(rng, ok, _U_WEIGHTS)
    u_only = P & ~R
    surcharge = np.flatnonzero(u_only & (mech == NO_SURCHARGE))
    subj.basic_m2[surcharge] = np.floor(subj.farm_m2[surcharge]
                                        * rng.uniform(0.2, 0.6, len(surcharge)))
    a100, u8 = subj.a100, subj.u8
    due8 = u8 * a100
    shown8 = u8.copy()
    area = subj.area_centi
    cents = _cents(u8, a100)

    # FOT_UNDERPAID alone
    rate = RATES8[_pick(rng, lower)]
    m = u_only & (mech == WRONG_RATE)
    shown8[m], cents[m] = rate[m], _cents(rate[m], a100[m])
    m = u_only & (mech == AREA_AS_HA)
    area[m] = np.round(subj.farm_m2[m] / 100)
    cents[m] = (u8[m] * a100[m] + 40_000) // 80_000
    m = u_only & (mech == NO_SURCHARGE)
    cents[m] = _cents(u8[m], 100 * subj.farm_m2[m])
    m = u_only & (mech == PARTIAL)
    cents[m] = np.floor(cents[m] * rng.uniform(0.3, 0.9, int(m.sum()))).astype(np.int64)
    parts[m] = rng.integers(1, 3, int(m.sum()))
    m = u_only & (mech == ONE_CENT)
    cents[m] = -((-19 * due8[m]) // 160) - 1

    # FOT_IMPROPER_RELIEF: a code the use does not allow (never NONE)
    n_codes = len(S.RELIEF_CODES)
    k = 1 + rng.integers(0, n_codes - 2, n)
    wrong_any = k + ((subj.allowed != 0) & (k >= subj.allowed))
    wrong_any = np.where(subj.allowed == 0, 1 + rng.integers(0, n_codes - 1, n), wrong_any)
    code[R & ~P] = wrong_any[R & ~P]
    # with FOT_UNDERPAID: paid what the wrong code would give (an exemption, 2 yuan, or half)
    exempt = 3 + rng.integers(0, len(S.EXEMPT_USES), n)
    standard = subj.allowed == 0
    alt = np.where(standard, np.where(rng.random(n) < 0.5, 1, 2), 1)
    has_alt = standard | (subj.allowed == 2)
    both = R & P
    claim = np.where(has_alt & (rng.random(n) < 0.5), alt, exempt)
    code[both] = claim[both]
    alt8 = np.select([claim == 1, claim == 2], [16, u8 // 2], 0)
    shown8[both] = alt8[both]
    cents[both] = _cents(alt8[both], a100[both])

    # hard negatives
    cents[tie] = 19 * due8[tie] // 160
    unit[tie] = 25
    near = p95 & ~tie
    cents[near] = np.minimum(_cents(u8[near], a100[near]),
                             -((-19 * due8[near]) // 160) + 1
                             + np.floor(rng.uniform(0, 0.045, int(near.sum())) * cents[near])
                             .astype(np.int64))
    nyd = flags[F.HN_NOT_YET_DUE]
    nyd_part = nyd & (rng.random(n) < NOT_DUE_PART_SHARE)
    cents[nyd_part] = np.floor(cents[nyd_part] * rng.uniform(0.2, 0.6, int(nyd_part.sum())))
    parts[flags[F.HN_INSTALMENTS]] = rng.integers(2, 4, int(flags[F.HN_INSTALMENTS].sum()))
    pays = ~(U | flags[F.HN_EXEMPT_UNTAXED] | (nyd & ~nyd_part))

    payer = entity.copy()
    other = flags[F.HN_OTHER_TAXPAYER]
    payer[other] = _other_entities(rng, ident.entities, entity[other])
    return _expand(rng, np.flatnonzero(pays), parts, unit, cents, code, shown8, area, payer,
                   subj.trigger, flags[F.HN_LATE_PAID], profile(difficulty).boundary_dates,
                   as_of)


def _other_entities(rng, ents: ID.Entities, users: np.ndarray) -> np.ndarray:
    """Another payer: a villager for a villager, else an enterprise or a government body."""
    person = ents.kind == S.INDIVIDUAL
    people, orgs = np.flatnonzero(person), np.flatnonzero(~person)   # orgs: at least the bodies
    if len(people) < 2:
        people = orgs
    from_people = person[users]
    size = np.where(from_people, len(people), len(orgs))
    pick = np.floor(rng.random(len(users)) * size).astype(np.int64)
    for _ in range(2):       # the next one in the pool when the draw is the user itself
        out = np.where(from_people, people[np.minimum(pick, len(people) - 1)],
                       orgs[np.minimum(pick, len(orgs) - 1)])
        pick = np.where(out == users, (pick + 1) % size, pick)
    return out


def _expand(rng, payers_rows, parts, unit, cents, code, shown8, area, payer, trigger, late,
            boundary: bool, as_of: datetime.date) -> Records:
    """One record per instalment; instalments of a subject differ in amount and add up."""
    s = payers_rows
    units = cents[s] // unit[s]
    k = parts[s]
    k = np.where((k == 3) & (units < 40), 2, k)
    k = np.where((k == 2) & (units < 10), 1, k)
    a = np.maximum(1, np.floor(units * np.where(k == 2, rng.uniform(0.3, 0.45, len(k)),
                                                rng.uniform(0.15, 0.25, len(k))))).astype(np.int64)
    b = np.maximum(1, np.floor(units * rng.uniform(0.28, 0.33, len(k)))).astype(np.int64)
    row = np.repeat(np.arange(len(s)), k)
    starts = np.cumsum(k) - k
    part = np.arange(len(row)) - np.repeat(starts, k)
    amount = np.select([k[row] == 1, part == 0, (part == 1) & (k[row] == 2), part == 1],
                       [units[row], a[row], units[row] - a[row], b[row]],
                       units[row] - a[row] - b[row]) * unit[s][row]
    total = np.maximum(cents[s][row], 1)
    part_area = np.where(k[row] == 1, area[s][row], np.round(area[s][row] * amount / total))

    as_of64 = np.datetime64(as_of, "D")
    room = (as_of64 - trigger[s]).astype(np.int64)
    first = np.floor(rng.random(len(s)) * (np.minimum(room, S.DEADLINE_DAYS) + 1)).astype(np.int64)
    if boundary:
        on_last_day = (rng.random(len(s)) < 0.15) & (room >= S.DEADLINE_DAYS)
        first = np.where(on_last_day, S.DEADLINE_DAYS, first)
    lt = late[s] & (room > S.DEADLINE_DAYS + 1)
    span = np.minimum(room - S.DEADLINE_DAYS - 1, LATE_DAYS)
    late_day = S.DEADLINE_DAYS + 1 + np.floor(rng.random(len(s)) * np.maximum(span, 1))
    first = np.where(lt, late_day.astype(np.int64), first)
    gap = np.where(part == 0, 0, rng.integers(1, _PART_GAP_DAYS + 1, len(row)))
    csum = np.cumsum(gap)
    offset = csum - np.repeat(csum[starts], k)
    date = np.minimum(trigger[s][row] + (first[row] + offset).astype("timedelta64[D]"), as_of64)
    subject = s[row]
    return Records(subject=subject, entity=payer[subject], cents=amount, code=code[subject],
                   unit8=shown8[subject], area_centi=part_area, date=date)


# --- project names ------------------------------------------------------------------------

_TEMPLATES = {
    "industrial": "{place}{trade}产业园建设项目", "commercial": "{place}{trade}商业综合体项目",
    "residential": "{place}{trade}花园住宅小区项目", "mining": "{place}{trade}石灰岩矿开采项目",
    "tourism": "{place}{trade}生态旅游度假区项目", "railway": "{place}{trade}铁路专用线工程",
    "highway": "{place}S{n}省道改建工程", "airport": "{place}通用机场建设项目",
    "port": "{place}港区{trade}作业区码头工程", "waterway": "{place}{trade}河航道整治工程",
    "water_conservancy": "{place}{trade}河综合治理工程",
    "rural_housing": "{place}{name}农村村民住宅建设",
    "military": "{place}人民武装部训练基地建设项目", "school": "{place}第{n}中学新建工程",
    "kindergarten": "{place}{trade}幼儿园新建工程", "hospital": "{place}人民医院新院区建设项目",
    "social_welfare": "{place}社会福利院（养老服务中心）建设项目",
    "irrigation": "{place}高标准农田灌溉排水工程",
}


def _fill(template: str, values: dict) -> np.ndarray:
    out = np.asarray([""], dtype=_S)
    for i, piece in enumerate(re.split(r"\{(\w+)\}", template)):
        out = np.strings.add(out, values[piece] if i % 2 else np.asarray([piece], dtype=_S))
    return out


def project_names(rng: np.random.Generator, subj: SubjectTerms, ident: ID.Identity,
                  ents: ID.Entities, entity: np.ndarray) -> np.ndarray:
    """zh_CN project names such as "芜湖市鸠江区恒通产业园建设项目", one template per land use."""
    from synthetic import pools

    n = len(subj.use)
    uniq, inverse = np.unique(ident.county.astype(str), return_inverse=True)
    place = np.asarray([regions.full_name(c).removeprefix("安徽省") for c in uniq],
                       dtype=_S)[inverse]
    trades = np.asarray(pools.pool("trade_names"), dtype=_S)
    trade = trades[rng.integers(0, len(trades), n)]
    number = rng.integers(101, 500, n).astype(str).astype(_S)
    names = ents.name[entity].astype(_S)
    out = np.empty(n, dtype=object)
    for j, use in enumerate(S.LAND_USES):
        rows = np.flatnonzero(subj.use == j)
        if len(rows):
            out[rows] = _fill(_TEMPLATES[use], {"place": place[rows], "trade": trade[rows],
                                                "n": number[rows], "name": names[rows]})
    return out
