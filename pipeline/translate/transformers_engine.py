"""transformers + torch engine: MarianTokenizer and MarianMTModel.generate on the CPU."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import ModelSource
from ..provenance import library_versions
from .base import TokenizingEngine, Translation, length_batches, output_cap, refuse_over_long
from .spec import EngineSpec


class TransformersEngine(TokenizingEngine):
    """Length-sorted batches under ``torch.inference_mode``; beam from the model's generation
    config unless overridden; a per-sentence output cap enforced inside generation."""

    name = "transformers"
    THREAD_OPTIONS = ("threads",)

    # --- what this engine says of itself, known before it is built ----------------------

    @classmethod
    def provenance(cls, spec: EngineSpec) -> dict:
        """Its fragment of the ``engine`` provenance: transformers' and torch's versions."""
        versions = library_versions("transformers", "torch")
        return {"name": cls.name, "version": versions["transformers"], "torch": versions["torch"]}

    @classmethod
    def decoding(cls, spec: EngineSpec, beams: int, model) -> dict:
        return {}  # the common settings say it all

    @classmethod
    def key_options(cls, spec: EngineSpec) -> dict:
        return {}  # float32 always: beam and input limit are all that change a translation

    @classmethod
    def thread_layout(cls, threads: int) -> dict:
        return {"threads": threads}

    @classmethod
    def build(cls, source: ModelSource, spec: EngineSpec, *, cache_dir=None,
              report=None) -> TransformersEngine:
        return cls(source, spec)

    def __init__(self, source: ModelSource, spec: EngineSpec | None = None, *,
                 max_batch_tokens: int = 2048, max_batch_size: int = 32) -> None:
        import warnings

        import torch
        import transformers
        from transformers import MarianMTModel, MarianTokenizer

        spec = spec or EngineSpec(name="transformers")
        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
        if spec.threads:
            torch.set_num_threads(spec.threads)
        self._torch = torch
        self.source = source
        self.spec = spec
        self.tokenizer = MarianTokenizer.from_pretrained(str(source.path))
        self.model = MarianMTModel.from_pretrained(str(source.path)).eval()
        gen = self.model.generation_config
        self.num_beams = int(spec.beam if spec.beam is not None else (gen.num_beams or 1))
        self.max_batch_tokens = max_batch_tokens
        self.max_batch_size = max_batch_size
        self.max_source_tokens = int(getattr(self.model.config, "max_position_embeddings", 512))

    def prepare(self) -> None:
        """Nothing to do: the model was loaded by the constructor."""

    def tokenize(self, sentences: Sequence[str]) -> list[list[int]]:
        """Source ids per sentence as the model sees them (ending with </s>)."""
        return list(self.tokenizer(list(sentences))["input_ids"]) if sentences else []

    def translate_tokens(self, tokenized: Sequence[Sequence[int]]) -> list[Translation]:
        encoded = [list(x) for x in tokenized]
        refuse_over_long([len(x) for x in encoded], self.max_source_tokens,
                         [self.tokenizer.decode(x, skip_special_tokens=True) for x in encoded])
        results: list[Translation | None] = [None] * len(encoded)
        for batch in length_batches([len(x) for x in encoded], self.max_batch_tokens,
                                    self.max_batch_size):
            for i, tr in zip(batch, self._generate([encoded[i] for i in batch])):
                results[i] = tr
        return [r for r in results if r is not None]

    def _generate(self, ids: list[list[int]]) -> list[Translation]:
        torch = self._torch
        pad = self.tokenizer.pad_token_id
        width = max(len(x) for x in ids)
        input_ids = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for row, x in enumerate(ids):
            input_ids[row, : len(x)] = torch.tensor(x)
            mask[row, : len(x)] = 1
        caps = [output_cap(len(x)) for x in ids]
        eos = self.model.generation_config.eos_token_id
        eos = eos[0] if isinstance(eos, list) else eos
        from transformers import LogitsProcessorList

        with torch.inference_mode():
            out = self.model.generate(
                input_ids=input_ids, attention_mask=mask, num_beams=self.num_beams,
                do_sample=False, max_new_tokens=max(caps) + 1,
                logits_processor=LogitsProcessorList([_CapProcessor(caps, self.num_beams, eos)]),
                output_scores=True, return_dict_in_generate=True,
            )
        seqs = out.sequences
        if self.num_beams > 1:
            scores = out.sequences_scores.tolist()
        else:
            trans = self.model.compute_transition_scores(seqs, out.scores, normalize_logits=True)
            scores = []
            for row in range(len(ids)):
                n = _content_length(seqs[row].tolist(), pad, eos)
                n += 0 if n >= caps[row] else 1  # a produced EOS counts; one forced at the cap not
                vals = trans[row, : min(n, trans.shape[1])]
                scores.append(float(vals.mean()) if vals.numel() else None)
        result = []
        for row, cap in enumerate(caps):
            tokens = seqs[row].tolist()
            n_out = _content_length(tokens, pad, eos)
            text = self.tokenizer.decode(tokens, skip_special_tokens=True)
            result.append(Translation(text=text, source_tokens=len(ids[row]), target_tokens=n_out,
                                      cap_hit=n_out >= cap, score=scores[row]))
        return result


def _content_length(tokens: list[int], pad: int, eos: int) -> int:
    """Generated tokens excluding the decoder start, EOS and padding."""
    n = 0
    for t in tokens[1:]:
        if t == eos:
            break
        if t != pad:
            n += 1
    return n


class _CapProcessor:
    """Forces EOS for row r once it has produced ``caps[r]`` new tokens (beam rows map to
    their sentence), so each sentence gets its own cap inside one batched ``generate``."""

    def __init__(self, caps: list[int], beams: int, eos: int) -> None:
        self.caps = caps
        self.beams = beams
        self.eos = eos
        self.start: int | None = None

    def __call__(self, input_ids, scores):
        if self.start is None:
            self.start = input_ids.shape[1]
        produced = input_ids.shape[1] - self.start
        for row in range(scores.shape[0]):
            if produced >= self.caps[row // self.beams]:
                keep = scores[row, self.eos].clone()
                scores[row, :] = float("-inf")
                scores[row, self.eos] = keep if keep != float("-inf") else 0.0
        return scores
