"""JSONL archives: one article per line, ``{"id": ..., "text": ...}``.

An archive of a million articles is never held in memory: :func:`iter_archive` streams it
line by line (each line read with a bound), yielding an :class:`Article` per good line and a
:class:`BadLine` (its line number and what is wrong) per line that is no article: not UTF-8,
not a JSON object, without its id or text, or an id seen before. Only the hash of each id is
kept (with its line and offset: a hash seen before is checked against the earlier line).

An article's records name the archive, the line (1-based) and the id; its digest is the sha256
of its text in UTF-8. :func:`read_article` re-reads that one line for ``pipeline verify``
through a sparse index of line offsets (one per :data:`INDEX_STEP` lines, built in one pass and
kept per file identity), so verifying many articles of one archive does not rescan it each
time; :func:`read_article_at` re-reads a line at a known byte offset (a Ray task does).

Each article's outputs go to ``<stem>.jsonl`` etc., where :func:`safe_stem` makes the id a
file name; two ids that give the same name are refused by the run, never overwritten.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .document import Document
from .errors import InputError
from .hashindex import HashIndex

DEFAULT_ID_FIELD = "id"
DEFAULT_TEXT_FIELD = "text"
#: The longest line read (an article with its metadata is kilobytes; a book is megabytes).
MAX_LINE_BYTES = 64 * 1024 * 1024
#: One remembered offset per this many lines: 8 bytes per 1,024 lines, and at most that many
#: lines skipped to reach any line.
INDEX_STEP = 1024
#: Output names are cut to this many UTF-8 bytes (plus a digest of the whole id) so that the
#: longest side-file name stays under the 255 bytes of common file systems.
MAX_STEM_BYTES = 120
_CHUNK = 1 << 20
_UNSAFE = re.compile(r"[^\w.\-]")


@dataclass(frozen=True)
class Article:
    """One good line of an archive: its 1-based ``line``, the byte ``offset`` where the line
    starts, the article's id (as text) and its text, and the fields they were read from."""

    archive: Path
    line: int
    offset: int
    doc_id: str
    text: str
    id_field: str = DEFAULT_ID_FIELD
    text_field: str = DEFAULT_TEXT_FIELD

    def document(self) -> Document:
        """The article as a :class:`Document`: path = the archive, digest of the UTF-8 text."""
        return Document(path=str(self.archive), text=self.text, encoding="utf-8",
                        sha256=hashlib.sha256(self.text.encode("utf-8")).hexdigest(),
                        doc_id=self.doc_id, doc_line=self.line)


@dataclass(frozen=True)
class BadLine:
    """A line of an archive that is no article, and why."""

    archive: Path
    line: int
    why: str


def safe_stem(doc_id: str) -> str:
    """``doc_id`` as the stem of output file names: characters other than letters, digits,
    ``_ . -`` become ``_``, a leading dot becomes ``_`` (no hidden files, no ``..``), and an
    id longer than :data:`MAX_STEM_BYTES` bytes is cut and given 12 hex digits of its sha256.
    Different ids can give the same stem (``a/b`` and ``a_b``); the run refuses the second."""
    stem = _UNSAFE.sub("_", doc_id)
    if stem.startswith("."):
        stem = "_" + stem[1:]
    if len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        digest = hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:12]
        cut = stem.encode("utf-8")[: MAX_STEM_BYTES - 13].decode("utf-8", "ignore")
        stem = f"{cut}-{digest}"
    return stem


# --- parsing one line --------------------------------------------------------------------------

def _field_id(value: object) -> str | None:
    """An id as text: a non-empty string, or an integer (``42`` and ``"42"`` are one id)."""
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def parse_line(raw: bytes, line: int, id_field: str, text_field: str) -> tuple[str, str]:
    """(id, text) of one archive line; anything else is an :class:`InputError` saying what
    is wrong with the line (without its number: the caller names the place)."""
    try:
        decoded = raw.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start} of "
                         "the line); a JSONL archive is UTF-8") from None
    try:
        obj = json.loads(decoded)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"not valid JSON ({getattr(exc, 'msg', None) or exc}); each line of a "
                         "JSONL archive is one JSON object") from None
    if not isinstance(obj, dict):
        raise InputError(f"a JSON {type(obj).__name__}, expected an object with "
                         f"{id_field!r} and {text_field!r}")
    if id_field not in obj:
        raise InputError(f"has no {id_field!r} field (choose the id field with --id-field)")
    doc_id = _field_id(obj[id_field])
    if doc_id is None:
        raise InputError(f"field {id_field!r} must be a non-empty string or an integer, got "
                         f"{_show(obj[id_field])}")
    if text_field not in obj:
        raise InputError(f"article {doc_id!r} has no {text_field!r} field (choose the text "
                         "field with --text-field)")
    text = obj[text_field]
    if not isinstance(text, str):
        raise InputError(f"article {doc_id!r}: field {text_field!r} must be a string, got "
                         f"{_show(text)}")
    if not text.strip():
        raise InputError(f"article {doc_id!r}: the text is empty or holds only whitespace; "
                         "nothing to translate")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"article {doc_id!r}: the text holds a lone surrogate "
                         f"(U+{ord(text[exc.start]):04X} at offset {exc.start}), which is no "
                         "character") from None
    return doc_id, text


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


# --- streaming ---------------------------------------------------------------------------------

def _open(path: Path):
    """The archive opened for binary reading; never blocks (a FIFO would wait for a writer),
    and anything but a regular file is an :class:`InputError` naming it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a JSONL archive") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        if os.path.isdir(path):
            raise InputError(f"{path}: is a directory, expected a JSONL archive")
        raise InputError(f"{path}: is not a regular file; only regular files are read")
    return os.fdopen(fd, "rb")


def _read_line(f, limit: int) -> tuple[bytes | None, int]:
    """The next line (without its LF) and the bytes it took; ``None`` for a line longer
    than ``limit``, which is skipped in bounded chunks; ``(b"", 0)`` at the end."""
    raw = f.readline(limit + 1)
    if len(raw) <= limit or raw.endswith(b"\n"):
        return raw.removesuffix(b"\n"), len(raw)
    size = len(raw)
    while raw and not raw.endswith(b"\n"):
        raw = f.readline(_CHUNK)
        size += len(raw)
    return None, size


def iter_archive(path: str | Path, *, id_field: str = DEFAULT_ID_FIELD,
                 text_field: str = DEFAULT_TEXT_FIELD,
                 max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Article | BadLine]:
    """Each non-blank line of the archive, in order, as an :class:`Article` or a
    :class:`BadLine`. An id seen on an earlier line makes a :class:`BadLine` (the first keeps
    it). The archive itself missing or unreadable is an :class:`InputError`."""
    p = Path(path)
    seen = HashIndex(2)  # id -> its line and where the line starts (the ids are not kept)
    with _open(p) as f:
        line = offset = 0
        while True:
            raw, size = _read_line(f, max_line_bytes)
            if not size:
                return
            line += 1
            start, offset = offset, offset + size
            if raw is None:
                yield BadLine(p, line, f"line is longer than {max_line_bytes:,} bytes; not one "
                                       "article")
                continue
            if not raw.strip() or (line == 1 and raw.strip() == b"\xef\xbb\xbf"):
                continue  # a blank line holds no article
            try:
                doc_id, text = parse_line(raw, line, id_field, text_field)
            except InputError as exc:
                yield BadLine(p, line, str(exc))
                continue
            first = next((n for n, at in seen.candidates(doc_id)
                          if _id_on_line(f, at, n, id_field, text_field, max_line_bytes) == doc_id),
                         None)
            if first is not None:
                yield BadLine(p, line, f"duplicate id {doc_id!r} (first on line {first}); "
                                       "ids must be unique in an archive")
                continue
            seen.add(doc_id, line, start)
            yield Article(p, line, start, doc_id, text, id_field, text_field)


def id_at(path: str | Path, offset: int, line: int, *, id_field: str = DEFAULT_ID_FIELD,
          text_field: str = DEFAULT_TEXT_FIELD) -> str | None:
    """The id of the article :func:`iter_archive` found on ``line`` at byte ``offset``, read
    again (None when the line no longer holds an article)."""
    try:
        with _open(Path(path)) as f:
            return _id_on_line(f, offset, line, id_field, text_field, MAX_LINE_BYTES)
    except (InputError, OSError):
        return None


def _id_on_line(f, offset: int, line: int, id_field: str, text_field: str,
                limit: int) -> str | None:
    """The id of the article on ``line`` (at byte ``offset``) of the open archive ``f``,
    read without moving ``f`` (an id seen before is checked against the line it came from)."""
    raw = line_at(f.fileno(), offset, limit)
    try:
        return parse_line(raw, line, id_field, text_field)[0] if raw is not None else None
    except InputError:  # the line changed under the run
        return None


def line_at(fd: int, offset: int, limit: int = MAX_LINE_BYTES) -> bytes | None:
    """The line starting at byte ``offset`` of open file ``fd`` (without its LF; None when it
    is longer than ``limit``), read with ``pread``: the file's position does not move."""
    parts, size = [], 0
    while True:
        block = os.pread(fd, _CHUNK, offset + size)
        end = block.find(b"\n")
        if end >= 0:
            block = block[:end]
        parts.append(block)
        size += len(block)
        if size > limit:
            return None
        if end >= 0 or not block:
            return b"".join(parts)


def count_lines(path: str | Path) -> int:
    """How many lines the archive has (a bound on its articles, for a progress display);
    0 when it cannot be read."""
    n = 0
    last = b"\n"
    from .io import open_regular

    try:
        f, _ = open_regular(path)  # a FIFO is refused when it is read, never waited on here
        with f:
            while block := f.read(_CHUNK):
                n += block.count(b"\n")
                last = block[-1:]
    except OSError:
        return 0
    return n + (last != b"\n")


# --- re-reading one article --------------------------------------------------------------------

def read_article_at(path: str | Path, offset: int, doc_line: int, doc_id: str, *,
                    id_field: str = DEFAULT_ID_FIELD, text_field: str = DEFAULT_TEXT_FIELD,
                    max_line_bytes: int = MAX_LINE_BYTES) -> Document:
    """The article on line ``doc_line`` of the archive, read at byte ``offset`` (as
    :func:`iter_archive` found it). A line that no longer holds article ``doc_id`` is an
    :class:`InputError` saying the archive changed."""
    p = Path(path)
    with _open(p) as f:
        f.seek(offset)
        raw, _ = _read_line(f, max_line_bytes)
    return _article(p, raw, doc_line, doc_id, [id_field], [text_field], None)


def field_at(path: str | Path, offset: int, name: str,
             max_line_bytes: int = MAX_LINE_BYTES) -> object:
    """The value of field ``name`` of the JSON object on the line at byte ``offset`` (an
    article :func:`iter_archive` found), or None when the line has no such field."""
    with _open(Path(path)) as f:
        f.seek(offset)
        raw, _ = _read_line(f, max_line_bytes)
    try:
        obj = json.loads((raw or b"").decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None
    return obj.get(name) if isinstance(obj, dict) else None


def read_article(path: str | Path, doc_line: int, doc_id: str, *, sha256: str | None = None,
                 id_field: str | None = None, text_field: str | None = None,
                 max_line_bytes: int = MAX_LINE_BYTES) -> Document:
    """The article on line ``doc_line`` (1-based) of the archive: only that line is read
    (through the sparse line index), with the bound ``max_line_bytes``.

    A record does not say which fields held the id and the text (``--id-field``,
    ``--text-field``); unless given, the id is the field whose value is ``doc_id`` (``id``
    first) and the text is the string field whose digest is ``sha256`` (``text`` first). A
    line that no longer holds article ``doc_id`` (with ``sha256``: with that digest) is an
    :class:`InputError` saying the archive changed, and nothing of what the line holds."""
    p = Path(path)
    if not isinstance(doc_line, int) or doc_line < 1:
        raise InputError(f"{p}: the records give no line number for article {doc_id!r}")
    with _open(p) as f:
        st = os.fstat(f.fileno())
        index = _line_index(str(p.resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        block = (doc_line - 1) // INDEX_STEP
        if block >= len(index):
            raise _changed(p, doc_line, doc_id)
        f.seek(index[block])
        for _ in range((doc_line - 1) % INDEX_STEP):
            if not _read_line(f, _CHUNK)[1]:
                raise _changed(p, doc_line, doc_id)
        raw, size = _read_line(f, max_line_bytes)
        if not size:
            raise _changed(p, doc_line, doc_id)
    ids = [id_field] if id_field else None
    texts = [text_field] if text_field else None
    return _article(p, raw, doc_line, doc_id, ids, texts, sha256)


def _article(p: Path, raw: bytes | None, doc_line: int, doc_id: str, id_fields: list[str] | None,
              text_fields: list[str] | None, sha256: str | None) -> Document:
    """The article ``doc_id`` from the line ``raw``; anything else (and, with ``sha256``, a
    text of another digest) is the one message of :func:`_changed`, which says nothing of
    what the line holds: a crafted record may point at any file."""
    if raw is None:
        raise _changed(p, doc_line, doc_id)
    try:
        obj = json.loads(raw.decode("utf-8-sig" if doc_line == 1 else "utf-8"))
    except (ValueError, RecursionError):
        obj = None
    if not isinstance(obj, dict):
        raise _changed(p, doc_line, doc_id)
    if id_fields is None:  # the field that holds this id, "id" first
        id_fields = sorted((k for k, v in obj.items() if _field_id(v) == doc_id),
                           key=lambda k: k != DEFAULT_ID_FIELD)
    if doc_id not in [_field_id(obj.get(k)) for k in id_fields]:
        raise _changed(p, doc_line, doc_id)
    if text_fields is None:
        strings = sorted((k for k, v in obj.items() if isinstance(v, str)),
                         key=lambda k: k != DEFAULT_TEXT_FIELD)
        text_fields = [k for k in strings if sha256 is not None and _digest(obj[k]) == sha256]
        text_fields = text_fields[:1] or [DEFAULT_TEXT_FIELD]
    text = obj.get(text_fields[0])
    if not isinstance(text, str) or (sha256 is not None and _digest(text) != sha256):
        raise _changed(p, doc_line, doc_id)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{p}:{doc_line}: article {doc_id!r}: the text holds a lone "
                         "surrogate") from None
    return Article(p, doc_line, 0, doc_id, text).document()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _changed(p: Path, doc_line: int, doc_id: str) -> InputError:
    return InputError(f"{p}:{doc_line}: does not hold article {doc_id!r} as it was translated: "
                      "the source changed since it was translated; translate the archive again")


@functools.lru_cache(maxsize=8)
def _line_index(path: str, dev: int, ino: int, size: int, mtime_ns: int) -> tuple[int, ...]:
    """Byte offsets of lines 1, 1 + INDEX_STEP, 1 + 2 INDEX_STEP, ... of one version of a file
    (the stat fields key the cache: a changed file is indexed again)."""
    offsets = [0]
    line = 1
    pos = 0
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            at = block.find(b"\n")
            while at >= 0:
                line += 1
                if (line - 1) % INDEX_STEP == 0:
                    offsets.append(pos + at + 1)
                at = block.find(b"\n", at + 1)
            pos += len(block)
    return tuple(offsets)


__all__ = ["Article", "BadLine", "iter_archive", "id_at", "line_at", "read_article", "read_article_at", "safe_stem",
           "count_lines", "parse_line", "DEFAULT_ID_FIELD", "DEFAULT_TEXT_FIELD"]
