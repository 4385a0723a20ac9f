"""Kill `arena run` with SIGKILL mid-competition, start it again, and get exactly the runs the
competition should have: none lost, none duplicated, no partial file used, no process left.

The competition: 6 submissions (python, sql and command among them; ok, crashing and invalid
ones) × up to 3 registered points × 3 scenarios (2 public, 1 private from a secret)."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from harness.store import Store
from harness.version import HARNESS_VERSION
from harness.workspace import check_scenario_files, predictions_path, sha256_file
from synthetic.registry import available_points, get_point
from synthetic.scenario import load_scenario

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

ROOT = Path(__file__).resolve().parents[2]
ARENA = [sys.executable, "-m", "harness"]
POINTS = available_points()[:3]
SCENARIOS_PER_POINT = 3
SECRET = "s3cret-Wanzhi-7781-do-not-leak"
DEAD_PID = 4_999_999  # above the kernel's pid_max: never a live process

FIRST_N = """
import time
import pandas as pd

def detect(point, tables, context):
    time.sleep({sleep})
    m = context.manifest
    keys = tables[m["subject_table"]][m["record_id_column"]].astype(str).head({n})
    return pd.DataFrame({{"record_id": keys, "reason": ""}})
"""
CRASH = """
def detect(point, tables, context):
    raise ValueError("this model always fails")
"""
COMMAND = """
import csv, json, os, sys
import pandas as pd

sys.stderr.write("ENV " + json.dumps(dict(os.environ)) + "\\n")
root = os.environ["ARENA_INPUT"]
m = json.load(open(os.path.join(root, "scenario.json"), encoding="utf-8"))
table = pd.read_parquet(os.path.join(root, "tables", m["subject_table"] + ".parquet"))
with open(os.path.join(os.environ["ARENA_OUTPUT"], "clues.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\\n")
    w.writerow(["record_id", "reason", "score"])
    for key in table[m["record_id_column"]].astype(str).head(3):
        w.writerow([key, "", "0.5"])
"""


def write_submission(path: Path, files: dict[str, str], **manifest) -> Path:
    path.mkdir(parents=True)
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in manifest.items()]
    (path / "submission.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def six_submissions(root: Path) -> dict[str, tuple[Path, str]]:
    """name -> (directory, the status every one of its runs must end with)."""
    common = dict(team="续跑队", version="1.0", points=POINTS)
    sql = {}
    for point in POINTS:
        spec = get_point(point)
        sql[f"queries/{point}.sql"] = (f'SELECT CAST("{spec.record_id_column}" AS VARCHAR) AS '
                                       f'record_id FROM "{spec.subject_table}" LIMIT 2\n')
    py = dict(language="python", entrypoint="model.py", **common)
    return {
        "py-first3": (write_submission(root / "a", {"model.py": FIRST_N.format(sleep=0, n=3)},
                                       name="py-first3", **py), "ok"),
        "py-slow": (write_submission(root / "b", {"model.py": FIRST_N.format(sleep=0.3, n=1)},
                                     name="py-slow", **py), "ok"),
        "py-crash": (write_submission(root / "c", {"model.py": CRASH}, name="py-crash", **py),
                     "crashed"),
        "sql-first2": (write_submission(root / "d", sql, name="sql-first2", language="sql",
                                        **common), "ok"),
        "cmd-first3": (write_submission(root / "e", {"detect.py": COMMAND}, name="cmd-first3",
                                        language="command", command=["python3", "detect.py"],
                                        **common), "ok"),
        "cmd-nothing": (write_submission(root / "f", {}, name="cmd-nothing", language="command",
                                         command=["/bin/true"], **common), "invalid_output"),
    }


def competition_file(root: Path, submissions: list[Path]) -> Path:
    path = root / "competition.toml"
    path.write_text(textwrap.dedent(f"""
        name = "续跑测试 resume test"
        points = {json.dumps(POINTS)}
        submissions = {json.dumps([str(p) for p in submissions])}

        [limits]
        wall_s = 60
        memory_mb = 1024

        [[suites]]
        split = "public"
        seeds = [1, 2]
        sizes = [30]
        difficulties = ["easy"]

        [[suites]]
        split = "private"
        secret_env = "ARENA_RESUME_SECRET"
        count = 1
        sizes = [30]
        difficulties = ["standard"]
    """), encoding="utf-8")
    return path


# --- processes ------------------------------------------------------------------------------

def processes() -> dict[int, tuple[int, int, int]]:
    """pid -> (ppid, session id, start time) of every process on the host."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if fields[0] == "Z":
            continue
        out[int(entry)] = (int(fields[1]), int(fields[3]), int(fields[19]))
    return out


def tree(root: int, table: dict[int, tuple[int, int, int]]) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _, _) in table.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found & set(table)


def runs_in(store_path: Path) -> int:
    if not store_path.is_file():
        return 0
    try:
        db = sqlite3.connect(store_path, timeout=5)
        try:
            return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:  # the schema is being created
        return 0


def test_sigkill_mid_competition_then_resume(tmp_path):
    subs = six_submissions(tmp_path / "subs")
    competition = competition_file(tmp_path, [path for path, _ in subs.values()])
    workspace = tmp_path / "ws"
    store_path = workspace / "arena.sqlite"
    total = len(subs) * len(POINTS) * SCENARIOS_PER_POINT
    env = {**os.environ, "ARENA_RESUME_SECRET": SECRET}
    command = [*ARENA, "run", str(competition), "--workspace", str(workspace), "--workers", "2"]

    with open(tmp_path / "first.out", "wb") as out, open(tmp_path / "first.err", "wb") as err:
        first = subprocess.Popen(command, stdout=out, stderr=err, env=env,
                                 start_new_session=True)
        try:
            deadline = time.monotonic() + 240
            while runs_in(store_path) < 3:
                assert first.poll() is None, (tmp_path / "first.err").read_text()
                assert time.monotonic() < deadline, "no run was stored in time"
                time.sleep(0.05)
            # Freeze the harness's process group, note every process it started (also the
            # sandboxes in their own sessions), then kill the group as `kill -9` would.
            os.killpg(first.pid, signal.SIGSTOP)
            time.sleep(0.2)
            table = processes()
            started = tree(first.pid, table)
            start_times = {pid: table[pid][2] for pid in started}
            sessions = {table[pid][1] for pid in started} - {os.getsid(0)}
            os.killpg(first.pid, signal.SIGKILL)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL

    # Nothing the killed harness started survives it: not its pool workers, not a sandbox.
    deadline = time.monotonic() + 15
    while True:
        table = processes()
        left = {pid for pid, (_, sid, _) in table.items() if sid in sessions}
        left |= {pid for pid in started if pid in table and table[pid][2] == start_times[pid]}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"processes left behind: {sorted(left)}"

    stored_at_kill = runs_in(store_path)
    assert 3 <= stored_at_kill < total, stored_at_kill

    # Leftovers a crash can leave: a half-generated scenario, a half-written predictions file,
    # and (worse) a scenario directory that never got its manifest. None may be used.
    with Store(store_path) as store:
        scenario_ids = sorted(s["id"] for s in store.get_meta("scenarios"))
    assert len(scenario_ids) == len(POINTS) * SCENARIOS_PER_POINT
    scenarios_dir = workspace / "scenarios"
    junk_partial = scenarios_dir / f".partial-{scenario_ids[0]}-{DEAD_PID}"
    (junk_partial / "tables").mkdir(parents=True)
    (junk_partial / "scenario.json").write_text("{not json")
    junk_output = workspace / "outputs" / scenario_ids[0] / f".partial-x.parquet-{DEAD_PID}"
    junk_output.parent.mkdir(parents=True, exist_ok=True)
    junk_output.write_bytes(b"PAR1 half")
    broken = scenarios_dir / scenario_ids[-1]
    for child in sorted(broken.rglob("*"), reverse=True):
        child.unlink() if child.is_file() else child.rmdir()
    (broken / "tables").mkdir()
    (broken / "tables" / "junk.parquet").write_bytes(b"half")

    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert second.returncode == 0, second.stderr
    match = re.search(r"(\d+) runs done \(.*\), (\d+) already stored", second.stdout)
    assert match, second.stdout
    done, skipped = int(match[1]), int(match[2])
    assert skipped == stored_at_kill and done + skipped == total

    # Exactly the runs the competition should have, each once, with the expected status.
    with Store(store_path) as store:
        rows = list(store.iter_runs(HARNESS_VERSION))
        names = {row["id"]: row["name"] for row in store.submission_rows()}
        db_rows = store._db.execute("SELECT submission_id, scenario_id, COUNT(*) FROM runs "
                                    "GROUP BY submission_id, scenario_id").fetchall()
        labels = {r["id"]: r["labels_sha256"] for r in
                  (store.scenario_row(i) for i in scenario_ids)}
    assert all(count == 1 for _, _, count in db_rows)
    assert len(rows) == total
    expected_status = {name: status for name, (_, status) in subs.items()}
    pairs = {(names[r["submission_id"]], r["scenario_id"]) for r in rows}
    assert pairs == {(name, sid) for name in subs for sid in scenario_ids}
    for row in rows:
        name = names[row["submission_id"]]
        assert row["status"] == expected_status[name], (name, row["message"], row["stderr_tail"])
        assert row["sandbox"] and row["scorer_version"] and row["generator_version"]
        assert json.loads(row["sandbox"])["limits"]["memory_mb"] == 1024
        if row["status"] == "ok":
            assert row["f1"] is not None and row["output_sha256"]

    # Every ok run has its predictions; nothing else is in outputs/ (no orphan, no partial).
    ok_files = {predictions_path(workspace, r["submission_id"], r["scenario_id"])
                for r in rows if r["status"] == "ok"}
    on_disk = {p for p in (workspace / "outputs").rglob("*") if p.is_file()}
    assert on_disk == ok_files
    # Scenarios: exactly the competition's, each complete and matching its hashes.
    assert sorted(p.name for p in scenarios_dir.iterdir()) == scenario_ids
    for sid in scenario_ids:
        scenario = load_scenario(scenarios_dir / sid)
        check_scenario_files(scenario)
        assert sha256_file(scenario.labels_path) == labels[sid]

    # The private suite's secret is nowhere: not in a file of the workspace (the store, the
    # scenarios, the outputs), not in what the harness printed, not in a sandbox's environment.
    secret = SECRET.encode()
    for path in workspace.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    for stream in ("first.out", "first.err"):
        assert secret not in (tmp_path / stream).read_bytes()
    assert SECRET not in second.stdout + second.stderr
    cmd_runs = [r for r in rows if names[r["submission_id"]] == "cmd-first3"]
    assert all("ENV " in r["stderr_tail"] for r in cmd_runs)

    # A third run has nothing left to do.
    third = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert third.returncode == 0 and f"0 runs done (none), {total} already stored" in third.stdout
