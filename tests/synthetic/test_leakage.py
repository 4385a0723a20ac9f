"""Leakage guard: no point may reveal its clues through metadata rather than facts.

On one large ``standard`` scenario per registered point, and for each of its subject tables (a
point may have several, with different clue rates), a gradient-boosted classifier sees only
metadata of each subject — its row position, its key's length, character-class pattern, prefixes
and numeric suffix, and where its first row sits in every other table — and must not tell clues
from non-clues: cross-validated AUC within 0.5 ± 0.05. A planted leak (clues moved to the end of
the subject table) shows that the guard can fail.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from synthetic.difficulty import Difficulty
from synthetic.registry import GenerationRequest, available_points, get_point

SIZE = 30_000
TOLERANCE = 0.05
PREFIXES = (2, 4, 6, 8)
MAX_CATEGORIES = 250        # HistGradientBoosting's limit is 255 per categorical feature
LINK_SAMPLE = 20_000        # rows of another table used to find the column that names subjects
MIN_LINK_SHARE = 0.5


@cache
def scenario(point: str):
    request = GenerationRequest(seed=20240101, size=SIZE, difficulty=Difficulty.STANDARD,
                                as_of=dt.date(2023, 12, 31))
    return get_point(point).generate(request)


def _canonical(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """NFKC, no whitespace, upper case: how a model would match codes across tables."""
    values = pc.utf8_normalize(values, "NFKC")
    return pc.utf8_upper(pc.replace_substring_regex(values, r"\s+", ""))


def _categories(values: list[str]) -> np.ndarray:
    """Ordinal codes of the most frequent values; the rest share one code."""
    uniq, inverse, counts = np.unique(np.asarray(values, dtype=object).astype(str),
                                      return_inverse=True, return_counts=True)
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(uniq))
    return np.minimum(rank[inverse], MAX_CATEGORIES).astype(float)


def _pattern(key: str) -> str:
    key = re.sub(r"[0-9]", "9", key)
    key = re.sub(r"[A-Z]", "A", key)
    key = re.sub(r"[a-z]", "a", key)
    return re.sub(r"[^9Aa]", "?", key)


def key_features(keys: list[str]) -> dict[str, tuple[np.ndarray, bool]]:
    """Length, character-class pattern, prefixes and the value of the last run of digits,
    each as ``name: (values, categorical)``."""
    digits = [re.findall(r"\d+", key) for key in keys]
    return {
        "key length": (np.array([len(k) for k in keys], dtype=float), False),
        "key pattern": (_categories([_pattern(k) for k in keys]), True),
        **{f"key prefix[:{k}]": (_categories([key[:k] for key in keys]), True) for k in PREFIXES},
        "key numeric suffix": (np.array([float(d[-1][-12:]) if d else -1.0 for d in digits]),
                               False),
        "key suffix digits": (np.array([len(d[-1]) if d else 0 for d in digits], dtype=float),
                              False),
    }


def _link(subjects: pa.Table, table: pa.Table) -> tuple[str, str] | None:
    """(column of ``table``, unique column of ``subjects``) that names the subjects best."""
    best, best_share = None, MIN_LINK_SHARE
    rows = table.slice(0, LINK_SAMPLE)
    for s_field in subjects.schema:
        s_col = subjects.column(s_field.name)
        if not pa.types.is_string(s_field.type) or \
                pc.count_distinct(s_col).as_py() != subjects.num_rows:
            continue
        known = _canonical(s_col)
        for t_field in rows.schema:
            if not pa.types.is_string(t_field.type):
                continue
            cells = pc.drop_null(_canonical(rows.column(t_field.name)))
            if len(cells) == 0:
                continue
            share = pc.mean(pc.is_in(cells, value_set=known).cast(pa.int8())).as_py()
            if share > best_share:
                best, best_share = (t_field.name, s_field.name), share
    return best


def first_row_positions(subjects: pa.Table, table: pa.Table) -> np.ndarray | None:
    """Relative position of each subject's first row in ``table``. A subject with no row gets
    the position of a random other subject: having no rows is a fact (say, an undeclared
    approval), not metadata, and a constant would let the classifier see it."""
    link = _link(subjects, table)
    if link is None:
        return None
    t_col, s_col = link
    owner = pc.index_in(_canonical(table.column(t_col)),
                        value_set=_canonical(subjects.column(s_col)))
    owner = owner.to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(~np.isnan(owner.astype(float)))
    found, first = np.unique(owner[rows].astype(np.int64), return_index=True)
    position = np.full(subjects.num_rows, np.nan)
    position[found] = rows[first] / max(table.num_rows, 1)
    missing = np.isnan(position)
    if missing.any() and len(found):
        position[missing] = np.random.default_rng(0).choice(position[found], missing.sum())
    return position


@dataclass(frozen=True)
class Subjects:
    """One subject table of a point: the table's name and its record id column."""

    table: str
    key: str


def metadata(subject: Subjects, tables: dict[str, pa.Table]) -> dict[str, tuple[np.ndarray, bool]]:
    """Every metadata feature of each subject, as ``name: (values, categorical)``."""
    subjects = tables[subject.table]
    keys = subjects.column(subject.key).to_pylist()
    features = {"row position": (np.arange(len(keys)) / len(keys), False), **key_features(keys)}
    for name, table in tables.items():
        if name != subject.table:
            position = first_row_positions(subjects, table)
            if position is not None:
                features[f"first row in {name}"] = (position, False)
    return features


def is_clue(subject: Subjects, tables: dict[str, pa.Table], labels: pa.Table) -> np.ndarray:
    keys = tables[subject.table].column(subject.key)
    return pc.is_in(keys, value_set=labels.column("record_id")).to_numpy(zero_copy_only=False)


def cross_validated_auc(features: dict[str, tuple[np.ndarray, bool]], clue: np.ndarray) -> float:
    model = HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.1, max_leaf_nodes=15, random_state=0,
        categorical_features=np.array([categorical for _, categorical in features.values()]))
    folds = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
    x = np.column_stack([values for values, _ in features.values()])
    scores = cross_val_predict(model, x, clue, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(clue, scores))


def clue_auc(subject: Subjects, tables: dict[str, pa.Table], labels: pa.Table) -> float:
    return cross_validated_auc(metadata(subject, tables), is_clue(subject, tables, labels))


def leaking_features(subject: Subjects, tables: dict[str, pa.Table], labels: pa.Table) -> str:
    """Each feature's own AUC, worst first: what to tell the point's author."""
    clue = is_clue(subject, tables, labels)
    aucs = {name: cross_validated_auc({name: feature}, clue)
            for name, feature in metadata(subject, tables).items()}
    return ", ".join(f"{name} {auc:.3f}" for name, auc in
                     sorted(aucs.items(), key=lambda item: -abs(item[1] - 0.5)))


SUBJECTS = [(point, Subjects(table, key)) for point in available_points()
            for table, key in get_point(point).subject_tables]


@pytest.mark.slow
@pytest.mark.parametrize("point,subject", SUBJECTS,
                         ids=[f"{point}-{subject.table}" for point, subject in SUBJECTS])
def test_metadata_does_not_predict_clues(point, subject):
    generated = scenario(point)
    tables = dict(generated.tables.items())
    auc = clue_auc(subject, tables, generated.labels)
    print(f"{point}.{subject.table}: metadata AUC {auc:.4f}")
    if abs(auc - 0.5) > TOLERANCE:
        pytest.fail(f"{point}.{subject.table} leaks through metadata: AUC {auc:.3f}; per "
                    "feature: " + leaking_features(subject, tables, generated.labels))


@pytest.mark.slow
def test_the_guard_finds_a_planted_leak():
    point, subject = SUBJECTS[0]
    generated = scenario(point)
    tables = dict(generated.tables.items())
    clue = pc.is_in(tables[subject.table].column(subject.key),
                    value_set=generated.labels.column("record_id"))
    order = pc.sort_indices(pa.table({"clue": clue}), sort_keys=[("clue", "ascending")])
    tables[subject.table] = tables[subject.table].take(order)
    assert clue_auc(subject, tables, generated.labels) > 0.5 + 2 * TOLERANCE
    assert leaking_features(subject, tables, generated.labels).startswith("row position")
