"""The clean facts of a ``housing_clauses`` scenario: contracts, their rates and caps, and which
family each clause belongs to.

Two layers, each from its own named random stream:

* the *base* layer (developers, projects, buyers, dates, prices, the seller's rate, the number of
  clauses, the party names and price base a contract uses) depends only on the seed, the size and
  ``as_of`` — never on the difficulty;
* the *role* layer decides from the difficulty profile which contracts are clues (for which reasons,
  through which family), which are hard negatives (of which families) and which are plain, and
  sets the buyer's rate and the caps to match.

Every contract has the same number of clauses whatever its role (family clauses replace ordinary
ones) and its clauses are shuffled, so neither the count nor the position reveals a clue. The labels
are *not* taken from the roles: ``rules.compute_labels`` computes them from these facts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from synthetic.difficulty import Difficulty, profile, role_counts  # noqa: F401  (role_counts is re-exported)
from synthetic.points.housing_clauses import identity
from synthetic.points.housing_clauses.schema import (
    ASYMMETRIC_MULTIPLES, ASYMMETRY, BASES, BOTH_CAPS, HARD_NEGATIVE_FAMILIES, MAX_CLAUSES,
    MAX_RATE, MIN_CLAUSES, ORDINARY, PARTIES, POINT, RATE_ASYMMETRIC, RATE_BUYER, RATE_DOUBLE,
    RATE_SELLER, RATE_STEP, REASON_CODES, REASON_FAMILIES, SELLER_CAP, SELLER_RATES,
    TEXT_FAMILIES)
from synthetic.rng import stream

PLAIN, CLUE, HARD_NEGATIVE = 0, 1, 2
# Each reason code's families; CLAUSE_PENALTY_ASYMMETRY through the rates or a seller-only cap.
CODE_FAMILIES = {**REASON_FAMILIES, ASYMMETRY: (RATE_ASYMMETRIC, SELLER_CAP)}
REASON_FAMILY_NAMES = tuple(f for code in REASON_CODES for f in CODE_FAMILIES[code])
FLAGS = REASON_FAMILY_NAMES + HARD_NEGATIVE_FAMILIES
_REASON_COUNT_P = (0.70, 0.25, 0.05)   # clues with one, two or three reasons
HN_TWO_SHARE = 0.3                     # hard negatives with two families
SIDE_SHARE = 0.3                       # clues that also carry one hard-negative family
SAME_RATE_SHARE = 0.4                  # fair contracts whose buyer rate equals the seller's
BOUNDARY_SHARE = 0.5                   # (hard) asymmetric rates just one step above twice
SIGN_DAYS = 3 * 365                    # contracts signed within three years before as_of
DELIVERY_DAYS = (180, 900)             # delivery this long after signing (may be after as_of)
AREA_M2 = (60.0, 180.0)
UNIT_PRICE_YUAN = (5_000, 16_000)      # per m2
# Families that cannot share a contract: the buyer's rate and the caps are one fact each.
_EXCLUSIVE = {RATE_ASYMMETRIC: RATE_DOUBLE, SELLER_CAP: BOTH_CAPS}


@dataclass(frozen=True)
class Facts:
    """Clean contracts, the clause plan and the facts the rules read.

    Kept as Arrow and numpy arrays, the clause plan as one small integer per clause grouped by
    contract (a million contracts have ten million clauses); :attr:`contracts`, :attr:`clauses`
    and :attr:`flags` are the same facts as pandas tables, built when first read.
    """

    as_of: datetime.date
    contract_table: pa.Table       # the contract table's columns, clean
    clause_contract: np.ndarray    # row of contract_table
    clause_no: np.ndarray          # 1.. within the contract
    clause_family: np.ndarray      # index into schema.TEXT_FAMILIES
    buyer_rate: np.ndarray         # daily rates in units of 1/100,000
    seller_rate: np.ndarray
    buyer_cap: np.ndarray          # a cap on the buyer's penalty
    seller_cap: np.ndarray         # a cap on the seller's liability or late-delivery penalty
    party: np.ndarray              # index into schema.PARTIES
    base: np.ndarray               # index into schema.BASES
    role: np.ndarray               # PLAIN, CLUE or HARD_NEGATIVE
    family_flags: dict[str, np.ndarray]   # one bool array per FLAGS

    @cached_property
    def contracts(self) -> pd.DataFrame:
        """The contract table's columns, clean."""
        return self.contract_table.to_pandas()

    @cached_property
    def clauses(self) -> pd.DataFrame:
        """contract (row of contracts), contract_no, clause_no, family: one row per clause."""
        return pd.DataFrame({
            "contract": self.clause_contract.astype(np.int64),
            "contract_no": self.contract_table["contract_no"].to_numpy()[self.clause_contract],
            "clause_no": self.clause_no.astype(np.int64),
            "family": np.asarray(TEXT_FAMILIES, dtype=object)[self.clause_family]})

    @cached_property
    def flags(self) -> pd.DataFrame:
        """contract_no, role and one bool column per FLAGS."""
        return pd.DataFrame({"contract_no": self.contract_table["contract_no"].to_numpy(),
                             "role": self.role, **self.family_flags})


def _round_rate(units: np.ndarray) -> np.ndarray:
    return (np.round(units / RATE_STEP) * RATE_STEP).astype(np.int64)


def _taken(values: np.ndarray, at: np.ndarray) -> pa.Array:
    """``values[at]`` as Arrow strings, without a Python object per row."""
    return pa.array(values, pa.string()).take(at)


def _iso(days: np.ndarray) -> pa.Array:
    """``YYYY-MM-DD`` of ``datetime64[D]`` values."""
    return pa.array(days).cast(pa.string())


def _base(seed: int, size: int, as_of: datetime.date) -> dict:
    rng = stream(seed, POINT, "base")
    today = np.datetime64(as_of, "D")
    sign = today - rng.integers(0, SIGN_DAYS, size)
    delivery = sign + rng.integers(DELIVERY_DAYS[0], DELIVERY_DAYS[1] + 1, size)
    dev = identity.developers(stream(seed, POINT, "developers"),
                              max(1, -(-size // identity.CONTRACTS_PER_DEVELOPER)))
    years = np.unique(sign.astype("datetime64[Y]").astype(np.int64) + 1970)
    proj = identity.projects(rng, dev["county"], years)
    project = rng.integers(0, len(proj["name"]), size)
    developer = proj["developer"][project]
    area = np.round(rng.uniform(*AREA_M2, size), 2)
    price = np.round(area * rng.integers(*UNIT_PRICE_YUAN, size), 2)
    county = dev["county"].astype(np.int64)[developer]
    contracts = pa.table({
        "contract_no": identity.contract_numbers(rng, county, sign.astype(np.int64)),
        "project_name": _taken(proj["name"], project),
        "presale_permit_no": _taken(proj["permit"], project),
        "developer_uscc": _taken(dev["uscc"], developer),
        "developer_name": _taken(dev["name"], developer),
        "buyer_id_masked": identity.masked_buyer_ids(stream(seed, POINT, "buyers"), size, as_of),
        "sign_date": _iso(sign), "total_price_yuan": price, "area_m2": area,
        "delivery_date": _iso(delivery)})
    return {"contracts": contracts,
            "seller_rate": np.asarray(SELLER_RATES)[rng.integers(0, len(SELLER_RATES), size)],
            "clauses": rng.integers(MIN_CLAUSES, MAX_CLAUSES + 1, size),
            "party": rng.integers(0, len(PARTIES), size), "base": rng.integers(0, len(BASES), size),
            "fair_u": rng.random(size), "multiple_u": rng.random(size)}


def _pick(rng: np.random.Generator, ok: np.ndarray) -> np.ndarray:
    """One column per row, uniform among the row's True columns (-1 where none is). Column by
    column: numpy is slow along short rows."""
    count = np.zeros(len(ok), dtype=np.int8)
    for k in range(ok.shape[1]):
        count += ok[:, k]
    rank = (rng.random(len(ok)) * count).astype(np.int8)
    seen, pick = np.zeros(len(ok), dtype=np.int8), np.zeros(len(ok), dtype=np.int64)
    for k in range(ok.shape[1]):      # the first column where the running count passes rank
        seen += ok[:, k]
        pick += seen <= rank
    return np.where(count > 0, pick, -1)


def _roles(seed: int, size: int, difficulty: Difficulty) -> tuple[np.ndarray, dict]:
    """Role per contract and one bool array per family flag."""
    rng = stream(seed, POINT, "roles", difficulty.value)
    n_clue, n_hn = role_counts(size, difficulty)
    order = rng.permutation(size)
    role = np.full(size, PLAIN, dtype=np.int8)
    role[order[:n_clue]] = CLUE
    role[order[n_clue:n_clue + n_hn]] = HARD_NEGATIVE
    flags = {name: np.zeros(size, dtype=bool) for name in FLAGS}
    n_reasons = 1 + rng.choice(len(_REASON_COUNT_P), size=size, p=_REASON_COUNT_P)
    codes = np.argsort(rng.random((size, len(REASON_CODES))), axis=1)
    place = np.empty_like(codes)                   # where each code comes in its row's order
    np.put_along_axis(place, codes, np.arange(len(REASON_CODES)), axis=1)
    which = rng.random((size, len(REASON_CODES)))
    for j, code in enumerate(REASON_CODES):
        fams = CODE_FAMILIES[code]
        chosen = (role == CLUE) & (place[:, j] < n_reasons)
        sub = (which[:, j] * len(fams)).astype(np.int64)
        for k, fam in enumerate(fams):
            flags[fam] |= chosen & (sub == k)

    fams = HARD_NEGATIVE_FAMILIES
    ok = np.ones((size, len(fams)), dtype=bool)
    for reason_family, blocked in _EXCLUSIVE.items():
        ok[:, fams.index(blocked)] &= ~flags[reason_family]
    first = _pick(rng, ok)
    second = _pick(rng, ok & (np.arange(len(fams)) != first[:, None]))
    two = rng.random(size) < HN_TWO_SHARE
    side = (role == CLUE) & (rng.random(size) < SIDE_SHARE)
    for k, fam in enumerate(fams):
        flags[fam] |= ((role == HARD_NEGATIVE) | side) & (first == k)
        flags[fam] |= (role == HARD_NEGATIVE) & two & (second == k)
    return role, flags


def _buyer_rates(seed: int, difficulty: Difficulty, seller: np.ndarray, flags: dict,
                 base: dict) -> np.ndarray:
    """Above twice the seller's for asymmetric contracts, exactly twice for the hard negative,
    otherwise the seller's own rate or a step between half of it and just under twice it."""
    rng = stream(seed, POINT, "rates", difficulty.value)
    n = len(seller)
    low = np.maximum(RATE_STEP, _round_rate(seller / 2))
    steps = (2 * seller - RATE_STEP - low) // RATE_STEP + 1
    fair = np.where(base["fair_u"] < SAME_RATE_SHARE, seller,
                    low + RATE_STEP * (rng.random(n) * steps).astype(np.int64))
    multiple = np.asarray(ASYMMETRIC_MULTIPLES)[
        (base["multiple_u"] * len(ASYMMETRIC_MULTIPLES)).astype(np.int64)]
    unfair = np.minimum(_round_rate(seller * multiple), MAX_RATE)
    if profile(difficulty).boundary_dates:
        unfair = np.where(rng.random(n) < BOUNDARY_SHARE, 2 * seller + RATE_STEP, unfair)
    return np.select([flags[RATE_ASYMMETRIC], flags[RATE_DOUBLE]], [unfair, 2 * seller], fair)


def _clause_plan(seed: int, base: dict, flags: dict) -> dict[str, np.ndarray]:
    """One entry per clause, grouped by contract and numbered from 1: the two rate clauses, the
    family clauses and ordinary ones to fill up, shuffled within each contract.

    The clauses are listed rate clauses first, then family by family, then the ordinary ones,
    each with a uniform draw, and ordered by (contract, draw). Each contract's draws are laid out
    in a row of a matrix, in listing order, and only the rows are sorted."""
    rng = stream(seed, POINT, "order")
    text_families = [f for f in FLAGS if f not in (RATE_ASYMMETRIC, RATE_DOUBLE)]
    count = base["clauses"]
    size, width = len(count), int(count.max(initial=0))
    code = {f: TEXT_FAMILIES.index(f) for f in (*text_families, RATE_BUYER, RATE_SELLER,
                                                 ORDINARY)}
    keys = np.full((size, width), np.inf)          # the padding sorts last
    family = np.zeros((size, width), dtype=np.int8)
    keys[:, :2] = rng.random((size, 2))
    family[:, :2] = code[RATE_BUYER], code[RATE_SELLER]
    slot = np.full(size, 2, dtype=np.int8)         # each contract's next free column
    for name in text_families:
        rows = np.flatnonzero(flags[name])
        keys[rows, slot[rows]] = rng.random(len(rows))
        family[rows, slot[rows]] = code[name]
        slot[rows] += 1
    column = np.arange(width, dtype=np.int8)
    kept = column < count[:, None]
    ordinary = kept & (column >= slot[:, None])
    keys[ordinary] = rng.random(int(ordinary.sum()))
    family[ordinary] = code[ORDINARY]
    for at in range(0, size, 1 << 16):   # distinct random keys: any sort gives lexsort's order
        block = slice(at, at + (1 << 16))
        family[block] = np.take_along_axis(family[block], np.argsort(keys[block], axis=1), axis=1)
    return {"contract": np.repeat(np.arange(size, dtype=np.int32), count),
            "clause_no": np.broadcast_to(column + 1, kept.shape)[kept], "family": family[kept]}


def draw_facts(seed: int, size: int, difficulty: Difficulty | str,
               as_of: datetime.date) -> Facts:
    """Every clean fact of one scenario, with its family flags."""
    difficulty = Difficulty.parse(difficulty)
    base = _base(seed, size, as_of)
    role, flags = _roles(seed, size, difficulty)
    seller = base["seller_rate"].astype(np.int64)
    buyer = _buyer_rates(seed, difficulty, seller, flags, base)
    plan = _clause_plan(seed, base, flags)
    return Facts(as_of=as_of, contract_table=base["contracts"], clause_contract=plan["contract"],
                 clause_no=plan["clause_no"], clause_family=plan["family"],
                 buyer_rate=buyer, seller_rate=seller, buyer_cap=flags[BOTH_CAPS].copy(),
                 seller_cap=flags[SELLER_CAP] | flags[BOTH_CAPS], party=base["party"],
                 base=base["base"], role=role, family_flags=flags)
