"""The clean facts of a ``legal_aid`` scenario and the per-defendant fact flags.

Three layers, each from its own named random stream:

* the *base* layer (people, cases and their acceptance dates, offices, defendant ids) depends only
  on the seed, the size and ``as_of`` — never on the difficulty;
* the *role* layer decides from the difficulty profile which defendants are clues (and for which
  reasons), which are hard negatives (of which family :mod:`flags` names) and which are plain;
  :mod:`plan` turns that into grounds and defence per defendant, and defendants whose age decides
  a rule get a birth date (and ID) counted back from their case's acceptance;
* :mod:`tables` writes the plan as the contract's six tables.

The labels are *not* taken from the roles: ``rules.reasons`` applies the rules to the evidence
of the rows the tables hold (and ``rules.compute_labels`` to the tables themselves).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from synthetic.difficulty import Difficulty, profile, role_counts  # noqa: F401  (role_counts is re-exported)
from synthetic.points.legal_aid import identity, plan as P, tables as T, text
from synthetic.points.legal_aid.flags import (
    ADDITIVE_FAMILIES, CLUE, CORE_FAMILIES, FLAGS, HARD_NEGATIVE, HN_FLAGS, HN_NAMESAKE_CARD,
    HN_NOT_YET_DUE, PLAIN, REASON_FLAGS)
from synthetic.points.legal_aid.rules import Evidence
from synthetic.points.legal_aid.schema import NOTICE_DAYS, POINT, TABLES
from synthetic.rng import stream

# Reason combinations of a clue: (missing, late, unqualified), weight. A missing defender rules
# out the other two (they need a notice or a legal-aid lawyer).
_COMBOS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 1]], bool)
_COMBO_P = np.array([0.45, 0.30, 0.13, 0.12])
CASE_SIZE_P = (0.75, 0.18, 0.07)   # cases with one, two or three defendants
OTHERS_SHARE = 0.3         # other card holders in the federation extract, per defendant
DEFENDANTS_PER_LAWYER = 25
MIN_LAWYERS = 40
WINDOW_DAYS = 1095         # cases accepted in the last three years
TRIAL_SHARE = 0.4          # cases already at the court (审判) rather than the procuratorate
SIDE_SHARE = 0.3           # clues and hard negatives that carry the additive family
TABLE_NAMES = tuple(t.name for t in TABLES)


@dataclass(frozen=True)
class Facts:
    """The clean tables (as columns, in presentation order), the evidence the rules read and the
    fact flags; per-defendant arrays are in key order (the order defendant ids were drawn in)."""

    as_of: datetime.date
    columns: dict[str, T.Columns]
    evidence: Evidence
    keys: np.ndarray             # S15 defendant ids
    key_sort: np.ndarray         # int64 per defendant, sorting as the ids do
    role: np.ndarray
    fact_flags: dict[str, np.ndarray]
    defendant_order: np.ndarray  # the defendant of each defendants row

    @cached_property
    def tables(self) -> dict[str, pa.Table]:
        """The clean tables (for tests and readers; generation renders from the columns)."""
        return {t.name: T.table(t, self.columns[t.name]) for t in TABLES}

    def __getattr__(self, name: str) -> pd.DataFrame:
        """A clean table as a pandas frame: ``facts.cases``, ``facts.defendants``, ..."""
        if name not in TABLE_NAMES:
            raise AttributeError(name)
        return self.tables[name].to_pandas()

    @property
    def flags(self) -> pd.DataFrame:
        """``defendant_id``, ``role`` and one bool column per FLAGS, in the defendants' order."""
        at = self.defendant_order
        return pd.DataFrame({"defendant_id": text.fixed(self.keys, at).to_pandas(),
                             "role": self.role[at],
                             **{name: flag[at] for name, flag in self.fact_flags.items()}})


def families(difficulty: Difficulty | str) -> tuple[str, ...]:
    """Hard-negative families a difficulty builds (namesakes need the hard level)."""
    return tuple(f for f in HN_FLAGS if f != HN_NAMESAKE_CARD or profile(difficulty).namesakes)


def _base(seed: int, size: int, as_of: datetime.date) -> dict:
    """People, cases, acceptance dates and ids: the same at every difficulty."""
    rng = stream(seed, POINT, "base")
    n_others = int(size * OTHERS_SHARE)
    n_lawyers = max(MIN_LAWYERS, size // DEFENDANTS_PER_LAWYER)
    people = identity.draw_population(stream(seed, POINT, "people"),
                                      size + n_others + n_lawyers, as_of)
    today = np.datetime64(as_of, "D").astype(np.int64)
    case_of = np.repeat(np.arange(size), 1 + P.choose(rng, CASE_SIZE_P, size))[:size]
    n_cases = int(case_of[-1]) + 1 if size else 0
    county = identity.divisions()[rng.integers(0, len(identity.divisions()), n_cases)]
    keys, key_sort = identity.defendant_ids(rng, county[case_of])
    return {"people": people, "today": today, "case_of": case_of, "county": county,
            "accepted": today - rng.integers(NOTICE_DAYS + 1, WINDOW_DAYS + 1, n_cases),
            "trial": rng.random(n_cases) < TRIAL_SHARE,
            "solo": np.bincount(case_of, minlength=n_cases)[case_of] == 1,
            "keys": keys, "key_sort": key_sort,
            "others": np.arange(size, size + n_others),
            "lawyers": np.arange(size + n_others, size + n_others + n_lawyers)}


def _pick(rng: np.random.Generator, ok: np.ndarray) -> np.ndarray:
    """One column per row, uniform among the row's True columns (-1 where none is)."""
    count = ok.sum(axis=1)
    rank = (rng.random(len(ok)) * count).astype(np.int64)
    return np.where(count > 0, np.argmax(np.cumsum(ok, axis=1) > rank[:, None], axis=1), -1)


def _roles(seed: int, size: int, difficulty: Difficulty, base: dict):
    rng = stream(seed, POINT, "roles", difficulty.value)
    n_clue, n_hn = role_counts(size, difficulty)
    order = rng.permutation(size)
    role = np.full(size, PLAIN, dtype=np.int8)
    role[order[:n_clue]] = CLUE
    role[order[n_clue:n_clue + n_hn]] = HARD_NEGATIVE
    flags = {name: np.zeros(size, dtype=bool) for name in FLAGS}
    clues = order[:n_clue]
    combo = _COMBOS[P.choose(rng, _COMBO_P, n_clue)]
    for j, name in enumerate(REASON_FLAGS):
        flags[name][clues] = combo[:, j]
    fams = families(difficulty)
    core = [f for f in fams if f in CORE_FAMILIES]
    # not-yet-due cases get a recent acceptance date, which only a lone defendant's case can take
    hn = order[n_clue:n_clue + n_hn]
    ok = np.column_stack([base["solo"][hn] if f == HN_NOT_YET_DUE else np.ones(n_hn, dtype=bool)
                          for f in core])
    primary = _pick(rng, ok)
    for j, name in enumerate(core):
        flags[name][hn] = primary == j
    special = order[:n_clue + n_hn]
    extra = np.zeros(size, dtype=bool)
    extra[special] = rng.random(len(special)) < SIDE_SHARE
    for name in fams:
        if name in ADDITIVE_FAMILIES:
            flags[name] = extra
    return role, flags


def draw_facts(seed: int, size: int, difficulty: Difficulty | str,
               as_of: datetime.date) -> Facts:
    """Every clean fact of one scenario, with its fact flags."""
    difficulty = Difficulty.parse(difficulty)
    hard = profile(difficulty).boundary_dates
    base = _base(seed, size, as_of)
    role, flags = _roles(seed, size, difficulty, base)
    rng = stream(seed, POINT, "plan", difficulty.value)
    today, case_of = base["today"], base["case_of"]
    accepted = base["accepted"].copy()
    nyd = np.flatnonzero(flags[HN_NOT_YET_DUE])
    recent = today - rng.integers(0, NOTICE_DAYS + 1, len(nyd))
    recent = np.where(rng.random(len(nyd)) < (P.BOUNDARY_SHARE if hard else 0.0),
                      today - NOTICE_DAYS, recent)
    accepted[case_of[nyd]] = recent
    acc = accepted[case_of]
    plan = P.build_plan(rng, role, flags, today - acc, hard=hard)
    people = base["people"]
    youth = np.flatnonzero(plan.youth != P.YOUTH_NONE)
    target = (acc + plan.birthday)[youth].astype("datetime64[D]")
    identity.reissue(rng, people, youth, identity.births_for(rng, target,
                                                             plan.birthday[youth] >= 0))
    built = T.build_tables(stream(seed, POINT, "tables", difficulty.value), plan, flags, base,
                           people, accepted, as_of)
    return Facts(as_of=as_of, columns=built.columns, evidence=built.evidence,
                 keys=base["keys"], key_sort=base["key_sort"], role=role,
                 fact_flags=flags, defendant_order=built.defendant_order)


__all__ = ["CLUE", "FLAGS", "Facts", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN", "REASON_FLAGS",
           "draw_facts", "families", "role_counts"]
