"""Making the run's host paths reachable by its unprivileged uid, then becoming that uid.

bubblewrap runs as the run's uid (see ``uids.py``), so it can only bind what that uid can reach.
The interpreter often cannot be reached: a pyenv Python lives under ``/root`` (mode 0700), and the
harness's work and scenario directories may sit under private temporary directories. Opening
``O_PATH`` descriptors does not help: bubblewrap 0.8 resolves ``--ro-bind-fd`` sources with
``realpath``, which needs search permission on every parent directory.

So the child that becomes bubblewrap first prepares a *private mount namespace* while it is still
root (``launcher_main._stage``, from the jobs of :func:`stage_jobs`): it unshares the mount
namespace, makes every mount private (nothing propagates back to the host), mounts a small tmpfs
on :data:`STAGE_DIR`, and bind-mounts each source the run needs (the venv, its base interpreter,
the scenario's manifest and tables, the submission, the runner, the output directory) onto
``STAGE_DIR/<n>``. Only then does it apply the rlimits, drop every group, switch to the run's uid
and ask to be killed if the launcher (and so the harness) dies. The host's mount table never
changes, and the uid gains access to exactly those trees — not to their parents. When the harness
is not root, nothing is staged: the sources are used as they are.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from harness.sandbox.uids import STATE_DIR

__all__ = ["Bind", "STAGE_DIR", "staged_sources", "stage_jobs", "prepare_stage_dir"]

STAGE_DIR = STATE_DIR / "stage"


@dataclass(frozen=True)
class Bind:
    """A host path shown inside the sandbox at ``dest``; read-only unless ``writable``."""

    source: Path
    dest: str
    writable: bool = False


def prepare_stage_dir() -> None:
    """The (always empty) mount point of the staging tmpfs, created once, owned by root."""
    STATE_DIR.mkdir(mode=0o711, exist_ok=True)
    STAGE_DIR.mkdir(mode=0o755, exist_ok=True)


def staged_sources(binds: Sequence[Bind], *, stage: bool) -> list[str]:
    """The path bubblewrap binds each of ``binds`` from: ``STAGE_DIR/<n>`` when staging, else
    the host path itself."""
    if not stage:
        return [str(b.source) for b in binds]
    return [f"{STAGE_DIR}/{index}" for index in range(len(binds))]


def stage_jobs(binds: Sequence[Bind]) -> list[tuple[str, bool]]:
    """``(real source path, is a directory)`` per bind, in the order of :func:`staged_sources`:
    what the launcher's child mounts onto ``STAGE_DIR/<n>``."""
    jobs = []
    for bind in binds:
        source = os.path.realpath(bind.source)
        jobs.append((source, os.path.isdir(source)))
    return jobs
