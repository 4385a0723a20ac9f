"""Determinism (CONTRACT 1): the same request gives byte-identical files in any process.

Every registered point and difficulty is generated in two fresh interpreters with different
``PYTHONHASHSEED`` values, and every file's sha256 must agree. The clock cannot matter because
generation never reads it: a second test makes every clock function raise (and records calls
made under other names), then generates.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthetic.difficulty import Difficulty
from synthetic.registry import available_points
from synthetic.scenario import generate_scenario

SEED, SIZE, AS_OF = 20231231, 300, "2024-01-15"
_SCRIPT = """
import datetime, sys
from synthetic.scenario import generate_scenario
generate_scenario(sys.argv[1], seed=int(sys.argv[2]), size=int(sys.argv[3]),
                  difficulty=sys.argv[4], as_of=datetime.date.fromisoformat(sys.argv[5]),
                  out=sys.argv[6])
"""


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("level", [d.value for d in Difficulty])
@pytest.mark.parametrize("point", available_points())
def test_byte_identical_across_processes_and_hash_seeds(point, level, tmp_path):
    runs = []
    for hashseed in ("0", "987654321"):
        out = tmp_path / f"hashseed-{hashseed}"
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        subprocess.run([sys.executable, "-c", _SCRIPT, point, str(SEED), str(SIZE), level,
                        AS_OF, str(out)], check=True, env=env, timeout=300)
        runs.append(digests(out))
    assert runs[0] == runs[1]
    assert "scenario.json" in runs[0] and "labels/labels.parquet" in runs[0]


class ClockRead(AssertionError):
    pass


def _no_clock(*args, **kwargs):
    raise ClockRead("generation read the clock")


class _Meta(type):
    """Keeps ``isinstance(real_date, patched_class)`` true while the module attribute is patched."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.__mro__[1])


class _Date(datetime.date, metaclass=_Meta):
    today = classmethod(_no_clock)


class _DateTime(datetime.datetime, metaclass=_Meta):
    today = now = utcnow = classmethod(_no_clock)


CLOCKS = {("date", "today"), ("datetime", "today"), ("datetime", "now"),
          ("datetime", "utcnow"), ("time", "time"), ("time", "time_ns")}


@contextlib.contextmanager
def clock_reads(monkeypatch):
    """Clock functions raise while inside; the yielded list records the real ones called under
    other names (``from datetime import date`` made before the patch)."""
    for name in ("time", "time_ns"):
        monkeypatch.setattr(time, name, _no_clock)
    monkeypatch.setattr(datetime, "date", _Date)
    monkeypatch.setattr(datetime, "datetime", _DateTime)
    calls: list[str] = []

    def profile(frame, event, arg):
        if event == "c_call":
            owner = getattr(getattr(arg, "__self__", None), "__name__", None)
            if (owner, getattr(arg, "__name__", None)) in CLOCKS:
                calls.append(f"{owner}.{arg.__name__}")

    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)
        monkeypatch.undo()


@pytest.mark.parametrize("level", [d.value for d in Difficulty])
@pytest.mark.parametrize("point", available_points())
def test_generation_never_reads_the_clock(point, level, tmp_path, monkeypatch):
    as_of = datetime.date.fromisoformat(AS_OF)
    with clock_reads(monkeypatch) as calls:
        generate_scenario(point, seed=SEED, size=SIZE, difficulty=level, as_of=as_of,
                          out=tmp_path / "s")
    assert calls == []


def test_the_clock_guard_catches_clock_reads(monkeypatch):
    """The guard above fails on a generator that reads the clock, by any name."""
    imported_early = datetime.date
    with clock_reads(monkeypatch) as calls:
        with pytest.raises(ClockRead):
            datetime.date.today()
        with pytest.raises(ClockRead):
            time.time()
        assert isinstance(imported_early(2023, 12, 31), datetime.date)
        with pytest.raises(ClockRead):      # the real today() itself calls time.time()
            imported_early.today()
    assert calls == ["date.today"]
