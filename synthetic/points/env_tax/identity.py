"""Who the permit holders are: counties, credit codes and company names (shared identity layer).

Thin adapters over ``synthetic.regions``, ``synthetic.creditcodes`` and ``synthetic.pools`` that
shape their output for this point: most enterprises sit in Wuhu's counties, the rest anywhere in
Anhui; each credit code's division is the enterprise's county; each enterprise has a registered
name and a *former* name, all distinct (after bracket and space normalisation) across the
scenario, so a blank-code declaration names exactly one enterprise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import creditcodes, pools, regions
from synthetic.points.env_tax.schema import INDUSTRIES

WUHU = "340200"
WUHU_SHARE = 0.6
_MAX_ROUNDS = 50


def draw_counties(rng: np.random.Generator, n: int) -> np.ndarray:
    """County codes: 60% one of Wuhu's seven, the rest any other current Anhui county."""
    wuhu = np.array([r.code for r in regions.counties(city=WUHU)])
    other = np.array([r.code for r in regions.counties() if r.parent != WUHU])
    in_wuhu = rng.random(n) < WUHU_SHARE
    return np.where(in_wuhu, wuhu[rng.integers(0, len(wuhu), n)],
                    other[rng.integers(0, len(other), n)]).astype(object)


def credit_codes(rng: np.random.Generator, counties: np.ndarray) -> np.ndarray:
    """Unique valid credit codes of enterprises (``91`` + the county's division code)."""
    return creditcodes.make_usccs(rng, len(counties), divisions=counties.astype(str),
                                  registering="9", entity_type="1")


# Scopes that follow the industry word ("化工实业", "精细化工发展"): real names use them, and
# they give a million enterprises enough distinct names per industry and city.
SCOPES = ("", "实业", "发展", "工贸", "技术", "科技", "工业", "产业", "控股", "国际")


def industry_words(industry) -> tuple[str, ...]:
    """The industry's words, each alone and with every scope that does not repeat its ending."""
    return tuple(dict.fromkeys(word + scope for word in industry.words for scope in SCOPES
                               if not (scope and word.endswith(("科技", "技术")))))


def normalized(names) -> pa.Array:
    """Names as a team would compare them: half-width brackets, no spaces."""
    out = pa.array(np.asarray(names, dtype=object), pa.string())
    for full, half in (("（", "("), ("）", ")"), (" ", ""), ("\u3000", "")):
        out = pc.replace_substring(out, full, half)
    return out


def company_names(rng: np.random.Generator, counties: np.ndarray,
                  industry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(registered name, former name) per enterprise, all 2n distinct after normalisation.

    The names carry the industry's words ("…化工有限公司") and open with the county's city.
    """
    n = len(counties)
    uniq, inverse = np.unique(counties.astype(str), return_inverse=True)
    city = np.array([regions.city_of(c).name for c in uniq], dtype=object)[inverse]
    names = np.empty(2 * n, dtype=object)
    both_city = np.concatenate([city, city])
    both_industry = np.concatenate([industry, industry])
    todo = np.ones(2 * n, dtype=bool)
    for _ in range(_MAX_ROUNDS):
        for j, ind in enumerate(INDUSTRIES):   # one draw per industry (eleven, a small loop)
            rows = np.flatnonzero(todo & (both_industry == j))
            if len(rows):
                names[rows] = pools.company_names(rng, len(rows), city_names=both_city[rows],
                                                  industry_words=industry_words(ind),
                                                  unique=True)
        todo = pd.Series(pd.arrays.ArrowExtensionArray(normalized(names))).duplicated().to_numpy()
        if not todo.any():
            return names[:n], names[n:]
    raise ValueError(f"cannot draw {2 * n} distinct company names")
