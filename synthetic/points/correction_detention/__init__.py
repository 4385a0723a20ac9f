"""``correction_detention`` — community correction subjects under administrative detention
(社区矫正对象被行政拘留), CONTRACT 2.6.

Facts first (:mod:`facts`), labels by the rules (:mod:`rules`), then the noise pass
(:mod:`render`, one table at a time). The generator labels with the rules on the facts' integer
columns (:func:`rules.fact_labels`); :func:`rules.compute_labels` states the same rules on clean
tables, and the tests check that both agree. Importing this package registers the point.

>>> from synthetic.registry import GenerationRequest
>>> import datetime
>>> s = generate(GenerationRequest(seed=1, size=10, difficulty=Difficulty.EASY,
...                                as_of=datetime.date(2023, 12, 31)))
>>> s.tables["subjects"].num_rows
10
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from synthetic.difficulty import Difficulty  # noqa: F401  (used by the doctest)
from synthetic.points.correction_detention.facts import (
    CLUE, FLAGS, HARD_NEGATIVE, HN_FLAGS, PLAIN, REASON_FLAGS, Facts, draw_facts, families,
    role_counts)
from synthetic.points.correction_detention.render import (
    RenderedTables, clean_table, render, render_table)
from synthetic.points.correction_detention.rules import (
    compute_labels, effective_detentions, fact_labels, label_table)
from synthetic.points.correction_detention.schema import (
    GENERATOR_VERSION, POINT, REASON_CODES, RECORD_ID_COLUMN, SUBJECT_TABLE, TABLES, TITLE_EN,
    TITLE_ZH)
from synthetic.registry import GeneratedScenario, GenerationRequest, PointSpec, register


def label_arrow(facts: Facts) -> pa.Table:
    """The rules applied to the facts' integer columns: ``record_id, reason`` rows, sorted."""
    ev = facts.events
    subj, reason = fact_labels(facts.size, facts.types, facts.start, facts.end, ev.pun, ev.san,
                               ev.chk, facts.today)
    return label_table(facts.correction_no, subj, reason)


def labels_of(facts: Facts) -> pd.DataFrame:
    """The rules applied to the facts: ``record_id, reason`` rows, sorted (a pandas frame)."""
    return label_arrow(facts).to_pandas()


def generate(request: GenerationRequest) -> GeneratedScenario:
    facts = draw_facts(request.seed, request.size, request.difficulty, request.as_of)
    return GeneratedScenario(tables=RenderedTables(facts, request.seed, request.difficulty),
                             labels=label_arrow(facts))


SPEC = register(PointSpec(
    name=POINT, title_zh=TITLE_ZH, title_en=TITLE_EN, generator_version=GENERATOR_VERSION,
    tables=TABLES, subject_table=SUBJECT_TABLE, record_id_column=RECORD_ID_COLUMN,
    reason_codes=REASON_CODES, generate=generate))

__all__ = ["CLUE", "FLAGS", "GENERATOR_VERSION", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN",
           "REASON_CODES", "REASON_FLAGS", "SPEC", "TABLES", "Facts", "RenderedTables",
           "clean_table", "compute_labels", "draw_facts", "effective_detentions", "fact_labels",
           "families", "generate", "label_arrow", "labels_of", "render", "render_table",
           "role_counts"]
