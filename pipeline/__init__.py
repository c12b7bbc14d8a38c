"""German→English news translation with one traceable record per source sentence.

The public API, loaded lazily (``import pipeline`` imports no engine library)::

    import pipeline
    sents = pipeline.split(text, lang="fr")            # Sentence objects with offsets and kind
    pipeline.detect_language(text)                     # ISO 639-1 code, e.g. "uk"
    recs = pipeline.translate_text(text, model_dir="m")  # list[pipeline.Record], nothing written
    pipeline.translate_text(text, src="ru", tgt="en", model_dir="opus-mt-ru-en")  # any pair
    summary = pipeline.translate_files(["articles/"], "out/", model_dir="m", beam=4)
    pipeline.verify(["out/a.jsonl"])                   # raises pipeline.VerificationError
    pipeline.evaluate(hypotheses, [references])        # sacrebleu BLEU, chrF, TER + signatures
    pipeline.align(de_sentences, en_sentences, mt=None)  # links of a human translation, n:m
    rec = pipeline.Record.from_json(line); rec.to_json()

:class:`Translator` keeps one model loaded across calls (``translate_text``,
``translate_document``, or ``translate_files(..., translator=t)``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from ._version import __version__

#: name -> module that defines it
_EXPORTS = {
    "split": "segment",
    "detect_language": "languages.identify",
    "Sentence": "document",
    "Document": "document",
    "Record": "records",
    "Provenance": "provenance",
    "Translator": "translator",
    "TranslatorConfig": "translator",
    "translate_text": "translator",
    "translate_files": "run",
    "RunSummary": "summary",
    "verify": "verify",
    "evaluate": "evaluate",
    "align": "alignment",
    "PipelineError": "errors",
    "InputError": "errors",
    "VerificationError": "errors",
    "ModelUnavailableError": "errors",
    "ModelIntegrityError": "errors",
    "LanguageNotIdentifiedError": "errors",
    "UnknownLanguageError": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover  (for type checkers and editors)
    from .document import Document, Sentence  # noqa: F401
    from .errors import (InputError, LanguageNotIdentifiedError, ModelIntegrityError,  # noqa: F401
                         ModelUnavailableError, PipelineError, UnknownLanguageError,
                         VerificationError)
    from .provenance import Provenance  # noqa: F401
    from .records import Record  # noqa: F401
    from .run import translate_files  # noqa: F401
    from .summary import RunSummary  # noqa: F401
    from .translator import Translator, TranslatorConfig, translate_text  # noqa: F401
    from .segment import split  # noqa: F401
    from .languages.identify import detect_language  # noqa: F401
    from .alignment import align  # noqa: F401
    from .evaluate import evaluate  # noqa: F401
    from .verify import verify  # noqa: F401
