"""Sentence pairs: one canonical record per source sentence. The pair *is* the alignment."""

from __future__ import annotations

from collections.abc import Sequence

from .document import Document, Sentence
from .provenance import Provenance
from .translate.base import Translation

#: Version of the record layout; bump when keys change meaning.
RECORD_SCHEMA = "pipeline.record/1"

#: Flag names a record may carry (flags report; they never rewrite the translation).
FLAG_OUTPUT_CAP = "output_cap"


def build_records(doc: Document, sentences: Sequence[Sentence],
                  translations: Sequence[Translation], provenance: Provenance,
                  encoding: str = "utf-8") -> list[dict]:
    """Zip each sentence with its translation into the canonical record (a plain dict in the
    key order written to JSONL). ``source`` is sliced from the document."""
    if len(sentences) != len(translations):
        from .errors import PipelineError

        raise PipelineError(f"{doc.path}: {len(sentences)} sentences but {len(translations)} "
                            "translations; refusing to write a misaligned record")
    prov = provenance.fields()
    records = []
    for s, t in zip(sentences, translations):
        flags = [FLAG_OUTPUT_CAP] if t.cap_hit else []
        records.append({
            "schema": RECORD_SCHEMA,
            "doc_path": doc.path,
            "doc_sha256": doc.sha256,
            "doc_encoding": encoding,
            "index": s.index,
            "paragraph": s.paragraph,
            "kind": s.kind,
            "start": s.start,
            "end": s.end,
            "source": doc.slice(s),
            "target": t.text,
            "flags": flags,
            "score": None if t.score is None else round(t.score, 4),
            "tokens": {"source": t.source_tokens, "target": t.target_tokens},
            **prov,
        })
    return records
