"""Sandbox overhead: a trivial submission through the whole harness against a bare interpreter.

Side by side in one run, interleaved (so machine load hits every variant alike), medians over
``--repeat`` rounds:

- ``bare python -c pass``: the interpreter the sandbox runs, started with an empty environment;
- ``bare trivial``: the same interpreter running the trivial submission's one line (it writes a
  one-row clues.csv) outside any sandbox;
- ``sandboxed trivial``: ``run_submission`` of a ``command`` submission running that line: uid
  from the pool, staging, bubblewrap with every namespace and the seccomp filter, supervision,
  the clean-up of the uid, and parsing clues.csv — everything a run pays.

Target: sandboxed trivial <= 1.5 x bare ``python -c pass`` at the median. Writes the ``sandbox``
section of BENCHMARKS.md. Run: ``.venv/bin/python bench/bench_sandbox.py [--repeat 40]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import machine_line, write_section  # noqa: E402

TARGET = 1.5
TRIVIAL = ("import os; open(os.environ['ARENA_OUTPUT'] + '/clues.csv', 'w')"
           ".write('record_id\\nP001\\n')")


def make_inputs(root: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from harness.submission import load_submission
    from synthetic.scenario import load_scenario

    scenario = root / "scenario"
    (scenario / "tables").mkdir(parents=True)
    table = pa.table({"permit_no": ["P001", "P002"]})
    pq.write_table(table, scenario / "tables" / "permits.parquet")
    digest = hashlib.sha256((scenario / "tables" / "permits.parquet").read_bytes()).hexdigest()
    (scenario / "scenario.json").write_text(json.dumps({
        "format_version": 1, "id": "env_tax-bench", "point": "env_tax",
        "generator_version": "bench", "seed": 1, "size": 2, "difficulty": "easy",
        "as_of": "2023-12-31", "subject_table": "permits", "record_id_column": "permit_no",
        "tables": {"permits": {"rows": 2, "columns": ["permit_no"], "sha256": digest}},
        "reason_codes": ["ENV_UNDECLARED"]}))
    submission = root / "submission"
    submission.mkdir()
    (submission / "submission.toml").write_text(
        'team = "bench"\nname = "trivial"\nversion = "1.0"\npoints = ["env_tax"]\n'
        f'language = "command"\ncommand = ["python", "-c", {json.dumps(TRIVIAL)}]\n')
    return load_scenario(scenario), load_submission(submission)


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--no-write", action="store_true", help="print, do not update the file")
    options = parser.parse_args()

    from harness.limits import Limits
    from harness.sandbox import run_submission, sandbox_available

    if not sandbox_available():
        raise SystemExit("bubblewrap cannot run here; nothing to measure")
    root = Path(tempfile.mkdtemp(prefix="arena-bench-"))
    scenario, submission = make_inputs(root)
    bare_out = root / "bare-output"
    bare_out.mkdir()
    limits = Limits(wall_s=30)
    python = sys.executable

    def bare_pass():
        subprocess.run([python, "-c", "pass"], env={}, check=True)

    def bare_trivial():
        subprocess.run([python, "-c", TRIVIAL], env={"ARENA_OUTPUT": str(bare_out)}, check=True)

    def sandboxed():
        result = run_submission(submission, scenario, limits=limits)
        if not result.ok:
            raise SystemExit(f"the trivial submission failed: {result.message}")

    variants = {"bare python -c pass": bare_pass, "bare trivial": bare_trivial,
                "sandboxed trivial (run_submission)": sandboxed}
    for function in variants.values():  # warm-up: imports, page cache, the uid pool
        function()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(options.repeat):
        for name, function in variants.items():
            samples[name].append(timed(function))
    load = os.getloadavg()[0]
    medians = {name: statistics.median(values) for name, values in samples.items()}
    base = medians["bare python -c pass"]
    ratio = medians["sandboxed trivial (run_submission)"] / base
    rows = "\n".join(
        f"| {name} | {1000 * medians[name]:.1f} | "
        f"{1000 * statistics.quantiles(samples[name], n=10)[-1]:.1f} | "
        f"{medians[name] / base:.2f}x |" for name in variants)
    verdict = "met" if ratio <= TARGET else "NOT met"
    body = f"""## Sandbox overhead
`bench/bench_sandbox.py`: a trivial `command` submission (one line of Python writing a one-row
clues.csv) through `run_submission`, against a bare `python -c pass`, interleaved, median of
{options.repeat} rounds. {machine_line()} Load average at the end: {load:.1f}.

| variant | median ms | p90 ms | vs bare `python -c pass` |
| --- | --- | --- | --- |
{rows}

Target: sandboxed trivial at most {TARGET}x bare `python -c pass` at the median: **{verdict}**
({ratio:.2f}x). What a sandboxed run pays besides the interpreter: a request to the sandbox
launcher, a small process that forks each run instead of the harness (forking the harness after
pandas is imported copies its whole page table: 26-37 ms per run on this machine), bubblewrap
building six namespaces and about 30 mounts, the file system work of the run directory, the
clean-up sweep of the run's uid over `/proc`, and parsing clues.csv. The machine is shared:
every variant is slowed alike by the load, and the ratio moves with it. See docs/security.md.
"""
    print(body)
    if not options.no_write:
        write_section("sandbox", body)


if __name__ == "__main__":
    main()
