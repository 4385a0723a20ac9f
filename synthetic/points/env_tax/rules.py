"""The rules of ``env_tax``, applied to clean facts (docs/points/env_tax.md, "Rules").

One vectorised implementation on integer keys (:func:`reasons`) serves two callers: the generator
passes its index arrays directly (a million permits need no string joins), and
:func:`compute_labels` first turns the clean *tables* into the same keys, so tests can check that
the labels are exactly what the rules give on what teams see.

* A *taxable line* is a monitoring row with ``emission_kg > 0`` on a ``direct`` outlet, for a
  quarter whose declaration deadline (quarter end + 15 days) is *before* ``as_of``.
* A declaration belongs to the permit holder whose credit code it carries.
* ``ENV_UNDECLARED``: a taxable line in a quarter with no declaration row of that enterprise.
* ``ENV_UNDER_DECLARED``: the quarter has declaration rows, but for some taxable line the declared
  kg summed over its rows (same outlet and pollutant) is below 90% of ``emission_kg``, or missing.
* ``ENV_IMPROPER_REDUCTION``: a declaration row of a taxable line claims ``75`` while the line's
  ``avg_concentration_ratio >= 0.70``, ``50`` while it is ``>= 0.50``, or any reduction while
  ``exceed_hours > 0``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.points.env_tax.schema import (
    OUTLET_CODES, POLLUTANT_CODES, REASON_CODES, REDUCTION_LIMITS, UNDER_DECLARED_SHARE, is_due)

CLAIM_CODES = ("none", *REDUCTION_LIMITS)                 # reduction -> 0, 1, 2
_LIMIT = np.array([np.inf, *REDUCTION_LIMITS.values()])   # "none" is never improper by ratio


@dataclass(frozen=True)
class LineFacts:
    """Monitoring rows: integer keys (permit row, period, outlet, pollutant) and their facts."""

    permit: np.ndarray
    period: np.ndarray
    outlet: np.ndarray
    pollutant: np.ndarray
    direct: np.ndarray          # bool: the outlet discharges directly
    due: np.ndarray             # bool: the period's deadline is before as_of
    emission_kg: np.ndarray
    exceed_hours: np.ndarray
    ratio: np.ndarray


@dataclass(frozen=True)
class FilingFacts:
    """Declaration rows with the same keys (``permit`` -1: the code names no permit)."""

    permit: np.ndarray
    period: np.ndarray
    outlet: np.ndarray
    pollutant: np.ndarray
    declared_kg: np.ndarray
    claim: np.ndarray           # index into CLAIM_CODES


def _keys(permit, period, outlet, pollutant, sizes) -> tuple[np.ndarray, np.ndarray]:
    """(quarter key, line key) as int64."""
    n_period, n_outlet, n_pollutant = sizes
    quarter = permit.astype(np.int64) * n_period + period
    return quarter, (quarter * n_outlet + outlet) * n_pollutant + pollutant


def _lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Position of each key in ``sorted_keys`` (unique), or -1."""
    at = np.searchsorted(sorted_keys, keys)
    clipped = np.minimum(at, max(len(sorted_keys) - 1, 0))
    hit = (at < len(sorted_keys)) & (sorted_keys[clipped] == keys) if len(sorted_keys) else \
        np.zeros(len(keys), dtype=bool)
    return np.where(hit, at, -1)


def reasons(lines: LineFacts, filings: FilingFacts) -> tuple[np.ndarray, np.ndarray]:
    """``(permit, reason)`` index pairs (reason indexes REASON_CODES), unique and sorted."""
    taxable = np.flatnonzero(lines.direct & lines.due & (lines.emission_kg > 0))
    mine = np.flatnonzero(filings.permit >= 0)
    sizes = tuple(int(max(a.max(initial=0), b.max(initial=0))) + 1 for a, b in (
        (lines.period, filings.period), (lines.outlet, filings.outlet),
        (lines.pollutant, filings.pollutant)))
    l_quarter, l_line = _keys(lines.permit[taxable], lines.period[taxable],
                              lines.outlet[taxable], lines.pollutant[taxable], sizes)
    f_quarter, f_line = _keys(filings.permit[mine], filings.period[mine], filings.outlet[mine],
                              filings.pollutant[mine], sizes)
    permit = lines.permit[taxable]
    filed = np.isin(l_quarter, f_quarter)
    del l_quarter, f_quarter

    declared_keys, row_key = np.unique(f_line, return_inverse=True)
    declared = np.bincount(row_key, weights=filings.declared_kg[mine],
                           minlength=len(declared_keys))
    at = _lookup(declared_keys, l_line)
    kg = np.where(at >= 0, declared[np.maximum(at, 0)], np.nan)
    short = filed & ((at < 0) | (kg < UNDER_DECLARED_SHARE * lines.emission_kg[taxable]))
    del declared_keys, row_key, declared, at, kg

    claims = np.flatnonzero(filings.claim[mine] > 0)
    order = np.argsort(l_line, kind="stable")         # taxable line keys are unique
    line_at = _lookup(l_line[order], f_line[claims])
    hit, line_at = claims[line_at >= 0], taxable[order[line_at[line_at >= 0]]]
    improper = ((lines.ratio[line_at] >= _LIMIT[filings.claim[mine][hit]])
                | (lines.exceed_hours[line_at] > 0))

    pairs = np.concatenate([
        permit[~filed].astype(np.int64) * 3,
        permit[short].astype(np.int64) * 3 + 1,
        lines.permit[line_at[improper]].astype(np.int64) * 3 + 2])
    pairs = np.unique(pairs)
    return pairs // 3, pairs % 3


def label_table(permit_no: pa.Array, permit: np.ndarray, reason: np.ndarray) -> pa.Table:
    """``record_id, reason`` rows for index pairs, sorted as strings (CONTRACT 3)."""
    table = pa.table({"record_id": permit_no.take(pa.array(permit, pa.int64())),
                      "reason": pa.array(np.asarray(REASON_CODES)[reason], pa.string())})
    return table.take(pc.sort_indices(table, [("record_id", "ascending"),
                                              ("reason", "ascending")]))


def period_of(years, quarters) -> np.ndarray:
    """A quarter as one integer, ``year * 4 + quarter - 1``."""
    return np.asarray(years, dtype=np.int64) * 4 + np.asarray(quarters, dtype=np.int64) - 1


def due_mask(years, quarters, as_of: datetime.date) -> np.ndarray:
    """True where the quarter's declaration deadline is before ``as_of``."""
    uniq, index = np.unique(period_of(years, quarters), return_inverse=True)
    due = np.array([is_due(int(p // 4), int(p % 4) + 1, as_of) for p in uniq], dtype=bool)
    return due[index]


def _codes(values, vocabulary) -> np.ndarray:
    """Position of each value in ``vocabulary`` (-1 when absent)."""
    return pd.Index(vocabulary).get_indexer(pd.Series(values).astype(object))


def compute_labels(permits: pd.DataFrame, outlets: pd.DataFrame, monitoring: pd.DataFrame,
                   declarations: pd.DataFrame, *, as_of: datetime.date) -> pd.DataFrame:
    """Label rows ``record_id, reason`` of clean tables (registered codes), sorted and unique."""
    destination = outlets.drop_duplicates(["permit_no", "outlet_code"])
    direct = pd.Series((destination["destination"] == "direct").to_numpy(),
                       index=pd.MultiIndex.from_frame(destination[["permit_no", "outlet_code"]]))
    on_outlet = pd.MultiIndex.from_frame(monitoring[["permit_no", "outlet_code"]])
    lines = LineFacts(
        permit=_codes(monitoring["permit_no"], permits["permit_no"]),
        period=period_of(monitoring["year"], monitoring["quarter"]),
        outlet=_codes(monitoring["outlet_code"], OUTLET_CODES),
        pollutant=_codes(monitoring["pollutant_code"], POLLUTANT_CODES),
        direct=direct.reindex(on_outlet).fillna(False).to_numpy(dtype=bool),
        due=due_mask(monitoring["year"], monitoring["quarter"], as_of),
        emission_kg=monitoring["emission_kg"].to_numpy(dtype=float),
        exceed_hours=monitoring["exceed_hours"].to_numpy(),
        ratio=monitoring["avg_concentration_ratio"].to_numpy(dtype=float))
    filings = FilingFacts(
        permit=_codes(declarations["taxpayer_code"], permits["uscc"]),
        period=period_of(declarations["year"], declarations["quarter"]),
        outlet=_codes(declarations["outlet_code"], OUTLET_CODES),
        pollutant=_codes(declarations["pollutant_code"], POLLUTANT_CODES),
        declared_kg=declarations["declared_kg"].to_numpy(dtype=float),
        claim=_codes(declarations["reduction"], CLAIM_CODES))
    permit_no = pa.array(permits["permit_no"].to_numpy(dtype=object), pa.string())
    return label_table(permit_no, *reasons(lines, filings)).to_pandas()


def taxable_lines(outlets: pd.DataFrame, monitoring: pd.DataFrame,
                  as_of: datetime.date) -> pd.DataFrame:
    """The monitoring rows that are taxable lines."""
    destination = outlets.drop_duplicates(["permit_no", "outlet_code"])
    joined = monitoring.merge(destination[["permit_no", "outlet_code", "destination"]],
                              on=["permit_no", "outlet_code"], how="left")
    keep = ((joined["destination"] == "direct").to_numpy(dtype=bool)
            & due_mask(joined["year"], joined["quarter"], as_of)
            & (joined["emission_kg"] > 0).to_numpy())
    return joined.loc[keep].reset_index(drop=True)
