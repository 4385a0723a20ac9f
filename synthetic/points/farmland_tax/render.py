"""Facts to tables: the presentation-noise pass of ``farmland_tax``.

Each table has its own noise stream and is rendered only when asked for (:class:`RenderedTables`),
so writing a million-subject scenario holds one table at a time. A string column is kept as its
distinct values plus a row index until the last step (:class:`Strings`); noise appends the
variants of the chosen cells and points those rows at them, and exact duplicate rows are a second
index, so each column is materialised once, by one Arrow ``take``.

The pass never changes a fact; every variant is one the contract lists (CONTRACT 1 and 2.2) and
``docs/points/farmland_tax.md`` repeats:

* ``user_code``, ``occupier_code``, ``taxpayer_code``: ID numbers with lower-case ``x``, spaces,
  full-width digits and (hard) the 15-digit form for people born 1900-1999; credit codes in lower
  case or with surrounding spaces. Every record of an ``hn_noisy_code`` subject is noised;
* names: company and body names with brackets swapped or surrounding spaces, person names with
  surrounding spaces; (hard) namesakes — another villager shown under the same name;
* (hard) an empty ``source_ref`` where the taxpayer is the subject's user and that user has this
  one subject (always for ``hn_code_only``); an empty credit code where ``source_ref`` is present,
  the exact registered name beside it;
* ``notice_date``, ``determined_date``, ``declared_date`` (messy): ``YYYY/M/D``, ``YYYYMMDD``,
  ``YYYY年M月D日``; about 1% exact duplicate rows in ``tax_records`` (standard, hard).

``county_rates`` (a setting) is written clean; subject keys are never noised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import noise, pools, regions
from synthetic.difficulty import Difficulty, DifficultyProfile, profile
from synthetic.points.farmland_tax import identity as ID, schema as S
from synthetic.points.farmland_tax.facts import HN_CODE_ONLY, HN_NOISY_CODE, Facts
from synthetic.rng import stream
from synthetic.take import take

EMPTY_SHARE = 0.5        # empty source_ref / credit codes at this share of the noise rate (hard)
NAMESAKE_SHARE = 0.5     # villagers given a namesake, at this share of the noise rate (hard)
TABLE_NAMES = tuple(t.name for t in S.TABLES)
DUPLICATED_TABLES = ("tax_records",)

# Project names such as "芜湖市鸠江区恒通产业园建设项目": place + head + (trade | n | name) + tail,
# one template per land use.
_TEMPLATES = {
    "industrial": "{place}{trade}产业园建设项目", "commercial": "{place}{trade}商业综合体项目",
    "residential": "{place}{trade}花园住宅小区项目", "mining": "{place}{trade}石灰岩矿开采项目",
    "tourism": "{place}{trade}生态旅游度假区项目", "railway": "{place}{trade}铁路专用线工程",
    "highway": "{place}S{n}省道改建工程", "airport": "{place}通用机场建设项目",
    "port": "{place}港区{trade}作业区码头工程", "waterway": "{place}{trade}河航道整治工程",
    "water_conservancy": "{place}{trade}河综合治理工程",
    "rural_housing": "{place}{name}农村村民住宅建设",
    "military": "{place}人民武装部训练基地建设项目", "school": "{place}第{n}中学新建工程",
    "kindergarten": "{place}{trade}幼儿园新建工程", "hospital": "{place}人民医院新院区建设项目",
    "social_welfare": "{place}社会福利院（养老服务中心）建设项目",
    "irrigation": "{place}高标准农田灌溉排水工程",
}
_FIELDS = ("trade", "n", "name", "")


def _template_parts() -> tuple[pa.Array, pa.Array, np.ndarray]:
    heads, tails, field = [], [], []
    for use in S.LAND_USES:
        pieces = re.split(r"\{(\w+)\}", _TEMPLATES[use])
        assert pieces[:2] == ["", "place"] and len(pieces) in (3, 5), use
        heads.append(pieces[2])
        tails.append(pieces[4] if len(pieces) == 5 else "")
        field.append(_FIELDS.index(pieces[3]) if len(pieces) == 5 else 3)
    return pa.array(heads, pa.string()), pa.array(tails, pa.string()), np.array(field)


_HEADS, _TAILS, _FIELD = _template_parts()
_NUMBERS = 101, 500          # project-name numbers are drawn from 101..499
_TRADES = pa.array(pools.pool("trade_names"), pa.string())
_PROJECT_NUMBERS = pa.array([str(n) for n in range(*_NUMBERS)], pa.string())


@dataclass
class Strings:
    """A string column as distinct ``values`` and one ``index`` entry per row (noise rewrites
    ``index`` in place: it must be the column's own array, never a fact's). Variants are
    appended as chunks, joined once when the column is built."""

    values: pa.Array
    index: np.ndarray
    chunks: list = field(default_factory=list)

    @classmethod
    def of(cls, vocabulary, index) -> "Strings":
        return cls(pa.array(list(vocabulary), pa.string()), np.asarray(index, dtype=np.int64))

    @classmethod
    def dates(cls, days: np.ndarray) -> "Strings":
        """``YYYY-MM-DD`` for ``datetime64[D]`` days: the vocabulary is every day from the first
        to the last (a few hundred), so no sort of millions of rows."""
        number = days.view(np.int64)
        first, last = (int(number.min()), int(number.max())) if len(number) else (0, -1)
        span = np.arange(first, last + 1).astype("datetime64[D]")
        return cls.of(np.datetime_as_string(span, unit="D"), number - first)

    def _joined(self) -> pa.Array:
        if self.chunks:
            self.values = pa.concat_arrays([self.values, *self.chunks])
            self.chunks = []
        return self.values

    def cells(self, rows: np.ndarray) -> pa.Array:
        at = self.index[rows]
        values = self.values if not len(at) or at.max() < len(self.values) else self._joined()
        return values.take(pa.array(at))

    def rewrite(self, rows: np.ndarray, variant, rng: np.random.Generator) -> None:
        """Replace the cells of ``rows`` by ``variant(cells, rng, 1.0)`` (a ``noise`` function
        on Arrow arrays)."""
        if len(rows):
            self.set(rows, variant(self.cells(rows), rng, 1.0))

    def set(self, rows: np.ndarray, cells: pa.Array) -> None:
        """Rows ``rows`` show ``cells`` (one per row, or a single one for all)."""
        first = len(self.values) + sum(len(c) for c in self.chunks)
        self.chunks.append(cells)
        self.index[rows] = first + (np.arange(len(rows)) if len(cells) > 1 else 0)

    def column(self, order: np.ndarray | None) -> pa.Array:
        return take(self._joined(), self.index if order is None else self.index[order])


def _rows(rng: np.random.Generator, n: int, rate: float, forced=None) -> np.ndarray:
    """Rows to noise: each with probability ``rate`` (no draw at rate 0), and the ``forced``."""
    hit = rng.random(n) < rate if rate > 0 else np.zeros(n, dtype=bool)
    return np.flatnonzero(hit if forced is None else hit | forced)


def _numbers(values: np.ndarray) -> pa.Array:
    """Integers as their decimal strings."""
    return pc.cast(pa.array(values, pa.int64()), pa.string())


# Per county index: its code; per county and land use, the opening of a project name (the
# place and the template's head).
_COUNTY_TEXT = pa.array(ID.COUNTY_CODES.tolist(), pa.string())
_OPENINGS = pa.array([regions.full_name(c).removeprefix("安徽省") + head
                      for c in ID.COUNTY_CODES for head in _HEADS.to_pylist()], pa.string())


def project_names(facts: Facts) -> pa.Array:
    """One project name per approvals row, by the template of its land use."""
    rows = facts.approval_rows
    use = facts.terms.use[rows]
    # one vocabulary for the template's field: trades, numbers, "", then the registered names of
    # the users of the rows that name them (rural housing)
    field = _FIELD[use]
    named = np.flatnonzero(field == 2)
    names = facts.entities.name.take(pa.array(facts.subject_entity[rows[named]]))
    n_trades, n_numbers = len(_TRADES), len(_PROJECT_NUMBERS)
    at = np.select([field == 0, field == 1], [facts.trade, n_trades + facts.number - _NUMBERS[0]],
                   n_trades + n_numbers)
    at[named] = n_trades + n_numbers + 1 + np.arange(len(named))
    middle = take(pa.concat_arrays([_TRADES, _PROJECT_NUMBERS, pa.array([""]), names]), at)
    opening = take(_OPENINGS, facts.ident.county[rows].astype(np.int64) * len(_HEADS) + use)
    return pc.binary_join_element_wise(opening, middle, take(_TAILS, use), "")


def shown_names(facts: Facts, seed: int, difficulty: Difficulty) -> np.ndarray:
    """Entity index of the name each entity is shown under: itself, or (hard) a namesake's —
    some villagers (always the users of ``hn_code_only`` subjects) get another villager shown
    under their name."""
    ents = facts.entities
    shown = np.arange(len(ents))
    prof = profile(difficulty)
    people = np.flatnonzero(ents.kind == S.INDIVIDUAL)
    if not prof.namesakes or len(people) < 2:
        return shown
    rng = stream(seed, S.POINT, "noise", difficulty.value, "namesakes")
    target = np.zeros(len(ents), dtype=bool)
    target[people[rng.random(len(people)) < prof.noise_rate * NAMESAKE_SHARE]] = True
    target[facts.subject_entity[facts.flags[HN_CODE_ONLY]]] = True
    target &= ents.kind == S.INDIVIDUAL
    sources = np.flatnonzero(target)
    pick = rng.integers(0, len(people), len(sources))
    other = people[pick]
    other = np.where(other == sources, people[(pick + 1) % len(people)], other)
    shown[other] = sources
    return shown


# --- the tables, as columns -------------------------------------------------------------------

_RATE_CLASSES = [S.rate_class(c) for c in ID.COUNTY_CODES]
_COUNTY_NAMES = [regions.region(c).name for c in ID.COUNTY_CODES]


def _county_rates(facts: Facts, shown: np.ndarray) -> dict:
    every = np.arange(len(ID.COUNTY_CODES))
    return {"county_code": Strings(_COUNTY_TEXT, every),
            "county_name": Strings.of(_COUNTY_NAMES, every),
            "rate_class": Strings.of(_RATE_CLASSES, every),
            "rate_yuan_m2": np.array([S.RATE_CLASSES[c] for c in _RATE_CLASSES])}


def _approvals(facts: Facts, shown: np.ndarray) -> dict:
    rows, ents, terms = facts.approval_rows, facts.entities, facts.terms
    e = facts.subject_entity[rows]
    return {"approval_no": take(facts.number_text, rows),
            "project_name": project_names(facts),
            "user_code": Strings(ents.code, e),
            "user_name": Strings(ents.name, shown[e]),
            "user_type": Strings.of(S.USER_TYPES, facts.ident.user_type[rows]),
            "county_code": Strings(_COUNTY_TEXT, facts.ident.county[rows]),
            "land_use": Strings.of(S.LAND_USES, terms.use[rows]),
            "farmland_ha": np.round(terms.farm_m2[rows] / S.M2_PER_HA, 4),
            "basic_farmland_ha": np.round(terms.basic_m2[rows] / S.M2_PER_HA, 4),
            "notice_date": Strings.dates(terms.trigger[rows])}


def _patches(facts: Facts, shown: np.ndarray) -> dict:
    rows, ents, terms = facts.patch_rows, facts.entities, facts.terms
    e = facts.subject_entity[rows]
    return {"patch_no": take(facts.number_text, rows),
            "county_code": Strings(_COUNTY_TEXT, facts.ident.county[rows]),
            "occupier_code": Strings(ents.code, e),
            "occupier_name": Strings(ents.name, shown[e]),
            "land_use": Strings.of(S.LAND_USES, terms.use[rows]),
            "illegal_farmland_m2": np.round(terms.patch_centi[rows - terms.n_approvals] / 100, 2),
            "determined_date": Strings.dates(terms.trigger[rows])}


def _tax_records(facts: Facts, shown: np.ndarray) -> dict:
    rec, ents = facts.records, facts.entities
    return {"tax_record_id": _numbers(rec.record_id),
            "source_ref": Strings(facts.number_text, rec.subject.copy()),
            "taxpayer_code": Strings(ents.code, rec.entity.copy()),
            "taxpayer_name": Strings(ents.name, shown[rec.entity]),
            "taxed_area_m2": np.round(rec.area_centi / 100, 2),
            "unit_tax_yuan": np.round(rec.unit8 / 8, 2),
            "relief_code": Strings.of(S.RELIEF_CODES, rec.code),
            "tax_payable_yuan": np.round(rec.cents / 100, 2),
            "declared_date": Strings.dates(rec.date)}


# --- the noise ----------------------------------------------------------------------------------

def _noise_codes(column: Strings, rows: np.ndarray, person: np.ndarray, rng,
                 legacy: bool) -> None:
    """ID numbers of people and credit codes of organisations, at the chosen rows."""
    column.rewrite(rows[person[rows]], partial(noise.noise_ids_arrow, legacy=legacy), rng)
    column.rewrite(rows[~person[rows]], noise.noise_credit_codes_arrow, rng)


def _noise_names(column: Strings, rows: np.ndarray, person: np.ndarray, rng) -> None:
    column.rewrite(rows[person[rows]], noise.noise_person_names_arrow, rng)
    column.rewrite(rows[~person[rows]], noise.noise_company_names_arrow, rng)


def _noise_subjects(code: str, name: str, date: str):
    def apply(columns: dict, entity: np.ndarray, facts: Facts, rng,
              prof: DifficultyProfile) -> None:
        n, rate = len(entity), prof.noise_rate
        person = facts.entities.kind[entity] == S.INDIVIDUAL
        _noise_codes(columns[code], _rows(rng, n, rate), person, rng, prof.legacy_ids)
        _noise_names(columns[name], _rows(rng, n, rate), person, rng)
        columns[date].rewrite(_rows(rng, n, rate), noise.noise_dates_arrow, rng)
    return apply


_noise_approvals = _noise_subjects("user_code", "user_name", "notice_date")
_noise_patches = _noise_subjects("occupier_code", "occupier_name", "determined_date")


def _noise_records(columns: dict, entity: np.ndarray, facts: Facts, rng,
                   prof: DifficultyProfile) -> None:
    rec = facts.records
    n, rate = len(entity), prof.noise_rate
    person = facts.entities.kind[entity] == S.INDIVIDUAL
    code, name = columns["taxpayer_code"], columns["taxpayer_name"]
    forced = facts.flags[HN_NOISY_CODE][rec.subject] if rate > 0 else np.zeros(n, dtype=bool)
    _noise_codes(code, _rows(rng, n, rate, forced), person, rng, prof.legacy_ids)
    _noise_names(name, _rows(rng, n, rate), person, rng)
    if prof.empty_codes:
        blank_ref = noise.empty_mask(rng, n, rate * EMPTY_SHARE)
        blank_ref = (blank_ref | facts.flags[HN_CODE_ONLY][rec.subject]) & rec.single
        columns["source_ref"].set(np.flatnonzero(blank_ref), pa.array([""]))
        blank_code = np.flatnonzero(noise.empty_mask(rng, n, rate * EMPTY_SHARE) & ~blank_ref
                                    & ~person)
        code.set(blank_code, pa.array([""]))
        name.index[blank_code] = entity[blank_code]   # beside it, the exact registered name
    columns["declared_date"].rewrite(_rows(rng, n, rate), noise.noise_dates_arrow, rng)


_BUILD = {"county_rates": _county_rates, "approvals": _approvals, "patches": _patches,
          "tax_records": _tax_records}
_NOISE = {"approvals": (_noise_approvals, "approval_entity"),
          "patches": (_noise_patches, "patch_entity"),
          "tax_records": (_noise_records, "record_entity")}


def _assemble(name: str, columns: dict, order: np.ndarray | None) -> pa.Table:
    schema = next(t for t in S.TABLES if t.name == name).arrow_schema()
    arrays = []
    for field in schema:
        column = columns.pop(field.name)     # free each column's parts once it is built
        if isinstance(column, Strings):
            arrays.append(column.column(order))
        elif isinstance(column, pa.Array):
            arrays.append(column if order is None else take(column, order))
        else:
            arrays.append(pa.array(column if order is None else column[order], field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def clean_table(facts: Facts, name: str) -> pa.Table:
    """One table exactly as the facts say: registered codes and names, ISO dates, no duplicates."""
    return _assemble(name, _BUILD[name](facts, np.arange(len(facts.entities))), None)


def render_table(facts: Facts, name: str, seed: int, difficulty: Difficulty | str,
                 shown: np.ndarray | None = None) -> pa.Table:
    """One table with the difficulty's presentation noise, from the table's own stream."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    if shown is None:
        shown = shown_names(facts, seed, difficulty)
    columns = _BUILD[name](facts, shown)
    rng = stream(seed, S.POINT, "noise", difficulty.value, name)
    if name in _NOISE:
        apply, entity = _NOISE[name]
        apply(columns, getattr(facts, entity), facts, rng, prof)
    order, n = None, len(facts.records.subject)
    if name in DUPLICATED_TABLES and prof.duplicate_rate > 0 and n:
        order = noise.duplicated_order(n, rng, prof.duplicate_rate)
    return _assemble(name, columns, order)


class RenderedTables(Mapping):
    """The four tables in the contract's order; each is rendered anew when asked for."""

    def __init__(self, facts: Facts, seed: int, difficulty: Difficulty | str) -> None:
        self._facts, self._seed, self._difficulty = facts, seed, Difficulty.parse(difficulty)
        self._shown: np.ndarray | None = None

    def __getitem__(self, name: str) -> pa.Table:
        if name not in _BUILD:
            raise KeyError(name)
        if self._shown is None:
            self._shown = shown_names(self._facts, self._seed, self._difficulty)
        return render_table(self._facts, name, self._seed, self._difficulty, self._shown)

    def __iter__(self) -> Iterator[str]:
        return iter(TABLE_NAMES)

    def __len__(self) -> int:
        return len(TABLE_NAMES)


def render(facts: Facts, seed: int, difficulty: Difficulty | str) -> RenderedTables:
    """The four tables, in the contract's order, with the difficulty's presentation noise."""
    return RenderedTables(facts, seed, difficulty)
