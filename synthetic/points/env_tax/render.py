"""Facts to tables: the presentation-noise pass of ``env_tax``.

Each table has its own noise stream and is rendered only when asked for (:class:`RenderedTables`),
so writing a million-permit scenario holds one table at a time. A string column is kept as its
distinct values plus a row index until the last step (:class:`Strings`); noise appends the
variants of the chosen cells and points those rows at them, and exact duplicate rows are a second
index, so each column is materialised once, by one Arrow ``take``.

The pass never changes a fact; every variant is one the contract lists (CONTRACT 1) and
``docs/points/env_tax.md`` repeats:

* ``permits.uscc`` and ``declarations.taxpayer_code``: lower case or surrounding spaces (standard,
  hard); every declaration row of an ``hn_noisy_code`` enterprise is noised; (hard) declaration
  codes blank on rows filed under the *current* registered name, which is then written exactly
  as registered. ``permits.uscc`` is never blank and ``permit_no`` never noised;
* ``permits.company_name`` and ``declarations.taxpayer_name``: full-width/half-width brackets
  swapped, surrounding spaces;
* ``declarations.declared_date`` (messy): ``YYYY/M/D``, ``YYYYMMDD``, ``YYYY年M月D日``;
* about 1% exact duplicate rows in ``outlets``, ``monitoring`` and ``declarations`` (standard,
  hard). ``pollutants`` (a setting) is written clean.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from synthetic import noise
from synthetic.difficulty import Difficulty, DifficultyProfile, profile
from synthetic.points.env_tax import lines as L
from synthetic.points.env_tax.facts import HN_NAME_ONLY, HN_NOISY_CODE, Facts
from synthetic.points.env_tax.rules import CLAIM_CODES
from synthetic.points.env_tax.schema import (
    INDUSTRIES, MANAGEMENT_CLASSES, OUTLET_CODES, POINT, POLLUTANT_CODES, POLLUTANTS,
    REDUCTION_FACTORS, TABLES, table_schema)
from synthetic.rng import stream

EMPTY_CODE_SHARE = 0.5          # blank codes at this share of the noise rate (hard)
DUPLICATED_TABLES = ("outlets", "monitoring", "declarations")
TABLE_NAMES = tuple(t.name for t in TABLES)
_FACTORS = np.array([REDUCTION_FACTORS[c] for c in CLAIM_CODES])


@dataclass
class Strings:
    """A string column as distinct ``values`` and one ``index`` entry per row. The index may be
    any integer array (a fact's own, when the column is never noised); noise first gives the
    column its own ``int64`` index. Variants are appended as chunks, joined once when the
    column is built."""

    values: pa.Array
    index: np.ndarray
    chunks: list = field(default_factory=list)

    @classmethod
    def of(cls, vocabulary, index) -> "Strings":
        index = np.asarray(index)
        return cls(pa.array(list(vocabulary), pa.string()),
                   index.astype(np.int8) if index.dtype == bool else index)

    @classmethod
    def dates(cls, days: np.ndarray) -> "Strings":
        """``YYYY-MM-DD`` for ``datetime64[D]`` days: a few thousand distinct ones, so the
        vocabulary is every day from the first to the last (no sort of millions of rows)."""
        number = days.view(np.int64)
        first, last = (int(number.min()), int(number.max())) if number.size else (0, 0)
        span = np.arange(first, last + 1).astype("datetime64[D]")
        return cls.of(np.datetime_as_string(span, unit="D"), number - first)

    def _joined(self) -> pa.Array:
        if self.chunks:
            self.values = pa.concat_arrays([self.values, *self.chunks])
            self.chunks = []
        return self.values

    def rewrite(self, rows: np.ndarray, variant, rng: np.random.Generator) -> None:
        """Replace the cells of ``rows`` by ``variant(cells, rng, 1.0)`` (a ``noise`` function)."""
        if len(rows):
            cells = self._joined().take(pa.array(self.index[rows]))
            self.set(rows, pa.array(variant(cells.to_numpy(zero_copy_only=False), rng, 1.0),
                                    pa.string()))

    def set(self, rows: np.ndarray, cells: pa.Array) -> None:
        """Rows ``rows`` show ``cells`` (one per row, or a single one for all)."""
        first = len(self.values) + sum(len(c) for c in self.chunks)
        self.chunks.append(cells)
        if self.index.dtype != np.int64:
            self.index = self.index.astype(np.int64)
        self.index[rows] = first + (np.arange(len(rows)) if len(cells) > 1 else 0)

    def column(self, order: np.ndarray | None) -> pa.Array:
        index = self.index if order is None else self.index[order]
        return self._joined().take(pa.array(index))


def _rows(rng: np.random.Generator, n: int, rate: float, forced=None) -> np.ndarray:
    """Rows to noise: each with probability ``rate`` (no draw at rate 0), and the ``forced``."""
    hit = rng.random(n) < rate if rate > 0 else np.zeros(n, dtype=bool)
    return np.flatnonzero(hit if forced is None else hit | forced)


def _pollutants(facts: Facts) -> dict:
    return {"pollutant_code": Strings.of(POLLUTANT_CODES, np.arange(len(POLLUTANTS))),
            "pollutant_name": Strings.of([p.name for p in POLLUTANTS], np.arange(len(POLLUTANTS))),
            "medium": Strings.of([p.medium for p in POLLUTANTS], np.arange(len(POLLUTANTS))),
            "equivalent_kg": np.array([p.equivalent_kg for p in POLLUTANTS]),
            "unit_tax_yuan": L.UNIT_TAX}


def _permits(facts: Facts) -> dict:
    ent, every = facts.ent, np.arange(len(facts.ent))
    return {"permit_no": Strings(ent.permit_no, every),
            "uscc": Strings(ent.uscc, every.copy()),
            "company_name": Strings(ent.name, every.copy()),
            "industry": Strings.of([i.name for i in INDUSTRIES], ent.industry),
            "county_code": Strings(ent.counties, ent.county.astype(np.int64)),
            "management_class": Strings.of(MANAGEMENT_CLASSES, ent.mclass),
            "valid_from": Strings.dates(ent.valid_from),
            "valid_to": Strings.dates(ent.valid_to)}


def _outlets(facts: Facts) -> dict:
    out = facts.outlets
    return {"permit_no": Strings(facts.ent.permit_no, out.ent),
            "outlet_code": Strings.of(OUTLET_CODES, out.code),
            "medium": Strings.of(("air", "water"), out.water),
            "destination": Strings.of(("direct", "centralized_plant"), ~out.direct)}


# A number column is a function of ``take``, which picks the table's rows (duplicates
# included) from a fact array, so each column is gathered once, in its final order.

def _monitoring(facts: Facts) -> dict:
    lines, cal = facts.lines, facts.cal
    return {"permit_no": Strings(facts.ent.permit_no, lines.ent),
            "outlet_code": Strings.of(OUTLET_CODES, facts.outlets.code[lines.outlet]),
            "year": lambda take: cal.years[take(lines.qi)],
            "quarter": lambda take: cal.quarters[take(lines.qi)],
            "pollutant_code": Strings.of(POLLUTANT_CODES, lines.pol),
            "emission_kg": lambda take: take(lines.cents) / 100.0,
            "exceed_hours": lambda take: take(lines.exceed).astype(np.int64),
            "avg_concentration_ratio": lambda take: take(lines.ratio_bp) / 10000.0}


def _tax_payable(cents: np.ndarray, pol: np.ndarray, claim: np.ndarray) -> np.ndarray:
    """``round(kg / equivalent * unit tax * factor, 2)``, computed in one buffer."""
    tax = cents / 100.0
    tax /= L.EQUIVALENT_KG[pol]
    tax *= L.UNIT_TAX[pol]
    tax *= _FACTORS[claim]
    return np.round(tax, 2, out=tax)


def _declarations(facts: Facts) -> dict:
    decl, lines, cal, ent = facts.decl, facts.lines, facts.cal, facts.ent
    owner = facts.decl_owner.astype(np.int64)
    pol, qi = lines.pol[decl.line], lines.qi[decl.line]
    return {"taxpayer_code": Strings(ent.uscc, owner),
            "taxpayer_name": Strings(pa.concat_arrays([ent.name, ent.former_name]),
                                     owner + len(ent) * decl.former),
            "year": lambda take: cal.years[take(qi)],
            "quarter": lambda take: cal.quarters[take(qi)],
            "outlet_code": Strings.of(OUTLET_CODES, facts.outlets.code[lines.outlet[decl.line]]),
            "pollutant_code": Strings.of(POLLUTANT_CODES, pol),
            "declared_kg": lambda take: take(decl.cents) / 100.0,
            "reduction": Strings.of(CLAIM_CODES, decl.claim),
            "tax_payable_yuan": lambda take: _tax_payable(take(decl.cents), take(pol),
                                                          take(decl.claim)),
            "declared_date": Strings.dates(decl.date)}


def _noise_permits(columns: dict, facts: Facts, rng, prof: DifficultyProfile) -> None:
    n = len(facts.ent)
    columns["uscc"].rewrite(_rows(rng, n, prof.noise_rate), noise.noise_credit_codes, rng)
    columns["company_name"].rewrite(_rows(rng, n, prof.noise_rate), noise.noise_company_names,
                                    rng)


def _noise_declarations(columns: dict, facts: Facts, rng, prof: DifficultyProfile) -> None:
    owner = facts.decl_owner
    n, rate = len(owner), prof.noise_rate
    code, name = columns["taxpayer_code"], columns["taxpayer_name"]
    noisy = facts.flags[HN_NOISY_CODE][owner] if rate > 0 else np.zeros(n, dtype=bool)
    code.rewrite(_rows(rng, n, rate, noisy), noise.noise_credit_codes, rng)
    name.rewrite(_rows(rng, n, rate), noise.noise_company_names, rng)
    if prof.empty_codes:
        blank = noise.empty_mask(rng, n, rate * EMPTY_CODE_SHARE)
        blank = np.flatnonzero((blank | facts.flags[HN_NAME_ONLY][owner]) & ~facts.decl.former)
        code.set(blank, pa.array([""]))
        name.index[blank] = owner[blank]     # a blank code always sits next to the exact name
    columns["declared_date"].rewrite(_rows(rng, n, rate), noise.noise_dates, rng)


_BUILD = {"pollutants": _pollutants, "permits": _permits, "outlets": _outlets,
          "monitoring": _monitoring, "declarations": _declarations}
_NOISE = {"permits": _noise_permits, "declarations": _noise_declarations}


def _assemble(name: str, columns: dict, order: np.ndarray | None) -> pa.Table:
    schema = table_schema(name).arrow_schema()

    def take(values: np.ndarray) -> np.ndarray:
        return values if order is None else values[order]

    arrays = []
    for spec in schema:
        column = columns.pop(spec.name)     # free each column's parts once it is built
        if isinstance(column, Strings):
            arrays.append(column.column(order))
        else:
            arrays.append(pa.array(column(take) if callable(column) else take(column),
                                   spec.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def clean_table(facts: Facts, name: str) -> pa.Table:
    """One table exactly as the facts say: registered codes and names, ISO dates, no duplicates."""
    return _assemble(name, _BUILD[name](facts), None)


def render_table(facts: Facts, name: str, seed: int, difficulty: Difficulty | str) -> pa.Table:
    """One table with the difficulty's presentation noise, from the table's own stream."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    rng = stream(seed, POINT, "noise", difficulty.value, name)
    columns = _BUILD[name](facts)
    if name in _NOISE:
        _NOISE[name](columns, facts, rng, prof)
    order = None
    n = len(next(iter(columns.values())).index)
    if name in DUPLICATED_TABLES and prof.duplicate_rate > 0 and n:
        order = noise.duplicated_order(n, rng, prof.duplicate_rate)
    return _assemble(name, columns, order)


class RenderedTables(Mapping):
    """The five tables in the contract's order; each is rendered anew when asked for."""

    def __init__(self, facts: Facts, seed: int, difficulty: Difficulty | str) -> None:
        self._facts, self._seed, self._difficulty = facts, seed, Difficulty.parse(difficulty)

    def __getitem__(self, name: str) -> pa.Table:
        if name not in _BUILD:
            raise KeyError(name)
        return render_table(self._facts, name, self._seed, self._difficulty)

    def __iter__(self) -> Iterator[str]:
        return iter(TABLE_NAMES)

    def __len__(self) -> int:
        return len(TABLE_NAMES)
