"""Running one submission on one scenario: prepare, supervise, classify, parse.

The threat model — what the sandbox protects, how each protection is tested and what it does not
protect — is ``docs/security.md``. In short: a submission is untrusted code from a competing
team. It runs in bubblewrap (``bwrap.py``: every namespace new, read-only system, one writable
output directory, no capabilities, a clean environment, a seccomp filter from ``seccomp.py``) as
an unprivileged uid of its own (``uids.py``; the interpreter made reachable by ``stage.py``),
under limits enforced by rlimits and a poll of its process tree (``monitor.py``); when the run
ends, every process of its uid is dead before the uid is used again.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

from harness import sandbox_runner as runner
from harness.errors import SandboxUnavailableError
from harness.limits import Limits
from harness.outputs import InvalidOutput, OutputTooLarge, parse_clues
from harness.sandbox.bwrap import (ARENA_INPUT, ARENA_OUTPUT, ARENA_RUNNER, ARENA_SPEC,
                                   ARENA_SUBMISSION, bwrap_arguments, find_bwrap,
                                   interpreter_roots, passwd_files, runner_command,
                                   sandbox_available, sandbox_env, seccomp_fd)
from harness.sandbox.launcher import Setup
from harness.sandbox.monitor import Outcome, rlimits, supervise
from harness.sandbox.result import RunResult
from harness.sandbox.slots import OUTPUT, run_directory
from harness.sandbox.stage import STAGE_DIR, Bind, prepare_stage_dir, stage_jobs, staged_sources
from harness.sandbox.uids import SandboxUser, sandbox_user
from harness.status import RunStatus
from harness.submission import Submission
from synthetic.scenario import Scenario

__all__ = ["run_submission", "RUNNER_PATH", "UNSAFE_NOTE", "SHARED_UID_NOTE"]

RUNNER_PATH = Path(runner.__file__).resolve()
UNSAFE_NOTE = "UNSAFE: ran without a sandbox (--unsafe-local, for local development only)"
SHARED_UID_NOTE = ("sandboxed as the harness's own uid, not a dedicated one: the harness is not "
                   "root")
# The descriptors bubblewrap gets (supervise installs its ``inherit`` from 3 on, in order).
_ARGS_FD, _STATUS_FD, _FILTER_FD = 3, 4, 5
_SIGNALS = {6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM",
            24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS"}


def run_submission(submission: Submission, scenario: Scenario, *, limits: Limits = Limits(),
                   unsafe_local: bool = False) -> RunResult:
    """Run ``submission`` on ``scenario`` and return how it ended.

    Never raises for anything the submission does: every failure is a :class:`RunStatus`.
    Raises :class:`SandboxUnavailableError` when bubblewrap is missing or cannot create its
    namespaces and ``unsafe_local`` is False. Safe to call from many threads and processes at
    once: each run holds a uid (and so a run directory, ``slots.py``) of its own.
    """
    if not unsafe_local and not sandbox_available():
        raise SandboxUnavailableError(
            "bubblewrap (bwrap) is missing or cannot create namespaces here, so untrusted "
            "submissions cannot be run",
            fix="install bubblewrap (apt-get install bubblewrap), or pass --unsafe-local for "
                "local development only")
    if not submission.covers(scenario.point):
        return _result(RunStatus.REJECTED, unsafe_local,
                       message=f"the submission covers {', '.join(submission.points)}, not this "
                               f"scenario's point '{scenario.point}'; add it to points in "
                               f"submission.toml to run it")
    if unsafe_local:
        caller = SandboxUser(os.getuid(), os.getgid(), dedicated=False)
        with run_directory(caller) as run_dir:
            outcome = _run_unsafe(submission, scenario, limits, run_dir, run_dir / OUTPUT)
            return _classify(submission, outcome, run_dir / OUTPUT, limits, True, ())
    with sandbox_user() as user, run_directory(user) as run_dir:
        outcome = _run_sandboxed(submission, scenario, limits, run_dir, run_dir / OUTPUT, user)
        # bwrap exited by itself after its PID 1: the kernel has emptied the PID namespace.
        user.pid_namespace_ended = outcome.pid1_exited and outcome.stop_reason is None
        notes = () if user.dedicated else (SHARED_UID_NOTE,)
        return _classify(submission, outcome, run_dir / OUTPUT, limits, False, notes)


def _spec(submission: Submission, scenario: Scenario, limits: Limits, *, input_dir: str,
          output_dir: str, submission_dir: str) -> dict:
    return {"language": submission.language, "point": scenario.point,
            "entrypoint": submission.entrypoint,
            "command": list(submission.command) if submission.command else None,
            "memory_mb": limits.memory_mb, "input": input_dir, "output": output_dir,
            "submission": submission_dir}


def _others_can_read(path: Path) -> bool:
    """Every directory under ``path`` is readable and searchable, and every file readable, by
    any uid (links are not followed; the submission's own links stay inside it)."""
    for dirpath, _, filenames in os.walk(path):
        if os.stat(dirpath).st_mode & 0o005 != 0o005:
            return False
        for name in filenames:
            info = os.lstat(os.path.join(dirpath, name))
            if not stat.S_ISLNK(info.st_mode) and not info.st_mode & 0o004:
                return False
    return True


def _make_readable(target: Path) -> Path:
    """Let any uid read the copy ``target`` (directories 0755, files 0644 or 0755)."""
    for dirpath, _, filenames in os.walk(target):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                mode = os.stat(path).st_mode
                os.chmod(path, 0o755 if mode & 0o100 else 0o644)
    return target


def _inputs(submission: Submission, scenario: Scenario, run_dir: Path,
            user: SandboxUser) -> tuple[Path, Path, Path]:
    """(scenario.json, tables/, submission/) as the run's uid can read them."""
    scenario_dir = Path(os.path.realpath(scenario.path))
    manifest, tables = scenario_dir / "scenario.json", scenario_dir / "tables"
    submission_dir = Path(os.path.realpath(submission.path))
    if not user.dedicated:
        return manifest, tables, submission_dir
    if not (os.stat(manifest).st_mode & 0o004 and _others_can_read(tables)):
        copy = run_dir / "input"
        (copy / "tables").mkdir(parents=True)
        shutil.copyfile(manifest, copy / "scenario.json")
        for name in scenario.manifest["tables"]:
            shutil.copyfile(tables / f"{name}.parquet", copy / "tables" / f"{name}.parquet")
        _make_readable(copy)
        manifest, tables = copy / "scenario.json", copy / "tables"
    if not _others_can_read(submission_dir):  # the original's modes shut the run's uid out
        copy = run_dir / "submission"
        shutil.copytree(submission_dir, copy, symlinks=True)
        submission_dir = _make_readable(copy)
    return manifest, tables, submission_dir


def _run_sandboxed(submission: Submission, scenario: Scenario, limits: Limits, run_dir: Path,
                   output_dir: Path, user: SandboxUser) -> Outcome:
    if user.dedicated:
        prepare_stage_dir()
    manifest, tables, submission_dir = _inputs(submission, scenario, run_dir, user)
    binds = [Bind(root, str(root)) for root in interpreter_roots()]
    binds += [Bind(manifest, f"{ARENA_INPUT}/scenario.json"),
              Bind(tables, f"{ARENA_INPUT}/tables"),
              Bind(submission_dir, ARENA_SUBMISSION)]
    if submission.language == "command":
        command = list(submission.command)  # bwrap executes it in /arena/submission itself
    else:
        spec_path = run_dir / "run.json"
        spec_path.write_text(json.dumps(_spec(submission, scenario, limits,
                                              input_dir=ARENA_INPUT, output_dir=ARENA_OUTPUT,
                                              submission_dir=ARENA_SUBMISSION)))
        spec_path.chmod(0o644)
        binds += [Bind(RUNNER_PATH, ARENA_RUNNER), Bind(spec_path, ARENA_SPEC)]
        command = runner_command()
    passwd, group = passwd_files(run_dir, user)
    binds += [Bind(passwd, "/etc/passwd"), Bind(group, "/etc/group"),
              Bind(output_dir, ARENA_OUTPUT, writable=True)]
    sources = staged_sources(binds, stage=user.dedicated)
    env = sandbox_env(point=scenario.point, input_dir=ARENA_INPUT, output_dir=ARENA_OUTPUT)
    fds: list[int] = []
    try:
        status_r, status_w = os.pipe()
        fds += [status_w]
        args_r, args_w = os.pipe()
        fds += [args_r, args_w]
        filter_fd = seccomp_fd()
        fds.append(filter_fd)
        args = bwrap_arguments(binds=binds, sources=sources, env=env, limits=limits, user=user,
                               status_fd=_STATUS_FD, filter_fd=_FILTER_FD)
        payload = b"".join(arg.encode() + b"\0" for arg in args)
        if len(payload) > 60_000:  # a pipe buffer holds 64 KiB
            raise SandboxUnavailableError("the bubblewrap command line is too long",
                                          fix="shorten the paths of the work directory")
        os.write(args_w, payload)
        os.close(args_w)
        fds.remove(args_w)
        setup = Setup(rlimits=rlimits(limits, nproc=user.dedicated),
                      stage=stage_jobs(binds) if user.dedicated else (),
                      stage_dir=str(STAGE_DIR),
                      uid=user.uid if user.dedicated else None,
                      gid=user.gid if user.dedicated else None)
        outcome = supervise([find_bwrap(), "--args", str(_ARGS_FD), "--", *command], env={},
                            limits=limits, output_dir=output_dir, setup=setup,
                            inherit=(args_r, status_w, filter_fd), status_fd=status_r,
                            spare_root=True)
    finally:
        for fd in fds:
            os.close(fd)
    if not outcome.started:
        last = outcome.stderr_tail.strip().splitlines()[-1:] or ["no message"]
        raise SandboxUnavailableError(f"bubblewrap could not start the sandbox: {last[0]}",
                                      fix="check that bubblewrap can create user namespaces "
                                          "here, or pass --unsafe-local for local development")
    return outcome


def _run_unsafe(submission: Submission, scenario: Scenario, limits: Limits, run_dir: Path,
                output_dir: Path) -> Outcome:
    """The same runner, environment and rlimits in a plain child process: no namespaces, no
    read-only system, no seccomp, the real network, the caller's uid. The input is a copy of the
    manifest and tables only."""
    input_dir = run_dir / "input"
    (input_dir / "tables").mkdir(parents=True)
    source = Path(scenario.path)
    shutil.copyfile(source / "scenario.json", input_dir / "scenario.json")
    for name in scenario.manifest["tables"]:
        shutil.copyfile(source / "tables" / f"{name}.parquet",
                        input_dir / "tables" / f"{name}.parquet")
    spec_path = run_dir / "run.json"
    spec_path.write_text(json.dumps(_spec(submission, scenario, limits,
                                          input_dir=str(input_dir), output_dir=str(output_dir),
                                          submission_dir=str(submission.path))))
    env = sandbox_env(point=scenario.point, input_dir=str(input_dir), output_dir=str(output_dir))
    tmp = run_dir / "tmp"
    tmp.mkdir()
    env.update(HOME=str(tmp), TMPDIR=str(tmp))
    return supervise([sys.executable, "-I", "-B", str(RUNNER_PATH), str(spec_path)], env=env,
                     limits=limits, output_dir=output_dir, cwd=str(submission.path),
                     setup=Setup(rlimits=rlimits(limits, nproc=False)))


def _classify(submission: Submission, outcome: Outcome, output_dir: Path, limits: Limits,
              unsafe: bool, notes: tuple[str, ...]) -> RunResult:
    common = dict(wall_s=outcome.wall_s, cpu_s=outcome.cpu_s,
                  peak_memory_mb=outcome.peak_memory_mb, stderr_tail=outcome.stderr_tail,
                  notes=notes)
    if outcome.stop_reason is not None:
        status = {"wall": RunStatus.TIMEOUT, "cpu": RunStatus.TIMEOUT,
                  "memory": RunStatus.MEMORY_LIMIT, "processes": RunStatus.CRASHED,
                  "streams": RunStatus.OUTPUT_LIMIT, "output_files": RunStatus.OUTPUT_LIMIT,
                  }[outcome.stop_reason]
        return _result(status, unsafe, message=f"stopped: the run {outcome.stop_detail}",
                       **common)
    size = _output_size(output_dir)
    if size > limits.output_bytes:  # checked first: a program hitting EFBIG usually exits 1
        return _result(RunStatus.OUTPUT_LIMIT, unsafe, **common,
                       message=f"the files in $ARENA_OUTPUT total {size / (1 << 20):.1f} MiB, "
                               f"over the output limit of {limits.output_mb} MiB")
    code = outcome.exit_code
    if code != 0:
        status, message = _exit_status(submission, code, outcome, limits)
        return _result(status, unsafe, message=message, **common)
    try:
        parsed = parse_clues(output_dir / runner.OUTPUT_NAME, max_bytes=limits.output_bytes)
    except InvalidOutput as exc:
        return _result(RunStatus.INVALID_OUTPUT, unsafe, message=exc.reason, **common)
    except OutputTooLarge as exc:
        return _result(RunStatus.OUTPUT_LIMIT, unsafe, message=exc.reason, **common)
    rows = len(parsed.predictions)
    return _result(RunStatus.OK, unsafe, **common, output_sha256=parsed.sha256,
                   predictions=parsed.predictions, problems=parsed.problems,
                   message=f"finished in {outcome.wall_s:.1f} s with {rows} clue "
                           f"row{'s' if rows != 1 else ''}")


def _exit_status(submission: Submission, code: int, outcome: Outcome,
                 limits: Limits) -> tuple[RunStatus, str]:
    signal_number = code - 128 if code > 128 else None
    if signal_number == 24 or (signal_number == 9 and outcome.cpu_s >= limits.cpu_s - 0.5):
        return RunStatus.TIMEOUT, f"stopped: the run used more than {limits.cpu_s:g} s of CPU"
    if signal_number == 25:
        return RunStatus.OUTPUT_LIMIT, (f"stopped: a file went over the output limit of "
                                        f"{limits.output_mb} MiB")
    if signal_number is not None:
        name = _SIGNALS.get(signal_number, f"signal {signal_number}")
        return RunStatus.CRASHED, f"the submission was killed by {name}"
    last_line = (outcome.stderr_tail.strip().splitlines() or [""])[-1]
    if submission.language != "command":
        if code == runner.EXIT_MEMORY:
            return RunStatus.MEMORY_LIMIT, (f"an allocation failed (MemoryError) under the "
                                            f"memory limit of {limits.memory_mb} MiB")
        if code == runner.EXIT_INVALID:
            return RunStatus.INVALID_OUTPUT, last_line.removeprefix("arena: invalid result: ")
        if code == runner.EXIT_OUTPUT_LIMIT:
            return RunStatus.OUTPUT_LIMIT, (f"a file went over the output limit of "
                                            f"{limits.output_mb} MiB")
        if code == runner.EXIT_RUNNER_ERROR:
            return RunStatus.CRASHED, f"the arena runner could not start: {last_line}"
    elif last_line.startswith("bwrap: execvp "):  # bubblewrap executes a command itself
        return RunStatus.CRASHED, (f"the command could not be executed: "
                                   f"{last_line.removeprefix('bwrap: execvp ')}")
    elif last_line.startswith("MemoryError"):
        return RunStatus.MEMORY_LIMIT, (f"an allocation failed (MemoryError) under the memory "
                                        f"limit of {limits.memory_mb} MiB")
    detail = f": {last_line}" if last_line else ""
    return RunStatus.CRASHED, f"the submission exited with code {code}{detail}"


def _output_size(directory: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(directory):
        for name in filenames:
            try:
                info = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                total += info.st_size
    return total


def _result(status: RunStatus, unsafe: bool, *, message: str, wall_s: float = 0.0,
            cpu_s: float = 0.0, peak_memory_mb: float = 0.0, stderr_tail: str = "",
            notes: tuple[str, ...] = (), **extra) -> RunResult:
    for note in notes:
        message = f"{message} [{note}]"
    if unsafe:
        message = f"{message} [{UNSAFE_NOTE}]"
    return RunResult(status=status, wall_s=wall_s, cpu_s=cpu_s, peak_memory_mb=peak_memory_mb,
                     stderr_tail=stderr_tail, message=message, unsafe=unsafe, **extra)
