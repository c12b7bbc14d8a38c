"""Build small random MarianMT checkpoints locally, through the same files the real model has.

Used by the tests, ``make demo`` and the benchmarks, because no model weights can be downloaded
here. The English such a model writes is random tokens, not a translation.

* ``tiny``: a few thousand parameters, for tests and the demo.
* ``opus``: a *shape twin* of Helsinki-NLP/opus-mt-de-en (6+6 layers, d_model 512, FFN 2048,
  8 heads, vocab 58101, swish, static sinusoidal positions, shared embeddings) for speed work.
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
                num_beams: int = 4) -> Path:
    """Train sentencepiece models on the given lines, make a random Marian model of ``shape``,
    and ``save_pretrained`` model and tokenizer into ``out_dir`` (written atomically)."""
    import warnings

    import torch
    import transformers
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

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
        size = OPUS_VOCAB if shape == "opus" else len(vocab) + 1
        for i in range(len(vocab), size - 1):  # pad the vocabulary to the real model's size
            vocab[f"<extra_{i}>"] = i
        vocab["<pad>"] = len(vocab)
        (model_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        tok = MarianTokenizer(vocab=str(model_dir / "vocab.json"),
                              source_spm=str(model_dir / "source.spm"),
                              target_spm=str(model_dir / "target.spm"),
                              source_lang="de", target_lang="en")
        cfg = MarianConfig(vocab_size=len(vocab), pad_token_id=vocab["<pad>"], eos_token_id=0,
                           decoder_start_token_id=vocab["<pad>"], activation_function="swish",
                           static_position_embeddings=True, scale_embedding=True,
                           share_encoder_decoder_embeddings=True, **SHAPES[shape])
        torch.manual_seed(seed)
        model = MarianMTModel(cfg).eval()
        gen = model.generation_config
        gen.num_beams = num_beams
        gen.max_length = 512
        gen.bad_words_ids = [[vocab["<pad>"]]]
        model.save_pretrained(model_dir)
        tok.save_pretrained(model_dir)
        if out.exists():
            shutil.rmtree(out)
        model_dir.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


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
