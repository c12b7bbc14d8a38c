"""Bilingual word lists: the words of a source sentence in the target language, for aligning
without MT where the two scripts share nothing else.

Han characters carry no sound a letter table could give (:mod:`.signals`), so without MT a
Chinese or Japanese sentence and its English translation meet only in numbers, Latin names,
katakana names and punctuation, and a sentence without them rests on its length alone. A word list
gives such sentences content evidence: :meth:`Lexicon.words` reads the source text by greedy
longest match against the list's keys and returns the English words they gloss as
(``政府は経済を発展させる`` -> ``government``, ``economy``, ``development``), whose
trigrams then meet the English side's. The list serves both directions: aligning English
with its Chinese or Japanese translation (``src_lang="en"``), the aligner glosses the target
side instead. No morphology: an inflected verb meets its entry only
where the list has the inflected form or a key for its kanji stem; the rest is left out, as
every signal here leaves out what it cannot read.

Lists (``data/<src>-<tgt>.tsv.gz``: key TAB words, ``#`` comment lines naming the source
and its licence):

* ``ja-en``: Japanese -> English, about 32,000 common words of JMdict (CC BY-SA 4.0, © the
  Electronic Dictionary Research and Development Group);
* ``zh-en``: Chinese -> English, the 164,000 words of two to four characters of CC-CEDICT
  (CC BY-SA 4.0, © MDBG and its contributors), simplified and traditional;

both built by ``python -m bench.lexicons ja|zh`` (see there what is kept).
"""

from __future__ import annotations

import gzip
import hashlib
import unicodedata
from functools import lru_cache
from importlib import resources

#: Longest key looked up (characters); longer keys in a list are not used.
MAX_KEY = 8


class Lexicon:
    """One word list, read once (:func:`lexicon`)."""

    def __init__(self, name: str, data: bytes):
        #: The list's name and the first 12 hex digits of its file's sha256
        #: (``ja-en/1a2b3c4d5e6f``: recorded in provenance).
        self.provenance = _identity(name, data)
        rows = (line.partition("\t") for line in gzip.decompress(data).decode("utf-8")
                .splitlines() if line and not line.startswith("#"))
        #: key -> its words, space-separated (split when found: a list of 164,000 keys
        #: loads in a third of the time and memory of one holding tuples)
        self._words: dict[str, str] = {key: words for key, _, words in rows
                                       if words and len(key) <= MAX_KEY}
        self._starts = frozenset(key[0] for key in self._words)
        self._longest = max(map(len, self._words), default=0)

    def words(self, text: str) -> list[str]:
        """The target-language words of the keys found in ``text`` (NFKC-normalised), read
        left to right by longest match; characters that start no key are skipped."""
        text = unicodedata.normalize("NFKC", text)
        out: list[str] = []
        k, n = 0, len(text)
        words, starts = self._words, self._starts
        while k < n:
            if text[k] in starts:
                for size in range(min(self._longest, n - k), 0, -1):
                    found = words.get(text[k:k + size])
                    if found is not None:
                        out.extend(found.split())
                        k += size
                        break
                else:
                    k += 1
            else:
                k += 1
        return out


#: The pairs with a word list.
PAIRS = frozenset({("ja", "en"), ("zh", "en")})


def _identity(name: str, data: bytes) -> str:
    return f"{name}/{hashlib.sha256(data).hexdigest()[:12]}"


def _data(src_lang: str | None, tgt_lang: str | None) -> tuple[str, bytes] | None:
    if (src_lang, tgt_lang) not in PAIRS:
        return None
    name = f"{src_lang}-{tgt_lang}"
    return name, resources.files(__package__).joinpath("data", f"{name}.tsv.gz").read_bytes()


@lru_cache(maxsize=None)
def lexicon(src_lang: str | None, tgt_lang: str | None) -> Lexicon | None:
    """The word list from ``src_lang`` into ``tgt_lang``, or None where there is none."""
    found = _data(src_lang, tgt_lang)
    return None if found is None else Lexicon(*found)


@lru_cache(maxsize=None)
def identity(src_lang: str | None, tgt_lang: str | None) -> str | None:
    """:attr:`Lexicon.provenance` of the pair's list without reading it into a table (for a
    run's fingerprint, known before aligning), or None where the pair has none."""
    found = _data(src_lang, tgt_lang)
    return None if found is None else _identity(*found)


__all__ = ["Lexicon", "PAIRS", "identity", "lexicon"]
