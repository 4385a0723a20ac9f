"""``arena demo``: the bundled demo competition, end to end."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("demo")
@click.option("--out", type=click.Path(path_type=Path), default=Path("demo-out"),
              show_default=True, help="Directory for the demo workspace and leaderboard.")
@click.option("--unsafe-local", is_flag=True,
              help="Run WITHOUT the sandbox (local development only; flagged on every result).")
def command(out: Path, unsafe_local: bool) -> None:
    """Generate a small public suite, run the bundled submissions in the sandbox, score them
    and write the leaderboard; prints the page's path."""
    from harness.cli._console import RichProgress
    from harness.demo import run_demo

    page = run_demo(out, progress=RichProgress(), unsafe_local=unsafe_local)
    click.echo(page)
