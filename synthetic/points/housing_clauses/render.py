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
from synthetic.points.housing_clauses.schema import (
    ORDINARY, POINT, RATE_BUYER, RATE_SELLER, TABLES, TEXT_FAMILIES)
from synthetic.rng import stream


def _drawn(rng: np.random.Generator, shape: tuple[int, ...], dtype, transform,
           chunk: int = 1 << 12) -> np.ndarray:
    """``transform(rng.random(shape), rows)`` as ``dtype``, drawn in chunks of rows into one
    reused buffer: the same numbers (a generator fills arrays in order) without full-size float
    intermediates, whose fresh pages cost more than the arithmetic."""
    out = np.empty(shape, dtype)
    buf = np.empty((min(chunk, shape[0]), *shape[1:]))
    for at in range(0, shape[0], chunk):
        block = buf[:min(chunk, shape[0] - at)]
        rng.random(out=block)
        out[at:at + len(block)] = transform(block, slice(at, at + len(block)))
    return out


def _ordinary_templates(rng: np.random.Generator, contract: np.ndarray, ordinary: np.ndarray,
                        size: int, count: int) -> np.ndarray:
    """The template of each ordinary clause (in row order): a per-contract permutation, so none
    repeats."""
    perm = _drawn(rng, (size, count), np.int8, lambda u, rows: np.argsort(u, axis=1))
    owner = contract[ordinary]
    starts = np.r_[0, np.flatnonzero(owner[1:] != owner[:-1]) + 1]
    rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    if len(rank) and rank.max() >= count:
        raise ValueError(f"a contract has {rank.max() + 1} ordinary clauses but the template set "
                         f"has {count} ordinary templates")
    return perm[owner, rank]


def _encoded_texts(facts: Facts, seed: int, difficulty: Difficulty,
                   template_set: str) -> tuple[pa.Array, np.ndarray]:
    """The distinct clause texts and, per clause of the plan, the position of its text."""
    r = catalogue.renderer(template_set)
    rng = stream(seed, POINT, "text", difficulty.value)
    contract, family = facts.clause_contract, facts.clause_family
    n = len(contract)
    offset, count = (np.array([getattr(r, name)[f] for f in TEXT_FAMILIES], dtype=np.int16)
                     for name in ("offsets", "counts"))
    within = _drawn(rng, (n,), np.int16,
                    lambda u, rows: np.multiply(u, count[family[rows]], out=u))
    sizes = np.array([len(v) for v in catalogue.slot_vocabularies().values()])
    choice = _drawn(rng, (n, len(sizes)), np.int8, lambda u, rows: np.multiply(u, sizes, out=u))
    punct = rng.integers(0, catalogue.PUNCTUATION_STYLES, n).astype(np.int8)
    forms = len(rates.FORMS[template_set])
    rate_key = _drawn(rng, (n,), np.int32, lambda u, rows: np.multiply(u, forms, out=u))  # form
    ordinary = family == TEXT_FAMILIES.index(ORDINARY)   # drawn last: its draws depend on the
    within[ordinary] = _ordinary_templates(              # set's number of ordinary templates
        rng, contract, ordinary, len(facts.party), r.counts[ORDINARY])
    for name, per_contract in ((RATE_BUYER, facts.buyer_rate), (RATE_SELLER, facts.seller_rate)):
        rows = np.flatnonzero(family == TEXT_FAMILIES.index(name))
        rate_key[rows] += per_contract[contract[rows]].astype(np.int32) * catalogue.RATE_FORMS_MAX
    return r.encode(offset[family] + within, facts.party.astype(np.int8)[contract],
                    facts.base.astype(np.int8)[contract], punct, choice, rate_key)


def clause_texts(facts: Facts, seed: int, difficulty: Difficulty | str,
                 template_set: str = "default") -> pa.Array:
    """The text of every clause of the plan, in its row order."""
    texts, index = _encoded_texts(facts, seed, Difficulty.parse(difficulty), template_set)
    return texts.take(pa.array(index))


def _noised(column: pa.ChunkedArray, rng: np.random.Generator, rate: float, rewrite,
            repeats: bool) -> pa.Array:
    """Each cell rewritten by ``rewrite`` with probability ``rate``. The noise functions read
    Python strings: a column whose values ``repeats`` (a developer on each of its contracts) makes
    one object per value, and only the rewritten cells come back to Arrow."""
    column = column.combine_chunks()
    if repeats:
        encoded = column.dictionary_encode()
        values = encoded.dictionary.to_numpy(zero_copy_only=False)[encoded.indices.to_numpy()]
    else:
        values = column.to_numpy(zero_copy_only=False)
    noised = rewrite(values, rng, rate)
    changed = noised != values
    return pc.replace_with_mask(column, pa.array(changed), pa.array(noised[changed], pa.string()))


def _rows_with_duplicates(n: int, rng: np.random.Generator, rate: float) -> pa.Array:
    """The clause rows in table order with :func:`noise.add_duplicate_rows`' duplicates, drawn on
    the row numbers so that every column is taken once, at its final size."""
    rows = pa.table({"row": pa.array(np.arange(n, dtype=np.int64))})
    return noise.add_duplicate_rows(rows, rng, rate)["row"].combine_chunks()


def render(facts: Facts, seed: int, difficulty: Difficulty | str,
           template_set: str = "default") -> dict[str, pa.Table]:
    """The two tables, in the contract's order, with the difficulty's presentation noise."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    schema = {t.name: t.arrow_schema() for t in TABLES}
    contracts = facts.contract_table.cast(schema["contracts"])
    texts, index = _encoded_texts(facts, seed, difficulty, template_set)
    rng = stream(seed, POINT, "noise", difficulty.value)
    rate = prof.noise_rate
    for column, rewrite, repeats in (("developer_name", noise.noise_company_names, True),
                                     ("developer_uscc", noise.noise_credit_codes, True),
                                     ("buyer_id_masked", noise.noise_ids, False)):
        at = contracts.schema.get_field_index(column)
        contracts = contracts.set_column(at, column, _noised(contracts[column], rng, rate,
                                                             rewrite, repeats))
    if prof.empty_codes:
        at = contracts.schema.get_field_index("developer_uscc")
        blank = noise.empty_mask(rng, contracts.num_rows, rate)
        contracts = contracts.set_column(at, "developer_uscc", pc.if_else(
            pa.array(blank), "", contracts["developer_uscc"]))
    rows = _rows_with_duplicates(len(index), rng, prof.duplicate_rate)
    contract_no = contracts["contract_no"].take(pc.take(facts.clause_contract, rows))
    clause_no = pc.take(facts.clause_no, rows).cast(pa.int64())
    at = pc.take(index, rows)
    del rows, index                  # the texts are the largest column: taken last, alone
    clauses = pa.table({"contract_no": contract_no, "clause_no": clause_no,
                        "text": texts.take(at)}, schema=schema["clauses"])
    return {"contracts": contracts, "clauses": clauses}
