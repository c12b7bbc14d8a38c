"""CTranslate2 engine: the same MarianMT checkpoint, converted once (:mod:`.convert`), decoded
in int8 (or float32), tokenized by :class:`.pieces.MarianPieces` exactly as ``MarianTokenizer``.

Decisions that CTranslate2 would otherwise take silently:

* ``max_input_length`` is set to the model's ``max_source_tokens`` (512 for opus-mt) and a longer
  sentence raises :class:`SourceTooLongError` before decoding; nothing is ever truncated.
* ``beam_size`` and ``length_penalty`` are the model's (its generation config, else its model
  config: 4 for opus-mt) unless overridden, not CTranslate2's default beam of 2.
* Every sentence gets its own output cap ``ceil(1.5 × source tokens) + 10``, although
  ``max_decoding_length`` is one number per ``translate_batch`` call, and decoding stops there:
  the result is exactly what a per-sentence limit gives, whatever else is in the batch.

  - greedy (beam 1): batches mix lengths; a step callback stops each sentence at its own cap;
  - beam search: a batch holds only sentences of the same source length (hence the same cap)
    and is decoded with ``max_decoding_length`` = that cap. Nothing is decoded past a cap, so
    nothing is cut or re-scored afterwards.

* ``score`` is the mean log-probability per generated token, the end-of-sentence token included
  when the model produced it: CTranslate2's score with length penalty 1 is exactly that; with
  another penalty it is converted back.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from ..model import ModelSource
from ..provenance import library_versions
from .base import TokenizingEngine, Translation, length_batches, output_cap, refuse_over_long
from .convert import converted_model
from .pieces import MarianPieces
from .spec import EngineSpec, ModelDecoding


class CTranslate2Engine(TokenizingEngine):
    """MarianMT through CTranslate2: cached conversion, length-sorted token-budget batches, beam
    and length penalty from the model's configuration, per-sentence output caps."""

    name = "ctranslate2"
    THREAD_OPTIONS = ("inter_threads", "intra_threads")

    # --- what this engine says of itself, known before it is built ----------------------

    @classmethod
    def provenance(cls, spec: EngineSpec) -> dict:
        """Its fragment of the ``engine`` provenance: library version, compute type."""
        return {"name": cls.name, "version": library_versions("ctranslate2")["ctranslate2"],
                "compute_type": spec.compute_type}

    @classmethod
    def decoding(cls, spec: EngineSpec, beams: int, model: ModelDecoding) -> dict:
        """Decoding settings beyond the common ones (how the cap is applied, batch budget)."""
        return {"cap": "callback stop" if beams == 1 else "batches of equal cap",
                "max_input_length": model.max_source_tokens, "min_decoding_length": 0,
                "max_batch_tokens": spec.batch_tokens(beams)}

    @classmethod
    def key_options(cls, spec: EngineSpec) -> dict:
        """Options beyond beam and input limit that change a translation: the compute type."""
        return {"compute_type": spec.compute_type}

    @classmethod
    def thread_layout(cls, threads: int) -> dict:
        """One single-threaded worker per core."""
        return {"inter_threads": threads, "intra_threads": 1}

    @classmethod
    def build(cls, source: ModelSource, spec: EngineSpec, *, cache_dir: Path | None = None,
              report: Callable[[str], None] | None = None) -> CTranslate2Engine:
        return cls(source, spec, cache_dir=cache_dir, report=report)

    def __init__(self, source: ModelSource, spec: EngineSpec | None = None, *,
                 max_batch_size: int = 32, cache_dir: Path | None = None,
                 report: Callable[[str], None] | None = None) -> None:
        spec = spec or EngineSpec()
        if cache_dir is None:
            from ..paths import cache_dir as default_cache

            cache_dir = default_cache()
        self.source = source
        self.spec = spec
        self.compute_type = spec.compute_type
        model = ModelDecoding.of(source.path)
        self.num_beams = spec.beam if spec.beam is not None else model.num_beams
        self.length_penalty = model.length_penalty
        self.max_source_tokens = model.max_source_tokens
        self.inter_threads, self.intra_threads = spec.worker_threads()
        self.max_batch_tokens = spec.batch_tokens(self.num_beams)
        self.max_batch_size = max_batch_size
        self.cache_dir = Path(cache_dir)
        self.report = report
        self._model_dir: Path | None = None
        self._translator = None
        self._loading: threading.Thread | None = None
        self._loaded = None

    @functools.cached_property
    def tokens(self) -> MarianPieces:
        """The model's sentencepiece and vocabulary, read on first need (a run served from the
        translation memory never reads them)."""
        return MarianPieces(self.source.path)

    @property
    def model_dir(self) -> Path:
        """The converted model (converted on first need, then taken from the cache)."""
        if self._model_dir is None:
            self._model_dir = converted_model(self.source, self.compute_type, self.cache_dir,
                                              self.report)
        return self._model_dir

    @property
    def translator(self):
        """Loaded on first translation, so a run served from the translation memory does not
        read the model at all."""
        if self._translator is None:
            if self._loading is None:
                self.prepare()
            loading, self._loading = self._loading, None
            loading.join()
            if isinstance(self._loaded, BaseException):
                raise self._loaded
            self._translator = self._loaded
        return self._translator

    def prepare(self) -> None:
        """Start converting (if needed) and loading the model in a background thread, so that
        reading it overlaps with tokenizing; :attr:`translator` waits for it. CTranslate2
        releases the GIL while it reads the model."""
        if self._translator is not None or self._loading is not None:
            return

        def load() -> None:
            try:
                import ctranslate2

                self._loaded = ctranslate2.Translator(
                    str(self.model_dir), device="cpu", compute_type=self.compute_type,
                    inter_threads=self.inter_threads, intra_threads=self.intra_threads)
            except BaseException as exc:  # re-raised in the caller's thread
                self._loaded = exc

        self._loading = threading.Thread(target=load, name="ct2-load", daemon=True)
        self._loading.start()

    def tokenize(self, sentences: Sequence[str]) -> list[list[str]]:
        """Source pieces per sentence as the model sees them (ending with </s>)."""
        return [self.tokens.encode(s) for s in sentences]

    def translate_tokens(self, tokenized: Sequence[Sequence[str]]) -> list[Translation]:
        pieces = [list(p) for p in tokenized]
        refuse_over_long([len(p) for p in pieces], self.max_source_tokens,
                         ["".join(p).replace("\u2581", " ") for p in pieces])
        if not pieces:
            return []
        lengths = [len(p) for p in pieces]
        # Enough batches to keep every worker busy, within the token budget. Beam batches hold
        # one source length only, so one max_decoding_length is every member's own cap.
        size = max(1, min(self.max_batch_size, math.ceil(len(pieces) / self.inter_threads)))
        batches = length_batches(lengths, self.max_batch_tokens, size,
                                 None if self.num_beams == 1 else (lambda n: n))
        # Longest work first, so that the workers finish together rather than one of them
        # decoding the longest batch alone at the end.
        batches.sort(key=lambda b: -len(b) * output_cap(max(lengths[i] for i in b)))
        pending = [(b, self._submit([pieces[i] for i in b])) for b in batches]
        results: list[Translation | None] = [None] * len(pieces)
        for batch, (futures, caps) in pending:
            for i, tr in zip(batch, self._collect([pieces[i] for i in batch],
                                                  [f.result() for f in futures], caps)):
                results[i] = tr
        return [r for r in results if r is not None]

    def _submit(self, batch: list[list[str]]):
        caps = [output_cap(len(p)) for p in batch]
        callback = None
        if self.num_beams == 1:
            def callback(step):  # stop this sentence at its own cap
                return step.step + 1 >= caps[step.batch_id]
        futures = self.translator.translate_batch(
            batch, beam_size=self.num_beams, length_penalty=self.length_penalty,
            max_input_length=self.max_source_tokens, max_decoding_length=max(caps),
            min_decoding_length=0,  # as transformers: </s> may come first (an empty output)
            num_hypotheses=1, return_scores=True, asynchronous=True, callback=callback)
        return futures, caps

    def _collect(self, batch: list[list[str]], outs, caps: list[int]) -> list[Translation]:
        """Translations from CTranslate2's results. An output shorter than its cap ended with
        </s>; one of exactly ``cap`` tokens was stopped by the cap."""
        done = []
        for src, out, cap in zip(batch, outs, caps):
            tgt = list(out.hypotheses[0])
            score = out.scores[0] if out.scores else None
            if score is not None and self.length_penalty != 1.0:
                # CTranslate2 divides the summed log-probs by length ** penalty, counting </s>
                # when it was produced; the record wants the plain mean.
                n = len(tgt) + (len(tgt) < cap)
                score = score * n ** self.length_penalty / n
            done.append(Translation(text=self.tokens.decode(tgt), source_tokens=len(src),
                                    target_tokens=len(tgt), cap_hit=len(tgt) >= cap,
                                    score=float(score) if score is not None else None))
        return done
