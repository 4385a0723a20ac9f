"""``shell_company`` — shell companies (空壳公司), CONTRACT 2.4.

Facts first (:mod:`facts`, :mod:`plan`, :mod:`ledger`), labels by the rules (:mod:`rules`), then
the noise pass (:mod:`render`). Importing this package registers the point.

>>> from synthetic.registry import GenerationRequest
>>> import datetime
>>> s = generate(GenerationRequest(seed=1, size=10, difficulty=Difficulty.EASY,
...                                as_of=datetime.date(2023, 12, 31)))
>>> s.tables["companies"].num_rows
10
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from synthetic.difficulty import Difficulty  # noqa: F401  (used by the doctest)
from synthetic.points.shell_company.facts import (
    CLUE, FLAGS, HARD_NEGATIVE, HN_FLAGS, PLAIN, REASON_FLAGS, Facts, draw_facts, families,
    role_counts)
from synthetic.points.shell_company.plan import EXISTING
from synthetic.points.shell_company.render import RenderedTables, render_table
from synthetic.points.shell_company.rules import (
    ages, compute_labels, label_frame, reasons, ring_members, window)
from synthetic.points.shell_company.schema import (
    GENERATOR_VERSION, POINT, REASON_CODES, RECORD_ID_COLUMN, STRAW_AGE, SUBJECT_TABLE, TABLES,
    TITLE_EN, TITLE_ZH)
from synthetic.registry import GeneratedScenario, GenerationRequest, PointSpec, register


def labels_of(facts: Facts) -> pa.Table:
    """The rules applied to the facts' index arrays: ``record_id, reason`` rows, sorted."""
    plan, led = facts.plan, facts.ledger
    persons = plan.persons
    straw = (persons["low_income"].to_numpy(zero_copy_only=False)
             | persons["student"].to_numpy(zero_copy_only=False)
             | (ages(pd.Series(pd.to_datetime(persons["birth_date"].to_numpy(
                 zero_copy_only=False))), facts.as_of) >= STRAW_AGE))
    found = reasons(
        as_of=facts.as_of, established=plan.established, existing=plan.status == EXISTING,
        rep=plan.rep, straw_rep=straw[plan.rep], tax_company=led.tax_company,
        tax_month=plan.window_start + led.tax_month.astype(np.int32),
        invoiced_cents=led.invoiced, paid_cents=led.paid, normal=~led.abnormal,
        si_company=led.si_company, si_month=plan.window_start + led.si_month.astype(np.int32),
        insured=led.insured, fraud_company=np.flatnonzero(plan.fraud))
    labels = label_frame(np.arange(len(plan.first)), found)
    record = facts.uscc.take(pa.array(labels["record_id"].to_numpy()))
    table = pa.table({"record_id": record, "reason": pa.array(labels["reason"], pa.string())})
    return table.sort_by([("record_id", "ascending"), ("reason", "ascending")])


def generate(request: GenerationRequest) -> GeneratedScenario:
    facts = draw_facts(request.seed, request.size, request.difficulty, request.as_of)
    return GeneratedScenario(tables=RenderedTables(facts, request.seed, request.difficulty),
                             labels=labels_of(facts))


SPEC = register(PointSpec(
    name=POINT, title_zh=TITLE_ZH, title_en=TITLE_EN, generator_version=GENERATOR_VERSION,
    tables=TABLES, subject_table=SUBJECT_TABLE, record_id_column=RECORD_ID_COLUMN,
    reason_codes=REASON_CODES, generate=generate))

__all__ = ["CLUE", "FLAGS", "GENERATOR_VERSION", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN",
           "REASON_CODES", "REASON_FLAGS", "SPEC", "TABLES", "Facts", "RenderedTables", "ages",
           "compute_labels", "draw_facts", "families", "generate", "labels_of", "reasons",
           "render_table", "ring_members", "role_counts", "window"]
