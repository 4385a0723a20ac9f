"""One error hierarchy for everything a user can get wrong.

The CLI turns any :class:`ArenaError` into a single line and exit code 1; tracebacks are shown
only with ``--debug``. Every message names the file (or argument), the field and the fix.
"""

from __future__ import annotations

import difflib


class ArenaError(Exception):
    """Base class: a problem in the user's input or environment, reported as one line."""

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None,
                 fix: str | None = None) -> None:
        self.file = file
        self.field = field
        self.fix = fix
        self.bare_message = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.field:
            parts.append(f"field '{self.field}'")
        head = ": ".join(parts)
        text = f"{head}: {self.bare_message}" if head else self.bare_message
        if self.fix:
            text = f"{text} — {self.fix}"
        return text


class ConfigError(ArenaError):
    """A manifest or competition file that does not validate."""


class ScenarioError(ArenaError):
    """A scenario directory that is missing or malformed."""


class SubmissionError(ArenaError):
    """A submission directory that cannot be run (it is ``rejected``)."""


class SandboxUnavailableError(ArenaError):
    """bubblewrap is missing and the unsafe local mode was not requested."""


class StoreError(ArenaError):
    """The result store cannot be opened or has an unexpected schema version."""


class UnknownNameError(ArenaError, KeyError):
    """A name (point, difficulty, ...) that is not registered; suggests the closest one."""

    def __init__(self, kind: str, name: str, available: list[str] | tuple[str, ...], *,
                 file: str | None = None, field: str | None = None) -> None:
        close = difflib.get_close_matches(name, list(available), n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        message = f"Unknown {kind} '{name}'.{hint} Available: {', '.join(available)}"
        super().__init__(message, file=file, field=field)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return self.args[0]
