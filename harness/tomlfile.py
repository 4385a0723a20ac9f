"""Reading TOML configuration files with errors that name the file and the field."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from harness.errors import ConfigError


def read_toml(path: Path, *, what: str, fix: str) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{what} not found", file=str(path), fix=fix)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text", file=str(path), fix="save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"TOML syntax error ({exc})", file=str(path),
                          fix="correct the TOML syntax at that line") from None


def reject_unknown_keys(table: dict[str, Any], known: tuple[str, ...], *, file: Path,
                        prefix: str = "") -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(known)}"
            raise ConfigError("unknown key", file=str(file), field=f"{prefix}{key}",
                              fix=f"remove it ({hint})")


def expect(table: dict[str, Any], key: str, kind: type | tuple[type, ...], *, file: Path,
           prefix: str = "", required: bool = True, default: Any = None, example: str = "") -> Any:
    """Return ``table[key]`` if it has the expected type; one clear error otherwise."""
    if key not in table:
        if required:
            raise ConfigError("is missing", file=str(file), field=f"{prefix}{key}",
                              fix=f"add it, e.g. {example}" if example else "add it")
        return default
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        names = " or ".join(k.__name__ for k in kinds)
        raise ConfigError(f"must be {names}; got {value!r}", file=str(file),
                          field=f"{prefix}{key}",
                          fix=f"write it as e.g. {example}" if example else "correct its type")
    return value
