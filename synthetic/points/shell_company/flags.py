"""The fact flags of ``shell_company``: what the role layer built for each company.

A company is a clue, a hard negative or plain; the flags name the reasons a clue was built for
and the hard-negative family a company belongs to, so tests can count each family. Labels never
come from these flags: the rules compute them from the facts.
"""

from __future__ import annotations

# Hard-negative families: each hard negative has exactly one; HN_INCUBATOR also shows on clues.
HN_INCUBATOR = "hn_incubator_with_staff"        # shared incubator address, with staff
HN_ELDERLY_FAMILY = "hn_elderly_family"         # rep aged 70+, 3 firms in 180 days, with staff
HN_RING_STAFF = "hn_ring_member_with_staff"     # a straw man's ring member that has staff
HN_RING_SPREAD = "hn_ring_spread"               # straw man, 3 firms but 181+ days apart
HN_STRAW_PAIR = "hn_straw_pair"                 # straw man with only 2 firms
HN_ALMOST_70 = "hn_almost_70"                   # rep aged 69 (hard: 70th birthday is as_of)
HN_DORMANT = "hn_dormant"                       # 歇业, no filing in the last 6 months
HN_NEW_COMPANY = "hn_new_company"               # 存续, no filing, established inside the block
HN_ONE_FILING = "hn_one_filing"                 # 非正常户 or missing in 5 of 6 months, one 正常
HN_HIGH_INVOICE_STAFF = "hn_high_invoice_staff"  # ≥ 500,000 invoiced, < 1% tax, with staff
HN_MILL_BOUNDARY = "hn_mill_boundary"           # no staff, tax ≥ 1% or invoiced < 500,000
HN_FRAUD_STAFF = "hn_fraud_with_staff"          # fraud-listed account, with staff
HN_STAFF_ONE_MONTH = "hn_staff_one_month"       # mill-like, insured staff in one window month
HN_BEFORE_WINDOW = "hn_before_window"           # mill-like only counting months before it
HN_NAMESAKE = "hn_namesake"                     # (hard) rep shares a ring straw man's name
HN_FLAGS = (HN_INCUBATOR, HN_ELDERLY_FAMILY, HN_RING_STAFF, HN_RING_SPREAD, HN_STRAW_PAIR,
            HN_ALMOST_70, HN_DORMANT, HN_NEW_COMPANY, HN_ONE_FILING, HN_HIGH_INVOICE_STAFF,
            HN_MILL_BOUNDARY, HN_FRAUD_STAFF, HN_STAFF_ONE_MONTH, HN_BEFORE_WINDOW, HN_NAMESAKE)
# Families whose companies share a representative: (family, companies per representative).
GROUPED = {HN_ELDERLY_FAMILY: 3, HN_RING_SPREAD: 3, HN_STRAW_PAIR: 2, HN_ALMOST_70: 3}
# Intended reasons (what the role layer built; the tests check the rules agree).
R_MILL, R_FRAUD, R_FAKE, R_ZOMBIE = "r_mill", "r_fraud", "r_fake", "r_zombie"
REASON_FLAGS = (R_MILL, R_FRAUD, R_FAKE, R_ZOMBIE)
# A trap any no-staff company may carry: insured staff only in months before the window.
STAFF_BEFORE_WINDOW = "staff_before_window"
FLAGS = REASON_FLAGS + HN_FLAGS + (STAFF_BEFORE_WINDOW,)

PLAIN, CLUE, HARD_NEGATIVE = 0, 1, 2
