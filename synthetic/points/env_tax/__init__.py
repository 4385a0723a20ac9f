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

import pyarrow as pa

from synthetic.difficulty import Difficulty  # noqa: F401  (used by the doctest)
from synthetic.points.env_tax.facts import (
    CLUE, FLAGS, HARD_NEGATIVE, HN_FLAGS, PLAIN, REASON_FLAGS, Facts, draw_facts, families,
    role_counts)
from synthetic.points.env_tax.render import RenderedTables, clean_table, render_table
from synthetic.points.env_tax.rules import (
    FilingFacts, LineFacts, compute_labels, label_table, reasons, taxable_lines)
from synthetic.points.env_tax.schema import (
    GENERATOR_VERSION, POINT, REASON_CODES, RECORD_ID_COLUMN, SUBJECT_TABLE, TABLES, TITLE_EN,
    TITLE_ZH, deadline, monitoring_quarters)
from synthetic.registry import GeneratedScenario, GenerationRequest, PointSpec, register


def labels_of(facts: Facts) -> pa.Table:
    """The rules applied to the facts' index arrays: ``record_id, reason`` rows, sorted."""
    lines, decl, cal = facts.lines, facts.decl, facts.cal
    line_facts = LineFacts(
        permit=lines.ent, period=lines.qi, outlet=facts.outlets.code[lines.outlet],
        pollutant=lines.pol, direct=facts.outlets.direct[lines.outlet], due=cal.due[lines.qi],
        emission_kg=lines.cents / 100.0, exceed_hours=lines.exceed,
        ratio=lines.ratio_bp / 10000.0)
    filings = FilingFacts(
        permit=facts.decl_owner, period=lines.qi[decl.line], outlet=line_facts.outlet[decl.line],
        pollutant=lines.pol[decl.line], declared_kg=decl.cents / 100.0, claim=decl.claim,
        line=decl.line)
    return label_table(facts.ent.permit_no, *reasons(line_facts, filings))


def generate(request: GenerationRequest) -> GeneratedScenario:
    facts = draw_facts(request.seed, request.size, request.difficulty, request.as_of)
    return GeneratedScenario(tables=RenderedTables(facts, request.seed, request.difficulty),
                             labels=labels_of(facts))


SPEC = register(PointSpec(
    name=POINT, title_zh=TITLE_ZH, title_en=TITLE_EN, generator_version=GENERATOR_VERSION,
    tables=TABLES, subject_table=SUBJECT_TABLE, record_id_column=RECORD_ID_COLUMN,
    reason_codes=REASON_CODES, generate=generate))

__all__ = ["CLUE", "FLAGS", "GENERATOR_VERSION", "HARD_NEGATIVE", "HN_FLAGS", "PLAIN",
           "REASON_CODES", "REASON_FLAGS", "SPEC", "TABLES", "Facts", "RenderedTables",
           "clean_table", "compute_labels", "deadline", "draw_facts", "families", "generate",
           "labels_of", "monitoring_quarters", "render_table", "role_counts", "taxable_lines"]
