"""``pipeline export``: re-render formats from existing record files, never re-translating."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from . import formats, manifest
from .errors import OutputError, VerificationError
from .formats import jsonl
from .io import atomic_files, prepare_output_dir
from .outputs import Inputs, refuse_clash, relative_source

#: The fields of each record kind that name a source relative to the record file.
_SOURCE_FIELDS = ("doc_path", "de_path", "en_path")


def export(selected: Sequence[str], record_files: Sequence[str | Path],
           out_dir: str | Path | None = None) -> list[Path]:
    """Render the ``selected`` formats of each record file into ``out_dir`` (default: beside
    the record file), each file atomically. The record file itself is copied only into another
    directory, its sources named from there, so that the copy verifies where it lies. No file
    exported from is written over. A manifest already in a directory written to is refreshed.
    Returns the files written."""
    written: list[Path] = []
    touched: set[Path] = set()
    read = Inputs(record_files)
    if out_dir is not None:
        prepare_output_dir(Path(out_dir))
    for item in record_files:
        src = Path(item)
        records = jsonl.read(src)
        if not records:
            raise VerificationError(f"{src}: holds no records; nothing to export")
        target = Path(out_dir) if out_dir is not None else src.parent
        same_dir = target.resolve() == src.parent.resolve() if target.exists() else False
        if not same_dir:
            records = moved(records, src.parent, target)
        order = [n for n in selected if n != formats.CANONICAL]
        if formats.CANONICAL in selected:
            order.append(formats.CANONICAL)  # last, as in a run: its presence means complete
        try:
            with atomic_files() as batch:
                for name in order:
                    if name == formats.CANONICAL and same_dir:
                        continue
                    for filename, text in formats.render(name, records, src.stem).items():
                        refuse_clash(read, target / filename, "the export")
                        batch.add(target / filename, text)
                        written.append(target / filename)
        except OutputError:
            raise
        except OSError as exc:
            where = exc.filename or target
            raise OutputError(f"{where}: cannot be written ({exc.strerror or exc}); choose "
                              "another directory with -o") from None
        touched.add(target)
    for directory in sorted(touched):
        manifest.refresh(directory)
    return written


def moved(records: list, old_dir: Path, new_dir: Path) -> list:
    """``records`` as a record file in ``new_dir`` says them: each relative source path
    (written from ``old_dir``) made relative to ``new_dir``; absolute paths stay."""
    base = os.path.realpath(old_dir)
    again: dict[str, str] = {}

    def there(path: str) -> str:
        if path not in again:
            again[path] = path if os.path.isabs(path) else relative_source(
                os.path.join(base, path), new_dir)
        return again[path]

    return [dataclasses.replace(r, **{f: there(getattr(r, f)) for f in _SOURCE_FIELDS
                                      if isinstance(getattr(r, f, None), str)})
            for r in records]
