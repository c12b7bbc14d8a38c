"""The version of the pipeline, in one place (``pipeline.__version__`` re-exports it)."""

__version__ = "0.2.0"
