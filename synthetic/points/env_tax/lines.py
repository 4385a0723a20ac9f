"""Outlets, monitoring lines and the calendar of an ``env_tax`` scenario (vectorised).

A *line* is one (permit, outlet, quarter, pollutant) monitoring row. Emissions are held as integer
cents of a kilogram and ratios as integer ten-thousandths, so the 2- and 4-decimal floats written
to the tables are exactly the nearest doubles of the decimal values and every threshold the
generator builds (90% exactly, ratio 0.7000 exactly) compares the same way in any implementation.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from synthetic.points.env_tax.schema import (
    AIR, INDUSTRIES, POINT, POLLUTANTS, UNIT_TAX_YUAN, deadline, quarter_end, quarter_start)
from synthetic.rng import stream

MIN_EMISSION_CENTS = 1000        # 10 kg: keeps every built margin far from float noise
ZERO_LINE_SHARE = 0.03           # lines with no emission in a quarter (not taxable)
EXCEED_SHARE = 0.06              # lines with some hours above the standard
_N_POLLUTANT_P = np.array([0.35, 0.4, 0.25])   # 1, 2 or 3 pollutants per outlet
EQUIVALENT_KG = np.array([p.equivalent_kg for p in POLLUTANTS])


def unit_tax(p) -> float:
    return UNIT_TAX_YUAN[p.medium]


UNIT_TAX = np.array([unit_tax(p) for p in POLLUTANTS])


def categorical(rng: np.random.Generator, probs: np.ndarray, at: np.ndarray) -> np.ndarray:
    """One draw per entry of ``at`` from row ``at`` of a small (kinds, k) probability table
    (each row's cumulative sums are computed once, not once per draw)."""
    probs = np.asarray(probs, dtype=float)
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(at))[:, None]
    return np.minimum((u >= cum[at]).sum(axis=1), probs.shape[1] - 1)


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Same month and day ``years`` later (29 Feb becomes 28 Feb), as datetime64[D]."""
    days = np.asarray(days, dtype="datetime64[D]")
    y = days.astype("datetime64[Y]")
    m = days.astype("datetime64[M]")
    month = (m - y.astype("datetime64[M]")).astype(int)
    day = (days - m.astype("datetime64[D]")).astype(int) + 1
    ny = (y + np.timedelta64(years, "Y"))
    start = ny.astype("datetime64[M]") + month.astype("timedelta64[M]")
    length = ((start + np.timedelta64(1, "M")).astype("datetime64[D]")
              - start.astype("datetime64[D]")).astype(int)
    return start.astype("datetime64[D]") + (np.minimum(day, length) - 1).astype("timedelta64[D]")


@dataclass(frozen=True)
class Calendar:
    """The scenario's four quarters; ``due`` marks the ones whose deadline is before as_of."""

    years: np.ndarray
    quarters: np.ndarray
    start: np.ndarray        # datetime64[D]
    end: np.ndarray
    deadline: np.ndarray
    due: np.ndarray          # bool
    ended: np.ndarray        # the quarter ended before as_of (filing is possible)
    elapsed: np.ndarray      # share of the quarter monitored by as_of
    as_of: np.datetime64

    @classmethod
    def build(cls, quarters: list[tuple[int, int]], as_of: datetime.date) -> "Calendar":
        start = np.array([np.datetime64(quarter_start(*q)) for q in quarters])
        end = np.array([np.datetime64(quarter_end(*q)) for q in quarters])
        dl = np.array([np.datetime64(deadline(*q)) for q in quarters])
        a = np.datetime64(as_of)
        covered = (np.minimum(end, a) - start).astype(int) + 1
        return cls(years=np.array([q[0] for q in quarters]),
                   quarters=np.array([q[1] for q in quarters]), start=start, end=end,
                   deadline=dl, due=dl < a, ended=end < a,
                   elapsed=covered / ((end - start).astype(int) + 1), as_of=a)


@dataclass(frozen=True)
class Outlets:
    ent: np.ndarray       # enterprise row
    water: np.ndarray     # bool: DW (else DA)
    number: np.ndarray    # 1-based within the medium
    direct: np.ndarray    # bool: direct discharge (air outlets always are)
    industry: np.ndarray  # the enterprise's industry, per outlet

    @property
    def code(self) -> np.ndarray:
        """Index into ``schema.OUTLET_CODES``."""
        return (self.water * 3 + self.number - 1).astype(np.int8)


@dataclass
class Lines:
    """Monitoring lines; the role layer edits ``cents``, ``exceed`` and ``ratio_bp`` in place.

    Narrow integer types keep a million permits' seventeen million lines small in memory.
    """

    ent: np.ndarray
    outlet: np.ndarray
    qi: np.ndarray          # quarter index 0..3 in the calendar
    pol: np.ndarray         # index into POLLUTANTS
    cents: np.ndarray       # emission in 1/100 kg
    exceed: np.ndarray      # hours above the standard
    ratio_bp: np.ndarray    # average concentration / standard, in 1/10000
    by_quarter: np.ndarray  # line numbers by enterprise, quarter, outlet, pollutant

    def __len__(self) -> int:
        return len(self.ent)


def draw_outlets(seed: int, industry: np.ndarray, central: np.ndarray,
                 needs_direct: np.ndarray) -> Outlets:
    """Air (DA) and water (DW) outlets per enterprise.

    Only ``central`` enterprises (HN_CENTRALIZED) have water outlets to a centralized plant; they
    keep a direct outlet whenever ``needs_direct`` (another role needs filings).
    """
    rng = stream(seed, POINT, "outlets")
    n = len(industry)
    n_air = categorical(rng, np.array([i.n_air for i in INDUSTRIES]), industry)
    n_water = categorical(rng, np.array([i.n_water for i in INDUSTRIES]), industry)
    second_central = rng.random(n) < 0.5
    n_air[(n_air + n_water) == 0] = 1
    cen = central
    n_water[cen & (n_water == 0)] = 1
    all_central = cen & ((n_water == 1) | second_central)
    n_air[needs_direct & all_central & (n_air == 0)] = 1
    total = n_air + n_water
    ent = np.repeat(np.arange(n), total)
    within = np.arange(len(ent)) - np.repeat(np.cumsum(total) - total, total)
    water = within >= n_air[ent]
    number = np.where(water, within - n_air[ent], within) + 1
    central = water & cen[ent] & ((number == 1) | second_central[ent])
    return Outlets(ent=ent.astype(np.int32), water=water, number=number.astype(np.int8),
                   direct=~central, industry=industry[ent].astype(np.int8))


def _affinity_logs() -> tuple[np.ndarray, np.ndarray]:
    """(log affinity, count of pollutants with one) per (industry, water outlet): an outlet
    draws only its medium's pollutants."""
    aff = np.zeros((len(INDUSTRIES), 2, len(POLLUTANTS)))
    aff[:, 0, :len(AIR)] = [i.air for i in INDUSTRIES]
    aff[:, 1, len(AIR):] = [i.water for i in INDUSTRIES]
    with np.errstate(divide="ignore"):
        return np.log(aff), (aff > 0).sum(axis=2)


def _top_three(keys: np.ndarray) -> np.ndarray:
    """Columns of the three largest keys per row, largest first, ties to the lower column (the
    head of a stable descending sort, without sorting every row)."""
    top = np.empty((len(keys), 3), dtype=np.int8)
    every = np.arange(len(keys))
    for j in range(3):
        top[:, j] = keys.argmax(axis=1)
        keys[every, top[:, j]] = -np.inf
    return top


def _monitored(outlets: Outlets, k: np.ndarray, start_q: np.ndarray,
               nq: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(outlet, quarter, pollutant rank) of each line, ordered by outlet, quarter and rank:
    the (outlet, quarter) pairs from the enterprise's first monitored quarter, each repeated
    once per pollutant."""
    pair_o = np.repeat(np.arange(len(k), dtype=np.int32), nq)
    pair_q = np.tile(np.arange(nq, dtype=np.int8), len(k))
    keep = pair_q >= start_q[outlets.ent[pair_o]]
    pair_o, pair_q = pair_o[keep], pair_q[keep]
    per = k[pair_o]
    o, qi = np.repeat(pair_o, per), np.repeat(pair_q, per)
    first = np.cumsum(per) - per
    j = np.zeros(len(o), dtype=np.int8)
    for rank in (1, 2):
        j[first[per > rank] + rank] = rank
    return o, qi, j


def _by_quarter(outlets: Outlets, k: np.ndarray, top: np.ndarray, start_q: np.ndarray,
                o: np.ndarray, qi: np.ndarray, j: np.ndarray, nq: int) -> np.ndarray:
    """Line numbers ordered by enterprise, quarter, outlet and pollutant, the order in which
    declarations list them. Every outlet of an enterprise has its ``k`` lines in each of the
    enterprise's quarters, so a line's place is counted from those counts, without a sort."""
    n_ent = len(start_q)
    per_quarter = np.bincount(outlets.ent, weights=k, minlength=n_ent).astype(np.int64)
    ent_start = np.cumsum(per_quarter * (nq - start_q))
    ent_start -= per_quarter * (nq - start_q)
    outlet_start = np.cumsum(k) - k
    outlet_start -= (np.cumsum(per_quarter) - per_quarter)[outlets.ent]
    slots = np.arange(3)
    rank = ((top[:, None, :] < top[:, :, None]) & (slots < k[:, None])[:, None, :]).sum(axis=2)
    # per outlet: its first line in the enterprise's first quarter, and the lines per quarter
    first = (ent_start[outlets.ent] + outlet_start).astype(np.int32)
    step = per_quarter[outlets.ent].astype(np.int16)
    place = first[o]
    place += (qi - start_q.astype(np.int8)[outlets.ent][o]) * step[o]
    place += rank.astype(np.int8)[o, j]
    order = np.empty(len(o), dtype=np.int32)
    order[place] = np.arange(len(o), dtype=np.int32)
    return order


def draw_lines(seed: int, outlets: Outlets, start_q: np.ndarray, cal: Calendar) -> Lines:
    """1-3 pollutants per outlet (by industry affinity), one line per monitored quarter."""
    rng = stream(seed, POINT, "lines")
    n_out = len(outlets.ent)
    logs, positive = _affinity_logs()
    medium = outlets.water.astype(np.int8)
    keys = logs[outlets.industry, medium] + rng.gumbel(size=(n_out, len(POLLUTANTS)))
    top = _top_three(keys)
    del keys
    k = np.minimum(categorical(rng, _N_POLLUTANT_P[None, :], np.zeros(n_out, dtype=np.int8)) + 1,
                   positive[outlets.industry, medium])
    base = rng.lognormal(0.0, 0.8, n_out * 3).reshape(n_out, 3)
    o, qi, j = _monitored(outlets, k, start_q, len(cal.years))
    by_quarter = _by_quarter(outlets, k, top, start_q, o, qi, j, len(cal.years))
    pol = top[o, j]
    # the first direct line of each enterprise and quarter always emits, so every due quarter
    # of an enterprise with a direct outlet has a taxable line
    anchor = _first_direct(outlets, k)[o] & (j == 0)
    # seventeen million lines at a million permits: each step works in place
    kg = np.array([p.scale_kg for p in POLLUTANTS])[pol]
    kg *= base[o, j]
    del j
    kg *= rng.lognormal(0.0, 0.2, len(o))
    kg *= cal.elapsed[qi]
    kg *= 100
    cents = np.round(kg, out=kg).astype(np.int64)
    del kg
    np.maximum(cents, MIN_EMISSION_CENTS, out=cents)
    calm = rng.random(len(o)) >= EXCEED_SHARE
    exceed = rng.integers(1, 150, len(o))
    exceed[calm] = 0
    exceed = exceed.astype(np.int32)
    ratio = rng.beta(2.2, 2.8, len(o))
    ratio *= 1.15
    ratio += 0.12
    ratio *= 10000
    ratio = np.round(ratio, out=ratio).astype(np.int32)
    zero = (rng.random(len(o)) < ZERO_LINE_SHARE) & ~anchor
    cents[zero], exceed[zero], ratio[zero] = 0, 0, 0
    return Lines(ent=outlets.ent[o], outlet=o, qi=qi, pol=pol, cents=cents, exceed=exceed,
                 ratio_bp=ratio, by_quarter=by_quarter)


def _first_direct(outlets: Outlets, k: np.ndarray) -> np.ndarray:
    """Per outlet: the first direct outlet with lines of its enterprise (outlets are grouped by
    enterprise, and each has its lines in every monitored quarter)."""
    direct = np.flatnonzero(outlets.direct & (k > 0))
    ent = outlets.ent[direct]
    first = np.zeros(len(k), dtype=bool)
    first[direct[np.diff(ent, prepend=-1) != 0]] = True
    return first


def pick_one(group: np.ndarray, eligible: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Row index of one eligible row per group (the one with the smallest key)."""
    idx = np.flatnonzero(eligible)
    if not len(idx):
        return idx
    idx = idx[np.lexsort((key[idx], group[idx]))]
    g = group[idx]
    return idx[np.r_[True, g[1:] != g[:-1]]]
