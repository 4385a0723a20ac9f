"""The fact flags of ``legal_aid``: what the role layer built for each defendant.

A defendant is a clue, a hard negative or plain; the flags name the reasons a clue was built for
and the hard-negative family a defendant carries, so tests can count each family. Labels never
come from these flags: the rules compute them from the facts.
"""

from __future__ import annotations

# Hard-negative families. Each hard negative has exactly one core family; the additive one (hard
# only) may sit on clues and hard negatives alike.
HN_RETAINED = "hn_retained"                      # mandatory, failing, but a 委托 defender exists
HN_CARD_4_6 = "hn_card_4_6"                      # a physical, intellectual or psychiatric card
HN_DAY_AFTER_18 = "hn_day_after_18"              # accepted the day after the 18th birthday
HN_TURNED_18 = "hn_turned_18"                    # a minor at the offence, 18 by acceptance
HN_FULL_CAPACITY = "hn_full_capacity"            # assessed 完全
HN_NO_CAPACITY = "hn_no_capacity"                # assessed 无 (see the docs' reading)
HN_NOTICE_DAY_3 = "hn_notice_day_3"              # the aid notice exactly 3 days after acceptance
HN_NOT_YET_DUE = "hn_not_yet_due"                # nothing done, accepted_date + 3 not before as_of
HN_SENIOR_AID_LAWYER = "hn_senior_aid_lawyer"    # 无期/死刑 with a legal-aid lawyer of >= 3 years
HN_JUNIOR_FIXED_TERM = "hn_junior_fixed_term"    # a junior legal-aid lawyer, only 有期徒刑
HN_NAMESAKE_CARD = "hn_namesake_card"            # (hard) another person, same name, card 1-3
CORE_FAMILIES = (HN_RETAINED, HN_CARD_4_6, HN_DAY_AFTER_18, HN_TURNED_18, HN_FULL_CAPACITY,
                 HN_NO_CAPACITY, HN_NOTICE_DAY_3, HN_NOT_YET_DUE, HN_SENIOR_AID_LAWYER,
                 HN_JUNIOR_FIXED_TERM)
ADDITIVE_FAMILIES = (HN_NAMESAKE_CARD,)
HN_FLAGS = CORE_FAMILIES + ADDITIVE_FAMILIES
# Intended reasons (what the role layer built; the tests check the rules agree).
R_MISSING, R_LATE, R_UNQUALIFIED = "r_missing", "r_late", "r_unqualified"
REASON_FLAGS = (R_MISSING, R_LATE, R_UNQUALIFIED)
FLAGS = REASON_FLAGS + HN_FLAGS

PLAIN, CLUE, HARD_NEGATIVE = 0, 1, 2
