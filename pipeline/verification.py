"""The former home of ``verify``: its public names, now in :mod:`pipeline.verify`."""

from __future__ import annotations

from .verify import Verified, check_model, source_path, verify, verify_file  # noqa: F401
