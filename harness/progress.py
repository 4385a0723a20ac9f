"""How the core reports progress; the CLI implements it with rich, library users get silence."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Protocol


class Progress(Protocol):
    def track(self, description: str, total: int) -> "contextmanager[Callable[[int], None]]":
        """A context whose value is called with the number of items just completed."""


class NullProgress:
    @contextmanager
    def track(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        yield lambda n=1: None
