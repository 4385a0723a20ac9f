"""Cases and routine records as table rows (vectorised), and the rows' order.

Besides the planned cases (:mod:`plan`) every subject has routine records, so that no table tells
a clue by whether a subject has rows in it:

* punishments: one or two older records before the term (the extract reaches back six years);
* sanctions: one or more ``训诫`` / ``警告`` / ``提请治安处罚`` during the term — a routine ``警告``
  that would land within 30 days after one of the subject's detentions becomes a ``训诫``;
* check-ins: the intake report (``现场`` on ``start_date``) and a few more during the term, none
  on or next to a detention day of the subject.

The additive hard-negative families add their own rows here; people in the extract who are not
subjects add theirs. Rows are grouped by person (or subject) with the groups and the rows inside
them in random order, so a subject's row count never shows in where its first row sits; one sort
per table does the grouping (and, for sanctions and check-ins, drops repeated rows). Everything
stays integer columns here: :mod:`render` turns them into strings, one table at a time.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from synthetic.points.correction_detention import flags as F, identity, plan as P
from synthetic.points.correction_detention.schema import (
    ACTIONS, ADMONISH, CORRECTION_TYPES, DETENTION_VIOLATIONS, FINE_VIOLATIONS, METHODS,
    ONSITE, PROPOSAL, REFER_POLICE, ROUTINE_METHOD_WEIGHTS, SANCTION_DAYS, WARNING,
    WARNING_VIOLATIONS)
from synthetic.points.correction_detention.order import stable_argsort
from synthetic.points.correction_detention.plan import Plan, detention_lengths
from synthetic.rng import choice

DET, FINE, PWARN = range(3)
TYPE_P = (0.4, 0.4, 0.2)
HISTORY_YEARS = 6
ADULT_DAYS = 18 * 365 + 5
EXTRA_HISTORY = 0.4            # subjects with a second older record
EXTRA_OTHER = 0.3              # other people with a second record
ROUTINE_ACTIONS = 0.5          # mean routine actions beyond the first
ROUTINE_ACTION_P = (0.6, 0.3, 0.1)   # 训诫, 警告, 提请治安处罚
ROUTINE_CHECKINS = 2.5         # mean routine check-ins beyond the intake report
ONSITE_IN_VOID = 0.5           # not-executed / revoked detentions with a 现场 check-in inside
BEFORE_START_DAYS = 60
_ACTION = {name: i for i, name in enumerate(ACTIONS)}
_METHOD = {name: i for i, name in enumerate(METHODS)}
# the proposal each type needs (管制 needs none; its entry is never used)
_PROPOSAL_OF_TYPE = np.array([_ACTION[PROPOSAL.get(t, WARNING)] for t in CORRECTION_TYPES])


@dataclass(frozen=True)
class Rows:
    """Event columns: punishments by person, sanctions and check-ins by subject (these may
    still repeat a (subject, kind, day) row; :func:`frames` drops the repeats)."""

    people: identity.People
    pun: dict
    san: dict
    chk: dict


@dataclass(frozen=True)
class Tables:
    """The event rows in presentation order (integer columns) and the subjects' order."""

    pun: dict                      # person, ptype, day, length, executed, revoked, violation
    punishment_no: identity.DecisionNumbers
    violations: pa.Array           # the vocabulary ``pun["violation"]`` points into
    san: dict                      # subj, action, day
    chk: dict                      # subj, method, day
    subject_order: np.ndarray


def iso(days: np.ndarray) -> pa.Array:
    """``YYYY-MM-DD`` strings of day numbers, through a table of the days in range."""
    days = np.asarray(days, dtype=np.int64)
    lo = days.min() if len(days) else 0
    span = np.arange(lo, days.max() + 1 if len(days) else 0).astype("datetime64[D]")
    return pa.array(np.datetime_as_string(span).tolist(), pa.string()).take(pa.array(days - lo))


def _between(rng, lo, hi):
    return lo + (rng.random(len(lo)) * (hi - lo + 1)).astype(np.int64)


def _cat(parts: list[dict]) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _pun(person, ptype, day, length=None, executed=True, revoked=False) -> dict:
    n = len(person)
    return {"person": person, "ptype": np.broadcast_to(ptype, n).astype(np.int8),
            "day": day, "length": np.where(ptype == DET, length, 0) if length is not None
            else np.zeros(n, dtype=np.int64),
            "executed": np.broadcast_to(executed, n).astype(bool),
            "revoked": np.broadcast_to(revoked, n).astype(bool)}


def _records(rng, person, lo, hi) -> dict:
    """Ordinary records of any type: executed and standing, with a few exceptions."""
    n = len(person)
    ptype = choice(rng, 3, n, TYPE_P)
    executed = np.where(ptype == FINE, rng.random(n) < 0.9, rng.random(n) < 0.97) | (ptype == PWARN)
    return _pun(person, ptype, _between(rng, lo, hi), detention_lengths(rng, n), executed,
                rng.random(n) < 0.01)


@dataclass(frozen=True)
class Grouping:
    """Rows gathered by subject: ``order`` lists them subject by subject, and ``first`` and
    ``count`` (per subject) give each subject's part of it."""

    order: np.ndarray
    first: np.ndarray
    count: np.ndarray

    @classmethod
    def of(cls, subj: np.ndarray) -> "Grouping":
        count = np.bincount(subj)
        ordered = len(subj) < 2 or bool((subj[1:] >= subj[:-1]).all())
        return cls(np.arange(len(subj)) if ordered else stable_argsort(subj),
                   np.cumsum(count) - count, count)


def within(subj, day, iv_subj, iv_lo, iv_hi, grouping: Grouping | None = None) -> np.ndarray:
    """Rows whose day lies in one of their subject's intervals ``[lo, hi]``; ``grouping`` is
    ``Grouping.of(iv_subj)`` when the caller has it already."""
    hit = np.zeros(len(subj), dtype=bool)
    if len(subj) == 0 or len(iv_subj) == 0:
        return hit
    g = Grouping.of(iv_subj) if grouping is None else grouping
    lo, hi = iv_lo[g.order], iv_hi[g.order]
    known = subj < len(g.count)              # subjects above every interval's have none
    live = np.flatnonzero(known)
    first, n = g.first[subj[live]], g.count[subj[live]]
    for k in range(int(n.max(initial=0))):
        keep = n > k
        live, first, n = live[keep], first[keep], n[keep]
        j = first + k
        hit[live] |= (lo[j] <= day[live]) & (day[live] <= hi[j])
    return hit


def _plan_rows(rng, case: Plan, types: np.ndarray) -> tuple[dict, dict, dict]:
    present = case.present
    rows, slot = np.nonzero(present)
    d, length = case.day[rows, slot], case.length[rows, slot]
    coin = rng.random(len(rows)) < 0.5
    pun = _pun(rows, DET, d, length)
    hand, hoff = case.hand[rows, slot], case.hoff[rows, slot]
    action = np.select([hand == P.H_PROP, hand == P.H_NONSANC],
                       [_PROPOSAL_OF_TYPE[types[rows]], np.where(
                           coin, _ACTION[ADMONISH], _ACTION[REFER_POLICE])],
                       _ACTION[WARNING])
    acted = hand != P.H_NONE
    later = np.flatnonzero(case.later)
    tday = case.day[later, case.trig[later]]
    san = {"subj": np.concatenate([rows[acted], later]),
           "action": np.concatenate([action[acted], _PROPOSAL_OF_TYPE[types[later]]]),
           "day": np.concatenate([np.where(hand == P.H_BEFORE, d - hoff, d + hoff)[acted],
                                  tday + case.loff[later]])}
    check = case.check[rows, slot]
    kind = check != P.C_NONE
    chk = {"subj": rows[kind], "method": np.where(check == P.C_REMOTE, 1 + coin,
                                                  _METHOD[ONSITE])[kind],
           "day": (d + case.coff[rows, slot])[kind]}
    return pun, san, chk


def _additive(rng, flags: dict, start, end, last, today: int, hard: bool) -> tuple[list, dict]:
    """Records of the additive families: (records that stay outside the term or are no
    detention, the void detentions inside the term — not executed or revoked)."""
    def family(name):
        return np.flatnonzero(flags[name])

    def edge(n):
        return rng.random(n) < (P.BOUNDARY_SHARE if hard else 0.0)

    s = family(F.HN_BEFORE_START)
    before = np.where(edge(len(s)), start[s] - 1,
                      _between(rng, start[s] - BEFORE_START_DAYS, start[s] - 1))
    out = [_pun(s, DET, before, detention_lengths(rng, len(s)))]
    s = family(F.HN_AFTER_END)
    after = np.where(edge(len(s)), end[s] + 1, _between(rng, end[s] + 1, np.full(len(s), today)))
    out.append(_pun(s, DET, after, detention_lengths(rng, len(s))))
    s = family(F.HN_FINE_WARNING)
    out.append(_pun(s, np.where(rng.random(len(s)) < 0.5, FINE, PWARN),
                    _between(rng, start[s], last[s])))
    void = []
    for name, executed, revoked in ((F.HN_NOT_EXECUTED, False, False),
                                    (F.HN_REVOKED, True, True)):
        s = family(name)
        void.append(_pun(s, DET, _between(rng, start[s], last[s]),
                         detention_lengths(rng, len(s)), executed, revoked))
    return out, _cat(void)


def _namesakes(rng, flags: dict, people: identity.People, start, end, today: int,
               as_of: datetime.date) -> tuple[identity.People, np.ndarray, dict]:
    """(people with the namesakes appended, their subjects, the namesakes' detentions)."""
    s = np.flatnonzero(flags[F.HN_NAMESAKE])
    twins = identity.namesakes(rng, people.male[s], people.id_number, as_of)
    twins = dataclasses.replace(twins, name=people.name.take(pa.array(s)))
    rows = len(people) + np.arange(len(s))
    day = _between(rng, start[s] + P.AFTER_START,
                   np.minimum(end[s] - P.BEFORE_END, today - SANCTION_DAYS - 1))
    return people.append(twins), s, _pun(rows, DET, day, detention_lengths(rng, len(s)))


def _own_windows(case: Plan) -> tuple:
    """``within``'s intervals (and their grouping) of the days on or next to each subject's own
    planned detentions."""
    rows, slot = np.nonzero(case.present)
    return (rows, case.day[rows, slot] - 1, case.day[rows, slot] + case.length[rows, slot],
            Grouping.of(rows))


def _onsite_inside(rng, own: tuple, subj, det: dict, share: np.ndarray, last) -> dict:
    """``现场`` check-ins of ``subj`` on a day of ``det`` (someone else's or a void detention),
    for a ``share`` of them, never next to one of the subject's own effective detentions
    (``own``, from :func:`_own_windows`)."""
    day = det["day"] + (rng.random(len(subj)) * det["length"]).astype(np.int64)
    keep = (rng.random(len(subj)) < share) & (day <= last[subj])
    keep &= ~within(subj, day, *own)
    return {"subj": subj[keep], "method": np.full(keep.sum(), _METHOD[ONSITE]),
            "day": day[keep]}


def build_events(rng: np.random.Generator, case: Plan, flags: dict, types: np.ndarray,
                 people: identity.People, start: np.ndarray, end: np.ndarray,
                 as_of: datetime.date, *, hard: bool) -> Rows:
    """Every row of the three event tables; ``people`` gains the namesakes (hard)."""
    size = len(start)
    subj = np.arange(size)
    today = np.datetime64(as_of, "D").astype(np.int64)
    last = np.minimum(end, today)
    adult = people.birth + ADULT_DAYS
    pun, san, chk = _plan_rows(rng, case, types)
    puns, sans, chks = [pun], [san], [chk]

    hist = np.concatenate([subj, subj[rng.random(size) < EXTRA_HISTORY]])
    puns.append(_records(rng, hist, np.maximum(start[hist] - 365 * HISTORY_YEARS, adult[hist]),
                         start[hist] - BEFORE_START_DAYS - 1))
    others = np.arange(size, len(people))
    others = np.concatenate([others, others[rng.random(len(others)) < EXTRA_OTHER]])
    puns.append(_records(rng, others, np.maximum(today - 365 * HISTORY_YEARS, adult[others]),
                         np.full(len(others), today)))
    additive, void = _additive(rng, flags, start, end, last, today, hard)
    people, twin_of, twins = _namesakes(rng, flags, people, start, end, today, as_of)
    puns += [*additive, void, twins]
    # the subject checks in on a day its namesake, or a void detention of its own, is detained
    own = _own_windows(case)
    chks.append(_onsite_inside(rng, own, twin_of, twins, np.ones(len(twin_of)), last))
    chks.append(_onsite_inside(rng, own, void["person"], void,
                               np.full(len(void["person"]), ONSITE_IN_VOID), last))

    pun = _cat(puns)
    det = (pun["person"] < size) & (pun["ptype"] == DET)
    who = np.concatenate([pun["person"][det], twin_of])
    lo = np.concatenate([pun["day"][det], twins["day"]])
    dur = np.concatenate([pun["length"][det], twins["length"]])
    grouping = Grouping.of(who)              # both kinds of window are the detentions'
    sans.append(_routine_sanctions(rng, subj, start, last, (who, lo, lo + SANCTION_DAYS),
                                   grouping))
    chks.append(_routine_checkins(rng, subj, start, last, (who, lo - 1, lo + dur), grouping))
    return Rows(people=people, pun=pun, san=_cat(sans), chk=_cat(chks))


def _routine_sanctions(rng, subj, start, last, windows, grouping: Grouping) -> dict:
    s = np.repeat(subj, 1 + rng.poisson(ROUTINE_ACTIONS, len(subj)))
    day = _between(rng, start[s], last[s])
    kinds = np.array([_ACTION[ADMONISH], _ACTION[WARNING], _ACTION[REFER_POLICE]])
    action = kinds[choice(rng, 3, len(s), ROUTINE_ACTION_P)]
    action[(action == _ACTION[WARNING]) & within(s, day, *windows, grouping)] = _ACTION[ADMONISH]
    return {"subj": s, "action": action, "day": day}


def _routine_checkins(rng, subj, start, last, busy, grouping: Grouping) -> dict:
    s = np.repeat(subj, rng.poisson(ROUTINE_CHECKINS, len(subj)))
    day = _between(rng, start[s], last[s])
    method = choice(rng, len(METHODS), len(s), ROUTINE_METHOD_WEIGHTS)
    keep = ~within(s, day, *busy, grouping)
    return {"subj": np.concatenate([subj, s[keep]]),
            "method": np.concatenate([np.full(len(subj), _METHOD[ONSITE]), method[keep]]),
            "day": np.concatenate([start, day[keep]])}


# The violations of each record type (DET, FINE, PWARN): single words first, then every ordered
# pair of two different words, one type after the other in one vocabulary.
_VIOLATION_WORDS = (DETENTION_VIOLATIONS, FINE_VIOLATIONS, WARNING_VIOLATIONS)
_VIOLATIONS = pa.array([v for words in _VIOLATION_WORDS for v in (
    *words, *(a + "、" + b for a in words for b in words if a != b))], pa.string())
_WORD_COUNT = np.array([len(words) for words in _VIOLATION_WORDS])
_VOCAB_START = np.cumsum(_WORD_COUNT ** 2) - _WORD_COUNT ** 2


def _violations(rng, ptype: np.ndarray, length: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """One violation per record (vocabulary, index); a detention of more than 15 days names two."""
    u, w = rng.random(len(ptype)), rng.random(len(ptype))
    k = _WORD_COUNT[ptype]
    first = (u * k).astype(np.int64)
    other = (w * (k - 1)).astype(np.int64)       # index among the k - 1 others
    pair = k + first * (k - 1) + other
    return _VIOLATIONS, _VOCAB_START[ptype] + np.where(length > 15, pair, first)


_SCRAMBLE = 0x9E3779B97F4A7C15       # odd: multiplying by it permutes the values mod 2**bits
_UNSCRAMBLE = pow(_SCRAMBLE, -1, 1 << 64)   # and this multiplication undoes it


def _grouped(rng, owner: np.ndarray, n_owners: int) -> np.ndarray:
    """Row order: owners in random order, each owner's rows together in random order."""
    n = len(owner)
    rank = rng.permutation(n_owners)
    spare = 62 - max(n_owners - 1, 1).bit_length() - max(n - 1, 1).bit_length()
    bits = min(max(spare, 0), 20)
    key = rank[owner].astype(np.int64)
    key <<= bits
    key |= rng.integers(0, 1 << bits, n, dtype=np.int64)
    return stable_argsort(key)


def _grouped_unique(rng, cols: dict, code: str, n_owners: int) -> dict:
    """The rows grouped by subject, subjects in random order, each subject's rows in an order
    scrambled by a random per-subject salt; repeated (subject, kind, day) rows are dropped (the
    rules ask only whether such a row exists, and genuine rows are never exact duplicates).

    One sort does both: within a subject, rows sort by a bijection of (kind, day), so equal
    rows end up next to each other. The sorted keys are decoded back into the columns, so no
    column is gathered in the new (random) order."""
    subj, day = cols["subj"].astype(np.int64), cols["day"]
    if len(day) == 0:
        return cols
    d0 = int(day.min())
    bits = 3 + max(int(day.max()) - d0, 1).bit_length()
    mask = (1 << bits) - 1
    value = cols[code].astype(np.int64)      # in place from here: millions of rows
    value <<= bits - 3
    value |= day - d0
    rank = rng.permutation(n_owners)
    salt = rng.integers(0, 1 << bits, n_owners, dtype=np.int64)
    value ^= salt[subj]
    mixed = value.view(np.uint64)
    mixed *= np.uint64(_SCRAMBLE)
    mixed &= np.uint64(mask)
    key = rank[subj]
    key <<= bits
    key |= value
    del value, mixed
    key.sort()
    new = np.ones(len(key), dtype=bool)
    np.not_equal(key[1:], key[:-1], out=new[1:])
    key = key[new]
    owner = np.empty(n_owners, dtype=np.int64)
    owner[rank] = np.arange(n_owners)
    at = key >> bits                         # the subject's rank: ascending, read in order
    value = (((key & mask).astype(np.uint64) * np.uint64(_UNSCRAMBLE)).astype(np.int64)
             & mask) ^ salt[owner][at]
    return {"subj": owner[at], code: value >> (bits - 3),
            "day": (value & (mask >> 3)) + d0}


def frames(rng: np.random.Generator, rows: Rows, n_subjects: int) -> Tables:
    """The event rows in presentation order, with decision numbers and violations."""
    pun = _take(rows.pun, _grouped(rng, rows.pun["person"], len(rows.people)))
    san = _grouped_unique(rng, rows.san, "action", n_subjects)
    chk = _grouped_unique(rng, rows.chk, "method", n_subjects)
    numbers = identity.punishment_numbers(rng, rows.people.county[pun["person"]], pun["day"])
    violations, pun["violation"] = _violations(rng, pun["ptype"], pun["length"])
    return Tables(pun=pun, punishment_no=numbers, violations=violations, san=san, chk=chk,
                  subject_order=rng.permutation(n_subjects))


def _take(cols: dict, order: np.ndarray) -> dict:
    return {k: v[order] for k, v in cols.items()}
