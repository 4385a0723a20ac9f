"""``arena leaderboard``: render the static leaderboard pages of a workspace."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("leaderboard")
@click.option("--workspace", type=click.Path(path_type=Path), required=True,
              help="The workspace of `arena run`.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Directory for the HTML pages.")
@click.option("--board", type=click.Choice(["public", "private"]), default="public",
              show_default=True, help="Which split to rank.")
def command(workspace: Path, out: Path, board: str) -> None:
    """Render the leaderboard of WORKSPACE into OUT and print the page's path."""
    from harness.boards import render_workspace_board

    click.echo(render_workspace_board(workspace, out, split=board))
