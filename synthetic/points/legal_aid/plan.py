"""Each defendant's situation: why they may need a defender, and who defended them (vectorised).

The role layer (:mod:`facts`) says which defendants are clues (for which reasons), hard negatives
(of which family) or plain; :func:`build_plan` turns that into facts per defendant:

* *grounds* that make a defence mandatory — a minor at acceptance, a card of category 1-3, a
  ``限制`` assessment, a possible 无期徒刑 / 死刑 — and the look-alikes of the hard negatives
  (cards 4-6, ``完全`` / ``无`` assessments, acceptance on or after the 18th birthday);
* *defence*: a retained (委托), legal-aid (法律援助) or duty (值班律师) lawyer, and aid notices,
  each as a day offset from the case's ``accepted_date`` that never passes ``as_of``.

Age is planned as the 18th birthday (in law) relative to acceptance: a minor's lies 0-1,300 days
after it (0 = accepted on the birthday), an adult's look-alike 1 day (the day after) or 2-180
days (a minor at the offence, 18 by acceptance) before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.points.legal_aid import flags as F
from synthetic.points.legal_aid.schema import NOTICE_DAYS, QUALIFIED_YEARS

MINOR, SENSORY, LIMITED, GRAVE = range(4)          # grounds, columns of Plan.ground
CLUE_GROUND_P = (0.35, 0.20, 0.20, 0.25)
PLAIN_GROUND_P = (0.40, 0.20, 0.20, 0.20)
SECOND_GROUND = 0.15       # clues with a second ground
PLAIN_MANDATORY = 0.15     # plain defendants with a ground, properly served
PLAIN_DEFENCE_P = (0.45, 0.25, 0.25, 0.05)   # retained, duty lawyer only, nobody, aid on request
ROUTINE_ASSESSED = 0.05    # plain defendants without a ground assessed 完全
SECOND_NOTICE = 0.15       # notices followed by a later one (a new stage, a new lawyer)
YOUTH_NONE, YOUTH_MINOR, YOUTH_ADULT = range(3)
MINOR_DAYS = 1300          # a minor's 18th birthday lies up to this many days after acceptance
TURNED_DAYS = (2, 180)     # a minor at the offence: 18 for this many days at acceptance
LATE_MAX = 30
CAP_NONE, CAP_FULL, CAP_LIMITED, CAP_NO = -1, 0, 1, 2
BOUNDARY_SHARE = 0.5       # (hard) boundary values where a family can have one
BIRTHDAY_SHARE = 0.3       # (hard) minors accepted on their 18th birthday


@dataclass(frozen=True)
class Plan:
    ground: np.ndarray      # (n, 4) bool
    youth: np.ndarray       # YOUTH_* kind
    birthday: np.ndarray    # days from acceptance to the 18th birthday (youth rows)
    card: np.ndarray        # 0 none, else category 1-6
    capacity: np.ndarray    # CAP_*
    retained: np.ndarray
    r_off: np.ndarray
    aid: np.ndarray
    a_off: np.ndarray
    a_years: np.ndarray
    duty: np.ndarray
    d_off: np.ndarray
    notice: np.ndarray
    n_off: np.ndarray
    second: np.ndarray      # a later notice too
    n2_off: np.ndarray


def _between(rng: np.random.Generator, n: int, lo, hi) -> np.ndarray:
    """A uniform integer in ``[lo, hi]`` (scalars or arrays, ``hi >= lo``) for ``n`` rows."""
    lo, hi = np.asarray(lo, dtype=np.int64), np.asarray(hi, dtype=np.int64)
    return lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)


def _choose(rng: np.random.Generator, p, n: int) -> np.ndarray:
    return rng.choice(len(p), size=n, p=p)


def build_plan(rng: np.random.Generator, role: np.ndarray, flags: dict, room: np.ndarray, *,
               hard: bool) -> Plan:
    """The plan of every defendant; ``room`` is ``as_of`` minus the case's acceptance, in days."""
    n = len(role)
    clue, plain = role == F.CLUE, role == F.PLAIN
    fam = {name: flags[name] & (role == F.HARD_NEGATIVE) for name in F.CORE_FAMILIES}
    unq, late, missing = flags[F.R_UNQUALIFIED], flags[F.R_LATE], flags[F.R_MISSING]
    edge = rng.random(n) < (BOUNDARY_SHARE if hard else 0.0)

    # grounds
    ground = np.zeros((n, 4), dtype=bool)
    rows = np.arange(n)
    first = np.where(clue, _choose(rng, CLUE_GROUND_P, n), _choose(rng, PLAIN_GROUND_P, n))
    retained_how = rng.integers(0, 3, n)     # nothing else, a late notice, a junior aid lawyer
    first = np.where(unq | (fam[F.HN_RETAINED] & (retained_how == 2))
                     | fam[F.HN_SENIOR_AID_LAWYER], GRAVE, first)
    first = np.where(fam[F.HN_JUNIOR_FIXED_TERM], rng.integers(0, 3, n), first)
    plain_mandatory = plain & (rng.random(n) < PLAIN_MANDATORY)
    grounded = (clue | plain_mandatory | fam[F.HN_RETAINED] | fam[F.HN_NOTICE_DAY_3]
                | fam[F.HN_NOT_YET_DUE] | fam[F.HN_SENIOR_AID_LAWYER]
                | fam[F.HN_JUNIOR_FIXED_TERM])
    ground[rows[grounded], first[grounded]] = True
    extra = clue & (rng.random(n) < SECOND_GROUND) & ~unq
    ground[rows[extra], rng.integers(0, 3, n)[extra]] = True   # never makes 有期 grave

    youth = np.where(ground[:, MINOR], YOUTH_MINOR, YOUTH_NONE)
    youth = np.where(fam[F.HN_DAY_AFTER_18] | fam[F.HN_TURNED_18], YOUTH_ADULT, youth)
    birthday = _between(rng, n, 1, MINOR_DAYS)
    if hard:
        birthday = np.where(rng.random(n) < BIRTHDAY_SHARE, 0, birthday)
    birthday = np.where(fam[F.HN_DAY_AFTER_18], -1, birthday)
    birthday = np.where(fam[F.HN_TURNED_18], -_between(rng, n, *TURNED_DAYS), birthday)

    card = np.where(ground[:, SENSORY], rng.integers(1, 4, n), 0)
    card = np.where(fam[F.HN_CARD_4_6], rng.integers(4, 7, n), card)
    capacity = np.full(n, CAP_NONE)
    capacity = np.where(plain & ~plain_mandatory & (rng.random(n) < ROUTINE_ASSESSED),
                        CAP_FULL, capacity)
    capacity = np.where(ground[:, LIMITED], CAP_LIMITED, capacity)
    capacity = np.where(fam[F.HN_FULL_CAPACITY], CAP_FULL, capacity)
    capacity = np.where(fam[F.HN_NO_CAPACITY], CAP_NO, capacity)

    # notices
    timely = _between(rng, n, 0, np.minimum(NOTICE_DAYS - 1, room))
    late_off = _between(rng, n, NOTICE_DAYS + 1, np.maximum(np.minimum(LATE_MAX, room),
                                                          NOTICE_DAYS + 1))
    late_off = np.where(edge, NOTICE_DAYS + 1, late_off)
    plain_kind = _choose(rng, PLAIN_DEFENCE_P, n)
    on_request = plain & ~plain_mandatory & (plain_kind == 3)
    late_notice = late | (fam[F.HN_RETAINED] & (retained_how == 1))
    notice = (late_notice | (clue & unq) | fam[F.HN_NOTICE_DAY_3] | fam[F.HN_SENIOR_AID_LAWYER]
              | fam[F.HN_JUNIOR_FIXED_TERM] | plain_mandatory | on_request
              | (fam[F.HN_RETAINED] & (retained_how == 2)))
    n_off = np.select([late_notice, fam[F.HN_NOTICE_DAY_3],
                       on_request], [late_off, np.full(n, NOTICE_DAYS),
                                     _between(rng, n, 0, np.minimum(20, room))], timely)
    second = notice & (rng.random(n) < SECOND_NOTICE)
    n2_off = n_off + _between(rng, n, 5, 40)
    second &= n2_off <= room

    # lawyers
    junior = _between(rng, n, 0, QUALIFIED_YEARS - 1)
    junior = np.where(edge, QUALIFIED_YEARS - 1, junior)
    senior = _between(rng, n, QUALIFIED_YEARS, 30)
    senior = np.where(edge & fam[F.HN_SENIOR_AID_LAWYER], QUALIFIED_YEARS, senior)
    any_years = _between(rng, n, 0, 30)
    aid = ((late & (rng.random(n) < 0.6)) | unq | (fam[F.HN_NOTICE_DAY_3] & (rng.random(n) < 0.7))
           | fam[F.HN_SENIOR_AID_LAWYER] | fam[F.HN_JUNIOR_FIXED_TERM] | plain_mandatory
           | on_request | (fam[F.HN_RETAINED] & (retained_how == 2)))
    wants_junior = unq | fam[F.HN_JUNIOR_FIXED_TERM] | (fam[F.HN_RETAINED] & (retained_how == 2))
    wants_senior = ground[:, GRAVE] | plain_mandatory
    a_years = np.select([wants_junior, wants_senior], [junior, senior], any_years)
    a_off = np.minimum(n_off + _between(rng, n, 0, 5), room)

    retained = fam[F.HN_RETAINED] | (plain & ~plain_mandatory & (plain_kind == 0))
    r_off = _between(rng, n, -60, np.minimum(10, room))
    r_late = fam[F.HN_RETAINED] & (rng.random(n) < 0.5)
    r_off = np.where(r_late, _between(rng, n, NOTICE_DAYS + 1, np.maximum(np.minimum(90, room),
                                                                        NOTICE_DAYS + 1)), r_off)
    non_mandatory_family = (fam[F.HN_CARD_4_6] | fam[F.HN_DAY_AFTER_18] | fam[F.HN_TURNED_18]
                            | fam[F.HN_FULL_CAPACITY] | fam[F.HN_NO_CAPACITY])
    duty = (((missing | non_mandatory_family | fam[F.HN_NOT_YET_DUE]) & (rng.random(n) < 0.5))
            | ((late | plain_mandatory) & (rng.random(n) < 0.3))
            | (plain & ~plain_mandatory & (plain_kind == 1)))
    d_off = _between(rng, n, -10, np.minimum(NOTICE_DAYS, room))
    return Plan(ground=ground, youth=youth, birthday=birthday, card=card, capacity=capacity,
                retained=retained, r_off=r_off, aid=aid, a_off=a_off, a_years=a_years,
                duty=duty, d_off=d_off, notice=notice, n_off=n_off, second=second, n2_off=n2_off)
