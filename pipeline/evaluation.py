"""The former home of ``evaluate``: its public names, now in :mod:`pipeline.evaluate`."""

from __future__ import annotations

from .evaluate import *  # noqa: F401,F403
from .evaluate import __all__  # noqa: F401
