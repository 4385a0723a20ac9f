"""The seccomp program, checked instruction by instruction with a small classic-BPF interpreter,
and its syscall table checked against the kernel headers where they are installed.

The red-team suite shows the filter at work in the real kernel; these tests pin down the cases a
submission cannot easily produce from Python (another architecture, x32 numbers, high bits in an
ioctl request) and every denied name on both architectures.
"""

from __future__ import annotations

import errno
import re
import struct
from pathlib import Path

import pytest

from harness.sandbox.seccomp import (AF_VSOCK, ARCHES, CLONE_NEW_FLAGS, DENIED,
                                     SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO,
                                     SECCOMP_RET_KILL_PROCESS, TIOCLINUX, TIOCSTI,
                                     X32_SYSCALL_BIT, UnsupportedArchitecture, filter_program)

EPERM = SECCOMP_RET_ERRNO | errno.EPERM
ENOSYS = SECCOMP_RET_ERRNO | errno.ENOSYS
AUDIT_ARCH_I386 = 0x40000003


def run_filter(program: bytes, *, arch: int, nr: int, args: tuple[int, ...] = ()) -> int:
    """Execute a classic BPF seccomp program on one ``struct seccomp_data``."""
    padded = (tuple(args) + (0,) * 6)[:6]
    data = struct.pack("<iIQ6Q", nr, arch, 0, *padded)
    insns = [struct.unpack_from("<HBBI", program, i) for i in range(0, len(program), 8)]
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = insns[pc]
        pc += 1
        if code == 0x20:  # ld [k]
            acc = struct.unpack_from("<I", data, k)[0]
        elif code == 0x54:  # and #k
            acc &= k
        elif code in (0x15, 0x35, 0x45):  # jeq / jge / jset #k
            taken = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[code]
            pc += jt if taken else jf
        elif code == 0x06:  # ret #k
            return k
        else:
            raise AssertionError(f"unexpected opcode {code:#x}")


@pytest.mark.parametrize("machine", sorted(ARCHES))
def test_every_denied_call_is_eperm_and_others_pass(machine):
    arch = ARCHES[machine]
    program = filter_program(machine)
    assert len(program) % 8 == 0 and len(program) // 8 < 4096
    for name in DENIED:
        if name in arch.numbers:
            assert run_filter(program, arch=arch.audit_arch, nr=arch.numbers[name]) == EPERM, name
    denied = {arch.numbers[n] for n in DENIED if n in arch.numbers}
    special = {arch.numbers[n] for n in ("clone", "clone3", "ioctl", "socket")}
    for nr in range(0, 460):
        if nr not in denied | special:
            assert run_filter(program, arch=arch.audit_arch, nr=nr) == SECCOMP_RET_ALLOW, nr
    # The contract's list is all there on both architectures.
    for name in ("ptrace", "process_vm_readv", "process_vm_writev", "keyctl", "add_key",
                 "request_key", "io_uring_setup", "io_uring_enter", "io_uring_register",
                 "perf_event_open", "bpf", "userfaultfd", "unshare", "setns", "mount", "umount2",
                 "personality"):
        assert name in DENIED and name in arch.numbers, name


@pytest.mark.parametrize("machine", sorted(ARCHES))
def test_argument_filters(machine):
    arch = ARCHES[machine]
    program = filter_program(machine)

    def verdict(name, *args):
        return run_filter(program, arch=arch.audit_arch, nr=arch.numbers[name], args=args)

    assert verdict("clone3") == ENOSYS
    assert verdict("clone", 0x01200011) == SECCOMP_RET_ALLOW  # what fork() passes
    assert verdict("clone", 0x003D0F00) == SECCOMP_RET_ALLOW  # what pthread_create passes
    for bit in range(32):
        flag = 1 << bit
        if flag & CLONE_NEW_FLAGS:
            assert verdict("clone", flag | 17) == EPERM, hex(flag)
    assert verdict("ioctl", 1, TIOCSTI) == EPERM
    assert verdict("ioctl", 1, TIOCLINUX) == EPERM
    assert verdict("ioctl", 1, (0xDEAD << 32) | TIOCSTI) == EPERM  # the kernel ignores the top
    assert verdict("ioctl", 1, 0x5401) == SECCOMP_RET_ALLOW  # TCGETS
    assert verdict("socket", AF_VSOCK, 1, 0) == EPERM
    assert verdict("socket", (7 << 32) | AF_VSOCK, 1, 0) == EPERM
    for family in (1, 2, 10, 16):  # unix, inet, inet6, netlink
        assert verdict("socket", family, 1, 0) == SECCOMP_RET_ALLOW


def test_other_architectures_are_killed_and_x32_denied():
    for machine, arch in ARCHES.items():
        program = filter_program(machine)
        for other in {a.audit_arch for a in ARCHES.values()} - {arch.audit_arch} \
                | {AUDIT_ARCH_I386}:
            assert run_filter(program, arch=other, nr=39) == SECCOMP_RET_KILL_PROCESS
    x86 = ARCHES["x86_64"]
    program = filter_program("x86_64")
    assert run_filter(program, arch=x86.audit_arch, nr=X32_SYSCALL_BIT | 39) == EPERM
    assert run_filter(program, arch=x86.audit_arch, nr=39) == SECCOMP_RET_ALLOW


def test_unknown_machine_is_refused():
    with pytest.raises(UnsupportedArchitecture, match="no seccomp syscall table for .*'mips'"):
        filter_program("mips")
    assert filter_program("amd64") == filter_program("x86_64")


def header_numbers(path: Path, pattern: str) -> dict[str, int]:
    return {m[0]: int(m[1]) for m in re.findall(pattern, path.read_text())}


@pytest.mark.parametrize("machine, header, pattern", [
    ("x86_64", "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
     r"#define __NR_(\w+) (\d+)\n"),
    ("aarch64", "/usr/include/asm-generic/unistd.h", r"#define __NR_(\w+) (\d+)\n"),
])
def test_numbers_match_the_kernel_headers(machine, header, pattern):
    path = Path(header)
    if not path.exists():
        pytest.skip(f"{header} is not installed (linux-libc-dev)")
    numbers = header_numbers(path, pattern)
    table = ARCHES[machine].numbers
    checked = [name for name in table if name in numbers]
    assert len(checked) >= len(table) - 3  # _sysctl / uselib & co. may be gone from headers
    for name in checked:
        assert table[name] == numbers[name], (machine, name, table[name], numbers[name])
