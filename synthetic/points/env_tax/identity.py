"""Who the permit holders are: counties, credit codes and company names (shared identity layer).

Thin adapters over ``synthetic.regions``, ``synthetic.creditcodes`` and ``synthetic.pools`` that
shape their output for this point: most enterprises sit in Wuhu's counties, the rest anywhere in
Anhui; each credit code's division is the enterprise's county; each enterprise has a registered
name and a *former* name, all distinct (after bracket and space normalisation) across the
scenario, so a blank-code declaration names exactly one enterprise.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import creditcodes, pools, regions
from synthetic.points.env_tax.schema import INDUSTRIES

WUHU = "340200"
WUHU_SHARE = 0.6
_MAX_ROUNDS = 50
# Every current Anhui county; a county is an index into these.
COUNTY_CODES = np.array([r.code for r in regions.counties()])
CITY_NAMES = np.array([regions.city_of(c).name for c in COUNTY_CODES], dtype=object)
_IN_WUHU = np.array([regions.region(c).parent == WUHU for c in COUNTY_CODES])


def draw_counties(rng: np.random.Generator, n: int) -> np.ndarray:
    """County indices: 60% one of Wuhu's seven, the rest any other current Anhui county."""
    wuhu, other = np.flatnonzero(_IN_WUHU), np.flatnonzero(~_IN_WUHU)
    in_wuhu = rng.random(n) < WUHU_SHARE
    return np.where(in_wuhu, wuhu[rng.integers(0, len(wuhu), n)],
                    other[rng.integers(0, len(other), n)])


def credit_codes(rng: np.random.Generator, county: np.ndarray) -> pa.Array:
    """Unique valid credit codes of enterprises (``91`` + the county's division code)."""
    return creditcodes.make_uscc_array(rng, len(county), divisions=COUNTY_CODES[county],
                                       registering="9", entity_type="1")


# Scopes that follow the industry word ("化工实业", "精细化工发展"): real names use them, and
# they give a million enterprises enough distinct names per industry and city.
SCOPES = ("", "实业", "发展", "工贸", "技术", "科技", "工业", "产业", "控股", "国际")


def industry_words(industry) -> tuple[str, ...]:
    """The industry's words, each alone and with every scope that does not repeat its ending."""
    return tuple(dict.fromkeys(word + scope for word in industry.words for scope in SCOPES
                               if not (scope and word.endswith(("科技", "技术")))))


def normalized(names: pa.Array) -> pa.Array:
    """Names as a team would compare them: half-width brackets, no spaces."""
    for full, half in (("（", "("), ("）", ")"), (" ", ""), ("\u3000", "")):
        names = pc.replace_substring(names, full, half)
    return names


def _repeated(values: pa.Array) -> np.ndarray:
    """Rows whose value occurred in an earlier row: dictionary codes count up in the order in
    which values first appear, so a row repeats exactly when its code is not above every
    earlier one (hashing, no sort)."""
    codes = pc.dictionary_encode(values).indices.to_numpy()
    out = np.zeros(len(codes), dtype=bool)
    out[1:] = codes[1:] <= np.maximum.accumulate(codes)[:-1]
    return out


def company_names(rng: np.random.Generator, county: np.ndarray,
                  industry: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(registered name, former name) per enterprise, all 2n distinct after normalisation.

    The names carry the industry's words ("…化工有限公司") and open with the county's city.
    Each round draws the names still to do, industry by industry; the names stay in Arrow.
    """
    n = len(county)
    city = np.tile(CITY_NAMES[county], 2)
    both_industry = np.tile(industry, 2)
    drawn, where, todo = [], np.zeros(2 * n, dtype=np.int64), np.ones(2 * n, dtype=bool)
    for _ in range(_MAX_ROUNDS):
        for j, ind in enumerate(INDUSTRIES):   # one draw per industry (eleven, a small loop)
            rows = np.flatnonzero(todo & (both_industry == j))
            if len(rows):
                where[rows] = sum(map(len, drawn)) + np.arange(len(rows))
                drawn.append(pools.company_name_array(
                    rng, len(rows), city_names=city[rows], industry_words=industry_words(ind),
                    unique=True))
        names = pa.concat_arrays(drawn).take(pa.array(where))
        todo = _repeated(normalized(names))
        if not todo.any():
            return names[:n], names[n:]
    raise ValueError(f"cannot draw {2 * n} distinct company names")
