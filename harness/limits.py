"""Resource limits of one run (CONTRACT 5), validated on creation.

The defaults are the contract's; a competition file or ``arena check --time-limit/--memory-limit``
builds another :class:`Limits` with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from harness.errors import ConfigError

__all__ = ["Limits"]

_INTEGER_FIELDS = ("memory_mb", "processes", "open_files", "output_mb", "tmp_mb", "stream_bytes")
_NUMBER_FIELDS = ("wall_s", "cpu_s")
MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Limits of one run.

    ``wall_s``/``cpu_s``: seconds of wall-clock / CPU time (CPU summed over the process tree);
    ``memory_mb``: MiB of resident memory of the whole process tree; ``processes``: processes and
    threads; ``open_files``: file descriptors per process; ``output_mb``: MiB of files written to
    ``$ARENA_OUTPUT``; ``tmp_mb``: MiB of the private ``/tmp`` (and of ``/dev/shm``);
    ``stream_bytes``: bytes of stdout and stderr together.

    >>> Limits(wall_s=5).wall_s
    5.0
    """

    wall_s: float = 60.0
    cpu_s: float = 60.0
    memory_mb: int = 2048
    processes: int = 64
    open_files: int = 256
    output_mb: int = 64
    tmp_mb: int = 256
    stream_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        for name in _NUMBER_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value <= 0:
                raise ConfigError(f"must be a positive number of seconds; got {value!r}",
                                  field=name)
            object.__setattr__(self, name, float(value))
        for name in _INTEGER_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ConfigError(f"must be a positive integer; got {value!r}", field=name)

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * MIB

    @property
    def output_bytes(self) -> int:
        return self.output_mb * MIB

    @property
    def tmp_bytes(self) -> int:
        return self.tmp_mb * MIB

    def replace(self, **changes: object) -> "Limits":
        """A copy with some limits changed (validated like a new one)."""
        return dataclasses.replace(self, **changes)
