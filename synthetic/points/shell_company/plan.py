"""Each company's plan: representative, established date, status, staff, filings and totals.

Vectorised over companies. Representatives come from the base pool of people by age: rings of
straw men (students, low-income people, people aged 70+) for fake-registration clues and the
ring-like hard negatives, one person per company otherwise (a few legitimate owners hold two).
Month indices count from the window's first month (0) to ``as_of``'s month (23); -2 and -1 are
the two months before the window. A company files ``正常`` returns from its first month in the
window up to ``stop`` (exclusive); after ``stop`` a ``存续`` company shows ``非正常户`` rows or
none. Invoicing totals are in cents, so the 500,000-yuan and 1% boundaries are exact.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.points.shell_company import flags as F, identity
from synthetic.points.shell_company.rules import ages, window
from synthetic.points.shell_company.schema import (
    BLOCK_MONTHS, MILL_MIN_CENTS, RING_SPAN_DAYS, STRAW_AGE, WINDOW_MONTHS)

EXISTING, DORMANT = 0, 1                       # indices into schema.STATUSES
NONE, ZERO, STAFF, ONE_MONTH = range(4)        # social-insurance modes
RING_SIZES = (3, 6)                            # a clue ring has 3-5 companies
LAST_NORMAL = WINDOW_MONTHS - BLOCK_MONTHS     # a zombie's filings stop by the block's start
BOUNDARY_SHARE = 0.4                           # (hard) boundary values where a family has one
INCUBATOR_SHARE = {F.CLUE: 0.5, F.PLAIN: 0.06}
PAIR_SHARE = 0.04                              # plain companies whose owner holds two
STAFF_BEFORE_SHARE = 0.15                      # no-staff companies insured staff before it
PRE_ROWS_SHARE = 0.1                           # companies with filings before the window
STATUS_P = (0.85, 0.02, 0.05, 0.08)
STAFFED = (F.HN_INCUBATOR, F.HN_ELDERLY_FAMILY, F.HN_RING_STAFF, F.HN_HIGH_INVOICE_STAFF,
           F.HN_FRAUD_STAFF)
MILL_LIKE = (F.HN_HIGH_INVOICE_STAFF, F.HN_STAFF_ONE_MONTH)


@dataclass(frozen=True)
class Plan:
    persons: pa.Table          # clean persons table, one row per representative
    rep: np.ndarray            # persons row of each company's representative
    established: np.ndarray    # day numbers
    status: np.ndarray         # index into STATUSES
    address: pa.Array
    first: np.ndarray          # first month in the window the company exists
    stop: np.ndarray           # normal filings run over months [first, stop)
    one_filing: np.ndarray     # a single 正常 block month after stop, or -1
    staff: np.ndarray          # NONE | ZERO | STAFF | ONE_MONTH
    staff_month: np.ndarray    # the insured month of ONE_MONTH
    staff_before: np.ndarray   # insured staff in the two months before the window
    inv: np.ndarray            # window totals in cents over the normal rows
    paid: np.ndarray
    pre: np.ndarray            # rows in the two months before the window
    pre_inv: np.ndarray
    pre_paid: np.ndarray
    mill_input: np.ndarray     # input close to invoiced (bought invoices)
    fraud: np.ndarray          # owns an account on the police list
    window_start: int          # month number of month index 0


def _between(rng, lo, hi):
    """A uniform integer in ``[lo, hi]`` per row."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, np.int64), np.asarray(hi, np.int64))
    return lo + (rng.random(len(lo)) * (hi - lo + 1)).astype(np.int64)


def _log_between(rng, lo, hi, n):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), n)).astype(np.int64)


def _month_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12


def _day_of(month_number: int) -> int:
    return int(np.datetime64(f"{month_number // 12:04d}-{month_number % 12 + 1:02d}-01", "D")
               .astype(np.int64))


def _chunks(rng, members: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Group id per member: consecutive chunks of ``size`` (or random sizes in a range); a
    short remainder joins the last chunk for ranges, stays short for a fixed size."""
    n = len(members)
    if isinstance(size, int):
        return np.arange(n) // size
    sizes = rng.integers(*size, n // size[0] + 1)
    group = np.repeat(np.arange(len(sizes)), sizes)[:n]
    if n and np.sum(group == group[-1]) < size[0] and group[-1] > 0:
        group[group == group[-1]] -= 1
    return group


def _birth(target: datetime.date, years: int) -> np.datetime64 | None:
    """A birth date whose ``years``-th birthday falls on ``target`` (None if none does)."""
    try:
        return np.datetime64(target.replace(year=target.year - years), "D")
    except ValueError:
        return None


class _Pool:
    """The base people, handed out by age without repeats."""

    ORDER = {"student": ("student", "general"), "general": ("general", "elderly", "student"),
             "69": ("69",), "elderly": ("elderly",)}

    def __init__(self, people: pd.DataFrame, as_of: datetime.date):
        self.people = people
        self.age = ages(people["birth_date"], as_of)
        age = self.age
        self.rows = {kind: np.flatnonzero(ok) for kind, ok in (
            ("student", age <= 24), ("general", (age >= 25) & (age < 69)),
            ("69", age == 69), ("elderly", age >= STRAW_AGE))}
        self.used = dict.fromkeys(self.rows, 0)

    def take(self, kind: str, n: int) -> np.ndarray:
        parts = []
        for k in self.ORDER[kind]:
            got = self.rows[k][self.used[k]:self.used[k] + n - sum(map(len, parts))]
            self.used[k] += len(got)
            parts.append(got)
        out = np.concatenate(parts)
        if len(out) < n:
            raise ValueError(f"the pool of people has too few of age kind {kind!r}")
        return out


def _persons(rng, pool: _Pool, kinds: list[tuple[str, int, str]], hard: bool,
             as_of: datetime.date) -> tuple[pa.Table, list[np.ndarray]]:
    """One person per requested slot: ``(age kind, count, role)`` with role ``straw`` (low
    income, student or 70+), ``boundary69`` / ``boundary70`` (hard birthdays) or ``plain``."""
    rows, low, student, births, ids, picked = [], [], [], [], [], []
    people = pool.people
    taken = people["id_number"].to_numpy()
    offset = 0
    for kind, n, what in kinds:
        idx = pool.take(kind, n)
        birth = people["birth_date"].to_numpy()[idx].astype("datetime64[D]")
        id_number = people["id_number"].to_numpy()[idx]
        low_income = np.zeros(n, dtype=bool)
        is_student = np.zeros(n, dtype=bool)
        if what == "straw" and kind == "student":
            is_student[:] = True
        elif what == "straw" and kind == "general":
            low_income[:] = True
        elif what == "plain" and kind in ("general", "student"):
            is_student = (pool.age[idx] <= 24) & (rng.random(n) < 0.6)
            low_income = (pool.age[idx] > 24) & (rng.random(n) < 0.03)
        if hard and what in ("boundary69", "boundary70"):
            target = as_of if what == "boundary69" else as_of - datetime.timedelta(days=1)
            day = _birth(target, STRAW_AGE)
            edge = rng.random(n) < BOUNDARY_SHARE
            if day is not None and edge.any():
                new = identity.reissue(id_number[edge], np.full(edge.sum(), day), taken)
                ok = np.flatnonzero(edge)[new != None]  # noqa: E711  (object array)
                birth[ok], id_number[ok] = day, new[new != None]  # noqa: E711
        rows.append(idx)
        low.append(low_income)
        student.append(is_student)
        births.append(birth)
        ids.append(id_number)
        picked.append(np.arange(offset, offset + n))
        offset += n
    idx = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    table = pa.table({
        "id_number": pa.array(np.concatenate(ids).astype(object), pa.string()),
        "name": pa.array(people["name"].to_numpy()[idx], pa.string()),
        "birth_date": pa.array(np.datetime_as_string(np.concatenate(births), unit="D")
                               .astype(object), pa.string()),
        "low_income": pa.array(np.concatenate(low)), "student": pa.array(np.concatenate(student)),
    })
    return table, picked


def _straw_kinds(rng, n: int) -> np.ndarray:
    return np.asarray(["student", "general", "elderly"])[rng.choice(3, n, p=(0.3, 0.4, 0.3))]


def _groups(rng, flags: dict, role: np.ndarray, hard: bool):
    """Representative slots: (age kind, role) per group and the group of each company."""
    size = len(role)
    group = np.full(size, -1, dtype=np.int64)
    slots: list[tuple[np.ndarray, np.ndarray]] = []     # (age kinds, roles) per call of add

    def count():
        return sum(len(k) for k, _ in slots)

    def add(members, gid, kinds, whats):
        group[members] = count() + gid
        slots.append((np.asarray(kinds, dtype=object), np.asarray(whats, dtype=object)))

    ring = np.flatnonzero(flags[F.R_FAKE])
    gid = _chunks(rng, ring, RING_SIZES)
    n_rings = int(gid.max(initial=-1)) + 1
    kinds = _straw_kinds(rng, n_rings)
    whats = np.where((kinds == "elderly") & hard, "boundary70", "straw")
    ring_base = count()
    add(ring, gid, kinds, whats)
    joiners = np.flatnonzero(flags[F.HN_RING_STAFF])
    group[joiners] = ring_base + rng.integers(0, max(n_rings, 1), len(joiners))
    for family, k in F.GROUPED.items():
        members = np.flatnonzero(flags[family])
        gid = _chunks(rng, members, k)
        n = int(gid.max(initial=-1)) + 1
        if family == F.HN_ELDERLY_FAMILY:
            kinds, whats = np.full(n, "elderly"), np.full(n, "plain")
        elif family == F.HN_ALMOST_70:
            kinds, whats = np.full(n, "69"), np.full(n, "boundary69" if hard else "plain")
        else:
            kinds, whats = _straw_kinds(rng, n), np.full(n, "straw")
        add(members, gid, kinds, whats)
    plain = np.flatnonzero((group < 0) & (role == F.PLAIN))
    pairs = plain[rng.random(len(plain)) < PAIR_SHARE]
    n_pairs = (len(pairs) + 1) // 2
    add(pairs, np.arange(len(pairs)) // 2, np.full(n_pairs, "general"), np.full(n_pairs, "owner"))
    burst = group >= 0
    singles = np.flatnonzero(~burst)
    kinds = np.where(rng.random(len(singles)) < 0.1, "student", "general")
    kinds = np.where(rng.random(len(singles)) < 0.15, "elderly", kinds)
    kinds[flags[F.HN_NAMESAKE][singles]] = "general"
    whats = np.where(flags[F.HN_NAMESAKE][singles], "owner", "plain")
    add(singles, np.arange(len(singles)), kinds, whats)
    return group, burst, slots, ring_base, n_rings


def _people(rng, flags, role, pool_people, as_of, hard):
    """The persons table and each company's representative row in it."""
    group, burst, slots, ring_base, n_rings = _groups(rng, flags, role, hard)
    pool = _Pool(pool_people, as_of)
    kinds = pd.DataFrame({"kind": np.concatenate([k for k, _ in slots]),
                          "what": np.concatenate([w for _, w in slots])})
    requests, order = [], []
    for (kind, what), rows in kinds.groupby(["kind", "what"], sort=True).groups.items():
        requests.append((kind, len(rows), what))
        order.append(np.asarray(rows))
    table, picked = _persons(rng, pool, requests, hard, as_of)
    person_of_slot = np.empty(len(kinds), dtype=np.int64)
    for rows, at in zip(order, picked):
        person_of_slot[rows] = at
    rep = person_of_slot[group]
    # a namesake takes a ring straw man's name and is established in that ring's burst
    namesakes = np.flatnonzero(flags[F.HN_NAMESAKE])
    mimic = np.full(len(role), -1, dtype=np.int64)
    if len(namesakes) and n_rings:
        names = table["name"].to_numpy(zero_copy_only=False).astype(object)
        mimic[namesakes] = ring_base + rng.integers(0, n_rings, len(namesakes))
        names[rep[namesakes]] = names[person_of_slot[mimic[namesakes]]]
        table = table.set_column(1, "name", pa.array(names, pa.string()))
    return table, rep, np.where(burst, group, -1), mimic


def _established(rng, flags, group, mimic, needs_old, today, win_day, block_day, hard):
    """Established day per company: groups share a burst, families sit at their boundaries."""
    size = len(group)
    old = _between(rng, np.full(size, today - 20 * 365), win_day - 63)
    recent = _between(rng, np.full(size, win_day), today)
    day = np.where((rng.random(size) < 0.8) | needs_old, old, recent)
    grouped = group >= 0
    n_groups = int(group.max(initial=0)) + 1      # at least one, so empty takes work
    base = _between(rng, np.full(n_groups, today - 6 * 365), win_day - 63 - 400)
    span = np.where(rng.random(n_groups) < 0.5, RING_SPAN_DAYS, 0)
    spread = _between(rng, np.full(n_groups, RING_SPAN_DAYS + 1), 400)
    if hard:
        spread = np.where(rng.random(n_groups) < BOUNDARY_SHARE, RING_SPAN_DAYS + 1, spread)
    # the first member of a group on the base day, the second on base + span (hard: 180)
    g = np.where(grouped, group, 0)
    rank = pd.Series(np.arange(size)).groupby(group).cumcount().to_numpy()
    offset = _between(rng, np.zeros(size), RING_SPAN_DAYS)
    if hard:
        offset = np.where(rank == 1, np.where(span[g] > 0, span[g], offset), offset)
    offset = np.where(rank == 0, 0, offset)
    wide = flags[F.HN_RING_SPREAD]
    offset = np.where(wide & (rank == 1), spread[g], offset)
    offset = np.where(wide & (rank == 2), _between(rng, np.zeros(size), spread[g]), offset)
    day = np.where(grouped, base[g] + offset, day)
    day = np.where(mimic >= 0, base[np.maximum(mimic, 0)] + offset, day)
    new = flags[F.HN_NEW_COMPANY]
    edge = hard & (rng.random(size) < BOUNDARY_SHARE)
    inside = _between(rng, np.full(size, block_day), today)
    day = np.where(new, np.where(edge, block_day, inside), day)
    zombie_only = flags[F.R_ZOMBIE] & ~(flags[F.R_MILL] | flags[F.R_FAKE])
    day = np.where(zombie_only & edge, block_day - 1, day)
    return day


def build_plan(rng: np.random.Generator, role: np.ndarray, flags: dict, pool: pd.DataFrame,
               base: dict, as_of: datetime.date, *, hard: bool) -> Plan:
    size = len(role)
    first_month, last_month, block = window(as_of)
    today = int(np.datetime64(as_of, "D").astype(np.int64))
    win_day = _day_of(first_month)
    block_day = int(np.datetime64(block.date(), "D").astype(np.int64))
    persons, rep, group, mimic = _people(rng, flags, role, pool, as_of, hard)
    needs_old = flags[F.R_MILL] | flags[F.R_ZOMBIE]
    for family in (*MILL_LIKE, F.HN_MILL_BOUNDARY, F.HN_BEFORE_WINDOW, F.HN_DORMANT,
                   F.HN_ONE_FILING):
        needs_old = needs_old | flags[family]
    day = _established(rng, flags, group, mimic, needs_old, today, win_day, block_day, hard)
    first = np.clip(_month_of(day) - first_month, 0, WINDOW_MONTHS)
    clue, fake = role == F.CLUE, flags[F.R_FAKE]
    mill, fraud, zombie = flags[F.R_MILL], flags[F.R_FRAUD], flags[F.R_ZOMBIE]
    staffed = np.zeros(size, dtype=bool)
    for family in STAFFED:
        staffed |= flags[family]

    # status and the month normal filings stop
    status = rng.choice(4, size, p=STATUS_P)
    status = np.where(clue & (rng.random(size) < 0.8), EXISTING, status)
    status = np.where(staffed | zombie | flags[F.HN_NEW_COMPANY] | flags[F.HN_ONE_FILING],
                      EXISTING, status)
    status = np.where(flags[F.HN_DORMANT], DORMANT, status)
    ends = (status != EXISTING) | zombie | flags[F.HN_ONE_FILING]
    lo = np.where(mill, 3, 0)
    stop = np.where(ends, _between(rng, lo, np.where(status != EXISTING, 23, LAST_NORMAL)),
                    WINDOW_MONTHS)
    stop = np.where(ends & (first > 0), np.maximum(stop, first), stop)
    stop = np.where(flags[F.HN_NEW_COMPANY], first, stop)
    one_filing = np.where(flags[F.HN_ONE_FILING],
                          _between(rng, np.full(size, LAST_NORMAL), WINDOW_MONTHS - 1), -1)
    alive = stop > first

    # staff
    no_staff_mode = np.where(rng.random(size) < 0.25, ZERO, NONE)
    staff = np.where(rng.random(size) < 0.7, STAFF, no_staff_mode)
    shell = clue | (role == F.HARD_NEGATIVE)
    staff = np.where(shell, no_staff_mode, staff)
    staff = np.where(zombie & ~(mill | fraud | fake) & (rng.random(size) < 0.5), STAFF, staff)
    staff = np.where(staffed, STAFF, staff)
    staff = np.where(flags[F.HN_STAFF_ONE_MONTH], ONE_MONTH, staff)
    staff = np.where(~alive & (staff != NONE), np.where(staff == ZERO, ZERO, NONE), staff)
    staff_month = _between(rng, first, np.maximum(stop - 1, first))
    staff_month = np.where(hard & (rng.random(size) < BOUNDARY_SHARE) & (first == 0), 0,
                           staff_month)
    old = first == 0
    no_staff = np.isin(staff, (NONE, ZERO))
    flags[F.STAFF_BEFORE_WINDOW] = no_staff & old & (day < win_day - 62) & (
        rng.random(size) < STAFF_BEFORE_SHARE)

    # invoicing totals (cents) over the normal window months
    big = _log_between(rng, MILL_MIN_CENTS, 3 * 10**9, size)
    small = _between(rng, np.zeros(size), MILL_MIN_CENTS - 10**6)
    rate_low = _between(rng, np.zeros(size), 89) / 10_000        # 0-0.89%
    rate_ok = _between(rng, np.full(size, 120), 600) / 10_000    # 1.2-6%
    typical = np.exp(rng.normal(np.log(3e8), 1.2, size)).astype(np.int64).clip(10**6, 5 * 10**10)
    inv = np.where(staff == STAFF, typical, np.where(rng.random(size) < 0.3, big, small))
    rate = np.where((staff == STAFF) & (rng.random(size) < 0.1), rate_low, rate_ok)
    rate = np.where(no_staff & (inv < MILL_MIN_CENTS), np.where(rng.random(size) < 0.5,
                                                               rate_low, rate_ok), rate)
    millish = mill.copy()
    for family in MILL_LIKE:
        millish |= flags[family]
    inv = np.where(millish, big, inv)
    rate = np.where(millish, rate_low, rate)
    paid = (inv * rate).astype(np.int64)
    edge = hard & (rng.random(size) < BOUNDARY_SHARE)
    inv = np.where(millish & edge, MILL_MIN_CENTS, inv)
    paid = np.where(millish & edge, -(-inv // 100) - 1, paid)     # the largest below 1%
    boundary = flags[F.HN_MILL_BOUNDARY]
    above = rng.random(size) < 0.5
    round_inv = big // 100 * 100
    inv = np.where(boundary, np.where(above, round_inv, small), inv)
    paid = np.where(boundary & above, np.where(edge, round_inv // 100, (
        round_inv * rate_ok).astype(np.int64)), paid)
    inv = np.where(boundary & ~above & edge, MILL_MIN_CENTS - 1, inv)
    paid = np.where(boundary & ~above, (inv * rate_low).astype(np.int64), paid)
    before = flags[F.HN_BEFORE_WINDOW]
    inv = np.where(before, small, inv)
    paid = np.where(before, (inv * rate_low).astype(np.int64), paid)
    inv = np.where(alive, inv, 0)
    paid = np.where(alive, paid, 0)

    pre = old & (day < win_day - 62) & ((rng.random(size) < PRE_ROWS_SHARE) | before)
    pre_inv = np.where(before, MILL_MIN_CENTS + _between(rng, np.zeros(size), 10**8),
                       (inv // WINDOW_MONTHS) * 2)
    pre_paid = (pre_inv * np.where(before, 0, rate)).astype(np.int64)

    incubator = rng.random(size) < np.where(clue, INCUBATOR_SHARE[F.CLUE],
                                            INCUBATOR_SHARE[F.PLAIN])
    incubator |= flags[F.HN_INCUBATOR]
    at = np.flatnonzero(incubator)
    centre = identity.incubator_addresses(rng, base["county"][at])
    address = pc.replace_with_mask(base["street"].slice(0, size), pa.array(incubator),
                                   pa.array(centre, pa.string()))
    return Plan(persons=persons, rep=rep, established=day, status=status, address=address,
                first=first, stop=stop, one_filing=one_filing, staff=staff,
                staff_month=staff_month, staff_before=flags[F.STAFF_BEFORE_WINDOW], inv=inv,
                paid=paid, pre=pre, pre_inv=pre_inv, pre_paid=pre_paid,
                mill_input=millish | boundary | before,
                fraud=fraud | flags[F.HN_FRAUD_STAFF], window_start=first_month)


__all__ = ["Plan", "RING_SIZES", "build_plan"]
