"""Sentence splitters, one module per language; offsets are produced during the scan.

Each splitter has a versioned ``name`` (recorded in provenance) and
``split(text) -> list[Sentence]`` with half-open code-point offsets into ``text``.
"""

from __future__ import annotations

from ..document import Sentence

LANGUAGES = ("de", "en")


def splitter(lang: str = "de"):
    """The default splitter for ``lang`` (``"de"`` or ``"en"``); the module is imported on
    first use."""
    if lang == "de":
        from .de import DEFAULT

        return DEFAULT
    if lang == "en":
        from .en import DEFAULT as EN

        return EN
    from ..errors import PipelineError

    raise PipelineError(f"no sentence splitter for language {lang!r}; choose one of: "
                        f"{', '.join(LANGUAGES)}")


def split(text: str, lang: str = "de") -> list[Sentence]:
    """Split ``text`` into sentences with the default splitter for ``lang``."""
    return splitter(lang).split(text)
