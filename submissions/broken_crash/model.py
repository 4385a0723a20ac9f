"""A deliberately broken demo submission: ``detect`` raises.

It reads a table that ``env_tax`` does not have, the most common crash in practice. Every run
ends ``crashed``; the traceback's last lines are the run's ``stderr_tail`` on the leaderboard.
"""

from __future__ import annotations


def detect(point, tables, context):
    return tables["tax_declarations"]  # KeyError: the table is called "declarations"
