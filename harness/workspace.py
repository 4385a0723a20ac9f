"""A competition workspace: the store, the generated scenarios, the run outputs and the taken-in
submissions.

```
DIR/arena.sqlite                      the store (harness/store.py)
DIR/scenarios/<scenario id>/          generated scenarios (CONTRACT 3 layout)
DIR/outputs/<scenario id>/<sub>.parquet   each ok run's parsed clues
DIR/submissions/<content hash>/       submissions taken in by `arena submit` (read-only)
```

Everything is written to a ``.partial-…-<pid>`` name and renamed into place, so a harness killed
at any moment never leaves a half-written file that a later run would trust; leftovers of dead
processes are removed by :func:`clean_partials`. A scenario found on disk is checked against the
table hashes of its manifest before it is used.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from harness.competition import ScenarioRequest
from harness.errors import ArenaError, ScenarioError
from synthetic.registry import get_point
from synthetic.scenario import Scenario, generate_scenario, load_scenario, scenario_id

SCENARIOS_DIR = "scenarios"
OUTPUTS_DIR = "outputs"
SUBMISSIONS_DIR = "submissions"
LOCK_NAME = ".arena-run.lock"
PARTIAL_PREFIX = ".partial-"
CACHE_ENV = "ARENA_SCENARIO_CACHE"


def partial_name(final: str) -> str:
    """The temporary name of ``final`` while this process writes it."""
    return f"{PARTIAL_PREFIX}{final}-{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_partials(workspace: Path) -> int:
    """Remove ``.partial-*`` leftovers of processes that no longer exist; returns how many."""
    workspace = Path(workspace)
    directories = [workspace / SCENARIOS_DIR, workspace / SUBMISSIONS_DIR]
    outputs = workspace / OUTPUTS_DIR
    if outputs.is_dir():
        directories += [p for p in outputs.iterdir() if p.is_dir()]
    removed = 0
    for directory in directories:
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            if not entry.name.startswith(PARTIAL_PREFIX):
                continue
            pid = entry.name.rsplit("-", 1)[-1]
            if pid.isdigit() and _pid_alive(int(pid)) and int(pid) != os.getpid():
                continue
            if entry.is_dir() and not entry.is_symlink():
                _make_writable(entry)
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
    return removed


def _make_writable(tree: Path) -> None:
    for dirpath, dirnames, _ in os.walk(tree):
        os.chmod(dirpath, 0o755)


@contextlib.contextmanager
def run_lock(workspace: Path) -> Iterator[None]:
    """Hold the workspace's run lock: one ``arena run`` per workspace at a time. The kernel
    releases it when the process dies, however it dies."""
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise ArenaError(f"another `arena run` (pid {holder}) is using this workspace",
                             file=str(workspace), field="--workspace",
                             fix="wait for it to finish, or stop it; a run resumes where it "
                                 "stopped") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


# --- scenarios -------------------------------------------------------------------------------

def request_scenario_id(request: ScenarioRequest) -> str:
    spec = get_point(request.point)
    return scenario_id(request.point, spec.generator_version, request.seed, request.size,
                       request.difficulty, request.as_of, request.template_set)


def scenario_dir(workspace: Path, request: ScenarioRequest) -> Path:
    return Path(workspace) / SCENARIOS_DIR / request_scenario_id(request)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_scenario_files(scenario: Scenario) -> None:
    """Every table file has the sha256 its manifest records; one clear error otherwise."""
    for name, entry in scenario.manifest["tables"].items():
        path = scenario.path / "tables" / f"{name}.parquet"
        if sha256_file(path) != entry["sha256"]:
            raise ScenarioError("the table's sha256 differs from scenario.json", file=str(path),
                                fix=f"remove {scenario.path} and run again to regenerate it")


def ensure_scenario(workspace: Path, request: ScenarioRequest) -> Scenario:
    """Return the workspace's scenario for ``request``, generating it once if absent."""
    target = scenario_dir(workspace, request)
    scenario = _generate_into(target, request.point, seed=request.seed, size=request.size,
                              difficulty=request.difficulty, as_of=request.as_of,
                              template_set=request.template_set)
    if scenario.id != target.name:
        raise ScenarioError(f"holds scenario {scenario.id}", file=str(target),
                            fix="remove the directory and run again to regenerate it")
    check_scenario_files(scenario)
    return scenario


def _generate_into(target: Path, point: str, **params) -> Scenario:
    if (target / "scenario.json").is_file():
        return load_scenario(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(partial_name(target.name))
    if partial.exists():
        shutil.rmtree(partial)
    try:
        generate_scenario(point, out=partial, **params)
        if target.exists() and not (target / "scenario.json").is_file():
            shutil.rmtree(target)  # a directory without a manifest was never renamed into place
        try:
            os.rename(partial, target)
        except OSError as exc:  # another process renamed the same scenario first
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return load_scenario(target)


@dataclass(frozen=True)
class ScenarioRef:
    """Everything a worker needs to find a scenario, or to regenerate it and prove it is the same.

    ``tables_sha256`` is ``((table, sha256), ...)`` from the manifest; ``labels_sha256`` the hash
    of ``labels/labels.parquet`` recorded when the harness generated it (None: not checked).
    """

    id: str
    path: str
    point: str
    generator_version: str
    seed: int
    size: int
    difficulty: str
    as_of: str
    tables_sha256: tuple[tuple[str, str], ...]
    labels_sha256: str | None = None
    template_set: str = "default"

    @classmethod
    def of(cls, scenario: Scenario, *, labels_sha256: str | None = None) -> "ScenarioRef":
        m = scenario.manifest
        tables = tuple(sorted((name, t["sha256"]) for name, t in m["tables"].items()))
        return cls(id=m["id"], path=str(scenario.path), point=m["point"],
                   generator_version=m["generator_version"], seed=m["seed"], size=m["size"],
                   difficulty=m["difficulty"], as_of=m["as_of"], tables_sha256=tables,
                   labels_sha256=labels_sha256, template_set=m.get("template_set", "default"))


def default_cache_dir() -> Path:
    """Where a worker that cannot see the workspace regenerates scenarios:
    ``$ARENA_SCENARIO_CACHE``, else ``~/.cache/supervision-arena/scenarios``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    home = Path(os.path.expanduser("~"))
    base = home / ".cache" if home.is_dir() else Path(tempfile.gettempdir())
    return base / "supervision-arena" / "scenarios"


def resolve_scenario(ref: ScenarioRef, *, cache_dir: Path | str | None = None) -> Scenario:
    """The scenario of ``ref``: at its path when this machine sees it, otherwise regenerated
    from its parameters into ``cache_dir`` and checked against the recorded hashes."""
    import datetime as dt

    path = Path(ref.path)
    if (path / "scenario.json").is_file():
        return load_scenario(path)
    spec = get_point(ref.point)
    where = f"scenario {ref.id}"
    if spec.generator_version != ref.generator_version:
        raise ScenarioError(f"this worker's generator version of {ref.point} is "
                            f"{spec.generator_version}, the scenario was generated by "
                            f"{ref.generator_version}", file=where,
                            fix="install the same supervision-arena version on every worker")
    target = Path(cache_dir or default_cache_dir()) / ref.id
    scenario = _generate_into(target, ref.point, seed=ref.seed, size=ref.size,
                              difficulty=ref.difficulty, as_of=dt.date.fromisoformat(ref.as_of),
                              template_set=ref.template_set)
    actual = tuple(sorted((name, sha256_file(scenario.path / "tables" / f"{name}.parquet"))
                          for name in scenario.manifest["tables"]))
    if scenario.id != ref.id or actual != tuple(ref.tables_sha256):
        raise ScenarioError("the tables regenerated on this worker differ from the stored "
                            "scenario's (sha256)", file=where,
                            fix="pin the same dependency versions on every worker (CONTRACT 1)")
    if ref.labels_sha256 is not None and sha256_file(scenario.labels_path) != ref.labels_sha256:
        raise ScenarioError("the labels regenerated on this worker differ from the stored "
                            "scenario's (sha256)", file=where,
                            fix="pin the same dependency versions on every worker (CONTRACT 1)")
    return scenario


# --- run outputs -----------------------------------------------------------------------------

def predictions_path(workspace: Path, submission_id: str, scenario_id: str) -> Path:
    """Where the harness keeps one run's parsed clues (Parquet: record_id, reason, score)."""
    return Path(workspace) / OUTPUTS_DIR / scenario_id / f"{submission_id}.parquet"


def save_predictions(workspace: Path, submission_id: str, scenario_id: str, predictions) -> None:
    """Write a run's clues atomically (temporary file, then rename)."""
    target = predictions_path(workspace, submission_id, scenario_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(partial_name(target.name))
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(predictions, preserve_index=False), partial)
    os.replace(partial, target)

