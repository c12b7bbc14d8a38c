"""The run engine: plan windows -> executor -> ledger. A :class:`Job` says how one kind of run
(translating: :class:`pipeline.run.TranslationJob`; aligning:
:class:`pipeline.alignment.documents.AlignmentJob`) prepares a unit (reads and checks an input,
applies the skip rule) and makes the records of a window's units. :func:`plan` streams the
inputs into :class:`Window` s of about ``window`` sentences; an :class:`Executor` writes each
window and yields what it wrote, in window order (:class:`LocalExecutor` here, in this process;
:class:`pipeline.cluster.RayExecutor` on Ray Data); :func:`run_job` hands each outcome to the
run's :class:`~pipeline.ledger.RunLedger`.

Each window's outputs are written atomically, one batch per window (:func:`write_window`: one
sync, then the renames, each document's JSONL last): a JSONL on disk always means a complete
set. A bad input is reported and skipped; nothing already done is lost and nothing
half-written is left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .document import Document, Sentence
from .errors import InputError
from .inputs import Input
from .io import AtomicBatch
from .outputs import Written, WrittenFacts, record_path, stage_outputs, write_failure

if TYPE_CHECKING:
    from .ledger import RunLedger


@dataclass
class Unit:
    """One document to write: its input (``seq``: its place among the run's inputs), its text,
    the path its records name, its sentences; for an alignment, the other side too."""

    seq: int
    input: Input
    doc: Document
    doc_path: str
    sentences: list[Sentence]
    partner: Document | None = None
    partner_path: str | None = None
    lang: str | None = None  # a routed run (--from auto): the source language it went to


@dataclass(frozen=True)
class Window:
    """The units written together (one engine call, one atomic batch); ``number`` counts from 1."""

    number: int
    units: list[Unit]


class Job(Protocol):
    """One kind of run (translating, aligning): how a unit is prepared and its records made."""

    out: Path
    selected: tuple[str, ...]

    def prepare(self, seq: int, item: Input, ledger: RunLedger) -> Unit | None:
        """The unit of ``item``, or None when the ledger was told it failed or is up to date."""

    def records(self, units: Sequence[Unit]) -> list[list | InputError]:
        """The records of each unit (or why it has none)."""

    def done(self, unit: Unit, target: Path, count: int) -> str:
        """The line reported when a unit is written."""


class Executor(Protocol):
    """Writes windows and yields, in window order, each with what its units came to: per unit
    its :class:`~pipeline.outputs.Written` (or, from another process, only its
    :class:`~pipeline.outputs.WrittenFacts`), or why it failed."""

    def execute(self, windows: Iterable[Window], job: Job
                ) -> Iterator[tuple[Window, list[Written | WrittenFacts | str]]]: ...


def plan(items: Iterable[Input], job: Job, ledger: RunLedger, window: int) -> Iterator[Window]:
    """Prepare each input in turn and group the units into windows of about ``window``
    sentences (a window is closed by the unit that reaches the size)."""
    units: list[Unit] = []
    size = number = 0
    for seq, item in enumerate(items):
        unit = job.prepare(seq, item, ledger)
        if unit is None:
            continue
        units.append(unit)
        size += len(unit.sentences)
        if size >= window:
            number += 1
            yield Window(number, units)
            units, size = [], 0
    if units:
        yield Window(number + 1, units)


def write_window(job: Job, units: Sequence[Unit]) -> list[Written | str]:
    """Make the records of one window's units (one call of the job) and write each one's
    outputs: one batch for the window. Per unit what was written, or why it failed (a sentence
    the engine refused, an output that could not be written); the others go on."""
    results = job.records(units)
    outcome: list[Written | str] = [""] * len(units)
    batch = AtomicBatch()
    staged: list[tuple[int, list, dict[str, str]]] = []
    try:
        for k, (unit, records) in enumerate(zip(units, results)):
            if isinstance(records, InputError):
                outcome[k] = str(records).removeprefix(f"{unit.input.label}: ")
                continue
            mark = len(batch)
            try:
                written = stage_outputs(batch, records, job.out, unit.input.stem, job.selected,
                                        unit=k)
            except OSError as exc:
                batch.abort(mark)
                outcome[k] = write_failure(exc)
                continue
            except InputError as exc:  # a record too long for a record file's line
                batch.abort(mark)
                outcome[k] = str(exc)
                continue
            staged.append((k, records, written))
        try:
            failed = batch.commit()
        except OSError as exc:  # the files could not be made durable: none was renamed
            failed = {k: exc for k, _, _ in staged}
    except BaseException:  # not an output problem (an interrupt, a bug): leave no temporaries
        batch.abort()
        raise
    for k, records, written in staged:
        outcome[k] = write_failure(failed[k]) if k in failed else Written(records, written)
    return outcome


class LocalExecutor:
    """Windows written one after another in this process."""

    def execute(self, windows: Iterable[Window], job: Job
                ) -> Iterator[tuple[Window, list[Written | str]]]:
        for w in windows:
            yield w, write_window(job, w.units)


def run_job(items: Iterable[Input], job: Job, ledger: RunLedger, executor: Executor,
            window: int, on_window: Callable[[int], None] = lambda n: None) -> None:
    """The engine: plan the windows, have the executor write them, account for each unit."""
    for w, results in executor.execute(plan(items, job, ledger, window), job):
        for unit, result in zip(w.units, results):
            target = record_path(unit.input.stem, job.out)
            count = 0 if isinstance(result, str) else result.count
            ledger.finish(unit, result, job.done(unit, target, count))
        ledger.commit()
        on_window(w.number)


__all__ = ["Unit", "Window", "Job", "Executor", "plan", "write_window", "LocalExecutor",
           "run_job"]
