"""One translation setup: :class:`TranslatorConfig` (what to build) and :class:`Translator`.

:class:`Translator` holds the verified model, the engine spec (settings known before anything
is loaded), the splitter, the translation memory, and the scheduler that builds the engine on
first need. :func:`translate_text` returns records and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    actor gets one): the pair (``src_lang`` into ``tgt_lang``), the model source (a local
    directory for the pair, local directories of other pairs in ``model_dirs``, or the pins in
    ``lock``; None: the default lock; ``big``: the tc-big model where there is one), the
    language to pivot through when no direct model exists, the engine spec (engine and
    decoding options), and whether the translation memory is used. Frozen and picklable; the
    manifest records :meth:`settings`."""

    model_dir: str | None = None
    lock: str | None = None
    spec: EngineSpec = field(default_factory=EngineSpec)
    cache: bool = True
    download: bool = True
    src_lang: str = "de"
    tgt_lang: str = "en"
    model_dirs: tuple[tuple[str, str], ...] = ()  # (pair, directory), sorted by pair
    big: bool = False
    pivot: str | None = None

    @classmethod
    def of(cls, *, model_dir: str | Path | None = None, lock: str | Path | None = None,
           engine: str = "ctranslate2", cache: bool = True, download: bool = True,
           src_lang: str = "de", tgt_lang: str = "en",
           model_dirs: Mapping[str, str | Path] | Sequence[tuple[str, str | Path]] = (),
           big: bool = False, pivot: str | None = None, **spec_options) -> TranslatorConfig:
        """A config from :class:`Translator`'s keyword options (``beam``, ``compute_type``,
        ``threads``, ``inter_threads``, ``intra_threads``, ``max_source_tokens``), the pair
        ``src_lang``-``tgt_lang`` (the source language's splitter is used) and the model
        sources: ``model_dir`` for the pair itself, ``model_dirs`` ({"fr-en": DIR, ...}) for
        any pair a run may need (routing, pivot hops)."""
        from .languages.pairs import Pair

        items = model_dirs.items() if isinstance(model_dirs, Mapping) else model_dirs
        dirs = {Pair.parse(str(k)).name: str(Path(v).absolute()) for k, v in items}
        return cls(model_dir=None if model_dir is None else str(Path(model_dir).absolute()),
                   lock=None if lock is None else str(Path(lock).absolute()),
                   spec=EngineSpec(name=engine, **spec_options), cache=cache, download=download,
                   src_lang=src_lang, tgt_lang=tgt_lang, model_dirs=tuple(sorted(dirs.items())),
                   big=big, pivot=pivot)

    @property
    def pair(self):
        """The :class:`~pipeline.languages.pairs.Pair` translated."""
        from .languages.pairs import Pair

        return Pair.parse(f"{self.src_lang}-{self.tgt_lang}")

    def model_dir_for(self, pair) -> str | None:
        """The local model directory of ``pair`` (``model_dir`` means this config's pair)."""
        if self.model_dir is not None and pair == self.pair:
            return self.model_dir
        return dict(self.model_dirs).get(pair.name)

    def for_pair(self, src_lang: str, tgt_lang: str | None = None) -> TranslatorConfig:
        """This config for another pair (``model_dir`` stays with the pair it was given for,
        as an entry of ``model_dirs``)."""
        dirs = dict(self.model_dirs)
        if self.model_dir is not None:
            dirs.setdefault(self.pair.name, self.model_dir)
        return replace(self, src_lang=src_lang, tgt_lang=tgt_lang or self.tgt_lang,
                       model_dir=None, model_dirs=tuple(sorted(dirs.items())))

    def settings(self) -> dict:
        """The run's translator settings, as the manifest records them."""
        from .lock import default_lock_path

        lock = None if self.model_dir is not None else self.lock or str(default_lock_path())
        out = {**self.spec.options(), "cache": self.cache, "model_dir": self.model_dir,
               "lock": lock, "src_lang": self.src_lang, "tgt_lang": self.tgt_lang}
        if self.model_dirs:
            out["model_dirs"] = dict(self.model_dirs)
        if self.big:
            out["big"] = True
        if self.pivot is not None:
            out["pivot"] = self.pivot
        return out


class Translator:
    """One translation setup, loaded on demand. The model is resolved and verified when the
    translator is made; the engine library is imported only when a sentence needs the engine.

    Built from a :class:`TranslatorConfig`, or from its keyword options: ``model_dir`` is a
    local MarianMT directory (``save_pretrained``) of the pair; without it the pair's model
    pinned in ``lock`` (default: :func:`pipeline.lock.default_lock_path`) is used, pinned
    first where the hub is reachable. A pair without a direct model goes through ``pivot``
    (English unless told otherwise; said in one line): this translator does the first hop and
    ``self.next`` the second."""

    def __init__(self, config: TranslatorConfig | None = None, *, report: Report | None = None,
                 on_progress: Callable[[int], None] | None = None, **options) -> None:
        from .languages.pairs import PIVOT, route
        from .lock import default_lock_path
        from .schedule import Scheduler
        from .segment import splitter

        config = config if config is not None else TranslatorConfig.of(**options)
        self.report = report or stderr
        self.spec = config.spec
        self.config = config
        pair = config.pair
        direct = frozenset(map(_pair, dict(config.model_dirs))) | _pinned(config.lock)
        if config.model_dir is not None:
            direct |= {pair}
        hops = route(pair, pivot=config.pivot or PIVOT, direct=direct,
                     forced=config.pivot is not None)
        if len(hops) == 2 and config.pivot is None:
            self.report(f"note: no {pair} model; translating through {hops[0].tgt} "
                        f"({hops[0]}, then {hops[1]})")
        self.hop = hops[0]
        self.model_dir = None if config.model_dir_for(self.hop) is None \
            else Path(config.model_dir_for(self.hop))
        self.lock = None if self.model_dir is not None else Path(config.lock or default_lock_path())
        self.lock_key = None if self.model_dir is not None else self._lock_key(self.hop)
        self.source = replace(self._resolve(), pair=self.hop.name)
        self.splitter = splitter(config.src_lang)  # the source language's splitter
        self.next: Translator | None = None
        if len(hops) == 2:  # the second hop: a translator of the pivot language, no splitting
            self.next = Translator(config.for_pair(hops[1].src, hops[1].tgt),
                                   report=self.report)
        self.provenance = Provenance(model=self.source.provenance(),
                                     engine=self.spec.settings(self.source.path),
                                     splitter=self.splitter.name,
                                     pivot=None if self.next is None else self.next.hop_provenance())
        key = translation_key(self.source.digest, self.spec.name, self.spec.key_options())
        self.fingerprint = run_fingerprint(key if self.next is None else
                                           f"{key}|{self.hop.tgt}|{self.next.key}",
                                           self.splitter.name)
        self.key = key
        self.memory = _open_memory(memory_key(key, self.hop), self.report) if config.cache \
            else None
        self.scheduler = Scheduler(lambda: self.spec.load(self.source, report=self.report),
                                   self.memory, self.spec.max_source_tokens,
                                   on_progress=on_progress)

    def _lock_key(self, hop) -> str:
        from .languages.pairs import family_for, lock_key

        return lock_key(hop, family_for(hop, self.config.big))

    def _resolve(self):
        from . import model
        from .languages.pairs import family_for, repo_for

        if self.model_dir is not None:
            return model.from_directory(self.model_dir)
        repo = repo_for(self.hop, family_for(self.hop, self.config.big))
        return model.resolve(None, self.lock, download=self.config.download,
                             report=self.report, pair=self.lock_key, repo=repo)

    def hop_provenance(self) -> dict:
        """What a record says of this translator when it is a pivot's second hop."""
        return {"lang": self.hop.src, "model": self.source.provenance(),
                "engine": self.spec.settings(self.source.path)}

    # --- translating ---------------------------------------------------------------------------

    def split(self, text: str) -> list[Sentence]:
        return self.splitter.split(text)

    def translate_documents(self, docs: Sequence[tuple[Document, list[Sentence]]],
                            doc_paths: Sequence[str] | None = None) -> list[list[Record] | InputError]:
        """Records for each (document, sentences), all sentences in one scheduler call. A
        document whose sentence the engine refuses (too long even after splitting) gets the
        :class:`InputError` instead of records; the others are still translated."""
        sources = [doc.slice(s) for doc, sents in docs for s in sents]
        self.scheduler.prepare(sources)  # the model loads while the languages are checked
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
        intermediates = [None] * len(docs)
        if self.next is not None:
            per_doc, intermediates = self.next._second_hop(per_doc)
        out: list = []
        pair = (self.config.src_lang, self.config.tgt_lang)
        for n, ((doc, sents), mine) in enumerate(zip(docs, per_doc)):
            if isinstance(mine, InputError):
                out.append(mine)
                continue
            out.append(build_records(doc, sents, mine, self.provenance, self.fingerprint,
                                     doc_paths[n] if doc_paths is not None else None, pair,
                                     intermediates[n]))
        return out

    def other_languages(self, sources: Sequence[str]) -> dict[str, str]:
        """Source text -> its language, for the sentences confidently in another language
        than the run's source language (:mod:`pipeline.languages.within`)."""
        from .languages.within import other_languages

        return other_languages(sources, self.config.src_lang, self._copied)

    @property
    def _copied(self) -> tuple[str, ...]:
        """The languages this hop copies rather than translates: its target's, and in a pivot's
        first hop also the run's (a sentence already in it is copied by both hops)."""
        return tuple(dict.fromkeys((self.hop.tgt, self.config.tgt_lang)))

    def _translate(self, sources: Sequence[str], others: dict[str, str]) -> list:
        """The scheduler's outcomes, sentences in another language marked: their language,
        the flag ``other_language``, and copied when that language is one of :attr:`_copied`."""
        keep = {text for text, lang in others.items() if lang in self._copied}
        outcomes = self.scheduler.translate(sources, keep)
        return [o if s not in others else replace(
                    o, src_lang=others[s], flags=(OTHER_LANGUAGE, *o.flags))
                for s, o in zip(sources, outcomes)]

    def _second_hop(self, per_doc: list) -> tuple[list, list]:
        """A pivot's second hop over the first hop's outcomes (per document, or its error):
        the final outcomes (first hop's source tokens, pieces and sentence language, both hops'
        flags) and the intermediate texts, per document. A sentence the first hop found in
        this hop's target language was copied there and is copied again."""
        from dataclasses import replace as changed

        firsts = [mine for mine in per_doc if not isinstance(mine, InputError)]
        texts = [[o.target for o in mine] for mine in firsts]
        keep = {o.target for mine in firsts for o in mine if o.src_lang == self.hop.tgt}
        try:
            flat = self.scheduler.translate([t for doc in texts for t in doc], keep)
            seconds = []
            for doc in texts:
                seconds.append(flat[: len(doc)])
                flat = flat[len(doc):]
        except InputError:
            seconds = []
            for doc in texts:
                try:
                    seconds.append(self.scheduler.translate(doc, keep))
                except InputError as exc:
                    seconds.append(exc)
        results, middles, k = [], [], 0
        for mine in per_doc:
            if isinstance(mine, InputError):
                results.append(mine)
                middles.append(None)
                continue
            second = seconds[k]
            k += 1
            if isinstance(second, InputError):
                results.append(second)
                middles.append(None)
                continue
            results.append([changed(o2, flags=tuple(dict.fromkeys(o1.flags + o2.flags)),
                                    source_tokens=o1.source_tokens, pieces=o1.pieces,
                                    src_lang=o1.src_lang)
                            for o1, o2 in zip(mine, second)])
            middles.append([o1.target for o1 in mine])
        return results, middles

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
        if self.next is not None:
            self.next.close()

    def __enter__(self) -> Translator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def header(self) -> dict:
        """What the manifest says of this translator: model, engine, splitter, fingerprint."""
        return {"model": self.manifest_model(), "engine": self.provenance.engine,
                "splitter": self.provenance.splitter, "fingerprint": self.fingerprint}

    def manifest_model(self) -> dict:
        """The run's model for the manifest: its provenance, plus the lock and its digest."""
        model = dict(self.provenance.model)
        if self.lock is not None:
            from .lock import read_lock

            model.update({"lock": str(self.lock),
                          "lock_digest": read_lock(self.lock, self.lock_key).digest()})
        return model


def memory_key(translation: str, pair) -> str:
    """The translation memory's key: the translation key and the pair the model translates
    (a model directory used for another pair does not share its memory)."""
    import hashlib

    return hashlib.sha256(f"{translation}|pair:{pair}".encode()).hexdigest()


def _pinned(lock: str | None) -> frozenset:
    """The pairs models.lock pins (a lock that cannot be read pins none here; using it says
    why)."""
    from .errors import PipelineError
    from .languages.pairs import pair_of_repo
    from .lock import read_pins

    try:
        pins = read_pins(lock)
    except PipelineError:
        return frozenset()
    return frozenset(found[0] for found in (pair_of_repo(p.repo) for p in pins.values()) if found)


def _pair(name: str):
    from .languages.pairs import Pair

    return Pair.parse(name)


def _open_memory(key: str, report: Report):
    from .paths import cache_dir
    from .tm import TranslationMemory

    return TranslationMemory.open(cache_dir() / "tm.sqlite3", key, report)


def translate_text(text: str, *, src: str = "de", tgt: str = "en", name: str = "<text>",
                   **options) -> list[Record]:
    """Split ``text`` (written in ``src``) and translate it into ``tgt``; one :class:`Record`
    per sentence, nothing written. ``options`` are :class:`Translator`'s (``model_dir``: a
    local model of the pair, ``model_dirs``, ``pivot``, ``beam``, ``engine``, ...)."""
    options.setdefault("src_lang", src)
    options.setdefault("tgt_lang", tgt)
    with Translator(**options) as translator:
        return translator.translate_text(text, name)



__all__ = ["Translator", "TranslatorConfig", "translate_text"]
