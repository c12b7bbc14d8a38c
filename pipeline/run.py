"""A translation run: inputs in, one record file (plus side formats) per input out.

Documents stream through in windows: each window's sentences from all its documents go to the
scheduler together (one engine call, shared de-duplication and translation memory), then each
document's outputs are written atomically, JSONL last. A document is skipped when its record
file already holds the same source sha256 and run fingerprint; a bad input is reported and
skipped; nothing already done is lost and nothing half-written is left behind.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import formats
from .records import build_records
from .document import Document, Sentence
from .errors import InputError, PipelineError
from .formats import jsonl
from .io import AtomicBatch, atomic_files
from .provenance import Provenance

DEFAULT_WINDOW = 500
DEFAULT_MAX_LINE_CHARS = 100_000
#: C0 controls other than tab, LF and CR; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass
class RunSummary:
    """What a run did, per input."""

    translated: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    sentences: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def line(self) -> str:
        return (f"{len(self.translated)} translated, {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed ({self.sentences} sentences translated)")


@dataclass(frozen=True)
class RunOptions:
    """Per-run settings that do not change a translation."""

    out_dir: Path
    formats: tuple[str, ...] = ("jsonl", "tsv")
    encoding: str = "utf-8"
    window: int = DEFAULT_WINDOW
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS
    force: bool = False


def collect_inputs(inputs: Sequence[str | Path]) -> list[Path]:
    """Files as given, directories expanded to their ``*.txt`` (sorted). A missing path or a
    directory without ``*.txt`` is an :class:`InputError`."""
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


def stage_outputs(batch: AtomicBatch, records: list[dict], out_dir: Path, stem: str,
                  selected: Sequence[str] = ("jsonl", "tsv"), only_missing: bool = False,
                  unit: object = None) -> int:
    """Add one document's selected side formats to ``batch``, then its canonical JSONL (the
    batch renames in that order: a JSONL on disk always means a complete set). Files of formats
    not selected are removed, since they would disagree with the new records. Returns the number
    of files added."""
    side = [name for name in selected if name != formats.CANONICAL]
    added = 0
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
    for name in side + [formats.CANONICAL]:
        if only_missing and all((out_dir / f).exists() for f in names[name]):
            continue  # nothing to render
        for filename, text in formats.render(name, records, stem).items():
            if only_missing and (out_dir / filename).exists():
                continue
            batch.add(out_dir / filename, text, unit)
            added += 1
    return added


def write_outputs(records: list[dict], out_dir: Path, stem: str,
                  selected: Sequence[str] = ("jsonl", "tsv"), only_missing: bool = False) -> int:
    """Write one document's outputs atomically, side formats first and the JSONL last.
    Returns the number of files written."""
    with atomic_files() as batch:
        return stage_outputs(batch, records, out_dir, stem, selected, only_missing)


def read_document(path: Path, encoding: str, max_line_chars: int,
                  warn: Callable[[str], None]) -> Document:
    """Read one input; refuse lines longer than any article paragraph; warn about control
    characters (kept as they are)."""
    doc = Document.from_path(path, encoding=encoding)
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


def up_to_date(doc: Document, path: Path, fingerprint: str, out_dir: Path,
               encoding: str = "utf-8") -> list[dict] | None:
    """The existing records of ``path`` if they were made from these exact bytes, decoded the
    same way, with this exact run fingerprint; else None."""
    target = record_path(path, out_dir)
    try:
        with open(target, encoding="utf-8") as f:
            first = json.loads(f.readline() or "null")
    except (OSError, ValueError):
        return None
    if not isinstance(first, dict) or first.get("doc_sha256") != doc.sha256 \
            or first.get("fingerprint") != fingerprint \
            or first.get("doc_encoding") != encoding:
        return None
    try:
        return jsonl.read(target)
    except PipelineError:
        return None


@dataclass
class _Pending:
    path: Path
    doc: Document
    sentences: list[Sentence]


def translate_files(
    paths: Sequence[Path],
    options: RunOptions,
    scheduler,
    provenance_for: Callable[[], Provenance],
    splitter,
    fingerprint: str,
    *,
    report: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr),
    settings: dict | None = None,
    on_document: Callable[[], None] = lambda: None,
) -> RunSummary:
    """Translate each path into ``options.out_dir`` through ``scheduler`` (which builds the
    engine on first need), skipping documents whose outputs are up to date."""
    started = time.time()
    from .io import sweep_stale_temps

    sweep_stale_temps(options.out_dir)  # temporaries of a run that was killed mid-write
    summary = RunSummary()
    pending: list[_Pending] = []
    size = 0
    provenance: list[Provenance] = []

    def cannot_write(path: Path, exc: OSError) -> None:
        why = f"cannot write output: {exc.strerror or exc}"
        summary.failed.append((path, why))
        on_document()
        report(f"error: {path}: {why}")

    def flush() -> None:
        nonlocal size
        if not pending:
            return
        sources = [p.doc.slice(s) for p in pending for s in p.sentences]
        try:
            outcomes = scheduler.translate(sources)
        except InputError:  # one document's sentence was refused: retry each on its own
            kept, outcomes = [], []
            for p in pending:
                try:
                    outcomes.extend(scheduler.translate([p.doc.slice(s) for s in p.sentences]))
                    kept.append(p)
                except InputError as exc:
                    summary.failed.append((p.path, str(exc)))
                    report(f"error: {p.path}: {exc}")
                    on_document()
            pending[:] = kept
        if not provenance:
            provenance.append(provenance_for())
        pos = 0
        batch = AtomicBatch()  # the whole window: one sync, then the renames
        staged: list[tuple[_Pending, int]] = []
        try:
            for p in pending:
                mine = outcomes[pos : pos + len(p.sentences)]
                pos += len(p.sentences)
                records = build_records(p.doc, p.sentences, mine, provenance[0], options.encoding,
                                        fingerprint)
                mark = len(batch)
                try:
                    stage_outputs(batch, records, options.out_dir, p.path.stem, options.formats,
                                  unit=p.path)
                except OSError as exc:
                    batch.abort(mark)
                    cannot_write(p.path, exc)
                    continue
                staged.append((p, len(records)))
            try:
                failed = batch.commit()
            except OSError as exc:  # the files could not be made durable: none was renamed
                failed = {p.path: exc for p, _ in staged}
            for p, _ in staged:
                if p.path in failed:
                    cannot_write(p.path, failed[p.path])
            staged = [(p, n) for p, n in staged if p.path not in failed]
        except BaseException:  # not an output problem (an interrupt, a bug): leave no temporaries
            batch.abort()
            raise
        for p, n in staged:
            summary.translated.append(p.path)
            on_document()
            summary.sentences += n
            report(f"translated {p.path} -> {record_path(p.path, options.out_dir)} "
                   f"({n} sentences)")
        pending.clear()
        size = 0

    for path in paths:
        try:
            doc = read_document(path, options.encoding, options.max_line_chars, report)
            if not options.force:
                existing = up_to_date(doc, path, fingerprint, options.out_dir, options.encoding)
                if existing is not None:
                    write_outputs(existing, options.out_dir, path.stem, options.formats,
                                  only_missing=True)
                    os.utime(record_path(path, options.out_dir))  # checked now: make agrees
                    summary.skipped.append(path)
                    on_document()
                    continue
            sentences = splitter.split(doc.text)
        except InputError as exc:
            summary.failed.append((path, str(exc).removeprefix(f"{path}: ")))
            on_document()
            report(f"error: {exc}")
            continue
        except OSError as exc:
            cannot_write(path, exc)
            continue
        pending.append(_Pending(path, doc, sentences))
        size += len(sentences)
        if size >= options.window:
            flush()
    flush()
    from .manifest import write_run_manifest

    write_run_manifest(options, summary, paths, provenance, splitter, fingerprint, scheduler,
                       started, settings, report)
    return summary


__all__ = ["RunSummary", "RunOptions", "collect_inputs", "translate_files", "record_path",
           "write_outputs", "stage_outputs", "up_to_date", "read_document"]
