"""The plan as the contract's six tables (vectorised), the rows' order, and what the rules read.

Rows that belong to a defendant (defenders, aid notices) are grouped by defendant, with the
groups and the rows inside them in random order; defendants are grouped by case, in the order of
the cases table, each case's defendants in random order; cards and assessments are shuffled. So
no table tells a clue by where its rows sit.

Cases: a case whose defendant may face 无期徒刑 or 死刑 carries a grave charge and is handled by
the city's procuratorate or court; a case with a blind, deaf, mute, partly incapable or
gravely charged defendant is tried under ``普通``, one with a minor under ``普通`` or ``简易``
(CPL arts. 215, 223); the rest under any procedure.

Each table is built from index arrays (whose rows, of which kind, on which day) as columns of
distinct values and indices (:class:`~text.Coded`), and the rules' :class:`~rules.Evidence` is
read from the same arrays, so the labels are the rules applied to exactly the rows written.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa

from synthetic.idnumbers import FEMALE, MALE
from synthetic.points.legal_aid import flags as F, identity, plan as P, rules as R, text as T
from synthetic.points.legal_aid.schema import (
    ADULT_AGE, CAPACITIES, CATEGORIES, DEATH, DEFENDER_TYPES, GRADES, GRAVE_CHARGES, LIFE, LIMITED,
    OPEN_PROCEDURE_P, ORDINARY, ORDINARY_CHARGES, PENALTIES, PROCEDURES, QUALIFIED_YEARS, STAGES,
    SENSORY_CATEGORIES, SUMMARY)
from synthetic.registry import TableSchema

DEATH_SHARE = 0.3          # of the gravest penalties, 死刑 rather than 无期徒刑
MINOR_SUMMARY = 0.4        # cases with a minor tried under 简易
LAWYER_YEARS_MAX = 30
RETAINED, AID, DUTY = range(3)    # defender kinds, as in DEFENDER_TYPES
SENSORY = np.array([int(c) for c in SENSORY_CATEGORIES])
Columns = dict[str, T.Coded]      # a table's columns by name, in the contract's order


@dataclass(frozen=True)
class Built:
    columns: dict[str, Columns]
    evidence: R.Evidence          # per defendant, in key order
    defendant_order: np.ndarray   # the defendant of each defendants row


def table(schema: TableSchema, columns: Columns) -> pa.Table:
    """The Arrow table of ``columns``, each taken into one array."""
    return pa.Table.from_arrays([c.array() for c in columns.values()],
                                schema=schema.arrow_schema())


@cache
def _permutations(k: int) -> np.ndarray:
    return np.array(list(itertools.permutations(range(k))))


def grouped(rng: np.random.Generator, has: np.ndarray,
            owners: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(owner, slot) of each row, for owners with the slots where ``has`` (owners x slots) is
    True: owners in the order ``owners`` (default: those with a slot, in random order), each
    owner's slots together in random order — a random permutation of all slots, restricted to
    the owner's."""
    k = has.shape[1]
    if owners is None:
        owners = np.flatnonzero(has.any(axis=1))
        owners = owners[rng.permutation(len(owners))]
    slot = np.take(_permutations(k), rng.integers(0, len(_permutations(k)), len(owners)),
                   axis=0).ravel()
    owner = np.repeat(owners, k)
    keep = np.take(has, owner * k + slot)
    return owner[keep], slot[keep]


def _any_in_case(case_of: np.ndarray, n_cases: int, mask: np.ndarray) -> np.ndarray:
    return np.bincount(case_of[mask], minlength=n_cases) > 0


def _cases(rng, plan: P.Plan, base: dict, accepted: np.ndarray,
           order: np.ndarray) -> tuple[Columns, np.ndarray]:
    """(the cases in ``order``, whether each case may end in 无期/死刑)."""
    case_of, n_cases = base["case_of"], len(accepted)
    grave = _any_in_case(case_of, n_cases, plan.ground[:, P.GRAVE])
    strict = _any_in_case(case_of, n_cases, plan.ground[:, P.SENSORY] | plan.ground[:, P.LIMITED])
    minor = _any_in_case(case_of, n_cases, plan.ground[:, P.MINOR])
    ordinary, summary = PROCEDURES.index(ORDINARY), PROCEDURES.index(SUMMARY)
    procedure = np.select(
        [grave | strict, minor],
        [ordinary, np.where(rng.random(n_cases) < MINOR_SUMMARY, summary, ordinary)],
        P.choose(rng, OPEN_PROCEDURE_P, n_cases))
    charge = np.where(grave, rng.integers(0, len(GRAVE_CHARGES), n_cases),
                      len(GRAVE_CHARGES) + rng.integers(0, len(ORDINARY_CHARGES), n_cases))
    trial = base["trial"][order]
    table = {
        "case_no": T.Coded(identity.case_numbers(rng, base["county"][order], grave[order], trial,
                                                 accepted[order])),
        "stage": T.vocab(STAGES, trial),
        "accepted_date": T.iso(accepted[order]),
        "charge": T.vocab(GRAVE_CHARGES + ORDINARY_CHARGES, charge[order]),
        "procedure": T.vocab(PROCEDURES, procedure[order])}
    return table, grave


def _defendants(rng, plan: P.Plan, base: dict, people: identity.People, cases: Columns,
                case_order: np.ndarray) -> tuple[Columns, np.ndarray, np.ndarray]:
    """(the defendants grouped by case, in the cases' order; who each row is; each defendant's
    penalty, an index into PENALTIES)."""
    case_of, n = base["case_of"], len(base["case_of"])
    size = np.bincount(case_of, minlength=len(case_order))
    case, slot = grouped(rng, np.arange(3) < size[:, None], case_order)
    rows = (np.cumsum(size) - size)[case] + slot
    position = np.empty(len(case_order), dtype=np.int64)
    position[case_order] = np.arange(len(case_order))
    death = rng.random(n) < DEATH_SHARE
    penalty = np.where(plan.ground[:, P.GRAVE], np.where(death, PENALTIES.index(DEATH),
                                                         PENALTIES.index(LIFE)), 0)
    who = people.take(rows)
    table = {
        "defendant_id": T.Coded(base["keys"], rows),
        "case_no": T.Coded(cases["case_no"].values, position[case]),
        "name": T.Coded(T.utf8(who.name)),
        "id_number": T.Coded(identity.id_text(who)),
        "birth_date": T.iso(who.birth),
        "gender": T.vocab((FEMALE, MALE), who.male),
        "possible_max_penalty": T.vocab(PENALTIES, penalty[rows])}
    return table, rows, penalty


def _cards(rng, plan: P.Plan, flags: dict, base: dict, people: identity.People,
           as_of: datetime.date) -> tuple[Columns, np.ndarray, np.ndarray]:
    """(the federation's cards; each card's holder, an index into the population with the
    namesakes appended; its category 1-6)."""
    own = np.flatnonzero(plan.card > 0)
    others = base["others"]
    twin_of = np.flatnonzero(flags[F.HN_NAMESAKE_CARD])
    twins = np.arange(len(people.seq), len(people.seq) + len(twin_of))
    if len(twin_of):
        people = people + identity.namesakes(rng, people, twin_of, as_of)
    holder = np.concatenate([own, others, twins])
    category = np.concatenate([plan.card[own], rng.integers(1, 7, len(others)),
                               rng.integers(1, 4, len(twins))])
    grade = rng.integers(1, 5, len(holder))
    order = rng.permutation(len(holder))
    holder, category, grade = holder[order], category[order], grade[order]
    who = people.take(holder)
    table = {
        "card_no": T.Coded(T.join(identity.id_text(who), T.digits(category, 1),
                                  T.digits(grade, 1))),
        "name": T.Coded(T.utf8(who.name)),
        "category": T.vocab(CATEGORIES, category - 1),
        "grade": T.vocab(GRADES, grade - 1)}
    return table, holder, category


def _assessments(rng, plan: P.Plan, base: dict) -> tuple[Columns, np.ndarray]:
    """(the assessments, shuffled; whom each row assesses)."""
    assessed = np.flatnonzero(plan.capacity >= 0)
    assessed = assessed[rng.permutation(len(assessed))]
    return {"defendant_id": T.Coded(base["keys"], assessed),
            "capacity": T.vocab(CAPACITIES, plan.capacity[assessed])}, assessed


def _defenders(rng, plan: P.Plan, base: dict, people: identity.People,
               acc: np.ndarray) -> tuple[Columns, np.ndarray, np.ndarray, np.ndarray]:
    """(the defenders; each row's defendant, kind and lawyer_years)."""
    owner, kind = grouped(rng, np.column_stack([plan.retained, plan.aid, plan.duty]))
    offset = np.take(np.column_stack([plan.r_off, plan.a_off, plan.d_off]), owner * 3 + kind)
    years = np.where(kind == AID, plan.a_years[owner],
                     rng.integers(0, LAWYER_YEARS_MAX + 1, len(owner)))
    lawyers = base["lawyers"]
    table = {
        "defendant_id": T.Coded(base["keys"], owner),
        "defender_type": T.vocab(DEFENDER_TYPES, kind),
        "appointed_date": T.iso(acc[owner] + offset),
        "lawyer_name": T.Coded(T.utf8(people.name[lawyers]),
                               rng.integers(0, len(lawyers), len(owner))),
        "lawyer_years": T.Coded(pa.array(years, pa.int64()))}
    return table, owner, kind, years


def _notices(rng, plan: P.Plan, base: dict, acc: np.ndarray,
             grave_case: np.ndarray) -> tuple[Columns, np.ndarray, np.ndarray]:
    """(the aid notices; each row's defendant and day)."""
    owner, which = grouped(rng, np.column_stack([plan.notice, plan.second]))
    day = acc[owner] + np.where(which == 0, plan.n_off[owner], plan.n2_off[owner])
    case = base["case_of"][owner]
    table = {
        "defendant_id": T.Coded(base["keys"], owner),
        "notice_date": T.iso(day),
        "notifying_org": identity.aid_centres(base["county"][case], grave_case[case])}
    return table, owner, day


def _adult(birth: np.ndarray) -> np.ndarray:
    """The 18th birthday in law of each birth day, worked out once per day in range."""
    every, at = T.distinct(birth)
    return R.birthdays(every.astype("datetime64[D]"), ADULT_AGE).astype(np.int64)[at]


def _has(owner: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(owner[mask], minlength=n) > 0


def build_tables(rng: np.random.Generator, plan: P.Plan, flags: dict, base: dict,
                 people: identity.People, accepted: np.ndarray, as_of: datetime.date) -> Built:
    """The six clean tables' columns in presentation order, and the evidence of their rows."""
    case_of = base["case_of"]
    n = len(case_of)
    acc = accepted[case_of]
    case_order = rng.permutation(len(accepted))
    cases, grave_case = _cases(rng, plan, base, accepted, case_order)
    defendants, order, penalty = _defendants(rng, plan, base, people, cases, case_order)
    cards, holder, category = _cards(rng, plan, flags, base, people, as_of)
    assessments, assessed = _assessments(rng, plan, base)
    defenders, d_owner, kind, years = _defenders(rng, plan, base, people, acc)
    notices, n_owner, n_day = _notices(rng, plan, base, acc, grave_case)
    first_notice = np.full(n, R.NO_NOTICE, dtype=np.int64)
    np.minimum.at(first_notice, n_owner, n_day)
    aid = kind == AID
    evidence = R.Evidence(
        accepted=acc,
        adult=_adult(people.birth[:n]),
        sensory=_has(holder, (holder < n) & np.isin(category, SENSORY), n),
        limited=_has(assessed, plan.capacity[assessed] == CAPACITIES.index(LIMITED), n),
        grave=penalty > 0,
        retained=_has(d_owner, kind == RETAINED, n),
        aid=_has(d_owner, aid, n),
        junior_aid=_has(d_owner, aid & (years < QUALIFIED_YEARS), n),
        first_notice=first_notice)
    columns = {"cases": cases, "defendants": defendants, "disabilities": cards,
               "assessments": assessments, "defenders": defenders, "aid_notices": notices}
    return Built(columns=columns, evidence=evidence, defendant_order=order)
