"""CTranslate2 engine: the same MarianMT checkpoint, converted once, decoded in int8 (or float32).

Tokenization and detokenization are done here with sentencepiece, exactly as
``MarianTokenizer`` does them (same pieces, same ids, same ``decode(..., skip_special_tokens=True)``),
so both engines read and write the same text; the tests check that.

Decisions that CTranslate2 would otherwise take silently:

* ``max_input_length`` is set to the model's ``max_source_tokens`` (512 for opus-mt) and a longer
  sentence raises :class:`SourceTooLongError` before decoding; nothing is ever truncated.
* ``beam_size`` is the model's ``generation_config.json`` ``num_beams`` (4 for opus-mt) unless
  overridden, not CTranslate2's default of 2; ``length_penalty`` likewise.
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

The converted model is cached under ``<cache>/ct2/<key>/``; ``key`` hashes the source model's
file digests, the quantization, the ctranslate2 version and the converter settings. Conversion
runs under an exclusive file lock into a temporary directory that is renamed into place, so two
processes starting at once convert once and a half-finished conversion is never used.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from ..errors import PipelineError
from ..model import ModelSource
from .base import CAP_RULE, Translation, length_batches, output_cap, refuse_over_long

COMPUTE_TYPES = ("int8", "float32")
# Measured with bench/throughput.py on a 2-core machine: 2 workers × 1 thread beat 1 × 2.
DEFAULT_INTRA_THREADS = 1
CONVERTER_VERSION = 1  # bump when the conversion settings below change
BATCH_HYPOTHESIS_TOKENS = 1024
MARKER = "pipeline-ct2.json"

conversions = 0  # how many conversions this process ran (tests read it)


class EngineSetupError(PipelineError):
    """The CTranslate2 engine cannot be built with the settings given."""

    exit_code = 2


def default_inter_threads() -> int:
    """One worker per core, each single-threaded (see DEFAULT_INTRA_THREADS)."""
    return max(1, (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                   else os.cpu_count() or 1) // DEFAULT_INTRA_THREADS)


def conversion_key(source: ModelSource, quantization: str) -> str:
    """Cache key of a converted model: model digests, quantization, ctranslate2, converter."""
    import ctranslate2

    text = (f"model:{source.digest}|quantization:{quantization}|ctranslate2:{ctranslate2.__version__}"
            f"|converter:TransformersConverter/{CONVERTER_VERSION}")
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def converted_model(source: ModelSource, quantization: str, cache_dir: Path) -> Path:
    """The CTranslate2 model of ``source`` in ``cache_dir``, converting it first if needed."""
    import fcntl

    global conversions
    root = Path(cache_dir) / "ct2"
    root.mkdir(parents=True, exist_ok=True)
    key = conversion_key(source, quantization)
    final = root / key
    if (final / MARKER).is_file():
        return final
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the second process waits here, then finds it done
        if (final / MARKER).is_file():
            return final
        if final.exists():  # a directory without marker is not ours to trust: redo it
            shutil.rmtree(final)
        work = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
        try:
            out = work / "model"
            _convert(source.path, out, quantization)
            import ctranslate2

            (out / MARKER).write_text(json.dumps({
                "model_digest": source.digest, "files": source.files, "quantization": quantization,
                "ctranslate2": ctranslate2.__version__, "converter": CONVERTER_VERSION,
            }, indent=1, sort_keys=True), encoding="utf-8")
            os.rename(out, final)
            conversions += 1
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return final


def _convert(model_dir: Path, out: Path, quantization: str) -> None:
    """TransformersConverter from a local directory (it loads through transformers)."""
    import warnings

    import transformers
    from ctranslate2.converters import TransformersConverter

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            TransformersConverter(str(model_dir)).convert(str(out), quantization=quantization)
        except Exception as exc:  # the converter raises bare exceptions of many kinds
            raise EngineSetupError(f"{model_dir}: CTranslate2 conversion failed: "
                                   f"{type(exc).__name__}: {exc}") from exc


class MarianPieces:
    """MarianTokenizer's text ↔ pieces, with sentencepiece only (no transformers import)."""

    def __init__(self, model_dir: Path) -> None:
        import sentencepiece as spm

        config = _read_json(model_dir / "tokenizer_config.json")
        self.vocab: dict[str, int] = _read_json(model_dir / "vocab.json")
        self.eos = config.get("eos_token", "</s>")
        self.unk = config.get("unk_token", "<unk>")
        self.pad = config.get("pad_token", "<pad>")
        if config.get("separate_vocabs"):
            raise EngineSetupError(f"{model_dir}: separate source/target vocabularies are not "
                                   "supported by the CTranslate2 engine; use --engine torch")
        if config.get("clean_up_tokenization_spaces"):
            raise EngineSetupError(f"{model_dir}: clean_up_tokenization_spaces is set; the "
                                   "CTranslate2 engine does not reproduce it; use --engine torch")
        self.special = {self.eos, self.unk, self.pad}
        self.source = spm.SentencePieceProcessor(model_file=str(model_dir / "source.spm"))
        # transformers 5 decodes shared-vocabulary Marian models with the *source* spm.
        self.decoder = self.source
        self.codes = [k for k in self.vocab if k.startswith(">>") and k.endswith("<<")]

    def encode(self, text: str) -> list[str]:
        """Source pieces, ending with </s>; a piece outside the vocabulary becomes <unk>."""
        code: list[str] = []
        if text.startswith(">>") and (end := text.find("<<")) != -1:
            code, text = [text[: end + 2]], text[end + 2:]
        pieces = code + self.source.encode(text, out_type=str)
        return [p if p in self.vocab else self.unk for p in pieces] + [self.eos]

    def ids(self, pieces: Sequence[str]) -> list[int]:
        return [self.vocab.get(p, self.vocab[self.unk]) for p in pieces]

    def decode(self, pieces: Sequence[str]) -> str:
        """As ``MarianTokenizer.decode(ids, skip_special_tokens=True)``."""
        kept = [p for p in pieces if p not in self.special]
        return self.decoder.decode_pieces(kept).replace("\u2581", " ").strip()


class CTranslate2Engine:
    """MarianMT through CTranslate2: cached conversion, length-sorted token-budget batches, beam
    and length penalty from the model's generation config, per-sentence output caps."""

    name = "ctranslate2"

    def __init__(self, source: ModelSource, *, beam: int | None = None, compute_type: str = "int8",
                 inter_threads: int | None = None, intra_threads: int | None = None,
                 max_batch_tokens: int | None = None, max_batch_size: int = 32,
                 cache_dir: Path | None = None) -> None:
        if compute_type not in COMPUTE_TYPES:
            raise EngineSetupError(f"--compute-type must be one of {', '.join(COMPUTE_TYPES)}, "
                                   f"got {compute_type!r}")
        if cache_dir is None:
            from ..paths import cache_dir as default_cache

            cache_dir = default_cache()
        self.source = source
        self.compute_type = compute_type
        config = _read_json(source.path / "config.json")
        gen = _read_json(source.path / "generation_config.json", missing_ok=True)
        self.num_beams = int(beam if beam is not None else (gen.get("num_beams") or 1))
        if self.num_beams < 1:
            raise EngineSetupError(f"--beam must be at least 1, got {self.num_beams}")
        self.length_penalty = float(gen.get("length_penalty") or 1.0)
        self.max_source_tokens = int(config.get("max_position_embeddings", 512))
        self.intra_threads = int(intra_threads or DEFAULT_INTRA_THREADS)
        self.inter_threads = int(inter_threads or max(1, default_inter_threads()
                                                       // self.intra_threads))
        if self.inter_threads < 1 or self.intra_threads < 1:
            raise EngineSetupError("--inter-threads and --intra-threads must be at least 1")
        # A budget of hypotheses × source tokens: 1024 for greedy, 256 for beam 4 (measured
        # with bench/throughput.py: smaller batches leave the cores waiting on memory, larger
        # ones pad more and balance worse across workers).
        self.max_batch_tokens = int(max_batch_tokens
                                    or max(16, BATCH_HYPOTHESIS_TOKENS // self.num_beams))
        self.max_batch_size = max_batch_size
        self.cache_dir = Path(cache_dir)
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
            self._model_dir = converted_model(self.source, self.compute_type, self.cache_dir)
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

    def settings(self) -> dict:
        from importlib.metadata import version

        return {
            "name": self.name,
            "version": version("ctranslate2"),  # the same as ctranslate2.__version__, no import
            "compute_type": self.compute_type,
            "threads": {"inter": self.inter_threads, "intra": self.intra_threads},
            "decoding": {
                "num_beams": self.num_beams,
                "length_penalty": self.length_penalty,
                "do_sample": False,
                "max_new_tokens": CAP_RULE,
                "cap": "callback stop" if self.num_beams == 1 else "batches of equal cap",
                "max_source_tokens": self.max_source_tokens,
                "max_input_length": self.max_source_tokens,
                "min_decoding_length": 0,
                "max_batch_tokens": self.max_batch_tokens,
            },
        }

    def count_tokens(self, sentences: Sequence[str]) -> list[int]:
        """Source tokens per sentence as the model sees them (including the final </s>)."""
        return [len(self.tokens.encode(s)) for s in sentences]

    def translate(self, sentences: Sequence[str]) -> list[Translation]:
        pieces = [self.tokens.encode(s) for s in sentences]
        refuse_over_long([len(p) for p in pieces], self.max_source_tokens, sentences)
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


def _read_json(path: Path, missing_ok: bool = False) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return {}
        raise EngineSetupError(f"{path}: missing from the model directory") from None
