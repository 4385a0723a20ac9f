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

``defendant_id``, ``case_no`` and the coded columns are never noised.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import noise
from synthetic.difficulty import Difficulty, profile
from synthetic.points.legal_aid.facts import Facts
from synthetic.points.legal_aid.schema import POINT, TABLES
from synthetic.rng import stream

DUPLICATED_TABLES = ("disabilities", "assessments", "defenders", "aid_notices")
EMPTY_BIRTH_FACTOR = 2.5   # empty birth dates per noisy cell of the level
_S = np.dtypes.StringDType()


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


def noise_cards(cells, rng: np.random.Generator, rate: float) -> np.ndarray:
    """Card numbers with the ID-number variants (no legacy form) on their first 18 characters."""
    cells = np.asarray(cells, dtype=_S)
    ids = noise.noise_ids(np.strings.slice(cells, 0, 18).astype(object), rng, rate)
    return np.strings.add(ids.astype(_S), np.strings.slice(cells, 18, None)).astype(object)


def _blank(column: pa.ChunkedArray, rng: np.random.Generator, rate: float) -> pa.Array:
    column = column.combine_chunks()
    mask = noise.empty_mask(rng, len(column), rate)
    return pc.if_else(pa.array(mask), pa.scalar("", pa.string()), column)


def render(facts: Facts, seed: int, difficulty: Difficulty | str) -> dict[str, pa.Table]:
    """The six tables, in the contract's order, with the difficulty's presentation noise."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    rng = stream(seed, POINT, "noise", difficulty.value)
    rate = prof.noise_rate
    tables = {t.name: pa.Table.from_pandas(getattr(facts, t.name), preserve_index=False)
              .cast(t.arrow_schema()) for t in TABLES}
    changes = [("cases", "accepted_date", noise.noise_dates, {}),
               ("defendants", "id_number", noise.noise_ids, {"legacy": prof.legacy_ids}),
               ("defendants", "name", noise.noise_person_names, {}),
               ("disabilities", "card_no", noise_cards, {}),
               ("disabilities", "name", noise.noise_person_names, {}),
               ("defenders", "appointed_date", noise.noise_dates, {}),
               ("defenders", "lawyer_name", noise.noise_person_names, {}),
               ("aid_notices", "notice_date", noise.noise_dates, {})]
    for name, column, rewrite, options in changes:
        table = tables[name]
        at = table.schema.get_field_index(column)
        tables[name] = table.set_column(at, column, _noised(table[column], rng, rate, rewrite,
                                                            **options))
    defendants = tables["defendants"]
    at = defendants.schema.get_field_index("birth_date")
    tables["defendants"] = defendants.set_column(
        at, "birth_date", _blank(defendants["birth_date"], rng, EMPTY_BIRTH_FACTOR * rate))
    for name in DUPLICATED_TABLES:
        tables[name] = noise.add_duplicate_rows(tables[name], rng, prof.duplicate_rate)
    return tables
