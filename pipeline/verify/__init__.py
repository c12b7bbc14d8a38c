"""``pipeline verify``: record files checked against their sources (:mod:`.records`), their
side formats and manifest (:mod:`.formats`); sources found and re-read in :mod:`.sources`.

``pipeline.verify(paths)`` is :func:`verify`; the package itself may be called the same way."""

from __future__ import annotations

from .._callable import make_callable
from .records import Verified, check_model, verify, verify_file
from .sources import read_source, read_text_source, source_path

__all__ = ["Verified", "check_model", "read_source", "read_text_source", "source_path", "verify",
           "verify_file"]

make_callable(__name__, verify)
