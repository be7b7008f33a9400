"""A progress line on stderr while big exports are read: which file, records so far, records/s.

The record count is known only as we go (a streamed CSV has no total), so this is a spinner
with counts, not a bar to 100%. It is shown only when stderr is a terminal and not `--quiet`,
never mixed into the report on stdout, and removed when reading ends. The callback does one
addition per record and touches rich only every `EVERY` records, so its cost is negligible
next to parsing the record.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn
from rich.text import Text

from checks.model import UserRecord

EVERY = 1000


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text(f"{speed:,.0f} records/s" if speed else "", style="dim")


class RecordProgress:
    """`with RecordProgress(console) as on_record: run_check(paths, options, on_record)`."""

    # Only counts: run_check may read a big export in two processes; this process then sees
    # the first part's records, and the worker's count comes through `also_counting`.
    progress_only = True

    def __init__(self, console: Console, every: int = EVERY) -> None:
        self.every = every
        self.count = 0
        self.source: str | None = None
        self._elsewhere: list[Callable[[], int]] = []
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("Reading {task.description}"),
            TextColumn("{task.completed:,} records"),
            RateColumn(),
            console=console,
            transient=True,
            # Redrawn at each update, not by a thread: run_check may fork a worker
            # (motiscim_cli.split), and forking while a thread runs is unsafe.
            auto_refresh=False,
        )
        self._task = self._progress.add_task("the export", total=None)

    def __enter__(self) -> RecordProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def also_counting(self, elsewhere: Callable[[], int]) -> None:
        """Add the records another process has read so far (a worker of motiscim_cli.split)."""
        self._elsewhere.append(elsewhere)

    def uncount(self, records: int) -> None:
        """Forget records counted before the file is read again from its start."""
        self.count -= records

    def total(self) -> int:
        return self.count + sum(count() for count in self._elsewhere)

    def __call__(self, record: UserRecord) -> None:
        self.count += 1
        if self.count % self.every == 0:
            if record.source != self.source:
                self.source = record.source
                self._progress.update(self._task, description=record.source)
            self._progress.update(self._task, completed=self.total(), refresh=True)
