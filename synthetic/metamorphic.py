"""Metamorphic test helpers for teams: a model's clues must not depend on what the contract says
carries no meaning.

Two transformations keep every fact, and so every label, of a scenario:

* **row shuffling** — the order of rows in a table means nothing (CONTRACT 3: tables are sets);
* **re-drawing the noise** — the same facts rendered with another presentation-noise stream
  (other case, spaces, full-width digits, date formats, duplicate rows …, CONTRACT 1). A model
  that normalises every allowed variant gives the same clues whatever noise was drawn.

So a model whose clues change under either is relying on an accident of one scenario. The helpers
run the team's ``detect(point, tables, context)`` in this process (no sandbox: they are test
helpers for the team's own code) exactly as the runner calls it, compare the clues as the harness
merges them (a set of ``(record_id, reason)`` pairs; scores within ``score_tolerance``) and raise
:class:`AssertionError` naming what changed.

>>> from synthetic.metamorphic import assert_invariant_to_row_shuffle, load_detect
>>> detect = load_detect("submissions/env_tax_baseline")
>>> clues = assert_invariant_to_row_shuffle(detect, "env_tax", seed=3, size=40)

``seed`` is the one number that replays a check: with a point name it seeds the scenario *and* the
shuffles / noise streams; with a scenario it seeds only the shuffles / noise streams.

Point authors: re-drawing the noise needs the point package (``synthetic.points.<point>``) to
expose ``draw_facts(seed, size, difficulty, as_of)`` and ``render(facts, seed, difficulty)`` (a
mapping of table name to ``pyarrow.Table``), with every random draw of ``render`` taken from
streams of its ``seed`` argument and the facts untouched — the split CONTRACT 1 already asks for.
``RenderedTables(facts, seed, difficulty)`` (a lazy mapping, as in ``env_tax``) is accepted too.
:func:`noise_supported` says whether a point has the hook.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import io
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd
import pyarrow as pa

from harness.errors import ArenaError, SubmissionError
from synthetic.difficulty import Difficulty
from synthetic.registry import GenerationRequest, available_points, get_point
from synthetic.rng import stream
from synthetic.scenario import DEFAULT_AS_OF, Scenario, load_scenario, parquet_bytes

__all__ = [
    "Clues", "Context", "MetamorphicCase", "assert_invariant_to_renoise",
    "assert_invariant_to_row_shuffle", "case_of", "clues_of", "load_detect", "metamorphic_test",
    "noise_supported", "renoise", "shuffle_rows",
]

Detect = Callable[[str, dict, Any], pd.DataFrame]
DEFAULT_SIZE = 200
DEFAULT_DIFFICULTY = "standard"


@dataclass(frozen=True)
class Context:
    """What ``detect`` receives as ``context`` — the same fields as inside the sandbox."""

    point: str
    as_of: dt.date
    manifest: dict = field(repr=False)


@dataclass(frozen=True)
class MetamorphicCase:
    """One scenario in memory: its parameters and its tables (``pyarrow`` tables)."""

    point: str
    seed: int
    size: int
    difficulty: Difficulty
    as_of: dt.date
    tables: Mapping[str, pa.Table] = field(repr=False)

    def frames(self) -> dict[str, pd.DataFrame]:
        """The tables as ``detect`` receives them (a Parquet round trip, as the runner reads)."""
        return {name: pd.read_parquet(io.BytesIO(parquet_bytes(self.tables[name])))
                for name in self.tables}

    def manifest(self) -> dict:
        spec = get_point(self.point)
        return {"point": self.point, "generator_version": spec.generator_version,
                "seed": self.seed, "size": self.size, "difficulty": self.difficulty.value,
                "as_of": self.as_of.isoformat(), "subject_table": spec.subject_table,
                "record_id_column": spec.record_id_column,
                "subject_tables": [list(p) for p in spec.subject_tables],
                "tables": {t.name: {"columns": t.column_names} for t in spec.tables},
                "reason_codes": list(spec.reason_codes)}


@dataclass(frozen=True)
class Clues:
    """A run's clues as the harness merges them: ``(record_id, reason)`` pairs (reason ``''``
    flags a record without naming a reason) and the highest score of each pair (or None)."""

    pairs: frozenset
    scores: Mapping[tuple[str, str], float | None] = field(repr=False)

    def __len__(self) -> int:
        return len(self.pairs)

    def differences(self, other: "Clues", *, score_tolerance: float = 1e-6) -> list[str]:
        """What changed from ``self`` to ``other``, one short phrase each (empty: the same)."""
        out = []
        missing, extra = sorted(self.pairs - other.pairs), sorted(other.pairs - self.pairs)
        if missing:
            out.append(f"{len(missing)} clue(s) disappeared, e.g. {_sample(missing)}")
        if extra:
            out.append(f"{len(extra)} clue(s) appeared, e.g. {_sample(extra)}")
        if score_tolerance is not None:
            moved = [(k, self.scores[k], other.scores[k]) for k in sorted(self.pairs & other.pairs)
                     if not _same_score(self.scores[k], other.scores[k], score_tolerance)]
            if moved:
                key, before, after = moved[0]
                out.append(f"{len(moved)} score(s) changed, e.g. {key}: {before} -> {after}")
        return out


def _sample(items: list, n: int = 3) -> str:
    text = ", ".join(repr(i) for i in items[:n])
    return text + (", …" if len(items) > n else "")


def _same_score(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    try:
        if value != value:  # NaN, NaT, pandas.NA  # noqa: PLR0124
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def clues_of(result: Any) -> Clues:
    """Normalise what ``detect`` returned, as the runner and the harness do; a result that the
    harness would call ``invalid_output`` raises :class:`AssertionError` saying why."""
    if not isinstance(result, pd.DataFrame):
        raise AssertionError(f"detect() must return a pandas DataFrame with a record_id column; "
                             f"it returned {type(result).__name__}")
    if "record_id" not in result.columns:
        raise AssertionError(f"the DataFrame returned by detect() has no record_id column "
                             f"(columns: {', '.join(map(str, result.columns)) or 'none'})")
    n = len(result)
    reasons = result["reason"].tolist() if "reason" in result.columns else [None] * n
    scores = result["score"].tolist() if "score" in result.columns else [None] * n
    best: dict[tuple[str, str], float | None] = {}
    for record_id, reason, score in zip(result["record_id"].tolist(), reasons, scores):
        key = (_cell(record_id), _cell(reason))
        if not key[0]:
            continue
        number = None if score is None else float(score)  # the runner writes NaN as "nan"
        if number is not None and not math.isfinite(number):
            raise AssertionError(f"detect() returned a non-finite score {number!r} for {key}; "
                                 f"the harness rejects the run as invalid_output")
        previous = best.get(key)
        best[key] = number if previous is None else max(previous, number or previous)
    return Clues(frozenset(best), best)


# ---------------------------------------------------------------------------------------------
# Scenarios


def case_of(scenario: Any, *, seed: int = 0, size: int = DEFAULT_SIZE,
            difficulty: str | Difficulty = DEFAULT_DIFFICULTY,
            as_of: dt.date | None = None) -> MetamorphicCase:
    """A :class:`MetamorphicCase` from a point name (generated with ``seed``, ``size``,
    ``difficulty``, ``as_of``), a scenario directory or :class:`~synthetic.scenario.Scenario`,
    a :class:`~synthetic.strategies.DrawnScenario`, or a case."""
    if isinstance(scenario, MetamorphicCase):
        return scenario
    if isinstance(scenario, str) and scenario in available_points():
        level = Difficulty.parse(difficulty)
        when = as_of or DEFAULT_AS_OF
        generated = get_point(scenario).generate(
            GenerationRequest(seed=seed, size=size, difficulty=level, as_of=when))
        return MetamorphicCase(scenario, seed, size, level, when, generated.tables)
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    if isinstance(scenario, Scenario):
        m = scenario.manifest
        tables = {name: scenario.read_table(name) for name in m["tables"]}
        return MetamorphicCase(m["point"], int(m["seed"]), int(m["size"]),
                               Difficulty.parse(m["difficulty"]), scenario.as_of, tables)
    needed = ("point", "seed", "size", "difficulty", "as_of", "tables")
    if all(hasattr(scenario, name) for name in needed):  # synthetic.strategies.DrawnScenario
        return MetamorphicCase(scenario.point, scenario.seed, scenario.size,
                               Difficulty.parse(scenario.difficulty), scenario.as_of,
                               scenario.tables)
    raise ArenaError(f"cannot use {scenario!r} as a scenario", field="scenario",
                     fix=f"pass a point name ({', '.join(available_points())}), a scenario "
                         f"directory, a Scenario or a DrawnScenario")


def shuffle_rows(tables: Mapping[str, pa.Table], *, seed: int) -> dict[str, pa.Table]:
    """Every table with its rows in a new random order (``seed`` picks the orders)."""
    out = {}
    for name in tables:
        table = tables[name]
        order = stream(seed, "metamorphic", "shuffle", name).permutation(table.num_rows)
        out[name] = table.take(pa.array(order, pa.int64()))
    return out


def _noise_hook(point: str) -> Callable[[Any, int, Difficulty], Mapping[str, pa.Table]] | None:
    package = importlib.import_module(f"synthetic.points.{point}")
    for name in ("render", "RenderedTables"):
        hook = getattr(package, name, None)
        if callable(hook):
            return hook
    return None


def noise_supported(point: str) -> bool:
    """Whether ``point``'s package exposes ``draw_facts`` and a ``render`` hook (module doc)."""
    get_point(point)
    package = importlib.import_module(f"synthetic.points.{point}")
    return callable(getattr(package, "draw_facts", None)) and _noise_hook(point) is not None


def renoise(point: str, *, seed: int, size: int, difficulty: str | Difficulty,
            as_of: dt.date | None = None, noise_seed: int) -> dict[str, pa.Table]:
    """The scenario ``(point, seed, size, difficulty, as_of)`` — the same facts, hence the same
    labels and record ids — rendered with the noise stream of ``noise_seed`` instead of ``seed``.
    ``noise_seed == seed`` gives exactly the generator's tables."""
    level = Difficulty.parse(difficulty)
    if not noise_supported(point):
        raise ArenaError(f"point '{point}' cannot re-draw its noise", field="point",
                         fix="its package must expose draw_facts(seed, size, difficulty, as_of) "
                             "and render(facts, seed, difficulty) (see synthetic/metamorphic.py)")
    package = importlib.import_module(f"synthetic.points.{point}")
    facts = package.draw_facts(seed, size, level, as_of or DEFAULT_AS_OF)
    rendered = _noise_hook(point)(facts, noise_seed, level)
    return {name: rendered[name] for name in rendered}


# ---------------------------------------------------------------------------------------------
# Running detect


def load_detect(submission: str | Path) -> Detect:
    """The ``detect`` of a submission directory, callable in this process.

    Python submissions: the entrypoint's ``detect``. SQL submissions: a function that exposes the
    tables as DuckDB views and runs ``queries/<point>.sql``, as the runner does. Command
    submissions cannot be called in-process (a :class:`~harness.errors.SubmissionError`).
    """
    from harness.submission import load_submission

    loaded = load_submission(submission)
    if loaded.language == "python":
        entry = loaded.path / loaded.entrypoint
        name = f"arena_team_model_{loaded.content_hash[:12]}"
        if name in sys.modules:
            return sys.modules[name].detect
        if str(loaded.path) not in sys.path:
            sys.path.insert(0, str(loaded.path))
        spec = importlib.util.spec_from_file_location(name, entry)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        if not callable(getattr(module, "detect", None)):
            raise SubmissionError("defines no function detect(point, tables, context)",
                                  file=str(entry), field="entrypoint",
                                  fix="define detect(point, tables, context) in it")
        return module.detect
    if loaded.language == "sql":
        return _sql_detect(loaded.path)
    raise SubmissionError("command submissions cannot be called in-process",
                          file=str(loaded.manifest_path), field="language",
                          fix="test them with the pytest plugin's arena_run fixture instead")


def _sql_detect(root: Path) -> Detect:
    """The query in-process, with the tables and the ``arena_context`` view the sandbox gives."""
    def detect(point: str, tables: dict, context: Any) -> pd.DataFrame:
        import duckdb

        from harness.sandbox_runner import create_context_view

        query = (root / "queries" / f"{point}.sql").read_text(encoding="utf-8")
        con = duckdb.connect(":memory:", config={"threads": 1})
        try:
            for name, frame in tables.items():
                con.register(name, frame)
            create_context_view(con, point, context.as_of.isoformat())
            return con.execute(query).df()
        finally:
            con.close()

    return detect


def _run(detect: Detect, case: MetamorphicCase, tables: Mapping[str, pa.Table]) -> Clues:
    frames = MetamorphicCase(case.point, case.seed, case.size, case.difficulty, case.as_of,
                             tables).frames()
    context = Context(point=case.point, as_of=case.as_of, manifest=case.manifest())
    return clues_of(detect(case.point, frames, context))


def _as_detect(detect: Detect | str | Path) -> Detect:
    return load_detect(detect) if isinstance(detect, (str, Path)) else detect


def _fail(what: str, case: MetamorphicCase, seed: int, differences: list[str]) -> None:
    raise AssertionError(
        f"the clues changed when {what} ({case.point}, difficulty={case.difficulty.value}, "
        f"scenario seed={case.seed}, size={case.size}, as_of={case.as_of}, check seed={seed}): "
        + "; ".join(differences))


def assert_invariant_to_row_shuffle(detect: Detect | str | Path, scenario: Any, *, seed: int = 0,
                                    shuffles: int = 2, size: int = DEFAULT_SIZE,
                                    difficulty: str | Difficulty = DEFAULT_DIFFICULTY,
                                    as_of: dt.date | None = None,
                                    score_tolerance: float | None = 1e-6) -> Clues:
    """Assert that ``detect`` gives the same clues after the rows of every table are shuffled
    (``shuffles`` different orders). ``detect`` may be a function or a submission directory;
    ``scenario`` anything :func:`case_of` takes. Returns the clues of the original order."""
    detect = _as_detect(detect)
    case = case_of(scenario, seed=seed, size=size, difficulty=difficulty, as_of=as_of)
    original = _run(detect, case, case.tables)
    for i in range(shuffles):
        shuffled = _run(detect, case, shuffle_rows(case.tables, seed=_derived(seed, "shuffle", i)))
        differences = original.differences(shuffled, score_tolerance=score_tolerance)
        if differences:
            _fail(f"the rows were shuffled (shuffle {i + 1} of {shuffles})", case, seed,
                  differences)
    return original


def assert_invariant_to_renoise(detect: Detect | str | Path, scenario: Any, *, seed: int = 0,
                                redraws: int = 2, size: int = DEFAULT_SIZE,
                                difficulty: str | Difficulty = DEFAULT_DIFFICULTY,
                                as_of: dt.date | None = None,
                                score_tolerance: float | None = 1e-6) -> Clues:
    """Assert that ``detect`` gives the same clues when the scenario's presentation noise is
    drawn again (``redraws`` other noise streams; the facts and labels stay the same). On
    ``easy`` scenarios, which carry no noise, only the row order may change. Returns the clues
    of the original scenario."""
    detect = _as_detect(detect)
    case = case_of(scenario, seed=seed, size=size, difficulty=difficulty, as_of=as_of)
    original = _run(detect, case, case.tables)
    for i in range(redraws):
        noise_seed = _derived(seed, "renoise", i)
        tables = renoise(case.point, seed=case.seed, size=case.size, difficulty=case.difficulty,
                         as_of=case.as_of, noise_seed=noise_seed)
        differences = original.differences(_run(detect, case, tables),
                                           score_tolerance=score_tolerance)
        if differences:
            _fail(f"the noise was drawn again (noise seed {noise_seed})", case, seed, differences)
    return original


def _derived(seed: int, name: str, index: int) -> int:
    return int(stream(seed, "metamorphic", name, index).integers(0, 2**32 - 1))


def metamorphic_test(detect: Detect | str | Path, *, point: str,
                     difficulty: str | Difficulty | None = None, min_size: int = 10,
                     max_size: int = 80, as_of: dt.date | None = None, max_examples: int = 10,
                     checks: tuple[str, ...] = ("shuffle", "renoise"),
                     hypothesis_settings: Mapping[str, Any] | None = None) -> Callable[[], None]:
    """A ready-made hypothesis test: scenarios of ``point`` drawn by
    :func:`synthetic.strategies.scenarios`, each checked with the helpers named in ``checks``.
    ``hypothesis_settings`` overrides the defaults (``max_examples``, no deadline, the slow-data
    health checks off), e.g. ``{"phases": [Phase.generate]}``.

    >>> test_env_tax_is_invariant = metamorphic_test("submissions/env_tax_baseline",
    ...                                              point="env_tax")
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from synthetic.strategies import scenarios

    unknown = [c for c in checks if c not in ("shuffle", "renoise")]
    if unknown or not checks:
        raise ArenaError(f"unknown checks {unknown or list(checks)}", field="checks",
                         fix='use a tuple of "shuffle" and/or "renoise"')
    get_point(point)
    loaded: list[Detect] = []

    options = {"max_examples": max_examples, "deadline": None,
               "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
               **(hypothesis_settings or {})}

    @settings(**options)
    @given(scenario=scenarios(point=point, difficulty=difficulty, min_size=min_size,
                              max_size=max_size, as_of=as_of),
           check_seed=st.integers(0, 2**32 - 1))
    def test(scenario: Any, check_seed: int) -> None:
        if not loaded:  # load lazily: collecting the test must not import the model
            loaded.append(_as_detect(detect))
        if "shuffle" in checks:
            assert_invariant_to_row_shuffle(loaded[0], scenario, seed=check_seed, shuffles=1)
        if "renoise" in checks:
            assert_invariant_to_renoise(loaded[0], scenario, seed=check_seed, redraws=1)

    test.__name__ = test.__qualname__ = f"test_metamorphic_{point}"
    return test

