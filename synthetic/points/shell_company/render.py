"""Facts to tables: the presentation-noise pass of ``shell_company``.

Each table has its own noise stream and is rendered only when asked for
(:class:`RenderedTables`), so writing a million-company scenario holds one monthly table at a
time. A code column is kept as the credit codes plus a row index until the last step; noise
appends the variants of the chosen cells and points those rows at them.

The pass never changes a fact; every variant is one the contract lists (CONTRACT 1) and
``docs/points/shell_company.md`` repeats:

* ``tax_monthly.taxpayer_code``, ``social_insurance.unit_code``, ``fraud_accounts.owner_code``:
  lower case or surrounding spaces (never blank in this point);
* ``companies.legal_rep_id`` and ``persons.id_number``: lower-case ``x``, surrounding or inner
  spaces, full-width digits, (hard) the 15-digit legacy form for people born 1900-1999;
* ``companies.legal_rep_name`` and ``persons.name``: surrounding spaces; ``companies.name``:
  brackets swapped between full and half width, surrounding spaces;
* ``fraud_accounts.reported_date`` (messy): ``YYYY/M/D``, ``YYYYMMDD``, ``YYYY年M月D日``;
* about 1% exact duplicate rows in ``persons``, ``tax_monthly``, ``social_insurance`` and
  ``fraud_accounts`` (standard, hard).

``companies.uscc`` (the key), ``established_date`` and ``birth_date`` are never noised.
Monthly rows are grouped by company (companies in random order), months ascending.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import noise
from synthetic.difficulty import Difficulty, profile
from synthetic.points.shell_company.facts import Facts
from synthetic.points.shell_company.schema import FILING_STATUSES, POINT, TABLES
from synthetic.rng import stream

DUPLICATED_TABLES = ("persons", "tax_monthly", "social_insurance", "fraud_accounts")
TABLE_NAMES = tuple(t.name for t in TABLES)


def _rows(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return np.flatnonzero(rng.random(n) < rate) if rate > 0 else np.empty(0, dtype=np.int64)


def _noised(column: pa.Array, rng: np.random.Generator, rate: float, variant,
            **options) -> pa.Array:
    """``column`` with a ``rate`` share of its cells rewritten by the ``noise`` function."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    hit = _rows(rng, len(column), rate)
    if len(hit) == 0:
        return column
    cells = column.take(pa.array(hit)).to_numpy(zero_copy_only=False)
    mask = np.zeros(len(column), dtype=bool)
    mask[hit] = True
    return pc.replace_with_mask(column, pa.array(mask),
                                pa.array(variant(cells, rng, 1.0, **options), pa.string()))


def _codes(uscc: pa.Array, owner: np.ndarray, rng, rate: float) -> tuple[pa.Array, np.ndarray]:
    """(vocabulary, index) of a code column: the codes, then one noised variant per hit row."""
    hit = _rows(rng, len(owner), rate)
    cells = uscc.take(pa.array(owner[hit])).to_numpy(zero_copy_only=False)
    variants = pa.array(noise.noise_credit_codes(cells, rng, 1.0), pa.string())
    index = owner.astype(np.int64)
    index[hit] = len(uscc) + np.arange(len(hit))
    return pa.concat_arrays([uscc, variants]), index


def _order(rng, company: np.ndarray, month: np.ndarray, n_companies: int) -> np.ndarray:
    """Rows grouped by company, companies in random order, months ascending."""
    rank = rng.permutation(n_companies).astype(np.int64)
    return np.argsort(rank[company] * 64 + (month.astype(np.int64) + 8), kind="stable")


def _duplicates(rng, n: int, rate: float) -> np.ndarray | None:
    if rate == 0 or n == 0:
        return None
    rows = pa.table({"row": np.arange(n)})
    return noise.add_duplicate_rows(rows, rng, rate)["row"].to_numpy()


def _monthly(facts: Facts, name: str, rng, prof) -> pa.Table:
    led = facts.ledger
    tax = name == "tax_monthly"
    company = led.tax_company if tax else led.si_company
    month = led.tax_month if tax else led.si_month
    order = _order(rng, company, month, len(facts.uscc))
    dup = _duplicates(rng, len(order), prof.duplicate_rate)
    if dup is not None:
        order = order[dup]
    vocab, index = _codes(facts.uscc, company, rng, prof.noise_rate)
    number = facts.plan.window_start + np.arange(-8, 32)        # every month index, from -8
    at = pa.array(month[order].astype(np.int64) + 8)
    columns = [vocab.take(pa.array(index[order])), pa.array(number // 12).take(at),
               pa.array(number % 12 + 1).take(at)]
    del index
    if tax:
        columns += [pa.array(led.invoiced[order] / 100.0), pa.array(led.input[order] / 100.0),
                    pa.array(led.paid[order] / 100.0),
                    pa.array(list(FILING_STATUSES)).take(pa.array(led.abnormal[order]
                                                                  .astype(np.int8)))]
    else:
        columns.append(pa.array(led.insured[order].astype(np.int64)))
    schema = next(t for t in TABLES if t.name == name).arrow_schema()
    return pa.Table.from_arrays(columns, schema=schema)


def _companies(facts: Facts, rng, prof) -> pa.Table:
    t = facts.companies
    rate = prof.noise_rate
    t = t.set_column(1, "name", _noised(t["name"], rng, rate, noise.noise_company_names))
    t = t.set_column(5, "legal_rep_id", _noised(t["legal_rep_id"], rng, rate, noise.noise_ids,
                                                legacy=prof.legacy_ids))
    return t.set_column(6, "legal_rep_name", _noised(t["legal_rep_name"], rng, rate,
                                                     noise.noise_person_names))


def _persons(facts: Facts, rng, prof) -> pa.Table:
    t = facts.persons
    rate = prof.noise_rate
    t = t.set_column(0, "id_number", _noised(t["id_number"], rng, rate, noise.noise_ids,
                                             legacy=prof.legacy_ids))
    t = t.set_column(1, "name", _noised(t["name"], rng, rate, noise.noise_person_names))
    dup = _duplicates(rng, t.num_rows, prof.duplicate_rate)
    return t if dup is None else t.take(pa.array(dup))


def _fraud(facts: Facts, rng, prof) -> pa.Table:
    t = facts.fraud_accounts
    rate = prof.noise_rate
    t = t.set_column(1, "owner_code", _noised(t["owner_code"], rng, rate,
                                              noise.noise_credit_codes))
    t = t.set_column(3, "reported_date", _noised(t["reported_date"], rng, rate,
                                                 noise.noise_dates))
    dup = _duplicates(rng, t.num_rows, prof.duplicate_rate)
    return t if dup is None else t.take(pa.array(dup))


def render_table(facts: Facts, name: str, seed: int, difficulty: Difficulty | str) -> pa.Table:
    """One table with the difficulty's presentation noise, from the table's own stream."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    rng = stream(seed, POINT, "noise", difficulty.value, name)
    if name in ("tax_monthly", "social_insurance"):
        return _monthly(facts, name, rng, prof)
    return {"companies": _companies, "persons": _persons,
            "fraud_accounts": _fraud}[name](facts, rng, prof)


class RenderedTables(Mapping):
    """The five tables in the contract's order; each is rendered anew when asked for."""

    def __init__(self, facts: Facts, seed: int, difficulty: Difficulty | str) -> None:
        self._facts, self._seed, self._difficulty = facts, seed, Difficulty.parse(difficulty)

    def __getitem__(self, name: str) -> pa.Table:
        if name not in TABLE_NAMES:
            raise KeyError(name)
        return render_table(self._facts, name, self._seed, self._difficulty)

    def __iter__(self) -> Iterator[str]:
        return iter(TABLE_NAMES)

    def __len__(self) -> int:
        return len(TABLE_NAMES)
