"""A deliberately broken demo submission: ``detect`` never returns.

Every run ends ``timeout`` when the sandbox's wall-clock limit stops it (the demo competition sets
a low limit so the demo stays short). It sleeps instead of spinning so it costs no CPU while it
waits.
"""

from __future__ import annotations

import time


def detect(point, tables, context):
    while True:
        time.sleep(1)
