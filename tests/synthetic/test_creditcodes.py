"""Credit codes: both check characters, the GB 11714 body alphabet, uniqueness at scale."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthetic import regions
from synthetic.creditcodes import (
    USCC_CHARSET, is_valid_uscc, make_uscc, make_usccs, org_code_check_char, uscc_check_char,
)

COUNTY_CODES = [r.code for r in regions.counties()]


def test_published_example_is_valid():
    code = "91350100M000100Y43"
    assert is_valid_uscc(code)
    assert org_code_check_char("M000100Y") == "4"   # 22*3 + 1*5 + 34*2 = 139; 11 - 139 % 11 = 4
    assert uscc_check_char(code[:17]) == "3"


def test_org_code_check_maps_10_to_x_and_11_to_0():
    assert org_code_check_char("D2143569") == "X"   # sum 199, 11 - 199 % 11 = 10
    assert org_code_check_char("00000000") == "0"   # sum 0, 11 - 0 = 11


@pytest.mark.parametrize("bad", [
    "91350100M000100Y44",   # wrong final check
    "91350100m000100y43",   # canonical codes are upper case
    "91350100M000100Y4",    # too short
    "91350100I000100Y43",   # I is not in the charset
    None,
])
def test_invalid_codes_are_rejected(bad):
    assert not is_valid_uscc(bad)


def test_a_wrong_organisation_check_is_caught_even_with_a_right_final_check():
    body = "91350100M000100Y5"  # organisation check should be 4
    assert not is_valid_uscc(body + uscc_check_char(body))


def test_make_uscc_assembles_the_parts():
    code = make_uscc("340207", "MA2N0001", registering="1", entity_type="1")
    assert code[:8] == "11340207" and code[8:16] == "MA2N0001" and is_valid_uscc(code)
    with pytest.raises(ValueError):
        make_uscc("34020", "12345678")
    with pytest.raises(ValueError):
        make_uscc("340207", "1234567")


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 2000),
       kind=st.sampled_from([("9", "1"), ("9", "2"), ("9", "3"), ("1", "1"), ("5", "1")]))
def test_generated_codes_pass_both_checks(seed, n, kind):
    rng = np.random.default_rng(seed)
    divisions = np.asarray(COUNTY_CODES)[rng.integers(0, len(COUNTY_CODES), n)]
    codes = make_usccs(rng, n, divisions=divisions, registering=kind[0], entity_type=kind[1])
    assert codes.dtype == object and len(codes) == n and len(set(codes)) == n
    for code, division in zip(codes, divisions):
        assert is_valid_uscc(code)
        assert code[:2] == kind[0] + kind[1] and code[2:8] == division
        assert set(code) <= set(USCC_CHARSET)


def test_codes_are_unique_deterministic_and_partly_ma_at_scale():
    codes = make_usccs(np.random.default_rng(9), 200_000, divisions="340207")
    assert len(set(codes)) == len(codes)
    assert len({c[8:16] for c in codes}) == len(codes)  # organisation codes are unique too
    share = np.mean([c[8:10] == "MA" for c in codes])
    assert 0.25 < share < 0.35
    again = make_usccs(np.random.default_rng(9), 200_000, divisions="340207")
    assert (codes == again).all()


def test_bad_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        make_usccs(rng, 3, divisions=["340207", "340202"])
    with pytest.raises(ValueError):
        make_usccs(rng, 1, divisions="3402071")
    with pytest.raises(ValueError):
        make_usccs(rng, 1, divisions="340207", registering="I")
