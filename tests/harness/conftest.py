"""Fixtures for fake scenarios and temporary submissions (usable by every test under tests/harness).

- ``make_scenario(name="scenario", point="env_tax", tables=None, labels=None, as_of=...)``
  writes a tiny scenario directory (``scenario.json``, ``tables/*.parquet``,
  ``labels/labels.parquet``) and returns the loaded :class:`~synthetic.scenario.Scenario`.
- ``make_submission(files, dirname=None, **manifest)`` writes a submission directory with
  ``submission.toml`` built from ``manifest`` (keys as in the manifest; ``None`` drops a key) and
  the given ``files`` (relative path -> text; ``"model.py"`` etc.) and returns its path.
- ``python_submission(code, **manifest)`` / ``load``: shortcuts for a python submission with
  ``model.py`` = ``code``, loaded with :func:`~harness.submission.load_submission`.

No generator is involved: the scenario is an env_tax-shaped toy with three permits.
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from harness.submission import Submission, load_submission
from synthetic.scenario import Scenario, load_scenario

FAKE_TABLES = {
    "permits": pa.table({
        "permit_no": ["P001", "P002", "NA"],
        "uscc": ["91340200MA2N000001", "91340200MA2N000002", "91340200MA2N000003"],
        "company_name": ["芜湖甲公司", "芜湖乙公司", "芜湖丙公司"],
    }),
    "monitoring": pa.table({
        "permit_no": ["P001", "P002", "NA"],
        "emission_kg": [10.5, 0.0, 3.25],
    }),
}
FAKE_LABELS = pa.table({"record_id": ["P001"], "reason": ["ENV_UNDECLARED"]})
LABEL_MARKER = "LABELS-ARE-SECRET"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML here")


def toml_text(manifest: dict[str, Any]) -> str:
    """A tiny TOML writer for manifests: scalars and lists first, then tables."""
    lines = [f"{key} = {toml_value(value)}" for key, value in manifest.items()
             if value is not None and not isinstance(value, dict)]
    for key, value in manifest.items():
        if isinstance(value, dict):
            lines.append(f"\n[{key}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in value.items()]
    return "\n".join(lines) + "\n"


def write_scenario(path: Path, *, point: str = "env_tax", tables: dict[str, pa.Table] | None = None,
                   labels: pa.Table | None = None, as_of: str = "2023-12-31") -> Scenario:
    tables = FAKE_TABLES if tables is None else tables
    labels = FAKE_LABELS if labels is None else labels
    (path / "tables").mkdir(parents=True)
    (path / "labels").mkdir()
    entries = {}
    for name, table in tables.items():
        target = path / "tables" / f"{name}.parquet"
        pq.write_table(table, target)
        entries[name] = {"rows": table.num_rows, "columns": table.schema.names,
                         "sha256": hashlib.sha256(target.read_bytes()).hexdigest()}
    pq.write_table(labels.append_column("marker", pa.array([LABEL_MARKER] * labels.num_rows)),
                   path / "labels" / "labels.parquet")
    first = next(iter(tables))
    manifest = {
        "format_version": 1,
        "id": f"{point}-fake{hashlib.sha256(str(path).encode()).hexdigest()[:12]}",
        "point": point, "generator_version": "test", "seed": 1, "size": 3,
        "difficulty": "easy", "as_of": as_of, "subject_table": first,
        "record_id_column": tables[first].schema.names[0], "tables": entries,
        "reason_codes": ["ENV_UNDECLARED", "ENV_UNDER_DECLARED", "ENV_IMPROPER_REDUCTION"],
    }
    (path / "scenario.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                        encoding="utf-8")
    return load_scenario(path)


def write_submission(path: Path, files: dict[str, str | bytes] | None = None,
                     **manifest: Any) -> Path:
    defaults = {"team": "测试队", "name": "test-model", "version": "1.0",
                "points": ["env_tax"], "language": "python", "entrypoint": "model.py"}
    if manifest.get("language", "python") != "python":
        defaults.pop("entrypoint")
    defaults.update(manifest)
    path.mkdir(parents=True, exist_ok=True)
    (path / "submission.toml").write_text(toml_text(defaults), encoding="utf-8")
    for relative, content in (files or {}).items():
        target = path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(content), encoding="utf-8")
    return path


@pytest.fixture
def make_scenario(tmp_path: Path) -> Callable[..., Scenario]:
    def make(name: str = "scenario", **options: Any) -> Scenario:
        return write_scenario(tmp_path / "scenarios" / name, **options)
    return make


@pytest.fixture
def fake_scenario(make_scenario) -> Scenario:
    return make_scenario()


@pytest.fixture
def make_submission(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1_000_000))

    def make(files: dict[str, str | bytes] | None = None, *, dirname: str | None = None,
             **manifest: Any) -> Path:
        directory = tmp_path / "submissions" / (dirname or f"sub{next(counter)}")
        return write_submission(directory, files, **manifest)
    return make


@pytest.fixture
def python_submission(make_submission) -> Callable[..., Submission]:
    def make(code: str, **manifest: Any) -> Submission:
        return load_submission(make_submission({"model.py": code}, **manifest))
    return make
