"""Facts to tables: the presentation-noise pass of ``env_tax``.

The pass has its own random stream and never changes a fact; every variant it writes is one the
contract lists (CONTRACT 1, presentation noise) and ``docs/points/env_tax.md`` repeats:

* ``declarations.taxpayer_code``: lower case or surrounding spaces (standard, hard); every row of
  an ``hn_noisy_code`` enterprise is noised; (hard) blank, on rows filed under the *current*
  registered name, which is then written exactly as registered;
* ``declarations.taxpayer_name``: full-width/half-width brackets swapped, surrounding spaces;
* ``declarations.declared_date`` (messy): ``YYYY/M/D``, ``YYYYMMDD``, ``YYYY年M月D日``;
* about 1% exact duplicate rows in ``outlets``, ``monitoring`` and ``declarations`` (standard,
  hard).

``permits`` (the subject table) and ``pollutants`` (a setting) are written clean.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from synthetic import noise
from synthetic.difficulty import Difficulty, profile
from synthetic.points.env_tax.facts import HN_NAME_ONLY, HN_NOISY_CODE, Facts
from synthetic.points.env_tax.schema import POINT, TABLES
from synthetic.rng import stream

EMPTY_CODE_SHARE = 0.5          # blank codes at this share of the noise rate (hard)
DUPLICATED_TABLES = ("outlets", "monitoring", "declarations")
_ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}


def _to_arrow(name: str, columns: dict) -> pa.Table:
    schema = next(t for t in TABLES if t.name == name)
    arrays = [pa.array(np.asarray(columns[c.name]), type=_ARROW[c.type]) for c in schema.columns]
    return pa.Table.from_arrays(arrays, schema=schema.arrow_schema())


def _frame_columns(frame) -> dict:
    return {c: frame[c].to_numpy() for c in frame.columns}


def render(facts: Facts, seed: int, difficulty: Difficulty | str) -> dict[str, pa.Table]:
    """The five tables, in the contract's order, with the difficulty's presentation noise."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    rng = stream(seed, POINT, "noise", difficulty.value)
    decl = _frame_columns(facts.declarations)
    owner = facts.decl_owner
    flags = facts.subjects
    registered = facts.permits["company_name"].to_numpy()[owner]
    current = decl["taxpayer_name"] == registered

    code = noise.noise_credit_codes(decl["taxpayer_code"], rng, prof.noise_rate)
    forced = np.flatnonzero(flags[HN_NOISY_CODE].to_numpy()[owner]) if prof.noise_rate > 0 \
        else np.empty(0, dtype=np.int64)
    code[forced] = noise.noise_credit_codes(decl["taxpayer_code"][forced], rng, 1.0)
    name = noise.noise_company_names(decl["taxpayer_name"], rng, prof.noise_rate)
    if prof.empty_codes:
        blank = noise.empty_mask(rng, len(code), prof.noise_rate * EMPTY_CODE_SHARE)
        blank = (blank | flags[HN_NAME_ONLY].to_numpy()[owner]) & current
        code[blank] = ""
        name[blank] = registered[blank]       # a blank code always sits next to the exact name
    decl["taxpayer_code"] = code
    decl["taxpayer_name"] = name
    decl["declared_date"] = noise.noise_dates(decl["declared_date"], rng, prof.noise_rate)

    tables = {
        "pollutants": _to_arrow("pollutants", _frame_columns(facts.pollutants)),
        "permits": _to_arrow("permits", _frame_columns(facts.permits)),
        "outlets": _to_arrow("outlets", _frame_columns(facts.outlets)),
        "monitoring": _to_arrow("monitoring", _frame_columns(facts.monitoring)),
        "declarations": _to_arrow("declarations", decl),
    }
    for name in DUPLICATED_TABLES:
        tables[name] = noise.add_duplicate_rows(tables[name], rng, prof.duplicate_rate)
    return {t.name: tables[t.name] for t in TABLES}
