"""The run's seccomp filter, generated as a classic BPF program in pure Python.

bubblewrap loads it (``--seccomp FD``) just before it executes the submission, so it applies to
every process of the run and cannot be removed. The filter

- kills the process (``SECCOMP_RET_KILL_PROCESS``) on a system call made under another
  architecture than the machine's (``int 0x80`` i386 calls on x86_64), and denies the x32 ABI;
- denies with ``EPERM`` the calls that reach parts of the kernel no namespace isolates
  (:data:`DENIED`): ptrace and cross-process memory access, keyrings, io_uring, perf events,
  eBPF, userfaultfd, new namespaces and mounts (old and new mount API), personality, kernel
  modules, kexec, clocks, swap, reboot, quotas, file handles and a few more;
- denies ``clone`` with any ``CLONE_NEW*`` flag (``EPERM``) and ``clone3`` entirely (``ENOSYS``,
  so the C library falls back to ``clone``, whose flags a filter can see);
- denies ``socket(AF_VSOCK, ...)`` and the terminal-injection ioctls ``TIOCSTI``/``TIOCLINUX``
  (only the low 32 bits of an ioctl request count, as in the kernel).

Everything else is allowed. No libseccomp is needed: :func:`filter_program` returns the raw
``struct sock_filter`` array (8 bytes per instruction, native little-endian), which is what
bubblewrap reads from the descriptor.
"""

from __future__ import annotations

import errno
import functools
import platform
import struct

__all__ = ["filter_program", "DENIED", "ARCHES", "Arch", "UnsupportedArchitecture",
           "SECCOMP_RET_ALLOW", "SECCOMP_RET_KILL_PROCESS", "SECCOMP_RET_ERRNO", "AF_VSOCK",
           "TIOCSTI", "TIOCLINUX", "CLONE_NEW_FLAGS", "X32_SYSCALL_BIT"]

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

# struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
_OFFSET_NR = 0
_OFFSET_ARCH = 4


def _arg_low(index: int) -> int:
    """Offset of the low 32 bits of argument ``index`` (little-endian machines only)."""
    return 16 + 8 * index


# Classic BPF opcodes used here.
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K

AF_VSOCK = 40
TIOCSTI = 0x5412
TIOCLINUX = 0x541C
# CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
# CLONE_NEWNET (CLONE_NEWTIME exists only for clone3/unshare, which are denied outright).
CLONE_NEW_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 \
    | 0x40000000
X32_SYSCALL_BIT = 0x40000000

# Denied with EPERM. Names are the kernel's; a name missing from an architecture's table is
# a call that architecture does not have.
DENIED = (
    # other processes' memory and execution
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp",
    # kernel keyrings
    "keyctl", "add_key", "request_key",
    # io_uring (its own, unfiltered path into many system calls)
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    # kernel instrumentation and programs
    "perf_event_open", "bpf", "userfaultfd", "fanotify_init", "lookup_dcookie", "syslog",
    # namespaces and mounts
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    # execution domain, modules, the machine
    "personality", "uselib", "init_module", "finit_module", "delete_module", "kexec_load",
    "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
    "nfsservctl", "_sysctl", "iopl", "ioperm", "vhangup", "sethostname", "setdomainname",
    # clocks
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    # file handles (open any inode of a mounted file system by number)
    "name_to_handle_at", "open_by_handle_at",
)


class UnsupportedArchitecture(RuntimeError):
    """No syscall table for this machine: the sandbox refuses to run without its filter."""


class Arch:
    """One architecture: its ``AUDIT_ARCH_*`` value and system call numbers."""

    def __init__(self, name: str, audit_arch: int, numbers: dict[str, int], *,
                 x32: bool = False) -> None:
        self.name = name
        self.audit_arch = audit_arch
        self.numbers = numbers
        self.x32 = x32


_X86_64 = {
    "ioctl": 16, "socket": 41, "clone": 56, "ptrace": 101, "syslog": 103, "uselib": 134,
    "personality": 135, "vhangup": 153, "pivot_root": 155, "_sysctl": 156, "adjtimex": 159,
    "chroot": 161, "acct": 163, "settimeofday": 164, "mount": 165, "umount2": 166,
    "swapon": 167, "swapoff": 168, "reboot": 169, "sethostname": 170, "setdomainname": 171,
    "iopl": 172, "ioperm": 173, "init_module": 175, "delete_module": 176, "quotactl": 179,
    "nfsservctl": 180, "lookup_dcookie": 212, "clock_settime": 227, "kexec_load": 246,
    "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272, "perf_event_open": 298,
    "fanotify_init": 300, "name_to_handle_at": 303, "open_by_handle_at": 304,
    "clock_adjtime": 305, "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311,
    "kcmp": 312, "finit_module": 313, "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
    "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "clone3": 435, "pidfd_getfd": 438, "process_madvise": 440, "mount_setattr": 442,
    "quotactl_fd": 443,
}
_AARCH64 = {  # asm-generic numbering
    "lookup_dcookie": 18, "ioctl": 29, "umount2": 39, "mount": 40, "pivot_root": 41,
    "nfsservctl": 42, "chroot": 51, "vhangup": 58, "quotactl": 60, "acct": 89,
    "personality": 92, "unshare": 97, "kexec_load": 104, "init_module": 105,
    "delete_module": 106, "clock_settime": 112, "syslog": 116, "ptrace": 117, "reboot": 142,
    "sethostname": 161, "setdomainname": 162, "settimeofday": 170, "adjtimex": 171,
    "socket": 198, "add_key": 217, "request_key": 218, "keyctl": 219, "clone": 220,
    "swapon": 224, "swapoff": 225, "perf_event_open": 241, "fanotify_init": 262,
    "name_to_handle_at": 264, "open_by_handle_at": 265, "clock_adjtime": 266, "setns": 268,
    "process_vm_readv": 270, "process_vm_writev": 271, "kcmp": 272, "finit_module": 273,
    "bpf": 280, "userfaultfd": 282, "kexec_file_load": 294, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428, "move_mount": 429,
    "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "clone3": 435,
    "pidfd_getfd": 438, "process_madvise": 440, "mount_setattr": 442, "quotactl_fd": 443,
}
ARCHES = {
    "x86_64": Arch("x86_64", 0xC000003E, _X86_64, x32=True),  # AUDIT_ARCH_X86_64
    "aarch64": Arch("aarch64", 0xC00000B7, _AARCH64),  # AUDIT_ARCH_AARCH64
}
_MACHINE_ALIASES = {"amd64": "x86_64", "arm64": "aarch64"}


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _errno(number: int) -> int:
    return SECCOMP_RET_ERRNO | number


@functools.lru_cache(maxsize=4)
def filter_program(machine: str | None = None) -> bytes:
    """The filter for ``machine`` (default: this one) as ``struct sock_filter`` bytes.

    >>> len(filter_program("x86_64")) % 8
    0

    Raises :class:`UnsupportedArchitecture` for a machine without a table here.
    """
    machine = machine or platform.machine()
    arch = ARCHES.get(_MACHINE_ALIASES.get(machine, machine))
    if arch is None:
        raise UnsupportedArchitecture(
            f"no seccomp syscall table for the machine architecture {machine!r} "
            f"(supported: {', '.join(ARCHES)})")
    nr = arch.numbers
    eperm = _errno(errno.EPERM)
    program = [
        _insn(_LD_W_ABS, 0, 0, _OFFSET_ARCH),
        _insn(_JEQ_K, 1, 0, arch.audit_arch),
        _insn(_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
        _insn(_LD_W_ABS, 0, 0, _OFFSET_NR),
    ]
    if arch.x32:  # x32 calls share AUDIT_ARCH_X86_64 and carry bit 30 in their number
        program += [_insn(_JGE_K, 0, 1, X32_SYSCALL_BIT), _insn(_RET_K, 0, 0, eperm)]
    for name in DENIED:
        if name in nr:
            program += [_insn(_JEQ_K, 0, 1, nr[name]), _insn(_RET_K, 0, 0, eperm)]
    program += [_insn(_JEQ_K, 0, 1, nr["clone3"]),
                _insn(_RET_K, 0, 0, _errno(errno.ENOSYS))]
    # Each block below loads an argument (so A no longer holds the number) and ends in a return.
    program += [_insn(_JEQ_K, 0, 4, nr["clone"]),
                _insn(_LD_W_ABS, 0, 0, _arg_low(0)),
                _insn(_JSET_K, 0, 1, CLONE_NEW_FLAGS),
                _insn(_RET_K, 0, 0, eperm),
                _insn(_RET_K, 0, 0, SECCOMP_RET_ALLOW)]
    program += [_insn(_JEQ_K, 0, 5, nr["ioctl"]),
                _insn(_LD_W_ABS, 0, 0, _arg_low(1)),
                _insn(_JEQ_K, 2, 0, TIOCSTI),
                _insn(_JEQ_K, 1, 0, TIOCLINUX),
                _insn(_RET_K, 0, 0, SECCOMP_RET_ALLOW),
                _insn(_RET_K, 0, 0, eperm)]
    program += [_insn(_JEQ_K, 0, 4, nr["socket"]),
                _insn(_LD_W_ABS, 0, 0, _arg_low(0)),
                _insn(_JEQ_K, 0, 1, AF_VSOCK),
                _insn(_RET_K, 0, 0, eperm),
                _insn(_RET_K, 0, 0, SECCOMP_RET_ALLOW)]
    program.append(_insn(_RET_K, 0, 0, SECCOMP_RET_ALLOW))
    if len(program) > 4096:  # BPF_MAXINSNS
        raise AssertionError("seccomp program too long")
    return b"".join(program)
