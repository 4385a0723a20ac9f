"""Rich output shared by the commands: the progress bars and the console on stderr."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                           TimeElapsedColumn)

err_console = Console(stderr=True)


class RichProgress:
    """The core's Progress interface drawn as rich progress bars on stderr."""

    @contextmanager
    def track(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                      transient=False, disable=total == 0) as bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)
