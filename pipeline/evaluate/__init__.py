"""Translation quality with sacrebleu: scores that carry their signatures, so anyone can
reproduce them.

Every number here is computed by sacrebleu itself (``sacrebleu.metrics`` for scores and
bootstrap confidence intervals, ``sacrebleu.significance.PairedTest`` for paired bootstrap
resampling and approximate randomization), called exactly as the ``sacrebleu`` command line
calls it, so a score equals what ``sacrebleu REF -i HYP -m bleu chrf ter`` prints on the same
lines, to the last bit. Resampling is seeded as in sacrebleu: ``$SACREBLEU_SEED``, default
12345, and the seed is part of the signature (``seed:12345``).

The package keeps each concern in its own module, as sacrebleu keeps ``metrics/`` and
``significance`` apart: :mod:`.hypotheses` (reading hypotheses and references, record files
grouped into documents as ``verify`` groups them), :mod:`.scores` (corpus and per-document
scores), :mod:`.paired` (paired tests), :mod:`.published` (published figures) and
:mod:`.report` (what ``pipeline eval`` prints). ``pipeline.evaluate(...)`` is
:func:`evaluate`; the package itself may be called the same way.
"""

from __future__ import annotations

from .._callable import make_callable
from .hypotheses import (DocumentSpan, Hypotheses, ModelUsed, References, check_counts,
                         files_label, hypotheses_from_records, hypotheses_from_text,
                         is_record_path, load_run, model_of_record, read_lines, read_references,
                         record_files)
from .scores import (DEFAULT_METRICS, DocumentResult, EvalResult, METRICS, MetricScore,
                     check_streams, evaluate, metric_key, sacrebleu_metrics, score_documents)
from .paired import (DEFAULT_PAIRED_SAMPLES, PAIRED_TESTS, PairedResult, PairedScore, compare)
from .published import (PUBLISHED, PublishedComparison, PublishedFigure, compare_published,
                        find_published, model_verdict)
from .report import (Report, evaluate_files)

__all__ = [
    "DEFAULT_METRICS", "DEFAULT_PAIRED_SAMPLES", "DocumentResult", "DocumentSpan",
    "EvalResult", "Hypotheses", "METRICS", "MetricScore", "ModelUsed", "PAIRED_TESTS",
    "PUBLISHED", "PairedResult", "PairedScore", "PublishedComparison", "PublishedFigure",
    "References", "Report", "check_counts", "check_streams", "compare", "compare_published",
    "evaluate", "evaluate_files", "files_label", "find_published",
    "hypotheses_from_records", "hypotheses_from_text", "is_record_path", "load_run",
    "metric_key", "model_of_record", "model_verdict", "read_lines", "read_references",
    "record_files", "sacrebleu_metrics", "score_documents",
]

make_callable(__name__, evaluate)
