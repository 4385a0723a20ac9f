"""The bundled demo competition: a small public suite and the bundled submissions.

It writes an ordinary competition file into the output directory, so what the demo does is
exactly what `arena run` and `arena leaderboard` do with it.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.errors import ArenaError
from harness.progress import Progress

BUNDLED_SUBMISSIONS = Path(__file__).resolve().parents[1] / "submissions"
DEMO_SEEDS = (1,)
DEMO_SIZE = 300
# Low enough that the deliberately broken `broken_timeout` example costs little (every other
# bundled submission needs about 1 s per scenario of this size), high enough for a busy machine.
DEMO_WALL_S = 10


def demo_points() -> list[str]:
    """Every registered point: the demo shows all of them."""
    from synthetic.registry import available_points

    return available_points()


def demo_competition_toml(submissions: list[Path]) -> str:
    subs = ",\n    ".join(json.dumps(str(p)) for p in submissions)
    return f"""# The bundled demo competition of Supervision Model Arena (written by `arena demo`).
# Every registered point, every bundled submission (the organisers' baselines, examples and the
# deliberately broken demo examples, so the board shows every status), one public suite.
name = "大数据法律监督模型竞赛（演示） Supervision Model Arena demo"
points = {json.dumps(demo_points())}
as_of = "2023-12-31"
submissions = [
    {subs},
]

[limits]
wall_s = {DEMO_WALL_S}
cpu_s = {DEMO_WALL_S}
memory_mb = 2048

[[suites]]
split = "public"
seeds = {json.dumps(list(DEMO_SEEDS))}
sizes = [{DEMO_SIZE}]
difficulties = ["easy", "standard", "hard"]
"""


def bundled_submissions() -> list[Path]:
    """Every bundled submission that covers a demo point, in a stable order."""
    from harness.submission import load_submission

    points = set(demo_points())

    if not BUNDLED_SUBMISSIONS.is_dir():
        raise ArenaError("the bundled submissions are missing", file=str(BUNDLED_SUBMISSIONS),
                         fix="run the demo from a clone of the project")
    chosen = []
    for path in sorted(p for p in BUNDLED_SUBMISSIONS.iterdir() if p.is_dir()):
        if not (path / "submission.toml").is_file():
            continue
        if set(load_submission(path).points) & points:
            chosen.append(path)
    return chosen


def run_demo(out: Path, *, progress: Progress | None = None, unsafe_local: bool = False) -> Path:
    """Generate, run in the sandbox, score and render; returns the leaderboard page."""
    from harness.boards import render_workspace_board
    from harness.competition import load_competition
    from harness.orchestrate import run_competition

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    competition_file = out / "competition.toml"
    competition_file.write_text(demo_competition_toml(bundled_submissions()), encoding="utf-8")
    competition = load_competition(competition_file)
    workspace = out / "workspace"
    run_competition(competition, workspace, workers=2, unsafe_local=unsafe_local,
                    progress=progress)
    return render_workspace_board(workspace, out / "leaderboard")
