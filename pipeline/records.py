"""Sentence pairs: one canonical record per source sentence. The pair *is* the alignment."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from .document import Document, Sentence, line_starts
from .provenance import Provenance

#: Version of the record layout; bump when keys change meaning.
RECORD_SCHEMA = "pipeline.record/1"



def build_records(doc: Document, sentences: Sequence[Sentence],
                  outcomes: Sequence, provenance: Provenance, encoding: str = "utf-8",
                  fingerprint: str = "") -> list[dict]:
    """Zip each sentence with its outcome (:class:`pipeline.schedule.Outcome`) into the
    canonical record (a plain dict in the key order written to JSONL). ``source`` is sliced
    from the document; ``pieces`` are absolute spans when a sentence was split for length."""
    if len(sentences) != len(outcomes):
        from .errors import PipelineError

        raise PipelineError(f"{doc.path}: {len(sentences)} sentences but {len(outcomes)} "
                            "translations; refusing to write a misaligned record")
    prov = provenance.fields()
    starts = line_starts(doc.text)
    records = []
    for s, t in zip(sentences, outcomes):
        records.append({
            "schema": RECORD_SCHEMA,
            "doc_path": doc.path,
            "doc_sha256": doc.sha256,
            "doc_encoding": encoding,
            "index": s.index,
            "paragraph": s.paragraph,
            "line": bisect_right(starts, s.start) - 1,
            "kind": s.kind,
            "start": s.start,
            "end": s.end,
            "source": doc.slice(s),
            "target": t.target,
            "flags": list(t.flags),
            "score": None if t.score is None else round(t.score, 4),
            "tokens": {"source": t.source_tokens, "target": t.target_tokens},
            "pieces": [[s.start + a, s.start + b] for a, b in t.pieces],
            **prov,
            "fingerprint": fingerprint,
        })
    return records
