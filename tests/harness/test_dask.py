"""The Dask executor on a real LocalCluster (two worker processes): the same stored results as
the local pool, and a worker that cannot see a scenario regenerates it and checks its hashes."""

from __future__ import annotations

import dataclasses
import json
import shutil
import textwrap
from pathlib import Path

import pytest

from harness.competition import load_competition
from harness.errors import ArenaError
from harness.execute import RunTask, execute
from harness.limits import Limits
from harness.orchestrate import run_competition
from harness.store import Store
from harness.submission import load_submission
from harness.version import HARNESS_VERSION
from harness.workspace import ScenarioRef
from synthetic.registry import available_points, get_point
from synthetic.scenario import generate_scenario

distributed = pytest.importorskip("distributed", reason="needs the dask extra")

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

POINTS = available_points()[:2]

PYTHON = """
import pandas as pd

def detect(point, tables, context):
    m = context.manifest
    keys = tables[m["subject_table"]][m["record_id_column"]].astype(str)
    return pd.DataFrame({"record_id": keys.head(4), "reason": "", "score": 0.25})
"""


def write(path: Path, files: dict[str, str], **manifest) -> Path:
    path.mkdir(parents=True)
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in manifest.items()]
    (path / "submission.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def submissions(root: Path) -> list[Path]:
    common = dict(team="分布队", version="1", points=POINTS)
    sql = {f"queries/{p}.sql": f'SELECT CAST("{get_point(p).record_id_column}" AS VARCHAR) AS '
                               f'record_id FROM "{get_point(p).subject_table}" LIMIT 2\n'
           for p in POINTS}
    return [
        write(root / "py", {"model.py": PYTHON}, name="py", language="python",
              entrypoint="model.py", **common),
        write(root / "sql", sql, name="sql", language="sql", **common),
        write(root / "crash", {}, name="crash", language="command",
              command=["/bin/sh", "-c", "echo broken >&2; exit 3"], **common),
    ]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local:
        yield local


def stored(workspace: Path) -> dict:
    with Store.in_workspace(workspace) as store:
        return {(r["submission_id"], r["scenario_id"]): (
            r["status"], r["output_sha256"], r["precision"], r["recall"], r["f1"],
            r["reason_f1"], r["problems"], r["generator_version"], r["scorer_version"],
            r["sandbox"]) for r in store.iter_runs(HARNESS_VERSION)}


def test_dask_gives_the_same_stored_results_as_the_local_pool(tmp_path, cluster):
    subs = submissions(tmp_path / "subs")
    competition = tmp_path / "c.toml"
    competition.write_text(textwrap.dedent(f"""
        name = "dask parity"
        points = {json.dumps(POINTS)}
        submissions = {json.dumps([str(p) for p in subs])}
        [[suites]]
        split = "public"
        seeds = [3, 4]
        sizes = [30]
        difficulties = ["standard"]
    """), encoding="utf-8")
    loaded = load_competition(competition)
    local = run_competition(loaded, tmp_path / "local", workers=2)
    dask = run_competition(loaded, tmp_path / "dask", dask_address=cluster.scheduler_address)
    expected = len(subs) * len(POINTS) * 2
    assert local.runs_done == dask.runs_done == expected
    a, b = stored(tmp_path / "local"), stored(tmp_path / "dask")
    assert len(a) == expected and a == b
    assert {v[0] for v in a.values()} == {"ok", "crashed"}
    # Resuming on Dask skips everything already stored.
    again = run_competition(loaded, tmp_path / "dask", dask_address=cluster.scheduler_address)
    assert again.runs_done == 0 and again.runs_skipped == expected


def _task(tmp_path: Path, scenario, **ref_changes) -> RunTask:
    sub = load_submission(write(tmp_path / "sub", {"model.py": PYTHON}, team="t", name="n",
                                version="1", points=[scenario.point], language="python",
                                entrypoint="model.py"))
    from harness.workspace import sha256_file

    ref = ScenarioRef.of(scenario, labels_sha256=sha256_file(scenario.labels_path))
    return RunTask(sub, dataclasses.replace(ref, **ref_changes), Limits(),
                   cache_dir=str(tmp_path / "worker-cache"))


def test_a_worker_without_the_scenario_regenerates_and_checks_it(tmp_path, cluster):
    scenario = generate_scenario(POINTS[0], seed=11, size=30, difficulty="hard",
                                 out=tmp_path / "organisers" / "s")
    task = _task(tmp_path, scenario)
    reference = execute(task)
    moved = dataclasses.replace(task, scenario=dataclasses.replace(
        task.scenario, path=str(tmp_path / "not-on-this-worker")))
    with distributed.Client(cluster.scheduler_address) as client:
        run = client.submit(execute, moved, pure=False).result()
    assert (tmp_path / "worker-cache" / scenario.id / "scenario.json").is_file()
    assert (run.status, run.output_sha256, run.metrics) == \
        (reference.status, reference.output_sha256, reference.metrics)
    shutil.rmtree(tmp_path / "worker-cache")

    # The stored hashes do not match what the worker regenerates: the run fails clearly.
    bad_tables = tuple((name, "0" * 64) for name, _ in task.scenario.tables_sha256)
    wrong = dataclasses.replace(moved, scenario=dataclasses.replace(
        moved.scenario, tables_sha256=bad_tables))
    bad_labels = dataclasses.replace(moved, scenario=dataclasses.replace(
        moved.scenario, labels_sha256="f" * 64))
    with distributed.Client(cluster.scheduler_address) as client:
        for broken, what in ((wrong, "tables"), (bad_labels, "labels")):
            with pytest.raises(ArenaError, match=f"the {what} regenerated on this worker differ"):
                client.submit(execute, broken, pure=False).result()


def test_dask_local_starts_and_closes_its_cluster_and_bad_addresses_fail_clearly():
    import psutil

    from harness.dask_executor import run_tasks_on_dask

    before = set(psutil.Process().children(recursive=True))
    run_tasks_on_dask([], lambda *_: None, address="local")
    started = [p for p in psutil.Process().children(recursive=True) if p not in before]
    _, alive = psutil.wait_procs(started, timeout=15)
    assert not alive, alive
    with pytest.raises(ArenaError, match="cannot reach the Dask scheduler"):
        run_tasks_on_dask([], lambda *_: None, address="tcp://127.0.0.1:9",
                          connect_timeout="1s")
