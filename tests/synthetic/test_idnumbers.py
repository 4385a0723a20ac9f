"""ID numbers: the GB 11643 check, legacy forms, and people whose records agree with their IDs."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthetic import regions
from synthetic.idnumbers import (
    age_on, birth_date_of, draw_people, from_legacy15, id_check_char, is_male, is_valid_id,
    make_id, make_ids, to_legacy15,
)

AS_OF = dt.date(2023, 12, 31)
COUNTY_CODES = [r.code for r in regions.counties(include_legacy=True)]


def test_published_example_is_valid():
    assert is_valid_id("11010519491231002X")
    assert id_check_char("11010519491231002") == "X"
    assert birth_date_of("11010519491231002X") == dt.date(1949, 12, 31)
    assert not is_male("11010519491231002X")


@pytest.mark.parametrize("bad", [
    "11010519491231002x",   # the canonical form is upper case
    "110105194912310021",   # wrong check
    "11010519490230002X",   # 30 February
    "11010519491231002",    # too short
    "１1010519491231002X",  # full-width digit
    None,
])
def test_invalid_ids_are_rejected(bad):
    assert not is_valid_id(bad)


def test_make_id_sets_sex_and_check():
    assert make_id("340207", dt.date(1980, 5, 17), 123) == "34020719800517123X"
    assert is_male(make_id("340207", dt.date(1980, 5, 17), 123))
    assert not is_male(make_id("340207", dt.date(1980, 5, 17), 124))
    with pytest.raises(ValueError):
        make_id("340207", dt.date(1980, 5, 17), 1000)
    with pytest.raises(ValueError):
        make_id("34020", dt.date(1980, 5, 17), 1)


@given(st.lists(st.tuples(st.sampled_from(COUNTY_CODES),
                          st.dates(dt.date(1900, 1, 1), dt.date(2023, 12, 31)),
                          st.integers(0, 999)), min_size=1, max_size=50))
def test_vectorised_ids_match_the_scalar_check(rows):
    divisions, births, seqs = zip(*rows)
    ids = make_ids(list(divisions), np.array(births, dtype="datetime64[D]"), list(seqs))
    for id18, (division, birth, seq) in zip(ids, rows):
        assert isinstance(id18, str) and is_valid_id(id18)
        assert id18[:6] == division and birth_date_of(id18) == birth
        assert id18[17] == id_check_char(id18[:17]) and is_male(id18) == (seq % 2 == 1)


@given(st.sampled_from(COUNTY_CODES), st.dates(dt.date(1900, 1, 1), dt.date(1999, 12, 31)),
       st.integers(0, 999))
def test_legacy_round_trip(division, birth, seq):
    id18 = make_id(division, birth, seq)
    id15 = to_legacy15(id18)
    assert len(id15) == 15 and id15 == id18[:6] + id18[8:17]
    assert from_legacy15(id15) == id18


def test_legacy_form_only_for_19xx():
    with pytest.raises(ValueError):
        to_legacy15(make_id("340207", dt.date(2001, 1, 1), 1))


@pytest.mark.parametrize("birth, on, age", [
    (dt.date(2005, 12, 31), dt.date(2023, 12, 31), 17),  # the 18th birthday itself
    (dt.date(2005, 12, 30), dt.date(2023, 12, 31), 18),  # the day after it
    (dt.date(2004, 2, 29), dt.date(2022, 2, 28), 17),    # birthday falls on 28 February
    (dt.date(2004, 2, 29), dt.date(2022, 3, 1), 18),
])
def test_age_is_reached_the_day_after_the_birthday(birth, on, age):
    assert age_on(birth, on) == age


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000),
       ages=st.tuples(st.integers(0, 90), st.integers(0, 20)),
       legacy_share=st.sampled_from([0.0, 0.5, 1.0]),
       as_of=st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
def test_people_agree_with_their_ids(seed, n, ages, legacy_share, as_of):
    min_age, max_age = ages[0], ages[0] + ages[1]
    people = draw_people(np.random.default_rng(seed), n, as_of=as_of, min_age=min_age,
                         max_age=max_age, legacy_share=legacy_share)
    assert list(people.columns) == ["id_number", "name", "sex", "birth_date", "county_code"]
    assert len(people) == n and people["id_number"].is_unique
    for row in people.itertuples():
        birth = row.birth_date.date()
        assert is_valid_id(row.id_number)
        assert birth_date_of(row.id_number) == birth
        assert is_male(row.id_number) == (row.sex == "男")
        assert min_age <= age_on(birth, as_of) <= max_age
        division = regions.region(row.id_number[:6])
        assert division.code == row.county_code or (
            division.legacy and division.successor == row.county_code and birth.year < 1995)


def test_legacy_share_changes_only_id_divisions():
    kwargs = dict(as_of=AS_OF, min_age=30, max_age=90)
    plain = draw_people(np.random.default_rng(3), 20_000, legacy_share=0.0, **kwargs)
    aged = draw_people(np.random.default_rng(3), 20_000, legacy_share=1.0, **kwargs)
    for column in ("name", "sex", "birth_date", "county_code"):
        assert plain[column].equals(aged[column])
    legacy = aged["id_number"].str[:6].map(lambda c: regions.region(c).legacy)
    assert legacy.any() and not plain["id_number"].str[:6].map(
        lambda c: regions.region(c).legacy).any()


def test_draw_people_is_deterministic():
    kwargs = dict(as_of=AS_OF, min_age=18, max_age=70, legacy_share=0.2)
    a = draw_people(np.random.default_rng(11), 5000, **kwargs)
    b = draw_people(np.random.default_rng(11), 5000, **kwargs)
    assert a.equals(b)


def test_ids_are_unique_at_scale_even_when_crowded():
    people = draw_people(np.random.default_rng(5), 200_000, as_of=AS_OF, min_age=18,
                         max_age=80)
    assert people["id_number"].is_unique
    # One county and one birth year force many collisions, which must all be resolved.
    crowded = draw_people(np.random.default_rng(5), 50_000, as_of=AS_OF, min_age=30,
                          max_age=30, divisions=["340207"])
    assert crowded["id_number"].is_unique
    assert all(is_valid_id(i) for i in crowded["id_number"])
    assert (crowded["id_number"].str[16].astype(int) % 2 == 1).eq(crowded["sex"] == "男").all()


def test_distinct_names_and_bad_arguments():
    people = draw_people(np.random.default_rng(1), 5000, as_of=AS_OF, min_age=18, max_age=60,
                         distinct_names=True)
    assert people["name"].is_unique
    with pytest.raises(ValueError):
        draw_people(np.random.default_rng(1), 10, as_of=AS_OF, min_age=30, max_age=20)
    with pytest.raises(ValueError):
        draw_people(np.random.default_rng(1), 10**7, as_of=AS_OF, min_age=30, max_age=30,
                    divisions=["340207"])


def test_make_ids_reads_codes_the_same_whatever_their_type():
    births = np.array(["1980-05-17", "2001-02-28", "1999-12-31"], dtype="datetime64[D]")
    codes = ["340207", "341621", "110101"]
    expected = make_ids(np.asarray(codes, dtype=object), births, [123, 4, 999])
    for form in (codes, np.asarray(codes), [int(c) for c in codes]):
        got = make_ids(form, births, [123, 4, 999])
        assert got.dtype == object and all(type(s) is str for s in got)
        assert got.tolist() == expected.tolist()
    assert expected[0] == "34020719800517123X"
    with pytest.raises(ValueError):
        make_ids(["34020a"], births[:1], [1])


def test_draw_people_columns_keep_their_dtypes():
    people = draw_people(np.random.default_rng(3), 50, as_of=AS_OF, min_age=18, max_age=60,
                         legacy_share=0.5)
    for column in ("id_number", "name", "sex", "county_code"):
        assert people[column].dtype == "str" and people[column].map(type).eq(str).all()
    empty = draw_people(np.random.default_rng(3), 0, as_of=AS_OF, min_age=18, max_age=60)
    assert list(empty.columns) == list(people.columns) and len(empty) == 0
