"""Build small random MarianMT checkpoints locally, through the same files the real model has.

Used by the tests, ``make demo`` and the benchmarks, because no model weights can be downloaded
here. The English such a model writes is random tokens, not a translation.

* ``tiny``: a few thousand parameters (plus the embeddings), for tests and the demo.
* ``opus``: a *shape twin* of Helsinki-NLP/opus-mt-de-en (6+6 layers, d_model 512, FFN 2048,
  8 heads, vocab 58101, swish, static sinusoidal positions, shared embeddings) for speed work.

Every shape gets the configuration values transformers' Marian converter gives the real
opus-mt checkpoints (:func:`opus_config`), and the vocabulary layout of those checkpoints:
``</s>`` is id 0, ``<unk>`` id 1, the sentencepiece pieces follow, ``<pad>`` is the last id.

``layout`` chooses the files written:

* ``save_pretrained``: what transformers writes today (model.safetensors, a separate
  generation_config.json);
* ``hub-2020``: the files of an opus-mt repository as converted in 2020 (config.json that
  carries the generation settings, pytorch_model.bin, source.spm, target.spm, vocab.json,
  tokenizer_config.json as the converter writes it; no safetensors, no generation config);
* ``hub-2020+safetensors``: the same plus model.safetensors and generation_config.json, as
  later hub conversions added them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

SHAPES = {
    "tiny": dict(d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=2,
                 decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                 max_position_embeddings=512),
    "opus": dict(d_model=512, encoder_layers=6, decoder_layers=6, encoder_attention_heads=8,
                 decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048,
                 max_position_embeddings=512),
}
OPUS_VOCAB = 58101
LAYOUTS = ("save_pretrained", "hub-2020", "hub-2020+safetensors")
#: Generation settings the 2020 conversions kept in config.json (transformers now keeps them
#: in generation_config.json, and still reads them from config.json when that file is absent).
GENERATION_KEYS = ("num_beams", "max_length", "bad_words_ids")


def opus_config(vocab_size: int, shape: str = "opus", num_beams: int = 4) -> dict:
    """The config of an opus-mt checkpoint with a shared vocabulary of ``vocab_size`` ids
    (the last one ``<pad>``), in the layers of ``shape``.

    The values are those transformers' converter sets, checked against
    src/transformers/models/marian/convert_marian_to_pytorch.py (``OpusState.__init__``,
    huggingface/transformers at 02c4e2b5; the file is not shipped in the transformers wheel):
    ``pad_token_id = decoder_start_token_id`` = the id appended after Marian's vocabulary
    (``add_emb_entries``; 58100 for opus-mt-de-en, so ``vocab_size`` 58101),
    ``eos_token_id = forced_eos_token_id`` = the tokenizer's ``</s>`` = 0, ``bos_token_id`` 0,
    ``bad_words_ids = [[pad]]``, ``static_position_embeddings`` (Marian trains no positions),
    ``scale_embedding`` True, ``normalize_embedding`` False, ``num_beams`` = decoder.yml's
    beam-size (4 for opus-mt), ``max_length`` 512, dropout 0.1, tied embeddings shared by
    encoder and decoder, and the activation of the Marian model (swish for opus-mt-de-en).
    ``max_position_embeddings`` is the converter's dim-emb (512 for opus-mt); the tiny
    shape keeps 512 too, so that the engines' length limits are the real ones.
    """
    pad = vocab_size - 1
    return dict(
        architectures=["MarianMTModel"], vocab_size=vocab_size, decoder_vocab_size=vocab_size,
        pad_token_id=pad, decoder_start_token_id=pad, eos_token_id=0, forced_eos_token_id=0,
        bos_token_id=0, bad_words_ids=[[pad]], activation_function="swish",
        static_position_embeddings=True, scale_embedding=True, normalize_embedding=False,
        share_encoder_decoder_embeddings=True, tie_word_embeddings=True, dropout=0.1,
        num_beams=num_beams, max_length=512, **SHAPES[shape])


def _train_spm(lines: list[str], prefix: Path, vocab_size: int) -> None:
    import sentencepiece as spm

    corpus = prefix.with_suffix(".txt")
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size,
        character_coverage=1.0, model_type="unigram", hard_vocab_limit=False,
        minloglevel=2, num_threads=1, shuffle_input_sentence=False, seed_sentencepiece_size=100000,
    )


def build_model(out_dir: str | Path, source_text: Iterable[str], target_text: Iterable[str] | None = None,
                *, shape: str = "tiny", spm_vocab: int = 300, seed: int = 0,
                num_beams: int = 4, vocab_size: int | None = None,
                layout: str = "save_pretrained") -> Path:
    """Train sentencepiece models on the given lines, make a random Marian model of ``shape``
    with the real checkpoints' config values (:func:`opus_config`), and write model and
    tokenizer into ``out_dir`` in ``layout`` (written atomically).

    ``vocab_size`` pads the vocabulary with unused pieces up to that many ids (default: the
    real 58101 for ``opus``, just the pieces and ``<pad>`` for ``tiny``)."""
    import warnings

    import torch
    import transformers
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")

    out = Path(out_dir)
    src_lines = [line for line in source_text if line.strip()]
    tgt_lines = [line for line in (target_text if target_text is not None else src_lines)
                 if line.strip()]
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        spm_dir = work / "spm"
        spm_dir.mkdir()
        _train_spm(src_lines, spm_dir / "source", spm_vocab)
        _train_spm(tgt_lines, spm_dir / "target", spm_vocab)
        model_dir = work / "model"
        model_dir.mkdir()
        shutil.copy(spm_dir / "source.model", model_dir / "source.spm")
        shutil.copy(spm_dir / "target.model", model_dir / "target.spm")
        vocab = {"</s>": 0, "<unk>": 1}
        import sentencepiece as spm

        for name in ("source.spm", "target.spm"):
            sp = spm.SentencePieceProcessor(model_file=str(model_dir / name))
            for i in range(sp.get_piece_size()):
                vocab.setdefault(sp.id_to_piece(i), len(vocab))
        size = vocab_size or (OPUS_VOCAB if shape == "opus" else len(vocab) + 1)
        if size < len(vocab) + 1:
            raise ValueError(f"vocab_size {size} is smaller than the {len(vocab) + 1} ids needed")
        for i in range(len(vocab), size - 1):  # pad the vocabulary to the real model's size
            vocab[f"<extra_{i}>"] = i
        vocab["<pad>"] = len(vocab)
        (model_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        tok = MarianTokenizer(vocab=str(model_dir / "vocab.json"),
                              source_spm=str(model_dir / "source.spm"),
                              target_spm=str(model_dir / "target.spm"),
                              source_lang="de", target_lang="en")
        values = opus_config(len(vocab), shape, num_beams)
        cfg = MarianConfig(**{k: v for k, v in values.items() if k not in GENERATION_KEYS})
        torch.manual_seed(seed)
        model = MarianMTModel(cfg).eval()
        gen = model.generation_config
        for key in GENERATION_KEYS:
            setattr(gen, key, values[key])
        model.save_pretrained(model_dir)
        tok.save_pretrained(model_dir)
        if layout != "save_pretrained":
            _hub_2020_files(model, model_dir, values, keep_new=layout.endswith("+safetensors"))
        if out.exists():
            shutil.rmtree(out)
        model_dir.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def _hub_2020_files(model, model_dir: Path, values: dict, keep_new: bool) -> None:
    """Rewrite a save_pretrained directory into the files of a 2020 opus-mt conversion:
    config.json with the generation settings in it, pytorch_model.bin (torch.save of the
    state dict), and tokenizer_config.json as the converter's ``save_tokenizer_config``
    writes it. ``keep_new`` keeps model.safetensors and generation_config.json as well."""
    import torch

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    config.update({k: values[k] for k in GENERATION_KEYS})
    (model_dir / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n",
                                           encoding="utf-8")
    torch.save(model.state_dict(), model_dir / "pytorch_model.bin")
    (model_dir / "tokenizer_config.json").write_text(json.dumps(
        {"target_lang": "en", "source_lang": "de", "separate_vocabs": False}), encoding="utf-8")
    if not keep_new:
        (model_dir / "model.safetensors").unlink()
        (model_dir / "generation_config.json").unlink()


def repo_text(root: str | Path) -> list[str]:
    """German lines from the sample articles in ``root/data/raw`` (the repo's own text)."""
    lines: list[str] = []
    for p in sorted(Path(root, "data", "raw").glob("*.txt")):
        lines.extend(p.read_text(encoding="utf-8").splitlines())
    return lines


def demo_model(articles: str | Path, report=None) -> Path:
    """The tiny random model of ``pipeline demo``, built once into the pipeline cache from the
    lines of the ``*.txt`` in ``articles``."""
    from .paths import cache_dir

    path = cache_dir() / "demo-model"
    if not (path / "config.json").is_file():
        if report:
            report(f"building a tiny random Marian model in {path} ...")
        texts = [p.read_text(encoding="utf-8", errors="replace")
                 for p in sorted(Path(articles).glob("*.txt"))]
        build_model(path, [line for t in texts for line in t.splitlines()])
    return path
