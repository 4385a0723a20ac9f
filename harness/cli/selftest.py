"""``arena selftest``: check the scorer on generated scenarios before a competition opens."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("selftest")
@click.option("--points", "points", multiple=True, metavar="POINT",
              help="A point to check (repeat, or separate by commas). Default: every "
                   "implemented point, or the points of --competition.")
@click.option("--competition", type=click.Path(path_type=Path), default=None,
              help="Check the points of this competition file.")
@click.option("--seed", type=int, default=20240101, show_default=True,
              help="Seed of the generated scenarios and of the random submission.")
@click.option("--size", type=int, default=10_000, show_default=True,
              help="Subjects per generated scenario.")
def command(points: tuple[str, ...], competition: Path | None, seed: int, size: int) -> None:
    """Score a label oracle (must get 1.0), an empty submission (0) and a random one (about
    the clue share) on every point and difficulty; exit 1 when any check fails.

    The reference submissions are scored in-process through the real output parser and
    scorer; the sandbox is not involved.
    """
    from harness.errors import ArenaError
    from harness.selftest import run_selftest
    from synthetic.registry import available_points

    chosen = [p.strip() for item in points for p in item.split(",") if p.strip()]
    if competition is not None:
        if chosen:
            raise ArenaError("give either --points or --competition, not both",
                             field="--points", fix="drop one of them")
        from harness.competition import load_competition

        chosen = list(load_competition(competition).points)
    chosen = chosen or available_points()
    click.echo(f"arena selftest: {len(chosen)} point(s), size {size}, seed {seed} "
               f"(scored in-process; the sandbox is not involved)")
    click.echo(f"{'point':<22}{'difficulty':<11}{'clues':>7}{'share':>8}{'oracle':>8}"
               f"{'empty':>8}{'random':>8}{'±':>8}  result")

    def show(check) -> None:
        click.echo(f"{check.point:<22}{check.difficulty:<11}{check.clues:>7}"
                   f"{check.clue_share:>8.4f}{check.oracle_f1:>8.4f}{check.empty_f1:>8.4f}"
                   f"{check.random_f1:>8.4f}{check.tolerance:>8.4f}  "
                   f"{'ok' if check.ok else 'FAILED'}")

    checks = run_selftest(chosen, seed=seed, size=size, on_check=show)
    failures = [line for check in checks for line in check.failures()]
    if failures:
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise ArenaError(f"selftest failed: {failures[0]}{more}",
                         fix="the generator's labels or the scorer are broken; do not open "
                             "the competition")
    click.echo(f"all {len(checks)} checks passed")
