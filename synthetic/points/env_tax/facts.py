"""The clean facts of an ``env_tax`` scenario and the per-subject fact flags.

Drawing happens in two layers, each from its own named random stream:

* the *base* layer (enterprises, outlets, pollutants, emissions) depends only on the seed, the
  size and ``as_of`` — never on the difficulty;
* the *role* layer decides, from the difficulty profile, which permits are clues (and for which
  reasons), which are hard negatives (and of which families) and which are plain, and then edits
  the facts to match (drop a quarter's declarations, under-declare a line, claim a reduction the
  line does not qualify for, file under a former name, ...).

The labels are *not* taken from the roles: ``rules.compute_labels`` computes them from the facts.
The roles are kept as fact flags (:data:`FLAGS`) so tests can count each family.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.difficulty import Difficulty, profile, role_counts  # noqa: F401  (role_counts is re-exported)
from synthetic.points.env_tax import declarations as DE, identity, lines as L
from synthetic.points.env_tax.schema import (
    INDUSTRIES, POINT, monitoring_quarters, quarter_end, quarter_start)
from synthetic.rng import stream

# Hard-negative families (fact flags). A hard negative is a permit that is not a clue and has at
# least one of them; clues may carry them too.
HN_CENTRALIZED = "hn_centralized_plant"       # water outlet to a centralized plant, never declared
HN_NOT_YET_DUE = "hn_not_yet_due"             # permit issued in a quarter still inside its window
HN_ZERO_EMISSION = "hn_zero_emission"         # a due quarter shut down: all emissions 0, no filing
HN_FORMER_NAME = "hn_former_name"             # early quarters filed under the former name
HN_NOISY_CODE = "hn_noisy_code"               # every filing shows a noisy credit code
HN_NAME_ONLY = "hn_name_only"                 # filings under the current name show no code (hard)
HN_DECLARED_90_100 = "hn_declared_90_100"     # a line declared at 90% (exactly) to 92%
HN_QUALIFYING_REDUCTION = "hn_qualifying_reduction"  # ratio just below 0.70 / 0.50, no exceedance
HN_INSTALMENTS = "hn_instalments"             # a line declared in 2-3 rows that add up
HN_LATE_FILING = "hn_late_filing"             # a quarter filed after its deadline (feeds no rule)
HN_FLAGS = (HN_CENTRALIZED, HN_NOT_YET_DUE, HN_ZERO_EMISSION, HN_FORMER_NAME, HN_NOISY_CODE,
            HN_NAME_ONLY, HN_DECLARED_90_100, HN_QUALIFYING_REDUCTION, HN_INSTALMENTS,
            HN_LATE_FILING)
# Intended reasons (what the role layer built; the tests check rules() agrees).
R_UNDECLARED, R_UNDER, R_IMPROPER = "r_undeclared", "r_under_declared", "r_improper_reduction"
REASON_FLAGS = (R_UNDECLARED, R_UNDER, R_IMPROPER)
FLAGS = REASON_FLAGS + HN_FLAGS

PLAIN, CLUE, HARD_NEGATIVE = 0, 1, 2
# Reason combinations of a clue: (undeclared, under-declared, improper reduction), weight.
_COMBOS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 0]], bool)
_COMBO_P = np.array([0.28, 0.28, 0.16, 0.09, 0.11, 0.08])
# Families a clue may carry on the side, and the share of clues that carry one.
_CLUE_SIDE = (HN_CENTRALIZED, HN_FORMER_NAME, HN_NOISY_CODE, HN_NAME_ONLY, HN_DECLARED_90_100,
              HN_QUALIFYING_REDUCTION, HN_INSTALMENTS, HN_LATE_FILING)
_SIDE_SHARE = 0.3


@dataclass(frozen=True)
class Enterprises:
    """One row per permit holder; strings stay in Arrow, categories are small integer codes."""

    permit_no: pa.Array
    uscc: pa.Array
    name: pa.Array              # the registered name
    former_name: pa.Array
    industry: np.ndarray        # index into INDUSTRIES
    county: np.ndarray          # index into ``counties``
    counties: pa.Array
    mclass: np.ndarray          # index into MANAGEMENT_CLASSES
    valid_from: np.ndarray      # datetime64[D]
    valid_to: np.ndarray

    def __len__(self) -> int:
        return len(self.industry)


@dataclass(frozen=True)
class Facts:
    """Every clean fact of a scenario as index arrays, and the per-permit role and flags."""

    as_of: datetime.date
    cal: L.Calendar
    ent: Enterprises
    outlets: L.Outlets
    lines: L.Lines
    decl: DE.Decl
    role: np.ndarray
    flags: dict[str, np.ndarray]

    @property
    def decl_owner(self) -> np.ndarray:
        """Enterprise row of each declaration row."""
        return self.lines.ent[self.decl.line]

    def subjects(self) -> pd.DataFrame:
        """permit_no, role, former_name and one bool column per FLAGS (for tests and docs)."""
        return pd.DataFrame({"permit_no": self.ent.permit_no.to_pandas(), "role": self.role,
                             "former_name": self.ent.former_name.to_pandas(), **self.flags})


def families(difficulty: Difficulty) -> tuple[str, ...]:
    """Hard-negative families a difficulty may build (noise families need noise)."""
    prof = profile(difficulty)
    out = [HN_CENTRALIZED, HN_NOT_YET_DUE, HN_ZERO_EMISSION, HN_FORMER_NAME, HN_DECLARED_90_100,
           HN_QUALIFYING_REDUCTION, HN_INSTALMENTS, HN_LATE_FILING]
    if prof.noise_rate > 0:
        out.append(HN_NOISY_CODE)
    if prof.empty_codes:
        out.append(HN_NAME_ONLY)
    return tuple(out)




def _roles(seed: int, size: int, difficulty: Difficulty) -> tuple[np.ndarray, dict]:
    rng = stream(seed, POINT, "roles", difficulty.value)
    n_clue, n_hn = role_counts(size, difficulty)
    order = rng.permutation(size)
    role = np.full(size, PLAIN, dtype=np.int8)
    role[order[:n_clue]] = CLUE
    role[order[n_clue:n_clue + n_hn]] = HARD_NEGATIVE
    flags = {name: np.zeros(size, dtype=bool) for name in FLAGS}
    combo = _COMBOS[rng.choice(len(_COMBO_P), size=size, p=_COMBO_P)]
    for j, name in enumerate(REASON_FLAGS):
        flags[name] = combo[:, j] & (role == CLUE)
    fams = families(difficulty)
    primary = rng.integers(0, len(fams), size)
    side_ok = [f for f in fams if f in _CLUE_SIDE]
    second = rng.integers(0, len(side_ok), size)
    has_second = rng.random(size) < _SIDE_SHARE
    for j, name in enumerate(fams):
        flags[name] |= (role == HARD_NEGATIVE) & (primary == j)
    # a second family for hard negatives whose first family still files declarations, and a
    # side family for some clues
    files = ~(flags[HN_NOT_YET_DUE] | flags[HN_ZERO_EMISSION])
    for j, name in enumerate(side_ok):
        flags[name] |= has_second & (second == j) & (role != PLAIN) & files
    # filings under a former name are never blank, so the two families exclude each other
    flags[HN_NAME_ONLY] &= ~flags[HN_FORMER_NAME]
    return role, flags


def _enterprises(seed: int, size: int, as_of: datetime.date, start_q: np.ndarray,
                 quarters) -> Enterprises:
    rng = stream(seed, POINT, "enterprises")
    weights = np.array([i.weight for i in INDUSTRIES])
    industry = rng.choice(len(INDUSTRIES), size=size, p=weights / weights.sum())
    mclass = L.categorical(rng, np.array([i.classes for i in INDUSTRIES]), industry)
    county = identity.draw_counties(rng, size)
    uscc = identity.credit_codes(rng, county)
    names, former = identity.company_names(rng, county, industry)
    # permits run five years; a permit issued inside the monitoring period's not-yet-due quarters
    # belongs to an HN_NOT_YET_DUE enterprise and starts its monitoring there
    first = np.datetime64(quarter_start(*quarters[0]))
    as_of64 = np.datetime64(as_of)
    earliest = L.add_years(np.array([as_of64]), -5)[0] + np.timedelta64(1, "D")
    span = (first - earliest).astype(int)
    valid_from = earliest + rng.integers(0, span + 1, size).astype("timedelta64[D]")
    late_u = rng.random(size)          # drawn for every permit, so the stream does not shift
    seq = np.where(rng.random(size) < 0.85, "001", "002")
    late = start_q > 0
    if late.any():
        q_first = np.array([np.datetime64(quarter_start(*q)) for q in quarters])[start_q[late]]
        q_last = np.minimum(np.array([np.datetime64(quarter_end(*q)) for q in quarters])
                            [start_q[late]], as_of64)
        days = ((q_last - q_first).astype(int) * late_u[late]).astype(int)
        valid_from[late] = q_first + days.astype("timedelta64[D]")
    suffix = np.where(mclass == 2, "W", "P")   # 排污登记 numbers end in W, permits in P
    permit_no = pc.binary_join_element_wise(uscc, pa.array(seq), pa.array(suffix), "")
    return Enterprises(
        permit_no=permit_no, uscc=uscc, name=names, former_name=former,
        industry=industry.astype(np.int8), county=county.astype(np.int32),
        counties=pa.array(identity.COUNTY_CODES.tolist(), pa.string()),
        mclass=mclass.astype(np.int8), valid_from=valid_from,
        valid_to=L.add_years(valid_from, 5) - np.timedelta64(1, "D"))


def draw_facts(seed: int, size: int, difficulty: Difficulty | str,
               as_of: datetime.date) -> Facts:
    """Every clean fact of one scenario, with its fact flags."""
    difficulty = Difficulty.parse(difficulty)
    quarters = monitoring_quarters(as_of)
    cal = L.Calendar.build(quarters, as_of)
    role, flags = _roles(seed, size, difficulty)
    # an HN_NOT_YET_DUE permit starts in one of the quarters whose deadline is not before as_of
    rng = stream(seed, POINT, "start", difficulty.value)
    window = np.flatnonzero(~cal.due)
    start_q = np.where(flags[HN_NOT_YET_DUE], window[rng.integers(0, len(window), size)], 0)
    ent = _enterprises(seed, size, as_of, start_q, quarters)
    others = np.zeros(size, dtype=bool)
    for name in FLAGS:
        if name != HN_CENTRALIZED:
            others |= flags[name]
    outlets = L.draw_outlets(seed, ent.industry, flags[HN_CENTRALIZED], others)
    lines = L.draw_lines(seed, outlets, start_q, cal)
    decl = DE.build_declarations(seed, difficulty, lines, outlets, flags, cal)
    return Facts(as_of=as_of, cal=cal, ent=ent, outlets=outlets, lines=lines, decl=decl,
                 role=role, flags=flags)


__all__ = ["CLUE", "FLAGS", "Enterprises", "Facts", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN",
           "REASON_FLAGS", "draw_facts", "families", "role_counts"]
