"""``arena submit``: take a submission (directory or zip) into a workspace for a phase."""

from __future__ import annotations

from pathlib import Path

import click

from harness.errors import ArenaError


def workspace_competition(workspace: Path, competition_file: Path | None):
    """The competition of ``--competition FILE``, else the one ``arena run`` stored in the
    workspace."""
    from harness.competition import load_competition, load_competition_text
    from harness.store import STORE_NAME, Store

    if competition_file is not None:
        return load_competition(competition_file)
    store_path = Path(workspace) / STORE_NAME
    source = None
    if store_path.is_file():
        with Store(store_path) as store:
            source = store.get_meta("competition_source")
    if not source:
        raise ArenaError("the workspace has no competition yet", file=str(store_path),
                         field="--workspace",
                         fix="pass --competition COMPETITION.toml, or run `arena run` first")
    return load_competition_text(source["text"], path=source["path"])


@click.command("submit")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--workspace", type=click.Path(path_type=Path), required=True,
              help="The competition's workspace.")
@click.option("--phase", required=True, help="The phase to submit to (see the competition file).")
@click.option("--competition", "competition_file", type=click.Path(path_type=Path), default=None,
              help="The competition file (default: the one `arena run` stored in the workspace).")
def command(source: Path, workspace: Path, phase: str, competition_file: Path | None) -> None:
    """Take SOURCE (a submission directory or a .zip of it) into WORKSPACE for PHASE.

    The copy is content-hashed and read-only; `arena run` runs it with the competition's own
    submissions. Each team may submit the phase's daily quota per day (Asia/Shanghai); a
    submission refused for its manifest uses no quota.
    """
    from harness.intake import submit
    from harness.orchestrate import remember_competition
    from harness.store import Store

    competition = workspace_competition(workspace, competition_file)
    result = submit(source, workspace, phase=phase, competition=competition)
    if competition_file is not None:
        with Store.in_workspace(workspace) as store:
            remember_competition(store, competition)
    sub = result.submission
    if result.duplicate:
        click.echo(f"{sub.label} ({sub.content_hash[:12]}) was already taken in for phase "
                   f"'{result.phase}' on {result.day}; no quota used")
    else:
        click.echo(f"{sub.label} ({sub.content_hash[:12]}) taken in for phase '{result.phase}' "
                   f"({result.board} board): {result.used} of {result.quota} today ({result.day})")
