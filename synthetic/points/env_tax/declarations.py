"""Tax declarations built from the monitoring lines and the permits' roles (vectorised).

Plain enterprises declare every taxable line in full or at 95-100% on time, and claim only
reductions their lines qualify for with a margin. The role layer then, per enterprise:

* ``r_undeclared``: files nothing for one due quarter;
* ``r_under_declared``: in one filed due quarter, omits a line, declares 30-85% of it, or declares
  exactly 1 kg less than 90% of a whole-kilogram emission;
* ``r_improper_reduction``: claims ``75`` at a ratio of 0.7000 or more, ``50`` at 0.5000 or more,
  or either while the line has hours above the standard;
* the hard-negative families of :mod:`facts` (90% exactly, ratio 0.6999 / 0.4999, instalments,
  late filing, a former name, a shut-down quarter).

Amounts are integer cents (or whole kilograms where a threshold is built exactly), and no two
rows are identical: the instalments of a line have distinct amounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.difficulty import Difficulty, profile
from synthetic.points.env_tax import lines as L
from synthetic.points.env_tax.schema import N_QUARTERS, POINT
from synthetic.rng import stream

NONE, C75, C50 = 0, 1, 2        # indexes into rules.CLAIM_CODES
EARLY_FILING_SHARE = 0.4     # quarters that ended before as_of but are not yet due, filed early
BOUNDARY_SHARE = 0.12        # (hard) quarters filed exactly on the deadline day
SHORT_SHARE = 0.2            # plain lines declared at 95-100% rather than 100%


@dataclass(frozen=True)
class Decl:
    """Declaration rows: the line each belongs to and its own values."""

    line: np.ndarray
    part: np.ndarray
    cents: np.ndarray
    claim: np.ndarray
    date: np.ndarray      # datetime64[D]
    former: np.ndarray    # filed under the enterprise's former name


def build_declarations(seed: int, difficulty: Difficulty, lines: L.Lines, outlets: L.Outlets,
                       flags: dict, cal: L.Calendar) -> Decl:
    from synthetic.points.env_tax import facts as F

    rng = stream(seed, POINT, "declarations", difficulty.value)
    n = len(flags[F.R_UNDECLARED])
    nq = len(cal.years)
    due_idx = np.flatnonzero(cal.due)          # the earliest quarters; always two or three
    perm = due_idx[np.argsort(rng.random((n, len(due_idx))), axis=1)]
    U, D, R, Z = (flags[F.R_UNDECLARED], flags[F.R_UNDER], flags[F.R_IMPROPER],
                  flags[F.HN_ZERO_EMISSION])
    skip_q = np.where(U | Z, perm[:, 0], -1)
    q_d = np.where(U, perm[:, 1], perm[:, 0])
    q_r = np.where(U | D, perm[:, 1], perm[:, 0])
    q_late = perm[:, -1]
    ent, qi = lines.ent, lines.qi
    nl = len(lines)

    shut = Z[ent] & (qi == skip_q[ent])
    lines.cents[shut], lines.exceed[shut], lines.ratio_bp[shut] = 0, 0, 0
    direct = outlets.direct[lines.outlet]
    taxable = direct & cal.due[qi] & (lines.cents > 0)
    key = rng.random(nl)
    used = np.zeros(nl, dtype=bool)
    fixed = np.zeros(nl, dtype=bool)            # claim set by a role
    claim = np.zeros(nl, dtype=np.int8)
    whole = np.zeros(nl, dtype=bool)            # amounts in whole kilograms
    parts = np.ones(nl, dtype=np.int64)
    short = rng.random(nl) < SHORT_SHARE
    dec = np.where(short, np.floor(lines.cents * rng.uniform(0.95, 1.0, nl)),
                   lines.cents).astype(np.int64)

    # ENV_UNDER_DECLARED
    d_line = L.pick_one(ent, taxable & D[ent] & (qi == q_d[ent]), key)
    used[d_line] = True
    per_quarter = np.bincount(ent * nq + qi, weights=taxable, minlength=n * nq)
    multi = per_quarter[ent[d_line] * nq + qi[d_line]] >= 2
    v = rng.random(len(d_line))
    missing, just = multi & (v < 0.35), ~(multi & (v < 0.35)) & (v < 0.6)
    dec[d_line[missing]] = -1
    _whole_threshold(lines, dec, whole, d_line[just], minus_kg=1)
    fl = d_line[~missing & ~just]
    dec[fl] = np.floor(lines.cents[fl] * rng.uniform(0.3, 0.85, len(fl))).astype(np.int64)
    parts[fl] = np.where(rng.random(len(fl)) < 0.2, 2, 1)

    # ENV_IMPROPER_REDUCTION
    r_line = L.pick_one(ent, taxable & R[ent] & (qi == q_r[ent]) & ~used, key)
    used[r_line] = fixed[r_line] = True
    v, exact = rng.random(len(r_line)), rng.random(len(r_line)) < 0.35
    hi75 = np.where(exact, 7000, rng.integers(7001, 9500, len(r_line)))
    hi50 = np.where(exact, 5000, rng.integers(5001, 7000, len(r_line)))
    low = rng.integers(1500, 4500, len(r_line))
    v75, v50, vex = v < 0.4, (v >= 0.4) & (v < 0.75), v >= 0.75
    lines.ratio_bp[r_line] = np.where(v75, hi75, np.where(v50, hi50, low))
    claim[r_line] = np.where(v75, C75, np.where(v50, C50, rng.integers(1, 3, len(r_line))))
    lines.exceed[r_line] = np.where(vex, rng.integers(1, 73, len(r_line)),
                                    lines.exceed[r_line])
    dec[r_line] = lines.cents[r_line]

    # hard-negative lines, outside the quarter with no filing
    hn_ok = taxable & (qi != skip_q[ent])
    line90 = L.pick_one(ent, hn_ok & flags[F.HN_DECLARED_90_100][ent] & ~used, key)
    used[line90] = True
    exact = rng.random(len(line90)) < 0.5
    _whole_threshold(lines, dec, whole, line90[exact], minus_kg=0)
    near = line90[~exact]
    dec[near] = np.ceil(lines.cents[near] * rng.uniform(0.902, 0.92, len(near))).astype(np.int64)

    qual = L.pick_one(ent, hn_ok & flags[F.HN_QUALIFYING_REDUCTION][ent] & ~used, key)
    used[qual] = fixed[qual] = True
    v, exact = rng.random(len(qual)) < 0.5, rng.random(len(qual)) < 0.5
    lines.ratio_bp[qual] = np.where(v, np.where(exact, 6999, rng.integers(6000, 6999, len(qual))),
                                    np.where(exact, 4999, rng.integers(4000, 4999, len(qual))))
    claim[qual] = np.where(v, C75, C50)
    lines.exceed[qual] = 0
    dec[qual] = lines.cents[qual]

    inst = L.pick_one(ent, hn_ok & flags[F.HN_INSTALMENTS][ent] & ~used, key)
    used[inst] = True
    parts[inst] = rng.integers(2, 4, len(inst))

    # natural claims, always with a margin below the limits
    free = ~fixed & (lines.exceed == 0)
    u = rng.random(nl)
    ok50, ok75 = free & (lines.ratio_bp < 4500), free & (lines.ratio_bp < 6500)
    claim[~fixed] = np.where(ok50 & (u < 0.6), C50,
                             np.where(ok75 & (u < 0.7), C75, NONE))[~fixed]

    # which (enterprise, quarter) filed, and on which day
    filed = np.zeros((n, nq), dtype=bool)
    filed[:, cal.due] = True
    early = cal.ended & ~cal.due
    filed[:, early] = rng.random((n, int(early.sum()))) < EARLY_FILING_SHARE
    filed[flags[F.HN_NOT_YET_DUE]] = False
    has_skip = skip_q >= 0
    filed[np.flatnonzero(has_skip), skip_q[has_skip]] = False
    date = _filing_dates(rng, difficulty, n, cal, flags[F.HN_LATE_FILING], q_late)

    declared = direct & (lines.cents > 0) & filed[ent, qi] & (dec >= 0)
    change = rng.integers(1, len(due_idx) + 1, n)
    return _expand(rng, np.flatnonzero(declared), parts, dec, whole, claim, date, lines,
                   flags[F.HN_FORMER_NAME][ent] & (qi < change[ent]), cal)


def _whole_threshold(lines: L.Lines, dec: np.ndarray, whole: np.ndarray, rows: np.ndarray,
                     *, minus_kg: int) -> None:
    """Make emission ``10k`` kg and the declaration ``9k - minus_kg`` kg (exact in binary)."""
    tens = np.maximum(2, np.round(lines.cents[rows] / 1000)).astype(np.int64)
    lines.cents[rows] = tens * 1000
    dec[rows] = (9 * tens - minus_kg) * 100
    whole[rows] = True


def _filing_dates(rng, difficulty: Difficulty, n: int, cal: L.Calendar, late: np.ndarray,
                  q_late: np.ndarray) -> np.ndarray:
    """The first filing day of each (enterprise, quarter); never after as_of."""
    nq = len(cal.years)
    date = cal.end[None, :] + rng.integers(1, 16, (n, nq)).astype("timedelta64[D]")
    if profile(difficulty).boundary_dates:
        on_deadline = rng.random((n, nq)) < BOUNDARY_SHARE
        date = np.where(on_deadline, cal.deadline[None, :], date)
    room = np.maximum((cal.as_of - cal.end).astype(int), 1)
    early = cal.end[None, :] + (np.floor(rng.random((n, nq)) * room) + 1).astype(
        "timedelta64[D]")
    date = np.where((cal.ended & ~cal.due)[None, :], early, date)
    rows = np.flatnonzero(late)
    dl = cal.deadline[q_late[rows]]
    span = np.minimum((cal.as_of - dl).astype(int), 90)
    delay = (np.floor(rng.random(len(rows)) * span) + 1).astype("timedelta64[D]")
    date[rows, q_late[rows]] = dl + delay
    return np.minimum(date, cal.as_of)


def _expand(rng, declared: np.ndarray, parts, dec, whole, claim, date, lines: L.Lines,
            former_line: np.ndarray, cal: L.Calendar) -> Decl:
    """One row per instalment, amounts split so that each instalment differs from the others."""
    unit = np.where(whole[declared], 100, 1)
    total = dec[declared] // unit
    k = parts[declared]
    k = np.where((k == 3) & (total < 40), 2, k)
    k = np.where((k == 2) & (total < 10), 1, k)
    a = np.maximum(1, np.floor(total * np.where(k == 2, rng.uniform(0.3, 0.45, len(k)),
                                                rng.uniform(0.15, 0.25, len(k))))).astype(np.int64)
    b = np.maximum(1, np.floor(total * rng.uniform(0.28, 0.33, len(k)))).astype(np.int64)
    row_line = np.repeat(declared, k)
    starts = np.cumsum(k) - k
    part = np.arange(len(row_line)) - np.repeat(starts, k)
    li = np.repeat(np.arange(len(declared)), k)
    kk = k[li]
    amount = total[li]                         # a single row carries the whole line
    first = (part == 0) & (kk > 1)
    amount[first] = a[li[first]]
    second = part == 1
    amount[second] = np.where(kk[second] == 2, total[li[second]] - a[li[second]],
                              b[li[second]])
    third = part == 2
    amount[third] = total[li[third]] - a[li[third]] - b[li[third]]
    del kk, first, second, third
    cents = amount * unit[li]
    gap = np.where(part == 0, 0, rng.integers(1, 31, len(part)))
    csum = np.cumsum(gap)
    offset = csum - np.repeat(csum[starts], k)
    day = np.minimum(date[lines.ent[row_line], lines.qi[row_line]]
                     + offset.astype("timedelta64[D]"), cal.as_of)
    # one int64 key for (enterprise, quarter, outlet, pollutant, instalment): unique per row,
    # so a plain sort orders rows as a five-key lexsort would, several times faster
    n_outlets = int(lines.outlet.max(initial=0)) + 1
    key = ((lines.ent[row_line].astype(np.int64) * N_QUARTERS + lines.qi[row_line]) * n_outlets
           + lines.outlet[row_line]) * len(L.EQUIVALENT_KG) + lines.pol[row_line]
    order = np.argsort(key * 4 + part)
    del key
    row_line = row_line[order]
    return Decl(line=row_line.astype(np.int32), part=part[order].astype(np.int8),
                cents=cents[order], claim=claim[row_line], date=day[order],
                former=former_line[row_line])
