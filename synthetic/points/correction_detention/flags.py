"""The fact flags of ``correction_detention``: what the role layer built for each subject.

A subject is a clue, a hard negative or plain; the flags name the reasons a clue was built for and
the hard-negative families a subject carries, so tests can count each family. Labels never come
from these flags: the rules compute them from the facts.
"""

from __future__ import annotations

# Hard-negative families (fact flags). A hard negative is a subject that is not a clue and has at
# least one of them; clues may carry the additive ones too.
HN_SANCTION_DAY_30 = "hn_sanction_day_30"        # the sanction exactly 30 days after the decision
HN_NOT_YET_DUE = "hn_not_yet_due"                # unsanctioned, decision + 30 days not before as_of
HN_GUANZHI_TWO_WARNED = "hn_guanzhi_two_warned"  # 管制: two detentions, each followed by 警告
HN_HUANXING_ONE_WARNED = "hn_huanxing_one_warned"  # 缓刑: a single detention followed by 警告
HN_REMOTE_CHECKIN = "hn_remote_checkin"          # 电话 / 定位 check-in on a detention day
HN_ONSITE_NEXT_TO = "hn_onsite_next_to_detention"  # 现场 just before or after the detention days
HN_BEFORE_START = "hn_before_start"              # a detention decided shortly before start_date
HN_AFTER_END = "hn_after_end"                    # a detention decided after end_date
HN_FINE_WARNING = "hn_fine_or_warning"           # a 罚款 or public-security 警告 during the term
HN_NOT_EXECUTED = "hn_not_executed"              # a 行政拘留 during the term, not executed
HN_REVOKED = "hn_revoked"                        # a 行政拘留 during the term, later revoked
HN_NAMESAKE = "hn_namesake"                      # (hard) another person, same name, detained
CORE_FAMILIES = (HN_SANCTION_DAY_30, HN_NOT_YET_DUE, HN_GUANZHI_TWO_WARNED,
                 HN_HUANXING_ONE_WARNED, HN_REMOTE_CHECKIN, HN_ONSITE_NEXT_TO)
ADDITIVE_FAMILIES = (HN_BEFORE_START, HN_AFTER_END, HN_FINE_WARNING, HN_NOT_EXECUTED,
                     HN_REVOKED, HN_NAMESAKE)
HN_FLAGS = CORE_FAMILIES + ADDITIVE_FAMILIES
# Intended reasons (what the role layer built; the tests check the rules agree).
R_NO_SANCTION, R_SHOULD_PROPOSE, R_CHECKIN = "r_no_sanction", "r_should_propose", "r_checkin"
REASON_FLAGS = (R_NO_SANCTION, R_SHOULD_PROPOSE, R_CHECKIN)
FLAGS = REASON_FLAGS + HN_FLAGS

PLAIN, CLUE, HARD_NEGATIVE = 0, 1, 2
