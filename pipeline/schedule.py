"""From source sentences to outcomes: pass-through, translation memory, de-duplication,
splitting of over-long sentences, and one engine call for everything that is left.

The engine sees each distinct text once per call, however many documents share it; its own
batching sorts by length. Flags report what happened; they never rewrite a translation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from .errors import ModelIntegrityError
from .flags import FROM_CACHE, OUTPUT_CAP, PASSED_THROUGH, REPEATED_NGRAM, SPLIT_FOR_LENGTH
from .guards import needs_translation, repeated_ngram, split_long
from .tm import Entry, TranslationMemory


def safe_source_tokens(positions: int) -> int:
    """The longest source whose output cap (ceil(1.5 n) + 10 tokens, plus the decoder's start
    and end tokens) still fits the model's ``positions``: 333 for opus-mt's 512. Longer
    sentences are split, so no output is ever cut by the decoder's position limit."""
    return max(1, int((positions - 12) / 1.5))


@dataclass(frozen=True)
class Outcome:
    """The translation of one source sentence and what the record should say about it."""

    target: str
    flags: tuple[str, ...] = ()
    score: float | None = None
    source_tokens: int = 0
    target_tokens: int = 0
    pieces: tuple[tuple[int, int], ...] = ()  # spans relative to the sentence, when split
    src_lang: str | None = None  # a sentence in another language than its document: which


@dataclass
class Stats:
    """Counters for the run summary and the manifest."""

    sentences: int = 0
    translated: int = 0
    from_cache: int = 0
    duplicates: int = 0
    passed_through: int = 0
    split_for_length: int = 0
    engine_inputs: int = 0
    extra: dict = field(default_factory=dict)


class Scheduler:
    """Turns batches of source sentences into :class:`Outcome` s using an engine built on
    first need (``engine_factory``) and an optional :class:`TranslationMemory`."""

    def __init__(self, engine_factory: Callable[[], object], memory: TranslationMemory | None,
                 max_source_tokens: int | None = None,
                 on_progress: Callable[[int], None] | None = None) -> None:
        self._factory = engine_factory
        self._engine = None
        self._prepared = False
        self.memory = memory
        self.max_source_tokens = max_source_tokens
        self.stats = Stats()
        self.on_progress = on_progress or (lambda n: None)

    @property
    def engine(self):
        if self._engine is None:
            self._engine = self._factory()
        return self._engine

    def prepare(self, sources: Sequence[str]) -> None:
        """Start loading the engine (in the background where it can) if some of ``sources``
        will need it: neither copied nor in the translation memory. Asked once, for the first
        sources a caller has; the caller then does its own work (the other-language check)
        while the model loads."""
        if self._prepared:
            return
        self._prepared = True
        todo = [text for text in dict.fromkeys(sources) if needs_translation(text)]
        if self.memory is not None and todo:
            found = self.memory.get_many(todo)
            todo = [text for text in todo if text not in found]
        if todo:
            self.engine.prepare()

    def translate(self, sources: Sequence[str],
                  keep: Collection[str] = frozenset()) -> list[Outcome]:
        """One outcome per source, in order. A source in ``keep`` (a sentence already in the
        target language) is copied, flagged ``passed_through``, as one without words is."""
        self.stats.sentences += len(sources)
        unique = list(dict.fromkeys(sources))
        self.stats.duplicates += len(sources) - len(unique)
        done: dict[str, Outcome] = {}
        todo = []
        for text in unique:
            if text in keep or not needs_translation(text):
                done[text] = Outcome(target=text, flags=(PASSED_THROUGH,))
                self.stats.passed_through += 1
            else:
                todo.append(text)
        if self.memory is not None and todo:
            for text, e in self.memory.get_many(todo).items():
                done[text] = Outcome(e.target, tuple(e.flags) + (FROM_CACHE,), e.score,
                                     e.source_tokens, e.target_tokens, e.pieces)
            self.stats.from_cache += sum(1 for t in todo if t in done)
            todo = [t for t in todo if t not in done]
        if todo:
            fresh = self._translate_fresh(todo)
            done.update(fresh)
            if self.memory is not None:
                self.memory.put_many({t: Entry(o.target, o.score, o.source_tokens, o.target_tokens,
                                               o.flags, o.pieces) for t, o in fresh.items()})
        return [done[s] for s in sources]

    def _engine_in_chunks(self, engine, inputs: list, chunk: int = 256) -> list:
        """Translate tokenized ``inputs`` in length-ordered chunks (so each chunk still batches
        well), reporting progress after each; the result is in input order."""
        order = sorted(range(len(inputs)), key=lambda i: (len(inputs[i]), i))
        out: list = [None] * len(inputs)
        for k in range(0, len(order), chunk):
            part = order[k : k + chunk]
            for i, t in zip(part, engine.translate_tokens([inputs[i] for i in part])):
                if t.score is not None and not math.isfinite(t.score):
                    raise ModelIntegrityError(
                        f"the engine returned a non-finite score ({t.score}) for a sentence: the "
                        "model or its converted copy is damaged; run `pipeline models verify`, "
                        "and delete the ct2/ directory of the pipeline cache to convert again")
                out[i] = t
            self.on_progress(len(part))
        return out

    def _translate_fresh(self, texts: list[str]) -> dict[str, Outcome]:
        engine = self.engine
        engine.prepare()  # the model loads while the sentences are tokenized and split
        limit = min(self.max_source_tokens or safe_source_tokens(engine.max_source_tokens),
                    safe_source_tokens(engine.max_source_tokens))
        tokenized = engine.tokenize(texts)  # once: counted here, translated as they are
        plan: list[tuple[str, list[tuple[int, int]]]] = []
        inputs: list = []
        for text, tokens in zip(texts, tokenized):
            if len(tokens) <= limit:
                plan.append((text, [(0, len(text))]))
                inputs.append(tokens)
                continue
            spans = split_long(text, engine.count_tokens, limit)
            plan.append((text, spans))
            inputs.extend(engine.tokenize([text[a:b] for a, b in spans]))
        self.stats.engine_inputs += len(inputs)
        outputs = self._engine_in_chunks(engine, inputs)
        result: dict[str, Outcome] = {}
        pos = 0
        for text, spans in plan:
            parts = outputs[pos : pos + len(spans)]
            pos += len(spans)
            target = " ".join(p.text.strip() for p in parts if p.text.strip())
            flags = []
            if len(spans) > 1:
                flags.append(SPLIT_FOR_LENGTH)
                self.stats.split_for_length += 1
            if any(p.cap_hit for p in parts):
                flags.append(OUTPUT_CAP)
            if repeated_ngram(target):
                flags.append(REPEATED_NGRAM)
            scored = [(p.score, p.target_tokens + 1) for p in parts if p.score is not None]
            score = (sum(s * w for s, w in scored) / sum(w for _, w in scored)) if scored else None
            result[text] = Outcome(
                target=target, flags=tuple(flags), score=score,
                source_tokens=sum(p.source_tokens for p in parts),
                target_tokens=sum(p.target_tokens for p in parts),
                pieces=tuple(spans) if len(spans) > 1 else ())
            self.stats.translated += 1
        return result
