"""Properties every registered point must have, on scenarios drawn by ``synthetic.strategies``."""

from __future__ import annotations

import datetime as dt
import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from synthetic import normalize
from synthetic.creditcodes import is_valid_uscc
from synthetic.difficulty import Difficulty
from synthetic.idnumbers import is_valid_id
from synthetic.registry import available_points, get_point
from synthetic.strategies import (
    DrawnScenario, as_of_dates, scenarios)

POINTS = available_points()
PROPERTY = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DATE_COLUMN = re.compile(r".*(_date|_from|_to)$")
PERIOD_ENDS = re.compile(r".*(_to|end_date|delivery_date)$")   # may lie after as_of
ISO = r"\d{4}-\d{2}-\d{2}"


def string_columns(table: pa.Table) -> dict[str, list]:
    return {f.name: table.column(f.name).to_pylist() for f in table.schema
            if pa.types.is_string(f.type)}


def canonical_key(cell: str) -> str | None:
    """The canonical form of a cell that is an ID number or a credit code in any variant."""
    code = normalize.normalize_uscc(cell)
    if is_valid_uscc(code):
        return code
    number = normalize.normalize_id(cell)
    return number if is_valid_id(number) else None


@pytest.mark.parametrize("point", POINTS)
@PROPERTY
@given(data=st.data())
def test_tables_and_labels_follow_the_point_spec(point, data):
    s: DrawnScenario = data.draw(scenarios(point=point, max_size=120))
    spec = get_point(point)
    assert list(s.tables) == [t.name for t in spec.tables]
    for schema in spec.tables:
        assert s.tables[schema.name].schema.equals(schema.arrow_schema()), schema.name
    assert s.labels.schema.equals(pa.schema([("record_id", pa.string()),
                                             ("reason", pa.string())]))
    record_ids = set()
    for table, column in spec.subject_tables:
        keys = s.tables[table].column(column)
        assert keys.null_count == 0 and pc.count_distinct(keys).as_py() == len(keys)
        record_ids |= set(keys.to_pylist())
    assert set(s.labels.column("record_id").to_pylist()) <= record_ids
    assert set(s.labels.column("reason").to_pylist()) <= set(spec.reason_codes)
    assert s.labels.num_rows >= 1, "every scenario has at least one clue"
    pairs = list(zip(*(s.labels.column(c).to_pylist() for c in ("record_id", "reason"))))
    assert pairs == sorted(set(pairs)), "labels are sorted and unique"


@pytest.mark.parametrize("point", POINTS)
@PROPERTY
@given(data=st.data())
def test_dates_are_well_formed_and_never_after_as_of(point, data):
    s = data.draw(scenarios(point=point, max_size=120))
    for schema in get_point(point).tables:
        cells = string_columns(s.tables[schema.name])
        for column in schema.columns:
            if column.type != "string" or not DATE_COLUMN.fullmatch(column.name):
                continue
            values = [v for v in cells[column.name] if v]
            if column.messy:
                days = [normalize.normalize_date(v) for v in values]
            else:
                assert all(re.fullmatch(ISO, v) for v in values), (schema.name, column.name)
                days = [dt.date.fromisoformat(v) for v in values]
            if not PERIOD_ENDS.fullmatch(column.name):
                assert all(d <= s.as_of for d in days), (schema.name, column.name, s.as_of)


@pytest.mark.parametrize("point", POINTS)
@PROPERTY
@given(data=st.data())
def test_easy_has_no_noise(point, data):
    s = data.draw(scenarios(point=point, difficulty="easy", max_size=120))
    for schema in get_point(point).tables:
        table = s.tables[schema.name]
        assert table.group_by(table.column_names).aggregate([]).num_rows == table.num_rows, \
            f"{schema.name} has exact duplicate rows"
        for name, values in string_columns(table).items():
            for v in values:
                if not v:
                    continue
                assert v == v.strip(), (schema.name, name, v)
                key = canonical_key(v)
                assert key is None or v == key, (schema.name, name, v)
            column = schema.columns[schema.column_names.index(name)]
            if column.messy:
                assert all(re.fullmatch(ISO, v) for v in values if v), (schema.name, name)


@settings(max_examples=50, deadline=None)
@given(as_of=as_of_dates())
def test_as_of_dates_stay_in_range(as_of):
    assert dt.date(2019, 12, 31) <= as_of <= dt.date(2027, 1, 16)


BAD_ARGUMENTS = [
    (dict(max_size="x"), r"Expected int but got max_size='x' \(type=str\)"),
    (dict(min_size=2.5), r"Expected int but got min_size=2.5 \(type=float\)"),
    (dict(max_size=True), r"Expected int but got max_size=True \(type=bool\)"),
    (dict(min_size=0), r"Expected min_size >= 1 but got min_size=0"),
    (dict(min_size=20, max_size=10), r"Cannot have max_size=10 < min_size=20"),
    (dict(point=3), r"Expected str but got point=3 \(type=int\)"),
    (dict(point="env_taxx"), r"Unknown point 'env_taxx'; available: env_tax"),
    (dict(difficulty="medium"), r"Unknown difficulty 'medium'; expected one of easy, standard"),
    (dict(difficulty=1), r"Expected str or Difficulty but got difficulty=1"),
    (dict(as_of="2023-12-31"), r"Expected date but got as_of='2023-12-31' \(type=str\)"),
    (dict(as_of=dt.datetime(2023, 12, 31)), r"Expected date but got as_of=datetime\.datetime"),
]


@pytest.mark.parametrize("kwargs,message", BAD_ARGUMENTS)
def test_invalid_arguments_are_rejected(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        scenarios(**kwargs)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        scenarios("env_tax")  # type: ignore[misc]


@settings(max_examples=5, deadline=None, derandomize=True)
@given(s=scenarios(point=st.sampled_from(POINTS), difficulty=st.just(Difficulty.HARD),
                   as_of=dt.date(2024, 1, 15), min_size=15, max_size=15))
def test_fixed_options_are_honoured(s):
    assert (s.size, s.difficulty, s.as_of) == (15, Difficulty.HARD, dt.date(2024, 1, 15))
    assert s.point in POINTS
