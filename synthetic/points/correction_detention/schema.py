"""Tables, vocabularies and settings of the ``correction_detention`` point (社区矫正).

Constants only: the four table schemas in the contract's column order, the reason codes, which
correction actions count as a *sanction*, which proposal each correction type needs and after which
effective detention, the terms each correction type runs for, and the violations and detention
lengths the public-security records draw from.

>>> TRIGGER_RANK["缓刑"], PROPOSAL["缓刑"]
(2, '提请撤销缓刑')
"""

from __future__ import annotations

from synthetic.registry import Column, TableSchema

POINT = "correction_detention"
GENERATOR_VERSION = "correction_detention/2"
TITLE_ZH = "社区矫正对象被行政拘留未依法处置"
TITLE_EN = "Community correction subjects under administrative detention"

NO_SANCTION = "CC_NO_SANCTION_AFTER_DETENTION"
SHOULD_PROPOSE = "CC_SHOULD_PROPOSE_REVOCATION"
CHECKIN_DURING = "CC_CHECKIN_DURING_DETENTION"
REASON_CODES = (NO_SANCTION, SHOULD_PROPOSE, CHECKIN_DURING)

SANCTION_DAYS = 30            # a sanction is due within 30 days after the decision (both inclusive)

# Correction types (社区矫正法 art. 2) in the order of the type codes used by the generator.
GUANZHI, HUANXING, JIASHI, JIANWAI = "管制", "缓刑", "假释", "暂予监外执行"
CORRECTION_TYPES = (GUANZHI, HUANXING, JIASHI, JIANWAI)
TYPE_WEIGHTS = (0.05, 0.78, 0.12, 0.05)     # roughly the national mix, 缓刑 far ahead
# Term in days (first, last) by type: 管制 3 months-2 years, 缓刑 考验期, remaining 假释 term,
# 暂予监外执行 until the condition ends. Every term is long enough for two detentions 70 days apart.
TERM_DAYS = {GUANZHI: (92, 730), HUANXING: (183, 1826), JIASHI: (92, 1461), JIANWAI: (183, 1096)}
# The effective detention that obliges a revocation proposal (Criminal Law arts. 77, 86; 社区矫正法
# arts. 46-48; SPC interpretation art. 543) and the proposal it needs. 管制 has neither.
TRIGGER_RANK = {HUANXING: 2, JIASHI: 1, JIANWAI: 1}
PROPOSAL = {HUANXING: "提请撤销缓刑", JIASHI: "提请撤销假释", JIANWAI: "提请收监执行"}

# Actions of the correction agency; the first two are no sanction.
ADMONISH, REFER_POLICE, WARNING = "训诫", "提请治安处罚", "警告"
ACTIONS = (ADMONISH, WARNING, REFER_POLICE, *PROPOSAL.values())
SANCTIONS = (WARNING, *PROPOSAL.values())

ONSITE, PHONE, LOCATION = "现场", "电话", "定位"
METHODS = (ONSITE, PHONE, LOCATION)
ROUTINE_METHOD_WEIGHTS = (0.45, 0.30, 0.25)

STATUS_ACTIVE, STATUS_ENDED = "在矫", "解矫"

DETENTION, FINE, POLICE_WARNING = "行政拘留", "罚款", "警告"
PUNISHMENT_TYPES = (DETENTION, FINE, POLICE_WARNING)
# Administrative violations (治安管理处罚法; 道路交通安全法 art. 99 for driving without a licence).
DETENTION_VIOLATIONS = ("殴打他人", "盗窃", "赌博", "吸食毒品", "扰乱公共秩序", "寻衅滋事",
                        "故意损毁财物", "诈骗", "阻碍执行职务", "无证驾驶机动车", "卖淫嫖娼",
                        "非法侵入住宅")
FINE_VIOLATIONS = ("赌博", "扰乱公共秩序", "殴打他人", "饮酒后驾驶机动车", "卖淫嫖娼",
                   "故意损毁财物", "违反规定燃放烟花爆竹")
WARNING_VIOLATIONS = ("殴打他人", "扰乱公共秩序", "故意损毁财物", "盗窃", "散布谣言")
DETENTION_DAYS = (3, 5, 7, 10, 12, 15)                   # common lengths; the rest uniform 1-15
DETENTION_DAYS_P = (0.10, 0.25, 0.15, 0.30, 0.10, 0.10)
COMBINED_DAYS = (16, 20)     # two violations executed together: at most 20 days (art. 16)

# Towns whose 司法所 supervise subjects, besides the county's 社区矫正中心.
TOWNS = ("城关镇", "城东街道", "城西街道", "城南街道", "城北街道", "开发区", "新城街道",
         "花桥镇", "湖阳镇", "白马镇", "清水镇", "大桥镇", "高新区", "东湖街道", "南山镇")
CENTER_SHARE = 0.4


def _column(name: str, kind: str = "string", *, messy: bool = False) -> Column:
    return Column(name, kind, messy)


TABLES: tuple[TableSchema, ...] = (
    TableSchema("subjects", (
        _column("correction_no"), _column("name"), _column("id_number"),
        _column("correction_type"), _column("start_date"), _column("end_date"),
        _column("office"), _column("status"))),
    TableSchema("punishments", (
        _column("punishment_no"), _column("name"), _column("id_number"),
        _column("punishment_type"), _column("decision_date", messy=True),
        _column("detention_days", "int64"), _column("executed", "bool"),
        _column("revoked", "bool"), _column("violation"))),
    TableSchema("sanctions", (
        _column("correction_no"), _column("action"), _column("action_date", messy=True))),
    TableSchema("checkins", (
        _column("correction_no"), _column("checkin_date"), _column("method"))),
)
SUBJECT_TABLE = "subjects"
RECORD_ID_COLUMN = "correction_no"
