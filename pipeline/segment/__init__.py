"""Sentence splitters; offsets are produced during the scan.

Every language is one data file in ``pipeline/languages/data`` run by the one engine of
:mod:`.rules` (German included); a language without a file gets the script-aware fallback
(``generic.toml``). English keeps a module of its own (:mod:`.en`) on the same line scan: its
web and news rules (companies, states, emoticons, enumerations) go beyond the data the engine
reads. Each splitter has a
versioned ``name`` (recorded in provenance) and ``split(text) -> list[Sentence]`` with half-open
code-point offsets into ``text``.
"""

from __future__ import annotations

from ..document import Sentence

#: Languages with a splitter of their own (a module or a data file); any other language code
#: gets the generic, script-aware splitter.
LANGUAGES = ("de", "en", "fr", "es", "it", "nl", "pl", "cs", "ru", "uk", "tr", "zh", "ja", "ar")


def splitter(lang: str = "de"):
    """The splitter for ``lang``: English's own, the engine with the language's data, or the
    generic fallback for a code without data (:class:`~pipeline.errors.LanguageError`
    for a string that is not a language code). Modules are imported on first use."""
    if lang == "en":
        from .en import DEFAULT as EN

        return EN
    from .rules import rule_splitter

    return rule_splitter(lang)


def split(text: str, lang: str = "de") -> list[Sentence]:
    """Split ``text`` into sentences with the splitter for ``lang``."""
    return splitter(lang).split(text)
