"""What the server serves: its language pairs (one loaded translator each, behind a
:class:`~pipeline.serve.batching.Batcher`), its settings, and the translated files waiting to
be downloaded (in memory, bounded).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..languages.names import NAMES as LANGUAGE_NAMES
from .batching import DEFAULT_MAX_SENTENCES, DEFAULT_WAIT_S, Batcher

#: The pairs served (one translator each, its splitter the source language's), and the names
#: LibreTranslate's /languages gives.
PAIRS = (("de", "en"),)
NAMES = {code: english for code, (english, _) in LANGUAGE_NAMES.items()}
#: 1 MiB: hundreds of articles' worth of text; a larger body is refused before it is read.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: LibreTranslate's default: no limit on the characters of one text (the body limit holds).
DEFAULT_CHAR_LIMIT = -1


@dataclass(frozen=True)
class ServeSettings:
    """How the server behaves; ``translator`` holds :class:`~pipeline.translator.Translator`'s
    options (``model_dir``, ``beam``, ``engine``, ``cache``, ...) for the de-en pair."""

    translator: dict = field(default_factory=dict)
    api_keys: frozenset[str] | None = None
    char_limit: int = DEFAULT_CHAR_LIMIT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    cors: tuple[str, ...] = ()
    batch_wait_s: float = DEFAULT_WAIT_S
    max_sentences: int = DEFAULT_MAX_SENTENCES
    max_files: int = 64  # translated files kept for download ...
    file_ttl_s: float = 600.0  # ... for this long


def read_api_keys(path: str | Path) -> frozenset[str]:
    """The keys of an API-key file: one per line; blank lines and ``#`` comments ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the API keys ({getattr(exc, 'strerror', None) or exc})") from None
    keys = frozenset(k for line in text.splitlines()
                     if (k := line.split("#", 1)[0].strip()))
    if not keys:
        raise InputError(f"{path}: holds no API key (one per line); add one, or serve without "
                         "--api-keys")
    return keys


class FileStore:
    """Translated files waiting for their download: at most ``limit`` of them, each for
    ``ttl_s`` seconds, in memory; their names are unguessable tokens."""

    def __init__(self, limit: int, ttl_s: float) -> None:
        self.limit = limit
        self.ttl_s = ttl_s
        self._files: OrderedDict[str, tuple[float, str, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, filename: str, data: bytes) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._expire()
            self._files[token] = (time.monotonic() + self.ttl_s, filename, data)
            while len(self._files) > self.limit:
                self._files.popitem(last=False)
        return token

    def get(self, token: str) -> tuple[str, bytes] | None:
        with self._lock:
            self._expire()
            item = self._files.get(token)
        return None if item is None else item[1:]

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, (until, _, _) in self._files.items() if until <= now]:
            del self._files[token]


class Service:
    """The loaded pairs and the server's state; :meth:`start` loads every model (once),
    :meth:`close` finishes what was submitted and releases them."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.files = FileStore(settings.max_files, settings.file_ttl_s)
        self.batchers: dict[tuple[str, str], Batcher] = {}

    def start(self) -> Service:
        for pair in PAIRS:
            options = {**self.settings.translator, "src_lang": pair[0]}
            batcher = Batcher(lambda options=options: _loaded_translator(options),
                              wait_s=self.settings.batch_wait_s,
                              max_sentences=self.settings.max_sentences)
            self.batchers[pair] = batcher.start()
        return self

    def close(self) -> None:
        for batcher in self.batchers.values():
            batcher.close()

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(s for s, _ in PAIRS))

    @property
    def languages(self) -> list[str]:
        return list(dict.fromkeys(code for pair in PAIRS for code in pair))

    def targets(self, source: str) -> list[str]:
        return [t for s, t in PAIRS if s == source]

    def key_ok(self, key: object) -> bool:
        """Whether ``key`` opens the server (always, without --api-keys)."""
        keys = self.settings.api_keys
        if keys is None:
            return True
        if not isinstance(key, str) or not key:
            return False
        given = key.encode("utf-8", "surrogatepass")
        return any(hmac.compare_digest(given, k.encode("utf-8")) for k in keys)


def _loaded_translator(options: dict):
    """A :class:`Translator` whose engine is loaded and has translated once, so that the first
    request costs what every later one does (the warm-up bypasses the translation memory)."""
    from ..translator import Translator

    translator = Translator(**options)
    try:
        engine = translator.scheduler.engine
        engine.prepare()
        engine.translate(["Guten Morgen."])
    except BaseException:
        translator.close()
        raise
    return translator
