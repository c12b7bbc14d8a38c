"""Sentences in another language than their document: an English quotation in a German
article, a Russian statement in a Ukrainian one.

A sentence is given a language of its own only when the identifier is confident that it is
*not* in the document's language, and only when it is long enough to tell (:data:`MIN_CHARS`):
a false alarm would copy a German sentence untranslated, which is worse than translating an
English one. The test is the probability py3langid gives the document's language among
:data:`~pipeline.languages.identify.DEFAULT_LANGUAGES` (plus the run's languages): at most
:data:`MAX_DOCUMENT_PROBABILITY`. Which other language it is, is then the most probable one.
Testing the document's language rather than the winner's keeps close languages apart from the
question (a Bulgarian sentence in a German article may share its probability with Russian and
Macedonian, but it is surely not German). On 4,518 German sentences of 40 characters or more
(WMT19 news, UD GSD, splitter test suites) none was taken for another language; of English
news sentences as long, 95 % were (``python -m bench.langid --within``, docs/benchmarks.md).

Shorter sentences are not looked at, which also keeps the cost down: about half a millisecond
per sentence that is, once per distinct text.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from .identify import DEFAULT_LANGUAGES, probabilities, supported_languages

#: Sentences shorter than this (in characters, surrounding space not counted) keep their
#: document's language: a few words are too easily several languages.
MIN_CHARS = 40
#: A sentence is in another language when its document's language has at most this
#: probability (py3langid, normalised over the candidates).
MAX_DOCUMENT_PROBABILITY = 0.01


def other_language(text: str, document_language: str,
                   languages: Iterable[str] = ()) -> str | None:
    """The language of ``text`` when it is confidently not ``document_language``, else None.

    ``languages`` are added to the candidates (the run's target language, say). A document
    language the identifier does not know gives None: nothing to compare against."""
    stripped = text.strip()
    if len(stripped) < MIN_CHARS or not any(map(str.isalpha, stripped)):
        return None
    candidates = _candidates(document_language, tuple(languages))
    if candidates is None:
        return None
    ranked = probabilities(stripped, candidates)
    if dict(ranked).get(document_language, 0.0) > MAX_DOCUMENT_PROBABILITY:
        return None
    return ranked[0][0]


@lru_cache(maxsize=64)
def _candidates(document_language: str, languages: tuple[str, ...]) -> tuple[str, ...] | None:
    known = supported_languages()
    if document_language not in known:
        return None
    return tuple(sorted(frozenset(DEFAULT_LANGUAGES).union(
        {document_language}, (lang for lang in languages if lang in known))))


def other_languages(texts: Iterable[str], document_language: str,
                    languages: Iterable[str] = ()) -> dict[str, str]:
    """Text -> its language, for the distinct ``texts`` that :func:`other_language` finds in
    another language than ``document_language``."""
    languages = tuple(languages)
    found = {}
    for text in dict.fromkeys(texts):
        lang = other_language(text, document_language, languages)
        if lang is not None:
            found[text] = lang
    return found
