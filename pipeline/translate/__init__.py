"""Translation engines behind one small protocol (:class:`pipeline.translate.base.Engine`)."""

from .base import Engine, SourceTooLongError, Translation, output_cap

__all__ = ["Engine", "SourceTooLongError", "Translation", "output_cap", "load_engine", "ENGINES"]

ENGINES = ("ctranslate2", "torch", "transformers")  # torch and transformers: the same engine


def load_engine(name: str, source, *, beam: int | None = None, threads: int | None = None,
                compute_type: str = "int8", inter_threads: int | None = None,
                intra_threads: int | None = None) -> Engine:
    """Build the engine ``name`` over a verified :class:`pipeline.model.ModelSource`.

    Imports happen here, not at module import, so the CLI stays light. ``threads`` is torch's
    thread count; ``compute_type``, ``inter_threads`` and ``intra_threads`` are CTranslate2's."""
    if name == "ctranslate2":
        from .ct2_engine import CTranslate2Engine

        return CTranslate2Engine(source, beam=beam, compute_type=compute_type,
                                 inter_threads=inter_threads, intra_threads=intra_threads)
    if name in ("transformers", "torch"):
        from .transformers_engine import TransformersEngine

        return TransformersEngine(source, beam=beam, threads=threads)
    from ..errors import PipelineError

    raise PipelineError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
