"""Benchmarks of the scoring package; writes the "scoring" section of BENCHMARKS.md.

1. ``score_run`` on 1,000,000 predictions against 1,000,000 labels (target: under 1 s).
2. A board of 300 submissions: ``build_board``, ``assess_board`` (1,000 bootstrap resamples) and
   ``render_leaderboard`` (index, point pages, 300 submission pages, CSV and JSON).

Each figure is the median of several repeats in this process, after one warm-up.

    .venv/bin/python bench/bench_scoring.py [--repeats N] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine_line, write_section  # noqa: E402

from scoring import RunRecord, assess_board, build_board, render_leaderboard, score_run  # noqa: E402

N_RECORDS = 1_000_000
N_SUBMISSIONS = 300
POINTS = ("env_tax", "farmland_tax", "housing_clauses", "shell_company", "legal_aid",
          "correction_detention")
DIFFICULTIES = ("easy", "standard", "hard")
SEEDS_PER_DIFFICULTY = 2


def scoring_inputs(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.char.add("R", np.arange(2 * N_RECORDS).astype("U8"))
    reasons = np.array(["ENV_UNDECLARED", "ENV_UNDER_DECLARED", "ENV_IMPROPER_REDUCTION"])
    labels = pd.DataFrame({"record_id": ids[rng.permutation(2 * N_RECORDS)[:N_RECORDS]],
                           "reason": reasons[rng.integers(0, 3, N_RECORDS)]})
    predictions = pd.DataFrame({
        "record_id": ids[rng.permutation(2 * N_RECORDS)[:N_RECORDS]],
        "reason": reasons[rng.integers(0, 3, N_RECORDS)],
        "score": rng.random(N_RECORDS)})
    return labels, predictions


def board_records(seed: int = 1) -> list[RunRecord]:
    rng = np.random.default_rng(seed)
    records = []
    statuses = ["ok"] * 18 + ["timeout", "crashed"]
    for s in range(N_SUBMISSIONS):
        covered = tuple(p for p in POINTS if rng.random() < 0.8) or POINTS[:1]
        skill = rng.random()
        for point in covered:
            for difficulty in DIFFICULTIES:
                for k in range(SEEDS_PER_DIFFICULTY):
                    status = statuses[rng.integers(0, len(statuses))]
                    f1 = float(np.clip(skill + rng.normal(0, 0.1), 0, 1)) if status == "ok" \
                        else None
                    records.append(RunRecord(
                        submission_id=f"{s:064x}", team=f"队伍 {s:03d}",
                        submission_name=f"model-{s}", version="1.0", baseline=s < 3,
                        covered_points=covered, point=point,
                        scenario_id=f"{point}-{difficulty}-{k}", split="public",
                        difficulty=difficulty, seed=k, size=1000, status=status,
                        precision=f1, recall=f1, f1=f1, reason_f1=f1,
                        wall_s=float(rng.uniform(0.5, 30)), cpu_s=1.0,
                        peak_memory_mb=float(rng.uniform(100, 900)),
                        stderr_tail="" if status == "ok" else "Traceback ...\nError",
                        unsafe=False))
    return records


def median_time(func, repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process, in seconds."""
    func()  # warm-up
    walls, cpus = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    labels, predictions = scoring_inputs()
    score_s = median_time(lambda: score_run(labels, predictions), args.repeats)

    records = board_records()
    build_s = median_time(lambda: build_board(records, points=POINTS, split="public"),
                          args.repeats)
    board = build_board(records, points=POINTS, split="public")
    assess_s = median_time(lambda: assess_board(board), args.repeats)
    uncertainty = assess_board(board)
    with tempfile.TemporaryDirectory() as tmp:
        render_s = median_time(lambda: render_leaderboard(
            board, Path(tmp), title="Benchmark", uncertainty=uncertainty), args.repeats)
        pages = len(list(Path(tmp).glob("*.html")))
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20

    total = tuple(a + b + c for a, b, c in zip(build_s, assess_s, render_s))

    def cells(pair: tuple[float, float]) -> str:
        return f"{pair[0]:.2f} s | {pair[1]:.2f} s"

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    body = f"""## Scoring and rendering
`bench/bench_scoring.py`, median of {args.repeats} repeats after a warm-up; wall time and the
process's CPU time (the CPU figure is what the code costs when the shared machine is busy).
{machine_line()} Load average at the end: {load:.1f}.

| what | wall | CPU | target |
| --- | ---: | ---: | --- |
| `score_run`: 1,000,000 predictions (with scores) against 1,000,000 labels | {cells(score_s)} | < 1 s |
| `build_board`: {N_SUBMISSIONS} submissions, {len(records):,} runs, {len(POINTS)} points | {cells(build_s)} | |
| `assess_board`: paired bootstrap, 1,000 resamples, rank ranges over {SEEDS_PER_DIFFICULTY} draws | {cells(assess_s)} | |
| `render_leaderboard`: {pages} pages + CSV/JSON ({size_mb:.1f} MiB) | {cells(render_s)} | |
| board of {N_SUBMISSIONS} submissions, all three steps | {cells(total)} | |
"""
    print(body)
    if not args.no_write:
        write_section("scoring", body)


if __name__ == "__main__":
    main()
