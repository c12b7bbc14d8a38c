"""One translation setup: :class:`TranslatorConfig` (what to build) and :class:`Translator`.

:class:`Translator` holds the verified model, the engine spec (settings known before anything
is loaded), the splitter, the translation memory, and the scheduler that builds the engine on
first need. :func:`translate_text` returns records and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .document import Document, Sentence
from .errors import InputError
from .flags import OTHER_LANGUAGE
from .inputs import Report, stderr
from .provenance import Provenance, run_fingerprint, translation_key
from .records import Record, build_records
from .translate.spec import EngineSpec


@dataclass(frozen=True)
class TranslatorConfig:
    """Everything needed to build the same :class:`Translator` in another process (a Ray
    actor gets one): the model source (a local directory, or the pin in ``lock``; None: the
    default lock), the engine spec (engine and decoding options), and whether the translation
    memory is used. Frozen and picklable; the manifest records :meth:`settings`."""

    model_dir: str | None = None
    lock: str | None = None
    spec: EngineSpec = field(default_factory=EngineSpec)
    cache: bool = True
    download: bool = True
    src_lang: str = "de"
    tgt_lang: str = "en"

    @classmethod
    def of(cls, *, model_dir: str | Path | None = None, lock: str | Path | None = None,
           engine: str = "ctranslate2", cache: bool = True, download: bool = True,
           src_lang: str = "de", tgt_lang: str = "en", **spec_options) -> TranslatorConfig:
        """A config from :class:`Translator`'s keyword options (``beam``, ``compute_type``,
        ``threads``, ``inter_threads``, ``intra_threads``, ``max_source_tokens``) and
        ``src_lang``, the source language whose splitter is used, and ``tgt_lang``."""
        return cls(model_dir=None if model_dir is None else str(Path(model_dir).absolute()),
                   lock=None if lock is None else str(Path(lock).absolute()),
                   spec=EngineSpec(name=engine, **spec_options), cache=cache, download=download,
                   src_lang=src_lang, tgt_lang=tgt_lang)

    def settings(self) -> dict:
        """The run's translator settings, as the manifest records them."""
        from .lock import default_lock_path

        lock = None if self.model_dir is not None else self.lock or str(default_lock_path())
        return {**self.spec.options(), "cache": self.cache, "model_dir": self.model_dir,
                "lock": lock, "src_lang": self.src_lang}


class Translator:
    """One translation setup, loaded on demand. The model is resolved and verified when the
    translator is made; the engine library is imported only when a sentence needs the engine.

    Built from a :class:`TranslatorConfig`, or from its keyword options: ``model_dir`` is a
    local MarianMT directory (``save_pretrained``); without it the model pinned in ``lock``
    (default: :func:`pipeline.lock.default_lock_path`) is used."""

    def __init__(self, config: TranslatorConfig | None = None, *, report: Report | None = None,
                 on_progress: Callable[[int], None] | None = None, **options) -> None:
        from . import model
        from .lock import default_lock_path
        from .schedule import Scheduler
        from .segment import splitter

        self.config = config = config if config is not None else TranslatorConfig.of(**options)
        self.report = report or stderr
        self.spec = config.spec
        self.model_dir = None if config.model_dir is None else Path(config.model_dir)
        self.lock = None if self.model_dir is not None else Path(config.lock or default_lock_path())
        self.source = model.resolve(self.model_dir, self.lock, download=config.download,
                                    report=self.report)
        self.splitter = splitter(config.src_lang)  # the source language's splitter
        self.provenance = Provenance(model=self.source.provenance(),
                                     engine=self.spec.settings(self.source.path),
                                     splitter=self.splitter.name)
        key = translation_key(self.source.digest, self.spec.name, self.spec.key_options())
        self.fingerprint = run_fingerprint(key, self.splitter.name)
        self.memory = _open_memory(key, self.report) if config.cache else None
        self.scheduler = Scheduler(lambda: self.spec.load(self.source, report=self.report),
                                   self.memory, self.spec.max_source_tokens,
                                   on_progress=on_progress)

    # --- translating ---------------------------------------------------------------------------

    def split(self, text: str) -> list[Sentence]:
        return self.splitter.split(text)

    def translate_documents(self, docs: Sequence[tuple[Document, list[Sentence]]],
                            doc_paths: Sequence[str] | None = None) -> list[list[Record] | InputError]:
        """Records for each (document, sentences), all sentences in one scheduler call. A
        document whose sentence the engine refuses (too long even after splitting) gets the
        :class:`InputError` instead of records; the others are still translated."""
        sources = [doc.slice(s) for doc, sents in docs for s in sents]
        others = self.other_languages(sources)
        try:
            outcomes = self._translate(sources, others)
            per_doc: list = []
            pos = 0
            for doc, sents in docs:
                per_doc.append(outcomes[pos : pos + len(sents)])
                pos += len(sents)
        except InputError:  # one document's sentence was refused: retry each on its own
            per_doc = []
            for doc, sents in docs:
                try:
                    per_doc.append(self._translate([doc.slice(s) for s in sents], others))
                except InputError as exc:
                    per_doc.append(exc)
        out: list = []
        pair = (self.config.src_lang, self.config.tgt_lang)
        for n, ((doc, sents), mine) in enumerate(zip(docs, per_doc)):
            if isinstance(mine, InputError):
                out.append(mine)
                continue
            out.append(build_records(doc, sents, mine, self.provenance, self.fingerprint,
                                     doc_paths[n] if doc_paths is not None else None, pair))
        return out

    def other_languages(self, sources: Sequence[str]) -> dict[str, str]:
        """Source text -> its language, for the sentences confidently in another language
        than the run's source language (:mod:`pipeline.languages.within`)."""
        from .languages.within import other_languages

        return other_languages(sources, self.config.src_lang, (self.config.tgt_lang,))

    def _translate(self, sources: Sequence[str], others: dict[str, str]) -> list:
        """The scheduler's outcomes, sentences in another language marked: their language,
        the flag ``other_language``, and copied when that language is the target's."""
        keep = {text for text, lang in others.items() if lang == self.config.tgt_lang}
        outcomes = self.scheduler.translate(sources, keep)
        return [o if s not in others else replace(
                    o, src_lang=others[s], flags=(OTHER_LANGUAGE, *o.flags))
                for s, o in zip(sources, outcomes)]

    def translate_document(self, doc: Document, doc_path: str | None = None) -> list[Record]:
        """The records of one document (``doc_path``: the path to record, default its own)."""
        (result,) = self.translate_documents([(doc, self.split(doc.text))],
                                             None if doc_path is None else [doc_path])
        if isinstance(result, InputError):
            raise result
        return result

    def translate_text(self, text: str, name: str = "<text>") -> list[Record]:
        """The records of ``text`` (``name`` stands in for its path); nothing is written."""
        return self.translate_document(Document.from_text(text, name))

    def close(self) -> None:
        if self.memory is not None:
            self.memory.close()
            self.memory = None

    def __enter__(self) -> Translator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def manifest_model(self) -> dict:
        """The run's model for the manifest: its provenance, plus the lock and its digest."""
        model = dict(self.provenance.model)
        if self.lock is not None:
            from .lock import read_lock

            model.update({"lock": str(self.lock), "lock_digest": read_lock(self.lock).digest()})
        return model


def _open_memory(key: str, report: Report):
    from .paths import cache_dir
    from .tm import TranslationMemory

    return TranslationMemory.open(cache_dir() / "tm.sqlite3", key, report)


def translate_text(text: str, *, name: str = "<text>", **options) -> list[Record]:
    """Split and translate ``text``; one :class:`Record` per sentence, nothing written.
    ``options`` are :class:`Translator`'s (``model_dir``, ``beam``, ``engine``, ...)."""
    with Translator(**options) as translator:
        return translator.translate_text(text, name)



__all__ = ["Translator", "TranslatorConfig", "translate_text"]
