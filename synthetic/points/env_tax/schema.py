"""Tables, settings and calendar of the ``env_tax`` point (环境保护税).

Everything here is a constant of the point: the five table schemas in the contract's column order,
the pollutant settings (pollution-equivalent values and unit taxes), the reason codes, the
industries the generator draws from, and the quarter calendar (declaration deadline = quarter end
+ 15 days).

>>> deadline(2023, 3)
datetime.date(2023, 10, 15)
>>> [f"{y}Q{q}" for y, q in monitoring_quarters(datetime.date(2024, 1, 10))]
['2023Q2', '2023Q3', '2023Q4', '2024Q1']
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from synthetic.registry import Column, TableSchema

POINT = "env_tax"
GENERATOR_VERSION = "env_tax/2"
TITLE_ZH = "环境保护税"
TITLE_EN = "Environmental protection tax"

UNDECLARED = "ENV_UNDECLARED"
UNDER_DECLARED = "ENV_UNDER_DECLARED"
IMPROPER_REDUCTION = "ENV_IMPROPER_REDUCTION"
REASON_CODES = (UNDECLARED, UNDER_DECLARED, IMPROPER_REDUCTION)

DEADLINE_DAYS = 15            # EPT Law art. 18: declare within 15 days after the quarter ends
UNDER_DECLARED_SHARE = 0.9    # declared kg below 90% of the monitored kg is under-declared
REDUCTION_LIMITS = {"75": 0.70, "50": 0.50}  # art. 13: taxed at 75% / 50% below these ratios
REDUCTION_FACTORS = {"none": 1.0, "75": 0.75, "50": 0.5}
UNIT_TAX_YUAN = {"air": 1.2, "water": 1.4}   # yuan per pollution equivalent (a setting)
N_QUARTERS = 4                # quarters of monitoring in a scenario


@dataclass(frozen=True)
class Pollutant:
    code: str      # in the style of the HJ 524 (air) / HJ 525 (water) code lists
    name: str
    medium: str    # "air" | "water"
    equivalent_kg: float  # kg of the pollutant that make one pollution equivalent
    scale_kg: float       # typical quarterly emission of one outlet (generator only)


POLLUTANTS: tuple[Pollutant, ...] = (
    Pollutant("a21026", "二氧化硫", "air", 0.95, 1800.0),
    Pollutant("a21002", "氮氧化物", "air", 0.95, 2200.0),
    Pollutant("a34013", "烟尘", "air", 2.18, 600.0),
    Pollutant("a34000", "一般性粉尘", "air", 4.0, 900.0),
    Pollutant("a21005", "一氧化碳", "air", 16.7, 3000.0),
    Pollutant("w01018", "化学需氧量", "water", 1.0, 2500.0),
    Pollutant("w21003", "氨氮", "water", 0.8, 250.0),
    Pollutant("w01012", "悬浮物", "water", 4.0, 1500.0),
    Pollutant("w21011", "总磷", "water", 0.25, 40.0),
)
POLLUTANT_CODES = tuple(p.code for p in POLLUTANTS)
OUTLET_CODES = ("DA001", "DA002", "DA003", "DW001", "DW002", "DW003")   # air, then water
AIR = tuple(p for p in POLLUTANTS if p.medium == "air")
WATER = tuple(p for p in POLLUTANTS if p.medium == "water")


@dataclass(frozen=True)
class Industry:
    name: str
    weight: float
    classes: tuple[float, float, float]   # P(重点管理), P(简化管理), P(登记管理)
    air: tuple[float, ...]                # affinity for each AIR pollutant (0 = never)
    water: tuple[float, ...]              # affinity for each WATER pollutant
    n_air: tuple[float, ...]              # P(0, 1, 2, 3 air outlets)
    n_water: tuple[float, ...]            # P(0, 1, 2 water outlets)
    words: tuple[str, ...]                # words for the company name


MANAGEMENT_CLASSES = ("重点管理", "简化管理", "登记管理")

INDUSTRIES: tuple[Industry, ...] = (
    Industry("化工", 0.16, (0.7, 0.25, 0.05), (3, 3, 2, 1, 1), (4, 3, 1, 2),
             (0.1, 0.4, 0.35, 0.15), (0.2, 0.6, 0.2), ("化工", "新材料", "精细化工", "化学", "化工科技", "新材料科技")),
    Industry("电镀", 0.08, (0.5, 0.4, 0.1), (0, 1, 0, 3, 0), (4, 2, 3, 3),
             (0.3, 0.6, 0.1, 0.0), (0.1, 0.7, 0.2),
             ("电镀", "表面处理", "金属表面处理", "表面技术", "五金电镀", "金属制品")),
    Industry("造纸", 0.08, (0.6, 0.3, 0.1), (3, 3, 3, 0, 0), (4, 2, 3, 1),
             (0.2, 0.6, 0.2, 0.0), (0.1, 0.7, 0.2), ("纸业", "造纸", "包装材料", "纸品", "特种纸", "包装")),
    Industry("印染", 0.08, (0.6, 0.3, 0.1), (2, 2, 2, 0, 0), (4, 3, 2, 2),
             (0.3, 0.6, 0.1, 0.0), (0.1, 0.7, 0.2), ("印染", "纺织印染", "染整", "纺织", "织造", "印花")),
    Industry("水泥", 0.08, (0.7, 0.3, 0.0), (3, 4, 2, 4, 1), (1, 1, 1, 0),
             (0.0, 0.3, 0.4, 0.3), (0.6, 0.4, 0.0), ("水泥", "建材", "新型建材", "水泥制品", "建筑材料", "混凝土")),
    Industry("火电", 0.05, (1.0, 0.0, 0.0), (4, 4, 3, 1, 1), (2, 1, 2, 1),
             (0.0, 0.3, 0.4, 0.3), (0.2, 0.6, 0.2), ("发电", "热电", "能源", "电力", "热能", "综合能源")),
    Industry("制药", 0.10, (0.6, 0.35, 0.05), (1, 3, 1, 1, 0), (4, 3, 1, 2),
             (0.1, 0.6, 0.3, 0.0), (0.1, 0.7, 0.2), ("制药", "药业", "生物医药", "医药", "生物制药", "医药科技")),
    Industry("食品", 0.14, (0.2, 0.5, 0.3), (2, 2, 2, 0, 0), (4, 3, 2, 3),
             (0.2, 0.7, 0.1, 0.0), (0.1, 0.7, 0.2), ("食品", "酿造", "农产品加工", "食品科技", "酒业", "粮油")),
    Industry("铸造", 0.09, (0.3, 0.5, 0.2), (2, 1, 2, 4, 2), (1, 1, 2, 0),
             (0.0, 0.4, 0.4, 0.2), (0.5, 0.5, 0.0), ("铸造", "机械铸造", "精密铸造", "铸业", "机械", "铸件")),
    Industry("家具", 0.07, (0.1, 0.5, 0.4), (0, 1, 1, 4, 0), (1, 1, 2, 0),
             (0.0, 0.6, 0.4, 0.0), (0.6, 0.4, 0.0), ("家具", "木业", "家居", "家具制造", "板材", "木制品")),
    Industry("汽车零部件", 0.07, (0.2, 0.5, 0.3), (1, 2, 1, 3, 0), (3, 1, 2, 2),
             (0.0, 0.5, 0.4, 0.1), (0.3, 0.6, 0.1), ("汽车零部件", "汽车配件", "机电", "汽车部件", "汽配", "车辆配件")),
)


def _column(name: str, kind: str = "string", *, messy: bool = False) -> Column:
    return Column(name, kind, messy)


TABLES: tuple[TableSchema, ...] = (
    TableSchema("pollutants", (
        _column("pollutant_code"), _column("pollutant_name"), _column("medium"),
        _column("equivalent_kg", "float64"), _column("unit_tax_yuan", "float64"))),
    TableSchema("permits", (
        _column("permit_no"), _column("uscc"), _column("company_name"), _column("industry"),
        _column("county_code"), _column("management_class"), _column("valid_from"),
        _column("valid_to"))),
    TableSchema("outlets", (
        _column("permit_no"), _column("outlet_code"), _column("medium"),
        _column("destination"))),
    TableSchema("monitoring", (
        _column("permit_no"), _column("outlet_code"), _column("year", "int64"),
        _column("quarter", "int64"), _column("pollutant_code"), _column("emission_kg", "float64"),
        _column("exceed_hours", "int64"), _column("avg_concentration_ratio", "float64"))),
    TableSchema("declarations", (
        _column("taxpayer_code"), _column("taxpayer_name"), _column("year", "int64"),
        _column("quarter", "int64"), _column("outlet_code"), _column("pollutant_code"),
        _column("declared_kg", "float64"), _column("reduction"),
        _column("tax_payable_yuan", "float64"), _column("declared_date", messy=True))),
)
SUBJECT_TABLE = "permits"
RECORD_ID_COLUMN = "permit_no"


def table_schema(name: str) -> TableSchema:
    for table in TABLES:
        if table.name == name:
            return table
    raise KeyError(name)


# --- the quarter calendar -------------------------------------------------------------------

def quarter_end(year: int, quarter: int) -> datetime.date:
    """The last day of a calendar quarter."""
    if quarter == 4:
        return datetime.date(year, 12, 31)
    return datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)


def quarter_start(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, 3 * quarter - 2, 1)


def deadline(year: int, quarter: int) -> datetime.date:
    """The declaration deadline: quarter end + 15 days (the last day still on time)."""
    return quarter_end(year, quarter) + datetime.timedelta(days=DEADLINE_DAYS)


def is_due(year: int, quarter: int, as_of: datetime.date) -> bool:
    """A quarter's lines are taxable only when its deadline is *before* ``as_of``."""
    return deadline(year, quarter) < as_of


def monitoring_quarters(as_of: datetime.date) -> list[tuple[int, int]]:
    """The quarter containing ``as_of`` (monitored up to ``as_of``) and the three before it.

    The last of them never has its deadline before ``as_of``; the one before it is still inside
    its 15-day window when ``as_of`` falls in the first 15 days of a quarter.
    """
    year, quarter = as_of.year, (as_of.month - 1) // 3 + 1
    out = []
    for _ in range(N_QUARTERS):
        out.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out[::-1]
