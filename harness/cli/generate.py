"""``arena generate``: write one labelled scenario (CONTRACT 3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from harness.errors import ArenaError, UnknownNameError


def parse_as_of(value: str | None) -> dt.date:
    from synthetic.scenario import DEFAULT_AS_OF

    if value is None:
        return DEFAULT_AS_OF
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ArenaError(f"is not a date; got {value!r}", field="--as-of",
                         fix="write it as YYYY-MM-DD, e.g. --as-of 2023-12-31") from None


@click.command("generate")
@click.argument("point")
@click.option("--seed", type=click.IntRange(min=0), required=True, help="Random seed (>= 0).")
@click.option("--size", type=click.IntRange(min=1), required=True,
              help="Number of subject records.")
@click.option("--difficulty", required=True, metavar="easy|standard|hard",
              help="Noise and hard-negative level.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
              help="Extraction date (default 2023-12-31).")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Directory to write (must be empty or absent).")
@click.option("--templates", "template_set", default="default", show_default=True,
              metavar="NAME", help="Phrasing set of free-text points (housing_clauses: "
                                   "default or heldout, for testing unseen wording).")
def command(point: str, seed: int, size: int, difficulty: str, as_of: str | None,
            out: Path, template_set: str) -> None:
    """Generate one labelled scenario of POINT into DIR."""
    from synthetic.difficulty import Difficulty
    from synthetic.registry import get_point
    from synthetic.scenario import generate_scenario

    spec = get_point(point, field="POINT")
    if template_set not in spec.template_sets:
        raise UnknownNameError(f"template set of {point}", template_set, spec.template_sets,
                               field="--templates")
    level = Difficulty.parse(difficulty, field="--difficulty")
    scenario = generate_scenario(point, seed=seed, size=size, difficulty=level,
                                 as_of=parse_as_of(as_of), out=out, template_set=template_set)
    rows = sum(t["rows"] for t in scenario.manifest["tables"].values())
    click.echo(f"{scenario.id}: {len(scenario.manifest['tables'])} tables, {rows} rows "
               f"-> {out}")
