"""A translation run: inputs in, one record file (plus side formats) per input out.

Each input is read, split and translated on its own; a bad input is reported and skipped, and
every output is written atomically, so nothing already done is lost and nothing half-written
is left behind.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .align import build_records
from .document import Document
from .errors import InputError, PipelineError
from . import formats
from .formats import jsonl
from .io import atomic_writer
from .provenance import Provenance


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
                f"{len(self.failed)} failed ({self.sentences} sentences)")


def collect_inputs(inputs: Sequence[str | Path]) -> list[Path]:
    """Files as given, directories expanded to their ``*.txt`` (sorted). A missing path or a
    directory without ``*.txt`` is an :class:`InputError`."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(q for q in p.glob("*.txt") if q.is_file())
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


def write_outputs(records: list[dict], out_dir: Path, stem: str,
                  selected: Sequence[str] = ("jsonl", "tsv")) -> None:
    """Write the selected side formats first and the canonical JSONL last, each atomically:
    a JSONL on disk always means a complete set."""
    side = [name for name in selected if name != formats.CANONICAL]
    for name in side + [formats.CANONICAL]:
        for filename, text in formats.render(name, records, stem).items():
            with atomic_writer(out_dir / filename) as f:
                f.write(text)


def translate_files(
    paths: Sequence[Path],
    out_dir: Path,
    engine_factory: Callable[[], object],
    provenance_for: Callable[[object], Provenance],
    splitter,
    *,
    encoding: str = "utf-8",
    report: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr),
) -> RunSummary:
    """Translate each path into ``out_dir``. The engine is built on first need only."""
    summary = RunSummary()
    engine = None
    provenance = None
    for path in paths:
        try:
            doc = Document.from_path(path, encoding=encoding)
            sentences = splitter.split(doc.text)
            if engine is None:
                engine = engine_factory()
                provenance = provenance_for(engine)
            translations = engine.translate([doc.slice(s) for s in sentences])
            records = build_records(doc, sentences, translations, provenance, encoding)
            write_outputs(records, out_dir, path.stem)
        except InputError as exc:
            summary.failed.append((path, str(exc)))
            report(f"error: {exc}")
            continue
        except OSError as exc:
            summary.failed.append((path, str(exc)))
            report(f"error: {path}: cannot write output: {exc.strerror or exc}")
            continue
        summary.translated.append(path)
        summary.sentences += len(records)
        report(f"translated {path} -> {record_path(path, out_dir)} ({len(records)} sentences)")
    return summary


__all__ = ["RunSummary", "collect_inputs", "translate_files", "record_path", "write_outputs", "PipelineError"]
