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

    def fingerprint(self) -> str:
        """sha256 of everything that can change a translation: model files, engine, decoding,
        splitter. Library versions count; the model's directory path does not."""
        model = {"repo": self.model.get("repo"), "revision": self.model.get("revision"),
                 "files": self.model.get("files", {})}
        blob = json.dumps({"model": model, "engine": self.engine, "splitter": self.splitter},
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def fields(self) -> dict:
        """The provenance keys of a record."""
        return {"model": self.model, "engine": self.engine, "splitter": self.splitter,
                "pipeline": self.pipeline, "signature": self.signature()}


def _digest(files: dict) -> str:
    text = "\n".join(f"{n}:{s}" for n, s in sorted(files.items()))
    return hashlib.sha256(text.encode()).hexdigest()
