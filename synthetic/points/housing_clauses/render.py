"""Facts to tables: clause texts from the templates, then the presentation-noise pass.

The text pass draws, from its own stream, the template of each clause within its family (distinct
ordinary templates within a contract), every slot, the rate forms and the punctuation; the
template set changes which templates and rate forms exist, not the draws, so the default and
held-out renderings of one scenario share every fact and label.

The noise pass (its own stream) writes only variants the contract lists (CONTRACT 1) and
``docs/points/housing_clauses.md`` repeats:

* ``developer_name``: full-width and half-width brackets swapped, surrounding spaces;
* ``developer_uscc``: lower case, surrounding spaces; (hard) empty, the name still there;
* ``buyer_id_masked``: lower-case ``x``, surrounding or inner spaces, full-width digits;
* about 1% exact duplicate rows in ``clauses`` (standard, hard).

``contract_no`` (the key), the dates, prices and areas are never noised.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import noise
from synthetic.difficulty import Difficulty, profile
from synthetic.points.housing_clauses import catalogue, rates
from synthetic.points.housing_clauses.facts import Facts
from synthetic.points.housing_clauses.schema import ORDINARY, POINT, RATE_BUYER, RATE_SELLER, TABLES
from synthetic.rng import stream


def _ordinary_templates(rng: np.random.Generator, contract: np.ndarray, ordinary: np.ndarray,
                        size: int, count: int) -> np.ndarray:
    """The template of each ordinary clause: a per-contract permutation, so none repeats."""
    perm = np.argsort(rng.random((size, count)), axis=1)
    rows = np.flatnonzero(ordinary)
    owner = contract[rows]
    starts = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    if len(rank) and rank.max() >= count:
        raise ValueError(f"a contract has {rank.max() + 1} ordinary clauses but the template set "
                         f"has {count} ordinary templates")
    out = np.zeros(len(contract), dtype=np.int64)
    out[rows] = perm[owner, rank]
    return out


def clause_texts(facts: Facts, seed: int, difficulty: Difficulty | str,
                 template_set: str = "default") -> pa.Array:
    """The text of every clause of ``facts.clauses``, in its row order."""
    difficulty = Difficulty.parse(difficulty)
    r = catalogue.renderer(template_set)
    rng = stream(seed, POINT, "text", difficulty.value)
    clauses = facts.clauses
    contract, family = clauses["contract"].to_numpy(), clauses["family"].to_numpy(dtype=object)
    n = len(contract)
    offset = np.array([r.offsets[f] for f in family], dtype=np.int64) if n else np.zeros(0, int)
    count = np.array([r.counts[f] for f in family], dtype=np.int64) if n else np.zeros(0, int)
    u = rng.random(n)
    sizes = np.array([len(v) for v in catalogue.slot_vocabularies().values()])
    choice = (rng.random((n, len(sizes))) * sizes).astype(np.int64)
    punct = rng.integers(0, catalogue.PUNCTUATION_STYLES, n)
    form = (rng.random(n) * len(rates.FORMS[template_set])).astype(np.int64)
    ordinary = family == ORDINARY   # drawn last: its draws depend on the set's template count
    within = np.where(ordinary, _ordinary_templates(rng, contract, ordinary, len(facts.party),
                                                    r.counts[ORDINARY]),
                      (u * count).astype(np.int64))
    units = np.select([family == RATE_BUYER, family == RATE_SELLER],
                      [facts.buyer_rate[contract], facts.seller_rate[contract]], 0)
    return r.render(offset + within, facts.party[contract], facts.base[contract], punct, choice,
                    units * catalogue.RATE_FORMS_MAX + form)


def _noised(column: pa.ChunkedArray | pa.Array, rng: np.random.Generator, rate: float,
            rewrite) -> pa.Array:
    """Each cell rewritten by ``rewrite`` with probability ``rate``."""
    values = column.to_numpy(zero_copy_only=False)
    return pa.array(rewrite(values, rng, rate), pa.string())


def render(facts: Facts, seed: int, difficulty: Difficulty | str,
           template_set: str = "default") -> dict[str, pa.Table]:
    """The two tables, in the contract's order, with the difficulty's presentation noise."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    schema = {t.name: t.arrow_schema() for t in TABLES}
    contracts = pa.Table.from_pandas(facts.contracts, preserve_index=False).cast(
        schema["contracts"])
    clauses = pa.table({
        "contract_no": pa.array(facts.clauses["contract_no"].to_numpy(dtype=object), pa.string()),
        "clause_no": pa.array(facts.clauses["clause_no"].to_numpy(), pa.int64()),
        "text": clause_texts(facts, seed, difficulty, template_set)}, schema=schema["clauses"])
    rng = stream(seed, POINT, "noise", difficulty.value)
    rate = prof.noise_rate
    for column, rewrite in (("developer_name", noise.noise_company_names),
                            ("developer_uscc", noise.noise_credit_codes),
                            ("buyer_id_masked", noise.noise_ids)):
        at = contracts.schema.get_field_index(column)
        contracts = contracts.set_column(at, column, _noised(contracts[column], rng, rate,
                                                             rewrite))
    if prof.empty_codes:
        at = contracts.schema.get_field_index("developer_uscc")
        blank = noise.empty_mask(rng, contracts.num_rows, rate)
        contracts = contracts.set_column(at, "developer_uscc", pc.if_else(
            pa.array(blank), "", contracts["developer_uscc"]))
    clauses = noise.add_duplicate_rows(clauses, rng, prof.duplicate_rate)
    return {"contracts": contracts, "clauses": clauses}
