"""The generators' fast paths give exactly what the plain numpy / Arrow code they replace gives,
so every point's output stays byte-identical: same values, same random draws consumed."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from synthetic import noise
from synthetic.creditcodes import make_usccs
from synthetic.idnumbers import _separate, _yyyymmdd, draw_people, later_repeats
from synthetic.pools import _repeated_text, company_names, pool_weights
from synthetic.rng import choice
from synthetic.take import take

PEOPLE = draw_people(np.random.default_rng(0), 2000, as_of=dt.date(2023, 12, 31), min_age=0,
                     max_age=100)
ODD = [None, "", " ", "X", "12345678901234567X", "123456199912310011", "2023-1-05", "(a)", "xX"]
TWINS = {
    "ids": (PEOPLE["id_number"], noise.noise_ids, noise.noise_ids_arrow, {}),
    "legacy ids": (PEOPLE["id_number"], noise.noise_ids, noise.noise_ids_arrow,
                   {"legacy": True}),
    "credit codes": (make_usccs(np.random.default_rng(0), 2000, divisions="340207"),
                     noise.noise_credit_codes, noise.noise_credit_codes_arrow, {}),
    "dates": ((np.datetime64("1890-01-01") + np.arange(0, 2000 * 17, 17)).astype(str),
              noise.noise_dates, noise.noise_dates_arrow, {}),
    "company names": (company_names(np.random.default_rng(0), 2000, city_names="芜湖"),
                      noise.noise_company_names, noise.noise_company_names_arrow, {}),
    "person names": (PEOPLE["name"], noise.noise_person_names, noise.noise_person_names_arrow,
                     {}),
}


@pytest.mark.parametrize("case", list(TWINS))
@pytest.mark.parametrize("extra", [[], ODD, ODD + ["中文"]], ids=["plain", "odd", "non-ascii"])
def test_arrow_noise_twins_match_the_numpy_noise(case, extra):
    values, numpy_noise, arrow_noise, options = TWINS[case]
    cells = np.concatenate([np.asarray(values, dtype=object), np.asarray(extra, dtype=object)])
    for seed in range(4):
        for rate in (0.0, 0.3, 1.0):
            a, b = np.random.default_rng(seed), np.random.default_rng(seed)
            expected = numpy_noise(cells, a, rate, **options)
            got = arrow_noise(pa.array(cells, pa.string()), b, rate, **options)
            assert got.type == pa.string() and got.to_pylist() == list(expected)
            assert a.random() == b.random()


@pytest.mark.parametrize("p", [pool_weights("last_names"), (0.05, 0.78, 0.12, 0.05),
                               (0.0, 0.5, 0.0, 0.5), np.ones(17) / 17, (1.0,)])
def test_choice_draws_as_numpy_does(p):
    for seed in range(5):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        assert (a.choice(len(p), size=50_000, p=p) == choice(b, len(p), 50_000, p)).all()
        assert a.random() == b.random()


@pytest.mark.parametrize("values", [
    pa.array(["ab", "cd", "ef"]), pa.array(["ab", "c", "", "很长的一段中文文字超过十二个字节"]),
    pa.array(["a", None, "b"]), pa.array(["xyz"] * 5, pa.large_string()).slice(1),
    pa.array(["abc", "def", "  ghi ", "0123456789abcdef"]).slice(1), pa.array(["", ""])])
def test_take_is_arrow_take(values):
    rng = np.random.default_rng(1)
    for n in (0, 1, 5, 40):
        index = rng.integers(0, len(values), n)
        got = take(values, index)
        assert got.type == values.type and got.equals(values.take(pa.array(index)))


def test_repeated_text_finds_exactly_the_repeated_strings():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 30))
        parts = [(["a", "ab", "", "中"], rng.integers(0, 4, n)),
                 (["bc", "c", "x", "文"], rng.integers(0, 4, n))]
        joined = pc.binary_join_element_wise(
            *(pa.array(v).take(pa.array(i)) for v, i in parts), "")
        assert _repeated_text(parts, joined) == (len(pc.unique(joined)) < n)


def test_separate_redraws_as_the_round_by_round_loop():
    for seed in range(50):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 3000))
        prefix = rng.integers(0, max(1, n // 400), n) * 1000      # many collisions
        expected = rng.integers(1, 1000, n)
        got = expected.copy()
        redraw = np.random.default_rng(seed + 1)
        while (again := later_repeats(prefix + expected)).any():
            expected[again] = 2 * redraw.integers(1, 500, int(again.sum())) - expected[again] % 2
        _separate(prefix, got, np.random.default_rng(seed + 1))
        assert (got == expected).all()


@pytest.mark.parametrize("span", [30, 40_000, 2_000_000])
def test_yyyymmdd_reads_the_calendar(span):
    days = np.datetime64("1900-01-01") + np.random.default_rng(0).integers(0, span, 5000)
    text = np.datetime_as_string(days.astype("datetime64[D]"))
    assert (_yyyymmdd(days) == np.char.replace(text, "-", "").astype(np.int64)).all()
