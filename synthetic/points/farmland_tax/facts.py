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
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import pools
from synthetic.difficulty import Difficulty, profile, role_counts  # noqa: F401  (role_counts is re-exported)
from synthetic.points.farmland_tax import identity as ID, payments as PA, schema as S
from synthetic.rng import choice, stream

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
class Records:
    """Tax records in their final (shuffled) row order; amounts and areas as exact integers."""

    record_id: np.ndarray        # int64: the 19-digit voucher number
    subject: np.ndarray          # row in the subject arrays (identity order)
    entity: np.ndarray           # taxpayer entity
    cents: np.ndarray
    code: np.ndarray             # index into RELIEF_CODES
    unit8: np.ndarray            # unit tax shown, in eighths of a yuan
    area_centi: np.ndarray
    date: np.ndarray             # datetime64[D]
    single: np.ndarray           # the taxpayer is the subject's single-subject user


@dataclass(frozen=True)
class Facts:
    """The clean facts as integer arrays, and what the noise pass needs.

    Subject arrays are in *identity order* (approvals first, then patches); ``approval_rows`` and
    ``patch_rows`` give the subject of each row of the two tables in their shuffled order. The
    clean tables as pandas frames (``approvals``, ``patches``, ``tax_records``, ``county_rates``,
    ``subjects``) are built on demand, for tests and tools.
    """

    as_of: datetime.date
    ident: ID.Identity
    entities: ID.Entities
    role: np.ndarray
    flags: dict                  # FLAGS -> bool per subject
    terms: "PA.SubjectTerms"
    subject_entity: np.ndarray   # user entity of each subject
    approval_rows: np.ndarray
    patch_rows: np.ndarray
    trade: np.ndarray            # per approvals row: project-name trade word (pools "trade_names")
    number: np.ndarray           # per approvals row: project-name number (101..499)
    records: Records

    @property
    def approval_entity(self) -> np.ndarray:
        return self.subject_entity[self.approval_rows]

    @property
    def patch_entity(self) -> np.ndarray:
        return self.subject_entity[self.patch_rows]

    @property
    def record_entity(self) -> np.ndarray:
        return self.records.entity

    @property
    def record_subject(self) -> np.ndarray:
        return self.records.subject

    @property
    def record_single(self) -> np.ndarray:
        return self.records.single

    def _clean(self, name: str) -> pd.DataFrame:
        from synthetic.points.farmland_tax.render import clean_table

        return clean_table(self, name).to_pandas()

    @cached_property
    def number_text(self) -> pa.Array:
        """Every subject's number as text, made once: approvals, patches and tax records (its
        ``source_ref``) all show it, gathered from here by row."""
        return pc.cast(pa.array(self.ident.number, pa.int64()), pa.string())

    @cached_property
    def county_rates(self) -> pd.DataFrame:
        return self._clean("county_rates")

    @cached_property
    def approvals(self) -> pd.DataFrame:
        return self._clean("approvals")

    @cached_property
    def patches(self) -> pd.DataFrame:
        return self._clean("patches")

    @cached_property
    def tax_records(self) -> pd.DataFrame:
        return self._clean("tax_records")

    @cached_property
    def subjects(self) -> pd.DataFrame:
        """``record_id, kind, role`` and one bool column per FLAGS, in identity order."""
        n = len(self.role)
        return pd.DataFrame({"record_id": self.ident.number.astype(str).astype(object),
                             "kind": np.where(np.arange(n) < self.ident.n_approvals,
                                              "approval", "patch").astype(object),
                             "role": self.role, **self.flags})


def families(difficulty: Difficulty) -> tuple[str, ...]:
    """Hard-negative families a difficulty builds (noise families need their noise)."""
    prof = profile(difficulty)
    out = [f for f in HN_FLAGS if f not in (HN_NOISY_CODE, HN_CODE_ONLY)]
    if prof.noise_rate > 0:
        out.append(HN_NOISY_CODE)
    if prof.empty_codes:
        out.append(HN_CODE_ONLY)
    return tuple(out)




def _eligible(fams: tuple[str, ...], ident: ID.Identity, rows: np.ndarray) -> np.ndarray:
    """(rows, families): which family the user type of each subject in ``rows`` allows."""
    ut = ident.user_type[rows]
    org = ut != S.INDIVIDUAL
    rule = {HN_EXEMPT_UNTAXED: org, HN_REDUCED_TRANSPORT: org, HN_HALF_RURAL: ~org,
            HN_CODE_ONLY: ident.single[rows]}
    return np.column_stack([rule.get(f, np.ones(len(ut), dtype=bool)) for f in fams])


def _uniform_pick(rng: np.random.Generator, ok: np.ndarray) -> np.ndarray:
    """One allowed column per row, uniformly (column 0 when a row allows none)."""
    return np.argmax(rng.random(ok.shape) * ok, axis=1)


def _roles(seed: int, difficulty: Difficulty, ident: ID.Identity) -> tuple[np.ndarray, dict]:
    """Role of every subject, its reasons (clues) and families (hard negatives and side traps).

    Random draws are made only for the subjects that use them, so a million subjects cost a
    few hundred thousand draws."""
    rng = stream(seed, S.POINT, "roles", difficulty.value)
    size = len(ident.number)
    n_clue, n_hn = role_counts(size, difficulty)
    order = rng.permutation(size)
    role = np.full(size, PLAIN, dtype=np.int8)
    role[order[:n_clue]] = CLUE
    role[order[n_clue:n_clue + n_hn]] = HARD_NEGATIVE
    flags = {name: np.zeros(size, dtype=bool) for name in FLAGS}
    clues = np.sort(order[:n_clue])
    for rows, combos, p in ((clues[clues < ident.n_approvals], _APPROVAL_COMBOS, _APPROVAL_P),
                            (clues[clues >= ident.n_approvals], _PATCH_COMBOS, _PATCH_P)):
        combo = choice(rng, len(p), len(rows), p)
        for j, names in enumerate(combos):
            for name in names:
                flags[name][rows[combo == j]] = True

    fams = families(difficulty)
    hn = np.sort(order[n_clue:n_clue + n_hn])
    primary = _uniform_pick(rng, _eligible(fams, ident, hn))
    for j, name in enumerate(fams):
        flags[name][hn[primary == j]] = True
    side = tuple(f for f in fams if f in _SIDE)
    pays = (role == HARD_NEGATIVE) & ~(flags[HN_EXEMPT_UNTAXED] | flags[HN_NOT_YET_DUE])
    pays = np.flatnonzero(pays | flags[R_UNDERPAID] | flags[R_IMPROPER])
    side_ok = _eligible(side, ident, pays)
    second = _uniform_pick(rng, side_ok)
    has_second = (rng.random(len(pays)) < _SIDE_SHARE) & side_ok[np.arange(len(pays)), second]
    for j, name in enumerate(side):
        flags[name][pays[has_second & (second == j)]] = True
    # an empty source_ref needs the user as taxpayer, so the two families exclude each other
    flags[HN_OTHER_TAXPAYER] &= ~flags[HN_CODE_ONLY]
    return role, flags


_NEED = {"any": 0, "taxable": 1, "transport": 2, "rural": 3, "exempt": 4}


def _land_uses(rng, ident: ID.Identity, flags: dict) -> np.ndarray:
    """Each subject's land use, from its kind and user type, within what its role needs."""
    size = len(ident.number)
    need = np.zeros(size, dtype=np.int8)
    need[flags[R_UNDECLARED] | flags[R_ILLEGAL] | flags[R_UNDERPAID] | flags[HN_NOT_YET_DUE]
         | flags[HN_INSTALMENTS] | flags[HN_PAID_95_100]] = _NEED["taxable"]
    need[flags[HN_REDUCED_TRANSPORT]] = _NEED["transport"]
    need[flags[HN_HALF_RURAL]] = _NEED["rural"]
    need[flags[HN_EXEMPT_UNTAXED]] = _NEED["exempt"]
    patch = np.arange(size) >= ident.n_approvals
    # one small integer per (kind, user type, need) group
    group = (patch.astype(np.int8) * 3 + ident.user_type) * len(_NEED) + need
    use = np.zeros(size, dtype=np.int64)
    u = rng.random(size)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(6 * len(_NEED) + 1))
    for (k, ut), weights in _W.items():
        for category, allowed in USE_IS.items():
            g = ((k == "patch") * 3 + ut) * len(_NEED) + _NEED[category]
            rows = order[bounds[g]:bounds[g + 1]]
            if len(rows):
                w = np.asarray(weights, dtype=float) * allowed
                cum = np.cumsum(w / w.sum())
                use[rows] = np.minimum(np.searchsorted(cum, u[rows], side="right"), len(w) - 1)
    return use


def _log_bounds() -> tuple[np.ndarray, np.ndarray]:
    """Log area bounds of approvals then patches, one row per land use: patches are a tenth the
    size (rural housing 60-400 m2, others at least 50-400 m2)."""
    lo, hi, rural = _AREA[:, 0], _AREA[:, 1], USE_IS["rural"]
    return (np.log(np.concatenate([lo, np.where(rural, 60, np.maximum(50, lo / 10))])),
            np.log(np.concatenate([hi, np.where(rural, 400, np.maximum(400, hi / 10))])))


_LOG_LO, _LOG_HI = _log_bounds()


def _areas(rng, use: np.ndarray, n_app: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(farmland m2, basic farmland m2) of approvals and patch areas in hundredths of a m2."""
    size = len(use)
    # log bounds per (approval | patch, land use): a gather, not a million logs
    table = (np.arange(size) >= n_app) * len(_AREA) + use
    m2 = np.floor(np.exp(rng.uniform(_LOG_LO[table], _LOG_HI[table]))).astype(np.int64)
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
    late, nyd = flags[HN_LATE_PAID], flags[HN_NOT_YET_DUE]
    for rows, low, high in ((clue, S.DEADLINE_DAYS + 1, WINDOW_DAYS), (late, 60, WINDOW_DAYS),
                            (nyd, 0, S.DEADLINE_DAYS)):
        rows = np.flatnonzero(rows)
        back[rows] = rng.integers(low, high + 1, len(rows))
    if boundary:
        edge = rng.random(size) < BOUNDARY_SHARE
        back[edge & clue & ~late] = S.DEADLINE_DAYS + 1
        back[edge & nyd] = S.DEADLINE_DAYS
    return np.datetime64(as_of, "D") - back.astype("timedelta64[D]")


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
    terms = PA.SubjectTerms.build(ident, use, farm, basic, patch_area, trigger)
    paid = PA.build_payments(seed, difficulty, terms, flags, entity, ident, as_of)

    # the final (shuffled) row order of every table, and the project names' draws
    rng = stream(seed, S.POINT, "order")
    n_app = ident.n_approvals
    a = rng.permutation(n_app)
    p = n_app + rng.permutation(size - n_app)
    trade = rng.integers(0, len(pools.pool("trade_names")), n_app)
    number = rng.integers(101, 500, n_app)
    r = rng.permutation(len(paid.subject))
    subject, payer = paid.subject[r], paid.entity[r]
    records = Records(
        record_id=ID.unique_numbers(rng, ID.COUNTY_NUMBER[ident.county[subject]], 13),
        subject=subject, entity=payer, cents=paid.cents[r], code=paid.code[r],
        unit8=paid.unit8[r], area_centi=paid.area_centi[r], date=paid.date[r],
        single=(payer == entity[subject]) & ident.single[subject])
    return Facts(as_of=as_of, ident=ident, entities=ident.entities, role=role, flags=flags,
                 terms=terms, subject_entity=entity, approval_rows=a, patch_rows=p,
                 trade=trade[a], number=number[a], records=records)


__all__ = ["CLUE", "FLAGS", "Facts", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN", "REASON_FLAGS",
           "Records", "draw_facts", "families", "role_counts"]
