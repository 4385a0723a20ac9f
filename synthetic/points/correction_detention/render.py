"""Facts to tables: the presentation-noise pass of ``correction_detention``.

The pass has its own random stream and never changes a fact; every variant it writes is one the
contract lists (CONTRACT 1) and ``docs/points/correction_detention.md`` repeats:

* ``id_number`` in ``subjects`` and ``punishments``: lower-case ``x``, surrounding or inner spaces,
  full-width digits; in ``punishments`` (hard) also the 15-digit legacy form for people born
  1900-1999;
* ``name`` in ``subjects`` and ``punishments``: surrounding spaces;
* ``punishments.decision_date`` and ``sanctions.action_date`` (messy): ``YYYY/M/D``,
  ``YYYYMMDD``, ``YYYY年M月D日``;
* about 1% exact duplicate rows in ``punishments``, ``sanctions`` and ``checkins`` (standard, hard).

``correction_no`` (the key), ``start_date``, ``end_date`` and ``checkin_date`` are never noised.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import noise
from synthetic.difficulty import Difficulty, profile
from synthetic.points.correction_detention.facts import Facts
from synthetic.points.correction_detention.schema import POINT, TABLES
from synthetic.rng import stream

DUPLICATED_TABLES = ("punishments", "sanctions", "checkins")


def _noised(column: pa.ChunkedArray, rng: np.random.Generator, rate: float, rewrite,
            **options) -> pa.Array:
    """``column`` with each cell rewritten by ``rewrite`` with probability ``rate``; only the
    chosen cells leave Arrow, so a million-row column costs what its noisy cells cost."""
    column = column.combine_chunks()
    if rate == 0.0:
        return column
    hit = rng.random(len(column)) < rate
    cells = column.take(pa.array(np.flatnonzero(hit))).to_numpy(zero_copy_only=False)
    return pc.replace_with_mask(column, pa.array(hit),
                                pa.array(rewrite(cells, rng, 1.0, **options), pa.string()))


def render(facts: Facts, seed: int, difficulty: Difficulty | str) -> dict[str, pa.Table]:
    """The four tables, in the contract's order, with the difficulty's presentation noise."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    rng = stream(seed, POINT, "noise", difficulty.value)
    rate = prof.noise_rate
    tables = {t.name: pa.Table.from_pandas(getattr(facts, t.name), preserve_index=False)
              .cast(t.arrow_schema()) for t in TABLES}
    changes = [("subjects", "id_number", noise.noise_ids, {"legacy": False}),
               ("subjects", "name", noise.noise_person_names, {}),
               ("punishments", "id_number", noise.noise_ids, {"legacy": prof.legacy_ids}),
               ("punishments", "name", noise.noise_person_names, {}),
               ("punishments", "decision_date", noise.noise_dates, {}),
               ("sanctions", "action_date", noise.noise_dates, {})]
    for name, column, rewrite, options in changes:
        table = tables[name]
        at = table.schema.get_field_index(column)
        tables[name] = table.set_column(at, column, _noised(table[column], rng, rate, rewrite,
                                                            **options))
    for name in DUPLICATED_TABLES:
        tables[name] = noise.add_duplicate_rows(tables[name], rng, prof.duplicate_rate)
    return tables
