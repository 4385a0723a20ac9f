"""``env_tax`` — environmental protection tax (环境保护税), CONTRACT 2.1.

Facts first (:mod:`facts`), labels by the rules (:mod:`rules`), then the noise pass
(:mod:`render`). Importing this package registers the point.

>>> from synthetic.registry import GenerationRequest
>>> import datetime
>>> s = generate(GenerationRequest(seed=1, size=10, difficulty=Difficulty.EASY,
...                                as_of=datetime.date(2023, 12, 31)))
>>> s.tables["permits"].num_rows
10
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from synthetic.difficulty import Difficulty  # noqa: F401  (used by the doctest)
from synthetic.points.env_tax.facts import (
    CLUE, FLAGS, HARD_NEGATIVE, HN_FLAGS, PLAIN, REASON_FLAGS, Facts, draw_facts, families,
    role_counts)
from synthetic.points.env_tax.render import render
from synthetic.points.env_tax.rules import compute_labels, taxable_lines
from synthetic.points.env_tax.schema import (
    GENERATOR_VERSION, POINT, REASON_CODES, RECORD_ID_COLUMN, SUBJECT_TABLE, TABLES, TITLE_EN,
    TITLE_ZH, deadline, monitoring_quarters)
from synthetic.registry import GeneratedScenario, GenerationRequest, PointSpec, register


def labels_of(facts: Facts) -> pd.DataFrame:
    """The rules applied to the clean facts: ``record_id, reason`` rows, sorted."""
    return compute_labels(facts.permits, facts.outlets, facts.monitoring, facts.declarations,
                          as_of=facts.as_of)


def generate(request: GenerationRequest) -> GeneratedScenario:
    facts = draw_facts(request.seed, request.size, request.difficulty, request.as_of)
    labels = labels_of(facts)
    tables = render(facts, request.seed, request.difficulty)
    label_table = pa.Table.from_arrays(
        [pa.array(labels["record_id"].to_numpy(), pa.string()),
         pa.array(labels["reason"].to_numpy(), pa.string())], names=["record_id", "reason"])
    return GeneratedScenario(tables=tables, labels=label_table)


SPEC = register(PointSpec(
    name=POINT, title_zh=TITLE_ZH, title_en=TITLE_EN, generator_version=GENERATOR_VERSION,
    tables=TABLES, subject_table=SUBJECT_TABLE, record_id_column=RECORD_ID_COLUMN,
    reason_codes=REASON_CODES, generate=generate))

__all__ = ["CLUE", "FLAGS", "GENERATOR_VERSION", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN",
           "REASON_CODES", "REASON_FLAGS", "SPEC", "TABLES", "Facts", "compute_labels",
           "deadline", "draw_facts", "families", "generate", "labels_of", "monitoring_quarters",
           "render", "role_counts", "taxable_lines"]
