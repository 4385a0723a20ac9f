"""A deliberately broken demo submission: ``detect`` returns a frame that is not a table of clues.

The frame names its key column ``permit`` instead of ``record_id`` and its scores are NaN, so
every run ends ``invalid_output`` (the contract rejects both a missing ``record_id`` column and
NaN or infinite scores).
"""

from __future__ import annotations

import math

import pandas as pd


def detect(point, tables, context):
    permits = tables["permits"]["permit_no"]
    return pd.DataFrame({"permit": permits, "reason": "", "score": math.nan})
