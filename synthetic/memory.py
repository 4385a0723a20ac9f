"""Keeping freed memory for reuse while scenarios are generated.

A generator allocates and frees many large columns in turn (a 1M-subject column of int64 is
8 MB). With glibc's defaults such blocks come straight from ``mmap`` and go back to the kernel
when freed, the heap is trimmed as soon as 128 KiB at its top are free, and Arrow's bundled
mimalloc returns freed pages to the kernel after a few milliseconds. Every reuse then faults
fresh, zeroed pages in again: on the 2-core VMs this project is measured on, that was a quarter
to a third of a 1M-subject generation's CPU time (see BENCHMARKS.md, *Generators*).

So the first generation in a process switches glibc to keep what it frees (blocks up to 32 MiB
on the heap, up to 1 GiB of free heap kept) and Arrow to the system allocator, which then shares
that reusable heap. The price: a process that generated keeps up to about 1 GiB more resident
than it is using, until it exits. Generation output does not depend on any of this.
"""

from __future__ import annotations

import ctypes
import functools

import pyarrow as pa

__all__ = ["keep_freed_memory"]

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

_MMAP_THRESHOLD = 32 << 20  # glibc's maximum on 64-bit systems
_TRIM_THRESHOLD = 1 << 30
_TOP_PAD = 64 << 20  # grow the heap in big steps: fewer brk calls


@functools.cache
def keep_freed_memory() -> None:
    """Make this process reuse freed memory instead of returning it to the kernel (once)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): keep its defaults
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    for parameter, value in ((_M_MMAP_THRESHOLD, _MMAP_THRESHOLD),
                             (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD), (_M_TOP_PAD, _TOP_PAD)):
        mallopt(parameter, value)
    pa.set_memory_pool(pa.system_memory_pool())
