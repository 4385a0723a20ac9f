"""A real competition, run once per session, and its rendered leaderboard sites.

``arena_site`` runs :func:`harness.orchestrate.run_competition` (real sandbox) on a tiny
``env_tax`` competition: the bundled rule baseline and exact-match model plus a submission that
always crashes, on a public suite (2 scenarios) and a private suite from a secret seed variable
(2 draws × 2 difficulties), then renders the public board, the sealed private board and the
revealed private board through the real ``arena leaderboard`` command.

``chromium`` gives the path of Debian's chromium; it fails (never skips) when it is missing,
because CI installs it with ``scripts/setup.sh``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET_ENV = "ARENA_TEST_PRIVATE_SECRET"
SECRET = "browser-test-secret-不公开"
CRASH_MODEL = """
import sys

def detect(point, tables, context):
    print("loading the model weights…", file=sys.stderr)
    raise RuntimeError("model file missing: weights.bin <b>not bold</b>")
"""

COMPETITION = """
name = "芜湖市大数据法律监督模型竞赛（测试） Arena site test"
points = ["env_tax"]
submissions = [{subs}]

[[suites]]
split = "public"
seeds = [11]
sizes = [150]
difficulties = ["easy", "hard"]

[[suites]]
split = "private"
secret_env = "{secret_env}"
count = 2
sizes = [150]
difficulties = ["easy", "hard"]
"""


@dataclass(frozen=True)
class Site:
    workspace: Path
    public: Path          # directory of the public board
    sealed: Path          # the private board, sealed
    revealed: Path        # the private board, revealed
    logs: str             # everything the commands printed


def arena(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *map(str, args)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, SECRET_ENV: SECRET})


@pytest.fixture(scope="session")
def arena_site(tmp_path_factory) -> Site:
    from harness.competition import load_competition
    from harness.orchestrate import run_competition

    root = tmp_path_factory.mktemp("arena-site")
    crash = root / "crash"
    crash.mkdir()
    (crash / "submission.toml").write_text(
        'team = "崩溃队 <Crash> & Co"\nname = "always-crashes"\nversion = "0.1"\n'
        'points = ["env_tax"]\nlanguage = "python"\nentrypoint = "model.py"\n',
        encoding="utf-8")
    (crash / "model.py").write_text(CRASH_MODEL, encoding="utf-8")
    subs = [ROOT / "submissions" / "env_tax_baseline",
            ROOT / "submissions" / "env_tax_exact_match", crash]
    competition_file = root / "competition.toml"
    competition_file.write_text(COMPETITION.format(
        subs=", ".join(json.dumps(str(s)) for s in subs), secret_env=SECRET_ENV),
        encoding="utf-8")
    workspace = root / "workspace"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_ENV, SECRET)
        summary = run_competition(load_competition(competition_file), workspace, workers=2)
    assert summary.runs_done == 18, summary

    logs = []
    dirs = {}
    for name, options in (("public", ["--board", "public"]), ("sealed", ["--board", "private"]),
                          ("revealed", ["--board", "private", "--reveal"])):
        out = root / f"site-{name}"
        result = arena("leaderboard", "--workspace", workspace, "--out", out, "--phase",
                       "决赛 final", *options)
        assert result.returncode == 0, result.stderr
        assert Path(result.stdout.strip()) == out / "index.html"
        logs += [result.stdout, result.stderr]
        dirs[name] = out
    return Site(workspace=workspace, logs="\n".join(logs), **dirs)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = os.environ.get("ARENA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail(f"chromium not found at {path}: the browser tests need Debian's chromium "
                    f"(run scripts/setup.sh, or apt-get install chromium, or set ARENA_CHROMIUM)")
    return path
