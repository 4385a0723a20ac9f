"""The plan as the contract's six tables (vectorised), and the rows' order.

Rows that belong to a defendant (defenders, aid notices) are grouped by defendant, with the
groups and the rows inside them in random order; defendants are grouped by case the same way;
cases, cards and assessments are shuffled. So no table tells a clue by where its rows sit.

Cases: a case whose defendant may face 无期徒刑 or 死刑 carries a grave charge and is handled by
the city's procuratorate or court; a case with a blind, deaf, mute, partly incapable or
gravely charged defendant is tried under ``普通``, one with a minor under ``普通`` or ``简易``
(CPL arts. 215, 223); the rest under any procedure.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.idnumbers import MALE
from synthetic.points.legal_aid import flags as F, identity, plan as P
from synthetic.points.legal_aid.schema import (
    CAPACITIES, CATEGORIES, DEATH, DEFENDER_TYPES, GRADES, GRAVE_CHARGES, LIFE, OPEN_PROCEDURE_P,
    ORDINARY, ORDINARY_CHARGES, PENALTIES, PROCEDURES, STAGES, SUMMARY)

DEATH_SHARE = 0.3          # of the gravest penalties, 死刑 rather than 无期徒刑
MINOR_SUMMARY = 0.4        # cases with a minor tried under 简易
LAWYER_YEARS_MAX = 30


@dataclass(frozen=True)
class Built:
    cases: pd.DataFrame
    defendants: pd.DataFrame
    disabilities: pd.DataFrame
    assessments: pd.DataFrame
    defenders: pd.DataFrame
    aid_notices: pd.DataFrame
    defendant_order: np.ndarray
    people: pd.DataFrame


def iso(days: np.ndarray) -> pa.Array:
    """``YYYY-MM-DD`` strings of day numbers, through a table of the days in range."""
    days = np.asarray(days, dtype=np.int64)
    lo = days.min() if len(days) else 0
    span = np.arange(lo, days.max() + 1 if len(days) else 0).astype("datetime64[D]")
    return pa.array(np.datetime_as_string(span).tolist(), pa.string()).take(pa.array(days - lo))


def _grouped(rng: np.random.Generator, owner: np.ndarray, n_owners: int) -> np.ndarray:
    """Row order: owners in random order, each owner's rows together in random order."""
    rank = rng.permutation(n_owners)
    shuffled = rng.permutation(len(owner))
    return shuffled[np.argsort(rank[owner[shuffled]], kind="stable")]


def _codes(vocab, codes: np.ndarray) -> pa.Array:
    return pa.array(list(vocab)).take(pa.array(np.asarray(codes, dtype=np.int64)))


def _any_in_case(case_of: np.ndarray, n_cases: int, mask: np.ndarray) -> np.ndarray:
    return np.bincount(case_of[mask], minlength=n_cases) > 0


def _cases(rng, plan: P.Plan, base: dict, accepted: np.ndarray) -> tuple[pa.Table, pa.Array,
                                                                       np.ndarray]:
    """(the cases in presentation order, each case's number, whether it may end in 无期/死刑)."""
    case_of, n_cases = base["case_of"], len(accepted)
    grave = _any_in_case(case_of, n_cases, plan.ground[:, P.GRAVE])
    strict = _any_in_case(case_of, n_cases, plan.ground[:, P.SENSORY] | plan.ground[:, P.LIMITED])
    minor = _any_in_case(case_of, n_cases, plan.ground[:, P.MINOR])
    ordinary, summary = PROCEDURES.index(ORDINARY), PROCEDURES.index(SUMMARY)
    procedure = np.select(
        [grave | strict, minor],
        [ordinary, np.where(rng.random(n_cases) < MINOR_SUMMARY, summary, ordinary)],
        rng.choice(len(PROCEDURES), size=n_cases, p=OPEN_PROCEDURE_P))
    charge = np.where(grave, rng.integers(0, len(GRAVE_CHARGES), n_cases),
                      len(GRAVE_CHARGES) + rng.integers(0, len(ORDINARY_CHARGES), n_cases))
    trial = base["trial"]
    case_no = identity.case_numbers(rng, base["county"], grave, trial, accepted)
    table = pa.table({"case_no": case_no,
                      "stage": _codes(STAGES, trial),
                      "accepted_date": iso(accepted),
                      "charge": _codes(GRAVE_CHARGES + ORDINARY_CHARGES, charge),
                      "procedure": _codes(PROCEDURES, procedure)})
    return table.take(pa.array(rng.permutation(n_cases))), case_no, grave


def _cards(rng, plan: P.Plan, flags: dict, base: dict, people: pd.DataFrame,
           as_of: datetime.date) -> tuple[pa.Table, pd.DataFrame]:
    """(the federation's cards, the people with the namesakes appended)."""
    own = np.flatnonzero(plan.card > 0)
    others = base["others"]
    twin_of = np.flatnonzero(flags[F.HN_NAMESAKE_CARD])
    twins = identity.namesakes(rng, people["name"].to_numpy()[twin_of],
                               (people["sex"].to_numpy()[twin_of] == MALE),
                               identity.arrow(people["id_number"]), as_of)
    twin_rows = len(people) + np.arange(len(twin_of))
    people = pd.concat([people, twins], ignore_index=True)
    holder = np.concatenate([own, others, twin_rows])
    category = np.concatenate([plan.card[own], rng.integers(1, 7, len(others)),
                               rng.integers(1, 4, len(twin_rows))])
    grade = rng.integers(1, 5, len(holder))
    order = pa.array(rng.permutation(len(holder)))
    ids = identity.arrow(people["id_number"]).take(pa.array(holder))
    cat, grd = _codes(CATEGORIES, category - 1), _codes(GRADES, grade - 1)
    table = pa.table({"card_no": pc.binary_join_element_wise(ids, cat, grd, ""),
                      "name": identity.arrow(people["name"]).take(pa.array(holder)),
                      "category": cat, "grade": grd})
    return table.take(order), people


def _defenders(rng, plan: P.Plan, base: dict, people: pd.DataFrame, acc: np.ndarray,
               keys: pa.Array) -> pa.Table:
    n = len(acc)
    any_years = rng.integers(0, LAWYER_YEARS_MAX + 1, (2, n))
    parts = [(plan.retained, 0, plan.r_off, any_years[0]), (plan.aid, 1, plan.a_off, plan.a_years),
             (plan.duty, 2, plan.d_off, any_years[1])]
    owner = np.concatenate([np.flatnonzero(mask) for mask, *_ in parts])
    kind = np.concatenate([np.full(int(mask.sum()), k) for mask, k, *_ in parts])
    day = np.concatenate([(acc + off)[mask] for mask, _, off, _ in parts])
    years = np.concatenate([y[mask] for mask, _, _, y in parts])
    lawyer = base["lawyers"][rng.integers(0, len(base["lawyers"]), len(owner))]
    order = _grouped(rng, owner, n)
    return pa.table({"defendant_id": keys.take(pa.array(owner[order])),
                     "defender_type": _codes(DEFENDER_TYPES, kind[order]),
                     "appointed_date": iso(day[order]),
                     "lawyer_name": identity.arrow(people["name"]).take(pa.array(lawyer[order])),
                     "lawyer_years": pa.array(years[order], pa.int64())})


def _notices(rng, plan: P.Plan, acc: np.ndarray, centre: pa.Array, keys: pa.Array) -> pa.Table:
    first, second = np.flatnonzero(plan.notice), np.flatnonzero(plan.second)
    owner = np.concatenate([first, second])
    day = np.concatenate([(acc + plan.n_off)[first], (acc + plan.n2_off)[second]])
    order = _grouped(rng, owner, len(acc))
    return pa.table({"defendant_id": keys.take(pa.array(owner[order])),
                     "notice_date": iso(day[order]),
                     "notifying_org": centre.take(pa.array(owner[order]))})


def build_tables(rng: np.random.Generator, plan: P.Plan, flags: dict, base: dict,
                 people: pd.DataFrame, accepted: np.ndarray, as_of: datetime.date) -> Built:
    """The six clean tables (pandas over Arrow) in presentation order."""
    case_of, keys = base["case_of"], base["defendant_id"]
    n = len(case_of)
    acc = accepted[case_of]
    cases, case_no, grave_case = _cases(rng, plan, base, accepted)
    cards, people = _cards(rng, plan, flags, base, people, as_of)
    assessed = np.flatnonzero(plan.capacity >= 0)
    assessed = assessed[rng.permutation(len(assessed))]
    assessments = pa.table({"defendant_id": keys.take(pa.array(assessed)),
                            "capacity": _codes(CAPACITIES, plan.capacity[assessed])})
    death = rng.random(n) < DEATH_SHARE
    penalty = np.where(plan.ground[:, P.GRAVE], np.where(death, PENALTIES.index(DEATH),
                                                         PENALTIES.index(LIFE)), 0)
    head = people.iloc[:n]
    births = head["birth_date"].to_numpy("datetime64[D]").astype(np.int64)
    order = _grouped(rng, case_of, len(accepted))
    defendants = pa.table({
        "defendant_id": keys,
        "case_no": case_no.take(pa.array(case_of)),
        "name": identity.arrow(head["name"]),
        "id_number": identity.arrow(head["id_number"]),
        "birth_date": iso(births),
        "gender": identity.arrow(head["sex"]),
        "possible_max_penalty": _codes(PENALTIES, penalty),
    }).take(pa.array(order))
    centre = identity.aid_centres(base["county"], grave_case).take(pa.array(case_of))
    return Built(cases=cases.to_pandas(), defendants=defendants.to_pandas(),
                 disabilities=cards.to_pandas(), assessments=assessments.to_pandas(),
                 defenders=_defenders(rng, plan, base, people, acc, keys).to_pandas(),
                 aid_notices=_notices(rng, plan, acc, centre, keys).to_pandas(),
                 defendant_order=order, people=people)
