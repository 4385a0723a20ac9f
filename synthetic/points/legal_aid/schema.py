"""Tables, vocabularies and settings of the ``legal_aid`` point (法律援助, CONTRACT 2.5).

Constants only: the six table schemas in the contract's column order, the reason codes, the
values of the coded columns, the charges a case can carry and the deadlines the rules use.

>>> SENSORY_CATEGORIES, NOTICE_DAYS, QUALIFIED_YEARS
(('1', '2', '3'), 3, 3)
"""

from __future__ import annotations

from synthetic.registry import Column, TableSchema

POINT = "legal_aid"
GENERATOR_VERSION = "legal_aid/2"
TITLE_ZH = "特殊群体刑事案件未依法提供法律援助"
TITLE_EN = "Legal aid for special groups in criminal cases"

MISSING = "LA_MISSING_DEFENDER"
LATE = "LA_LATE_NOTICE"
UNQUALIFIED = "LA_UNQUALIFIED_LAWYER"
REASON_CODES = (MISSING, LATE, UNQUALIFIED)

NOTICE_DAYS = 3          # the aid notice is due within 3 days after accepted_date (both inclusive)
QUALIFIED_YEARS = 3      # 无期徒刑 / 死刑 cases need a legal-aid lawyer with at least 3 years
ADULT_AGE = 18

REVIEW, TRIAL = "审查起诉", "审判"
STAGES = (REVIEW, TRIAL)
ORDINARY, SUMMARY, FAST_TRACK = "普通", "简易", "速裁"
PROCEDURES = (ORDINARY, SUMMARY, FAST_TRACK)
FIXED_TERM, LIFE, DEATH = "有期徒刑", "无期徒刑", "死刑"
PENALTIES = (FIXED_TERM, LIFE, DEATH)
GRAVE_PENALTIES = (LIFE, DEATH)
RETAINED, LEGAL_AID, DUTY = "委托", "法律援助", "值班律师"
DEFENDER_TYPES = (RETAINED, LEGAL_AID, DUTY)
FULL, LIMITED, NONE = "完全", "限制", "无"
CAPACITIES = (FULL, LIMITED, NONE)
# Disability categories of the 残疾人证 (GB/T 26341): 1 visual, 2 hearing, 3 speech, 4 physical,
# 5 intellectual, 6 psychiatric; grades 1 (most severe) to 4. Blind, deaf and mute defendants
# (categories 1-3) must have a defender (CPL art. 35, Legal Aid Law art. 25).
CATEGORIES = ("1", "2", "3", "4", "5", "6")
SENSORY_CATEGORIES = ("1", "2", "3")
GRADES = ("1", "2", "3", "4")

# Charges whose gravest penalty can be 无期徒刑 or 死刑, and everyday charges (有期徒刑).
GRAVE_CHARGES = ("故意杀人罪", "抢劫罪", "故意伤害罪", "绑架罪", "强奸罪", "贩卖毒品罪", "放火罪",
                 "集资诈骗罪")
ORDINARY_CHARGES = ("盗窃罪", "诈骗罪", "危险驾驶罪", "故意伤害罪", "帮助信息网络犯罪活动罪",
                    "寻衅滋事罪", "开设赌场罪", "交通肇事罪", "掩饰、隐瞒犯罪所得罪", "非法拘禁罪",
                    "抢劫罪", "聚众斗殴罪", "妨害公务罪", "容留他人吸毒罪", "信用卡诈骗罪")
# 速裁 is barred for minors and for blind, deaf, mute or partly incapable defendants (CPL art.
# 223), 简易 for the latter (art. 215): cases with such a defendant are tried under 普通.
OPEN_PROCEDURE_P = (0.4, 0.3, 0.3)


def _column(name: str, kind: str = "string", *, messy: bool = False) -> Column:
    return Column(name, kind, messy)


TABLES: tuple[TableSchema, ...] = (
    TableSchema("cases", (
        _column("case_no"), _column("stage"), _column("accepted_date", messy=True),
        _column("charge"), _column("procedure"))),
    TableSchema("defendants", (
        _column("defendant_id"), _column("case_no"), _column("name"), _column("id_number"),
        _column("birth_date"), _column("gender"), _column("possible_max_penalty"))),
    TableSchema("disabilities", (
        _column("card_no"), _column("name"), _column("category"), _column("grade"))),
    TableSchema("assessments", (_column("defendant_id"), _column("capacity"))),
    TableSchema("defenders", (
        _column("defendant_id"), _column("defender_type"),
        _column("appointed_date", messy=True), _column("lawyer_name"),
        _column("lawyer_years", "int64"))),
    TableSchema("aid_notices", (
        _column("defendant_id"), _column("notice_date", messy=True), _column("notifying_org"))),
)
SUBJECT_TABLE = "defendants"
RECORD_ID_COLUMN = "defendant_id"
