"""``arena check``: what a team runs before submitting (CONTRACT 8).

Validates the manifest, runs the submission in the sandbox on each scenario, scores it where
labels exist (read by the harness, outside the sandbox) and prints per-run status and metrics,
per-point means, and every problem found in the output (unknown record ids, unknown reason codes,
merged duplicates), also on scenarios without labels. Exits 0 whenever the harness itself worked,
whatever the runs' statuses.
"""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("check")
@click.argument("submission_dir", type=click.Path(path_type=Path))
@click.option("--scenario", "scenarios", type=click.Path(path_type=Path), multiple=True,
              required=True, help="A scenario directory (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Wall and CPU time limit in seconds (default 60).")
@click.option("--memory-limit", type=click.IntRange(min=1), default=None,
              help="Memory limit in MiB for the whole process tree (default 2048).")
@click.option("--unsafe-local", is_flag=True,
              help="Run WITHOUT the sandbox (local development only; flagged on every result).")
def command(submission_dir: Path, scenarios: tuple[Path, ...], as_json: bool,
            time_limit: float | None, memory_limit: int | None, unsafe_local: bool) -> None:
    """Validate SUBMISSION_DIR and run it in the sandbox on each --scenario."""
    import dataclasses

    from harness.execute import RunTask, execute
    from harness.workspace import ScenarioRef
    from harness.limits import Limits
    from harness.orchestrate import require_sandbox
    from harness.submission import load_submission
    from synthetic.scenario import load_scenario

    submission = load_submission(submission_dir)
    loaded = [load_scenario(path) for path in scenarios]
    require_sandbox(unsafe_local)
    limits = Limits()
    if time_limit is not None:
        limits = dataclasses.replace(limits, wall_s=time_limit, cpu_s=time_limit)
    if memory_limit is not None:
        limits = dataclasses.replace(limits, memory_mb=memory_limit)
    results = []
    for scenario in loaded:
        run = execute(RunTask(submission, ScenarioRef.of(scenario), limits, unsafe_local))
        results.append((scenario, run))
    if as_json:
        click.echo(json.dumps({"runs": [_run_json(s, r) for s, r in results],
                               "points": _per_point(results)}, ensure_ascii=False))
    else:
        _print_table(submission, results)


def _per_point(results) -> dict[str, dict]:
    """Mean metrics per point over its scored runs (a run that did not end ok counts 0)."""
    points: dict[str, dict] = {}
    for scenario, run in results:
        entry = points.setdefault(scenario.point, {"runs": 0, "ok": 0, "scored": 0,
                                                   "sums": dict.fromkeys(_MEANS, 0.0)})
        entry["runs"] += 1
        entry["ok"] += run.status == "ok"
        if run.status != "ok" or run.metrics is not None:
            entry["scored"] += 1
            for name in _MEANS:
                entry["sums"][name] += _metric(run, name) or 0.0
    out = {}
    for point, entry in points.items():
        n = entry["scored"]
        out[point] = {"runs": entry["runs"], "ok": entry["ok"], "scored": n,
                      **{name: (entry["sums"][name] / n if n else None) for name in _MEANS}}
    return out


_MEANS = ("precision", "recall", "f1", "reason_f1")


def _metric(run, name: str) -> float | None:
    return None if run.metrics is None else run.metrics[name]


def _run_json(scenario, run) -> dict:
    return {
        "point": scenario.point,
        "scenario": scenario.id,
        "status": run.status,
        "precision": _metric(run, "precision"),
        "recall": _metric(run, "recall"),
        "f1": _metric(run, "f1"),
        "reason_f1": _metric(run, "reason_f1"),
        "wall_s": run.wall_s,
        "stderr_tail": run.stderr_tail,
        # Beyond the pinned keys: what a team needs to fix its model.
        "scenario_path": str(scenario.path),
        "difficulty": scenario.manifest["difficulty"],
        "message": run.message,
        "problems": list(run.problems),
        "unsafe": run.unsafe,
    }


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _print_table(submission, results) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # piped or captured: never squeeze the numbers into 80 columns
        console.width = 200
    table = Table(title=f"{submission.team} / {submission.name} {submission.version}")
    for column in ("point", "scenario", "difficulty", "status", "precision", "recall", "F1",
                   "reason F1", "wall s"):
        numeric = column in ("precision", "recall", "F1", "reason F1", "wall s")
        table.add_column(column, justify="right" if numeric else "left")
    for scenario, run in results:
        style = "green" if run.status == "ok" else "red"
        table.add_row(scenario.point, scenario.id, scenario.manifest["difficulty"],
                      f"[{style}]{run.status}[/{style}]", _fmt(_metric(run, "precision")),
                      _fmt(_metric(run, "recall")), _fmt(_metric(run, "f1")),
                      _fmt(_metric(run, "reason_f1")), f"{run.wall_s:.2f}")
    console.print(table)
    per_point = _per_point(results)
    if len(results) > 1:
        summary = Table(title="per point (mean over scenarios; a run that is not ok counts 0)")
        for column in ("point", "runs", "ok", "precision", "recall", "F1", "reason F1"):
            summary.add_column(column, justify="left" if column == "point" else "right")
        for point, entry in per_point.items():
            summary.add_row(point, str(entry["runs"]), str(entry["ok"]),
                            *(_fmt(entry[name]) for name in _MEANS))
        console.print(summary)
    for scenario, run in results:
        problems = run.problems
        if run.status != "ok":
            console.print(f"[red]{scenario.id}[/red]: {run.status} — {run.message}")
            if run.stderr_tail:
                console.print(run.stderr_tail, markup=False, highlight=False)
        for problem in problems:
            console.print(f"[yellow]{scenario.id}[/yellow]: {problem}", markup=True,
                          highlight=False)
        if run.unsafe:
            console.print(f"[bold red]{scenario.id}: ran in UNSAFE local mode, not sandboxed")
