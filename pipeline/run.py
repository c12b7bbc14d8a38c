"""Translating: text or files in, :class:`~pipeline.records.Record` s (and files) out.

:class:`Translator` holds one translation setup: the verified model, the engine spec (settings
known before anything is loaded), the splitter, the translation memory, and the scheduler that
builds the engine on first need. :func:`translate_text` returns records and writes nothing;
:func:`translate_files` is what ``pipeline translate`` does:

Documents stream through in windows: each window's sentences from all its documents go to the
scheduler together (one engine call, shared de-duplication and translation memory), then each
document's outputs are written atomically, JSONL last. A document is skipped when its record
file already holds the same source sha256, path, encoding and run fingerprint; a bad input is
reported and skipped; nothing already done is lost and nothing half-written is left behind.
The manifest is written at the end from what the run knows (digests of the inputs it read and
of the texts it wrote), never by re-reading what it just wrote.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import formats
from .document import Document, Sentence
from .errors import InputError, OutputError, PipelineError
from .formats import jsonl
from .io import AtomicBatch, atomic_files
from .provenance import Provenance, run_fingerprint, translation_key
from .records import Record, build_records

DEFAULT_WINDOW = 500
DEFAULT_MAX_LINE_CHARS = 100_000
ALL_FORMATS = tuple(formats.REGISTRY)
#: C0 controls other than tab, LF and CR; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

Report = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass
class RunSummary:
    """What a run did: documents per outcome, and where each sentence's translation came from."""

    translated: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    sentences: int = 0  # records written for the translated documents
    engine: int = 0  # distinct sentences the engine translated
    memory: int = 0  # distinct sentences served by the translation memory
    passed_through: int = 0  # distinct sentences copied (no words to translate)
    manifest: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    def line(self) -> str:
        return (f"{len(self.translated)} translated, {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed ({self.sentences} sentences: {self.engine} by the "
                f"engine, {self.memory} from the translation memory, {self.passed_through} "
                "passed through, the rest repeats)")


class Translator:
    """One translation setup, loaded on demand. The model is resolved and verified when the
    translator is made; the engine library is imported only when a sentence needs the engine.

    ``model_dir`` is a local MarianMT directory (``save_pretrained``); without it the model
    pinned in ``lock`` (default: :func:`pipeline.lock.default_lock_path`) is used."""

    def __init__(self, *, model_dir: str | Path | None = None, lock: str | Path | None = None,
                 engine: str = "ctranslate2", beam: int | None = None,
                 compute_type: str = "int8", threads: int | None = None,
                 inter_threads: int | None = None, intra_threads: int | None = None,
                 max_source_tokens: int | None = None, cache: bool = True,
                 download: bool = True, report: Report | None = None,
                 on_progress: Callable[[int], None] | None = None) -> None:
        from . import model
        from .lock import default_lock_path
        from .schedule import Scheduler
        from .segment import splitter
        from .translate import EngineSpec

        self.report = report or _stderr
        self.spec = EngineSpec(name=engine, beam=beam, compute_type=compute_type,
                               max_source_tokens=max_source_tokens, threads=threads,
                               inter_threads=inter_threads, intra_threads=intra_threads)
        self.model_dir = None if model_dir is None else Path(model_dir)
        self.lock = None if model_dir is not None else Path(lock or default_lock_path())
        self.source = model.resolve(model_dir, self.lock, download=download, report=self.report)
        self.splitter = splitter("de")
        self.provenance = Provenance(model=self.source.provenance(),
                                     engine=self.spec.settings(self.source.path),
                                     splitter=self.splitter.name)
        key = translation_key(self.source.digest, self.spec.name, self.spec.key_options())
        self.fingerprint = run_fingerprint(key, self.splitter.name)
        self.memory = _open_memory(key, self.report) if cache else None
        self.scheduler = Scheduler(lambda: self.spec.load(self.source, report=self.report),
                                   self.memory, max_source_tokens, on_progress=on_progress)

    # --- translating ---------------------------------------------------------------------------

    def split(self, text: str) -> list[Sentence]:
        return self.splitter.split(text)

    def translate_documents(self, docs: Sequence[tuple[Document, list[Sentence]]],
                            doc_paths: Sequence[str] | None = None) -> list[list[Record] | InputError]:
        """Records for each (document, sentences), all sentences in one scheduler call. A
        document whose sentence the engine refuses (too long even after splitting) gets the
        :class:`InputError` instead of records; the others are still translated."""
        sources = [doc.slice(s) for doc, sents in docs for s in sents]
        try:
            outcomes = self.scheduler.translate(sources)
            per_doc: list = []
            pos = 0
            for doc, sents in docs:
                per_doc.append(outcomes[pos : pos + len(sents)])
                pos += len(sents)
        except InputError:  # one document's sentence was refused: retry each on its own
            per_doc = []
            for doc, sents in docs:
                try:
                    per_doc.append(self.scheduler.translate([doc.slice(s) for s in sents]))
                except InputError as exc:
                    per_doc.append(exc)
        out: list = []
        for n, ((doc, sents), mine) in enumerate(zip(docs, per_doc)):
            if isinstance(mine, InputError):
                out.append(mine)
                continue
            out.append(build_records(doc, sents, mine, self.provenance, self.fingerprint,
                                     doc_paths[n] if doc_paths is not None else None))
        return out

    def translate_document(self, doc: Document, doc_path: str | None = None) -> list[Record]:
        """The records of one document (``doc_path``: the path to record, default its own)."""
        (result,) = self.translate_documents([(doc, self.split(doc.text))],
                                             None if doc_path is None else [doc_path])
        if isinstance(result, InputError):
            raise result
        return result

    def translate_text(self, text: str, name: str = "<text>") -> list[Record]:
        """The records of ``text`` (``name`` stands in for its path); nothing is written."""
        return self.translate_document(Document.from_text(text, name))

    def close(self) -> None:
        if self.memory is not None:
            self.memory.close()
            self.memory = None

    def __enter__(self) -> Translator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def manifest_model(self) -> dict:
        """The run's model for the manifest: its provenance, plus the lock and its digest."""
        model = dict(self.provenance.model)
        if self.lock is not None:
            from .lock import read_lock

            model.update({"lock": str(self.lock), "lock_digest": read_lock(self.lock).digest()})
        return model


def _open_memory(key: str, report: Report):
    from .paths import cache_dir
    from .tm import TranslationMemory

    return TranslationMemory.open(cache_dir() / "tm.sqlite3", key, report)


def translate_text(text: str, *, name: str = "<text>", **options) -> list[Record]:
    """Split and translate ``text``; one :class:`Record` per sentence, nothing written.
    ``options`` are :class:`Translator`'s (``model_dir``, ``beam``, ``engine``, ...)."""
    with Translator(**options) as translator:
        return translator.translate_text(text, name)


# --- files -----------------------------------------------------------------------------------

def collect_inputs(inputs: Sequence[str | Path]) -> list[Path]:
    """Files as given, directories expanded to their ``*.txt`` (sorted). A missing path or a
    directory without ``*.txt`` is an :class:`InputError`; so are two inputs that would write
    the same output names."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.glob("*.txt") if not q.is_dir())
            if not found:
                raise InputError(f"{p}: directory holds no *.txt files to translate")
            out.extend(found)
        elif p.exists() or p.is_symlink():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    seen: dict[str, Path] = {}
    for p in out:
        if p.stem in seen and seen[p.stem] != p:
            raise InputError(f"{p}: has the same name as {seen[p.stem]}; both would be written to "
                             f"{p.stem}.jsonl — translate them into different output directories")
        seen[p.stem] = p
    return out


def record_path(src: Path, out_dir: Path) -> Path:
    """Where the canonical records of ``src`` go."""
    return out_dir / (src.stem + jsonl.SUFFIX)


def relative_path(path: Path, out_dir: Path) -> str:
    """``path`` as seen from ``out_dir`` (POSIX separators): what a record names as its
    source, so that it is found from any working directory."""
    try:
        return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(out_dir))).as_posix()
    except ValueError:  # another drive (Windows): only an absolute path can say where
        return Path(os.path.abspath(path)).as_posix()


def stage_outputs(batch: AtomicBatch, records: list[Record], out_dir: Path, stem: str,
                  selected: Sequence[str] = ALL_FORMATS, only_missing: bool = False,
                  unit: object = None) -> dict[str, str]:
    """Add one document's selected side formats to ``batch``, then its canonical JSONL (the
    batch renames in that order: a JSONL on disk always means a complete set). Files of formats
    not selected are removed, since they would disagree with the new records. Returns the
    sha256 of each file added, by name."""
    side = [name for name in selected if name != formats.CANONICAL]
    names = formats.filenames(stem)
    if not only_missing:
        for name, files in names.items():
            if name in selected:
                continue
            for filename in files:
                try:
                    os.unlink(out_dir / filename)
                except FileNotFoundError:
                    pass
    added: dict[str, str] = {}
    for name in side + [formats.CANONICAL]:
        if only_missing and all((out_dir / f).exists() for f in names[name]):
            continue  # nothing to render
        for filename, pieces in formats.stream(name, records, stem).items():
            if only_missing and (out_dir / filename).exists():
                continue
            added[filename] = batch.add(out_dir / filename, pieces, unit)
    return added


def read_document(path: Path, encoding: str, max_line_chars: int, warn: Report) -> Document:
    """Read one input; refuse lines longer than any article paragraph; warn about control
    characters (kept as they are) and about UTF-8 text read as another encoding."""
    from .document import misread_utf8, read_input

    data = read_input(path)
    doc = Document.from_bytes(data, str(path), encoding)
    if misread_utf8(data, doc.encoding):
        warn(f"warning: {path}: is valid UTF-8 with non-ASCII text but is read as "
             f"{doc.encoding}, which garbles it; use --encoding utf-8 or auto")
    for n, line in enumerate(doc.text.split("\n"), 1):
        if len(line) > max_line_chars:
            raise InputError(f"{path}: line {n} is {len(line):,} characters long (limit "
                             f"{max_line_chars:,}); not an article paragraph: split it or raise "
                             "--max-line-chars")
    controls = [m.start() for m in _CONTROL.finditer(doc.text)]
    if controls:
        warn(f"warning: {path}: {len(controls)} control character(s), first U+{ord(doc.text[controls[0]]):04X} "
             f"at offset {controls[0]}; kept as they are")
    return doc


def up_to_date(doc: Document, doc_path: str, fingerprint: str, target: Path) -> bool:
    """Whether ``target`` already holds the records of these exact bytes, decoded the same way,
    at this path, with this exact run fingerprint (its first line says so; a damaged rest is
    caught when the records are read)."""
    try:
        first = Record.from_json(jsonl.first_line(target))
    except (OSError, ValueError, PipelineError):
        return False
    return (first.doc_sha256 == doc.sha256 and first.fingerprint == fingerprint
            and first.doc_encoding == doc.encoding and first.doc_path == doc_path
            and first.index == 0)


@dataclass
class _Pending:
    path: Path
    doc: Document
    doc_path: str
    sentences: list[Sentence]


def translate_files(inputs: Sequence[str | Path], out_dir: str | Path, *,
                    translator: Translator | None = None,
                    formats: Sequence[str] = ALL_FORMATS, encoding: str = "utf-8",
                    window: int = DEFAULT_WINDOW, max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
                    force: bool = False, report: Report = _stderr,
                    on_document: Callable[[], None] = lambda: None,
                    on_window: Callable[[int], None] = lambda n: None,
                    **options) -> RunSummary:
    """Translate each input (files, or directories of ``*.txt``) into ``out_dir``: per input
    ``<stem>.jsonl`` and the selected side formats, plus ``manifest.json``. Documents whose
    outputs are up to date are skipped. ``options`` build a :class:`Translator` when none is
    given. ``on_window(n)`` is called after the n-th window is written (tests use it to stop a
    run at a known point)."""
    from . import formats as formats_mod
    from . import manifest
    from .io import sweep_stale_temps

    started = time.time()
    paths = collect_inputs(inputs)
    selected = formats_mod.parse_selection(formats)
    out = Path(out_dir)
    own = translator is None
    if own:
        translator = Translator(report=report, **options)
    try:
        _prepare_output_dir(out)
        sweep_stale_temps(out, formats_mod.is_output_name)  # of a run killed mid-write
        run = _Run(translator, out, selected, encoding, report, on_document)
        windows = 0
        for path in paths:
            run.add(path, force, max_line_chars)
            if run.size >= window:
                run.flush()
                windows += 1
                on_window(windows)
        if run.pending:
            run.flush()
            windows += 1
            on_window(windows)
        summary = run.summary
        stats = translator.scheduler.stats
        summary.engine, summary.memory = stats.translated, stats.from_cache
        summary.passed_through = stats.passed_through
        summary.manifest = manifest.write_run(
            out, run.entries, run.inputs, translator=translator, summary=summary,
            settings={"formats": list(selected), "encoding": encoding, "window": window,
                      "max_line_chars": max_line_chars, "force": force},
            started=started, report=report)
        return summary
    finally:
        if own:
            translator.close()


def write_failure(exc: OSError) -> str:
    """Why an output could not be written, and what to do about it."""
    import errno

    why = f"cannot write output: {exc.strerror or exc}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return why + "; free some space and run again (finished documents are kept)"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return why + "; make the output directory writable or choose another with -o"
    return why


def _prepare_output_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{out}: exists and is not a directory; choose another output "
                          "directory with -o") from None
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output directory ({exc.strerror or exc}); "
                          "choose another one with -o") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: the output directory is not writable; fix its permissions "
                          "or choose another one with -o")


class _Run:
    """The state of one :func:`translate_files` call: documents waiting for their window, and
    what the manifest will say."""

    def __init__(self, translator: Translator, out: Path, selected: tuple[str, ...],
                 encoding: str, report: Report, on_document: Callable[[], None]) -> None:
        self.translator = translator
        self.out = out
        self.selected = selected
        self.encoding = encoding
        self.report = report
        self.on_document = on_document
        self.summary = RunSummary()
        self.pending: list[_Pending] = []
        self.size = 0
        self.entries: dict[str, object] = {}  # record file name -> manifest.Described
        self.inputs: list[dict] = []

    def _input(self, path: Path, sha256: str | None, status: str, error: str | None = None) -> None:
        # a name that is not UTF-8 is written with its bytes escaped (\udce4): JSON holds text
        item = {"path": relative_path(path, self.out).encode("utf-8", "backslashreplace").decode(),
                "sha256": sha256, "status": status}
        if error is not None:
            item["error"] = error.encode("utf-8", "backslashreplace").decode()
        self.inputs.append(item)

    def fail(self, path: Path, why: str, sha256: str | None = None) -> None:
        self.summary.failed.append((path, why))
        self._input(path, sha256, "failed", why)
        self.on_document()
        self.report(f"error: {path}: {why}")

    def add(self, path: Path, force: bool, max_line_chars: int) -> None:
        try:
            str(path).encode("utf-8")
        except UnicodeEncodeError:  # its records could not name it, nor any format hold it
            self.fail(path, "the file name is not valid UTF-8; rename the file")
            return
        try:
            doc = read_document(path, self.encoding, max_line_chars, self.report)
        except InputError as exc:
            self.fail(path, str(exc).removeprefix(f"{path}: "))
            return
        doc_path = relative_path(path, self.out)
        target = record_path(path, self.out)
        if not force and up_to_date(doc, doc_path, self.translator.fingerprint, target):
            try:
                self._skip(path, doc, target)
                return
            except PipelineError:
                pass  # the rest of the record file is damaged: translate again
            except OSError as exc:
                self.fail(path, write_failure(exc), doc.sha256)
                return
        self.pending.append(_Pending(path, doc, doc_path, self.translator.split(doc.text)))
        self.size += len(self.pending[-1].sentences)

    def _skip(self, path: Path, doc: Document, target: Path) -> None:
        """An up-to-date document: render only missing side files, touch the record file (so
        that make agrees it is done), describe it for the manifest."""
        from . import manifest

        records = jsonl.read(target)
        before = manifest.file_stats(target)
        with atomic_files() as batch:
            written = stage_outputs(batch, records, self.out, path.stem, self.selected,
                                    only_missing=True)
        os.utime(target)
        self.entries[target.name] = manifest.Described(target, records, manifest.UP_TO_DATE,
                                                       written, None if written else before)
        self.summary.skipped.append(path)
        self._input(path, doc.sha256, manifest.UP_TO_DATE)
        self.on_document()

    def flush(self) -> None:
        from . import manifest

        pending, self.pending, self.size = self.pending, [], 0
        results = self.translator.translate_documents(
            [(p.doc, p.sentences) for p in pending], [p.doc_path for p in pending])
        batch = AtomicBatch()  # the whole window: one sync, then the renames
        staged: list[tuple[_Pending, list[Record], dict[str, str]]] = []
        try:
            for p, records in zip(pending, results):
                if isinstance(records, InputError):
                    self.fail(p.path, str(records), p.doc.sha256)
                    continue
                mark = len(batch)
                try:
                    written = stage_outputs(batch, records, self.out, p.path.stem, self.selected,
                                            unit=p.path)
                except OSError as exc:
                    batch.abort(mark)
                    self.fail(p.path, write_failure(exc), p.doc.sha256)
                    continue
                staged.append((p, records, written))
            try:
                failed = batch.commit()
            except OSError as exc:  # the files could not be made durable: none was renamed
                failed = {p.path: exc for p, _, _ in staged}
        except BaseException:  # not an output problem (an interrupt, a bug): leave no temporaries
            batch.abort()
            raise
        for p, records, written in staged:
            if p.path in failed:
                exc = failed[p.path]
                self.fail(p.path, write_failure(exc), p.doc.sha256)
                continue
            target = record_path(p.path, self.out)
            self.entries[target.name] = manifest.Described(target, records, manifest.TRANSLATED,
                                                           written)
            self.summary.translated.append(p.path)
            self.summary.sentences += len(records)
            self._input(p.path, p.doc.sha256, manifest.TRANSLATED)
            self.on_document()
            self.report(f"translated {p.path} -> {target} ({len(records)} sentences)")


__all__ = ["Translator", "RunSummary", "translate_text", "translate_files", "collect_inputs",
           "record_path", "relative_path", "stage_outputs", "up_to_date", "read_document"]
