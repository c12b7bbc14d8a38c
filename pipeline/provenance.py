"""What produced a record, assembled from each stage's own fragment.

Like sacrebleu's signature, every stage says who it is: the model pin, the engine with its
decoding settings, the splitter. :class:`Provenance` keeps the fragments as data (they go into
each record) and renders a short signature and a fingerprint (the identity of a run's settings).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from . import __version__


@dataclass(frozen=True)
class Provenance:
    """Model, engine and splitter fragments plus the pipeline version."""

    model: dict
    engine: dict
    splitter: str
    pipeline: str = __version__

    def signature(self) -> str:
        """A short human-readable line: model|engine|beam|splitter|pipeline."""
        m = self.model
        model = (f"{m['repo']}@{(m.get('revision') or '')[:12]}" if m.get("repo")
                 else f"dir:{_digest(m.get('files', {}))[:12]}")
        dec = self.engine.get("decoding", {})
        parts = [f"model:{model}", f"engine:{self.engine.get('name')}-{self.engine.get('version')}"]
        if "compute_type" in self.engine:
            parts.append(f"compute:{self.engine['compute_type']}")
        parts += [f"beam:{dec.get('num_beams')}", f"split:{self.splitter}",
                  f"pipeline:{self.pipeline}"]
        return "|".join(parts)

    def fields(self) -> dict:
        """The provenance keys of a record."""
        return {"model": self.model, "engine": self.engine, "splitter": self.splitter,
                "pipeline": self.pipeline, "signature": self.signature()}


def library_versions(*names: str) -> dict[str, str]:
    """Installed versions from package metadata (no import of the libraries themselves)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def translation_key(model_digest: str, engine: str, options: dict) -> str:
    """Identity of "what the engine would answer": model files, engine, its library versions
    and every requested decoding option. Keys the translation memory."""
    from .translate.base import CAP_RULE

    blob = json.dumps({"model": model_digest, "engine": engine, "options": options,
                       "pipeline": __version__, "cap": CAP_RULE,
                       "versions": library_versions("torch", "transformers", "ctranslate2",
                                                    "sentencepiece")}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def run_fingerprint(translation: str, splitter: str, pipeline: str = __version__) -> str:
    """Identity of a document's records: the translation key plus splitter and pipeline
    version. Computed without loading the engine, so up-to-date documents are skipped fast."""
    blob = json.dumps({"translation": translation, "splitter": splitter, "pipeline": pipeline},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _digest(files: dict) -> str:
    text = "\n".join(f"{n}:{s}" for n, s in sorted(files.items()))
    return hashlib.sha256(text.encode()).hexdigest()
