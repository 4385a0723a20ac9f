"""The clean facts of a ``farmland_tax`` scenario and the per-subject fact flags.

Three layers, each from its own named random stream:

* *identity* (:mod:`identity`): which subjects are approvals or patches, their numbers, counties
  and users — from the seed and the size only;
* *roles*: from the difficulty profile, which subjects are clues (and for which reasons), which
  are hard negatives (of which families) and which are plain;
* *facts*: land use, areas and dates fitted to the role, then the tax records
  (:mod:`payments`).

The labels are *not* taken from the roles: ``rules.compute_labels`` computes them from the facts,
and the tests check that both agree. Areas are whole square metres (approvals) or hundredths of
one (patches), so every tax due is an exact integer number of eighths of a cent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthetic.difficulty import Difficulty, profile
from synthetic.points.farmland_tax import identity as ID, payments as PA, schema as S
from synthetic.rng import stream

# Intended reasons (what the role layer built).
R_UNDECLARED, R_UNDERPAID = "r_undeclared", "r_underpaid"
R_IMPROPER, R_ILLEGAL = "r_improper_relief", "r_illegal_untaxed"
REASON_FLAGS = (R_UNDECLARED, R_UNDERPAID, R_IMPROPER, R_ILLEGAL)
# Hard-negative families. A hard negative is a subject that is not a clue and has at least one.
HN_EXEMPT_UNTAXED = "hn_exempt_untaxed"        # exempt use, no tax record
HN_NOT_YET_DUE = "hn_not_yet_due"              # deadline is as_of or later; nothing (or part) paid
HN_INSTALMENTS = "hn_instalments"              # two or three records that add up
HN_PAID_95_100 = "hn_paid_95_100"              # paid exactly 95% of the due, or a little more
HN_HALF_RURAL = "hn_half_rural_housing"        # rural housing at half the county rate
HN_REDUCED_TRANSPORT = "hn_reduced_transport"  # transport use at 2 yuan/m2
HN_OTHER_TAXPAYER = "hn_other_taxpayer"        # records name the subject but another taxpayer
HN_LATE_PAID = "hn_late_paid"                  # declared after the deadline (feeds no rule)
HN_NOISY_CODE = "hn_noisy_code"                # every record shows a noisy taxpayer code
HN_CODE_ONLY = "hn_code_only"                  # (hard) records with an empty source_ref
HN_FLAGS = (HN_EXEMPT_UNTAXED, HN_NOT_YET_DUE, HN_INSTALMENTS, HN_PAID_95_100, HN_HALF_RURAL,
            HN_REDUCED_TRANSPORT, HN_OTHER_TAXPAYER, HN_LATE_PAID, HN_NOISY_CODE, HN_CODE_ONLY)
FLAGS = REASON_FLAGS + HN_FLAGS
PLAIN, CLUE, HARD_NEGATIVE = 0, 1, 2

# Reason combinations of a clue: approvals (undeclared, underpaid, improper), patches (untaxed,
# underpaid, improper); weights.
_APPROVAL_COMBOS = ((R_UNDECLARED,), (R_UNDERPAID,), (R_IMPROPER,), (R_UNDERPAID, R_IMPROPER))
_APPROVAL_P = (0.35, 0.30, 0.15, 0.20)
_PATCH_COMBOS = ((R_ILLEGAL,), (R_UNDERPAID,), (R_IMPROPER,), (R_UNDERPAID, R_IMPROPER))
_PATCH_P = (0.45, 0.25, 0.10, 0.20)
# Families that also fit a subject with tax records (a second family, or a clue's side trap).
_SIDE = (HN_INSTALMENTS, HN_OTHER_TAXPAYER, HN_LATE_PAID, HN_NOISY_CODE, HN_CODE_ONLY)
_SIDE_SHARE = 0.3
WINDOW_DAYS = 730            # notices and determinations of the last two years
BOUNDARY_SHARE = 0.3         # (hard) boundary dates among the subjects that can have them

# Land-use weights by subject kind and user type, in schema.LAND_USES order.
_W = {
    ("approval", S.ENTERPRISE): (40, 18, 18, 4, 4, 2, 3, .5, 2, 1, 1, 0, 0, 2, 2, 2, 1.5, 0),
    ("approval", S.GOVERNMENT): (6, 2, 8, 0, 1, 5, 18, 2, 3, 3, 12, 0, 4, 10, 5, 8, 5, 8),
    ("approval", S.INDIVIDUAL): (3, 4, 0, 0, 1, 0, 0, 0, 0, 0, 0, 92, 0, 0, 0, 0, 0, 0),
    ("patch", S.ENTERPRISE): (50, 25, 10, 8, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1),
    ("patch", S.GOVERNMENT): (10, 2, 10, 0, 2, 2, 20, 0, 2, 2, 15, 0, 3, 8, 4, 5, 5, 10),
    ("patch", S.INDIVIDUAL): (4, 6, 0, 0, 2, 0, 0, 0, 0, 0, 0, 88, 0, 0, 0, 0, 0, 0),
}
# Approval areas in m2 (log-uniform); patches are a tenth, at least 50 m2 (rural 60-400 m2).
_AREA = np.array([(3000, 200000), (2000, 80000), (5000, 150000), (5000, 100000), (5000, 100000),
                  (20000, 600000), (10000, 500000), (50000, 800000), (5000, 100000),
                  (5000, 200000), (5000, 300000), (100, 250), (5000, 100000), (8000, 80000),
                  (2000, 10000), (5000, 80000), (2000, 30000), (2000, 100000)], dtype=float)
BASIC_SHARE = 0.35           # approvals (not rural housing) that take permanent basic farmland
# The government body (identity.BODIES) that applies for each land use.
_BODY = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 0, 6, 3, 3, 4, 5, 7])
USE_IS = {
    "exempt": np.isin(S.LAND_USES, S.EXEMPT_USES),
    "transport": np.isin(S.LAND_USES, S.TRANSPORT_USES),
    "rural": np.isin(S.LAND_USES, S.RURAL_USES),
}
USE_IS["taxable"] = ~USE_IS["exempt"]
USE_IS["any"] = np.ones(len(S.LAND_USES), dtype=bool)


@dataclass(frozen=True)
class Facts:
    """Clean tables (contract columns, canonical values) and what the noise pass needs."""

    as_of: datetime.date
    county_rates: pd.DataFrame
    approvals: pd.DataFrame
    patches: pd.DataFrame
    tax_records: pd.DataFrame
    subjects: pd.DataFrame       # record_id, kind, role and one bool column per FLAGS
    entities: ID.Entities
    approval_entity: np.ndarray  # user entity of each approvals row
    patch_entity: np.ndarray
    record_entity: np.ndarray    # taxpayer entity of each tax_records row
    record_subject: np.ndarray   # row in ``subjects`` of each tax_records row
    record_single: np.ndarray    # the record's taxpayer is the subject's single-subject user
    subject_entity: np.ndarray   # user entity of each row of ``subjects``


def families(difficulty: Difficulty) -> tuple[str, ...]:
    """Hard-negative families a difficulty builds (noise families need their noise)."""
    prof = profile(difficulty)
    out = [f for f in HN_FLAGS if f not in (HN_NOISY_CODE, HN_CODE_ONLY)]
    if prof.noise_rate > 0:
        out.append(HN_NOISY_CODE)
    if prof.empty_codes:
        out.append(HN_CODE_ONLY)
    return tuple(out)


def role_counts(size: int, difficulty: Difficulty) -> tuple[int, int]:
    """(clues, hard negatives): at least one clue, the rest from the profile."""
    prof = profile(difficulty)
    n_clue = min(size, max(1, int(round(prof.clue_share * size))))
    n_hn = min(size - n_clue, int(round(prof.hard_negative_ratio * n_clue)))
    return n_clue, n_hn


def _eligible(fams: tuple[str, ...], ident: ID.Identity) -> np.ndarray:
    """(subjects, families): which family each subject's user type allows."""
    ut = ident.user_type
    org = ut != S.INDIVIDUAL
    rule = {HN_EXEMPT_UNTAXED: org, HN_REDUCED_TRANSPORT: org, HN_HALF_RURAL: ~org,
            HN_CODE_ONLY: ident.single}
    return np.column_stack([rule.get(f, np.ones(len(ut), dtype=bool)) for f in fams])


def _roles(seed: int, difficulty: Difficulty, ident: ID.Identity) -> tuple[np.ndarray, dict]:
    rng = stream(seed, S.POINT, "roles", difficulty.value)
    size = len(ident.number)
    n_clue, n_hn = role_counts(size, difficulty)
    order = rng.permutation(size)
    role = np.full(size, PLAIN, dtype=np.int8)
    role[order[:n_clue]] = CLUE
    role[order[n_clue:n_clue + n_hn]] = HARD_NEGATIVE
    flags = {name: np.zeros(size, dtype=bool) for name in FLAGS}
    patch = np.arange(size) >= ident.n_approvals
    combo_a = rng.choice(len(_APPROVAL_P), size=size, p=_APPROVAL_P)
    combo_p = rng.choice(len(_PATCH_P), size=size, p=_PATCH_P)
    for j in range(len(_APPROVAL_COMBOS)):
        for name in _APPROVAL_COMBOS[j]:
            flags[name] |= (role == CLUE) & ~patch & (combo_a == j)
        for name in _PATCH_COMBOS[j]:
            flags[name] |= (role == CLUE) & patch & (combo_p == j)

    fams = families(difficulty)
    ok = _eligible(fams, ident)
    primary = np.argmax(rng.random(ok.shape) * ok, axis=1)
    for j, name in enumerate(fams):
        flags[name] |= (role == HARD_NEGATIVE) & (primary == j)
    side = [f for f in fams if f in _SIDE]
    side_ok = _eligible(tuple(side), ident)
    second = np.argmax(rng.random(side_ok.shape) * side_ok, axis=1)
    pays = (role == HARD_NEGATIVE) & ~(flags[HN_EXEMPT_UNTAXED] | flags[HN_NOT_YET_DUE])
    pays |= flags[R_UNDERPAID] | flags[R_IMPROPER]
    has_second = pays & (rng.random(size) < _SIDE_SHARE) & side_ok[np.arange(size), second]
    for j, name in enumerate(side):
        flags[name] |= has_second & (second == j)
    # an empty source_ref needs the user as taxpayer, so the two families exclude each other
    flags[HN_OTHER_TAXPAYER] &= ~flags[HN_CODE_ONLY]
    return role, flags


def _land_uses(rng, ident: ID.Identity, flags: dict) -> np.ndarray:
    """Each subject's land use, from its kind and user type, within what its role needs."""
    size = len(ident.number)
    need = np.full(size, "any", dtype=object)
    need[flags[R_UNDECLARED] | flags[R_ILLEGAL] | flags[R_UNDERPAID] | flags[HN_NOT_YET_DUE]
         | flags[HN_INSTALMENTS] | flags[HN_PAID_95_100]] = "taxable"
    need[flags[HN_REDUCED_TRANSPORT]] = "transport"
    need[flags[HN_HALF_RURAL]] = "rural"
    need[flags[HN_EXEMPT_UNTAXED]] = "exempt"
    kind = np.where(np.arange(size) < ident.n_approvals, "approval", "patch")
    use = np.zeros(size, dtype=np.int64)
    u = rng.random(size)
    for (k, ut), weights in _W.items():
        for category, allowed in USE_IS.items():
            rows = np.flatnonzero((kind == k) & (ident.user_type == ut) & (need == category))
            if len(rows):
                w = np.asarray(weights, dtype=float) * allowed
                cum = np.cumsum(w / w.sum())
                use[rows] = np.minimum(np.searchsorted(cum, u[rows], side="right"), len(w) - 1)
    return use


def _areas(rng, use: np.ndarray, n_app: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(farmland m2, basic farmland m2) of approvals and patch areas in hundredths of a m2."""
    size = len(use)
    lo, hi = _AREA[use, 0], _AREA[use, 1]
    patch = np.arange(size) >= n_app
    lo = np.where(patch, np.where(USE_IS["rural"][use], 60, np.maximum(50, lo / 10)), lo)
    hi = np.where(patch, np.where(USE_IS["rural"][use], 400, np.maximum(400, hi / 10)), hi)
    m2 = np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi)))).astype(np.int64)
    share = rng.uniform(0.05, 0.6, size)
    has_basic = (rng.random(size) < BASIC_SHARE) & ~USE_IS["rural"][use]
    basic = np.where(has_basic, np.floor(m2 * share), 0).astype(np.int64)
    centi = np.where(rng.random(size) < 0.7, rng.integers(0, 100, size), 0)
    return m2[:n_app], basic[:n_app], (m2 * 100 + centi)[n_app:]


def _trigger_dates(rng, role: np.ndarray, flags: dict, boundary: bool,
                   as_of: datetime.date) -> np.ndarray:
    """Notice / determination dates: clues and late payers far enough back, not-yet-due ones in
    the last 30 days; (hard) some exactly 31 or 30 days back (deadline the day before / as_of)."""
    size = len(role)
    back = rng.integers(0, WINDOW_DAYS + 1, size)
    clue = role == CLUE
    back = np.where(clue, rng.integers(S.DEADLINE_DAYS + 1, WINDOW_DAYS + 1, size), back)
    back = np.where(flags[HN_LATE_PAID], rng.integers(60, WINDOW_DAYS + 1, size), back)
    nyd = flags[HN_NOT_YET_DUE]
    back = np.where(nyd, rng.integers(0, S.DEADLINE_DAYS + 1, size), back)
    edge = rng.random(size) < BOUNDARY_SHARE
    if boundary:
        back = np.where(edge & clue & ~flags[HN_LATE_PAID], S.DEADLINE_DAYS + 1, back)
        back = np.where(edge & nyd, S.DEADLINE_DAYS, back)
    return np.datetime64(as_of, "D") - back.astype("timedelta64[D]")


def county_rates() -> pd.DataFrame:
    """The setting: every current Anhui county with its rate class and rate."""
    from synthetic import regions

    codes = [r.code for r in regions.counties()]
    classes = [S.rate_class(c) for c in codes]
    return pd.DataFrame({"county_code": codes,
                         "county_name": [regions.region(c).name for c in codes],
                         "rate_class": classes,
                         "rate_yuan_m2": [S.RATE_CLASSES[c] for c in classes]})


def draw_facts(seed: int, size: int, difficulty: Difficulty | str,
               as_of: datetime.date) -> Facts:
    """Every clean fact of one scenario, with its fact flags."""
    difficulty = Difficulty.parse(difficulty)
    ident = ID.draw_identity(seed, size, as_of)
    role, flags = _roles(seed, difficulty, ident)
    rng = stream(seed, S.POINT, "facts", difficulty.value)
    use = _land_uses(rng, ident, flags)
    entity = ident.entity.copy()
    gov = ident.user_type == S.GOVERNMENT
    entity[gov] = ID.government_entity(ident.entities, ident.county[gov], _BODY[use[gov]])
    farm, basic, patch_area = _areas(rng, use, ident.n_approvals)
    trigger = _trigger_dates(rng, role, flags, profile(difficulty).boundary_dates, as_of)
    rates = county_rates()
    subj = PA.SubjectTerms.build(ident, use, farm, basic, patch_area, trigger, rates)
    paid = PA.build_payments(seed, difficulty, subj, flags, entity, ident, as_of)
    return _assemble(seed, as_of, ident, role, flags, subj, entity, paid, rates)


def _assemble(seed, as_of, ident: ID.Identity, role, flags, subj: "PA.SubjectTerms", entity,
              paid: "PA.Records", rates: pd.DataFrame) -> Facts:
    """Clean tables in their final (shuffled) row order."""
    rng = stream(seed, S.POINT, "order")
    n_app = ident.n_approvals
    ents = ident.entities
    dates = np.datetime_as_string(subj.trigger, unit="D").astype(object)
    uses = np.array(S.LAND_USES, dtype=object)[subj.use]
    a = rng.permutation(n_app)
    p = n_app + rng.permutation(len(role) - n_app)
    approvals = pd.DataFrame({
        "approval_no": ident.number[a],
        "project_name": PA.project_names(rng, subj, ident, ents, entity)[a],
        "user_code": ents.code[entity[a]],
        "user_name": ents.name[entity[a]],
        "user_type": np.array(S.USER_TYPES, dtype=object)[ident.user_type[a]],
        "county_code": ident.county[a],
        "land_use": uses[a],
        "farmland_ha": np.round(subj.farm_m2[a] / S.M2_PER_HA, 4),
        "basic_farmland_ha": np.round(subj.basic_m2[a] / S.M2_PER_HA, 4),
        "notice_date": dates[a],
    })
    patches = pd.DataFrame({
        "patch_no": ident.number[p],
        "county_code": ident.county[p],
        "occupier_code": ents.code[entity[p]],
        "occupier_name": ents.name[entity[p]],
        "land_use": uses[p],
        "illegal_farmland_m2": np.round(subj.patch_centi[p - n_app] / 100, 2),
        "determined_date": dates[p],
    })
    r = rng.permutation(len(paid.subject))
    records = paid.frame(ident, ents, rng)
    records = records.iloc[r].reset_index(drop=True)
    subjects = pd.DataFrame({"record_id": ident.number,
                             "kind": np.where(np.arange(len(role)) < n_app, "approval", "patch"),
                             "role": role, **flags})
    return Facts(as_of=as_of, county_rates=rates, approvals=approvals, patches=patches,
                 tax_records=records, subjects=subjects, entities=ents,
                 approval_entity=entity[a], patch_entity=entity[p],
                 record_entity=paid.entity[r], record_subject=paid.subject[r],
                 record_single=(paid.entity == entity[paid.subject])[r]
                 & ident.single[paid.subject[r]], subject_entity=entity)


__all__ = ["CLUE", "FLAGS", "Facts", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN", "REASON_FLAGS",
           "county_rates", "draw_facts", "families", "role_counts"]
