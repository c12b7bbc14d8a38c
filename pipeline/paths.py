"""Where the pipeline keeps its own files (converted models, translation memory, demo model)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The pipeline's own cache ($PIPELINE_CACHE, else ~/.cache/pipeline), read at call time."""
    return Path(os.environ.get("PIPELINE_CACHE") or Path.home() / ".cache" / "pipeline")
