"""Translation engines behind one small protocol (:class:`pipeline.translate.base.Engine`)."""

from .base import Engine, Translation, output_cap

__all__ = ["Engine", "Translation", "output_cap", "load_engine", "ENGINES"]

ENGINES = ("transformers",)


def load_engine(name: str, source, *, beam: int | None = None, threads: int | None = None) -> Engine:
    """Build the engine ``name`` over a verified :class:`pipeline.model.ModelSource`.

    Imports happen here, not at module import, so the CLI stays light."""
    if name == "transformers":
        from .transformers_engine import TransformersEngine

        return TransformersEngine(source, beam=beam, threads=threads)
    from ..errors import PipelineError

    raise PipelineError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
