"""Documents and the sentences inside them.

A :class:`Document` is the decoded text of one input file plus the sha256 of its exact bytes.
A :class:`Sentence` is a half-open span ``[start, end)`` of code points into ``Document.text``;
its text is always sliced from the document, never stored beside it, so offsets cannot drift.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .digests import sha256_file, sha256_file_cached  # noqa: F401  (public here before digests.py)
from .errors import InputError

BOM = "\ufeff"
AUTO = "auto"  # UTF-8 when the bytes are valid UTF-8, else Windows-1252


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def misread_utf8(data: bytes, encoding: str) -> bool:
    """Whether ``data`` is UTF-8 with non-ASCII text that ``encoding`` (another codec) would
    turn into mojibake: worth a warning."""
    return (encoding.lower().replace("-", "").replace("_", "") not in ("utf8", "utf8sig", AUTO)
            and not data.isascii() and _is_utf8(data))

#: Kinds of unit the splitter distinguishes; outputs may show or skip them.
KINDS = ("sentence", "heading", "list_item", "boilerplate")


@dataclass(frozen=True)
class Sentence:
    """One source unit: 0-based ``index`` in the document, 0-based ``paragraph``,
    half-open code-point offsets, and its ``kind``."""

    index: int
    paragraph: int
    start: int
    end: int
    kind: str = "sentence"

    def text(self, doc_text: str) -> str:
        """The sentence as it stands in ``doc_text``."""
        return doc_text[self.start : self.end]


@dataclass(frozen=True)
class Document:
    """A decoded input. ``text`` excludes a leading BOM; offsets count from after it.
    ``sha256`` is the digest of the exact bytes read (of an archive article: of its text in
    UTF-8); ``doc_id`` and ``doc_line`` locate an article inside a JSONL archive."""

    path: str
    sha256: str
    text: str
    encoding: str = "utf-8"
    doc_id: str | None = None
    doc_line: int | None = None

    @classmethod
    def from_bytes(cls, data: bytes, path: str, encoding: str = "utf-8") -> Document:
        """Decode ``data`` strictly; a byte that does not decode is an :class:`InputError`
        naming the file and the byte position. ``encoding="auto"`` reads UTF-8 when the bytes
        are valid UTF-8, else Windows-1252; ``encoding`` then records which."""
        digest = hashlib.sha256(data).hexdigest()
        nul = data.find(b"\x00", 0, 8192)
        if nul >= 0:
            raise InputError(f"{path}: looks like a binary file (NUL byte at byte position {nul}); "
                             "expected German plain text")
        if encoding == AUTO:
            encoding = "utf-8" if _is_utf8(data) else "cp1252"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            hint = (" (if the file is Windows-1252 or Latin-1, pass --encoding cp1252 or auto)"
                    if encoding.lower().replace("-", "") in ("utf8", "utf8sig") else "")
            raise InputError(
                f"{path}: not valid {encoding}: byte 0x{data[exc.start]:02x} at byte position "
                f"{exc.start} cannot be decoded{hint}"
            ) from None
        except LookupError:
            raise InputError(f"{path}: unknown encoding {encoding!r}") from None
        if text.startswith(BOM):
            text = text[1:]
        if not text.strip():
            raise InputError(f"{path}: the file is empty or holds only whitespace; nothing to translate")
        return cls(path=path, sha256=digest, text=text, encoding=encoding)

    @classmethod
    def from_text(cls, text: str, path: str = "<text>") -> Document:
        """A document given as text (its digest is that of its UTF-8 bytes)."""
        if text.startswith(BOM):
            text = text[1:]
        if not text.strip():
            raise InputError(f"{path}: the text is empty or holds only whitespace; nothing to "
                             "translate")
        return cls(path=path, sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
                   text=text)

    @classmethod
    def from_path(cls, path: str | Path, encoding: str = "utf-8") -> Document:
        """Read and decode one file; every failure is an :class:`InputError` naming it."""
        return cls.from_bytes(read_input(path), str(path), encoding)

    def slice(self, sentence: Sentence) -> str:
        """The text of ``sentence`` in this document."""
        return self.text[sentence.start : sentence.end]


#: The largest input read (an article is kilobytes; a whole book is a few megabytes).
MAX_INPUT_BYTES = 256 * 1024 * 1024


def read_input(path: str | Path, limit: int = MAX_INPUT_BYTES, *, gunzip: bool = False) -> bytes:
    """The bytes of one regular file of at most ``limit`` bytes (``gunzip``: decompressed, and
    at most ``limit`` bytes once decompressed); a FIFO, a device (also through a symbolic
    link), a directory, a larger file or a damaged gzip stream is an :class:`InputError`
    naming it, and so is every read failure. Opening never blocks (a FIFO would wait for a
    writer). Every command reads its inputs, references and the sources records name here."""
    from .io import NotRegularFile, open_regular

    p = Path(path)
    try:
        f, st = open_regular(p)
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except NotRegularFile as exc:
        if exc.kind == "a directory":
            raise InputError(f"{p}: is a directory, expected a text file") from None
        raise InputError(f"{p}: {exc}; only regular files are read") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    with f:
        if st.st_size > limit:
            raise InputError(f"{p}: is {st.st_size:,} bytes, more than the {limit:,} an input may "
                             "have; split it")
        if not gunzip:
            return read_stream(f, str(p), limit)
        import gzip
        import zlib

        try:
            with gzip.GzipFile(fileobj=f) as z:
                return read_stream(z, str(p), limit, what="decompresses to")
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(f"{p}: not a complete gzip file ({exc})") from None


#: Bytes read at a time from a stream.
_CHUNK = 1 << 20


def read_stream(stream, name: str = "<stdin>", limit: int = MAX_INPUT_BYTES, *,
                max_line_chars: int | None = None, what: str = "holds") -> bytes:
    """All bytes of a binary stream (standard input, a file, a decompressor), with the limits
    of a file: more than ``limit`` bytes, or (``max_line_chars``) a line that cannot be shorter
    than that many characters (more than 4 bytes a character), stops the read at once with an
    :class:`InputError` naming ``name``: an endless stream (``/dev/zero``) costs a bounded read."""
    line_bytes = None if max_line_chars is None else 4 * max_line_chars
    chunks: list[bytes] = []
    size = run = newlines = 0  # run: bytes of the line not yet ended
    while True:
        try:
            block = stream.read(min(_CHUNK, limit + 1 - size))
        except OSError as exc:
            raise InputError(f"{name}: cannot be read: {exc.strerror or exc}") from None
        if not block:
            return b"".join(chunks)
        size += len(block)
        if size > limit:
            raise InputError(f"{name}: {what} more than the {limit:,} bytes an input may have; "
                             "split it")
        if line_bytes is not None:
            *ended, rest = block.split(b"\n")
            for k, piece in enumerate(ended + [rest]):
                length = run + len(piece) if k == 0 else len(piece)
                if length > line_bytes:
                    raise InputError(f"{name}: line {newlines + k + 1} is longer than "
                                     f"{max_line_chars:,} characters (the limit); not an "
                                     "article paragraph: split it or raise --max-line-chars")
            newlines += len(ended)
            run = run + len(rest) if not ended else len(rest)
        chunks.append(block)


def line_starts(text: str) -> list[int]:
    """Offsets where each line of ``text`` starts, with the line breaks of ``str.splitlines``
    (the splitter's): a sentence starting at offset o is on line ``bisect_right(starts, o) - 1``."""
    starts = [0]
    pos = 0
    for line in text.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts[:-1] if len(starts) > 1 and starts[-1] == len(text) else starts
