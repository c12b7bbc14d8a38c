"""What produced a record, assembled from each stage's own fragment.

Like sacrebleu's signature, every stage says who it is: the model pin, the engine with its
decoding settings, the splitter. :class:`Provenance` keeps the fragments as data (written once
per record file, on its first record) and renders a short one-line signature; the fingerprint
(the identity of a run's settings, in every record) ties each line back to it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass

from ._version import __version__


@dataclass(frozen=True)
class Provenance:
    """Model, engine and splitter fragments plus the pipeline version."""

    model: dict
    engine: dict
    splitter: str
    pipeline: str = __version__
    pivot: dict | None = None  # a pivot's second hop: {"lang", "model", "engine"}

    def signature(self) -> str:
        """A short human-readable line, sacrebleu style:
        ``model:REPO@REV12|engine:NAME-VERSION|compute:int8|beam:4|split:NAME|pipeline:V``."""
        dec = self.engine.get("decoding") or {}
        parts = [f"model:{model_label(self.model, short=True)}",
                 f"engine:{self.engine.get('name')}-{self.engine.get('version')}"]
        if self.pivot is not None:
            parts.insert(1, f"pivot:{self.pivot.get('lang')}>"
                            f"{model_label(self.pivot.get('model') or {}, short=True)}")
        if "compute_type" in self.engine:
            parts.append(f"compute:{self.engine['compute_type']}")
        parts += [f"beam:{dec.get('num_beams')}", f"split:{self.splitter}",
                  f"pipeline:{self.pipeline}"]
        return "|".join(parts)

    def to_dict(self) -> dict:
        """The ``provenance`` object of a record file (on its first record)."""
        out = {"model": self.model, "engine": self.engine, "splitter": self.splitter,
               "pipeline": self.pipeline}
        if self.pivot is not None:
            out["pivot"] = self.pivot
        return {**out, "signature": self.signature()}

    @classmethod
    def from_dict(cls, data: dict) -> Provenance:
        """The inverse of :meth:`to_dict`; ``signature`` is derived, so a stored one that
        disagrees is refused by the caller's validation, never trusted."""
        return cls(model=data["model"], engine=data["engine"], splitter=data["splitter"],
                   pipeline=data["pipeline"], pivot=data.get("pivot"))


def model_label(model: dict, short: bool = False) -> str:
    """``repo@revision`` for the pinned model, ``dir:PATH`` for a model directory (``short``:
    revision and directory digest cut to 12 characters, for signatures)."""
    if not isinstance(model, dict):
        return str(model)
    if model.get("repo"):
        rev = str(model.get("revision") or "")
        return f"{model['repo']}@{rev[:12] if short else rev}"
    if short:
        return f"dir:{files_digest(model.get('files') or {})[:12]}"
    return f"dir:{model.get('dir')}"


def engine_label(engine: dict) -> str:
    """``name version beam N``: what a reader needs to know of the engine at a glance."""
    if not isinstance(engine, dict):
        return str(engine)
    beam = (engine.get("decoding") or {}).get("num_beams")
    return f"{engine.get('name')} {engine.get('version')} beam {beam}"


def files_digest(files: dict) -> str:
    """One sha256 over a model's ``{file name: sha256}``: its identity in keys and labels."""
    text = "\n".join(f"{name}:{sha}" for name, sha in sorted(files.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def library_versions(*names: str) -> dict[str, str]:
    """Installed versions from package metadata (no import of the libraries themselves)."""
    return {name: _installed(name) for name in names}


@functools.lru_cache(maxsize=None)
def _installed(name: str) -> str:
    """Each lookup scans the import path's distributions (tens of ms): once per process."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


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
