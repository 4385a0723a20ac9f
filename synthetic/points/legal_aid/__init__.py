"""``legal_aid`` — legal aid for special groups in criminal cases (特殊群体刑事案件法律援助),
CONTRACT 2.5.

Facts first (:mod:`facts`), labels by the rules (:mod:`rules`), then the noise pass
(:mod:`render`). Importing this package registers the point.

>>> from synthetic.registry import GenerationRequest
>>> import datetime
>>> s = generate(GenerationRequest(seed=1, size=10, difficulty=Difficulty.EASY,
...                                as_of=datetime.date(2023, 12, 31)))
>>> s.tables["defendants"].num_rows
10
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from synthetic.difficulty import Difficulty  # noqa: F401  (used by the doctest)
from synthetic.points.legal_aid import text
from synthetic.points.legal_aid.facts import (
    CLUE, FLAGS, HARD_NEGATIVE, HN_FLAGS, PLAIN, REASON_FLAGS, Facts, draw_facts, families,
    role_counts)
from synthetic.points.legal_aid.render import render
from synthetic.points.legal_aid.rules import assess, compute_labels, label_rows, reasons
from synthetic.points.legal_aid.schema import (
    GENERATOR_VERSION, POINT, REASON_CODES, RECORD_ID_COLUMN, SUBJECT_TABLE, TABLES, TITLE_EN,
    TITLE_ZH)
from synthetic.registry import GeneratedScenario, GenerationRequest, PointSpec, register

TABLE_NAMES = tuple(t.name for t in TABLES)


def labels_of(facts: Facts) -> pd.DataFrame:
    """The rules applied to the clean tables (pandas): ``record_id, reason`` rows, sorted — the
    tests' independent reading of what :func:`label_table` finds from the evidence."""
    return compute_labels(*(getattr(facts, name) for name in TABLE_NAMES), as_of=facts.as_of)


def label_table(facts: Facts) -> pa.Table:
    """The rules applied to the evidence of the rows written: ``record_id, reason``, sorted."""
    row, reason = label_rows(reasons(facts.evidence, facts.as_of), facts.key_sort)
    return pa.table({"record_id": text.fixed(facts.keys, row),
                     "reason": text.vocab(sorted(REASON_CODES), reason).array()})


def generate(request: GenerationRequest) -> GeneratedScenario:
    facts = draw_facts(request.seed, request.size, request.difficulty, request.as_of)
    return GeneratedScenario(tables=render(facts, request.seed, request.difficulty),
                             labels=label_table(facts))


SPEC = register(PointSpec(
    name=POINT, title_zh=TITLE_ZH, title_en=TITLE_EN, generator_version=GENERATOR_VERSION,
    tables=TABLES, subject_table=SUBJECT_TABLE, record_id_column=RECORD_ID_COLUMN,
    reason_codes=REASON_CODES, generate=generate))

__all__ = ["CLUE", "FLAGS", "GENERATOR_VERSION", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN",
           "REASON_CODES", "REASON_FLAGS", "SPEC", "TABLES", "TABLE_NAMES", "Facts", "assess",
           "compute_labels", "draw_facts", "families", "generate", "label_table", "labels_of",
           "render", "role_counts"]
