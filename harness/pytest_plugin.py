"""The ``arena`` pytest plugin (entry point ``pytest11``): regression-test a submission.

Installed with Supervision Model Arena, it is active in every pytest run. A team's test::

    def test_env_tax(arena_run):
        assert arena_run("env_tax", difficulty="hard").f1 >= 0.95

generates the scenario (cached for the session), runs the submission on it in the real sandbox
(``harness.execute``, exactly as ``arena check``) and returns an :class:`ArenaResult` with the
status and metrics. Options:

``--arena-submission PATH``  the submission directory; default: the ini option
                             ``arena_submission``, else the rootdir when it holds submission.toml
``--arena-seed N``           the scenario seed (default :data:`DEFAULT_SEED`, or the ini option
                             ``arena_seed``); printed in the report header to replay a failure
``--arena-unsafe-local``     run without bubblewrap (local development only; flagged on every
                             result and in the header)

Thresholds may live in the submission's ``[regression]`` table (see :func:`load_regression`)::

    [regression]
    env_tax = { hard = 0.95, standard = 0.97 }        # minimum record-level F1
    farmland_tax.hard = { f1 = 0.95, reason_f1 = 0.9 }

``arena_run(...).check()`` asserts the run ended ``ok`` and met the table's thresholds for its
point and difficulty; a test that takes the ``arena_case`` fixture is run once per
(point, difficulty) of the table. Heavy imports happen inside the fixtures, so the plugin costs
nothing to test sessions that do not use it.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

__all__ = ["ArenaCase", "ArenaResult", "DEFAULT_SEED", "DEFAULT_SIZE", "METRICS",
           "load_regression"]

DEFAULT_SEED = 7
DEFAULT_SIZE = 300
DIFFICULTIES = ("easy", "standard", "hard")
METRICS = ("f1", "reason_f1", "precision", "recall")


# ---------------------------------------------------------------------------------------------
# The [regression] table


@dataclass(frozen=True)
class ArenaCase:
    """One (point, difficulty) of the ``[regression]`` table and its minimum metrics."""

    point: str
    difficulty: str
    minimum: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.point}-{self.difficulty}"


def load_regression(submission_dir: Path | str) -> list[ArenaCase]:
    """The ``[regression]`` table of ``submission_dir/submission.toml``, validated.

    Each key is a point the submission covers; its value maps a difficulty to the minimum F1
    (a number in [0, 1]) or to a table of minimums by metric (``f1``, ``reason_f1``,
    ``precision``, ``recall``). Errors raise :class:`~harness.errors.ConfigError` naming the file,
    the field (``regression.env_tax.hard``) and the fix.
    """
    from harness.errors import ConfigError, UnknownNameError
    from harness.submission import load_submission

    submission = load_submission(submission_dir)
    file = str(submission.manifest_path)
    data = tomllib.loads(submission.manifest_path.read_text(encoding="utf-8"))
    table = data.get("regression", {})
    cases = []
    for point, levels in table.items():
        where = f"regression.{point}"
        if point not in submission.points:
            raise UnknownNameError("point", point, submission.points, file=file, field=where)
        if not isinstance(levels, dict):
            raise ConfigError(f"must be a table of difficulties; got {levels!r}", file=file,
                              field=where, fix=f"write {point} = {{ hard = 0.95 }}")
        for level, minimum in levels.items():
            if level not in DIFFICULTIES:
                raise UnknownNameError("difficulty", level, DIFFICULTIES, file=file,
                                       field=f"{where}.{level}")
            values = minimum if isinstance(minimum, dict) else {"f1": minimum}
            for metric, value in values.items():
                name = f"{where}.{level}" + (f".{metric}" if isinstance(minimum, dict) else "")
                if metric not in METRICS:
                    raise UnknownNameError("metric", metric, METRICS, file=file, field=name)
                if isinstance(value, bool) or not isinstance(value, (int, float)) \
                        or not 0 <= value <= 1:
                    raise ConfigError(f"must be a number between 0 and 1; got {value!r}",
                                      file=file, field=name, fix=f"write e.g. {level} = 0.95")
            cases.append(ArenaCase(point, level, {m: float(v) for m, v in values.items()}))
    return cases


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ArenaResult:
    """How the submission did on one scenario. A run that did not end ``ok`` scores 0, as on
    the leaderboards; ``message`` and ``stderr_tail`` say why."""

    point: str
    difficulty: str
    seed: int
    size: int
    as_of: dt.date
    scenario: Path
    status: str
    message: str
    precision: float
    recall: float
    f1: float
    reason_f1: float
    wall_s: float
    problems: tuple[str, ...]
    stderr_tail: str
    unsafe: bool
    thresholds: dict[str, float] = field(default_factory=dict, repr=False)
    source: str = field(default="", repr=False)  # where the thresholds came from

    def __repr__(self) -> str:
        return (f"ArenaResult({self.point} {self.difficulty} seed={self.seed} size={self.size}: "
                f"{self.status}, f1={self.f1:.4f}, reason_f1={self.reason_f1:.4f}, "
                f"precision={self.precision:.4f}, recall={self.recall:.4f}; {self.message})")

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def check(self, **minimum: float) -> "ArenaResult":
        """Assert the run ended ``ok`` and each metric reached its minimum: the keyword
        arguments (``f1=0.95``), else the ``[regression]`` thresholds of this point and
        difficulty. Returns the result."""
        __tracebackhide__ = True  # pytest shows the team's test line, not this method
        unknown = sorted(set(minimum) - set(METRICS))
        if unknown:
            raise TypeError(f"check() takes minimums of {', '.join(METRICS)}; got {unknown}")
        required = minimum or self.thresholds
        source = "check()" if minimum else self.source
        where = f"{self.point} {self.difficulty} (seed {self.seed}, size {self.size})"
        if not self.ok:
            tail = self.stderr_tail.strip().splitlines()[-3:]
            raise AssertionError(f"{where}: the run ended {self.status}: {self.message}"
                                 + ("\n" + "\n".join(tail) if tail else ""))
        failed = [f"{m} {getattr(self, m):.4f} < {v:g}" for m, v in required.items()
                  if getattr(self, m) < v]
        if failed:
            raise AssertionError(f"{where}: {', '.join(failed)} required by {source}")
        return self


# ---------------------------------------------------------------------------------------------
# Hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arena", "Supervision Model Arena")
    group.addoption("--arena-submission", metavar="PATH", default=None,
                    help="submission directory for arena_run (default: ini arena_submission, "
                         "else the rootdir if it holds submission.toml)")
    group.addoption("--arena-seed", metavar="N", type=int, default=None,
                    help=f"scenario seed for arena_run (default: ini arena_seed, else "
                         f"{DEFAULT_SEED}); printed in the report header")
    group.addoption("--arena-unsafe-local", action="store_true", default=False,
                    help="run submissions WITHOUT the sandbox (local development only)")
    parser.addini("arena_submission", "submission directory for arena_run (relative to the "
                  "ini file)", default="")
    parser.addini("arena_seed", f"scenario seed for arena_run (default {DEFAULT_SEED})",
                  default="")


def _seed(config: pytest.Config) -> int:
    value = config.getoption("arena_seed")
    if value is not None:
        if value < 0:
            raise pytest.UsageError(f"--arena-seed must be a non-negative integer; got {value}")
        return value
    text = str(config.getini("arena_seed")).strip()
    if not text:
        return DEFAULT_SEED
    if not text.isdigit():
        raise pytest.UsageError(f"{config.inipath}: field 'arena_seed' must be a non-negative "
                                f"integer; got {text!r} — write e.g. arena_seed = 7")
    return int(text)


def _submission_dir(config: pytest.Config) -> Path | None:
    option = config.getoption("arena_submission")
    if option:
        return Path(option).resolve()
    ini = str(config.getini("arena_submission")).strip()
    if ini:
        base = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
        return (base / ini).resolve()
    root = Path(config.rootpath)
    return root if (root / "submission.toml").is_file() else None


def pytest_report_header(config: pytest.Config) -> str:
    submission = _submission_dir(config)
    mode = ("UNSAFE local runs, no sandbox" if config.getoption("arena_unsafe_local")
            else "sandbox bubblewrap")
    seed = _seed(config)
    return (f"arena: seed {seed} (replay with --arena-seed {seed}), submission "
            f"{submission or 'not set'}, {mode}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "arena_case" not in metafunc.fixturenames:
        return
    from harness.errors import ArenaError

    submission = _submission_dir(metafunc.config)
    if submission is None:
        raise pytest.Collector.CollectError(_NO_SUBMISSION)
    try:
        cases = load_regression(submission)
    except ArenaError as exc:
        raise pytest.Collector.CollectError(f"arena: {exc}") from None
    metafunc.parametrize("arena_case", cases, ids=[str(c) for c in cases])


_NO_SUBMISSION = ("arena: no submission to run: pass --arena-submission PATH, set "
                  "arena_submission in the ini file, or run pytest from the submission "
                  "directory (the one with submission.toml)")


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def arena_seed(pytestconfig: pytest.Config) -> int:
    """The session's scenario seed (``--arena-seed``)."""
    return _seed(pytestconfig)


@pytest.fixture(scope="session")
def arena_submission(pytestconfig: pytest.Config):
    """The validated :class:`~harness.submission.Submission` under test."""
    from harness.errors import ArenaError
    from harness.submission import load_submission

    path = _submission_dir(pytestconfig)
    if path is None:
        pytest.fail(_NO_SUBMISSION, pytrace=False)
    try:
        return load_submission(path)
    except ArenaError as exc:
        pytest.fail(f"arena: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def arena_thresholds(arena_submission) -> dict[tuple[str, str], dict[str, float]]:
    """``{(point, difficulty): {metric: minimum}}`` from the ``[regression]`` table."""
    from harness.errors import ArenaError

    try:
        cases = load_regression(arena_submission.path)
    except ArenaError as exc:
        pytest.fail(f"arena: {exc}", pytrace=False)
    return {(c.point, c.difficulty): dict(c.minimum) for c in cases}


@pytest.fixture(scope="session")
def arena_run(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory,
              arena_submission, arena_seed: int,
              arena_thresholds) -> Callable[..., ArenaResult]:
    """``arena_run(point, *, difficulty="standard", size=300, seed=None, as_of=None)``: run
    the submission on that scenario in the sandbox and return its :class:`ArenaResult`.
    Scenarios and results are cached for the session."""
    from harness.errors import ArenaError
    from harness.execute import RunTask, execute
    from harness.limits import Limits
    from harness.workspace import ScenarioRef
    from synthetic.scenario import DEFAULT_AS_OF, generate_scenario

    unsafe = bool(pytestconfig.getoption("arena_unsafe_local"))
    root = tmp_path_factory.mktemp("arena-scenarios")
    results: dict[tuple, ArenaResult] = {}

    def run(point: str, *, difficulty: str = "standard", size: int = DEFAULT_SIZE,
            seed: int | None = None, as_of: dt.date | str | None = None) -> ArenaResult:
        seed = arena_seed if seed is None else seed
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        as_of = as_of or DEFAULT_AS_OF
        key = (point, str(difficulty), size, seed, as_of)
        if key in results:
            return results[key]
        try:
            scenario = generate_scenario(point, seed=seed, size=size, difficulty=difficulty,
                                         as_of=as_of, out=root / "-".join(map(str, key)))
            stored = execute(RunTask(arena_submission, ScenarioRef.of(scenario), Limits(),
                                     unsafe_local=unsafe))
        except ArenaError as exc:
            pytest.fail(f"arena: {exc}", pytrace=False)
        metrics = stored.metrics or {}
        level = scenario.manifest["difficulty"]
        results[key] = ArenaResult(
            point=point, difficulty=level, seed=seed, size=size, as_of=as_of,
            scenario=scenario.path, status=stored.status, message=stored.message,
            precision=_metric(metrics, "precision"), recall=_metric(metrics, "recall"),
            f1=_metric(metrics, "f1"), reason_f1=_metric(metrics, "reason_f1"),
            wall_s=float(stored.wall_s or 0.0), problems=tuple(stored.problems),
            stderr_tail=stored.stderr_tail, unsafe=stored.unsafe,
            thresholds=arena_thresholds.get((point, level), {}),
            source=f"[regression] {point}.{level} in {arena_submission.manifest_path}")
        return results[key]

    return run


def _metric(metrics: dict[str, Any], name: str) -> float:
    value = metrics.get(name)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0
