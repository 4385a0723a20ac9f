"""The clean facts of a ``correction_detention`` scenario and the per-subject fact flags.

Three layers, each from its own named random stream:

* the *base* layer (people, correction types, intake dates, terms, offices, correction numbers)
  depends only on the seed, the size and ``as_of`` — never on the difficulty;
* the *role* layer decides from the difficulty profile which subjects are clues (and for which
  reasons), which are hard negatives (and of which families :mod:`flags` names) and which are
  plain; :mod:`plan` turns that into one case per subject;
* :mod:`events` writes the cases and every subject's routine records as table rows.

The facts stay numbers (day numbers, small codes, rows of people) with Arrow vocabularies for the
strings; :mod:`render` builds the tables from them, one at a time. The labels are *not* taken from
the roles: ``rules.fact_labels`` computes them from the facts (``rules.compute_labels`` states the
same rules on clean tables).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from synthetic.difficulty import Difficulty, profile, role_counts  # noqa: F401  (role_counts is re-exported)
from synthetic.points.correction_detention import events as E, identity, plan as P
from synthetic.points.correction_detention.flags import (
    ADDITIVE_FAMILIES, CLUE, FLAGS, HARD_NEGATIVE, HN_AFTER_END, HN_FLAGS,
    HN_GUANZHI_TWO_WARNED, HN_HUANXING_ONE_WARNED, HN_NAMESAKE, HN_NOT_YET_DUE, PLAIN,
    REASON_FLAGS)
from synthetic.points.correction_detention.schema import (
    CORRECTION_TYPES, GUANZHI, HUANXING, POINT, SANCTION_DAYS, TERM_DAYS, TYPE_WEIGHTS)
from synthetic.rng import choice, stream

# Reason combinations of a clue: (no sanction, should propose, check-in), weight.
_COMBOS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1],
                    [1, 1, 1]], bool)
_COMBO_P = np.array([0.30, 0.22, 0.18, 0.12, 0.08, 0.06, 0.04])
SIDE_SHARE = 0.3           # clues and hard negatives that carry an extra additive family
OTHERS_SHARE = 0.25        # people in the police extract who are not subjects, per subject
PLANNING_MARGIN = 120      # every intake is at least this many days before as_of
INTAKE_YEARS = 5           # intakes of the last five years
_GUANZHI, _HUANXING = CORRECTION_TYPES.index(GUANZHI), CORRECTION_TYPES.index(HUANXING)


@dataclass(frozen=True)
class Facts:
    """Every clean fact as numbers and Arrow vocabularies, the roles and the fact flags.

    Subjects are people ``0 .. size - 1``; the event tables are kept in presentation order as
    integer columns (:class:`events.Tables`). The pandas views (``subjects``, ``punishments``,
    ``sanctions``, ``checkins``, ``flags``, ``people``) are the clean tables, built on demand for
    tests and docs; the generator never builds them.
    """

    as_of: datetime.date
    today: int
    persons: identity.People       # subjects first, then the other people, then namesakes
    correction_no: pa.Array        # per subject, in subject order
    types: np.ndarray              # index into CORRECTION_TYPES
    start: np.ndarray              # day numbers
    end: np.ndarray
    offices: pa.Array              # vocabulary of the office column
    office: np.ndarray             # index into ``offices`` per subject
    role: np.ndarray
    flag_arrays: dict
    events: E.Tables
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # render's calendar

    @property
    def size(self) -> int:
        return len(self.start)

    @property
    def subject_order(self) -> np.ndarray:
        return self.events.subject_order

    @property
    def punishment_person(self) -> np.ndarray:
        """Row of ``people`` behind each punishment row."""
        return self.events.pun["person"]

    def _clean(self, name: str) -> pd.DataFrame:
        from synthetic.points.correction_detention.render import clean_table

        return clean_table(self, name).to_pandas()

    @cached_property
    def subjects(self) -> pd.DataFrame:
        return self._clean("subjects")

    @cached_property
    def punishments(self) -> pd.DataFrame:
        return self._clean("punishments")

    @cached_property
    def sanctions(self) -> pd.DataFrame:
        return self._clean("sanctions")

    @cached_property
    def checkins(self) -> pd.DataFrame:
        return self._clean("checkins")

    @cached_property
    def flags(self) -> pd.DataFrame:
        """``correction_no``, ``role`` and one bool column per FLAGS, in the subjects' order."""
        order = self.subject_order
        return pd.DataFrame({"correction_no": self.correction_no.take(pa.array(order))
                             .to_pandas(), "role": self.role[order],
                             **{name: self.flag_arrays[name][order] for name in FLAGS}})

    @cached_property
    def people(self) -> pd.DataFrame:
        """``id_number, name, sex, birth_date, county_code`` of everyone (``persons``)."""
        return self.persons.frame()


def families(difficulty: Difficulty | str) -> tuple[str, ...]:
    """Hard-negative families a difficulty builds (namesakes need the hard level)."""
    return tuple(f for f in HN_FLAGS if f != HN_NAMESAKE or profile(difficulty).namesakes)




def end_days(types: np.ndarray, start: np.ndarray, term_u: np.ndarray) -> np.ndarray:
    """The last day of each term: the type's range scaled by ``term_u`` in [0, 1)."""
    first = np.array([TERM_DAYS[t][0] for t in CORRECTION_TYPES])[types]
    last = np.array([TERM_DAYS[t][1] for t in CORRECTION_TYPES])[types]
    return start + first + (term_u * (last - first + 1)).astype(np.int64) - 1


def _base(seed: int, size: int, as_of: datetime.date) -> dict:
    """People, types, intake dates and terms: the same at every difficulty."""
    rng = stream(seed, POINT, "base")
    n_others = int(size * OTHERS_SHARE)
    people = identity.draw_population(stream(seed, POINT, "people"), size + n_others, as_of)
    today = np.datetime64(as_of, "D").astype(np.int64)
    earliest = today - 365 * INTAKE_YEARS - 1
    start = earliest + rng.integers(0, today - PLANNING_MARGIN - earliest + 1, size)
    types = choice(rng, len(CORRECTION_TYPES), size, TYPE_WEIGHTS)
    term_u = rng.random(size)
    county = people.county[:size]
    return {"people": people, "today": today, "start": start, "types": types,
            "term_u": term_u, "office": identity.offices(rng, county),
            "correction_no": identity.correction_numbers(rng, county, start)}


def _pick(rng: np.random.Generator, ok: list[np.ndarray]) -> np.ndarray:
    """One of the columns ``ok`` per row, uniform among the row's True ones (-1 where none is).

    The ``rank``-th True column is the one after the columns where fewer than ``rank + 1`` are
    True so far; counting those a column at a time keeps to a few small vector operations."""
    count = np.zeros(len(ok[0]), dtype=np.int16)
    for column in ok:
        count += column
    rank = (rng.random(len(count)) * count).astype(np.int16)
    running, before = np.zeros_like(count), np.zeros_like(count)
    for column in ok:
        running += column
        before += running <= rank
    return np.where(count > 0, before, -1)


def _eligible(fams, types, base) -> list[np.ndarray]:
    """Which family each subject can carry (a column per family): some need the term to end
    early or late enough."""
    end, today = end_days(types, base["start"], base["term_u"]), base["today"]
    need = {HN_NOT_YET_DUE: end >= today - SANCTION_DAYS, HN_AFTER_END: end < today}
    return [need.get(f, np.ones(len(end), dtype=bool)) for f in fams]


def _roles(seed: int, size: int, difficulty: Difficulty, base: dict):
    """Role per subject, its type (two families fix it) and the flags."""
    rng = stream(seed, POINT, "roles", difficulty.value)
    n_clue, n_hn = role_counts(size, difficulty)
    order = rng.permutation(size)
    role = np.full(size, PLAIN, dtype=np.int8)
    role[order[:n_clue]] = CLUE
    role[order[n_clue:n_clue + n_hn]] = HARD_NEGATIVE
    types = base["types"].copy()
    combo = _COMBOS[choice(rng, len(_COMBO_P), size, _COMBO_P)]
    guanzhi = types == _GUANZHI
    combo[guanzhi, 1] = False                        # 管制 can never need a proposal
    combo[guanzhi & ~combo.any(axis=1), 0] = True
    flags = {name: np.zeros(size, dtype=bool) for name in FLAGS}
    for j, name in enumerate(REASON_FLAGS):
        flags[name] = combo[:, j] & (role == CLUE)

    fams = families(difficulty)
    primary = _pick(rng, _eligible(fams, types, base))
    for j, name in enumerate(fams):
        flags[name] |= (role == HARD_NEGATIVE) & (primary == j)
    types[flags[HN_GUANZHI_TWO_WARNED]] = _GUANZHI
    types[flags[HN_HUANXING_ONE_WARNED]] = _HUANXING
    side = [f for f in fams if f in ADDITIVE_FAMILIES]
    second = _pick(rng, _eligible(side, types, base))
    extra = (rng.random(size) < SIDE_SHARE) & (role != PLAIN)
    for j, name in enumerate(side):
        flags[name] |= extra & (second == j)
    return role, types, flags


def draw_facts(seed: int, size: int, difficulty: Difficulty | str,
               as_of: datetime.date) -> Facts:
    """Every clean fact of one scenario, with its fact flags."""
    difficulty = Difficulty.parse(difficulty)
    base = _base(seed, size, as_of)
    role, types, flags = _roles(seed, size, difficulty, base)
    today, start = base["today"], base["start"]
    end = end_days(types, start, base["term_u"])
    hard = profile(difficulty).boundary_dates
    case = P.build_plan(stream(seed, POINT, "plan", difficulty.value), role == CLUE, flags,
                        types, start, end, today, hard=hard)
    rows = E.build_events(stream(seed, POINT, "events", difficulty.value), case, flags, types,
                          base["people"], start, end, as_of, hard=hard)
    tables = E.frames(stream(seed, POINT, "order", difficulty.value), rows, size)
    offices, office = base["office"]
    return Facts(as_of=as_of, today=int(today), persons=rows.people,
                 correction_no=base["correction_no"], types=types, start=start, end=end,
                 offices=offices, office=office, role=role, flag_arrays=flags, events=tables)


__all__ = ["CLUE", "FLAGS", "Facts", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN", "REASON_FLAGS",
           "draw_facts", "end_days", "families", "role_counts"]
