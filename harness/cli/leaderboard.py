"""``arena leaderboard``: render the static leaderboard site of a workspace."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("leaderboard")
@click.option("--workspace", type=click.Path(path_type=Path), required=True,
              help="The workspace of `arena run`.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Directory for the pages and the CSV/JSON exports.")
@click.option("--board", type=click.Choice(["public", "private"]), default="public",
              show_default=True, help="Which split to rank.")
@click.option("--reveal", is_flag=True,
              help="Publish the private board's scores. Without it the private board is "
                   "sealed: statuses only, no score or rank.")
@click.option("--bootstrap", "resamples", type=click.IntRange(min=1), default=1000,
              show_default=True, help="Bootstrap resamples for the 95% intervals.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap resamples.")
@click.option("--phase", default=None, metavar="NAME",
              help="The competition phase to show on the pages (e.g. the name of a [[phases]] "
                   "table of the competition file).")
def command(workspace: Path, out: Path, board: str, reveal: bool, resamples: int,
            seed: int, phase: str | None) -> None:
    """Render the leaderboard of WORKSPACE into OUT and print the path of its index.html.

    Writes index.html, point-<name>.html, submission-<id>.html, leaderboard.csv and
    leaderboard.json (see docs/leaderboards.md).
    """
    from harness.boards import render_workspace_board

    click.echo(render_workspace_board(workspace, out, split=board, reveal=reveal,
                                      resamples=resamples, seed=seed, phase=phase))
