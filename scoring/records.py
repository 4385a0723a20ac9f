"""One stored run as the leaderboards see it (immutable, validated on creation)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from numbers import Real
from typing import Any

from harness.status import RunStatus
from scoring.metrics import invalid_parameter

__all__ = ["RUN_STATUSES", "SPLITS", "RunRecord"]

# The outcomes of a run (CONTRACT 5), in the order the boards list them.
RUN_STATUSES: tuple[str, ...] = tuple(status.value for status in RunStatus)
SPLITS = ("public", "private")

_SCORES = ("precision", "recall", "f1", "reason_f1", "average_precision")
_RESOURCES = ("wall_s", "cpu_s", "peak_memory_mb")
_TEXTS = ("submission_id", "team", "submission_name", "version", "point", "scenario_id",
          "difficulty")


@dataclass(frozen=True)
class RunRecord:
    """One run of one submission on one scenario.

    ``submission_id`` is the submission's content hash. ``status`` is one of
    :data:`RUN_STATUSES`, the values of :class:`harness.status.RunStatus` (a member such as
    ``RunStatus.TIMEOUT`` is accepted and stored as its value). Scores are in [0, 1] or ``None``; an ``ok`` run must carry ``f1`` and
    ``reason_f1``. ``unsafe`` says the run used the unsafe local mode (not sandboxed).
    ``average_precision`` is ``None`` when the run gave no scores (or the store does not say).
    """

    submission_id: str
    team: str
    submission_name: str
    version: str
    baseline: bool
    covered_points: tuple[str, ...]
    point: str
    scenario_id: str
    split: str
    difficulty: str
    seed: int
    size: int
    status: str
    precision: float | None
    recall: float | None
    f1: float | None
    reason_f1: float | None
    wall_s: float | None
    cpu_s: float | None
    peak_memory_mb: float | None
    stderr_tail: str
    unsafe: bool
    average_precision: float | None = None

    def __post_init__(self) -> None:
        status = getattr(self.status, "value", self.status)  # accept a str enum member
        object.__setattr__(self, "status", status)
        if not isinstance(self.covered_points, (str, bytes)) and isinstance(
                self.covered_points, (list, tuple)):
            object.__setattr__(self, "covered_points", tuple(self.covered_points))
        for name in _TEXTS:
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise _bad(name, "a non-empty string", value)
        if not isinstance(self.stderr_tail, str):
            raise _bad("stderr_tail", "a string", self.stderr_tail)
        for name in ("baseline", "unsafe"):
            if not isinstance(getattr(self, name), bool):
                raise _bad(name, "a bool", getattr(self, name))
        if not isinstance(self.covered_points, tuple) or not all(
                isinstance(p, str) and p for p in self.covered_points):
            raise _bad("covered_points", "a tuple of point names", self.covered_points)
        if status not in RUN_STATUSES:
            raise _bad("status", f"one of {', '.join(RUN_STATUSES)}", status)
        if self.split not in SPLITS:
            raise _bad("split", f"one of {', '.join(SPLITS)}", self.split)
        for name in ("seed", "size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _bad(name, "a non-negative int", value)
        for name in _SCORES:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, Real)
                                      or math.isnan(value) or not 0.0 <= value <= 1.0):
                raise _bad(name, "a float in [0, 1] or None", value)
        for name in _RESOURCES:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, Real)
                                      or not math.isfinite(value) or value < 0):
                raise _bad(name, "a non-negative float or None", value)
        if status == "ok":
            for name in ("f1", "reason_f1"):
                if getattr(self, name) is None:
                    raise _bad(name, "a float in [0, 1] when status is 'ok'", None)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def scored_f1(self) -> float:
        """The F1 the boards count: the run's F1 when ``ok``, else 0."""
        return float(self.f1) if self.ok and self.f1 is not None else 0.0

    @property
    def scored_reason_f1(self) -> float:
        """The reason F1 the boards count: the run's reason F1 when ``ok``, else 0."""
        return float(self.reason_f1) if self.ok and self.reason_f1 is not None else 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (``covered_points`` as a list)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["covered_points"] = list(self.covered_points)
        return out


def _bad(name: str, expected: str, value: Any) -> Exception:
    return invalid_parameter("RunRecord", name, expected, value)
