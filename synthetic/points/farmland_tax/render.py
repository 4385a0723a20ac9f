"""Facts to tables: the presentation-noise pass of ``farmland_tax``.

The pass has its own random stream and never changes a fact; every variant is one the contract
lists (CONTRACT 1 and 2.2) and ``docs/points/farmland_tax.md`` repeats:

* ``user_code``, ``occupier_code``, ``taxpayer_code``: ID numbers with lower-case ``x``, spaces,
  full-width digits and (hard) the 15-digit form for people born 1900-1999; credit codes in lower
  case or with surrounding spaces. Every record of an ``hn_noisy_code`` subject is noised;
* names: company and body names with brackets swapped or surrounding spaces, person names with
  surrounding spaces; (hard) namesakes — another villager shown under the same name;
* (hard) an empty ``source_ref`` where the taxpayer is the subject's user and that user has this
  one subject (always for ``hn_code_only``); an empty credit code where ``source_ref`` is present,
  the exact registered name beside it;
* ``notice_date``, ``determined_date``, ``declared_date`` (messy): ``YYYY/M/D``, ``YYYYMMDD``,
  ``YYYY年M月D日``; about 1% exact duplicate rows in ``tax_records`` (standard, hard).

``county_rates`` (a setting) is written clean; subject keys are never noised.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from synthetic import noise
from synthetic.difficulty import Difficulty, profile
from synthetic.points.farmland_tax.facts import HN_CODE_ONLY, HN_NOISY_CODE, Facts
from synthetic.points.farmland_tax.schema import INDIVIDUAL, POINT, TABLES
from synthetic.rng import stream

EMPTY_SHARE = 0.5        # empty source_ref / credit codes at this share of the noise rate (hard)
NAMESAKE_SHARE = 0.5     # villagers given a namesake, at this share of the noise rate (hard)
_ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}


def _to_arrow(name: str, frame) -> pa.Table:
    schema = next(t for t in TABLES if t.name == name)
    arrays = [pa.array(frame[c.name], type=_ARROW[c.type]) for c in schema.columns]
    return pa.Table.from_arrays(arrays, schema=schema.arrow_schema())


def _codes(codes: np.ndarray, person: np.ndarray, rng, rate: float, legacy: bool) -> np.ndarray:
    out = np.array(codes, dtype=object)
    ids, orgs = np.flatnonzero(person), np.flatnonzero(~person)
    out[ids] = noise.noise_ids(out[ids], rng, rate, legacy=legacy)
    out[orgs] = noise.noise_credit_codes(out[orgs], rng, rate)
    return out


def _names(names: np.ndarray, person: np.ndarray, rng, rate: float) -> np.ndarray:
    out = np.array(names, dtype=object)
    ids, orgs = np.flatnonzero(person), np.flatnonzero(~person)
    out[ids] = noise.noise_person_names(out[ids], rng, rate)
    out[orgs] = noise.noise_company_names(out[orgs], rng, rate)
    return out


def _namesakes(rng, facts: Facts, rate: float) -> np.ndarray:
    """Displayed names: some villagers (always the users of ``hn_code_only`` patches and
    approvals) get a namesake — another villager shown under their name."""
    ents = facts.entities
    shown = ents.name.copy()
    people = np.flatnonzero(ents.kind == INDIVIDUAL)
    if len(people) < 2:
        return shown
    code_only = facts.subjects[HN_CODE_ONLY].to_numpy()
    target = np.zeros(len(ents), dtype=bool)
    target[people[rng.random(len(people)) < rate * NAMESAKE_SHARE]] = True
    target[facts.subject_entity[code_only]] = True
    target &= ents.kind == INDIVIDUAL
    sources = np.flatnonzero(target)
    pick = rng.integers(0, len(people), len(sources))
    other = people[pick]
    other = np.where(other == sources, people[(pick + 1) % len(people)], other)
    shown[other] = ents.name[sources]
    return shown


def render(facts: Facts, seed: int, difficulty: Difficulty | str) -> dict[str, pa.Table]:
    """The four tables, in the contract's order, with the difficulty's presentation noise."""
    difficulty = Difficulty.parse(difficulty)
    prof = profile(difficulty)
    rate = prof.noise_rate
    rng = stream(seed, POINT, "noise", difficulty.value)
    ents = facts.entities
    person = ents.kind == INDIVIDUAL
    shown = _namesakes(rng, facts, rate) if prof.namesakes else ents.name

    approvals = facts.approvals.copy()
    e = facts.approval_entity
    approvals["user_code"] = _codes(ents.code[e], person[e], rng, rate, prof.legacy_ids)
    approvals["user_name"] = _names(shown[e], person[e], rng, rate)
    approvals["notice_date"] = noise.noise_dates(approvals["notice_date"], rng, rate)
    patches = facts.patches.copy()
    e = facts.patch_entity
    patches["occupier_code"] = _codes(ents.code[e], person[e], rng, rate, prof.legacy_ids)
    patches["occupier_name"] = _names(shown[e], person[e], rng, rate)
    patches["determined_date"] = noise.noise_dates(patches["determined_date"], rng, rate)

    records = facts.tax_records.copy()
    e, subj = facts.record_entity, facts.record_subject
    n = len(records)
    flags = facts.subjects
    code = _codes(ents.code[e], person[e], rng, rate, prof.legacy_ids)
    forced = np.flatnonzero(flags[HN_NOISY_CODE].to_numpy()[subj]) if rate > 0 else \
        np.empty(0, dtype=np.int64)
    code[forced] = _codes(ents.code[e[forced]], person[e[forced]], rng, 1.0, prof.legacy_ids)
    name = _names(shown[e], person[e], rng, rate)
    ref = records["source_ref"].to_numpy(dtype=object).copy()
    if prof.empty_codes:
        blank_ref = noise.empty_mask(rng, n, rate * EMPTY_SHARE)
        blank_ref = (blank_ref | flags[HN_CODE_ONLY].to_numpy()[subj]) & facts.record_single
        ref[blank_ref] = ""
        blank_code = noise.empty_mask(rng, n, rate * EMPTY_SHARE) & ~blank_ref & ~person[e]
        code[blank_code] = ""
        name[blank_code] = ents.name[e[blank_code]]
    records["source_ref"] = ref
    records["taxpayer_code"] = code
    records["taxpayer_name"] = name
    records["declared_date"] = noise.noise_dates(records["declared_date"], rng, rate)

    tables = {
        "county_rates": _to_arrow("county_rates", facts.county_rates),
        "approvals": _to_arrow("approvals", approvals),
        "patches": _to_arrow("patches", patches),
        "tax_records": noise.add_duplicate_rows(_to_arrow("tax_records", records), rng,
                                                prof.duplicate_rate),
    }
    return {t.name: tables[t.name] for t in TABLES}
