"""What an engine will do, known before it is loaded, and the registry of engines.

:data:`REGISTRY` maps an engine's name to its class, imported on first need (as
:mod:`pipeline.formats` keeps its formats). Each engine class owns what differs between engines
(as sacrebleu's metrics own their signatures): its provenance fragment, its decoding settings
beyond the common ones, the options that key the translation memory, and its thread options.
:class:`EngineSpec` holds the engine choice and the options a user gives; with the model's own
``config.json`` and ``generation_config.json`` it yields the decoding settings recorded in
provenance and the options that key the translation memory. Nothing here imports torch,
transformers or ctranslate2 (an engine module imports its library only when it is built;
versions come from package metadata), so a run served from the translation memory, or one
whose documents are all up to date, never loads an engine library.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from importlib import import_module
from pathlib import Path

from ..errors import EngineSetupError
from .base import CAP_RULE

#: Engine name -> "module:Class" under pipeline.translate, imported on first need.
REGISTRY = {"ctranslate2": "ct2_engine:CTranslate2Engine",
            "transformers": "transformers_engine:TransformersEngine"}
ENGINES = tuple(REGISTRY)
ALIASES = {"torch": "transformers"}  # torch and transformers name the same engine
COMPUTE_TYPES = ("int8", "float32")
#: CTranslate2 batch budget in hypotheses × source tokens (greedy 1024, beam 4: 256), measured
#: with bench/throughput.py: smaller batches leave the cores waiting on memory, larger ones pad
#: more and balance worse across workers.
BATCH_HYPOTHESIS_TOKENS = 1024
#: Measured with bench/throughput.py on a 2-core machine: 2 workers × 1 thread beat 1 × 2.
DEFAULT_INTRA_THREADS = 1


def cores() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def engine_class(name: str):
    """The class of engine ``name`` (its module imported now; its library only when built)."""
    module, cls = REGISTRY[ALIASES.get(name, name)].split(":")
    return getattr(import_module(f"{__package__}.{module}"), cls)


#: The largest JSON file read from a model directory (a config is kilobytes).
MAX_JSON_BYTES = 16 * 1024 * 1024


def read_json(path: Path, missing_ok: bool = False) -> dict:
    """A model directory's JSON file, read only if it is a regular file of at most
    :data:`MAX_JSON_BYTES`; a missing, odd or unreadable one is an :class:`EngineSetupError`
    naming it (or ``{}`` when missing and ``missing_ok``)."""
    from ..document import read_input
    from ..errors import InputError

    if not os.path.lexists(path):
        if missing_ok:
            return {}
        raise EngineSetupError(f"{path}: missing from the model directory")
    try:
        data = json.loads(read_input(path, MAX_JSON_BYTES).decode("utf-8"))
    except InputError as exc:
        raise EngineSetupError(str(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise EngineSetupError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise EngineSetupError(f"{path}: expected a JSON object")
    return data


@dataclass(frozen=True)
class ModelDecoding:
    """Decoding defaults and limits of a checkpoint, as transformers derives them: the
    generation config when the checkpoint has one, else the model config (older checkpoints,
    such as many OPUS-MT revisions, keep ``num_beams`` in ``config.json``)."""

    num_beams: int
    length_penalty: float
    max_source_tokens: int

    @classmethod
    def of(cls, model_dir: Path) -> ModelDecoding:
        config = read_json(Path(model_dir) / "config.json")
        gen = read_json(Path(model_dir) / "generation_config.json", missing_ok=True)

        def pick(key, default):
            for source in (gen, config):
                if source.get(key) is not None:
                    return source[key]
            return default

        return cls(num_beams=int(pick("num_beams", 1)),
                   length_penalty=float(pick("length_penalty", 1.0)),
                   max_source_tokens=int(config.get("max_position_embeddings") or 512))


@dataclass(frozen=True)
class EngineSpec:
    """The engine and the user's options. ``beam=None`` means the model's own default."""

    name: str = "ctranslate2"
    beam: int | None = None
    compute_type: str = "int8"
    max_source_tokens: int | None = None
    threads: int | None = None  # transformers: torch's thread count
    inter_threads: int | None = None  # ctranslate2: workers translating batches in parallel
    intra_threads: int | None = None  # ctranslate2: threads per worker

    def __post_init__(self) -> None:
        name = ALIASES.get(self.name, self.name)
        if name not in ENGINES:
            raise EngineSetupError(f"unknown engine {self.name!r}; choose one of: "
                                   f"{', '.join(ENGINES + tuple(ALIASES))}")
        object.__setattr__(self, "name", name)
        if self.compute_type not in COMPUTE_TYPES:
            raise EngineSetupError(f"unknown compute type {self.compute_type!r}; choose one of: "
                                   f"{', '.join(COMPUTE_TYPES)}")
        for key in ("beam", "max_source_tokens", "threads", "inter_threads", "intra_threads"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise EngineSetupError(f"{key.replace('_', '-')} must be a positive integer, "
                                       f"got {value!r}")

    def options(self) -> dict:
        """The options as the manifest's settings list them (the engine first)."""
        return {"engine": self.name, "beam": self.beam, "compute_type": self.compute_type,
                "threads": self.threads, "inter_threads": self.inter_threads,
                "intra_threads": self.intra_threads, "max_source_tokens": self.max_source_tokens}

    def with_options(self, **changes) -> EngineSpec:
        return replace(self, **changes)

    # --- what the engine will do --------------------------------------------------------

    @property
    def engine(self):
        """The engine's class (see :data:`REGISTRY`)."""
        return engine_class(self.name)

    def decoding(self, model_dir: Path) -> dict:
        """Every decoding setting, from the options and the model's configuration."""
        model = ModelDecoding.of(model_dir)
        beams = self.beam if self.beam is not None else model.num_beams
        out = {"num_beams": beams, "length_penalty": model.length_penalty, "do_sample": False,
               "max_new_tokens": CAP_RULE, "max_source_tokens": model.max_source_tokens}
        return {**out, **self.engine.decoding(self, beams, model)}

    def settings(self, model_dir: Path) -> dict:
        """The ``engine`` object of provenance: name, library versions, decoding settings.
        Thread counts are left out: they change speed, never a translation."""
        return {**self.engine.provenance(self), "decoding": self.decoding(model_dir)}

    def key_options(self) -> dict:
        """The options that can change an answer: they key the translation memory."""
        return {"beam": self.beam, "max_source_tokens": self.max_source_tokens,
                **self.engine.key_options(self)}

    def thread_options(self) -> dict[str, int | None]:
        """The thread options of this engine, as the user gave them (None: not given)."""
        return {key: getattr(self, key) for key in self.engine.THREAD_OPTIONS}

    def with_threads(self, threads: int) -> EngineSpec:
        """This spec laid out for ``threads`` cores (a Ray actor's share)."""
        return replace(self, **self.engine.thread_layout(threads))

    @staticmethod
    def batch_tokens(beams: int) -> int:
        return max(16, BATCH_HYPOTHESIS_TOKENS // beams)

    def worker_threads(self) -> tuple[int, int]:
        """CTranslate2's (inter, intra) threads: by default one single-threaded worker per core."""
        intra = self.intra_threads or DEFAULT_INTRA_THREADS
        return self.inter_threads or max(1, cores() // intra), intra

    # --- loading -------------------------------------------------------------------------

    def load(self, source, cache_dir: Path | None = None, report=None):
        """Build the engine over a verified :class:`pipeline.model.ModelSource`; the engine
        library is imported here, not before."""
        return self.engine.build(source, self, cache_dir=cache_dir, report=report)
