"""The record of one run, immutable and validated on creation."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from harness.status import RunStatus

__all__ = ["RunResult", "STDERR_TAIL_BYTES"]

STDERR_TAIL_BYTES = 4096


@dataclass(frozen=True, eq=False)
class RunResult:
    """How one run of one submission on one scenario ended.

    ``predictions`` (``record_id`` str, ``reason`` str with ``''`` for none, ``score`` float or
    NaN) is set only for ``ok`` runs; ``problems`` are notes about the output that did not
    invalidate it; ``unsafe`` is True when the run was not sandboxed (``--unsafe-local``).
    ``peak_memory_mb`` is the larger of the biggest single process's resident set and the
    sampled private memory of the whole process tree.
    """

    status: RunStatus
    wall_s: float
    cpu_s: float
    peak_memory_mb: float
    stderr_tail: str
    message: str
    output_sha256: str | None = None
    predictions: pd.DataFrame | None = None
    problems: tuple[str, ...] = ()
    unsafe: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.status, RunStatus):
            raise TypeError(f"status must be a RunStatus; got {self.status!r}")
        for name in ("wall_s", "cpu_s", "peak_memory_mb"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
            object.__setattr__(self, name, float(value))
        if len(self.stderr_tail) > STDERR_TAIL_BYTES:  # 4 KiB of bytes decode to <= 4096 chars
            raise ValueError("stderr_tail must hold at most the last 4 KiB of stderr")
        if self.predictions is not None and self.status is not RunStatus.OK:
            raise ValueError("only ok runs carry predictions")
        object.__setattr__(self, "problems", tuple(self.problems))

    @property
    def ok(self) -> bool:
        return self.status is RunStatus.OK
