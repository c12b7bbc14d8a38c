"""Translation engines behind one small protocol (:class:`pipeline.translate.base.Engine`).

:class:`EngineSpec` says what an engine will do before it is loaded; ``EngineSpec.load`` builds
it. Engine libraries are imported only then, so the CLI and the library stay light.
"""

from .base import Engine, SourceTooLongError, Translation, output_cap
from .spec import ENGINES, EngineSetupError, EngineSpec

__all__ = ["Engine", "EngineSpec", "EngineSetupError", "SourceTooLongError", "Translation",
           "output_cap", "load_engine", "ENGINES"]


def load_engine(name: str, source, **options) -> Engine:
    """Build the engine ``name`` over a verified :class:`pipeline.model.ModelSource`; ``options``
    are :class:`EngineSpec` fields (beam, compute_type, threads, ...)."""
    return EngineSpec(name=name, **options).load(source)
