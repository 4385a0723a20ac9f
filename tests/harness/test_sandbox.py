"""The sandbox, tested with real bubblewrap and real submissions (no mocks).

The basic guarantees of docs/security.md, one test each (the hostile cases are in tests/sandbox/):
labels invisible, no network, read-only everything but $ARENA_OUTPUT, a clean environment, limits,
a uid of the run's own, and no process left.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid

import pytest

from harness.errors import SandboxUnavailableError
from harness.limits import Limits
from harness.sandbox import RunResult, run_submission, sandbox_available
from harness.status import RunStatus
from harness.submission import load_submission

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(not sandbox_available(), reason="bubblewrap cannot run here"),
]

FAST = Limits(wall_s=20)

# A model that reports what it observes as clue rows: record_id = a probe, reason = the answer.
PROBE_TEMPLATE = """
import errno, json, os, pandas as pd
def detect(point, tables, context):
    found = {{}}
{body}
    return pd.DataFrame({{"record_id": list(found), "reason": [str(v) for v in found.values()]}})
"""


def probe(python_submission, fake_scenario, body: str, limits: Limits = FAST) -> dict[str, str]:
    sub = python_submission(PROBE_TEMPLATE.format(body=body))
    result = run_submission(sub, fake_scenario, limits=limits)
    assert result.status is RunStatus.OK, (result.message, result.stderr_tail)
    return dict(zip(result.predictions["record_id"], result.predictions["reason"]))


def test_valid_python_submission_is_ok(python_submission, fake_scenario):
    sub = python_submission("""
        import pandas as pd
        def detect(point, tables, context):
            permits = tables["permits"]
            assert point == "env_tax" and str(context.as_of) == "2023-12-31"
            assert list(tables) == ["permits", "monitoring"]
            assert context.manifest["id"] and "labels" not in json.dumps(context.manifest)
            return pd.DataFrame({"record_id": permits["permit_no"],
                                 "reason": ["ENV_UNDECLARED", None, ""],
                                 "score": [0.9, 0.25, 1]})
        import json
    """)
    result = run_submission(sub, fake_scenario, limits=FAST)
    assert isinstance(result, RunResult)
    assert result.status is RunStatus.OK, result.stderr_tail
    assert result.predictions["record_id"].tolist() == ["P001", "P002", "NA"]
    assert result.predictions["reason"].tolist() == ["ENV_UNDECLARED", "", ""]
    assert result.predictions["score"].tolist() == [0.9, 0.25, 1.0]
    assert result.problems == () and not result.unsafe and len(result.output_sha256) == 64
    assert 0 < result.wall_s < 20 and result.cpu_s > 0 and result.peak_memory_mb > 20
    assert result.message == f"finished in {result.wall_s:.1f} s with 3 clue rows"


def test_labels_and_host_paths_are_invisible(python_submission, fake_scenario, tmp_path):
    host_labels = fake_scenario.path / "labels" / "labels.parquet"
    assert host_labels.is_file()
    paths = ["/arena/input/labels/labels.parquet", "/arena/input/labels", str(host_labels),
             str(fake_scenario.path), str(tmp_path), "/root/.ssh", "/home", "/work/main/harness",
             "/work/main/pyproject.toml", "/work/shared", "/sys", "/run", "/var"]
    body = f"""
    for path in {paths!r}:
        found["exists:" + path] = os.path.exists(path)
    found["input"] = sorted(os.listdir("/arena/input"))
    found["arena"] = sorted(os.listdir("/arena"))
    found["root"] = sorted(os.listdir("/"))
    found["etc"] = sorted(os.listdir("/etc"))
    hits = []
    for top in ["/arena", "/tmp", "/etc"]:
        for dirpath, dirs, files in os.walk(top):
            for name in files:
                try:
                    data = open(os.path.join(dirpath, name), "rb").read()
                except OSError:
                    continue
                if b"LABELS-ARE-" + b"SECRET" in data:
                    hits.append(os.path.join(dirpath, name))
    found["hits"] = hits
    found["cmdline1"] = open("/proc/1/cmdline", "rb").read().replace(b"\\0", b" ").decode()
    """
    seen = probe(python_submission, fake_scenario, body)
    for path in paths:
        assert seen[f"exists:{path}"] == "False", path
    assert seen["input"] == "['scenario.json', 'tables']"
    assert seen["arena"] == "['input', 'output', 'run.json', 'runner.py', 'submission']"
    assert seen["hits"] == "[]"
    assert seen["etc"] == "['alternatives', 'group', 'ld.so.cache', 'localtime', 'passwd']"
    assert str(fake_scenario.path) not in seen["cmdline1"]
    assert seen["cmdline1"].startswith(f"{sys.executable} -I -B /arena/runner.py")


def test_network_is_unreachable(python_submission, fake_scenario):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    body = f"""
    import socket
    for host in ["127.0.0.1", "10.0.0.1"]:
        try:
            socket.create_connection((host, {port}), timeout=2).close()
            found["connect:" + host] = "connected"
        except OSError as exc:
            found["connect:" + host] = type(exc).__name__
    try:
        socket.getaddrinfo("example.com", 80)
        found["dns"] = "resolved"
    except OSError as exc:
        found["dns"] = type(exc).__name__
    """
    try:
        seen = probe(python_submission, fake_scenario, body)
    finally:
        listener.close()
    assert seen["connect:127.0.0.1"] != "connected"
    assert seen["connect:10.0.0.1"] != "connected"
    assert seen["dns"] != "resolved"


def test_only_output_and_tmp_are_writable(python_submission, fake_scenario):
    targets = ["/arena/submission/x", "/arena/input/x", "/arena/input/tables/x", "/arena/x",
               "/usr/x", "/etc/x", "/x", "/arena/runner.py", "/arena/input/scenario.json",
               "/work/main/.venv/x", "/proc/sys/kernel/hostname", "/proc/sys/vm/swappiness",
               "/proc/sysrq-trigger", "/arena/output/ok.txt",
               "/tmp/ok.txt", "/dev/shm/ok.txt"]
    body = f"""
    for target in {targets!r}:
        try:
            with open(target, "a") as handle:
                handle.write("x")
            found[target] = "written"
        except OSError as exc:
            found[target] = errno.errorcode.get(exc.errno, str(exc.errno))
    found["uid"] = os.getuid()
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    found["unshare"] = libc.unshare(0x10000000)  # CLONE_NEWUSER
    """
    before = sorted(p.name for p in fake_scenario.path.rglob("*"))
    seen = probe(python_submission, fake_scenario, body)
    for target in targets[:-3]:
        assert seen[target] != "written", target
    assert seen["/arena/output/ok.txt"] == seen["/tmp/ok.txt"] == seen["/dev/shm/ok.txt"] \
        == "written"
    assert seen["uid"] != "0"
    assert {seen["/proc/sys/kernel/hostname"], seen["/proc/sys/vm/swappiness"]} \
        <= {"EROFS", "EACCES"}
    assert seen["unshare"] != "0"  # no nested user namespace (no way to remount /proc)
    assert sorted(p.name for p in fake_scenario.path.rglob("*")) == before


def test_environment_is_clean(python_submission, fake_scenario, monkeypatch):
    marker = f"ARENA_TEST_SECRET_{uuid.uuid4().hex}"
    monkeypatch.setenv("ARENA_TEST_SECRET", marker)
    body = """
    found["env"] = json.dumps(sorted(os.environ.items()))
    found["pid1"] = open("/proc/1/environ", "rb").read().decode().replace("\\0", "|")
    found["self"] = open("/proc/self/environ", "rb").read().decode().replace("\\0", "|")
    """
    seen = probe(python_submission, fake_scenario, body)
    env = dict(json.loads(seen["env"]))
    assert marker not in seen["env"] + seen["pid1"] + seen["self"]
    assert seen["pid1"] == seen["self"]  # pid 1 is the run itself
    assert env["ARENA_INPUT"] == "/arena/input" and env["ARENA_OUTPUT"] == "/arena/output"
    assert env["ARENA_POINT"] == "env_tax" and env["HOME"] == "/tmp"
    assert env["OMP_NUM_THREADS"] == "1" and env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert not {k for k in env if k.startswith(("PYTEST", "VIRTUAL_ENV", "ARENA_TEST"))}


def test_sleep_forever_times_out_and_leaves_no_process(python_submission, fake_scenario):
    marker = f"arena-test-sleeper-{uuid.uuid4().hex}"
    sub = python_submission(f"""
        import os, subprocess, time
        def detect(point, tables, context):
            subprocess.Popen(["/bin/sh", "-c", "sleep 1000; echo {marker}"],
                             start_new_session=True)
            if os.fork() == 0:  # a double-forked daemon
                os.setsid()
                if os.fork() == 0:
                    os.execvp("sh", ["sh", "-c", "sleep 1000; echo {marker}"])
                os._exit(0)
            time.sleep(1000)
    """)
    limits = Limits(wall_s=2.0)
    started = time.monotonic()
    result = run_submission(sub, fake_scenario, limits=limits)
    elapsed = time.monotonic() - started
    assert result.status is RunStatus.TIMEOUT
    assert result.message == "stopped: the run ran longer than 2 s"
    assert 2.0 <= result.wall_s < 3.0 and elapsed < 4.0
    leftover = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    assert leftover.stdout == "", leftover.stdout


def test_cpu_limit_is_a_timeout(python_submission, fake_scenario):
    sub = python_submission("""
        def detect(point, tables, context):
            while True:
                pass
    """)
    result = run_submission(sub, fake_scenario, limits=Limits(wall_s=15, cpu_s=1.5))
    assert result.status is RunStatus.TIMEOUT
    assert "CPU" in result.message and result.wall_s < 5


def test_memory_hog_hits_the_limit_and_normal_pandas_fits(python_submission, fake_scenario):
    hog = python_submission("""
        import numpy as np
        def detect(point, tables, context):
            chunks = []
            while True:
                chunks.append(np.ones((64 << 20) // 8))  # 64 MiB, touched
    """)
    result = run_submission(hog, fake_scenario)
    assert result.status is RunStatus.MEMORY_LIMIT, result.message
    assert "over the memory limit of 2048 MiB" in result.message
    assert 1900 < result.peak_memory_mb < 3000

    one_shot = python_submission("""
        import numpy as np
        def detect(point, tables, context):
            return np.ones((8 << 30) // 8)  # 8 GiB at once: over the per-process backstop
    """)
    result = run_submission(one_shot, fake_scenario)
    assert result.status is RunStatus.MEMORY_LIMIT
    assert "MemoryError" in result.message and "MemoryError" in result.stderr_tail

    normal = python_submission("""
        import numpy as np, pandas as pd
        def detect(point, tables, context):
            n = 3_000_000
            frame = pd.DataFrame({"k": np.arange(n) % 50_000, "v": np.random.rand(n),
                                  "s": pd.Series(np.arange(n) % 1000).astype(str)})
            frame = frame.merge(frame.groupby("k", as_index=False)["v"].sum(), on="k")
            frame = frame.sort_values(["s", "v_y"])
            top = frame.groupby("s").head(1)
            return pd.DataFrame({"record_id": tables["permits"]["permit_no"]})
    """)
    result = run_submission(normal, fake_scenario)
    assert result.status is RunStatus.OK, (result.message, result.stderr_tail)
    assert 300 < result.peak_memory_mb < 2048


def test_crash_keeps_the_traceback(python_submission, fake_scenario):
    sub = python_submission("""
        def detect(point, tables, context):
            print("x" * 10_000, file=__import__("sys").stderr)
            return helper()
        def helper():
            return 1 / 0
    """)
    result = run_submission(sub, fake_scenario, limits=FAST)
    assert result.status is RunStatus.CRASHED
    assert result.message == "the submission exited with code 1: ZeroDivisionError: division " \
                             "by zero"
    assert "Traceback" in result.stderr_tail and "model.py" in result.stderr_tail
    assert result.stderr_tail.endswith("ZeroDivisionError: division by zero\n")
    assert len(result.stderr_tail.encode()) <= 4096
    assert result.predictions is None


def test_invalid_return_values(python_submission, fake_scenario):
    cases = {
        "return [1, 2]": "detect() must return a pandas DataFrame with a record_id column; "
                         "it returned list",
        "return pd.DataFrame({'id': ['P001']})": "the DataFrame returned by detect() has no "
                                                 "record_id column (columns: id)",
        "return pd.DataFrame({'record_id': ['P001'], 'score': [float('nan')]})":
            "line 2 of clues.csv: score 'nan' is not a finite number",
    }
    for statement, message in cases.items():
        sub = python_submission(f"import pandas as pd\ndef detect(point, tables, context):\n"
                                f"    {statement}\n")
        result = run_submission(sub, fake_scenario, limits=FAST)
        assert result.status is RunStatus.INVALID_OUTPUT, (statement, result.stderr_tail)
        assert result.message == message


def command_submission(make_submission, script: str, **manifest):
    path = make_submission({"run.sh": script}, language="command",
                           command=["/bin/sh", "run.sh"], **manifest)
    return load_submission(path)


def test_command_without_output_is_invalid(make_submission, fake_scenario):
    sub = command_submission(make_submission, "echo nothing to say\n")
    result = run_submission(sub, fake_scenario, limits=FAST)
    assert result.status is RunStatus.INVALID_OUTPUT
    assert result.message == "no clues.csv was written to $ARENA_OUTPUT"


def test_output_symlink_is_invalid(make_submission, fake_scenario):
    sub = command_submission(make_submission, 'ln -s /etc/passwd "$ARENA_OUTPUT/clues.csv"\n')
    result = run_submission(sub, fake_scenario, limits=FAST)
    assert result.status is RunStatus.INVALID_OUTPUT
    assert result.message == "clues.csv is a symbolic link; write a regular file"


def test_output_over_the_limit(python_submission, make_submission, fake_scenario):
    limits = Limits(wall_s=20, output_mb=1)
    sub = python_submission("""
        import pandas as pd
        def detect(point, tables, context):
            return pd.DataFrame({"record_id": [f"R{i:08d}" for i in range(200_000)]})
    """)
    result = run_submission(sub, fake_scenario, limits=limits)
    assert result.status is RunStatus.OUTPUT_LIMIT, (result.message, result.stderr_tail)
    assert "over the output limit of 1 MiB" in result.message
    big = command_submission(
        make_submission, 'head -c 3000000 /dev/zero | tr "\\0" "a" > "$ARENA_OUTPUT/clues.csv"\n')
    result = run_submission(big, fake_scenario, limits=limits)
    assert result.status is RunStatus.OUTPUT_LIMIT, (result.message, result.stderr_tail)
    assert "over the output limit of 1 MiB" in result.message


def test_stdout_flood_is_an_output_limit(python_submission, fake_scenario):
    sub = python_submission("""
        def detect(point, tables, context):
            while True:
                print("flood " * 100)
    """)
    result = run_submission(sub, fake_scenario, limits=Limits(wall_s=20, stream_bytes=1 << 16))
    assert result.status is RunStatus.OUTPUT_LIMIT
    assert result.message == "stopped: the run wrote more than 65536 bytes to stdout and stderr"
    assert result.wall_s < 5


def test_too_many_threads_is_stopped(python_submission, fake_scenario):
    sub = python_submission("""
        import threading, time
        def detect(point, tables, context):
            for _ in range(24):  # under RLIMIT_NPROC (2 x 16 + 2): the poll sees them all
                threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
            time.sleep(30)
    """)
    result = run_submission(sub, fake_scenario, limits=Limits(wall_s=20, processes=16))
    assert result.status is RunStatus.CRASHED
    assert "processes and threads, over the limit of 16" in result.message


def test_sql_submission(make_submission, fake_scenario):
    path = make_submission({"queries/env_tax.sql": """
        -- permits with emissions
        SELECT p.permit_no AS record_id, 'ENV_UNDECLARED' AS reason, m.emission_kg / 100 AS score
        FROM permits p JOIN monitoring m USING (permit_no)
        WHERE m.emission_kg > 0
        ORDER BY record_id
    """}, language="sql")
    result = run_submission(load_submission(path), fake_scenario, limits=FAST)
    assert result.status is RunStatus.OK, (result.message, result.stderr_tail)
    assert result.predictions.values.tolist() == [["NA", "ENV_UNDECLARED", 0.0325],
                                                  ["P001", "ENV_UNDECLARED", 0.105]]


def test_sql_without_record_id_is_invalid(make_submission, fake_scenario):
    path = make_submission({"queries/env_tax.sql": "SELECT permit_no FROM permits"},
                           language="sql")
    result = run_submission(load_submission(path), fake_scenario, limits=FAST)
    assert result.status is RunStatus.INVALID_OUTPUT
    assert result.message == ("the result of queries/env_tax.sql has no record_id column "
                              "(columns: permit_no)")


def test_command_submissions(make_submission, fake_scenario):
    shell = command_submission(make_submission, """
        set -e
        test -f "$ARENA_INPUT/tables/permits.parquet"
        printf 'record_id,reason\\nP002,ENV_UNDER_DECLARED\\n' > "$ARENA_OUTPUT/clues.csv"
    """)
    result = run_submission(shell, fake_scenario, limits=FAST)
    assert result.status is RunStatus.OK, (result.message, result.stderr_tail)
    assert result.predictions[["record_id", "reason"]].values.tolist() == [
        ["P002", "ENV_UNDER_DECLARED"]]

    path = make_submission({"main.py": """
        import os, pandas as pd
        permits = pd.read_parquet(os.path.join(os.environ["ARENA_INPUT"], "tables",
                                               "permits.parquet"))
        permits[["permit_no"]].rename(columns={"permit_no": "record_id"}).to_csv(
            os.path.join(os.environ["ARENA_OUTPUT"], "clues.csv"), index=False)
    """}, language="command", command=["python", "main.py"])
    result = run_submission(load_submission(path), fake_scenario, limits=FAST)
    assert result.status is RunStatus.OK, (result.message, result.stderr_tail)
    assert result.predictions["record_id"].tolist() == ["P001", "P002", "NA"]

    failing = command_submission(make_submission, "echo boom >&2; exit 3\n")
    result = run_submission(failing, fake_scenario, limits=FAST)
    assert result.status is RunStatus.CRASHED
    assert result.message == "the submission exited with code 3: boom"


def test_point_not_covered_is_rejected(python_submission, make_scenario):
    sub = python_submission("def detect(point, tables, context):\n    pass\n")
    scenario = make_scenario("aid", point="legal_aid")
    result = run_submission(sub, scenario)
    assert result.status is RunStatus.REJECTED
    assert "not this scenario's point 'legal_aid'" in result.message


def test_unsafe_local_runs_and_says_so(python_submission, fake_scenario):
    sub = python_submission("""
        import os, pandas as pd
        def detect(point, tables, context):
            assert "labels" not in os.listdir(os.path.dirname(os.environ["ARENA_INPUT"] +
                                                              "/tables"))
            return pd.DataFrame({"record_id": ["P001"]})
    """)
    result = run_submission(sub, fake_scenario, limits=FAST, unsafe_local=True)
    assert result.status is RunStatus.OK, result.stderr_tail
    assert result.unsafe and "UNSAFE" in result.message
    assert result.predictions["record_id"].tolist() == ["P001"]


def test_missing_bubblewrap_refuses_to_run(python_submission, fake_scenario, monkeypatch):
    import harness.sandbox.run as run_module

    monkeypatch.setattr(run_module, "sandbox_available", lambda: False)
    sub = python_submission("def detect(point, tables, context):\n    pass\n")
    with pytest.raises(SandboxUnavailableError) as caught:
        run_submission(sub, fake_scenario)
    message = str(caught.value)
    assert "install bubblewrap" in message and "--unsafe-local" in message
    assert "\n" not in message


def test_a_run_leaves_nothing_for_the_next(python_submission, fake_scenario):
    """Whatever a run leaves in $ARENA_OUTPUT (files, links, directories, modes) is gone before
    the next run, and no run directory is left behind."""
    import os

    from harness.sandbox.slots import RUNS_DIR
    from harness.sandbox.uids import LOCK_DIR

    litter = python_submission("""
        import os, pandas as pd
        def detect(point, tables, context):
            out = os.environ["ARENA_OUTPUT"]
            open(out + "/left.txt", "w").write("secret")
            os.mkdir(out + "/sub"); open(out + "/sub/x", "w").write("x")
            os.symlink("/etc/passwd", out + "/link")
            os.chmod(out, 0o777)
            return pd.DataFrame({"record_id": ["P001"]})
        """)
    look = python_submission("""
        import os, pandas as pd
        def detect(point, tables, context):
            out = os.environ["ARENA_OUTPUT"]
            seen = sorted(os.listdir(out)) + [oct(os.stat(out).st_mode & 0o777)]
            return pd.DataFrame({"record_id": ["P001"], "reason": [" ".join(seen)]})
        """)
    before = set(os.listdir("/tmp"))
    for _ in range(3):
        assert run_submission(litter, fake_scenario, limits=FAST).status is RunStatus.OK
    result = run_submission(look, fake_scenario, limits=FAST)
    assert result.status is RunStatus.OK, result.message
    assert list(result.predictions["reason"]) == ["0o700"]
    assert not [name for name in set(os.listdir("/tmp")) - before if name.startswith("arena-run")]
    if os.geteuid() == 0:  # a uid released cleanly keeps only passwd, group and an empty output
        # (a harness killed mid-run, as other tests do, leaves its slot to the next user to clear)
        released = [slot for slot in RUNS_DIR.iterdir()
                    if (LOCK_DIR / f"{slot.name}.lock").read_bytes() == b"clean\n"]
        assert released
        for slot in released:
            assert sorted(os.listdir(slot)) <= ["group", "output", "passwd"]
            assert os.listdir(slot / "output") == []


def test_runs_as_a_pool_uid_that_owns_only_the_output(python_submission, fake_scenario):
    import os
    import sys

    from harness.sandbox.uids import UID_BASE, UID_COUNT

    if os.geteuid() != 0:
        pytest.skip("the uid pool is used only when the harness is root")
    body = """
    import sys
    found["uid"] = os.getuid()
    found["gid"] = os.getgid()
    found["groups"] = os.getgroups()
    found["output-owner"] = os.stat("/arena/output").st_uid
    found["input-owner"] = os.stat("/arena/input/tables").st_uid
    found["interpreter"] = os.path.realpath(sys.executable)
    found["interpreter-readable"] = os.access(os.path.realpath(sys.executable), os.R_OK)
    found["root-dir"] = sorted(os.listdir("/root")) if os.path.isdir("/root") else "absent"
    found["whoami"] = __import__("pwd").getpwuid(os.getuid()).pw_name
    """
    seen = probe(python_submission, fake_scenario, body)
    uid = int(seen["uid"])
    assert UID_BASE <= uid < UID_BASE + UID_COUNT and uid != 65534
    assert int(seen["gid"]) == uid and seen["groups"] == "[]"
    assert seen["output-owner"] == str(uid) and seen["whoami"] == "arena"
    assert seen["input-owner"] != str(uid)
    assert seen["interpreter"] == os.path.realpath(sys.executable)
    assert seen["interpreter-readable"] == "True"
    # Only the path down to the interpreter is there: nothing else of the host's /root.
    real = os.path.realpath(sys.executable)
    if real.startswith("/root/"):
        assert seen["root-dir"] == str([real.split("/")[2]])


def test_concurrent_runs_get_different_uids(python_submission, fake_scenario):
    import os
    from concurrent.futures import ThreadPoolExecutor

    if os.geteuid() != 0:
        pytest.skip("the uid pool is used only when the harness is root")
    sub = python_submission("""
        import os, time, pandas as pd
        def detect(point, tables, context):
            time.sleep(1.0)
            return pd.DataFrame({"record_id": [str(os.getuid())]})
    """)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: run_submission(sub, fake_scenario, limits=FAST),
                                range(3)))
    assert [r.status for r in results] == [RunStatus.OK] * 3, [r.message for r in results]
    uids = {r.predictions["record_id"].iloc[0] for r in results}
    assert len(uids) == 3


def test_unreadable_submission_is_copied_for_the_run(make_submission, fake_scenario):
    import os

    if os.geteuid() != 0:
        pytest.skip("only a dedicated uid can be shut out by file modes")
    path = make_submission({"run.sh": "cat secret.txt > \"$ARENA_OUTPUT/clues.csv\"\n",
                            "secret.txt": "record_id\nP001\n"},
                           language="command", command=["/bin/sh", "run.sh"])
    os.chmod(path, 0o700)
    os.chmod(path / "secret.txt", 0o600)
    result = run_submission(load_submission(path), fake_scenario, limits=FAST)
    assert result.status is RunStatus.OK, (result.message, result.stderr_tail)
    assert result.predictions["record_id"].tolist() == ["P001"]
    assert oct(path.stat().st_mode & 0o777) == "0o700"  # the original is left as it was


def test_kill_user_processes_leaves_none(tmp_path):
    import fcntl
    import os

    from harness.sandbox.uids import LOCK_DIR, kill_user_processes, pool_uids, user_processes

    if os.geteuid() != 0:
        pytest.skip("needs root to start processes as a pool uid")
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    for uid in reversed(pool_uids()):  # hold a free uid so that no run uses it meanwhile
        fd = os.open(LOCK_DIR / f"{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            os.close(fd)
    try:
        script = "trap '' TERM HUP; (trap '' TERM; sleep 600) & sleep 600 & setsid sleep 600"
        process = subprocess.Popen(["/bin/sh", "-c", script], user=uid, group=uid,
                                   extra_groups=[], start_new_session=True)
        deadline = time.monotonic() + 5
        while len(user_processes(uid)) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(user_processes(uid)) >= 4
        kill_user_processes(uid)
        assert user_processes(uid) == []
        process.wait(timeout=5)
        assert process.returncode == -9
    finally:
        os.close(fd)


def test_a_run_holds_only_its_own_descriptors(python_submission, fake_scenario):
    """The launcher's socket and other runs' pipes never reach a run (docs/security.md, The
    launcher)."""
    body = """
    for fd in sorted(int(n) for n in os.listdir("/proc/self/fd")):
        try:
            found[f"fd{fd}"] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError as exc:
            found[f"fd{fd}"] = exc.strerror
    """
    seen = probe(python_submission, fake_scenario, body)
    assert not any("socket" in target for target in seen.values()), seen
    # stdin, stdout, stderr, and what the runner itself opens (the listing, the spec, a table)
    assert {"fd0", "fd1", "fd2"} <= set(seen), seen


def test_the_launcher_and_its_runs_die_with_the_harness(tmp_path, fake_scenario,
                                                        python_submission):
    """SIGKILL the harness mid-run: its launcher and the sandbox die with it."""
    import os
    import signal

    sub = python_submission("""
import time
def detect(point, tables, context):
    time.sleep(600)
""")
    script = tmp_path / "killed_harness.py"
    script.write_text(f"""
import sys, threading
from pathlib import Path
from harness.limits import Limits
from harness.sandbox import run_submission
from harness.submission import load_submission
from synthetic.scenario import load_scenario
# A short-lived thread runs it: the launcher must outlive that thread, not die with it.
thread = threading.Thread(target=run_submission, args=(
    load_submission(Path({str(sub.path)!r})), load_scenario(Path({str(fake_scenario.path)!r}))),
    kwargs={{"limits": Limits(wall_s=300, cpu_s=300)}})
thread.start()
thread.join()
""")
    harness = subprocess.Popen([sys.executable, str(script)], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            table = _processes()
            tree = _descendants(harness.pid, table)
            if any("runner" in table.get(pid, (0, ""))[1] for pid in tree):
                break
            assert harness.poll() is None and time.monotonic() < deadline, "no run started"
            time.sleep(0.05)
        table = _processes()
        tree = _descendants(harness.pid, table)
        names = " ".join(table[pid][1] for pid in tree if pid in table)
        assert "launcher_main" in names and "bwrap" in names, names
    finally:
        harness.kill()
        harness.wait()
    deadline = time.monotonic() + 10
    while (left := tree & set(_processes())) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes outlived the harness: {left}"


def _processes() -> dict[int, tuple[int, str]]:
    import os

    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    stat = handle.read().decode(errors="replace")
                with open(f"/proc/{name}/cmdline", "rb") as handle:
                    cmdline = handle.read().decode(errors="replace").replace("\0", " ")
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            if fields[0] not in ("Z", "X"):
                table[int(name)] = (int(fields[1]), cmdline)
    return table


def _descendants(root: int, table: dict[int, tuple[int, str]]) -> set[int]:
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid in found:
            continue
        found.add(pid)
        stack.extend(child for child, (ppid, _) in table.items() if ppid == pid)
    return found
