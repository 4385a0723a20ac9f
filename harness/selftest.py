"""The scorer's self-check, to run before a competition opens (``arena selftest``).

For each point and difficulty it generates a scenario and scores three reference submissions
through the real output parser (:func:`harness.outputs.parse_clues` on a written ``clues.csv``)
and the real scorer (:func:`scoring.score_run`):

* the **label oracle** (the labels themselves, with reasons) must score F1 = reason F1 = 1.0;
* the **empty** submission (a header only) must score F1 = 0 on a scenario with clues;
* the **random** submission flags each subject with probability *q*, the scenario's clue share
  (clues / subjects), from a seeded generator. Its expected precision and recall are both about
  *q*, so its F1 is about *q*; the check allows ``4 · sqrt(q (1 − q) / clues) + 1 / clues``
  (four standard deviations of the recall, plus one record of rounding), and at least 30 clues
  per scenario, below which that tolerance means nothing.

The reference submissions are scored in-process: the sandbox is not involved (it is not what this
checks; ``arena check`` exercises it). A failed check means the generator's labels or the scorer
are broken, and the competition must not open.
"""

from __future__ import annotations

import csv
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from harness.errors import ArenaError

__all__ = ["SelftestCheck", "random_tolerance", "run_selftest"]

DEFAULT_SIZE = 10_000
DEFAULT_SEED = 20240101
MIN_CLUES = 30  # fewer clues make the random check's tolerance too wide to mean anything


@dataclass(frozen=True)
class SelftestCheck:
    """The three reference scores on one generated scenario, and whether they pass."""

    point: str
    difficulty: str
    size: int
    clues: int
    clue_share: float
    oracle_f1: float
    oracle_reason_f1: float
    empty_f1: float
    random_f1: float
    tolerance: float

    @property
    def oracle_ok(self) -> bool:
        return self.oracle_f1 == 1.0 and self.oracle_reason_f1 == 1.0

    @property
    def empty_ok(self) -> bool:
        return self.clues > 0 and self.empty_f1 == 0.0

    @property
    def random_ok(self) -> bool:
        return (self.clues >= MIN_CLUES
                and abs(self.random_f1 - self.clue_share) <= self.tolerance)

    @property
    def ok(self) -> bool:
        return self.oracle_ok and self.empty_ok and self.random_ok

    def failures(self) -> list[str]:
        where = f"{self.point}/{self.difficulty}"
        out = []
        if self.clues < MIN_CLUES:
            out.append(f"{where}: the scenario has {self.clues} clue(s), fewer than the "
                       f"{MIN_CLUES} the random check needs (use a larger --size)")
        if not self.oracle_ok:
            out.append(f"{where}: label oracle F1 {self.oracle_f1:.4f} / reason F1 "
                       f"{self.oracle_reason_f1:.4f}, expected 1.0")
        if self.clues and not self.empty_ok:
            out.append(f"{where}: empty submission F1 {self.empty_f1:.4f}, expected 0")
        if self.clues >= MIN_CLUES and not self.random_ok:
            out.append(f"{where}: random submission F1 {self.random_f1:.4f}, expected "
                       f"{self.clue_share:.4f} ± {self.tolerance:.4f}")
        return out


def random_tolerance(clue_share: float, clues: int) -> float:
    """How far a random submission's F1 may be from the clue share on ``clues`` clues."""
    if clues <= 0:
        return 0.0
    return 4 * math.sqrt(clue_share * (1 - clue_share) / clues) + 1 / clues


def run_selftest(points: Sequence[str], *, seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE,
                 difficulties: Sequence[str] = ("easy", "standard", "hard"),
                 on_check: Callable[[SelftestCheck], None] | None = None
                 ) -> list[SelftestCheck]:
    """Run the self-check on every point × difficulty; returns the checks (passing or not)."""
    from synthetic.difficulty import Difficulty
    from synthetic.registry import GenerationRequest, get_point
    from synthetic.scenario import DEFAULT_AS_OF

    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ArenaError(f"must be a positive integer; got {size!r}", field="--size",
                         fix="e.g. --size 2000")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ArenaError(f"must be a non-negative integer; got {seed!r}", field="--seed",
                         fix="e.g. --seed 1")
    specs = [get_point(p, field="--points") for p in points]
    levels = [Difficulty.parse(d, field="--difficulties") for d in difficulties]
    checks = []
    with tempfile.TemporaryDirectory(prefix="arena-selftest-") as tmp:
        for spec in specs:
            for level in levels:
                generated = spec.generate(GenerationRequest(seed=seed, size=size,
                                                            difficulty=level, as_of=DEFAULT_AS_OF))
                subjects = [key for table, column in spec.subject_tables
                            for key in generated.tables[table].column(column).to_pylist()]
                check = _check_scenario(spec, level.value, size, seed, subjects,
                                        generated.labels.to_pandas(), Path(tmp))
                checks.append(check)
                if on_check is not None:
                    on_check(check)
    return checks


def _check_scenario(spec, difficulty: str, size: int, seed: int, subjects: list[str],
                    labels: pd.DataFrame, tmp: Path) -> SelftestCheck:
    clues = int(labels["record_id"].nunique())
    share = clues / len(subjects) if subjects else 0.0
    rng = reference_rng(seed, spec.name, difficulty)
    flagged = [s for s, hit in zip(subjects, rng.random(len(subjects)) < share) if hit]
    references = {
        "oracle": [(r, reason) for r, reason in zip(labels["record_id"], labels["reason"])],
        "empty": [],
        "random": [(r, "") for r in flagged],
    }
    scores = {name: _score(rows, labels, subjects, spec, tmp / f"{spec.name}-{difficulty}-{name}")
              for name, rows in references.items()}
    return SelftestCheck(
        point=spec.name, difficulty=difficulty, size=size, clues=clues, clue_share=share,
        oracle_f1=scores["oracle"].f1, oracle_reason_f1=scores["oracle"].reason_f1,
        empty_f1=scores["empty"].f1, random_f1=scores["random"].f1,
        tolerance=random_tolerance(share, clues))


def _score(rows: list[tuple[str, str]], labels: pd.DataFrame, subjects: list[str], spec,
           directory: Path):
    """Write ``rows`` as a clues.csv, parse it as the harness does, score it."""
    import warnings

    from harness.outputs import OUTPUT_NAME, parse_clues
    from scoring import UndefinedMetricWarning, score_run

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / OUTPUT_NAME
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "reason", "score"])
        writer.writerows((record_id, reason, "") for record_id, reason in rows)
    parsed = parse_clues(path, max_bytes=64 << 20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # the empty run: precision 0/0
        return score_run(labels, parsed.predictions, known_record_ids=subjects,
                         reason_codes=spec.reason_codes)


def reference_rng(seed: int, point: str, difficulty: str) -> np.random.Generator:
    """The random submission's stream (named, never global)."""
    from synthetic.rng import stream

    return stream(seed, "selftest-random", point, difficulty)
