"""``pipeline export``: re-render formats from existing record files, never re-translating."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import formats, manifest
from .errors import OutputError, VerificationError
from .formats import jsonl
from .io import atomic_files, prepare_output_dir


def export(selected: Sequence[str], record_files: Sequence[str | Path],
           out_dir: str | Path | None = None) -> list[Path]:
    """Render the ``selected`` formats of each record file into ``out_dir`` (default: beside
    the record file), each file atomically. The record file itself is copied only into another
    directory. A manifest already in a directory written to is refreshed. Returns the files
    written."""
    written: list[Path] = []
    touched: set[Path] = set()
    if out_dir is not None:
        prepare_output_dir(Path(out_dir))
    for item in record_files:
        src = Path(item)
        records = jsonl.read(src)
        if not records:
            raise VerificationError(f"{src}: holds no records; nothing to export")
        target = Path(out_dir) if out_dir is not None else src.parent
        same_dir = target.resolve() == src.parent.resolve() if target.exists() else False
        order = [n for n in selected if n != formats.CANONICAL]
        if formats.CANONICAL in selected:
            order.append(formats.CANONICAL)  # last, as in a run: its presence means complete
        try:
            with atomic_files() as batch:
                for name in order:
                    if name == formats.CANONICAL and same_dir:
                        continue
                    for filename, text in formats.render(name, records, src.stem).items():
                        batch.add(target / filename, text)
                        written.append(target / filename)
        except OSError as exc:
            where = exc.filename or target
            raise OutputError(f"{where}: cannot be written ({exc.strerror or exc}); choose "
                              "another directory with -o") from None
        touched.add(target)
    for directory in sorted(touched):
        manifest.refresh(directory)
    return written
