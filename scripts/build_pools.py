"""Build the vocabulary pools shipped in ``synthetic/data/pools/<version>/``.

Faker's output changes between its versions, so the generators never call it: this script takes
zh_CN vocabulary from the pinned Faker once, adds a few hand-written lists, and writes sorted,
unique, UTF-8 files (one value per line; ``value<TAB>weight`` where a pool carries frequencies)
plus ``manifest.json`` with the Faker version and each file's sha256. Rerunning it gives
byte-identical files; ``tests/synthetic/test_pools.py`` checks that.

    python scripts/build_pools.py [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

VERSION = "v1"
FAKER_VERSION = "40.54.0"
LOCALE = "zh_CN"
SEED = 20231231
STREET_DRAWS = 5000
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "synthetic" / "data" / "pools" / VERSION

# Hand-written pools: industries that matter to the supervision points (polluters for env_tax
# first), legal forms of a registered company name, and industrial-park words for addresses.
INDUSTRY_WORDS = (
    "环保科技", "化工", "建材", "纺织", "印染", "造纸", "制药", "电镀", "食品", "机械", "新材料",
    "冶金", "铸造", "橡胶", "塑业", "皮革", "水泥", "陶瓷", "玻璃", "包装", "电子", "汽车零部件",
    "农业", "物流", "贸易", "商贸", "建筑工程", "生物科技", "医药", "能源", "热电", "矿业", "酿造",
    "木业", "家具", "服饰", "钢结构", "再生资源", "涂料", "铝业",
)
COMPANY_SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司")
BUILDING_WORDS = ("工业园", "科技园", "产业园", "创业园", "物流园", "电商产业园", "孵化基地")
PLACE_PREFIXES = ("济南", "黄石", "襄樊", "浙大", "开发区")
_CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def _pools() -> dict[str, list[str]]:
    import faker
    from faker import Faker
    from faker.providers.company.zh_CN import Provider as Company
    from faker.providers.person.zh_CN import Provider as Person

    if faker.VERSION != FAKER_VERSION:
        raise SystemExit(f"the pools are built with faker=={FAKER_VERSION}; found {faker.VERSION}")
    fake = Faker(LOCALE)
    Faker.seed(SEED)
    streets = {fake.street_name() for _ in range(STREET_DRAWS)}
    prefixes = sorted(set(Company.company_prefixes))
    # Trade names (字号): every pairing of a first and a second character of Faker's Chinese
    # prefixes (those that open with a place name left out), so that a million companies fit.
    words = [p for p in prefixes if _CJK.match(p) and not p.startswith(PLACE_PREFIXES)]
    trade_names = {a + b for a in {w[0] for w in words} for b in {w[1] for w in words} if a != b}
    faker_industries = {s.removesuffix("有限公司") for s in Company.company_suffixes}
    return {
        "last_names": [f"{name}\t{weight}" for name, weight in sorted(Person.last_names.items())],
        "first_names_male": sorted(set(Person.first_names_male)),
        "first_names_female": sorted(set(Person.first_names_female)),
        "company_prefixes": prefixes,
        "trade_names": sorted(trade_names),
        "company_suffixes": sorted(COMPANY_SUFFIXES),
        "industry_words": sorted(set(INDUSTRY_WORDS) | faker_industries),
        # A street named after a single surname ("王路") is unusual; keep 2+ character stems.
        "street_names": sorted(s for s in streets if len(s) >= 3),
        "building_words": sorted(BUILDING_WORDS),
    }


def build(out_dir: Path) -> dict[str, str]:
    """Write every pool and the manifest into ``out_dir``; return ``{file name: sha256}``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, lines in _pools().items():
        data = ("\n".join(lines) + "\n").encode("utf-8")
        (out_dir / f"{name}.txt").write_bytes(data)
        hashes[f"{name}.txt"] = hashlib.sha256(data).hexdigest()
    manifest = {"version": VERSION, "faker": FAKER_VERSION, "locale": LOCALE, "seed": SEED,
                "files": hashes}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True,
                                                      ensure_ascii=False) + "\n", encoding="utf-8")
    return hashes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    out = parser.parse_args().out
    hashes = build(out)
    print(f"wrote {len(hashes)} pools to {out}")


if __name__ == "__main__":
    main()
