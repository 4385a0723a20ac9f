"""Each subject's case: its effective detentions and how the agency handled them (vectorised).

A case has up to two effective detentions (*slots*) inside the term. For each slot the plan fixes
the decision day, the length, the handling — a timely ``警告``, a timely proposal, or (for a clue)
no sanction, a late one, a non-sanction action or one dated before the decision — and at most one
check-in built around the detention days. The *trigger* slot is the detention that obliges a
revocation proposal (first for 假释 / 暂予监外执行, second for 缓刑); when it is handled, the matching
proposal is the timely sanction itself or comes 31-90 days later.

Placement keeps slots apart: due detentions are decided between ``start + 10`` and
``min(end - 25, as_of - 31)``, two of them at least 50 days apart, so a late action (at most 45
days) or a check-in next to one detention never touches the other's window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.points.correction_detention import flags as F
from synthetic.points.correction_detention.schema import (
    COMBINED_DAYS, CORRECTION_TYPES, DETENTION_DAYS, DETENTION_DAYS_P, GUANZHI, HUANXING,
    SANCTION_DAYS)
from synthetic.rng import choice

H_NONE, H_WARN, H_PROP, H_LATE, H_NONSANC, H_BEFORE = range(6)
C_NONE, C_ONSITE, C_REMOTE, C_NEXT = range(4)
_FAILURES = np.array([H_NONE, H_LATE, H_NONSANC, H_BEFORE])
AFTER_START, BEFORE_END = 10, 25     # due detentions keep this far from the ends of the term
GAP = 50                   # days between two detentions of one case
LATE_MAX = 45              # a late action comes 31-45 days after the decision
LATER_MAX = 90             # a separate proposal comes 31-90 days after the trigger
BEFORE_MAX = 60            # a 警告 dated before the decision, by up to this many days
PROPOSAL_SHARE = 0.5       # handled triggers whose timely sanction is the proposal itself
BOUNDARY_SHARE = 0.5       # (hard) boundary days where a family can have one
DAY_30_SHARE = 0.25        # (hard) timely sanctions on exactly the 30th day
COMBINED_SHARE = 0.05      # detentions for two violations, 16-20 days


@dataclass(frozen=True)
class Plan:
    """Per subject: ``n`` slots; per slot (columns 0, 1) day, length, handling, check-in."""

    n: np.ndarray
    day: np.ndarray
    length: np.ndarray
    hand: np.ndarray
    hoff: np.ndarray       # days from the decision to the handling action (back for H_BEFORE)
    check: np.ndarray
    coff: np.ndarray       # days from the decision to the check-in
    trig: np.ndarray       # slot of the trigger, -1 for none
    later: np.ndarray      # a matching proposal LOFF days after the trigger
    loff: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return np.arange(2)[None, :] < self.n[:, None]


def detention_lengths(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days of detention: mostly 3-15, a few 16-20 (two violations executed together)."""
    common = np.asarray(DETENTION_DAYS)[choice(rng, len(DETENTION_DAYS), n, DETENTION_DAYS_P)]
    uniform = rng.integers(1, 16, n)
    combined = rng.integers(COMBINED_DAYS[0], COMBINED_DAYS[1] + 1, n)
    u = rng.random(n)
    return np.where(u < COMBINED_SHARE, combined, np.where(u < 0.25, uniform, common))


def _between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform day in ``[lo, hi]`` per row (``hi >= lo``)."""
    return lo + (rng.random(len(lo)) * (hi - lo + 1)).astype(np.int64)


def _set(a: np.ndarray, rows: np.ndarray, slot: np.ndarray, values) -> None:
    """``a[row, slot[row]] = values[row]`` (or the scalar ``values``) for the selected rows."""
    idx = np.flatnonzero(rows)
    a[idx, slot[idx]] = values[idx] if isinstance(values, np.ndarray) else values


def build_plan(rng: np.random.Generator, clue: np.ndarray, flags: dict, types: np.ndarray,
               start: np.ndarray, end: np.ndarray, today: int, *, hard: bool) -> Plan:
    n_subj = len(start)
    a, b, c = (flags[F.R_NO_SANCTION], flags[F.R_SHOULD_PROPOSE], flags[F.R_CHECKIN])
    day30, nyd = flags[F.HN_SANCTION_DAY_30], flags[F.HN_NOT_YET_DUE]
    remote, near = flags[F.HN_REMOTE_CHECKIN], flags[F.HN_ONSITE_NEXT_TO]
    guan = types == CORRECTION_TYPES.index(GUANZHI)
    huan = types == CORRECTION_TYPES.index(HUANXING)
    single = day30 | nyd | flags[F.HN_HUANXING_ONE_WARNED] | remote | near
    n = np.where(clue | single, 1, 0)
    n = np.where(flags[F.HN_GUANZHI_TWO_WARNED] | (clue & huan & b)
                 | (clue & guan & (rng.random(n_subj) < 0.5)), 2, n)

    lo, hi = start + AFTER_START, np.minimum(end - BEFORE_END, today - SANCTION_DAYS - 1)
    two = n == 2
    d0 = _between(rng, lo, np.where(two, hi - GAP, hi))
    d1 = _between(rng, d0 + GAP, np.maximum(hi, d0 + GAP))
    recent = _between(rng, np.maximum(lo, today - SANCTION_DAYS), np.minimum(end, today))
    if hard:
        recent = np.where(rng.random(n_subj) < BOUNDARY_SHARE, today - SANCTION_DAYS, recent)
    d0 = np.where(nyd, recent, d0)
    day = np.column_stack([d0, d1])
    length = detention_lengths(rng, 2 * n_subj).reshape(n_subj, 2)
    present = np.arange(2)[None, :] < n[:, None]
    trig = np.where(~guan & ~huan & (n >= 1), 0, np.where(huan & (n >= 2), 1, -1))

    hand = np.where(present, H_WARN, H_NONE)
    hoff = rng.integers(0, SANCTION_DAYS + 1, (n_subj, 2))
    if hard:
        hoff = np.where(rng.random((n_subj, 2)) < DAY_30_SHARE, SANCTION_DAYS, hoff)
    handled = (trig >= 0) & ~b
    as_proposal = handled & (rng.random(n_subj) < PROPOSAL_SHARE)
    _set(hand, as_proposal, trig, H_PROP)
    later = handled & ~as_proposal

    # a clue without a timely sanction: one slot fails in one of four ways
    fail = np.where(two & (rng.random(n_subj) < 0.5), 1, 0)
    how = _FAILURES[rng.integers(0, len(_FAILURES), n_subj)]
    how = np.where((fail == 1) & (how == H_BEFORE), H_NONE, how)
    fday = day[np.arange(n_subj), fail]
    late = _between(rng, np.full(n_subj, SANCTION_DAYS + 1),
                    np.minimum(LATE_MAX, today - fday))
    if hard:
        late = np.where(rng.random(n_subj) < BOUNDARY_SHARE, SANCTION_DAYS + 1, late)
    off = np.select([how == H_LATE, how == H_BEFORE],
                    [late, 1 + (rng.random(n_subj) * np.minimum(BEFORE_MAX, fday - start))
                     .astype(np.int64)], rng.integers(0, SANCTION_DAYS + 1, n_subj))
    failing = clue & a
    _set(hand, failing, fail, how)
    _set(hoff, failing, fail, off)
    later |= failing & (fail == trig) & ~b

    hand[:, 0] = np.where(day30, np.where(trig == 0, H_PROP, H_WARN), hand[:, 0])
    hoff[:, 0] = np.where(day30, SANCTION_DAYS, hoff[:, 0])
    hand[:, 0] = np.where(nyd, H_NONE, hand[:, 0])
    later &= ~(day30 | nyd)

    tday = day[np.arange(n_subj), np.maximum(trig, 0)]
    loff = _between(rng, np.full(n_subj, SANCTION_DAYS + 1),
                    np.maximum(np.minimum(LATER_MAX, today - tday), SANCTION_DAYS + 1))

    check = np.full((n_subj, 2), C_NONE)
    coff = np.zeros((n_subj, 2), dtype=np.int64)
    slot = np.where(two & (rng.random(n_subj) < 0.5), 1, 0)
    slen = length[np.arange(n_subj), slot]
    during = (rng.random(n_subj) * slen).astype(np.int64)
    edge = np.where(rng.random(n_subj) < 0.5, 0, slen - 1)
    onsite = np.where(rng.random(n_subj) < (BOUNDARY_SHARE if hard else 0.0), edge, during)
    step = np.zeros(n_subj, dtype=np.int64) if hard else rng.integers(1, 5, n_subj)
    beside = np.where(rng.random(n_subj) < 0.5, -1 - step, length[:, 0] + step)
    first = np.zeros(n_subj, dtype=np.int64)
    for rows, where, kind, offset in ((clue & c, slot, C_ONSITE, onsite),
                                      (remote, first, C_REMOTE, during),
                                      (near, first, C_NEXT, beside)):
        _set(check, rows, where, kind)
        _set(coff, rows, where, offset)
    return Plan(n=n, day=day, length=length, hand=hand, hoff=hoff, check=check, coff=coff,
                trig=trig, later=later, loff=loff)
