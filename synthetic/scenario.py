"""Scenarios on disk (CONTRACT 3).

```
<scenario>/scenario.json           manifest: no label data
<scenario>/tables/<name>.parquet
<scenario>/labels/labels.parquet   record_id, reason — never mounted into the sandbox
```

Writing is deterministic: Parquet files are written with fixed options, the manifest with sorted
keys, so the same request gives byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from harness.errors import ScenarioError, UnknownNameError
from synthetic.difficulty import Difficulty
from synthetic.registry import GenerationRequest, PointSpec, get_point

MANIFEST_NAME = "scenario.json"
TABLES_DIR = "tables"
LABELS_PATH = Path("labels") / "labels.parquet"
MANIFEST_FORMAT_VERSION = 1
DEFAULT_AS_OF = dt.date(2023, 12, 31)


def scenario_id(point: str, generator_version: str, seed: int, size: int,
                difficulty: Difficulty | str, as_of: dt.date, template_set: str = "default") -> str:
    """A short stable hash of everything that determines a scenario's content.

    The template set joins the key only when it is not the default, so the ids of every
    default scenario stay what they always were.
    """
    parts = [point, generator_version, int(seed), int(size), Difficulty.parse(difficulty).value,
             as_of.isoformat()]
    if template_set != "default":
        parts.append(template_set)
    key = json.dumps(parts, separators=(",", ":"))
    return f"{point}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", compression_level=3,
                   use_dictionary=True, write_statistics=True, row_group_size=1 << 20)
    return sink.getvalue()


def generate_scenario(point: str, *, seed: int, size: int, difficulty: Difficulty | str,
                      as_of: dt.date = DEFAULT_AS_OF, out: Path | str,
                      template_set: str = "default") -> "Scenario":
    """Generate one scenario and write it to ``out`` (which must be empty or absent)."""
    spec = get_point(point)
    if template_set not in spec.template_sets:
        raise UnknownNameError(f"template set of {point}", template_set, spec.template_sets,
                               field="template_set")
    difficulty = Difficulty.parse(difficulty)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ScenarioError(f"size must be a positive integer; got {size!r}", field="size")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"seed must be a non-negative integer; got {seed!r}", field="seed")
    request = GenerationRequest(seed=seed, size=size, difficulty=difficulty, as_of=as_of,
                                template_set=template_set)
    generated = spec.generate(request)
    return write_scenario(spec, request, generated.tables, generated.labels, Path(out))


def write_scenario(spec: PointSpec, request: GenerationRequest, tables: dict[str, pa.Table],
                   labels: pa.Table, out: Path) -> "Scenario":
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ScenarioError("the output directory is not empty", file=str(out),
                            fix="choose a new directory or remove the old scenario first")
    (out / TABLES_DIR).mkdir(parents=True, exist_ok=True)
    (out / LABELS_PATH.parent).mkdir(parents=True, exist_ok=True)
    table_entries = {}
    for schema in spec.tables:
        table = tables[schema.name]
        if table.schema.names != schema.column_names:
            raise AssertionError(f"{spec.name}.{schema.name} columns {table.schema.names} "
                                 f"differ from the schema {schema.column_names}")
        data = parquet_bytes(table)
        (out / TABLES_DIR / f"{schema.name}.parquet").write_bytes(data)
        table_entries[schema.name] = {
            "rows": table.num_rows,
            "columns": schema.column_names,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        del table, data    # generators may render tables lazily: hold one table at a time
    labels = labels.select(["record_id", "reason"])
    label_bytes = parquet_bytes(labels)
    (out / LABELS_PATH).write_bytes(label_bytes)
    manifest = {
        "format_version": MANIFEST_FORMAT_VERSION,
        "id": scenario_id(spec.name, spec.generator_version, request.seed, request.size,
                          request.difficulty, request.as_of, request.template_set),
        "point": spec.name,
        "generator_version": spec.generator_version,
        "seed": request.seed,
        "size": request.size,
        "difficulty": request.difficulty.value,
        "as_of": request.as_of.isoformat(),
        "template_set": request.template_set,
        "subject_table": spec.subject_table,
        "record_id_column": spec.record_id_column,
        "subject_tables": [list(pair) for pair in spec.subject_tables],
        "tables": table_entries,
        "reason_codes": list(spec.reason_codes),
    }
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2,
                                                sort_keys=True) + "\n", encoding="utf-8")
    return Scenario(out, manifest)


@dataclass(frozen=True)
class Scenario:
    """A scenario directory with its parsed manifest."""

    path: Path
    manifest: dict

    @property
    def id(self) -> str:
        return self.manifest["id"]

    @property
    def point(self) -> str:
        return self.manifest["point"]

    @property
    def as_of(self) -> dt.date:
        return dt.date.fromisoformat(self.manifest["as_of"])

    @property
    def labels_path(self) -> Path:
        return self.path / LABELS_PATH

    def has_labels(self) -> bool:
        return self.labels_path.is_file()

    def read_labels(self) -> pa.Table:
        if not self.has_labels():
            raise ScenarioError("labels are missing", file=str(self.labels_path),
                                fix="regenerate the scenario with `arena generate`")
        return pq.read_table(self.labels_path)

    def read_table(self, name: str) -> pa.Table:
        return pq.read_table(self.path / TABLES_DIR / f"{name}.parquet")

    @property
    def subject_tables(self) -> list[tuple[str, str]]:
        """Every (table, key column) whose keys are record ids."""
        pairs = self.manifest.get("subject_tables")
        if not pairs:  # a hand-written manifest may name just the one subject table
            pairs = [[self.manifest["subject_table"], self.manifest["record_id_column"]]]
        return [(table, column) for table, column in pairs]

    def record_ids(self) -> pa.Array:
        """Every subject key of the scenario (to report unknown record ids)."""
        arrays = [pq.read_table(self.path / TABLES_DIR / f"{table}.parquet", columns=[column])
                  .column(0).combine_chunks().cast(pa.string())
                  for table, column in self.subject_tables]
        return pa.concat_arrays(arrays)


def load_scenario(path: Path | str) -> Scenario:
    """Read and check a scenario directory's manifest; one clear error when it is not one."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError("scenario directory does not exist", file=str(path),
                            fix="create it with `arena generate POINT --seed N --size N "
                                "--difficulty LEVEL --out DIR`")
    if not path.is_dir():
        raise ScenarioError("is not a directory", file=str(path),
                            fix="pass the scenario directory that holds scenario.json")
    manifest_path = path / MANIFEST_NAME
    if not manifest_path.is_file():
        raise ScenarioError("scenario.json is missing", file=str(manifest_path),
                            fix="pass a directory written by `arena generate`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"is not valid JSON ({exc})", file=str(manifest_path),
                            fix="regenerate the scenario with `arena generate`") from None
    required = ("id", "point", "generator_version", "seed", "size", "difficulty", "as_of",
                "tables", "subject_table", "record_id_column", "reason_codes")
    for key in required:
        if key not in manifest:
            raise ScenarioError("is missing from the manifest", file=str(manifest_path), field=key,
                                fix="regenerate the scenario with `arena generate`")
    for name in manifest["tables"]:
        table_path = path / TABLES_DIR / f"{name}.parquet"
        if not table_path.is_file():
            raise ScenarioError("table file is missing", file=str(table_path),
                                fix="regenerate the scenario with `arena generate`")
    return Scenario(path, manifest)
