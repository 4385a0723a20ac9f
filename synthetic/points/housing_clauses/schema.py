"""Tables, reason codes, clause families and settings of the ``housing_clauses`` point (霸王条款).

Constants only. A *family* is a kind of clause; the templates of each family live in
``templates/default.toml`` and ``templates/heldout.toml``. The label of a contract comes from the
families drawn for its clauses and from its rate and cap facts, never from the rendered text.

>>> FAMILY_CODE["keys_accept"], FAMILY_CODE["force_majeure"]
('CLAUSE_LIABILITY_EXEMPTION', None)
"""

from __future__ import annotations

from synthetic.registry import Column, TableSchema

POINT = "housing_clauses"
GENERATOR_VERSION = "housing_clauses/1"
TITLE_ZH = "商品房买卖合同霸王条款"
TITLE_EN = "Unfair standard terms in housing sales contracts"

EXEMPTION = "CLAUSE_LIABILITY_EXEMPTION"
RIGHT_EXCLUSION = "CLAUSE_RIGHT_EXCLUSION"
ASYMMETRY = "CLAUSE_PENALTY_ASYMMETRY"
INTERPRETATION = "CLAUSE_UNILATERAL_INTERPRETATION"
REASON_CODES = (EXEMPTION, RIGHT_EXCLUSION, ASYMMETRY, INTERPRETATION)

# Families whose clause alone makes its contract a clue, by reason code.
REASON_FAMILIES = {
    EXEMPTION: ("exempt_cause", "exempt_any", "keys_accept"),
    RIGHT_EXCLUSION: ("waive_area", "waive_breach", "waive_litigation", "waive_mortgage",
                      "notice_no_withdrawal"),
    INTERPRETATION: ("final_interpretation", "unilateral_change"),
}
# CLAUSE_PENALTY_ASYMMETRY follows from facts: the rates (rate_buyer) or a cap on the seller only.
SELLER_CAP = "seller_cap_only"
BOTH_CAPS = "caps_both"
RATE_BUYER, RATE_SELLER, ORDINARY = "rate_buyer", "rate_seller", "ordinary"
# The rate "family" a contract draws: its buyer rate above, at, or below twice the seller's.
RATE_ASYMMETRIC, RATE_DOUBLE = "rate_asymmetric", "rate_double"

HARD_NEGATIVE_FAMILIES = ("force_majeure", "buyer_caused", RATE_DOUBLE, BOTH_CAPS, "area_rule",
                          "change_agreed", "negated", "quote_law")
TEXT_FAMILIES = (*(f for fams in REASON_FAMILIES.values() for f in fams), SELLER_CAP,
                 *(f for f in HARD_NEGATIVE_FAMILIES if f != RATE_DOUBLE), RATE_BUYER,
                 RATE_SELLER, ORDINARY)
FAMILY_CODE: dict[str, str | None] = {
    **{f: code for code, fams in REASON_FAMILIES.items() for f in fams},
    **{f: None for f in TEXT_FAMILIES if f not in
       {g for fams in REASON_FAMILIES.values() for g in fams}}}
# Which template lists carry each reason code and hard-negative family (for counting templates).
CODE_TEMPLATES = {**REASON_FAMILIES, ASYMMETRY: (SELLER_CAP, RATE_BUYER)}
HARD_NEGATIVE_TEMPLATES = {f: (RATE_BUYER,) if f == RATE_DOUBLE else (f,)
                           for f in HARD_NEGATIVE_FAMILIES}
TEMPLATE_SETS = ("default", "heldout")

# How contracts name the seller and the buyer (one style per contract); 甲方 is always the seller.
PARTIES = (("出卖人", "买受人"), ("甲方", "乙方"), ("卖方", "买方"), ("开发商", "购房人"))
BASES = ("总房款", "房屋总价款", "合同总价款", "全部房价款")   # the price both rates refer to

# Daily rates in units of 1/100,000 (万分之五 = 50). Seller rates, then buyer multiples.
SELLER_RATES = (10, 15, 20, 25, 30, 50)
ASYMMETRIC_MULTIPLES = (2.5, 3, 4, 5, 6, 10)
MAX_RATE = 500                      # 千分之五 per day
RATE_STEP = 5                       # every rate is a multiple of 5 units (万分之零点五)

# Clauses per contract: the two rate clauses, 0-4 family clauses, and ordinary clauses.
MIN_CLAUSES, MAX_CLAUSES = 7, 12

PROJECT_SUFFIXES = ("花园", "华府", "名邸", "公馆", "雅苑", "御景", "家园", "华庭", "新城",
                    "府", "湾", "学府", "壹号院", "国际社区")
DEVELOPER_WORDS = ("房地产开发", "置业", "地产", "房地产", "置地", "房地产开发经营")


def _column(name: str, kind: str = "string") -> Column:
    return Column(name, kind)


TABLES: tuple[TableSchema, ...] = (
    TableSchema("contracts", (
        _column("contract_no"), _column("project_name"), _column("presale_permit_no"),
        _column("developer_uscc"), _column("developer_name"), _column("buyer_id_masked"),
        _column("sign_date"), _column("total_price_yuan", "float64"),
        _column("area_m2", "float64"), _column("delivery_date"))),
    TableSchema("clauses", (
        _column("contract_no"), _column("clause_no", "int64"), _column("text"))),
)
SUBJECT_TABLE = "contracts"
RECORD_ID_COLUMN = "contract_no"
