"""The run engine: plan windows -> run ledger -> executor. :func:`translate_files` is what
``pipeline translate`` does; :func:`pipeline.alignment.align_files` runs on the same engine.

A :class:`Job` says how one kind of run prepares a unit (reads and checks an input, applies the
skip rule) and makes the records of a window's units. :func:`plan` streams the inputs into
:class:`Window` s of about ``window`` sentences; an :class:`Executor` writes each window and
yields what it wrote, in window order (:class:`LocalExecutor` here, in this process;
:class:`pipeline.cluster.RayExecutor` on Ray Data); the :class:`RunLedger` accounts for every
input (translated, up to date, failed) and the manifest is written from it at the end, from
what the run knows (digests of the inputs it read and of the texts it wrote), never by
re-reading what it just wrote.

Each window's outputs are written atomically, one batch per window (one sync, then the
renames, each document's JSONL last): a JSONL on disk always means a complete set. A bad input
is reported and skipped; nothing already done is lost and nothing half-written is left behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .archive import DEFAULT_ID_FIELD, DEFAULT_TEXT_FIELD
from .document import Document, Sentence
from .errors import InputError, OutputError, PipelineError
from .inputs import (DEFAULT_MAX_LINE_CHARS, Input, Report, check_line_limit, collect_inputs,
                     iter_inputs, stderr)
from .io import AtomicBatch, prepare_output_dir
from .outputs import (ALL_FORMATS, Inputs, Written, json_text, overwrite_message,
                      record_path, refuse_clash, relative_source,
                      stage_outputs, write_failure)
from .journal import Journal
from .skip import Previous, refresh, up_to_date
from .routing import AUTO, Router
from .translator import Translator

DEFAULT_WINDOW = 500


@dataclass
class RunSummary:
    """What a run did: documents per outcome, and where each sentence's translation came from."""

    translated: list[Path | str] = field(default_factory=list)  # str: an archive line
    skipped: list[Path | str] = field(default_factory=list)
    failed: list[tuple[Path | str, str]] = field(default_factory=list)
    sentences: int = 0  # records written for the translated documents
    engine: int = 0  # distinct sentences the engine translated
    memory: int = 0  # distinct sentences served by the translation memory
    passed_through: int = 0  # distinct sentences copied (no words to translate)
    manifest: Path | None = None
    cluster: dict | None = None  # a Ray run: actors, their peak memory, Ray's start-up

    @property
    def ok(self) -> bool:
        return not self.failed

    def line(self) -> str:
        return (f"{len(self.translated)} translated, {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed ({self.sentences} sentences: {self.engine} by the "
                f"engine, {self.memory} from the translation memory, {self.passed_through} "
                "passed through, the rest repeats)")


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
    """Writes windows and yields, in window order, each with what its units came to."""

    def execute(self, windows: Iterable[Window], job: Job
                ) -> Iterator[tuple[Window, list[Written | str]]]: ...


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


class RunLedger:
    """What one run did to each input: counted in the summary, and journaled (see
    :mod:`pipeline.journal`) as each outcome is known, with the manifest entry of each record
    file it wrote or found up to date; nothing per document is held in memory. The manifest is
    streamed from the journal at the end, inputs in input order whatever order the outcomes
    came in."""

    def __init__(self, out: Path, report: Report = stderr,
                 on_document: Callable[[], None] = lambda: None) -> None:
        from . import manifest

        self.manifest = manifest
        self.out = out
        self.report = report
        self.on_document = on_document
        self.summary = RunSummary()
        self.journal = Journal(out)
        self.previous = Previous(out)
        self.provenances: dict[str, dict] = {}  # fingerprint -> provenance, one copy per run
        self._sources: tuple[Path, str] | None = None  # the last input's path, as records name it

    def _source(self, path: Path) -> str:
        """``path`` as the manifest names it (the articles of an archive share one)."""
        if self._sources is None or self._sources[0] != path:
            # a name that is not UTF-8 is written with its bytes escaped (\udce4): JSON holds text
            self._sources = (path, json_text(relative_source(path, self.out)))
        return self._sources[1]

    def _input(self, inp: Input, sha256: str | None, status: str, error: str | None = None,
               partner: Document | None = None) -> dict:
        item: dict = {"path": self._source(inp.path), "sha256": sha256, "status": status}
        if inp.line is not None:
            if inp.article is not None:
                item["doc_id"] = inp.article.doc_id
            item["doc_line"] = inp.line
        if partner is not None:
            item["partner"] = json_text(relative_source(partner.path, self.out))
            item["partner_sha256"] = partner.sha256
        if error is not None:
            item["error"] = json_text(error)
        return item

    def fail(self, seq: int, inp: Input, why: str, sha256: str | None = None) -> None:
        self.summary.failed.append((inp.name, why))
        self.journal.add(seq, self._input(inp, sha256, "failed", why))
        self.on_document()
        self.report(f"error: {inp.label}: {why}")

    def up_to_date(self, seq: int, inp: Input, doc: Document, selected: Sequence[str],
                   partner: Document | None = None) -> bool:
        """A document the skip rule found done: its missing or damaged side files rendered
        again, its record file described, counted as skipped (or failed, when a side file
        cannot be written). False when the rest of its record file is damaged: the caller
        does it again."""
        target = record_path(inp.stem, self.out)
        try:
            entry, runs = refresh(target, inp.stem, selected, self.previous)
        except PipelineError:
            return False
        except OSError as exc:
            self.fail(seq, inp, write_failure(exc), doc.sha256)
            return True
        self.summary.skipped.append(inp.name)
        self.journal.add(seq, self._input(inp, doc.sha256, self.manifest.UP_TO_DATE,
                                          partner=partner), entry, runs)
        self.on_document()
        return True

    def finish(self, unit: Unit, result: Written | str, message: str = "") -> None:
        """Account for one unit of a window: written (``message`` reported), or failed."""
        if isinstance(result, str):
            self.fail(unit.seq, unit.input, result, unit.doc.sha256)
            return
        m = self.manifest
        target = record_path(unit.input.stem, self.out)
        facts = m.document_facts(result.records)
        entry = m.document_entry(target, facts, m.TRANSLATED, result.files)
        entry["stat"] = m.file_stats(target, pair=facts["pair"])
        self.summary.translated.append(unit.input.name)
        self.summary.sentences += len(result.records)
        self.journal.add(unit.seq, self._input(unit.input, unit.doc.sha256, m.TRANSLATED,
                                               partner=unit.partner),
                         entry, m.run_provenances(result.records, self.provenances))
        self.on_document()
        if message:
            self.report(message)

    def commit(self) -> None:
        """Make what was journaled durable: called once a window's outputs are committed."""
        try:
            self.journal.commit()
        except OSError as exc:
            raise OutputError(f"{self.journal.path}: cannot write the run's journal: "
                              f"{exc.strerror or exc}") from None

    def write_manifest(self, header: dict, settings: dict, scheduler: dict,
                       started: float) -> None:
        """Write the manifest; a failure to write is reported and counted as failed."""
        try:
            self.commit()
            self.summary.manifest = self.manifest.write_run(
                self.out, self.journal, header=header, settings=settings,
                scheduler=scheduler, sentences=self.summary.sentences, started=started)
        except OutputError as exc:  # the journal stays: the next run reads it
            self.journal.close()
            path = self.out / self.manifest.FILENAME
            why = str(exc).removeprefix(f"{path}: ")
            self.summary.failed.append((path, why))
            self.report(f"error: {path}: {why}")
        else:
            self.journal.close(remove=True)  # a manifest holds it (or there is no record file)


def run_job(items: Iterable[Input], job: Job, ledger: RunLedger, executor: Executor,
            window: int, on_window: Callable[[int], None] = lambda n: None) -> None:
    """The engine: plan the windows, have the executor write them, account for each unit."""
    for w, results in executor.execute(plan(items, job, ledger, window), job):
        for unit, result in zip(w.units, results):
            target = record_path(unit.input.stem, job.out)
            count = len(result.records) if isinstance(result, Written) else 0
            ledger.finish(unit, result, job.done(unit, target, count))
        ledger.commit()
        on_window(w.number)


@dataclass
class TranslationJob:
    """Translating documents: each input read and split, skipped when its record file is up to
    date, a window's sentences translated in one scheduler call."""

    translator: Translator | None
    out: Path
    selected: tuple[str, ...]
    encoding: str = "utf-8"
    read: Inputs = field(default_factory=Inputs)
    force: bool = False
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS
    report: Report = stderr
    router: Router | None = None  # --from auto: a translator per document's language
    _doc_path: tuple[Path, str] | None = field(default=None, init=False, repr=False)

    def prepare(self, seq: int, inp: Input, ledger: RunLedger) -> Unit | None:
        try:
            str(inp.path).encode("utf-8")
        except UnicodeEncodeError:  # its records could not name it, nor any format hold it
            ledger.fail(seq, inp, "the file name is not valid UTF-8; rename the file")
            return None
        if self.router is None and self._clashes(seq, inp, self.translator, ledger):
            return None
        try:
            doc = inp.load(self.encoding, self.max_line_chars, self.report)
        except InputError as exc:
            ledger.fail(seq, inp, str(exc).removeprefix(f"{inp.label}: "))
            return None
        translator = self.translator
        if self.router is not None:
            try:
                translator = self.router.route(doc, inp.article)
            except PipelineError as exc:
                ledger.fail(seq, inp, str(exc), doc.sha256)
                return None
            if self._clashes(seq, inp, translator, ledger):  # its outputs' names known now
                return None
        if self._doc_path is None or self._doc_path[0] != inp.path:  # an archive's articles share it
            self._doc_path = (inp.path, relative_source(inp.path, self.out))
        doc_path = self._doc_path[1]
        target = record_path(inp.stem, self.out)
        if not self.force and up_to_date(doc, doc_path, translator.fingerprint, target) \
                and ledger.up_to_date(seq, inp, doc, self.selected):
            return None
        return Unit(seq, inp, doc, doc_path, translator.split(doc.text),
                    lang=None if self.router is None else translator.config.src_lang)

    def _clashes(self, seq: int, inp: Input, translator: Translator, ledger: RunLedger) -> bool:
        """True (the ledger told) when an output of ``inp`` would be written over an input."""
        from . import formats

        if inp.error is not None:
            return False
        pair = (translator.config.src_lang, translator.config.tgt_lang)
        names = [f for files in formats.filenames(inp.stem, pair).values() for f in files]
        found = self.read.first_clash(self.out, names)
        if found is None:
            return False
        hit, target = found
        ledger.fail(seq, inp, overwrite_message(found) if inp.article is None else (
            f"article {inp.article.doc_id!r} would be written over an input archive "
            f"({target} is {hit}); choose another output directory with -o"))
        return True

    def records(self, units: Sequence[Unit]) -> list[list | InputError]:
        if self.router is None:
            return self.translator.translate_documents([(u.doc, u.sentences) for u in units],
                                                       [u.doc_path for u in units])
        out: list = [None] * len(units)
        for lang in dict.fromkeys(u.lang for u in units):  # one engine call per pair
            ks = [k for k, u in enumerate(units) if u.lang == lang]
            done = self.router.translator(lang).translate_documents(
                [(units[k].doc, units[k].sentences) for k in ks], [units[k].doc_path for k in ks])
            for k, records in zip(ks, done):
                out[k] = records
        return out

    def done(self, unit: Unit, target: Path, count: int) -> str:
        return f"translated {unit.input.label} -> {target} ({count} sentences)"


def translate_files(inputs: Sequence[str | Path], out_dir: str | Path, *,
                    translator: Translator | None = None,
                    formats: Sequence[str] = ALL_FORMATS, encoding: str = "utf-8",
                    window: int = DEFAULT_WINDOW, max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
                    force: bool = False, input_format: str = "text",
                    id_field: str = DEFAULT_ID_FIELD, text_field: str = DEFAULT_TEXT_FIELD,
                    executor: Executor | None = None,
                    report: Report = stderr,
                    on_document: Callable[[], None] = lambda: None,
                    on_window: Callable[[int], None] = lambda n: None,
                    **options) -> RunSummary:
    """Translate each input (files, or directories of ``*.txt``) into ``out_dir``: per input
    ``<stem>.jsonl`` and the selected side formats, plus ``manifest.json``. Documents whose
    outputs are up to date are skipped. ``options`` build a :class:`Translator` when none is
    given. ``on_window(n)`` is called after the n-th window is written (tests use it to stop a
    run at a known point).

    ``input_format="jsonl"``: each input is an archive (directories: their ``*.jsonl``) whose
    lines are articles, ``{id_field: ..., text_field: ...}``, written to ``<id>.jsonl`` etc.

    ``executor``: who writes the windows: :class:`LocalExecutor` (the default), or
    :class:`pipeline.cluster.RayExecutor` for the same run on Ray Data; the outputs are the
    same."""
    from . import formats as formats_mod
    from .io import sweep_stale_temps
    from .manifest import FILENAME

    started = time.time()
    check_line_limit(max_line_chars)
    paths = collect_inputs(inputs, input_format, report)
    if input_format == "jsonl" and encoding.lower().replace("-", "").replace("_", "") not in (
            "utf8", "auto"):
        raise InputError(f"--encoding {encoding} applies to text files; a JSONL archive is "
                         "UTF-8 (RFC 8259)")
    selected = formats_mod.parse_selection(formats)
    out = Path(out_dir)
    read = Inputs(paths)
    refuse_clash(read, out / FILENAME, "the run's manifest")
    executor = executor or LocalExecutor()
    own = translator is None
    router = None
    if own and options.get("src_lang") == AUTO:
        from .translator import TranslatorConfig

        router = Router(TranslatorConfig.of(**{k: v for k, v in options.items()
                                               if k not in ("on_progress", "lang_field")}),
                        report=report, on_progress=options.get("on_progress"),
                        lang_field=options.get("lang_field"))
    elif own:
        options.pop("lang_field", None)
        translator = Translator(report=report, **options)
    try:
        prepare_output_dir(out)
        sweep_stale_temps(out, formats_mod.is_output_name)  # of a run killed mid-write
        job = TranslationJob(translator, out, selected, encoding, read, force, max_line_chars,
                             report, router)
        ledger = RunLedger(out, report, on_document)
        settings = {"formats": list(selected), "encoding": encoding, "window": window,
                    "max_line_chars": max_line_chars, "force": force}
        if input_format == "jsonl":
            settings.update(input_format=input_format, id_field=id_field, text_field=text_field)
        items = iter_inputs(paths, input_format, id_field=id_field, text_field=text_field)
        run_job(items, job, ledger, executor, window, on_window)
        details = getattr(executor, "details", None)
        if details is not None:
            ledger.summary.cluster = settings["ray"] = details
        summary = ledger.summary
        stats = translator.scheduler.stats if router is None else router.stats()
        summary.engine, summary.memory = stats.translated, stats.from_cache
        summary.passed_through = stats.passed_through
        config = translator.config if router is None else router.config
        if router is not None:
            settings["lang_field"] = router.lang_field
        ledger.write_manifest(translator_header(translator) if router is None else router.header(),
                              {**config.settings(), **settings},
                              {k: v for k, v in vars(stats).items() if k != "extra"}, started)
        return summary
    finally:
        if router is not None:
            router.close()
        elif own:
            translator.close()


def translator_header(translator: Translator) -> dict:
    """What the manifest says of the run's translator: model, engine, splitter, fingerprint."""
    return translator.header()


__all__ = ["RunSummary", "translate_files", "Unit", "Window", "Job", "Executor", "plan",
           "write_window", "LocalExecutor", "RunLedger", "run_job", "TranslationJob",
           "translator_header", "DEFAULT_WINDOW"]
