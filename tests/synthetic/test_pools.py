"""Vocabulary pools: rebuilt byte for byte from the pinned Faker, and composed realistically."""

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

from synthetic import regions
from synthetic.pools import (
    POOLS_VERSION, addresses, available_pools, company_names, person_names, pool, pool_weights,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "synthetic" / "data" / "pools" / POOLS_VERSION


def _build_script():
    path = ROOT / "scripts" / "build_pools.py"
    spec = importlib.util.spec_from_file_location("build_pools", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuilding_gives_byte_identical_files(tmp_path):
    hashes = _build_script().build(tmp_path)
    shipped = sorted(p.name for p in SHIPPED.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == shipped
    for name in shipped:
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    assert set(hashes) == {n for n in shipped if n.endswith(".txt")}


def test_manifest_records_faker_version_and_hashes():
    manifest = json.loads((SHIPPED / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["faker"] == "40.54.0" and manifest["version"] == POOLS_VERSION
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((SHIPPED / name).read_bytes()).hexdigest() == digest


def test_pools_are_sorted_unique_and_non_empty():
    assert {"last_names", "first_names_male", "first_names_female", "company_prefixes",
            "company_suffixes", "street_names", "industry_words", "building_words",
            "trade_names"} <= set(available_pools())
    for name in available_pools():
        values = pool(name)
        assert values and list(values) == sorted(set(values)), name
    assert {"环保科技", "化工", "电镀", "造纸"} <= set(pool("industry_words"))
    weights = pool_weights("last_names")
    assert weights.sum() == pytest.approx(1.0)
    assert pool("last_names")[int(np.argmax(weights))] == "王"


def test_unknown_pool_suggests_a_name():
    with pytest.raises(KeyError, match="Did you mean 'last_names'"):
        pool("last_name")


def test_person_names_follow_sex_and_seed():
    sexes = np.array(["男", "女"] * 5000, dtype=object)
    names = person_names(np.random.default_rng(4), sexes)
    assert (names == person_names(np.random.default_rng(4), sexes)).all()
    assert all(2 <= len(n) <= 5 for n in names)
    male_chars = set("".join(pool("first_names_male")))
    for name in names[sexes == "男"][:500]:
        assert any(name.startswith(s) and set(name[len(s):]) <= male_chars
                   for s in pool("last_names")), name
    distinct = person_names(np.random.default_rng(4), sexes, distinct=True)
    assert len(set(distinct)) == len(distinct)
    with pytest.raises(ValueError):
        person_names(np.random.default_rng(4), ["M"])


def test_company_names_are_unique_realistic_and_sometimes_bracketed():
    rng = np.random.default_rng(8)
    city_codes = np.asarray([r.code for r in regions.cities()])[rng.integers(0, 16, 200_000)]
    cities = np.asarray([regions.region(c).name for c in city_codes])
    names = company_names(rng, 200_000, city_names=cities)
    assert len(set(names)) == len(names)
    legal = re.compile(r"^[\u4e00-\u9fff（）]+(有限公司|有限责任公司|股份有限公司)(（[\u4e00-\u9fff]+分公司）)?$")
    assert all(legal.match(n) for n in names[:5000])
    bracketed = np.mean(["（" in n for n in names])
    assert 0.08 < bracketed < 0.12
    assert not any("(" in n or ")" in n for n in names)
    first = names[:1000]
    starts = [n.startswith(("安徽", regions.short_name(c))) for n, c in zip(first, city_codes)]
    assert np.mean(starts) > 0.9


def test_company_names_use_given_industry_words_and_are_deterministic():
    kwargs = dict(city_names="芜湖市", industry_words=["化工", "电镀"])
    names = company_names(np.random.default_rng(2), 500, **kwargs)
    assert all(("化工" in n) or ("电镀" in n) for n in names)
    assert all("芜湖市" not in n for n in names)
    assert (names == company_names(np.random.default_rng(2), 500, **kwargs)).all()


def test_addresses_lie_in_their_county():
    codes = np.asarray([r.code for r in regions.counties(include_legacy=True)] * 20)
    found = addresses(np.random.default_rng(3), codes)
    for address, code in zip(found, codes):
        assert address.startswith(regions.full_name(code))
        assert re.search(r"[路街]\d+号", address)
