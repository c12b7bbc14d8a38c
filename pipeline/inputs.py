"""What a run reads and how it is checked: input discovery, the archive-id rule, reading.

:func:`collect_inputs` expands the paths a user gives (never the tool's own outputs);
:func:`iter_inputs` streams them as :class:`Input` s, one per text file or per archive line
(an article whose output names another article already took is refused); :func:`read_document`
and :func:`check_document` read one and refuse what is no article paragraph.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .archive import DEFAULT_ID_FIELD, DEFAULT_TEXT_FIELD, Article
from .document import Document
from .errors import InputError
from .formats import jsonl
from .hashindex import HashIndex
from .outputs import tool_output, walk

DEFAULT_MAX_LINE_CHARS = 100_000
#: The most ``max_line_chars`` may be: a record holds a sentence (at most a line, each character
#: at most 6 bytes once escaped) and its translation, and must fit a record file's line.
MAX_LINE_CHARS_LIMIT = jsonl.MAX_LINE_BYTES // 16
#: ``text``: each input file is one article; ``jsonl``: each line of each input is one.
INPUT_FORMATS = ("text", "jsonl")
#: C0 controls other than tab, LF and CR; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

Report = Callable[[str], None]


def stderr(message: str) -> None:
    """The default report: one line on standard error."""
    print(message, file=sys.stderr)


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
    from .archive import BadLine, id_at, iter_archive, safe_stem

    stems = HashIndex(3)  # output name -> the archive, line and offset of the article taking it
    for k, p in enumerate(paths):
        try:
            items = iter_archive(p, id_field=id_field, text_field=text_field)
            for item in items:
                label = f"{p}:{item.line}"
                if isinstance(item, BadLine):
                    yield Input(p, "", label, item.line, error=item.why)
                    continue
                stem = safe_stem(item.doc_id)
                if stem == item.doc_id:
                    stem = item.doc_id  # one string for both
                why = None
                for a, line, offset in stems.candidates(stem):
                    doc_id = id_at(paths[a], offset, line, id_field=id_field,
                                   text_field=text_field)
                    if doc_id is not None and safe_stem(doc_id) == stem:
                        why = (f"article {item.doc_id!r} would be written to {stem}"
                               f"{jsonl.SUFFIX}, as {paths[a]}:{line} ({doc_id!r}) is; ids must "
                               "differ in more than characters a file name cannot hold")
                        break
                if why is None:
                    stems.add(stem, k, item.line, item.offset)
                yield Input(p, stem, label, item.line, article=item, error=why)
        except InputError as exc:  # the archive itself cannot be read
            yield Input(p, "", str(p), error=str(exc).removeprefix(f"{p}: "))



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



__all__ = ["collect_inputs", "iter_inputs", "Input", "read_document", "read_stdin",
           "decode_document", "check_document",
           "check_line_limit", "stderr", "Report", "DEFAULT_MAX_LINE_CHARS",
           "MAX_LINE_CHARS_LIMIT", "INPUT_FORMATS"]
