"""The rules of ``housing_clauses`` on the facts (docs/points/housing_clauses.md).

A pure, vectorised function: a contract's reasons are the union over its clauses, where

* a clause of a reason family (:data:`~schema.REASON_FAMILIES`) gives that family's code;
* ``CLAUSE_PENALTY_ASYMMETRY`` applies when the buyer's daily rate is more than twice the
  seller's (compared exactly, in integer units of 1/100,000 a day), or when the seller's liability
  or late-delivery penalty is capped while the buyer's is not.

Force majeure, delays the buyer caused, rates up to exactly twice, caps on both sides, the 3% area
rule, agreed or notified changes with a right to withdraw, negated forms and quoted law are
families without a code: they never make a clue.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.points.housing_clauses.schema import ASYMMETRY, FAMILY_CODE


def _strings(values) -> pa.Array:
    """Arrow strings, plain or dictionary-encoded, of a list, a numpy or an Arrow array."""
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    return pa.array(np.asarray(values, dtype=object), pa.string())


def _sorted_unique(table: pa.Table) -> pa.Table:
    """The distinct rows of ``table``, sorted by every column in order."""
    table = table.take(pc.sort_indices(table, [(c, "ascending") for c in table.column_names]))
    table = table.combine_chunks()
    repeat = np.ones(max(table.num_rows - 1, 0), dtype=bool)   # row i + 1 equals row i
    for column in table.columns:
        repeat &= pc.equal(column[1:], column[:-1]).to_numpy(zero_copy_only=False)
    return table.filter(pa.array(np.r_[True, ~repeat][:table.num_rows]))


def compute_labels(contract_no, buyer_rate, seller_rate, buyer_cap, seller_cap,
                   clause_contract_no, clause_family) -> pa.Table:
    """``record_id, reason`` rows (one per contract and reason), sorted and unique.

    The first five arguments are aligned per contract, the last two per clause. The clause
    arguments may be Arrow dictionary arrays (ten million clauses name a million contracts and a
    few families): the rule is then read once per family and only the clauses that carry a code
    are decoded.
    """
    buyer_rate, seller_rate = np.asarray(buyer_rate), np.asarray(seller_rate)
    asymmetric = (buyer_rate > 2 * seller_rate) | (np.asarray(seller_cap)
                                                   & ~np.asarray(buyer_cap))
    family = _strings(clause_family)
    if not pa.types.is_dictionary(family.type):
        family = family.dictionary_encode()
    names, at = family.dictionary.to_pylist(), family.indices.to_numpy(zero_copy_only=False)
    unknown = {f for i, f in enumerate(names) if f not in FAMILY_CODE and (at == i).any()}
    if unknown or family.null_count:
        raise ValueError(f"unknown clause families {sorted(map(str, unknown))}")
    code = np.array([FAMILY_CODE.get(f) for f in names], dtype=object)
    rows = np.flatnonzero(np.array([c is not None for c in code], dtype=bool)[at])
    return _sorted_unique(pa.table({
        "record_id": pa.concat_arrays([
            _strings(clause_contract_no).take(rows).cast(pa.string()),
            _strings(contract_no).filter(pa.array(asymmetric))]),
        "reason": pa.array(np.concatenate([code[at[rows]],
                                           np.full(asymmetric.sum(), ASYMMETRY, object)]),
                           pa.string())}))
