"""Facts to tables: the presentation-noise pass of ``correction_detention``.

Each table has its own noise stream and is rendered only when asked for (:class:`RenderedTables`),
so writing a million-subject scenario holds one table at a time. A string column is kept as its
distinct values plus a row index until the last step (:class:`Strings`); noise appends the
variants of the chosen cells and points those rows at them, and exact duplicate rows are a second
index, so each column is materialised once, by one Arrow ``take``.

The pass never changes a fact; every variant it writes is one the contract lists (CONTRACT 1) and
``docs/points/correction_detention.md`` repeats:

* ``id_number`` in ``subjects`` and ``punishments``: lower-case ``x``, surrounding or inner spaces,
  full-width digits; in ``punishments`` (hard) also the 15-digit legacy form for people born
  1900-1999;
* ``name`` in ``subjects`` and ``punishments``: surrounding spaces;
* ``punishments.decision_date`` and ``sanctions.action_date`` (messy): ``YYYY/M/D``,
  ``YYYYMMDD``, ``YYYY年M月D日``;
* about 1% exact duplicate rows in ``punishments``, ``sanctions`` and ``checkins`` (standard, hard).

``correction_no`` (the key), ``start_date``, ``end_date`` and ``checkin_date`` are never noised.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from synthetic import noise
from synthetic.difficulty import Difficulty, DifficultyProfile, profile
from synthetic.points.correction_detention.facts import Facts
from synthetic.points.correction_detention.identity import DecisionNumbers
from synthetic.points.correction_detention.schema import (
    ACTIONS, CORRECTION_TYPES, METHODS, POINT, PUNISHMENT_TYPES, STATUS_ACTIVE, STATUS_ENDED,
    TABLES)
from synthetic.rng import stream
from synthetic.take import take

DUPLICATED_TABLES = ("punishments", "sanctions", "checkins")
TABLE_NAMES = tuple(t.name for t in TABLES)
_SCHEMAS = {t.name: t.arrow_schema() for t in TABLES}


@dataclass
class Strings:
    """A string column as distinct ``values`` and one ``index`` entry per row."""

    values: pa.Array
    index: np.ndarray

    def __len__(self) -> int:
        return len(self.index)

    @classmethod
    def of(cls, vocabulary, index) -> "Strings":
        return cls(pa.array(list(vocabulary), pa.string()), np.asarray(index, dtype=np.int64))

    @classmethod
    def grouped(cls, values: pa.Array, owner: np.ndarray) -> "Strings":
        """``values[owner]`` for rows grouped by owner (each owner's rows together): the values
        are taken once per group, so the rows read them in order (one random read per group
        rather than per row)."""
        new = np.ones(len(owner), dtype=bool)
        new[1:] = owner[1:] != owner[:-1]
        return cls(take(values, owner[new]), np.cumsum(new) - 1)

    @classmethod
    def dates(cls, facts: Facts, days: np.ndarray) -> "Strings":
        """``YYYY-MM-DD`` of day numbers, pointing into the scenario's calendar."""
        first, calendar = _calendar(facts)
        return cls(calendar, np.asarray(days, dtype=np.int64) - first)

    def rewrite(self, rows: np.ndarray, variant, rng: np.random.Generator, **options) -> None:
        """Replace the cells of ``rows`` by ``variant(cells, rng, 1.0)`` (a ``noise`` function
        on Arrow arrays)."""
        if len(rows):
            cells = self.values.take(pa.array(self.index[rows]))
            first = len(self.values)
            self.values = pa.concat_arrays([self.values, variant(cells, rng, 1.0, **options)])
            self.index[rows] = first + np.arange(len(rows))

    def column(self, order: np.ndarray | None) -> pa.Array:
        return take(self.values, self.index if order is None else self.index[order])


def _calendar(facts: Facts) -> tuple[int, pa.Array]:
    """(first day, ``YYYY-MM-DD`` of every day from it to the last day of any table), built
    once per scenario."""
    cached = facts.cache.get("calendar")
    if cached is None:
        ev = facts.events
        days = [facts.start, facts.end, ev.pun["day"], ev.san["day"], ev.chk["day"]]
        first = min(int(d.min()) for d in days if len(d))
        last = max(int(d.max()) for d in days if len(d))
        span = np.arange(first, last + 1).astype("datetime64[D]")
        cached = facts.cache["calendar"] = (first, pa.array(np.datetime_as_string(span, unit="D"),
                                                           pa.string()))
    return cached


def _rows(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return np.flatnonzero(rng.random(n) < rate) if rate > 0 else np.empty(0, dtype=np.int64)


def _subjects(facts: Facts) -> dict:
    order = facts.subject_order
    people = facts.persons
    return {"correction_no": Strings(facts.correction_no, order.copy()),
            "name": Strings(people.name, order.copy()),
            "id_number": Strings(people.id_number, order.copy()),
            "correction_type": Strings.of(CORRECTION_TYPES, facts.types[order]),
            "start_date": Strings.dates(facts, facts.start[order]),
            "end_date": Strings.dates(facts, facts.end[order]),
            "office": Strings(facts.offices, facts.office[order]),
            "status": Strings.of((STATUS_ENDED, STATUS_ACTIVE), facts.end[order] >= facts.today)}


def _punishments(facts: Facts) -> dict:
    ev, people = facts.events, facts.persons
    pun = ev.pun
    person = pun["person"]
    return {"punishment_no": ev.punishment_no,
            "name": Strings.grouped(people.name, person),
            "id_number": Strings.grouped(people.id_number, person),
            "punishment_type": Strings.of(PUNISHMENT_TYPES, pun["ptype"]),
            "decision_date": Strings.dates(facts, pun["day"]),
            "detention_days": pun["length"],
            "executed": pun["executed"],
            "revoked": pun["revoked"],
            "violation": Strings(ev.violations, pun["violation"])}


def _sanctions(facts: Facts) -> dict:
    san = facts.events.san
    return {"correction_no": Strings.grouped(facts.correction_no, san["subj"]),
            "action": Strings.of(ACTIONS, san["action"]),
            "action_date": Strings.dates(facts, san["day"])}


def _checkins(facts: Facts) -> dict:
    chk = facts.events.chk
    return {"correction_no": Strings.grouped(facts.correction_no, chk["subj"]),
            "checkin_date": Strings.dates(facts, chk["day"]),
            "method": Strings.of(METHODS, chk["method"])}


def _noise(columns: dict, rng, prof: DifficultyProfile, *steps) -> None:
    """Each ``(column, variant, options)`` of ``steps`` in turn: rows at the noise rate, then
    their variants."""
    n = len(next(iter(columns.values())))
    for name, variant, options in steps:
        columns[name].rewrite(_rows(rng, n, prof.noise_rate), variant, rng, **options)


def _noise_subjects(columns: dict, rng, prof: DifficultyProfile) -> None:
    _noise(columns, rng, prof, ("id_number", noise.noise_ids_arrow, {"legacy": False}),
           ("name", noise.noise_person_names_arrow, {}))


def _noise_punishments(columns: dict, rng, prof: DifficultyProfile) -> None:
    _noise(columns, rng, prof, ("id_number", noise.noise_ids_arrow, {"legacy": prof.legacy_ids}),
           ("name", noise.noise_person_names_arrow, {}),
           ("decision_date", noise.noise_dates_arrow, {}))


def _noise_sanctions(columns: dict, rng, prof: DifficultyProfile) -> None:
    _noise(columns, rng, prof, ("action_date", noise.noise_dates_arrow, {}))


_BUILD = {"subjects": _subjects, "punishments": _punishments, "sanctions": _sanctions,
          "checkins": _checkins}
_NOISE = {"subjects": _noise_subjects, "punishments": _noise_punishments,
          "sanctions": _noise_sanctions}


def _assemble(name: str, columns: dict, order: np.ndarray | None) -> pa.Table:
    schema = _SCHEMAS[name]
    arrays = []
    for field in schema:
        column = columns.pop(field.name)     # free each column's parts once it is built
        if isinstance(column, (Strings, DecisionNumbers)):
            arrays.append(column.column(order))
        else:
            arrays.append(pa.array(column if order is None else column[order], field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def clean_table(facts: Facts, name: str) -> pa.Table:
    """One table exactly as the facts say: canonical IDs and names, ISO dates, no duplicates."""
    return _assemble(name, _BUILD[name](facts), None)


def render_table(facts: Facts, name: str, seed: int, difficulty: Difficulty | str) -> pa.Table:
    """One table with the difficulty's presentation noise, from the table's own stream."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    rng = stream(seed, POINT, "noise", difficulty.value, name)
    columns = _BUILD[name](facts)
    if name in _NOISE:
        _NOISE[name](columns, rng, prof)
    order = None
    n = len(next(iter(columns.values())))
    if name in DUPLICATED_TABLES and prof.duplicate_rate > 0 and n:
        order = noise.duplicated_order(n, rng, prof.duplicate_rate)
    return _assemble(name, columns, order)


class RenderedTables(Mapping):
    """The four tables in the contract's order; each is rendered anew when asked for."""

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


def render(facts: Facts, seed: int, difficulty: Difficulty | str) -> RenderedTables:
    """The four tables, in the contract's order, with the difficulty's presentation noise
    (rendered lazily, one table at a time)."""
    return RenderedTables(facts, seed, difficulty)
