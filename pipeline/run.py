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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import formats
from .archive import DEFAULT_ID_FIELD, DEFAULT_TEXT_FIELD, Article
from .document import Document, Sentence
from .errors import InputError, OutputError, PipelineError
from .formats import jsonl
from .io import AtomicBatch, atomic_files
from .io import prepare_output_dir as _prepare_output_dir
from .outputs import Inputs, overwrite_message, refuse_clash, tool_output, walk
from .outputs import relative_source as relative_path
from .provenance import Provenance, run_fingerprint, translation_key
from .records import Record, build_records

DEFAULT_WINDOW = 500
DEFAULT_MAX_LINE_CHARS = 100_000
#: The most ``max_line_chars`` may be: a record holds a sentence (at most a line, each character
#: at most 6 bytes once escaped) and its translation, and must fit a record file's line.
MAX_LINE_CHARS_LIMIT = jsonl.MAX_LINE_BYTES // 16
ALL_FORMATS = tuple(formats.REGISTRY)
#: ``text``: each input file is one article; ``jsonl``: each line of each input is one.
INPUT_FORMATS = ("text", "jsonl")
#: C0 controls other than tab, LF and CR; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

Report = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


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
                 on_progress: Callable[[int], None] | None = None, src_lang: str = "de") -> None:
        from . import model
        from .lock import default_lock_path
        from .schedule import Scheduler
        from .segment import splitter
        from .translate import EngineSpec

        self.report = report or _stderr
        #: What another process needs to build the same translator (a Ray actor does).
        self.options = dict(model_dir=None if model_dir is None else str(Path(model_dir).absolute()),
                            lock=None if lock is None else str(Path(lock).absolute()),
                            engine=engine, beam=beam, compute_type=compute_type, threads=threads,
                            inter_threads=inter_threads, intra_threads=intra_threads,
                            max_source_tokens=max_source_tokens, cache=cache, download=download,
                            src_lang=src_lang)
        self.spec = EngineSpec(name=engine, beam=beam, compute_type=compute_type,
                               max_source_tokens=max_source_tokens, threads=threads,
                               inter_threads=inter_threads, intra_threads=intra_threads)
        self.model_dir = None if model_dir is None else Path(model_dir)
        self.lock = None if model_dir is not None else Path(lock or default_lock_path())
        self.source = model.resolve(model_dir, self.lock, download=download, report=self.report)
        self.splitter = splitter(src_lang)  # the source language's splitter
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

def collect_inputs(inputs: Sequence[str | Path], input_format: str = "text",
                   note: Report | None = None) -> list[Path]:
    """Files as given, directories expanded to their ``*.txt`` (``*.jsonl`` for JSONL
    archives; sorted; hidden files left out). The tool's own outputs (record files, side files
    listed in a manifest, manifests) are never inputs: they are left out, and ``note`` is told.
    A missing path or a directory without such files is an :class:`InputError`; so are two
    text inputs that would write the same output names."""
    if input_format not in INPUT_FORMATS:
        raise InputError(f"unknown input format {input_format!r}; choose one of: "
                         f"{', '.join(INPUT_FORMATS)}")
    pattern = "*.jsonl" if input_format == "jsonl" else "*.txt"
    out: list[Path] = []
    manifests: dict = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = walk(p, pattern, manifests, note)
            if not found:
                raise InputError(f"{p}: directory holds no {pattern} files to translate")
            out.extend(found)
        elif p.exists() or p.is_symlink():
            what = tool_output(p, manifests)
            if what is None:
                out.append(p)
            elif note is not None:
                note(f"note: {p}: left out, {what} pipeline wrote, not an input")
        else:
            raise InputError(f"{p}: no such file or directory")
    if input_format == "jsonl":
        return list(dict.fromkeys(out))  # an article's name is its id, not the archive's
    seen: dict[str, Path] = {}
    for p in out:
        if p.stem in seen and seen[p.stem] != p:
            raise InputError(f"{p}: has the same name as {seen[p.stem]}; both would be written to "
                             f"{p.stem}.jsonl — translate them into different output directories")
        seen[p.stem] = p
    return out


def check_line_limit(max_line_chars: int) -> None:
    """Refuse a line limit under which a record could be longer than a reader takes."""
    if max_line_chars > MAX_LINE_CHARS_LIMIT:
        raise InputError(f"--max-line-chars {max_line_chars:,} is more than "
                         f"{MAX_LINE_CHARS_LIMIT:,}: a record of such a line could not be read "
                         "back; split the text into paragraphs")


def record_path(src: Path | str, out_dir: Path) -> Path:
    """Where the canonical records of ``src`` (a path, or an output stem) go."""
    return out_dir / ((src.stem if isinstance(src, Path) else src) + jsonl.SUFFIX)


@dataclass(frozen=True)
class Input:
    """One document to translate: a text file, or one line (one article) of a JSONL archive.

    ``path`` is the file read (the archive, for an article), ``stem`` names the outputs,
    ``label`` names the input in messages and in the summary (``archive.jsonl:7`` for an
    article). ``article`` is the parsed line; ``error`` says why a line is no article (it is
    reported as a failed input, and the run goes on)."""

    path: Path
    stem: str
    label: str
    line: int | None = None  # the archive line, for an article or a bad line
    article: Article | None = None
    error: str | None = None

    @property
    def name(self) -> Path | str:
        """What the summary lists: the file, or ``archive.jsonl:7`` for an archive line."""
        return self.path if self.line is None else self.label

    def load(self, encoding: str, max_line_chars: int, warn: Report) -> Document:
        """The document, read and checked as :func:`read_document` does; an
        :class:`InputError` when it cannot be translated."""
        if self.error is not None:
            raise InputError(self.error)
        if self.article is None:
            return read_document(self.path, encoding, max_line_chars, warn)
        doc = self.article.document()
        check_document(doc, self.label, max_line_chars, warn)
        return doc


def iter_inputs(paths: Sequence[Path], input_format: str = "text", *,
                id_field: str = DEFAULT_ID_FIELD,
                text_field: str = DEFAULT_TEXT_FIELD) -> Iterator[Input]:
    """The documents of ``paths`` (from :func:`collect_inputs`), streamed: each text file, or
    each line of each archive. An article whose output names are taken by an earlier one
    (ids that differ only in characters a file name cannot hold) is refused (one whose outputs
    would be written over an input is refused by the run); a line is read only when the one
    before it is done with."""
    if input_format != "jsonl":
        for p in paths:
            yield Input(p, p.stem, str(p))
        return
    from .archive import BadLine, iter_archive, safe_stem

    stems: dict[str, str] = {}
    for p in paths:
        try:
            items = iter_archive(p, id_field=id_field, text_field=text_field)
            for item in items:
                label = f"{p}:{item.line}"
                if isinstance(item, BadLine):
                    yield Input(p, "", label, item.line, error=item.why)
                    continue
                stem = safe_stem(item.doc_id)
                why = None
                if stem in stems:
                    why = (f"article {item.doc_id!r} would be written to {stem}{jsonl.SUFFIX}, as "
                           f"{stems[stem]} is; ids must differ in more than characters a file "
                           "name cannot hold")
                else:
                    stems[stem] = f"{label} ({item.doc_id!r})"
                yield Input(p, stem, label, item.line, article=item, error=why)
        except InputError as exc:  # the archive itself cannot be read
            yield Input(p, "", str(p), error=str(exc).removeprefix(f"{p}: "))


def stage_outputs(batch: AtomicBatch, records: list[Record], out_dir: Path, stem: str,
                  selected: Sequence[str] = ALL_FORMATS,
                  keep: Callable[[str], bool] | None = None,
                  unit: object = None) -> dict[str, str]:
    """Add one document's selected side formats to ``batch``, then its canonical JSONL (the
    batch renames in that order: a JSONL on disk always means a complete set). Files of formats
    not selected are removed, since they would disagree with the new records. With ``keep``
    (a rerun of an up-to-date document), only the files it does not keep (by name: missing or
    damaged) are rendered, and nothing is removed. Returns the sha256 of each file added, by
    name."""
    side = [name for name in selected if name != formats.CANONICAL]
    names = formats.filenames(stem)
    if keep is None:
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
        if keep is not None and all(keep(f) for f in names[name]):
            continue  # nothing to render
        for filename, pieces in formats.stream(name, records, stem).items():
            if keep is not None and keep(filename):
                continue
            added[filename] = batch.add(out_dir / filename, pieces, unit)
    return added


def read_document(path: Path, encoding: str, max_line_chars: int, warn: Report) -> Document:
    """Read one input; refuse lines longer than any article paragraph; warn about control
    characters (kept as they are) and about UTF-8 text read as another encoding."""
    from .document import read_input

    return decode_document(read_input(path), str(path), encoding, max_line_chars, warn)


def read_stdin(stream, encoding: str, max_line_chars: int, warn: Report) -> Document:
    """One article from a binary stream (standard input), with the limits of a file: at most
    the bytes of a file, no line over ``max_line_chars``, stopped as soon as one is passed."""
    from .document import read_stream

    data = read_stream(stream, "<stdin>", max_line_chars=max_line_chars)
    return decode_document(data, "<stdin>", encoding, max_line_chars, warn)


def decode_document(data: bytes, path: str, encoding: str, max_line_chars: int,
                    warn: Report) -> Document:
    """The checks of :func:`read_document` on bytes already read."""
    from .document import misread_utf8

    doc = Document.from_bytes(data, path, encoding)
    if misread_utf8(data, doc.encoding):
        warn(f"warning: {path}: is valid UTF-8 with non-ASCII text but is read as "
             f"{doc.encoding}, which garbles it; use --encoding utf-8 or auto")
    check_document(doc, path, max_line_chars, warn)
    return doc


def check_document(doc: Document, path: str, max_line_chars: int, warn: Report) -> None:
    """Refuse a line longer than any article paragraph; warn about control characters."""
    for n, line in enumerate(doc.text.split("\n"), 1):
        if len(line) > max_line_chars:
            raise InputError(f"{path}: line {n} is {len(line):,} characters long (limit "
                             f"{max_line_chars:,}); not an article paragraph: split it or raise "
                             "--max-line-chars")
    controls = [m.start() for m in _CONTROL.finditer(doc.text)]
    if controls:
        warn(f"warning: {path}: {len(controls)} control character(s), first U+{ord(doc.text[controls[0]]):04X} "
             f"at offset {controls[0]}; kept as they are")


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
            and first.doc_id == doc.doc_id and first.doc_line == doc.doc_line
            and first.index == 0)


@dataclass
class _Pending:
    """A document waiting for its window: its input, text, recorded path and sentences."""

    input: Input
    doc: Document
    doc_path: str
    sentences: list[Sentence]


@dataclass(frozen=True)
class Written:
    """A document whose outputs are written: its records, and the sha256 of each file."""

    records: list[Record]
    files: dict[str, str]


def translate_files(inputs: Sequence[str | Path], out_dir: str | Path, *,
                    translator: Translator | None = None,
                    formats: Sequence[str] = ALL_FORMATS, encoding: str = "utf-8",
                    window: int = DEFAULT_WINDOW, max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
                    force: bool = False, input_format: str = "text",
                    id_field: str = DEFAULT_ID_FIELD, text_field: str = DEFAULT_TEXT_FIELD,
                    ray: str | None = None, actors: int | None = None,
                    report: Report = _stderr,
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

    ``ray``: the same run on Ray Data (``"local"``, ``"auto"`` or a cluster address; see
    :mod:`pipeline.cluster`) with ``actors`` translators; the outputs are the same."""
    from . import formats as formats_mod
    from . import manifest
    from .io import sweep_stale_temps

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
    refuse_clash(read, out / manifest.FILENAME, "the run's manifest")
    own = translator is None
    if own:
        translator = Translator(report=report, **options)
    try:
        _prepare_output_dir(out)
        sweep_stale_temps(out, formats_mod.is_output_name)  # of a run killed mid-write
        run = _Run(translator, out, selected, encoding, report, on_document, read)
        items = iter_inputs(paths, input_format, id_field=id_field, text_field=text_field)
        settings = {"formats": list(selected), "encoding": encoding, "window": window,
                    "max_line_chars": max_line_chars, "force": force}
        if input_format == "jsonl":
            settings.update(input_format=input_format, id_field=id_field, text_field=text_field)
        if ray is not None:
            from .cluster import run_on_ray

            settings["ray"] = run_on_ray(run, items, ray, actors=actors, window=window,
                                         force=force, max_line_chars=max_line_chars,
                                         on_window=on_window)
        else:
            windows = 0
            for item in items:
                run.add(item, force, max_line_chars)
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
            out, run.entries, run.input_entries(), translator=translator, summary=summary,
            settings=settings, started=started, report=report)
        return summary
    finally:
        if own:
            translator.close()


def write_window(translator: Translator, pending: Sequence[_Pending], out: Path,
                 selected: Sequence[str]) -> list[Written | str]:
    """Translate one window's documents in one scheduler call and write each one's outputs:
    one batch for the window (one sync, then the renames, each document's JSONL last). Per
    document what was written, or why it failed (a sentence the engine refused, an output
    that could not be written); the other documents go on."""
    results = translator.translate_documents(
        [(p.doc, p.sentences) for p in pending], [p.doc_path for p in pending])
    outcome: list[Written | str] = [""] * len(pending)
    batch = AtomicBatch()
    staged: list[tuple[int, list[Record], dict[str, str]]] = []
    try:
        for k, (p, records) in enumerate(zip(pending, results)):
            if isinstance(records, InputError):
                outcome[k] = str(records)
                continue
            mark = len(batch)
            try:
                written = stage_outputs(batch, records, out, p.input.stem, selected, unit=k)
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


def write_failure(exc: OSError) -> str:
    """Why an output could not be written, and what to do about it."""
    import errno

    why = f"cannot write output: {exc.strerror or exc}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return why + "; free some space and run again (finished documents are kept)"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return why + "; make the output directory writable or choose another with -o"
    return why


def _text(value: str) -> str:
    """``value`` with any lone surrogate (a file name that is not UTF-8) escaped."""
    return value.encode("utf-8", "backslashreplace").decode()


class _Run:
    """The state of one :func:`translate_files` call: documents waiting for their window, and
    what the manifest will say."""

    def __init__(self, translator: Translator, out: Path, selected: tuple[str, ...],
                 encoding: str, report: Report, on_document: Callable[[], None],
                 inputs: Inputs | None = None) -> None:
        self.translator = translator
        self.read = inputs or Inputs()  # the files the run reads: never written over
        self.out = out
        self.selected = selected
        self.encoding = encoding
        self.report = report
        self.on_document = on_document
        self.summary = RunSummary()
        self.pending: list[_Pending] = []
        self.size = 0
        self.entries: dict[str, object] = {}  # record file name -> manifest.Described
        self.provenances: dict[str, dict] = {}  # fingerprint -> provenance, one copy per run
        self.inputs: list[dict | list[dict]] = []  # a list: the entries of a reserved window
        self._previous: dict[str, dict] | None = None  # the manifest's entries, read on need

    def reserve(self) -> list[dict]:
        """A place in the manifest's inputs for a window whose outcome comes later (a Ray
        run), so that they are listed in the order a plain run lists them."""
        slot: list[dict] = []
        self.inputs.append(slot)
        return slot

    def input_entries(self) -> list[dict]:
        return [e for item in self.inputs for e in (item if isinstance(item, list) else [item])]

    def _input(self, inp: Input, sha256: str | None, status: str, error: str | None = None,
               into: list | None = None) -> None:
        # a name that is not UTF-8 is written with its bytes escaped (\udce4): JSON holds text
        item: dict = {"path": _text(relative_path(inp.path, self.out)), "sha256": sha256,
                      "status": status}
        if inp.line is not None:
            if inp.article is not None:
                item["doc_id"] = inp.article.doc_id
            item["doc_line"] = inp.line
        if error is not None:
            item["error"] = _text(error)
        (self.inputs if into is None else into).append(item)

    def fail(self, inp: Input, why: str, sha256: str | None = None,
             into: list | None = None) -> None:
        self.summary.failed.append((inp.name, why))
        self._input(inp, sha256, "failed", why, into)
        self.on_document()
        self.report(f"error: {inp.label}: {why}")

    def decide(self, inp: Input, force: bool, max_line_chars: int) -> _Pending | None:
        """Read ``inp``: a document to translate (split), or None when it failed (reported)
        or its outputs are up to date (missing side files rendered, described)."""
        try:
            str(inp.path).encode("utf-8")
        except UnicodeEncodeError:  # its records could not name it, nor any format hold it
            self.fail(inp, "the file name is not valid UTF-8; rename the file")
            return None
        if inp.error is None and self._clashes(inp):
            return None
        try:
            doc = inp.load(self.encoding, max_line_chars, self.report)
        except InputError as exc:
            self.fail(inp, str(exc).removeprefix(f"{inp.label}: "))
            return None
        doc_path = relative_path(inp.path, self.out)
        target = record_path(inp.stem, self.out)
        if not force and up_to_date(doc, doc_path, self.translator.fingerprint, target):
            try:
                self._skip(inp, doc, target)
                return None
            except PipelineError:
                pass  # the rest of the record file is damaged: translate again
            except OSError as exc:
                self.fail(inp, write_failure(exc), doc.sha256)
                return None
        return _Pending(inp, doc, doc_path, self.translator.split(doc.text))

    def _clashes(self, inp: Input) -> bool:
        """Whether an output of ``inp`` would be written over (or, not selected, remove) a
        file the run reads; the document is then failed."""
        names = [f for files in formats.filenames(inp.stem).values() for f in files]
        found = self.read.first_clash(self.out, names)
        if found is None:
            return False
        hit, target = found
        if inp.article is not None:
            self.fail(inp, f"article {inp.article.doc_id!r} would be written over an input "
                           f"archive ({target} is {hit}); choose another output directory with -o")
        else:
            self.fail(inp, overwrite_message(found))
        return True

    def add(self, inp: Input, force: bool, max_line_chars: int) -> None:
        pending = self.decide(inp, force, max_line_chars)
        if pending is not None:
            self.pending.append(pending)
            self.size += len(pending.sentences)

    def _skip(self, inp: Input, doc: Document, target: Path) -> None:
        """An up-to-date document: render only side files that are missing or differ from what
        the manifest says was written, touch the record file (so that make agrees it is done),
        describe it for the manifest."""
        from . import manifest

        records = jsonl.read(target)
        before = manifest.file_stats(target)
        if self._previous is None:
            try:
                self._previous = manifest.previous_entries(manifest.read(self.out))[0]
            except (PipelineError, OSError):
                self._previous = {}
        sound = manifest.sound_outputs(target, self._previous.get(target.name), before)
        sound.add(target.name)  # the records themselves were just read whole
        with atomic_files() as batch:
            written = stage_outputs(batch, records, self.out, inp.stem, self.selected,
                                    keep=sound.__contains__)
        os.utime(target)
        self.entries[target.name] = manifest.Described.of(
            target, records, manifest.UP_TO_DATE, written, None if written else before,
            shared=self.provenances)
        self.summary.skipped.append(inp.name)
        self._input(inp, doc.sha256, manifest.UP_TO_DATE)
        self.on_document()

    def flush(self) -> None:
        pending, self.pending, self.size = self.pending, [], 0
        for p, result in zip(pending, write_window(self.translator, pending, self.out,
                                                   self.selected)):
            self.finish(p.input, p.doc.sha256, result)

    def finish(self, inp: Input, sha256: str, result: Written | str,
               into: list | None = None) -> None:
        """Account for one document of a window: written, or failed (reported)."""
        from . import manifest

        if isinstance(result, str):
            self.fail(inp, result, sha256, into)
            return
        target = record_path(inp.stem, self.out)
        self.entries[target.name] = manifest.Described.of(
            target, result.records, manifest.TRANSLATED, result.files, shared=self.provenances)
        self.summary.translated.append(inp.name)
        self.summary.sentences += len(result.records)
        self._input(inp, sha256, manifest.TRANSLATED, into=into)
        self.on_document()
        self.report(f"translated {inp.label} -> {target} ({len(result.records)} sentences)")


__all__ = ["Translator", "RunSummary", "translate_text", "translate_files", "collect_inputs",
           "record_path", "relative_path", "stage_outputs", "up_to_date", "read_document",
           "Input", "iter_inputs", "write_window", "Written"]
