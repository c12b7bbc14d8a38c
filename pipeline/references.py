"""What a Ray run passes around for each document (:mod:`pipeline.cluster`): the driver
plans the windows as a plain run does and keeps of each only its pickled
:class:`DocumentRef` s (where to read a document again, and the digest it read) and its units
without their text (:func:`planned_windows`); a Ray read task reads each document again,
checks the digest and splits it (:func:`read_windows`).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import InputError
from .inputs import check_document, read_document
from .windows import Unit, Window


@dataclass(frozen=True)
class DocumentRef:
    """What a read task needs to read one document again: the file (absolute), the byte
    offset, line and id of an archive article, and the digest the driver read."""

    path: str
    stem: str
    label: str
    doc_path: str
    sha256: str
    encoding: str
    seq: int = 0
    line: int | None = None
    offset: int | None = None
    doc_id: str | None = None
    id_field: str = "id"
    text_field: str = "text"
    src_lang: str | None = None  # a routed run: the language the document was routed to


def planned_windows(windows: Iterable[Window], encoding: str) -> tuple[list[bytes], list[bytes]]:
    """The driver's pass over the planned windows, each kept pickled: its units without their
    documents' text and sentences (the ledger needs a unit's input and digest only), and the
    references the read tasks read the documents again by. So the driver holds no text of the
    archive, and a few hundred bytes per document instead of objects of several KB."""
    kept, refs = [], []
    for w in windows:
        refs.append(pickle.dumps([_reference(u, encoding) for u in w.units]))
        kept.append(pickle.dumps(Window(w.number, [_without_text(u) for u in w.units])))
    return kept, refs


def _without_text(u: Unit) -> Unit:
    art = u.input.article
    return replace(u, doc=replace(u.doc, text=""), sentences=[],
                   input=u.input if art is None else replace(u.input,
                                                             article=replace(art, text="")))


def _reference(u: Unit, encoding: str) -> DocumentRef:
    inp, art = u.input, u.input.article
    return DocumentRef(path=os.path.abspath(inp.path), stem=inp.stem, label=inp.label,
                       doc_path=u.doc_path, sha256=u.doc.sha256, encoding=u.doc.encoding,
                       seq=u.seq, line=inp.line, offset=None if art is None else art.offset,
                       doc_id=None if art is None else art.doc_id, src_lang=u.lang,
                       **({} if art is None else {"id_field": art.id_field,
                                                  "text_field": art.text_field}))


# --- inside Ray: a read task ----------------------------------------------------------------

def _reread(ref: DocumentRef, max_line_chars: int):
    """The document again, as the driver read it (a task on any node)."""
    from .archive import read_article_at

    def ignore(message: str) -> None:  # the driver reported its warnings already
        pass

    if ref.doc_id is None:
        doc = read_document(Path(ref.path), ref.encoding, max_line_chars, ignore)
    else:
        doc = read_article_at(ref.path, ref.offset, ref.line, ref.doc_id,
                              id_field=ref.id_field, text_field=ref.text_field)
        check_document(doc, ref.label, max_line_chars, ignore)
    if doc.sha256 != ref.sha256:
        raise InputError(f"changed while the run was reading it (sha256 {doc.sha256[:12]}…, "
                         f"first read {ref.sha256[:12]}…); run again")
    return replace(doc, path=ref.label)


def read_windows(batch, max_line_chars: int, src_lang: str = "de"):
    """Ray task: read and split the documents of each window (with the source language's
    splitter)."""
    import pyarrow as pa

    from .segment import splitter

    splitters: dict = {}  # a routed run: each document's own language's splitter

    def split(lang: str, text: str):
        if lang not in splitters:
            splitters[lang] = splitter(lang)
        return splitters[lang].split(text)

    out = []
    for row in batch.to_pylist():
        docs = []
        for ref in pickle.loads(row["refs"]):
            try:
                doc = _reread(ref, max_line_chars)
                docs.append((ref, doc, split(ref.src_lang or src_lang, doc.text)))
            except InputError as exc:
                docs.append((ref, None, str(exc).removeprefix(f"{ref.label}: ")))
        out.append({"window": row["window"], "docs": pickle.dumps(docs)})
    return pa.Table.from_pylist(out)


__all__ = ["DocumentRef", "planned_windows", "read_windows"]
