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
from dataclasses import dataclass

import numpy as np

from synthetic.difficulty import Difficulty, profile
from synthetic.points.farmland_tax import identity as ID, schema as S
from synthetic.rng import stream

RATES8 = np.array([300, 210, 150, 16])     # the county rates and the transport rate, in eighths
TIE_SHARE = 0.5                            # hn_paid_95_100 at exactly 95%
NOT_DUE_PART_SHARE = 0.3                   # hn_not_yet_due subjects that paid a part already
LATE_DAYS = 150
_PART_GAP_DAYS = 45
# how an underpaid subject went wrong, with weights
WRONG_RATE, AREA_AS_HA, NO_SURCHARGE, PARTIAL, ONE_CENT = range(5)
_U_WEIGHTS = np.array([0.3, 0.1, 0.15, 0.3, 0.15])
# per county (index into identity.COUNTY_CODES): the county rate in eighths of a yuan
COUNTY_RATE8 = np.array([round(S.RATE_CLASSES[S.rate_class(c)] * 8) for c in ID.COUNTY_CODES],
                        dtype=np.int64)
# per land use (index into LAND_USES)
USE_EXEMPT = np.isin(S.LAND_USES, S.EXEMPT_USES)
USE_TRANSPORT = np.isin(S.LAND_USES, S.TRANSPORT_USES)
USE_RURAL = np.isin(S.LAND_USES, S.RURAL_USES)
ALLOWED_CODE = np.array([S.RELIEF_CODES.index(S.relief_code(u)) for u in S.LAND_USES])


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
    def build(cls, ident: ID.Identity, use, farm, basic, patch_centi, trigger) -> "SubjectTerms":
        size = len(use)
        county8 = COUNTY_RATE8[ident.county]
        u8 = np.select([USE_EXEMPT[use], USE_TRANSPORT[use], USE_RURAL[use]],
                       [0, 16, county8 // 2], county8)
        allowed = ALLOWED_CODE[use]
        pad = np.zeros(size - len(farm), dtype=np.int64)
        return cls(ident.n_approvals, use, np.concatenate([farm, pad]),
                   np.concatenate([basic, pad]), patch_centi, trigger, u8, allowed)

    @property
    def patch(self) -> np.ndarray:
        return np.arange(len(self.use)) >= self.n_approvals

    @property
    def a100(self) -> np.ndarray:
        """Taxed area in hundredths of a m2, basic farmland counted 1.5 times."""
        n = self.n_approvals
        return np.concatenate([100 * self.farm_m2[:n] + 50 * self.basic_m2[:n],
                               self.patch_centi])

    @property
    def area_centi(self) -> np.ndarray:
        """The occupied area as a record shows it (no surcharge)."""
        return np.concatenate([100 * self.farm_m2[:self.n_approvals], self.patch_centi])

    def make_tie_geometry(self, rows: np.ndarray) -> None:
        """Areas for which 95% of the due is a whole quarter-yuan: multiples of 40 m2 (no basic
        farmland), whose hectares times 10,000 give back the same m2 in float64."""
        is_patch = rows >= self.n_approvals
        m2 = self.farm_m2[rows]
        m2[is_patch] = self.patch_centi[rows[is_patch] - self.n_approvals] // 100
        base = np.maximum(40, m2 // 40 * 40)
        steps = base[:, None] + 40 * np.arange(64)[None, :]   # failures run at most 22 long
        exact = (np.round(steps / S.M2_PER_HA, 4) * S.M2_PER_HA) == steps
        chosen = steps[np.arange(len(rows)), np.argmax(exact, axis=1)]
        app = rows[~is_patch]
        self.farm_m2[app] = chosen[~is_patch]
        self.basic_m2[app] = 0
        self.patch_centi[rows[is_patch] - self.n_approvals] = 100 * chosen[is_patch]


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
    """Every subject's tax records. Random draws are made only for the subjects that use them
    (clues and hard negatives), so plain subjects cost a few vector operations."""
    from synthetic.points.farmland_tax import facts as F

    rng = stream(seed, S.POINT, "payments", difficulty.value)
    n = len(subj.use)
    U, P, R = flags[F.R_UNDECLARED] | flags[F.R_ILLEGAL], flags[F.R_UNDERPAID], flags[F.R_IMPROPER]
    patch = subj.patch
    code = subj.allowed.copy()
    parts = np.ones(n, dtype=np.int64)
    unit = np.ones(n, dtype=np.int64)        # amounts in cents, or in 25 cents for ties

    # hn_paid_95_100 at exactly 95% and the surcharge mechanism need their areas first
    p95 = np.flatnonzero(flags[F.HN_PAID_95_100])
    is_tie = rng.random(len(p95)) < TIE_SHARE
    tie, near = p95[is_tie], p95[~is_tie]
    subj.make_tie_geometry(tie)
    u_only = np.flatnonzero(P & ~R)
    lower = (100 * RATES8[None, :] <= 93 * subj.u8[u_only, None])
    app = ~patch[u_only]
    ok = np.column_stack([lower.any(axis=1), app, app, np.ones((len(u_only), 2), bool)])
    mech = _pick(rng, ok, _U_WEIGHTS)
    surcharge = u_only[mech == NO_SURCHARGE]
    subj.basic_m2[surcharge] = np.floor(subj.farm_m2[surcharge]
                                        * rng.uniform(0.2, 0.6, len(surcharge)))
    a100, u8 = subj.a100, subj.u8
    shown8 = u8.copy()
    area = subj.area_centi
    cents = _cents(u8, a100)

    # FOT_UNDERPAID alone
    rate = RATES8[_pick(rng, lower)]
    m = mech == WRONG_RATE
    rows = u_only[m]
    shown8[rows], cents[rows] = rate[m], _cents(rate[m], a100[rows])
    rows = u_only[mech == AREA_AS_HA]
    area[rows] = np.round(subj.farm_m2[rows] / 100)
    cents[rows] = (u8[rows] * a100[rows] + 40_000) // 80_000
    rows = u_only[mech == NO_SURCHARGE]
    cents[rows] = _cents(u8[rows], 100 * subj.farm_m2[rows])
    rows = u_only[mech == PARTIAL]
    cents[rows] = np.floor(cents[rows] * rng.uniform(0.3, 0.9, len(rows))).astype(np.int64)
    parts[rows] = rng.integers(1, 3, len(rows))
    rows = u_only[mech == ONE_CENT]
    cents[rows] = -((-19 * u8[rows] * a100[rows]) // 160) - 1

    # FOT_IMPROPER_RELIEF: a code the use does not allow (never NONE)
    n_codes = len(S.RELIEF_CODES)
    rows = np.flatnonzero(R & ~P)
    allowed = subj.allowed[rows]
    k = 1 + rng.integers(0, n_codes - 2, len(rows))
    wrong_any = k + ((allowed != 0) & (k >= allowed))
    code[rows] = np.where(allowed == 0, 1 + rng.integers(0, n_codes - 1, len(rows)), wrong_any)
    # with FOT_UNDERPAID: paid what the wrong code would give (an exemption, 2 yuan, or half)
    rows = np.flatnonzero(R & P)
    allowed = subj.allowed[rows]
    exempt = 3 + rng.integers(0, len(S.EXEMPT_USES), len(rows))
    standard = allowed == 0
    alt = np.where(standard, np.where(rng.random(len(rows)) < 0.5, 1, 2), 1)
    has_alt = standard | (allowed == 2)
    claim = np.where(has_alt & (rng.random(len(rows)) < 0.5), alt, exempt)
    code[rows] = claim
    alt8 = np.select([claim == 1, claim == 2], [16, u8[rows] // 2], 0)
    shown8[rows] = alt8
    cents[rows] = _cents(alt8, a100[rows])

    # hard negatives
    cents[tie] = 19 * u8[tie] * a100[tie] // 160
    unit[tie] = 25
    cents[near] = np.minimum(_cents(u8[near], a100[near]),
                             -((-19 * u8[near] * a100[near]) // 160) + 1
                             + np.floor(rng.uniform(0, 0.045, len(near)) * cents[near])
                             .astype(np.int64))
    nyd = np.flatnonzero(flags[F.HN_NOT_YET_DUE])
    nyd_part = rng.random(len(nyd)) < NOT_DUE_PART_SHARE
    rows = nyd[nyd_part]
    cents[rows] = np.floor(cents[rows] * rng.uniform(0.2, 0.6, len(rows)))
    rows = np.flatnonzero(flags[F.HN_INSTALMENTS])
    parts[rows] = rng.integers(2, 4, len(rows))
    skip = U | flags[F.HN_EXEMPT_UNTAXED]
    skip[nyd[~nyd_part]] = True

    payer = entity.copy()
    other = flags[F.HN_OTHER_TAXPAYER]
    payer[other] = _other_entities(rng, ident.entities, entity[other])
    return _expand(rng, np.flatnonzero(~skip), parts, unit, cents, code, shown8, area, payer,
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
    """One record per instalment; instalments of a subject differ in amount and add up.

    Most subjects pay once: their record is the subject's row as it is, and only the few with
    instalments draw shares and gaps."""
    s = payers_rows
    units = cents[s] // unit[s]
    k = parts[s]
    k = np.where((k == 3) & (units < 40), 2, k)
    k = np.where((k == 2) & (units < 10), 1, k)
    multi = np.flatnonzero(k > 1)
    km, um = k[multi], units[multi]
    a = np.maximum(1, np.floor(um * np.where(km == 2, rng.uniform(0.3, 0.45, len(km)),
                                             rng.uniform(0.15, 0.25, len(km))))).astype(np.int64)
    b = np.maximum(1, np.floor(um * rng.uniform(0.28, 0.33, len(km)))).astype(np.int64)
    starts = np.cumsum(k) - k
    subject = np.repeat(s, k)
    n_rec = len(subject)
    # amounts in units: the whole, or the first, second and third instalment
    amount = np.repeat(units, k)
    first_at, second_at = starts[multi], starts[multi] + 1
    amount[first_at] = a
    amount[second_at] = np.where(km == 2, um - a, b)
    three = km == 3
    amount[starts[multi[three]] + 2] = um[three] - a[three] - b[three]
    amount *= unit[subject]
    part_area = area[subject]
    in_multi = np.repeat(k > 1, k)
    total = np.maximum(cents[subject[in_multi]], 1)
    part_area[in_multi] = np.round(part_area[in_multi] * amount[in_multi] / total)

    as_of64 = np.datetime64(as_of, "D")
    room = (as_of64 - trigger[s]).astype(np.int64)
    first = np.floor(rng.random(len(s)) * (np.minimum(room, S.DEADLINE_DAYS) + 1)).astype(np.int64)
    if boundary:
        on_last_day = (rng.random(len(s)) < 0.15) & (room >= S.DEADLINE_DAYS)
        first[on_last_day] = S.DEADLINE_DAYS
    lt = np.flatnonzero(late[s] & (room > S.DEADLINE_DAYS + 1))
    span = np.minimum(room[lt] - S.DEADLINE_DAYS - 1, LATE_DAYS)
    first[lt] = S.DEADLINE_DAYS + 1 + np.floor(rng.random(len(lt)) * np.maximum(span, 1)) \
        .astype(np.int64)
    offset = np.repeat(first, k)
    # later instalments: each a few weeks after the one before
    gap2 = rng.integers(1, _PART_GAP_DAYS + 1, len(multi))
    offset[second_at] += gap2
    gap3 = rng.integers(1, _PART_GAP_DAYS + 1, int(three.sum()))
    offset[starts[multi[three]] + 2] += gap2[three] + gap3
    date = np.minimum(trigger[subject] + offset.astype("timedelta64[D]"), as_of64)
    assert len(amount) == n_rec
    return Records(subject=subject, entity=payer[subject], cents=amount, code=code[subject],
                   unit8=shown8[subject], area_centi=part_area, date=date)
