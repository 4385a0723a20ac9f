"""Presentation noise never changes a fact: normalising a noised value gives the value back."""

import datetime as dt
import re
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthetic import noise, normalize
from synthetic.creditcodes import make_usccs
from synthetic.idnumbers import draw_people
from synthetic.pools import company_names

AS_OF = dt.date(2023, 12, 31)
PEOPLE = draw_people(np.random.default_rng(0), 3000, as_of=AS_OF, min_age=0, max_age=100)
IDS = PEOPLE["id_number"].to_numpy(dtype=object)
BIRTHS = PEOPLE["birth_date"].to_numpy(dtype="datetime64[D]")
CODES = make_usccs(np.random.default_rng(0), 3000, divisions="340207")
NAMES = company_names(np.random.default_rng(0), 3000, city_names="芜湖")
DATES = (np.datetime64("1990-01-01") + np.arange(0, 3000 * 7, 7)).astype(str).astype(object)
seeds = st.integers(0, 2**32 - 1)

CASES = {
    "ids": (IDS, lambda v, rng, rate: noise.noise_ids(v, rng, rate), normalize.normalize_id),
    "legacy ids": (IDS, lambda v, rng, rate: noise.noise_ids(v, rng, rate, legacy=True),
                   normalize.normalize_id),
    "credit codes": (CODES, noise.noise_credit_codes, normalize.normalize_uscc),
    "dates": (DATES, noise.noise_dates, lambda s: normalize.normalize_date(s).isoformat()),
    "company names": (NAMES, noise.noise_company_names, normalize.normalize_company_name),
    "person names": (PEOPLE["name"].to_numpy(dtype=object), noise.noise_person_names,
                     normalize.normalize_person_name),
}


@pytest.mark.parametrize("case", list(CASES))
@settings(max_examples=10, deadline=None)
@given(seed=seeds)
def test_normalize_inverts_noise_at_full_rate(case, seed):
    values, noise_fn, normalize_fn = CASES[case]
    noised = noise_fn(values, np.random.default_rng(seed), 1.0)
    assert isinstance(noised, np.ndarray) and noised.dtype == object
    assert (noised != values).all(), "at rate 1 every cell shows a variant"
    assert [normalize_fn(v) for v in noised] == list(values)


@pytest.mark.parametrize("case", list(CASES))
def test_rate_zero_is_an_untouched_copy(case):
    values, noise_fn, _ = CASES[case]
    out = noise_fn(values, np.random.default_rng(1), 0.0)
    assert out is not values and (out == values).all()
    assert (noise_fn(pd.Series(values), np.random.default_rng(1), 0.0) == values).all()


@pytest.mark.parametrize("case", list(CASES))
def test_noise_is_deterministic_and_keeps_missing_cells(case):
    values, noise_fn, _ = CASES[case]
    with_gaps = np.concatenate([values[:200], [None, ""]]).astype(object)
    a = noise_fn(with_gaps, np.random.default_rng(7), 0.5)
    b = noise_fn(with_gaps, np.random.default_rng(7), 0.5)
    assert (a == b).all() and a[-2] is None and a[-1] == ""
    assert 0.35 < np.mean(a[:200] != values[:200]) < 0.65
    with pytest.raises(ValueError):
        noise_fn(values, np.random.default_rng(7), 1.5)


def test_id_variants_are_the_contract_ones():
    shapes = [re.compile(p, re.ASCII) for p in (
        r"^\d{17}[\dx]$", r"^ {0,2}\d{17}[\dX] {0,2}$", r"^\d{6} \d{8} \d{3}[\dX]$",
        r"^[\uff10-\uff19]{17}[\uff10-\uff19X]$", r"^\d{15}$")]
    noised = noise.noise_ids(IDS, np.random.default_rng(3), 1.0, legacy=True)
    seen = Counter(next(i for i, p in enumerate(shapes) if p.match(v)) for v in noised)
    assert set(seen) == {0, 1, 2, 3, 4}
    for original, value in zip(IDS, noised):
        if len(value) == 15:
            assert 1900 <= int(original[6:10]) <= 1999
    plain = noise.noise_ids(IDS, np.random.default_rng(3), 1.0)
    assert not any(len(v.strip()) == 15 for v in plain)


def test_legacy_ids_can_take_the_birth_year_from_births():
    by_id = noise.noise_ids(IDS, np.random.default_rng(5), 1.0, legacy=True)
    by_births = noise.noise_ids(IDS, np.random.default_rng(5), 1.0, legacy=True, births=BIRTHS)
    assert (by_id == by_births).all()


def test_date_variants_are_the_contract_ones():
    noised = noise.noise_dates(DATES, np.random.default_rng(2), 1.0)
    kinds = Counter("/" if "/" in v else "年" if "年" in v else "compact" for v in noised)
    assert set(kinds) == {"/", "年", "compact"}
    assert all(re.fullmatch(r"\d{8}|\d{4}/\d{1,2}/\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日", v)
               for v in noised)


def test_series_normalisers_agree_with_the_scalar_ones():
    rng = np.random.default_rng(4)
    ids = noise.noise_ids(IDS, rng, 0.5, legacy=True)
    assert normalize.normalize_id_series(ids).tolist() == list(IDS)
    assert normalize.normalize_uscc_series(noise.noise_credit_codes(CODES, rng, 0.5)).tolist() \
        == list(CODES)
    dates = normalize.normalize_date_series(noise.noise_dates(DATES, rng, 0.5))
    assert dates.dt.strftime("%Y-%m-%d").tolist() == list(DATES)
    assert normalize.normalize_company_name_series(
        noise.noise_company_names(NAMES, rng, 0.5)).tolist() == list(NAMES)
    assert normalize.normalize_person_name_series([" 王伟", None, ""]).tolist() == ["王伟", None, None]


def test_normalisers_reject_and_blank():
    assert normalize.normalize_id("  ") is None and normalize.normalize_uscc(None) is None
    assert normalize.normalize_date(float("nan")) is None
    with pytest.raises(ValueError):
        normalize.normalize_date("5 July 2023")
    with pytest.raises(ValueError):
        normalize.normalize_date_series(["2023-07-05", "July"])


def test_empty_mask_share():
    mask = noise.empty_mask(np.random.default_rng(0), 100_000, 0.1)
    assert mask.dtype == bool and 0.09 < mask.mean() < 0.11


def _table(n):
    return pa.table({"key": np.arange(n), "text": [f"row{i}" for i in range(n)]})


@settings(max_examples=20, deadline=None)
@given(seed=seeds, n=st.integers(1, 3000), rate=st.sampled_from([0.01, 0.1, 1.0]))
def test_duplicate_rows_keep_every_original_row(seed, n, rate):
    table = _table(n)
    out = noise.add_duplicate_rows(table, np.random.default_rng(seed), rate)
    keys = out.column("key").to_pylist()
    counts = Counter(keys)
    assert set(counts) == set(range(n)) and max(counts.values()) <= 2
    assert set(zip(keys, out.column("text").to_pylist())) == {(i, f"row{i}") for i in range(n)}
    assert keys[-1] == n - 1, "duplicates are inserted, never appended at the end"
    remaining = iter(keys)
    assert all(k in remaining for k in range(n)), "the original rows keep their order"
    again = noise.add_duplicate_rows(table, np.random.default_rng(seed), rate)
    assert out.equals(again)


def test_duplicate_share_and_identity():
    table = _table(100_000)
    out = noise.add_duplicate_rows(table, np.random.default_rng(1), 0.01)
    assert 900 < out.num_rows - table.num_rows < 1100
    assert noise.add_duplicate_rows(table, np.random.default_rng(1), 0.0).equals(table)
