"""The clean facts of a ``shell_company`` scenario and the per-company fact flags.

Three layers, each from its own named random stream:

* the *base* layer (credit codes, names, counties, capital, phones, street addresses, the pool
  of people) depends only on the seed, the size and ``as_of`` — never on the difficulty;
* the *role* layer decides from the difficulty profile which companies are clues (and for which
  reasons), which are hard negatives (and of which family :mod:`flags` names) and which are
  plain; :mod:`plan` turns that into each company's representative, dates, status, staff and
  invoicing totals;
* :mod:`ledger` writes the monthly tax and social-insurance rows and the fraud list.

The labels are *not* taken from the roles: ``rules.compute_labels`` computes them from the facts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from synthetic.difficulty import Difficulty, profile, role_counts  # noqa: F401  (role_counts is re-exported)
from synthetic.points.shell_company import identity, ledger as L, plan as P
from synthetic.points.shell_company.flags import (
    CLUE, FLAGS, HARD_NEGATIVE, HN_FLAGS, HN_NAMESAKE, HN_RING_STAFF, HN_ELDERLY_FAMILY,
    HN_STRAW_PAIR, PLAIN, R_FAKE, REASON_FLAGS)
from synthetic.points.shell_company.schema import POINT, STATUSES
from synthetic.rng import stream

# Reason combinations of a clue: (mill, fraud, fake registration, zombie), weight.
_COMBOS = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 1],
                    [1, 0, 1, 0], [0, 1, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]], bool)
_COMBO_P = np.array([0.22, 0.18, 0.18, 0.18, 0.06, 0.06, 0.05, 0.04, 0.03])
OTHER_OWNERS = 0.05        # credit codes of non-subject companies on the fraud list, per company
POOL_FACTOR = 1.4          # people drawn per company (the plan picks representatives by age)


@dataclass(frozen=True)
class Facts:
    """Clean Arrow tables in the contract's columns, the ledger rows, and the fact flags."""

    as_of: datetime.date
    companies: pa.Table            # presentation order
    persons: pa.Table              # presentation order
    fraud_accounts: pa.Table       # presentation order
    ledger: L.Ledger               # monthly rows by company index (row order of ``plan``)
    plan: P.Plan
    uscc: pa.Array                 # by company index
    company_order: np.ndarray      # company index of each companies row
    flags: pd.DataFrame            # uscc, role and one bool column per FLAGS (presentation order)


def families(difficulty: Difficulty | str) -> tuple[str, ...]:
    """Hard-negative families a difficulty builds (namesakes need the hard level)."""
    return tuple(f for f in HN_FLAGS if f != HN_NAMESAKE or profile(difficulty).namesakes)




def _roles(seed: int, size: int, difficulty: Difficulty) -> tuple[np.ndarray, dict]:
    """Role per company and the flags: reasons of clues, one family per hard negative."""
    rng = stream(seed, POINT, "roles", difficulty.value)
    n_clue, n_hn = role_counts(size, difficulty)
    order = rng.permutation(size)
    role = np.full(size, PLAIN, dtype=np.int8)
    role[order[:n_clue]] = CLUE
    role[order[n_clue:n_clue + n_hn]] = HARD_NEGATIVE
    clue = role == CLUE
    combo = _COMBOS[rng.choice(len(_COMBO_P), size=size, p=_COMBO_P)] & clue[:, None]
    if combo[:, 2].sum() < P.RING_SIZES[0]:          # too few for one ring: mills instead
        combo[:, 0] |= combo[:, 2]
        combo[:, 2] = False
    flags = {name: np.zeros(size, dtype=bool) for name in FLAGS}
    for j, name in enumerate(REASON_FLAGS):
        flags[name] = combo[:, j]
    fams = families(difficulty)
    family = rng.integers(0, len(fams), size)
    for j, name in enumerate(fams):
        flags[name] = (role == HARD_NEGATIVE) & (family == j)
    if not flags[R_FAKE].any():                       # these two need a ring to join or mimic
        flags[HN_ELDERLY_FAMILY] |= flags[HN_RING_STAFF]
        flags[HN_STRAW_PAIR] |= flags[HN_NAMESAKE]
        flags[HN_RING_STAFF] = np.zeros(size, dtype=bool)
        flags[HN_NAMESAKE] = np.zeros(size, dtype=bool)
    return role, flags


def draw_facts(seed: int, size: int, difficulty: Difficulty | str,
               as_of: datetime.date) -> Facts:
    """Every clean fact of one scenario, with its fact flags."""
    difficulty = Difficulty.parse(difficulty)
    hard = profile(difficulty).boundary_dates
    base_rng = stream(seed, POINT, "base")
    n_other = int(size * OTHER_OWNERS) + 3
    base = identity.companies(base_rng, size + n_other)
    pool = identity.people(stream(seed, POINT, "people"), int(POOL_FACTOR * size) + 400, as_of)
    role, flags = _roles(seed, size, difficulty)
    plan = P.build_plan(stream(seed, POINT, "plan", difficulty.value), role, flags, pool,
                        base, as_of, hard=hard)
    del pool                                   # the persons table holds the representatives
    rows = L.build_ledger(stream(seed, POINT, "ledger", difficulty.value), plan)
    order_rng = stream(seed, POINT, "order", difficulty.value)
    uscc = base["uscc"]
    company_order = order_rng.permutation(size)
    companies = pa.table({
        "uscc": uscc.slice(0, size),
        "name": base["name"].slice(0, size),
        "company_type": base["type"].slice(0, size),
        "established_date": L.iso(plan.established),
        "registered_capital_wan": pa.array(base["capital"][:size], pa.float64()),
        "legal_rep_id": plan.persons["id_number"].take(pa.array(plan.rep)),
        "legal_rep_name": plan.persons["name"].take(pa.array(plan.rep)),
        "address": plan.address,
        "phone": base["phone"].slice(0, size),
        "status": pa.array(list(STATUSES)).take(pa.array(plan.status)),
    }).take(pa.array(company_order))
    persons = plan.persons.take(pa.array(order_rng.permutation(plan.persons.num_rows)))
    fraud = L.fraud_table(stream(seed, POINT, "fraud", difficulty.value), plan, uscc,
                          base["county"], as_of)
    flag_frame = pd.DataFrame({"uscc": uscc.slice(0, size).to_numpy(zero_copy_only=False),
                               "role": role,
                               **{name: flags[name] for name in FLAGS}})
    return Facts(as_of=as_of, companies=companies, persons=persons, fraud_accounts=fraud,
                 ledger=rows, plan=plan, uscc=uscc.slice(0, size), company_order=company_order,
                 flags=flag_frame.iloc[company_order].reset_index(drop=True))


__all__ = ["CLUE", "FLAGS", "Facts", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN", "REASON_FLAGS",
           "draw_facts", "families", "role_counts"]
