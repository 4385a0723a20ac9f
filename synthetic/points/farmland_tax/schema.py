"""Tables, settings and constants of the ``farmland_tax`` point (耕地占用税, CONTRACT 2.2).

The four table schemas in the contract's column order, the land uses with the relief code each
allows, the Anhui county rate classes (a setting), the reason codes and the 30-day deadline.
Rates are also kept in *eighths of a yuan* (37.5 = 300/8, half of 18.75 = 75/8), so the generator
can compute every tax due exactly in integers.

>>> relief_code("school"), relief_code("rural_housing"), relief_code("industrial")
('EXEMPT_SCHOOL', 'HALF_RURAL_HOUSING', 'NONE')
>>> rate_class("340207"), rate_class("340223")
('一类', '三类')
"""

from __future__ import annotations

from synthetic import regions
from synthetic.registry import Column, TableSchema

POINT = "farmland_tax"
GENERATOR_VERSION = "farmland_tax/2"
TITLE_ZH = "耕地占用税"
TITLE_EN = "Farmland occupation tax"

UNDECLARED = "FOT_UNDECLARED"
UNDERPAID = "FOT_UNDERPAID"
IMPROPER_RELIEF = "FOT_IMPROPER_RELIEF"
ILLEGAL_UNTAXED = "FOT_ILLEGAL_UNTAXED"
REASON_CODES = (UNDECLARED, UNDERPAID, IMPROPER_RELIEF, ILLEGAL_UNTAXED)

DEADLINE_DAYS = 30           # art. 10: declare within 30 days after the notice / determination
UNDERPAID_SHARE = 0.95       # summed tax payable below 95% of the tax due is underpaid
BASIC_SURCHARGE = 0.5        # art. 6: permanent basic farmland is taxed at 150%
M2_PER_HA = 10_000
TRANSPORT_RATE_YUAN = 2.0    # art. 7: railways, highways, ... at 2 yuan/m2

# Land uses by the unit tax they carry (art. 7, 8). Any use outside TRANSPORT, RURAL and EXEMPT
# is taxed at the county rate; the generator draws these five.
STANDARD_USES = ("industrial", "commercial", "residential", "mining", "tourism")
TRANSPORT_USES = ("railway", "highway", "airport", "port", "waterway", "water_conservancy")
RURAL_USES = ("rural_housing",)
EXEMPT_USES = ("military", "school", "kindergarten", "hospital", "social_welfare", "irrigation")
LAND_USES = STANDARD_USES + TRANSPORT_USES + RURAL_USES + EXEMPT_USES

NONE = "NONE"
REDUCED_TRANSPORT = "REDUCED_TRANSPORT"
HALF_RURAL_HOUSING = "HALF_RURAL_HOUSING"
RELIEF_CODES = (NONE, REDUCED_TRANSPORT, HALF_RURAL_HOUSING,
                *(f"EXEMPT_{u.upper()}" for u in EXEMPT_USES))


def relief_code(land_use: str) -> str:
    """The one relief code a land use allows (``NONE`` for every other taxable use)."""
    if land_use in TRANSPORT_USES:
        return REDUCED_TRANSPORT
    if land_use in RURAL_USES:
        return HALF_RURAL_HOUSING
    if land_use in EXEMPT_USES:
        return f"EXEMPT_{land_use.upper()}"
    return NONE


# Anhui's rate classes (a setting of this project, in the spirit of the provincial table): the
# districts of Hefei, Wuhu and Ma'anshan are class one, other districts and county-level cities
# class two, counties class three.
RATE_CLASSES = {"一类": 37.5, "二类": 26.25, "三类": 18.75}
_CLASS_ONE_CITIES = ("340100", "340200", "340500")


def rate_class(county_code: str) -> str:
    county = regions.region(county_code)
    if county.name.endswith("区"):
        return "一类" if county.parent in _CLASS_ONE_CITIES else "二类"
    return "二类" if county.name.endswith("市") else "三类"


def _column(name: str, kind: str = "string", *, messy: bool = False) -> Column:
    return Column(name, kind, messy)


TABLES: tuple[TableSchema, ...] = (
    TableSchema("county_rates", (
        _column("county_code"), _column("county_name"), _column("rate_class"),
        _column("rate_yuan_m2", "float64"))),
    TableSchema("approvals", (
        _column("approval_no"), _column("project_name"), _column("user_code"),
        _column("user_name"), _column("user_type"), _column("county_code"), _column("land_use"),
        _column("farmland_ha", "float64"), _column("basic_farmland_ha", "float64"),
        _column("notice_date", messy=True))),
    TableSchema("patches", (
        _column("patch_no"), _column("county_code"), _column("occupier_code"),
        _column("occupier_name"), _column("land_use"), _column("illegal_farmland_m2", "float64"),
        _column("determined_date", messy=True))),
    TableSchema("tax_records", (
        _column("tax_record_id"), _column("source_ref"), _column("taxpayer_code"),
        _column("taxpayer_name"), _column("taxed_area_m2", "float64"),
        _column("unit_tax_yuan", "float64"), _column("relief_code"),
        _column("tax_payable_yuan", "float64"), _column("declared_date", messy=True))),
)
# Both approvals and patches are subjects; the registry names one table (see the point's docs).
SUBJECT_TABLE = "approvals"
RECORD_ID_COLUMN = "approval_no"
SUBJECT_TABLES = (("approvals", "approval_no"), ("patches", "patch_no"))

ENTERPRISE, GOVERNMENT, INDIVIDUAL = 0, 1, 2
USER_TYPES = ("enterprise", "government", "individual")
