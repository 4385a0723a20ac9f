"""Facts to tables: the presentation-noise pass of ``legal_aid``.

The pass has its own random stream and never changes a fact; every variant it writes is one the
contract lists (CONTRACT 1) and ``docs/points/legal_aid.md`` repeats:

* ``defendants.id_number``: lower-case ``x``, surrounding or inner spaces, full-width digits and
  (hard) the 15-digit legacy form for people born 1900-1999;
* ``defendants.birth_date``: empty (the birth date is in the ID number);
* ``disabilities.card_no``: the same variants on its ID part (never the legacy form);
* ``name``, ``lawyer_name``: surrounding spaces;
* ``accepted_date``, ``appointed_date``, ``notice_date`` (messy): ``YYYY/M/D``, ``YYYYMMDD``,
  ``YYYY年M月D日``;
* about 1% exact duplicate rows in ``disabilities``, ``assessments``, ``defenders`` and
  ``aid_notices`` (standard, hard); ``cases`` keeps one row per case.

``defendant_id``, ``case_no`` and the coded columns are never noised. Variants, blanks and
repeated rows are applied to the facts' columns as indices (:class:`~text.Coded`), and each
column is then taken into its table once.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from synthetic import noise
from synthetic.difficulty import Difficulty, profile
from synthetic.points.legal_aid import tables as T
from synthetic.points.legal_aid.facts import Facts
from synthetic.points.legal_aid.schema import POINT, TABLES
from synthetic.rng import stream

DUPLICATED_TABLES = ("disabilities", "assessments", "defenders", "aid_notices")
EMPTY_BIRTH_FACTOR = 2.5   # empty birth dates per noisy cell of the level
_S = np.dtypes.StringDType()


def _chosen(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Rows each chosen with probability ``rate``, ascending: a binomial count of distinct rows
    (the same law as a uniform per row, at the cost of the rows chosen)."""
    return np.sort(rng.choice(n, size=rng.binomial(n, rate), replace=False, shuffle=False))


def _noise_columns(columns: dict, targets: list, rng: np.random.Generator, rate: float,
                   rewrite, **options) -> None:
    """Rewrite each cell of the ``targets`` ((table, column) pairs) with probability ``rate``, in
    place. Only the chosen cells leave Arrow, and those of all the targets go through one call
    of ``rewrite``, so a million-row column costs what its noisy cells cost."""
    coded = [columns[t][c] for t, c in targets]
    hits = [_chosen(rng, len(column), rate) for column in coded]
    cells = np.concatenate([column.cells(hit).to_numpy(zero_copy_only=False)
                            for column, hit in zip(coded, hits)])
    variants = pa.array(rewrite(cells, rng, 1.0, **options), pa.string())
    start = 0
    for (t, c), column, hit in zip(targets, coded, hits):
        columns[t][c] = column.replaced(hit, variants.slice(start, len(hit)))
        start += len(hit)


def noise_cards(cells, rng: np.random.Generator, rate: float) -> np.ndarray:
    """Card numbers with the ID-number variants (no legacy form) on their first 18 characters."""
    cells = np.asarray(cells, dtype=_S)
    ids = noise.noise_ids(np.strings.slice(cells, 0, 18).astype(object), rng, rate)
    return np.strings.add(ids.astype(_S), np.strings.slice(cells, 18, None)).astype(object)


def _duplicated(rng: np.random.Generator, n: int, rate: float) -> np.ndarray | None:
    """The row order with about ``rate`` exact duplicates (``noise.add_duplicate_rows`` on the
    row numbers), None where there are none to add."""
    if rate == 0 or n == 0:
        return None
    return noise.add_duplicate_rows(pa.table({"row": np.arange(n)}), rng, rate)[
        "row"].to_numpy()


def render(facts: Facts, seed: int, difficulty: Difficulty | str) -> dict[str, pa.Table]:
    """The six tables, in the contract's order, with the difficulty's presentation noise."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    rng = stream(seed, POINT, "noise", difficulty.value)
    rate = prof.noise_rate
    columns = {name: dict(table) for name, table in facts.columns.items()}
    if rate > 0:
        for rewrite, options, targets in (
                (noise.noise_dates, {}, [("cases", "accepted_date"),
                                         ("defenders", "appointed_date"),
                                         ("aid_notices", "notice_date")]),
                (noise.noise_ids, {"legacy": prof.legacy_ids}, [("defendants", "id_number")]),
                (noise_cards, {}, [("disabilities", "card_no")]),
                (noise.noise_person_names, {}, [("defendants", "name"), ("disabilities", "name"),
                                                ("defenders", "lawyer_name")])):
            _noise_columns(columns, targets, rng, rate, rewrite, **options)
    births = columns["defendants"]["birth_date"]
    empty = noise.empty_mask(rng, len(births), EMPTY_BIRTH_FACTOR * rate)
    columns["defendants"]["birth_date"] = births.replaced(np.flatnonzero(empty), pa.array([""]))
    for name in DUPLICATED_TABLES:
        table = columns[name]
        order = _duplicated(rng, len(next(iter(table.values()))), prof.duplicate_rate)
        if order is not None:
            columns[name] = {c: column.reordered(order) for c, column in table.items()}
    return {t.name: T.table(t, columns[t.name]) for t in TABLES}
