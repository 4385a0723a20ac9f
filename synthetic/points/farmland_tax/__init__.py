"""``farmland_tax`` — farmland occupation tax (耕地占用税), CONTRACT 2.2.

Facts first (:mod:`facts`, :mod:`payments`), labels by the rules (:mod:`rules`), then the noise
pass (:mod:`render`). Approvals and patches are both subjects; the registry's one subject table is
``approvals`` and ``SUBJECT_TABLES`` names both. Importing this package registers the point.

>>> from synthetic.registry import GenerationRequest
>>> import datetime
>>> s = generate(GenerationRequest(seed=1, size=10, difficulty=Difficulty.EASY,
...                                as_of=datetime.date(2023, 12, 31)))
>>> s.tables["approvals"].num_rows + s.tables["patches"].num_rows
10
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic.difficulty import Difficulty  # noqa: F401  (used by the doctest)
from synthetic.points.farmland_tax.facts import (
    CLUE, FLAGS, HARD_NEGATIVE, HN_FLAGS, PLAIN, REASON_FLAGS, Facts, draw_facts, families,
    role_counts)
from synthetic.points.farmland_tax.payments import (
    COUNTY_RATE8, USE_EXEMPT, USE_RURAL, USE_TRANSPORT)
from synthetic.points.farmland_tax.render import (
    RenderedTables, clean_table, render, render_table)
from synthetic.points.farmland_tax.rules import (
    approval_area_m2, compute_labels, reasons, unit_yuan)
from synthetic.points.farmland_tax.schema import (
    DEADLINE_DAYS, GENERATOR_VERSION, M2_PER_HA, POINT, REASON_CODES, RECORD_ID_COLUMN,
    SUBJECT_TABLE, SUBJECT_TABLES, TABLES, TITLE_EN, TITLE_ZH)
from synthetic.registry import GeneratedScenario, GenerationRequest, PointSpec, register


def labels_of(facts: Facts) -> pa.Table:
    """The rules applied to the facts' integer arrays: ``record_id, reason`` rows, sorted.

    Every quantity is computed as :func:`compute_labels` computes it from the clean tables (the
    same float operations on the same values), so both give the same labels.
    """
    terms, n_app, rec = facts.terms, facts.ident.n_approvals, facts.records
    use = terms.use
    area = np.concatenate([
        approval_area_m2(np.round(terms.farm_m2[:n_app] / M2_PER_HA, 4),
                         np.round(terms.basic_m2[:n_app] / M2_PER_HA, 4)),
        np.round(terms.patch_centi / 100, 2)])
    unit = unit_yuan(USE_EXEMPT[use], USE_TRANSPORT[use], USE_RURAL[use],
                     COUNTY_RATE8[facts.ident.county] / 8)
    deadline = terms.trigger + np.timedelta64(DEADLINE_DAYS, "D")
    subject, reason = reasons(
        unit * area, deadline < np.datetime64(facts.as_of, "D"),
        np.arange(len(use)) < n_app, rec.subject, np.round(rec.cents / 100, 2),
        (rec.code != 0) & (rec.code != terms.allowed[rec.subject]))
    # Subject numbers all have 14 digits, so their order as strings is their numeric order:
    # one integer sort orders the rows as rules.label_table's string sort would.
    key = np.sort(facts.ident.number[subject] * len(REASON_CODES) + _REASON_RANK[reason])
    return pa.table({
        "record_id": pc.cast(pa.array(key // len(REASON_CODES)), pa.string()),
        "reason": _SORTED_REASONS.take(pa.array(key % len(REASON_CODES)))})


# Each reason index's rank among the reason codes as strings, and the codes in that order.
_REASON_RANK = np.argsort(np.argsort(REASON_CODES))
_SORTED_REASONS = pa.array(sorted(REASON_CODES), pa.string())


def generate(request: GenerationRequest) -> GeneratedScenario:
    facts = draw_facts(request.seed, request.size, request.difficulty, request.as_of)
    return GeneratedScenario(tables=render(facts, request.seed, request.difficulty),
                             labels=labels_of(facts))


SPEC = register(PointSpec(
    name=POINT, title_zh=TITLE_ZH, title_en=TITLE_EN, generator_version=GENERATOR_VERSION,
    tables=TABLES, subject_table=SUBJECT_TABLE, record_id_column=RECORD_ID_COLUMN,
    reason_codes=REASON_CODES, generate=generate, extra_subject_tables=SUBJECT_TABLES[1:]))

__all__ = ["CLUE", "FLAGS", "GENERATOR_VERSION", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN",
           "REASON_CODES", "REASON_FLAGS", "SPEC", "SUBJECT_TABLES", "TABLES", "Facts",
           "RenderedTables", "clean_table", "compute_labels", "draw_facts", "families",
           "generate", "labels_of", "render", "render_table", "role_counts"]
