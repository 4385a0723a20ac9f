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

Each value is drawn only for the defendants it applies to (most are plain and need few), and
kept in a full-length column.
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


def choose(rng: np.random.Generator, p, n: int) -> np.ndarray:
    """An index drawn with the probabilities ``p`` per row (``rng.choice`` costs ten times as
    much at a million rows)."""
    return np.searchsorted(np.cumsum(p)[:-1], rng.random(n), side="right")


def _column(n: int, rows: np.ndarray, values, fill=0, dtype=np.int32) -> np.ndarray:
    """A full-length column: ``values`` at ``rows``, ``fill`` elsewhere. Each value is drawn
    only for the rows that have one, which most defendants do not."""
    out = np.full(n, fill, dtype=dtype)
    out[rows] = values
    return out


@dataclass(frozen=True)
class _Who:
    """The defendants' roles and the choices every part of the plan reads."""

    clue: np.ndarray
    fam: dict               # core hard-negative family -> whether each defendant carries it
    unq: np.ndarray
    late: np.ndarray
    missing: np.ndarray
    mandatory: np.ndarray   # plain defendants with a ground, properly served
    kind: np.ndarray        # the other plain defendants' defence (PLAIN_DEFENCE_P), else -1
    how: np.ndarray         # HN_RETAINED: nothing else, a late notice, a junior aid lawyer; -1
    edge: np.ndarray        # (hard) a boundary value where the family can have one
    room: np.ndarray        # days from acceptance to as_of

    @property
    def retained_junior(self) -> np.ndarray:
        return self.how == 2


def _who(rng, role: np.ndarray, flags: dict, room: np.ndarray, hard: bool) -> _Who:
    """The roles and flags, with the plain defendants' and the retained family's choices."""
    n = len(role)
    plain = role == F.PLAIN
    mandatory = plain & (rng.random(n) < PLAIN_MANDATORY)
    other = np.flatnonzero(plain & ~mandatory)
    retained = np.flatnonzero(flags[F.HN_RETAINED])
    return _Who(clue=role == F.CLUE,
                fam={name: flags[name] for name in F.CORE_FAMILIES},
                unq=flags[F.R_UNQUALIFIED], late=flags[F.R_LATE], missing=flags[F.R_MISSING],
                mandatory=mandatory,
                kind=_column(n, other, choose(rng, PLAIN_DEFENCE_P, len(other)), -1, np.int8),
                how=_column(n, retained, rng.integers(0, 3, len(retained)), -1, np.int8),
                edge=rng.random(n) < BOUNDARY_SHARE if hard else np.zeros(n, dtype=bool),
                room=room)


def _grounds(rng, w: _Who) -> np.ndarray:
    """(n, 4) grounds: one for clues, plain mandatory defendants and the families that look
    mandatory, a second for some clues (never making 有期 grave)."""
    fam = w.fam
    ground = np.zeros((len(w.clue), 4), dtype=bool)
    rows = np.flatnonzero(w.clue | w.mandatory | fam[F.HN_RETAINED] | fam[F.HN_NOTICE_DAY_3]
                          | fam[F.HN_NOT_YET_DUE] | fam[F.HN_SENIOR_AID_LAWYER]
                          | fam[F.HN_JUNIOR_FIXED_TERM])
    k = len(rows)
    first = np.where(w.clue[rows], choose(rng, CLUE_GROUND_P, k), choose(rng, PLAIN_GROUND_P, k))
    grave = w.unq | w.retained_junior | fam[F.HN_SENIOR_AID_LAWYER]
    first = np.where(grave[rows], GRAVE, first)
    first = np.where(fam[F.HN_JUNIOR_FIXED_TERM][rows], rng.integers(0, 3, k), first)
    ground[rows, first] = True
    rows = np.flatnonzero(w.clue & ~w.unq)
    rows = rows[rng.random(len(rows)) < SECOND_GROUND]
    ground[rows, rng.integers(0, 3, len(rows))] = True
    return ground


def _age(rng, w: _Who, ground: np.ndarray, hard: bool) -> tuple[np.ndarray, np.ndarray]:
    """(YOUTH_* kind, days from acceptance to the 18th birthday) of each defendant."""
    n, fam = len(w.clue), w.fam
    adult = fam[F.HN_DAY_AFTER_18] | fam[F.HN_TURNED_18]
    youth = np.where(adult, YOUTH_ADULT, np.where(ground[:, MINOR], YOUTH_MINOR, YOUTH_NONE))
    rows = np.flatnonzero(youth != YOUTH_NONE)
    k = len(rows)
    birthday = _between(rng, k, 1, MINOR_DAYS)
    if hard:
        birthday = np.where(rng.random(k) < BIRTHDAY_SHARE, 0, birthday)
    birthday = np.where(fam[F.HN_DAY_AFTER_18][rows], -1, birthday)
    birthday = np.where(fam[F.HN_TURNED_18][rows], -_between(rng, k, *TURNED_DAYS), birthday)
    return youth.astype(np.int8), _column(n, rows, birthday)


def _cards_and_capacity(rng, w: _Who, ground: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(card category, 0 for none; CAP_* assessment)."""
    n, fam = len(w.clue), w.fam
    sensory, look_alike = np.flatnonzero(ground[:, SENSORY]), np.flatnonzero(fam[F.HN_CARD_4_6])
    card = _column(n, sensory, rng.integers(1, 4, len(sensory)), 0, np.int8)
    card[look_alike] = rng.integers(4, 7, len(look_alike))
    routine = np.flatnonzero(w.kind >= 0)
    capacity = _column(n, routine[rng.random(len(routine)) < ROUTINE_ASSESSED], CAP_FULL,
                       CAP_NONE, np.int8)
    capacity[ground[:, LIMITED]] = CAP_LIMITED
    capacity[fam[F.HN_FULL_CAPACITY]] = CAP_FULL
    capacity[fam[F.HN_NO_CAPACITY]] = CAP_NO
    return card, capacity


def _notices(rng, w: _Who) -> dict:
    """Who gets an aid notice, when (days after acceptance), and a later second one."""
    n, fam = len(w.clue), w.fam
    late_notice = w.late | (w.how == 1)
    notice = (late_notice | (w.clue & w.unq) | fam[F.HN_NOTICE_DAY_3]
              | fam[F.HN_SENIOR_AID_LAWYER] | fam[F.HN_JUNIOR_FIXED_TERM] | w.mandatory
              | (w.kind == 3) | w.retained_junior)
    rows = np.flatnonzero(notice)
    k, room = len(rows), w.room[rows]
    late_off = _between(rng, k, NOTICE_DAYS + 1, np.maximum(np.minimum(LATE_MAX, room),
                                                          NOTICE_DAYS + 1))
    late_off = np.where(w.edge[rows], NOTICE_DAYS + 1, late_off)
    off = np.select([late_notice[rows], fam[F.HN_NOTICE_DAY_3][rows], w.kind[rows] == 3],
                    [late_off, NOTICE_DAYS, _between(rng, k, 0, np.minimum(20, room))],
                    _between(rng, k, 0, np.minimum(NOTICE_DAYS - 1, room)))
    later = off + _between(rng, k, 5, 40)
    second = rows[(rng.random(k) < SECOND_NOTICE) & (later <= room)]
    return {"notice": notice, "n_off": _column(n, rows, off),
            "second": _column(n, second, True, False, bool), "n2_off": _column(n, rows, later)}


def _aid(rng, w: _Who, ground: np.ndarray, n_off: np.ndarray) -> dict:
    """Who has a legal-aid lawyer (always after a notice), of how many years, appointed when."""
    n, fam = len(w.clue), w.fam
    aid = (w.unq | fam[F.HN_SENIOR_AID_LAWYER] | fam[F.HN_JUNIOR_FIXED_TERM] | w.mandatory
           | (w.kind == 3) | w.retained_junior)
    for mask, share in ((w.late, 0.6), (fam[F.HN_NOTICE_DAY_3], 0.7)):
        rows = np.flatnonzero(mask)
        aid[rows[rng.random(len(rows)) < share]] = True
    rows = np.flatnonzero(aid)
    k, edge = len(rows), w.edge[rows]
    junior = np.where(edge, QUALIFIED_YEARS - 1, _between(rng, k, 0, QUALIFIED_YEARS - 1))
    senior = np.where(edge & fam[F.HN_SENIOR_AID_LAWYER][rows], QUALIFIED_YEARS,
                      _between(rng, k, QUALIFIED_YEARS, 30))
    wants_junior = (w.unq | fam[F.HN_JUNIOR_FIXED_TERM] | w.retained_junior)[rows]
    wants_senior = (ground[:, GRAVE] | w.mandatory)[rows]
    years = np.select([wants_junior, wants_senior], [junior, senior], _between(rng, k, 0, 30))
    off = np.minimum(n_off[rows] + _between(rng, k, 0, 5), w.room[rows])
    return {"aid": aid, "a_years": _column(n, rows, years), "a_off": _column(n, rows, off)}


def _others(rng, w: _Who) -> dict:
    """Retained (委托) and duty (值班律师) lawyers, appointed when."""
    n, fam = len(w.clue), w.fam
    retained = fam[F.HN_RETAINED] | (w.kind == 0)
    rows = np.flatnonzero(retained)
    room = w.room[rows]
    r_off = _between(rng, len(rows), -60, np.minimum(10, room))
    late = fam[F.HN_RETAINED][rows] & (rng.random(len(rows)) < 0.5)
    r_off = np.where(late, _between(rng, len(rows), NOTICE_DAYS + 1,
                                    np.maximum(np.minimum(90, room), NOTICE_DAYS + 1)), r_off)
    duty = w.kind == 1
    looks = (w.missing | fam[F.HN_CARD_4_6] | fam[F.HN_DAY_AFTER_18] | fam[F.HN_TURNED_18]
             | fam[F.HN_FULL_CAPACITY] | fam[F.HN_NO_CAPACITY] | fam[F.HN_NOT_YET_DUE])
    for mask, share in ((looks, 0.5), (w.late | w.mandatory, 0.3)):
        some = np.flatnonzero(mask)
        duty[some[rng.random(len(some)) < share]] = True
    some = np.flatnonzero(duty)
    d_off = _between(rng, len(some), -10, np.minimum(NOTICE_DAYS, w.room[some]))
    return {"retained": retained, "r_off": _column(n, rows, r_off), "duty": duty,
            "d_off": _column(n, some, d_off)}


def build_plan(rng: np.random.Generator, role: np.ndarray, flags: dict, room: np.ndarray, *,
               hard: bool) -> Plan:
    """The plan of every defendant; ``room`` is ``as_of`` minus the case's acceptance, in days."""
    w = _who(rng, role, flags, room, hard)
    ground = _grounds(rng, w)
    youth, birthday = _age(rng, w, ground, hard)
    card, capacity = _cards_and_capacity(rng, w, ground)
    notices = _notices(rng, w)
    return Plan(ground=ground, youth=youth, birthday=birthday, card=card, capacity=capacity,
                **notices, **_aid(rng, w, ground, notices["n_off"]), **_others(rng, w))
