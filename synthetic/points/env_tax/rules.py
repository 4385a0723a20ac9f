"""The rules of ``env_tax``, applied to clean facts (docs/points/env_tax.md, "Rules").

One vectorised implementation on integer keys (:func:`reasons`) serves two callers: the generator
passes its index arrays directly, with the monitoring line of each declaration row (a million
permits need no string joins nor a join on keys), and :func:`compute_labels` first turns the clean
*tables* into the same keys and joins them, so tests can check that the labels are exactly what
the rules give on what teams see.

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
    line: np.ndarray | None = None   # the monitoring row with the row's keys (-1: none)


def _quarters(permit, period, n_period: int) -> np.ndarray:
    """(permit, period) as one int64 key."""
    quarter = permit.astype(np.int64)
    quarter *= n_period
    quarter += period
    return quarter


def _line_keys(permit, period, outlet, pollutant, sizes) -> np.ndarray:
    """(permit, period, outlet, pollutant) as one int64 key."""
    n_period, n_outlet, n_pollutant = sizes
    line = _quarters(permit, period, n_period)
    line *= n_outlet
    line += outlet
    line *= n_pollutant
    line += pollutant
    return line


def _sizes(lines: LineFacts, filings: FilingFacts) -> tuple[int, int, int]:
    return tuple(int(max(a.max(initial=0), b.max(initial=0))) + 1 for a, b in (
        (lines.period, filings.period), (lines.outlet, filings.outlet),
        (lines.pollutant, filings.pollutant)))


def _join(lines: LineFacts, filings: FilingFacts) -> tuple[np.ndarray, np.ndarray]:
    """(per filing: the first monitoring row with its keys, or -1; per monitoring row: the
    first row with its keys — exact duplicate rows are one line)."""
    sizes = _sizes(lines, filings)
    keys = _line_keys(lines.permit, lines.period, lines.outlet, lines.pollutant, sizes)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    canonical = np.empty(len(keys), dtype=np.int64)
    canonical[order] = order[np.maximum.accumulate(np.where(first, np.arange(len(keys)), 0))]
    f_keys = _line_keys(filings.permit, filings.period, filings.outlet, filings.pollutant,
                        sizes)
    at = np.searchsorted(ordered, f_keys)
    clipped = np.minimum(at, max(len(keys) - 1, 0))
    hit = (at < len(keys)) & (ordered[clipped] == f_keys) & (filings.permit >= 0)
    return np.where(hit, order[clipped], -1), canonical


def reasons(lines: LineFacts, filings: FilingFacts) -> tuple[np.ndarray, np.ndarray]:
    """``(permit, reason)`` index pairs (reason indexes REASON_CODES), unique and sorted.

    Declaration rows are joined to their monitoring lines on the keys unless ``filings.line``
    already says which line each one declares."""
    if filings.line is None:
        line, canonical = _join(lines, filings)
    else:
        line, canonical = filings.line, None
    taxable = np.flatnonzero(lines.direct & lines.due & (lines.emission_kg > 0))
    mine = np.flatnonzero(filings.permit >= 0)
    n_period = _sizes(lines, filings)[0]
    filed = np.isin(_quarters(lines.permit[taxable], lines.period[taxable], n_period),
                    _quarters(filings.permit[mine], filings.period[mine], n_period))
    permit = lines.permit[taxable]

    joined = np.flatnonzero(line >= 0)
    declared = np.bincount(line[joined], weights=filings.declared_kg[joined],
                           minlength=len(lines.permit))
    at = taxable if canonical is None else canonical[taxable]
    short = filed & (declared[at] < UNDER_DECLARED_SHARE * lines.emission_kg[taxable])
    del declared, at

    claims = joined[filings.claim[joined] > 0]
    is_taxable = np.zeros(len(lines.permit), dtype=bool)
    is_taxable[taxable] = True
    claims = claims[is_taxable[line[claims]]]
    line_at = line[claims]
    improper = ((lines.ratio[line_at] >= _LIMIT[filings.claim[claims]])
                | (lines.exceed_hours[line_at] > 0))

    pairs = np.concatenate([
        permit[~filed].astype(np.int64) * 3,
        permit[short].astype(np.int64) * 3 + 1,
        lines.permit[line_at[improper]].astype(np.int64) * 3 + 2])
    pairs.sort()             # unique and sorted (np.unique hashes, several times slower)
    pairs = pairs[np.diff(pairs, prepend=-1) != 0]
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
