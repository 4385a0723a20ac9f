"""Run statuses: how one run of a submission on one scenario ended (CONTRACT 5).

A status is an enum, never a free-form string; its :attr:`RunStatus.meaning` is the one-line
explanation shown in ``arena check``, the docs and the leaderboard pages.
"""

from __future__ import annotations

import enum

__all__ = ["RunStatus", "STATUS_MEANINGS"]


class RunStatus(str, enum.Enum):
    """The outcome of one run. Only ``OK`` runs are scored; every other run scores 0."""

    OK = "ok"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    CRASHED = "crashed"
    INVALID_OUTPUT = "invalid_output"
    OUTPUT_LIMIT = "output_limit"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return self.value

    @property
    def meaning(self) -> str:
        """One line saying what the status means, e.g. for ``RunStatus.TIMEOUT``:
        "the run used up its wall-clock or CPU time limit and was stopped"."""
        return STATUS_MEANINGS[self]


STATUS_MEANINGS: dict[RunStatus, str] = {
    RunStatus.OK: "the run finished normally and wrote a valid clues.csv",
    RunStatus.TIMEOUT: "the run used up its wall-clock or CPU time limit and was stopped",
    RunStatus.MEMORY_LIMIT: "the run's processes reached the memory limit (killed, or an "
                            "allocation failed)",
    RunStatus.CRASHED: "the submission's code failed: an exception, a nonzero exit code or a "
                       "fatal signal",
    RunStatus.INVALID_OUTPUT: "clues.csv is missing, not a regular file, not UTF-8 CSV with a "
                              "record_id column, or holds invalid values",
    RunStatus.OUTPUT_LIMIT: "output files or the captured stdout/stderr went over their size "
                            "limit",
    RunStatus.REJECTED: "the submission could not be run (bad manifest, or it does not cover "
                        "the scenario's point)",
}
