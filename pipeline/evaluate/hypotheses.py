"""Hypotheses and references, read for scoring.

Reading files. Plain-text hypotheses and references are read as the sacrebleu command line
reads them: UTF-8 (``.gz`` decompressed), split at ``\\n`` only, trailing whitespace removed from
each line; an empty line is an empty segment.

Record files (``pipeline translate`` output) become one hypothesis per *line of the source
document*: the targets of the records that start on one line are joined with a space, in record
order. That lines up with a test set kept one segment per line. From each record only
``line``, ``target``, ``index``, ``doc_path`` and ``doc_sha256`` are used (``doc_encoding``
too), and, through :func:`model_of_record`, the model its provenance names.

* Blank source lines have no record; they become empty hypotheses (an empty hypothesis scores as
  sacrebleu scores an empty line), so later lines stay aligned.
* How many lines a source has is taken from the source itself when ``verify`` can read it as
  it was translated (:func:`pipeline.verify.read_source`: the file at ``doc_path``, relative to
  the record file, or the article of an archive, with the recorded sha256). Its lines are then
  counted as sacrebleu counts them, at ``\\n``
  only; units the splitter saw on separate lines (it also breaks at ``\\r``, U+2028 …) within
  one ``\\n`` line are joined. Otherwise the count comes from the records (the last line with
  a record), so blank lines at the end of that source cannot be counted; the result's notes say
  so, and so does a count mismatch.
* A line break inside a target becomes a space and trailing whitespace is dropped, so the
  hypotheses, written one per line (``--write-hyp``), read back identically in sacrebleu.
* A count mismatch between hypotheses and references is always an :class:`EvaluationError`
  naming the files and both counts: never a silent misalignment.
* Several record files are concatenated in the order given; each source document stays a
  document, for per-document scores. Documents are grouped as ``verify`` groups them
  (:func:`pipeline.formats.jsonl.iter_documents`: one starts at each record of index 0), so a
  corpus holding one document twice scores it twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EvaluationError, InputError, VerificationError


def _read_utf8(path: Path, expected: str) -> str:
    """A file's text (gunzipped if ``.gz``), read by the one guarded reader of every command
    (regular files only, bounded, a ``.gz`` bounded once decompressed); every failure is an
    :class:`InputError` naming it."""
    from ..document import read_input

    data = read_input(path, gunzip=path.name.endswith(".gz"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (byte position {exc.start}); expected {expected}") from None


def read_lines(path: str | Path) -> tuple[str, ...]:
    """The segments of a plain-text file, read exactly as the sacrebleu command line reads
    them (UTF-8, ``.gz`` allowed, split at ``\\n`` only, trailing whitespace removed)."""
    import io

    text = _read_utf8(Path(path), "a UTF-8 text file with one segment per line")
    return tuple(line.rstrip() for line in io.StringIO(text, newline="\n"))


@dataclass(frozen=True)
class ModelUsed:
    """Which model a record file says translated it: the pinned hub model (``repo`` and
    ``revision``) or a local directory (``directory``)."""

    repo: str | None = None
    revision: str | None = None
    directory: str | None = None

    @property
    def label(self) -> str:
        if self.repo:
            return f"{self.repo}@{self.revision}" if self.revision else self.repo
        return f"local directory {self.directory}"


def model_of_record(model: Mapping[str, Any]) -> ModelUsed | None:
    """The model a record file's provenance names (``{"repo", "revision", "files"}`` for the
    pinned model, ``{"dir", "files"}`` for ``--model-dir``), or None if it names none."""
    repo, directory = model.get("repo"), model.get("dir")
    if isinstance(repo, str) and repo:
        revision = model.get("revision")
        return ModelUsed(repo=repo, revision=revision if isinstance(revision, str) else None)
    if isinstance(directory, str) and directory:
        return ModelUsed(directory=directory)
    return None


@dataclass(frozen=True)
class DocumentSpan:
    """One document's hypotheses: ``[start, end)`` into :attr:`Hypotheses.lines`."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Hypotheses:
    """The hypotheses of one system, where they came from, and what was assumed reading them."""

    lines: tuple[str, ...]
    documents: tuple[DocumentSpan, ...]
    files: tuple[str, ...]
    models: tuple[ModelUsed, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return files_label(self.files)


def files_label(files: Sequence[str]) -> str:
    if len(files) <= 3:
        return ", ".join(files)
    return f"{files[0]}, {files[1]} and {len(files) - 2} more files"


def hypotheses_from_text(paths: Sequence[str | Path]) -> Hypotheses:
    """Plain-text hypotheses, one segment per line; several files are concatenated in the
    order given, each one a document."""
    lines: list[str] = []
    docs = []
    for path in paths:
        got = read_lines(path)
        docs.append(DocumentSpan(str(path), len(lines), len(lines) + len(got)))
        lines.extend(got)
    return Hypotheses(tuple(lines), tuple(docs), tuple(str(p) for p in paths))


def _source_segments(path: Path, first: Any) -> tuple[int, list[int]] | None:
    """From the source document itself, as ``verify`` reads it (a text file or an archive
    article, unchanged since translation): its number of ``\\n``-separated lines, and for each
    of the pipeline's lines (``str.splitlines``, which also breaks at ``\\r``, U+2028 …) the
    ``\\n``-line it lies in. None if the source cannot be read as it was translated."""
    from bisect import bisect_right

    from ..document import line_starts
    from ..verify import read_source

    try:
        text = read_source(path, first).text
    except VerificationError:
        return None
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    count = len(newlines) + (0 if text.endswith("\n") else 1)
    return count, [bisect_right(newlines, s - 1) for s in line_starts(text)]


def _translation_only(path: Path):
    def check(n: int, record: Any) -> None:
        if not hasattr(record, "doc_path"):
            raise InputError(f"{path}:{n}: an alignment record, not a translation; score the "
                             "machine translations of record files from `pipeline translate`")
    return check


def hypotheses_from_records(paths: Sequence[str | Path]) -> Hypotheses:
    """One hypothesis per source line from record files (concatenated in the order given),
    one document at a time, grouped as ``verify`` groups them (a document starts at each
    record of index 0); see the module docstring for blank lines and line counts."""
    from ..formats import jsonl
    from ..verify import source_path

    lines: list[str] = []
    spans: list[DocumentSpan] = []
    models: list[ModelUsed] = []
    notes: list[str] = []
    for path in map(Path, paths):
        for first_line, records in jsonl.iter_documents(path, _translation_only(path),
                                                          strict=False):
            first = records[0]
            name = str(source_path(path, first.doc_path, None))
            for k, r in enumerate(records):
                if (r.doc_path, r.doc_sha256, r.doc_id) != (first.doc_path, first.doc_sha256,
                                                             first.doc_id):
                    raise InputError(f"{path}:{first_line + k}: names another document "
                                     f"({r.doc_path}) than line {first_line} ({first.doc_path})")
                if r.provenance is not None:
                    model = model_of_record(r.provenance.model)
                    if model is not None and model not in models:
                        models.append(model)
            indices = sorted(r.index for r in records)
            if len(set(indices)) != len(indices):
                raise InputError(f"{path}: {name} has two records with the same index; "
                                 "the file is corrupt or two runs were concatenated")
            last = max(r.line for r in records)
            source = _source_segments(path, first)
            if source is not None and last < len(source[1]):
                count, segment_of = source
            else:
                count, segment_of = last + 1, list(range(last + 1))
                notes.append(f"{name}: source not found or changed since translation; its "
                             f"line count ({count}) is taken from the records, so blank lines "
                             "at its end are not counted")
            targets: list[list[str]] = [[] for _ in range(count)]
            for r in sorted(records, key=lambda r: r.index):
                targets[segment_of[r.line]].append(r.target)
            spans.append(DocumentSpan(name, len(lines), len(lines) + count))
            # A line break inside a target would split it into two lines of a hypothesis file.
            lines.extend(" ".join(t for t in seg if t).replace("\n", " ").rstrip()
                         for seg in targets)
    return Hypotheses(tuple(lines), tuple(spans), tuple(str(p) for p in paths), tuple(models),
                      tuple(notes))

def record_files(path: str | Path) -> list[Path]:
    """A record file as given, or a directory's ``*.jsonl`` files, sorted by name."""
    p = Path(path)
    if p.is_dir():
        found = sorted(q for q in p.glob("*.jsonl") if q.is_file())
        if not found:
            raise InputError(f"{p}: directory holds no record files (*.jsonl)")
        return found
    if not p.exists():
        raise InputError(f"{p}: no such file or directory")
    return [p]


def is_record_path(path: str | Path) -> bool:
    """Is ``path`` read as records (a directory or a ``.jsonl`` file) or as plain text?"""
    p = Path(path)
    return p.is_dir() or p.name.endswith(".jsonl")


def load_run(paths: Sequence[str | Path], plain_text: bool = False) -> Hypotheses:
    """One system's hypotheses from record files, directories of them, or (``plain_text``)
    plain-text files; concatenated in the order given."""
    if plain_text:
        return hypotheses_from_text(paths)
    if not paths:
        raise EvaluationError("no hypotheses given")
    text = [p for p in paths if not is_record_path(p)]
    if text and len(text) < len(paths):
        raise EvaluationError(f"{text[0]}: mixes plain text with record files; give one kind "
                              "per system")
    if text:
        return hypotheses_from_text(paths)
    files = [f for p in paths for f in record_files(p)]
    return hypotheses_from_records(files)


@dataclass(frozen=True)
class References:
    """One or more reference files, one segment per line; ``streams[k][i]`` is segment ``i``
    of reference ``k`` (sacrebleu's layout)."""

    streams: tuple[tuple[str, ...], ...]
    files: tuple[str, ...]


def read_references(paths: Sequence[str | Path]) -> References:
    """Read reference files; they must have the same number of lines."""
    if not paths:
        raise EvaluationError("no reference given (--ref FILE)")
    streams = tuple(read_lines(p) for p in paths)
    for p, s in zip(paths[1:], streams[1:]):
        if len(s) != len(streams[0]):
            raise EvaluationError(f"references differ in length: {paths[0]} has "
                                  f"{len(streams[0])} lines but {p} has {len(s)}")
    return References(streams, tuple(str(p) for p in paths))


def check_counts(hypotheses: Hypotheses, references: References) -> None:
    """Refuse to score hypotheses that do not line up with the references, in one line that
    names the files and both counts."""
    n, m = len(hypotheses.lines), len(references.streams[0])
    if n == m:
        return
    hint = ""
    if hypotheses.notes:
        hint = (f" (for {len(hypotheses.notes)} document(s) the line count came from the "
                "records because the source was not found)")
    raise EvaluationError(f"{hypotheses.label}: {n} hypotheses but {files_label(references.files)} "
                          f"has {m} lines{hint}")
