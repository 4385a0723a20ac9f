"""``arena status``: how far a competition's runs are, one line per submission."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("status")
@click.option("--workspace", type=click.Path(path_type=Path), required=True,
              help="The workspace of `arena run`.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def command(workspace: Path, as_json: bool) -> None:
    """Show, per submission, runs done / expected, their statuses and the mean F1 so far."""
    import json

    from harness.orchestrate import workspace_status

    rows = workspace_status(workspace)
    if as_json:
        click.echo(json.dumps({"submissions": [r.as_dict() for r in rows]}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console.width = 200
    table = Table(title=f"{workspace}")
    for column in ("submission", "hash", "language", "done", "statuses", "mean F1"):
        table.add_column(column, justify="right" if column in ("done", "mean F1") else "left")
    for r in rows:
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(r.statuses.items())) or "—"
        mean = "—" if r.mean_f1 is None else f"{r.mean_f1:.4f}"
        table.add_row(r.label, r.submission_id[:12], r.language, f"{r.done}/{r.expected}",
                      statuses, mean)
    console.print(table)
