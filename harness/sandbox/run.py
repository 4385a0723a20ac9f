"""Running one submission on one scenario: prepare, supervise, classify, parse.

Threat model (what the sandbox is for, and what it is not). A submission is untrusted code from
a competing team. The sandbox keeps it from reading labels, other submissions, the store and the
organisers' secrets (they are not mounted), from the network (own network namespace), from
leaving processes behind (own PID namespace, killed as a whole), and from exhausting the host
beyond the limits. It does not yet (issue 5): run each worker under its own unprivileged host uid
(today the sandbox's uid maps to the harness's uid, which is root on a server: the sandbox has no
capabilities, but root-owned files that are mounted writable would be writable to it. That is why
/proc/sys and its kin are covered read-only and nested user namespaces are disabled;
RLIMIT_NPROC is not enforced for root, and files in /arena/output belong to the harness user),
filter system calls with seccomp, or account memory with cgroups (the tree's memory is polled every
50 ms, so a very fast allocation can overshoot the limit by what it touches in that time).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

from harness import sandbox_runner as runner
from harness.errors import SandboxUnavailableError
from harness.limits import Limits
from harness.outputs import InvalidOutput, OutputTooLarge, parse_clues
from harness.sandbox.bwrap import (ARENA_INPUT, ARENA_OUTPUT, ARENA_SUBMISSION, bwrap_arguments,
                                   find_bwrap, sandbox_available, sandbox_command,
                                   sandbox_env)
from harness.sandbox.monitor import Outcome, supervise
from harness.sandbox.result import RunResult
from harness.status import RunStatus
from harness.submission import Submission
from synthetic.scenario import Scenario

__all__ = ["run_submission", "RUNNER_PATH", "UNSAFE_NOTE"]

RUNNER_PATH = Path(runner.__file__).resolve()
UNSAFE_NOTE = "UNSAFE: ran without a sandbox (--unsafe-local, for local development only)"
_SIGNALS = {6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM",
            24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS"}


def run_submission(submission: Submission, scenario: Scenario, *, limits: Limits = Limits(),
                   unsafe_local: bool = False, work_root: Path | None = None) -> RunResult:
    """Run ``submission`` on ``scenario`` and return how it ended.

    Never raises for anything the submission does: every failure is a :class:`RunStatus`.
    Raises :class:`SandboxUnavailableError` when bubblewrap is missing or cannot create its
    namespaces and ``unsafe_local`` is False.
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
    if work_root is not None:
        Path(work_root).mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix="arena-run-", dir=work_root))
    try:
        output_dir = run_dir / "output"
        output_dir.mkdir()
        if unsafe_local:
            outcome = _run_unsafe(submission, scenario, limits, run_dir, output_dir)
        else:
            outcome = _run_sandboxed(submission, scenario, limits, run_dir, output_dir)
        return _classify(submission, outcome, output_dir, limits, unsafe_local)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _spec(submission: Submission, scenario: Scenario, limits: Limits, *, input_dir: str,
          output_dir: str, submission_dir: str) -> dict:
    return {"language": submission.language, "point": scenario.point,
            "entrypoint": submission.entrypoint,
            "command": list(submission.command) if submission.command else None,
            "memory_mb": limits.memory_mb, "input": input_dir, "output": output_dir,
            "submission": submission_dir}


def _run_sandboxed(submission: Submission, scenario: Scenario, limits: Limits, run_dir: Path,
                   output_dir: Path) -> Outcome:
    spec_path = run_dir / "run.json"
    spec_path.write_text(json.dumps(_spec(submission, scenario, limits, input_dir=ARENA_INPUT,
                                          output_dir=ARENA_OUTPUT,
                                          submission_dir=ARENA_SUBMISSION)))
    env = sandbox_env(point=scenario.point, input_dir=ARENA_INPUT, output_dir=ARENA_OUTPUT)
    status_r, status_w = os.pipe()
    args_r, args_w = os.pipe()
    try:
        args = bwrap_arguments(scenario_dir=Path(scenario.path).resolve(),
                               submission_dir=submission.path, runner=RUNNER_PATH,
                               spec=spec_path, output_dir=output_dir, run_dir=run_dir, env=env,
                               limits=limits, status_fd=status_w)
        payload = b"".join(arg.encode() + b"\0" for arg in args)
        if len(payload) > 60_000:  # a pipe buffer holds 64 KiB
            raise SandboxUnavailableError("the bubblewrap command line is too long",
                                          fix="shorten the paths of the work directory")
        os.write(args_w, payload)
        os.close(args_w)
        args_w = -1
        command = [find_bwrap(), "--args", str(args_r), "--", *sandbox_command()]
        outcome = supervise(command, env={}, limits=limits,
                            output_dir=output_dir, pass_fds=(args_r, status_w),
                            status_fd=status_r, enforce_nproc=os.geteuid() == 0)
    finally:
        for fd in (args_r, args_w, status_w):
            if fd >= 0:
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
    read-only system, the real network. The input is a copy of the manifest and tables only."""
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
                     limits=limits, output_dir=output_dir, cwd=str(submission.path))


def _classify(submission: Submission, outcome: Outcome, output_dir: Path, limits: Limits,
              unsafe: bool) -> RunResult:
    common = dict(wall_s=outcome.wall_s, cpu_s=outcome.cpu_s,
                  peak_memory_mb=outcome.peak_memory_mb, stderr_tail=outcome.stderr_tail)
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
            **extra) -> RunResult:
    if unsafe:
        message = f"{message} [{UNSAFE_NOTE}]"
    return RunResult(status=status, wall_s=wall_s, cpu_s=cpu_s, peak_memory_mb=peak_memory_mb,
                     stderr_tail=stderr_tail, message=message, unsafe=unsafe, **extra)
