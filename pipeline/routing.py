"""Mixed archives: each document routed to the translator of its own language's pair.

``--from auto`` makes a :class:`Router` instead of one translator. It names each document's
language (the archive's ``--lang-field`` when the line has it, else
:func:`pipeline.detect_language`), and builds the translator of that language's pair on first
need, one per pair, from the run's :class:`~pipeline.translator.TranslatorConfig` (same
engine, decoding, lock, local models). A language whose pair has no model (none in the
registry, no pin reachable, no ``--model-dir PAIR=DIR``) is refused once with a line naming
the ways on; the run's other documents go on. The same router runs in each Ray actor, so a
Ray run routes exactly as a plain one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

from .document import Document
from .errors import LanguageError, PipelineError
from .inputs import Report, stderr
from .translator import Translator, TranslatorConfig

AUTO = "auto"


class Router:
    """Translators by source language, built lazily (see the module notes)."""

    def __init__(self, config: TranslatorConfig, *, report: Report = stderr,
                 on_progress: Callable[[int], None] | None = None,
                 lang_field: str | None = None) -> None:
        self.config = config
        self.report = report
        self.on_progress = on_progress
        self.lang_field = lang_field
        self._built: dict[str, Translator | PipelineError] = {}
        from .schedule import Stats

        self.extra = Stats()  # counters of work done elsewhere (a Ray run's actors)

    # --- which language -----------------------------------------------------------------------

    def language(self, doc: Document, article=None) -> str:
        """The language of ``doc``: its archive line's ``lang_field`` when set (``article``:
        the :class:`~pipeline.archive.Article` it came from), else detected from its text."""
        if self.lang_field is not None and article is not None:
            from .archive import field_at

            value = field_at(article.archive, article.offset, self.lang_field)
            if isinstance(value, str) and value.strip():
                return value.strip().lower()
        from .languages.identify import detect_language

        return detect_language(doc.text)

    def translator(self, lang: str) -> Translator:
        """The translator of ``lang`` into the run's target language, built on first need; a
        pair without a model raises (the same error for every document of that language)."""
        found = self._built.get(lang)
        if found is None:
            try:
                if lang == self.config.tgt_lang:
                    raise LanguageError(f"already in the target language ({lang}); nothing to "
                                        "translate")
                found = Translator(self.config.for_pair(lang), report=self.report,
                                   on_progress=self.on_progress)
            except PipelineError as exc:
                found = exc
            self._built[lang] = found
        if isinstance(found, PipelineError):
            raise found
        return found

    def route(self, doc: Document, article=None) -> Translator:
        """The translator for ``doc``; a :class:`PipelineError` saying the document, its
        language and the ways on when there is none."""
        try:
            lang = self.language(doc, article)
        except PipelineError as exc:
            raise type(exc)(f"language not identified ({exc}); set it with --lang-field or "
                            "translate with --from LANG") from None
        try:
            return self.translator(lang)
        except PipelineError as exc:
            how = "from the archive" if self.lang_field and article is not None else "detected"
            raise type(exc)(f"language {lang} ({how}): {_reason(exc)}; "
                            f"{ways_on(lang, self.config.tgt_lang)}") from None

    # --- a run's view of all of them ----------------------------------------------------------

    @property
    def translators(self) -> list[Translator]:
        """The translators built so far, by language."""
        return [t for _, t in sorted(self._built.items()) if isinstance(t, Translator)]

    def stats(self):
        """The scheduler counters of every translator, added up."""
        from .schedule import Stats

        total = Stats()
        for stats in [t.scheduler.stats for t in self.translators] + [self.extra]:
            for f in fields(total):
                value = getattr(stats, f.name)
                if isinstance(value, int):
                    setattr(total, f.name, getattr(total, f.name) + value)
        return total

    def header(self) -> dict:
        """What the manifest says of the run's translators: each pair's model, engine,
        splitter and fingerprint."""
        return {"models": {f"{t.config.src_lang}-{t.config.tgt_lang}": t.header()
                           for t in self.translators}}

    def close(self) -> None:
        for t in self.translators:
            t.close()


def ways_on(src: str, tgt: str) -> str:
    """The ways on for a language without a model: those that can work for this pair."""
    from .languages.pairs import PIVOT, Pair, has_model

    try:
        pair = Pair.parse(f"{src}-{tgt}")
    except PipelineError:
        return "translate it with --from LANG"
    ways = [f"`pipeline models fetch --pair {pair}` where the hub is reachable"] \
        if has_model(pair) else []
    ways.append(f"--model-dir {pair}=DIR")
    if PIVOT not in (src, tgt) and has_model(Pair(src, PIVOT)) and has_model(Pair(PIVOT, tgt)):
        ways.append(f"--pivot {PIVOT}")
    return "ways on: " + ", or ".join(ways)


def _reason(exc: PipelineError) -> str:
    """An error's finding without the remedies it names (the router names its own)."""
    text = str(exc)
    for cut in (": run `", "; use --", ": pass ", " or translate with"):
        text = text.split(cut)[0]
    return text


def routed(config: TranslatorConfig) -> bool:
    """True for a config whose source language is ``auto``."""
    return config.src_lang == AUTO


__all__ = ["Router", "AUTO", "routed"]
