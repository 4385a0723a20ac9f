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
import pandas as pd
import pyarrow as pa

from synthetic.points.housing_clauses.schema import ASYMMETRY, FAMILY_CODE


def compute_labels(contract_no, buyer_rate, seller_rate, buyer_cap, seller_cap,
                   clause_contract_no, clause_family) -> pa.Table:
    """``record_id, reason`` rows (one per contract and reason), sorted and unique.

    The first five arguments are aligned per contract, the last two per clause.
    """
    contract_no = np.asarray(contract_no, dtype=object)
    buyer_rate, seller_rate = np.asarray(buyer_rate), np.asarray(seller_rate)
    asymmetric = (buyer_rate > 2 * seller_rate) | (np.asarray(seller_cap)
                                                   & ~np.asarray(buyer_cap))
    family = pd.Series(np.asarray(clause_family, dtype=object))
    unknown = set(family) - set(FAMILY_CODE)
    if unknown:
        raise ValueError(f"unknown clause families {sorted(unknown)}")
    codes = family.map(FAMILY_CODE)
    found = pd.concat([
        pd.DataFrame({"record_id": np.asarray(clause_contract_no, dtype=object),
                      "reason": codes.to_numpy()}).dropna(),
        pd.DataFrame({"record_id": contract_no[asymmetric], "reason": ASYMMETRY})])
    found = found.drop_duplicates().sort_values(["record_id", "reason"], kind="stable")
    return pa.table({"record_id": pa.array(found["record_id"].to_numpy(), pa.string()),
                     "reason": pa.array(found["reason"].to_numpy(), pa.string())})
