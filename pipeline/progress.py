"""A progress line on stderr for long runs: documents done of the total, sentences sent to the
engine, rate. Quiet when stderr is not a terminal; per-file messages are printed above it."""

from __future__ import annotations

import re
import sys
import time

#: Characters a terminal may act on: C0 controls but tab (LF too: a message is one line),
#: DEL, C1 controls, the bidirectional overrides that can reorder what a line shows, and lone
#: surrogates (a file name that is not UTF-8), which no terminal encoding can print.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(message: str) -> str:
    """``message`` safe to print on a terminal: every control character shown as an escape
    (``\\x1b``), so a crafted file name or record cannot draw on the screen."""
    return _UNSAFE.sub(lambda m: ascii(m.group())[1:-1], message)


class Progress:
    """Counts sentences as the scheduler finishes them."""

    def __init__(self, enabled: bool = True, stream=None, total_documents: int = 0) -> None:
        self.stream = stream or sys.stderr
        self.live = enabled and getattr(self.stream, "isatty", lambda: False)()
        self.enabled = enabled
        self.done = 0
        self.documents = 0
        self.total_documents = total_documents
        self.start = time.perf_counter()
        self._shown = False

    def advance(self, n: int) -> None:
        self.done += n
        if self.live:
            rate = self.done / max(time.perf_counter() - self.start, 1e-9)
            self.stream.write(f"\r\x1b[K{self.documents}/{self.total_documents} documents, "
                              f"{self.done} sentences translated, {rate:.1f} sentences/s")
            self.stream.flush()
            self._shown = True

    def document_done(self) -> None:
        self.documents += 1
        self.advance(0)

    def write(self, message: str) -> None:
        if not self.enabled and not message.startswith(("error", "warning")):
            return
        if self._shown:
            self.stream.write("\r\x1b[K")
        self.stream.write(printable(message) + "\n")
        if self._shown:
            self.advance(0)

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
