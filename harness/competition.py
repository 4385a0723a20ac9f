"""The competition file (CONTRACT 7): points, scenario suites, limits, phases and submissions.

It loads into frozen dataclasses that validate on creation; every error names the file and
the field. Private suites derive their seeds from a secret read from an environment variable,
which is never written anywhere (the store keeps the derived seeds of its scenarios only).

Phases are the submission windows of ``arena submit``: a name, first and last day (inclusive,
calendar days in Asia/Shanghai, UTC+8 all year), a per-team daily quota and the board their
submissions are published on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ConfigError, UnknownNameError
from harness.limits import Limits
from harness.tomlfile import expect, read_toml, reject_unknown_keys
from synthetic.difficulty import Difficulty
from synthetic.registry import get_point
from synthetic.scenario import DEFAULT_AS_OF

SPLITS = ("public", "private")
_TOP_KEYS = ("name", "points", "as_of", "limits", "suites", "submissions", "phases")
_SUITE_KEYS = ("split", "seeds", "secret_env", "count", "sizes", "difficulties", "templates")
_PHASE_KEYS = ("name", "start", "end", "daily_quota", "board")
# Competition days are calendar days in China (no daylight saving time since 1991).
COMPETITION_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def competition_day(now: dt.datetime) -> dt.date:
    """The competition day (Asia/Shanghai) of an aware ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(COMPETITION_TZ).date()


@dataclass(frozen=True)
class Phase:
    """A submission window: ``start`` to ``end`` inclusive, ``daily_quota`` per team and day."""

    name: str
    start: dt.date
    end: dt.date
    daily_quota: int
    board: str

    def is_open(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class ScenarioRequest:
    point: str
    seed: int
    size: int
    difficulty: Difficulty
    as_of: dt.date
    split: str
    template_set: str = "default"


@dataclass(frozen=True)
class Suite:
    split: str
    seeds: tuple[int, ...] | None      # public suites
    secret_env: str | None             # private suites: the variable holding the secret
    count: int                         # seeds per (point, size, difficulty) for private suites
    sizes: tuple[int, ...]
    difficulties: tuple[Difficulty, ...]
    # Phrasing set of free-text points (housing_clauses' "heldout" tests unseen wording);
    # points with a single set always use "default".
    templates: str = "default"

    def template_set_for(self, point: str) -> str:
        return self.templates if self.templates in get_point(point).template_sets else "default"

    def seeds_for(self, point: str, size: int, difficulty: Difficulty, *, file: Path) -> list[int]:
        if self.seeds is not None:
            return list(self.seeds)
        secret = os.environ.get(self.secret_env or "")
        if not secret:
            raise ConfigError(f"the environment variable {self.secret_env} is not set",
                              file=str(file), field="suites.secret_env",
                              fix=f"export {self.secret_env}=<the organisers' secret> before running")
        return [_derive_seed(secret, point, size, difficulty, i) for i in range(self.count)]


def _derive_seed(secret: str, point: str, size: int, difficulty: Difficulty, index: int) -> int:
    message = f"{point}/{size}/{difficulty.value}/{index}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class Competition:
    path: Path
    name: str
    points: tuple[str, ...]
    as_of: dt.date
    limits: Limits
    suites: tuple[Suite, ...]
    submissions: tuple[Path, ...]
    phases: tuple[Phase, ...] = ()
    source: str = dataclasses.field(default="", repr=False)  # the file's text (no secrets)

    def phase(self, name: str, *, field: str = "--phase") -> Phase:
        """The phase called ``name``; an unknown name suggests the closest one."""
        for phase in self.phases:
            if phase.name == name:
                return phase
        if not self.phases:
            raise ConfigError("the competition has no phases, so it takes no submissions",
                              file=str(self.path), field="phases",
                              fix='add a [[phases]] table with name, start, end, daily_quota')
        raise UnknownNameError("phase", name, [p.name for p in self.phases], file=str(self.path),
                               field=field)

    def scenario_ids(self) -> list[tuple[str, str, str]]:
        """(scenario id, point, split) of every scenario, without generating anything."""
        from synthetic.scenario import scenario_id

        out = []
        for r in self.scenario_requests():
            spec = get_point(r.point)
            out.append((scenario_id(r.point, spec.generator_version, r.seed, r.size,
                                    r.difficulty, r.as_of, r.template_set), r.point, r.split))
        return out

    def scenario_requests(self) -> list[ScenarioRequest]:
        requests = []
        for suite in self.suites:
            for point in self.points:
                for size in suite.sizes:
                    for difficulty in suite.difficulties:
                        for seed in suite.seeds_for(point, size, difficulty, file=self.path):
                            requests.append(ScenarioRequest(
                                point, seed, size, difficulty, self.as_of, suite.split,
                                suite.template_set_for(point)))
        return requests


def load_competition(path: Path | str) -> Competition:
    """Load and validate the competition file ``path``."""
    path = Path(path)
    data = read_toml(path, what="competition file", fix="pass the path of a competition TOML file")
    return _build(data, path=path, source=path.read_text(encoding="utf-8"),
                  check_submissions=True)


def load_competition_text(text: str, *, path: Path | str) -> Competition:
    """A competition from its stored text (``path`` is where it was read, for messages and
    relative submission paths, which are not required to exist any more)."""
    import tomllib

    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"TOML syntax error ({exc})", file=str(path),
                          fix="correct the TOML syntax at that line") from None
    return _build(data, path=path, source=text, check_submissions=False)


def _build(data: dict, *, path: Path, source: str, check_submissions: bool) -> Competition:
    reject_unknown_keys(data, _TOP_KEYS, file=path)
    name = expect(data, "name", str, file=path, example='name = "芜湖市法律监督模型竞赛"')
    points_raw = expect(data, "points", list, file=path, example='points = ["env_tax"]')
    if not points_raw:
        raise ConfigError("is empty", file=str(path), field="points",
                          fix='name at least one point, e.g. points = ["env_tax"]')
    points = []
    for i, point in enumerate(points_raw):
        if not isinstance(point, str):
            raise ConfigError(f"must be a string; got {point!r}", file=str(path),
                              field=f"points[{i}]", fix='write e.g. "env_tax"')
        get_point(point, file=str(path), field=f"points[{i}]")
        points.append(point)
    as_of_raw = expect(data, "as_of", (str, dt.date), file=path, required=False,
                       default=DEFAULT_AS_OF, example='as_of = "2023-12-31"')
    as_of = _parse_date(as_of_raw, file=path, field="as_of")
    limits = _load_limits(expect(data, "limits", dict, file=path, required=False, default={}),
                          file=path)
    suites_raw = expect(data, "suites", list, file=path,
                        example='[[suites]] with split, seeds, sizes, difficulties')
    if not suites_raw:
        raise ConfigError("is empty", file=str(path), field="suites", fix="add a [[suites]] table")
    suites = tuple(_load_suite(s, file=path, index=i) for i, s in enumerate(suites_raw))
    known_sets = sorted({name for point in points for name in get_point(point).template_sets})
    for i, suite in enumerate(suites):
        if suite.templates not in known_sets:
            raise UnknownNameError("template set", suite.templates, known_sets, file=str(path),
                                   field=f"suites[{i}].templates")
    subs_raw = expect(data, "submissions", list, file=path, required=False, default=[],
                      example='submissions = ["submissions/my-model"]')
    submissions = []
    for i, entry in enumerate(subs_raw):
        if not isinstance(entry, str) or not entry.strip():
            raise ConfigError(f"must be a path string; got {entry!r}", file=str(path),
                              field=f"submissions[{i}]", fix="write the submission directory path")
        sub_path = (path.parent / entry).resolve()
        if check_submissions and not sub_path.is_dir():
            raise ConfigError(f"submission directory {sub_path} does not exist", file=str(path),
                              field=f"submissions[{i}]",
                              fix="paths are relative to the competition file")
        submissions.append(sub_path)
    phases_raw = expect(data, "phases", list, file=path, required=False, default=[],
                        example='[[phases]] with name, start, end, daily_quota')
    phases = tuple(_load_phase(p, file=path, index=i) for i, p in enumerate(phases_raw))
    seen: set[str] = set()
    for i, phase in enumerate(phases):
        if phase.name in seen:
            raise ConfigError(f"the phase name {phase.name!r} is used twice", file=str(path),
                              field=f"phases[{i}].name", fix="give every phase its own name")
        seen.add(phase.name)
    return Competition(path=path, name=name, points=tuple(points), as_of=as_of, limits=limits,
                       suites=suites, submissions=tuple(submissions), phases=phases,
                       source=source)


def _load_phase(table: object, *, file: Path, index: int) -> Phase:
    prefix = f"phases[{index}]."
    if not isinstance(table, dict):
        raise ConfigError("must be a table", file=str(file), field=f"phases[{index}]",
                          fix="write it as a [[phases]] table")
    reject_unknown_keys(table, _PHASE_KEYS, file=file, prefix=prefix)
    name = expect(table, "name", str, file=file, prefix=prefix, example='name = "public"')
    if not name.strip() or any(ord(c) < 32 for c in name):
        raise ConfigError(f"must be a non-empty single-line name; got {name!r}", file=str(file),
                          field=f"{prefix}name", fix='e.g. name = "public"')
    start = _parse_date(expect(table, "start", (str, dt.date), file=file, prefix=prefix,
                               example='start = "2024-03-01"'), file=file, field=f"{prefix}start")
    end = _parse_date(expect(table, "end", (str, dt.date), file=file, prefix=prefix,
                             example='end = "2024-03-31"'), file=file, field=f"{prefix}end")
    if end < start:
        raise ConfigError(f"is before start ({start.isoformat()})", file=str(file),
                          field=f"{prefix}end", fix="end is the last day of the phase, inclusive")
    quota = expect(table, "daily_quota", int, file=file, prefix=prefix,
                   example="daily_quota = 5")
    if quota < 1:
        raise ConfigError(f"must be at least 1; got {quota}", file=str(file),
                          field=f"{prefix}daily_quota",
                          fix="write the number of submissions a team may make per day")
    board = expect(table, "board", str, file=file, prefix=prefix, required=False,
                   default="public", example='board = "public"')
    if board not in SPLITS:
        raise ConfigError(f"must be 'public' or 'private'; got {board!r}", file=str(file),
                          field=f"{prefix}board", fix='write board = "public" or "private"')
    return Phase(name=name.strip(), start=start, end=end, daily_quota=quota, board=board)


def _parse_date(value: str | dt.date, *, file: Path, field: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"is not a date; got {value!r}", file=str(file), field=field,
                          fix="write it as YYYY-MM-DD") from None


def _load_limits(table: dict, *, file: Path) -> Limits:
    names = tuple(f.name for f in dataclasses.fields(Limits))
    reject_unknown_keys(table, names, file=file, prefix="limits.")
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"must be a positive number; got {value!r}", file=str(file),
                              field=f"limits.{key}", fix="write a positive number")
    return Limits(**table)


def _load_suite(table: object, *, file: Path, index: int) -> Suite:
    prefix = f"suites[{index}]."
    if not isinstance(table, dict):
        raise ConfigError("must be a table", file=str(file), field=f"suites[{index}]",
                          fix="write it as a [[suites]] table")
    reject_unknown_keys(table, _SUITE_KEYS, file=file, prefix=prefix)
    split = expect(table, "split", str, file=file, prefix=prefix, example='split = "public"')
    if split not in SPLITS:
        raise ConfigError(f"must be 'public' or 'private'; got {split!r}", file=str(file),
                          field=f"{prefix}split", fix='write split = "public" or "private"')
    seeds = _int_list(table, "seeds", file=file, prefix=prefix, required=False, minimum=0)
    secret_env = expect(table, "secret_env", str, file=file, prefix=prefix, required=False)
    if (seeds is None) == (secret_env is None):
        raise ConfigError("needs exactly one of 'seeds' or 'secret_env'", file=str(file),
                          field=f"{prefix}seeds",
                          fix="list public seeds, or name the variable holding the private secret")
    count = expect(table, "count", int, file=file, prefix=prefix, required=False, default=1)
    if count < 1:
        raise ConfigError("must be at least 1", file=str(file), field=f"{prefix}count",
                          fix="write count = 1 or more")
    sizes = _int_list(table, "sizes", file=file, prefix=prefix, required=True, minimum=1)
    diffs_raw = expect(table, "difficulties", list, file=file, prefix=prefix,
                       example='difficulties = ["easy", "standard", "hard"]')
    difficulties = tuple(Difficulty.parse(d, file=str(file), field=f"{prefix}difficulties")
                         for d in diffs_raw)
    if not difficulties:
        raise ConfigError("is empty", file=str(file), field=f"{prefix}difficulties",
                          fix='name at least one of "easy", "standard", "hard"')
    templates = expect(table, "templates", str, file=file, prefix=prefix, required=False,
                       default="default", example='templates = "heldout"')
    return Suite(split=split, seeds=tuple(seeds) if seeds is not None else None,
                 secret_env=secret_env, count=count, sizes=tuple(sizes),
                 difficulties=difficulties, templates=templates)


def _int_list(table: dict, key: str, *, file: Path, prefix: str, required: bool,
              minimum: int) -> list[int] | None:
    values = expect(table, key, list, file=file, prefix=prefix, required=required,
                    example=f"{key} = [1, 2]")
    if values is None:
        return None
    if not values:
        raise ConfigError("is empty", file=str(file), field=f"{prefix}{key}",
                          fix=f"list at least one value, e.g. {key} = [1]")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigError(f"must hold integers >= {minimum}; got {value!r}", file=str(file),
                              field=f"{prefix}{key}", fix=f"e.g. {key} = [1, 2]")
    return list(values)
