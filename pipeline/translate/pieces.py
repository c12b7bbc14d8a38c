"""MarianTokenizer's text ↔ pieces with sentencepiece alone (no transformers import).

Same pieces, same ids, same ``decode(..., skip_special_tokens=True)`` as ``MarianTokenizer``,
so both engines read and write the same text; the tests check that.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .spec import EngineSetupError, read_json


class MarianPieces:
    """Source pieces for CTranslate2 and text from its target pieces."""

    def __init__(self, model_dir: Path) -> None:
        import sentencepiece as spm

        config = read_json(model_dir / "tokenizer_config.json", missing_ok=True)
        self.vocab: dict[str, int] = read_json(model_dir / "vocab.json")
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
        try:
            self.source = spm.SentencePieceProcessor(model_file=str(model_dir / "source.spm"))
        except (OSError, RuntimeError) as exc:
            raise EngineSetupError(f"{model_dir / 'source.spm'}: cannot be loaded ({exc})") from None
        # transformers 5 decodes shared-vocabulary Marian models with the *source* spm.
        self.decoder = self.source

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
