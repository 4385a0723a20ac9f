"""Fixtures of the red-team suite: one fake scenario, one benign submission, host listeners and a
sentinel process for the whole session, and ``hostile``, which runs a case and checks that the
host is unchanged afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import sandbox_redteam as rt  # noqa: E402

from harness.sandbox import sandbox_available  # noqa: E402
from harness.status import RunStatus  # noqa: E402


@dataclass
class Arena:
    root: Path
    scenario: object
    benign: Path
    canary: Path
    tcp_port: int
    abstract_name: str
    sentinel: subprocess.Popen


@pytest.fixture(scope="session")
def arena(tmp_path_factory):
    if not sandbox_available():
        pytest.skip("bubblewrap cannot run here")
    root = tmp_path_factory.mktemp("redteam")
    scenario = rt.write_scenario(root / "scenario")
    benign = rt.write_benign(root / "benign")
    canary = root / "canary.txt"
    canary.write_text("the host's canary\n")
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    abstract_name = f"arena-redteam-{uuid.uuid4().hex}"
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind("\0" + abstract_name)
    unix.listen()
    # A host process of the harness's uid: nothing inside may signal it.
    sentinel = subprocess.Popen(["sleep", "3600"], start_new_session=True)
    yield Arena(root=root, scenario=scenario, benign=benign, canary=canary,
                tcp_port=tcp.getsockname()[1], abstract_name=abstract_name, sentinel=sentinel)
    sentinel.kill()
    sentinel.wait()
    tcp.close()
    unix.close()


@pytest.fixture
def hostile(arena, tmp_path, monkeypatch):
    """``hostile(case)`` runs ``case`` next to the benign submission and checks the outcome
    and every post-condition; it returns the hostile run's result."""
    monkeypatch.setenv("ARENA_TEST_SECRET", f"harness-secret-{uuid.uuid4().hex}")

    def run_case(case: rt.Case):
        host = {"tcp_port": arena.tcp_port, "abstract": arena.abstract_name,
                "scenario": str(arena.scenario.path), "benign": str(arena.benign),
                "canary": str(arena.canary), "sentinel_pid": arena.sentinel.pid,
                "harness_pid": os.getpid(), "marker": rt.HOST_MARKER}
        submission = rt.write_submission(tmp_path / "hostile", case, host)
        watched = {"scenario": arena.scenario.path, "benign": arena.benign,
                   "submission": submission, "canary": arena.canary}
        before = rt.snapshot(watched)
        result, benign = rt.run_batch(
            lambda: rt.run(submission, arena.scenario, case.limits),
            lambda: rt.run(arena.benign, arena.scenario, rt.LIMITS))
        after = rt.snapshot(watched)
        # The run ended as it should.
        allowed_statuses = case.status if isinstance(case.status, tuple) else (case.status,)
        assert result.status in allowed_statuses, (case.name, result.status, result.message,
                                                   result.stderr_tail[-1500:])
        if case.message is not None:
            assert case.message in result.message, result.message
        if case.expect:
            seen = rt.observations(result)
            for key, wanted in case.expect.items():
                allowed = wanted if isinstance(wanted, tuple) else (wanted,)
                assert seen.get(key) in allowed, (key, seen.get(key), allowed, seen)
        # Nothing of it is left, the host is unchanged, the harness and its neighbours live.
        assert rt.pool_processes() == []
        assert after.sysctls == before.sysctls
        assert after.digests == before.digests
        assert after.markers == before.markers == []
        assert abs(after.clock_offset - before.clock_offset) < 1.0
        assert arena.sentinel.poll() is None
        os.kill(arena.sentinel.pid, 0)
        assert benign.status is RunStatus.OK, (benign.message, benign.stderr_tail)
        assert benign.predictions[["record_id", "reason"]].values.tolist() == [
            ["P001", "ENV_UNDECLARED"]]
        return result

    return run_case
