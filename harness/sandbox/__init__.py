"""The process boundary: running an untrusted submission in bubblewrap (CONTRACT 5).

``run_submission(submission, scenario, limits=..., unsafe_local=False)`` returns a
:class:`RunResult` whose ``status`` is a :class:`~harness.status.RunStatus`; see
``harness/sandbox/run.py`` for the threat model, ``bwrap.py`` for what is mounted and
``monitor.py`` for how limits are enforced.
"""

from harness.sandbox.bwrap import find_bwrap, sandbox_available
from harness.sandbox.result import RunResult
from harness.sandbox.run import UNSAFE_NOTE, run_submission

__all__ = ["RunResult", "run_submission", "sandbox_available", "find_bwrap", "UNSAFE_NOTE"]
