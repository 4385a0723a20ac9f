"""``arena run``: run a competition into a workspace (resumable)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from harness.errors import ArenaError


@click.command("run")
@click.argument("competition", type=click.Path(path_type=Path))
@click.option("--workspace", type=click.Path(path_type=Path), required=True,
              help="Directory holding the store and the generated scenarios.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: all cores).")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS|local",
              help="Run on a Dask scheduler at ADDRESS, or on a local Dask cluster.")
@click.option("--unsafe-local", is_flag=True,
              help="Run WITHOUT the sandbox (local development only; flagged on every result).")
def command(competition: Path, workspace: Path, workers: int | None, dask_address: str | None,
            unsafe_local: bool) -> None:
    """Generate the COMPETITION's scenarios and run every submission on them.

    Runs already stored for the same submission content, scenario and harness version are
    skipped, so an interrupted competition resumes where it stopped. Private suites read their
    secret from the environment variable named in the competition file.
    """
    from harness.cli._console import RichProgress
    from harness.competition import load_competition
    from harness.orchestrate import run_competition

    if workers is not None and dask_address is not None:
        raise ArenaError("--workers and --dask cannot be combined", field="--workers",
                         fix="choose local workers or a Dask cluster")
    loaded = load_competition(competition)
    summary = run_competition(loaded, workspace, workers=workers or os.cpu_count() or 1,
                              dask_address=dask_address, unsafe_local=unsafe_local,
                              progress=RichProgress())
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items())) or "none"
    click.echo(f"{summary.runs_done} runs done ({statuses}), {summary.runs_skipped} already "
               f"stored; {summary.scenarios} scenarios, {summary.submissions} submissions "
               f"-> {workspace}")
