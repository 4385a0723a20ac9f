"""The registry of supervision points (one generic registry, as in lm-evaluation-harness).

Each point module registers one :class:`PointSpec`; registering a name twice is an error and an
unknown name raises :class:`~harness.errors.UnknownNameError` with a "did you mean" hint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Callable

import pyarrow as pa

from harness.errors import UnknownNameError
from synthetic.difficulty import Difficulty
from synthetic.memory import keep_freed_memory

# The six supervision points of the contract, in the contract's order (section 2).
CONTRACT_POINTS = (
    "env_tax", "farmland_tax", "housing_clauses", "shell_company", "legal_aid",
    "correction_detention",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "string" | "int64" | "float64" | "bool"
    messy: bool = False  # a date column that carries date-format noise


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def arrow_schema(self) -> pa.Schema:
        types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(),
                 "bool": pa.bool_()}
        return pa.schema([pa.field(c.name, types[c.type]) for c in self.columns])


@dataclass(frozen=True)
class GenerationRequest:
    seed: int
    size: int
    difficulty: Difficulty
    as_of: dt.date
    # A point with free text may render the same facts with another set of phrasings
    # (housing_clauses' held-out templates); every other point has only "default".
    template_set: str = "default"


@dataclass(frozen=True)
class GeneratedScenario:
    """Tables in the contract's order and labels ``(record_id, reason)``, sorted."""

    tables: dict[str, pa.Table]
    labels: pa.Table


@dataclass(frozen=True)
class PointSpec:
    name: str
    title_zh: str
    title_en: str
    generator_version: str
    tables: tuple[TableSchema, ...]
    subject_table: str
    record_id_column: str
    reason_codes: tuple[str, ...]
    generate: Callable[[GenerationRequest], GeneratedScenario] = field(repr=False)
    # Every (table, key column) whose keys are record ids. Most points have one subject table;
    # farmland_tax has two (approvals and patches). Empty means just the subject table.
    extra_subject_tables: tuple[tuple[str, str], ...] = ()
    template_sets: tuple[str, ...] = ("default",)

    @property
    def subject_tables(self) -> tuple[tuple[str, str], ...]:
        return ((self.subject_table, self.record_id_column), *self.extra_subject_tables)

    def table(self, name: str) -> TableSchema:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)


_REGISTRY: dict[str, PointSpec] = {}


def register(spec: PointSpec) -> PointSpec:
    """Register a point; the registered spec's ``generate`` first sets the process up to reuse
    freed memory (``memory.py``): generators allocate and free large columns in turn."""
    if spec.name in _REGISTRY:
        raise ValueError(f"point {spec.name!r} is registered twice")
    spec = dataclasses.replace(spec, generate=_keeping_freed_memory(spec.generate))
    _REGISTRY[spec.name] = spec
    return spec


def _keeping_freed_memory(generate: Callable[[GenerationRequest], GeneratedScenario]
                          ) -> Callable[[GenerationRequest], GeneratedScenario]:
    @functools.wraps(generate)
    def generate_reusing_memory(request: GenerationRequest) -> GeneratedScenario:
        keep_freed_memory()
        return generate(request)
    return generate_reusing_memory


def _load_builtin_points() -> None:
    # Importing the package registers every implemented point exactly once.
    import synthetic.points  # noqa: F401


def get_point(name: str, *, file: str | None = None, field: str | None = None) -> PointSpec:
    _load_builtin_points()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownNameError("point", name, available_points(), file=file, field=field) from None


def available_points() -> list[str]:
    _load_builtin_points()
    return [p for p in CONTRACT_POINTS if p in _REGISTRY] + sorted(
        p for p in _REGISTRY if p not in CONTRACT_POINTS)
