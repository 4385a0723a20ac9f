"""Tables, vocabularies and thresholds of the ``shell_company`` point (空壳公司), CONTRACT 2.4.

Constants only: the five table schemas in the contract's column order, the reason codes, the
thresholds the rules use and the vocabularies the generator draws from.

>>> MILL_MIN_CENTS, WINDOW_MONTHS, BLOCK_MONTHS
(50000000, 24, 6)
"""

from __future__ import annotations

from synthetic.registry import Column, TableSchema

POINT = "shell_company"
GENERATOR_VERSION = "shell_company/1"
TITLE_ZH = "空壳公司"
TITLE_EN = "Shell companies"

INVOICE_MILL = "SHELL_INVOICE_MILL"
ACCOUNT_FRAUD = "SHELL_ACCOUNT_FRAUD"
FAKE_REGISTRATION = "SHELL_FAKE_REGISTRATION"
ZOMBIE = "SHELL_ZOMBIE_UNREVOKED"
REASON_CODES = (INVOICE_MILL, ACCOUNT_FRAUD, FAKE_REGISTRATION, ZOMBIE)

WINDOW_MONTHS = 24          # the window: 24 calendar months ending with as_of's month
BLOCK_MONTHS = 6            # the zombie rule looks at the window's last 6 months
MILL_MIN_CENTS = 50_000_000  # 500,000 yuan invoiced over the window
MILL_TAX_PERCENT = 1        # tax paid below 1% of the invoiced total
STRAW_AGE = 70              # a legal representative aged 70 or more at as_of
RING_MIN = 3                # representing at least 3 companies ...
RING_SPAN_DAYS = 180        # ... established within 180 days of each other

EXISTING, DORMANT, REVOKED, CANCELLED = "存续", "歇业", "吊销", "注销"
STATUSES = (EXISTING, DORMANT, REVOKED, CANCELLED)
NORMAL, ABNORMAL = "正常", "非正常户"
FILING_STATUSES = (NORMAL, ABNORMAL)

# (company type, weight) for names ending in 有限公司 / 有限责任公司; 股份有限公司 names get
# one of the joint-stock types.
LIMITED_TYPES = ("有限责任公司（自然人独资）", "有限责任公司（自然人投资或控股）",
                 "有限责任公司（非自然人投资或控股的法人独资）")
LIMITED_WEIGHTS = (0.45, 0.45, 0.10)
JOINT_STOCK_TYPES = ("股份有限公司（非上市、自然人投资或控股）", "股份有限公司（非上市）")
CAPITAL_WAN = (3, 10, 30, 50, 100, 200, 300, 500, 1000, 2000, 5000)
CAPITAL_WEIGHTS = (0.04, 0.14, 0.08, 0.16, 0.22, 0.10, 0.07, 0.10, 0.06, 0.02, 0.01)
AREA_CODE = "0553"          # Wuhu landlines; mobiles otherwise
MOBILE_HEADS = ("133", "135", "136", "138", "139", "150", "151", "152", "155", "158", "159",
                "177", "180", "181", "186", "187", "189", "199")
INCUBATORS = ("科技创业孵化中心", "大学生创业孵化中心", "电子商务创业孵化中心", "青年创业孵化中心",
              "众创空间创业孵化中心")
BANK_HEADS = ("1307", "1310", "1000", "3400", "6228", "6217", "1234", "3420")


def _column(name: str, kind: str = "string", *, messy: bool = False) -> Column:
    return Column(name, kind, messy)


TABLES: tuple[TableSchema, ...] = (
    TableSchema("companies", (
        _column("uscc"), _column("name"), _column("company_type"), _column("established_date"),
        _column("registered_capital_wan", "float64"), _column("legal_rep_id"),
        _column("legal_rep_name"), _column("address"), _column("phone"), _column("status"))),
    TableSchema("persons", (
        _column("id_number"), _column("name"), _column("birth_date"),
        _column("low_income", "bool"), _column("student", "bool"))),
    TableSchema("tax_monthly", (
        _column("taxpayer_code"), _column("year", "int64"), _column("month", "int64"),
        _column("invoiced_yuan", "float64"), _column("input_yuan", "float64"),
        _column("tax_paid_yuan", "float64"), _column("filing_status"))),
    TableSchema("social_insurance", (
        _column("unit_code"), _column("year", "int64"), _column("month", "int64"),
        _column("insured_count", "int64"))),
    TableSchema("fraud_accounts", (
        _column("account_no"), _column("owner_code"), _column("case_no"),
        _column("reported_date", messy=True))),
)
SUBJECT_TABLE = "companies"
RECORD_ID_COLUMN = "uscc"
