"""Generator throughput and memory, beside a Faker row-by-row baseline, in one run.

Every generation runs in a fresh interpreter (imports are not timed), so its peak memory is that
process's ``ru_maxrss`` and no run warms another. For each registered point and size it reports
all tables' rows per wall second and per CPU second (rows/s per core), the median of 5 runs at
10k subjects and 3 at 100k and 1M, and at 1M also the peak memory of writing the scenario to
disk (``generate_scenario``). The baseline builds a comparable person table with Faker zh_CN
(name, ID number, address, birth date) row by row, in the same run.

    python bench/bench_generators.py [--quick] [--points env_tax,farmland_tax] [--dry-run]

``--quick`` stops at 100k subjects (no 1M runs); ``--dry-run`` prints instead of writing the
``generators`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine_line, write_section  # noqa: E402

SIZES, QUICK_SIZES, MILLION = (10_000, 100_000, 1_000_000), (10_000, 100_000), 1_000_000
REPEATS = {10_000: 5, 100_000: 3, 1_000_000: 3}
FAKER_ROWS = 20_000
SEED, DIFFICULTY, AS_OF = 20240101, "standard", "2023-12-31"
TARGET_ROWS_PER_CPU_S, TARGET_FAKER_RATIO, TARGET_PEAK_GIB = 1_000_000, 100, 4.0

# Runs in a child: generate (every table rendered and counted, one at a time) or write a scenario.
_WORKER = r"""
import datetime, json, resource, sys, tempfile, time
from synthetic.registry import GenerationRequest, get_point
from synthetic.difficulty import Difficulty
from synthetic.scenario import generate_scenario
mode, point, size, seed, level, as_of = sys.argv[1:7]
size, seed, as_of = int(size), int(seed), datetime.date.fromisoformat(as_of)
spec = get_point(point)
wall, cpu = time.perf_counter(), time.process_time()
if mode == "generate":
    generated = spec.generate(GenerationRequest(seed=seed, size=size,
                                                difficulty=Difficulty(level), as_of=as_of))
    rows = 0
    for name in generated.tables:
        rows += generated.tables[name].num_rows
else:
    with tempfile.TemporaryDirectory() as tmp:
        sc = generate_scenario(point, seed=seed, size=size, difficulty=level, as_of=as_of,
                               out=tmp + "/s")
        rows = sum(t["rows"] for t in sc.manifest["tables"].values())
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"rows": rows, "wall_s": wall, "cpu_s": cpu, "peak_bytes": peak}))
"""


@dataclass(frozen=True)
class Run:
    rows: int
    wall_s: float
    cpu_s: float
    peak_bytes: int


def run_child(mode: str, point: str, size: int) -> Run:
    out = subprocess.run([sys.executable, "-c", _WORKER, mode, point, str(size), str(SEED),
                          DIFFICULTY, AS_OF], check=True, capture_output=True, text=True)
    return Run(**json.loads(out.stdout.strip().splitlines()[-1]))


def faker_rows_per_cpu_s(rows: int = FAKER_ROWS) -> float:
    """Faker zh_CN building a person table row by row: name, ssn, address, date_of_birth."""
    from faker import Faker

    fake = Faker("zh_CN")
    fake.seed_instance(SEED)
    start = time.process_time()
    table = [{"name": fake.name(), "id_number": fake.ssn(), "address": fake.address(),
              "birth_date": fake.date_of_birth().isoformat()} for _ in range(rows)]
    elapsed = time.process_time() - start
    assert len(table) == rows
    return rows / elapsed


def measure(points: list[str], sizes: tuple[int, ...]) -> tuple[list[dict], float, list[str]]:
    """Every point at every size; the repeats go round the points (a, b, c, a, b, c, ...) so
    that a slow spell of the shared machine lands on several points' runs rather than on
    every run of one point, and the median leaves it out."""
    faker = faker_rows_per_cpu_s()
    print(f"Faker zh_CN: {faker:,.0f} rows per CPU second", flush=True)
    runs: dict[tuple[str, int], list[Run]] = {}
    failed: dict[str, str] = {}
    for size in sizes:
        for _ in range(REPEATS[size]):
            for point in points:
                if point in failed:
                    continue
                try:
                    runs.setdefault((point, size), []).append(run_child("generate", point, size))
                except subprocess.CalledProcessError as exc:
                    failure = (exc.stderr or "").strip().splitlines()[-1:] or ["no output"]
                    print(f"{point} at {size:,}: failed: {failure[0]}", flush=True)
                    failed[point] = f"- `{point}` at {size:,} subjects failed: `{failure[0]}`"
                    runs.pop((point, size), None)
    results = []
    for point in points:
        for size in sizes:
            if (point, size) in runs:
                results.append(_row(point, size, runs[point, size], faker))
    return results, faker, list(failed.values())


def _row(point: str, size: int, runs: list[Run], faker: float) -> dict:
    wall = statistics.median(r.wall_s for r in runs)
    cpu = statistics.median(r.cpu_s for r in runs)
    row = {"point": point, "size": size, "rows": runs[0].rows, "wall_s": wall,
           "cpu_s": cpu, "rows_per_s": runs[0].rows / wall,
           "rows_per_cpu_s": runs[0].rows / cpu,
           "peak_gib": max(r.peak_bytes for r in runs) / 2**30, "repeats": len(runs),
           "x_faker": runs[0].rows / cpu / faker}
    if size == MILLION:
        written = run_child("write", point, size)   # generation worked at this size
        row["write_wall_s"] = written.wall_s
        row["write_peak_gib"] = written.peak_bytes / 2**30
    print(json.dumps(row), flush=True)
    return row


def report(results: list[dict], faker: float, sizes: tuple[int, ...],
           failures: list[str]) -> str:
    lines = [
        "## Generators",
        "",
        f"`python bench/bench_generators.py{' --quick' if MILLION not in sizes else ''}` — "
        f"{DIFFICULTY} scenarios, seed {SEED}, as_of {AS_OF}; each generation in a fresh "
        "process (imports not timed); median of 5 runs at 10k subjects, 3 at 100k and 1M, the "
        "repeats taken in turn across the points. "
        "*Rows* counts every table's rows; *rows/s per core* is rows per CPU second of the "
        "generating process; *× Faker* compares it with Faker zh_CN building a person table "
        f"(name, ID number, address, birth date) row by row, {FAKER_ROWS:,} rows in the same "
        "run. *Peak* is the process's maximum resident set (generation, every table rendered); "
        "at 1M also writing the scenario to disk with `generate_scenario`.",
        "",
        machine_line(),
        "",
        "| point | subjects | rows | wall s | rows/s | rows/s per core | × Faker | peak GiB | "
        "write 1M: wall s, peak GiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        write = (f"{r['write_wall_s']:.1f}, {r['write_peak_gib']:.2f}"
                 if "write_peak_gib" in r else "")
        lines.append(f"| {r['point']} | {r['size']:,} | {r['rows']:,} | {r['wall_s']:.2f} | "
                     f"{r['rows_per_s']:,.0f} | {r['rows_per_cpu_s']:,.0f} | "
                     f"{r['x_faker']:,.0f} | {r['peak_gib']:.2f} | {write} |")
    lines += ["", f"Faker baseline: {faker:,.0f} rows per CPU second.", "",
              "Targets: at least "
              f"{TARGET_ROWS_PER_CPU_S:,} rows/s per core overall, at least "
              f"{TARGET_FAKER_RATIO}× Faker per row, 1M subjects within {TARGET_PEAK_GIB:g} GiB."]
    for point in dict.fromkeys(r["point"] for r in results):
        mine = [r for r in results if r["point"] == point]
        rows = sum(r["rows"] for r in mine)
        per_core = rows / sum(r["cpu_s"] for r in mine)
        peak = max((r.get("write_peak_gib", r["peak_gib"]) for r in mine
                    if r["size"] == MILLION), default=None)
        verdicts = [f"{per_core:,.0f} rows/s per core over all sizes "
                    f"({'met' if per_core >= TARGET_ROWS_PER_CPU_S else 'MISSED'})",
                    f"{per_core / faker:,.0f}× Faker "
                    f"({'met' if per_core / faker >= TARGET_FAKER_RATIO else 'MISSED'})"]
        if peak is not None:
            verdicts.append(f"peak {peak:.2f} GiB at 1M "
                            f"({'met' if peak <= TARGET_PEAK_GIB else 'MISSED'})")
        lines.append(f"- `{point}`: " + "; ".join(verdicts) + ".")
    return "\n".join(lines + failures)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k subjects only")
    parser.add_argument("--points", help="comma-separated points (default: every registered)")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    args = parser.parse_args(argv)
    from synthetic.registry import available_points

    points = args.points.split(",") if args.points else available_points()
    sizes = QUICK_SIZES if args.quick else SIZES
    results, faker, failures = measure(points, sizes)
    body = report(results, faker, sizes, failures)
    print(body)
    if not args.dry_run:
        write_section("generators", body)


if __name__ == "__main__":
    main()
