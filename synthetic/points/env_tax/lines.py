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


def categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (rows, k) probability matrix."""
    probs = np.asarray(probs, dtype=float)
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u >= cum).sum(axis=1), probs.shape[1] - 1)


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
    n_air = categorical(rng, np.array([i.n_air for i in INDUSTRIES])[industry])
    n_water = categorical(rng, np.array([i.n_water for i in INDUSTRIES])[industry])
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


def draw_lines(seed: int, outlets: Outlets, start_q: np.ndarray, cal: Calendar) -> Lines:
    """1-3 pollutants per outlet (by industry affinity), one line per monitored quarter."""
    rng = stream(seed, POINT, "lines")
    n_out = len(outlets.ent)
    aff = np.zeros((len(INDUSTRIES), len(POLLUTANTS)))
    aff[:, :len(AIR)] = [i.air for i in INDUSTRIES]
    aff[:, len(AIR):] = [i.water for i in INDUSTRIES]
    a = aff[outlets.industry]
    a[outlets.water, :len(AIR)] = 0
    a[~outlets.water, len(AIR):] = 0
    with np.errstate(divide="ignore"):
        keys = np.log(a) + rng.gumbel(size=a.shape)
    order = np.argsort(-keys, axis=1, kind="stable")
    k = np.minimum(categorical(rng, np.broadcast_to(_N_POLLUTANT_P, (n_out, 3))) + 1,
                   (a > 0).sum(axis=1))
    base = rng.lognormal(0.0, 0.8, n_out * 3).reshape(n_out, 3)
    nq = len(cal.years)
    per = k * nq
    o = np.repeat(np.arange(n_out), per)
    r = np.arange(len(o)) - np.repeat(np.cumsum(per) - per, per)
    qi = r // k[o]
    j = r % k[o]
    keep = qi >= start_q[outlets.ent[o]]
    del r
    o, qi, j = o[keep].astype(np.int32), qi[keep].astype(np.int8), j[keep].astype(np.int8)
    del keep
    pol = order[o, j].astype(np.int8)
    kg = np.array([p.scale_kg for p in POLLUTANTS])[pol] * base[o, j]
    del j
    kg *= rng.lognormal(0.0, 0.2, len(o))
    kg *= cal.elapsed[qi]
    kg *= 100
    cents = np.maximum(np.round(kg).astype(np.int64), MIN_EMISSION_CENTS)
    del kg
    exceed = np.where(rng.random(len(o)) < EXCEED_SHARE, rng.integers(1, 150, len(o)),
                      0).astype(np.int32)
    ratio = np.round((rng.beta(2.2, 2.8, len(o)) * 1.15 + 0.12) * 10000).astype(np.int32)
    ent = outlets.ent[o]
    # the first direct line of each enterprise and quarter always emits, so every due quarter
    # of an enterprise with a direct outlet has a taxable line
    direct = outlets.direct[o]
    anchor = np.zeros(len(o), dtype=bool)
    idx = np.flatnonzero(direct)
    _, first = np.unique(ent[idx] * nq + qi[idx], return_index=True)
    anchor[idx[first]] = True
    zero = (rng.random(len(o)) < ZERO_LINE_SHARE) & ~anchor
    cents[zero], exceed[zero], ratio[zero] = 0, 0, 0
    return Lines(ent=ent, outlet=o, qi=qi, pol=pol, cents=cents, exceed=exceed, ratio_bp=ratio)


def pick_one(group: np.ndarray, eligible: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Row index of one eligible row per group (the one with the smallest key)."""
    idx = np.flatnonzero(eligible)
    if not len(idx):
        return idx
    idx = idx[np.lexsort((key[idx], group[idx]))]
    g = group[idx]
    return idx[np.r_[True, g[1:] != g[:-1]]]
