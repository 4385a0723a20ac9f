"""The process boundary: running an untrusted submission in bubblewrap (CONTRACT 5).

``run_submission(submission, scenario, limits=..., unsafe_local=False)`` returns a
:class:`RunResult` whose ``status`` is a :class:`~harness.status.RunStatus`. The threat model is
``docs/security.md``; ``bwrap.py`` says what is mounted, ``uids.py`` who a run executes as,
``stage.py`` how the interpreter is made reachable, ``seccomp.py`` which system calls are denied,
``monitor.py`` how limits are enforced and ``launcher.py`` / ``launcher_main.py`` which small
process forks the runs.
"""

from harness.sandbox.bwrap import find_bwrap, sandbox_available
from harness.sandbox.result import RunResult
from harness.sandbox.run import UNSAFE_NOTE, run_submission

__all__ = ["RunResult", "run_submission", "sandbox_available", "find_bwrap", "UNSAFE_NOTE"]
