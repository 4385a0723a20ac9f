"""``housing_clauses`` — unfair standard terms in housing sales contracts (霸王条款), CONTRACT 2.3.

Facts first (:mod:`facts`: contracts, rates, caps and the family of every clause), labels by the
rules (:mod:`rules`), then the text and noise pass (:mod:`render`, with the templates of
:mod:`catalogue`). Importing this package registers the point with the default templates;
organisers render the same scenario with phrasings the default set never uses through
``generate(request, template_set="heldout")``.

>>> from synthetic.registry import GenerationRequest
>>> import datetime
>>> s = generate(GenerationRequest(seed=1, size=10, difficulty=Difficulty.EASY,
...                                as_of=datetime.date(2023, 12, 31)))
>>> s.tables["contracts"].num_rows
10
"""

from __future__ import annotations

import pyarrow as pa

from synthetic.difficulty import Difficulty  # noqa: F401  (used by the doctest)
from synthetic.points.housing_clauses.catalogue import renderer, template_sources
from synthetic.points.housing_clauses.facts import (
    CLUE, FLAGS, HARD_NEGATIVE, PLAIN, REASON_FAMILY_NAMES, Facts, draw_facts, role_counts)
from synthetic.points.housing_clauses.render import clause_texts, render
from synthetic.points.housing_clauses.rules import compute_labels
from synthetic.points.housing_clauses.schema import (
    GENERATOR_VERSION, HARD_NEGATIVE_FAMILIES, POINT, REASON_CODES, RECORD_ID_COLUMN,
    SUBJECT_TABLE, TABLES, TEMPLATE_SETS, TEXT_FAMILIES, TITLE_EN, TITLE_ZH)
from synthetic.registry import GeneratedScenario, GenerationRequest, PointSpec, register


def labels_of(facts: Facts) -> pa.Table:
    """The rules applied to the facts: ``record_id, reason`` rows, sorted."""
    contract_no = facts.contract_table["contract_no"].combine_chunks()
    return compute_labels(
        contract_no, facts.buyer_rate, facts.seller_rate, facts.buyer_cap, facts.seller_cap,
        pa.DictionaryArray.from_arrays(facts.clause_contract, contract_no),
        pa.DictionaryArray.from_arrays(facts.clause_family, pa.array(TEXT_FAMILIES)))


def generate(request: GenerationRequest, *, template_set: str | None = None
             ) -> GeneratedScenario:
    """One scenario; ``template_set="heldout"`` (or ``request.template_set``) renders the same
    facts and labels with the held-out phrasings and rate forms instead of the default ones."""
    template_set = template_set or request.template_set
    if template_set not in TEMPLATE_SETS:
        raise ValueError(f"template_set must be one of {', '.join(TEMPLATE_SETS)}; "
                         f"got {template_set!r}")
    facts = draw_facts(request.seed, request.size, request.difficulty, request.as_of)
    return GeneratedScenario(
        tables=render(facts, request.seed, request.difficulty, template_set),
        labels=labels_of(facts))


SPEC = register(PointSpec(
    name=POINT, title_zh=TITLE_ZH, title_en=TITLE_EN, generator_version=GENERATOR_VERSION,
    tables=TABLES, subject_table=SUBJECT_TABLE, record_id_column=RECORD_ID_COLUMN,
    reason_codes=REASON_CODES, generate=generate, template_sets=TEMPLATE_SETS))

__all__ = ["CLUE", "FLAGS", "GENERATOR_VERSION", "HARD_NEGATIVE", "HARD_NEGATIVE_FAMILIES",
           "PLAIN", "REASON_CODES", "REASON_FAMILY_NAMES", "SPEC", "TABLES", "TEMPLATE_SETS",
           "Facts", "clause_texts", "compute_labels", "draw_facts", "generate", "labels_of",
           "render", "renderer", "role_counts", "template_sources"]
