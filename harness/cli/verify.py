"""``arena verify``: re-run a sample of stored runs and check their outputs are byte-identical."""

from __future__ import annotations

from pathlib import Path

import click

EXIT_DIFFERENT = 2  # the harness worked, but some outputs were not reproduced


@click.command("verify")
@click.option("--workspace", type=click.Path(path_type=Path), required=True,
              help="The workspace of `arena run`.")
@click.option("--sample", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many stored runs to re-run.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the random sample (a different seed checks other runs).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Local worker processes.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--unsafe-local", is_flag=True,
              help="Also re-run runs that were stored in unsafe local mode, the same way.")
def command(workspace: Path, sample: int, seed: int, workers: int, as_json: bool,
            unsafe_local: bool) -> None:
    """Re-run a random sample of WORKSPACE's runs with their recorded certificate (submission
    hash, scenario, harness/generator/scorer versions, sandbox settings) and report whether
    each clues.csv is byte-identical. Exit code 0: all identical; 2: some differ or could not
    be re-run; 1: bad input."""
    import json

    from harness.certificate import verify_workspace
    from harness.cli._console import RichProgress
    from harness.orchestrate import require_sandbox

    require_sandbox(unsafe_local)
    results, population = verify_workspace(workspace, sample=sample, seed=seed,
                                           unsafe_local=unsafe_local, workers=workers,
                                           progress=RichProgress())
    identical = sum(r.identical for r in results)
    if as_json:
        click.echo(json.dumps({"sampled": len(results), "stored": population,
                               "identical": identical,
                               "runs": [r.__dict__ for r in results]}, ensure_ascii=False))
    else:
        from rich.console import Console
        from rich.table import Table

        console = Console()
        if not console.is_terminal:
            console.width = 200
        table = Table(title=f"arena verify: {identical} of {len(results)} identical "
                            f"({population} stored runs)")
        for column in ("submission", "scenario", "stored", "re-run", "clues.csv sha256",
                       "result"):
            table.add_column(column)
        for r in results:
            verdict = "[green]identical[/green]" if r.identical else f"[red]DIFFERS[/red] {r.note}"
            table.add_row(r.submission_label, r.scenario_id, r.stored_status, r.status,
                          (r.stored_sha256 or "—")[:16], verdict)
        console.print(table)
    if identical != len(results):
        raise click.exceptions.Exit(EXIT_DIFFERENT)
