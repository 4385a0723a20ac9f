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
from synthetic.points.env_tax.schema import POINT
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
    # quarters as int8: gathered once per line, seventeen million times at a million permits
    skip_q = np.where(U | Z, perm[:, 0], -1).astype(np.int8)
    q_d = np.where(U, perm[:, 1], perm[:, 0]).astype(np.int8)
    q_r = np.where(U | D, perm[:, 1], perm[:, 0]).astype(np.int8)
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
    parts = np.ones(nl, dtype=np.int8)
    short = np.flatnonzero(rng.random(nl) < SHORT_SHARE)
    dec = lines.cents.copy()
    dec[short] = np.floor(lines.cents[short] * rng.uniform(0.95, 1.0, nl)[short])
    del short

    # ENV_UNDER_DECLARED
    d_line = L.pick_one(ent, taxable & D[ent] & (qi == q_d[ent]), key)
    used[d_line] = True
    per_quarter = np.bincount(ent[taxable] * nq + qi[taxable], minlength=n * nq)
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

    # natural claims, always with a margin below the limits (other lines keep NONE)
    del key, used, hn_ok
    free = ~fixed & (lines.exceed == 0)
    u = rng.random(nl)
    c50 = free & (lines.ratio_bp < 4500) & (u < 0.6)
    c75 = free & (lines.ratio_bp < 6500) & (u < 0.7) & ~c50
    claim[c50], claim[c75] = C50, C75
    del free, u, c50, c75, fixed, taxable

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

    def former_line(rows):
        return flags[F.HN_FORMER_NAME][ent[rows]] & (qi[rows] < change[ent[rows]])

    return _expand(rng, declared, parts, dec, whole, claim, date, lines, former_line, cal)


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
            former_line, cal: L.Calendar) -> Decl:
    """One row per instalment, amounts split so that each instalment differs from the others.

    Rows come in declaration order (enterprise, quarter, outlet, pollutant, instalment), taken
    from ``lines.by_quarter``; the random draws follow the lines' own order, and only the few
    lines in two or three instalments are split."""
    at = np.flatnonzero(declared)
    unit = np.where(whole[at], np.int8(100), np.int8(1))
    total = dec[at] // unit
    k = parts[at]
    k = np.where((k == 3) & (total < 40), 2, k)
    k = np.where((k == 2) & (total < 10), 1, k)
    shares = [rng.uniform(lo, hi, len(k)) for lo, hi in ((0.3, 0.45), (0.15, 0.25), (0.28, 0.33))]
    gaps = rng.integers(1, 31, int(k.sum()))      # one per row, rows in the lines' order
    row_of_line = np.cumsum(k) - k
    rank = np.cumsum(declared, dtype=np.int32) - 1
    order = rank[lines.by_quarter[declared[lines.by_quarter]]]
    del rank
    line = at[order]
    k = k[order]
    start = np.cumsum(k) - k
    n_rows = int(k.sum())
    cents = total[order]
    cents *= unit[order]
    cents = np.repeat(cents, k)
    day = np.repeat(date[lines.ent[line], lines.qi[line]], k)
    part = np.zeros(n_rows, dtype=np.int8)
    multi = np.flatnonzero(k > 1)
    li, km, rows = order[multi], k[multi], start[multi]
    t, u = total[li], unit[li]
    a = np.maximum(1, np.floor(t * np.where(km == 2, shares[0][li], shares[1][li]))).astype(
        np.int64)
    b = np.maximum(1, np.floor(t * shares[2][li])).astype(np.int64)
    later = row_of_line[li] + 1                   # the line's second row, in the lines' order
    cents[rows], cents[rows + 1] = a * u, np.where(km == 2, t - a, b) * u
    part[rows + 1] = 1
    day[rows + 1] += gaps[later].astype("timedelta64[D]")
    three = km == 3
    rows, later = rows[three] + 2, later[three] + 1
    cents[rows] = (t - a - b)[three] * u[three]
    part[rows] = 2
    day[rows] = day[rows - 1] + gaps[later].astype("timedelta64[D]")
    return Decl(line=np.repeat(line.astype(np.int32), k), part=part, cents=cents,
                claim=np.repeat(claim[line], k), date=np.minimum(day, cal.as_of, out=day),
                former=np.repeat(former_line(line), k))
