"""langidentify's model for short texts, built once and read back from the cache afterwards.

langidentify builds its model by parsing its gzipped n-gram and word lists in Python: about
0.5 s of CPU per language (~17 s for the 35 languages of the default candidates it knows) and
~8 s more for its Chinese/Japanese classifier. A headline given to ``pipeline detect`` would
wait that long in every process. So the first build for a set of languages writes the built
tables into the pipeline's cache (``langid/langidentify-<digest>.marshal``), and later
processes read them back (about 1 s for the default set).

The copy holds what the model is built from (its tables, its thresholds, its languages, the
Chinese/Japanese classifier's arrays) and is turned back into a model through the libraries'
own constructors, so every score, hence every answer, is the same. It is data only (no pickle:
a cache folder others can write to must not be a way to run code). The copy names what it was made
from (the versions and files of both packages, the languages, the thresholds); a copy made
from anything else, or damaged, is ignored and rewritten. It is written atomically; a cache
that cannot be written costs time, nothing else.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
from array import array
from importlib import metadata, resources
from pathlib import Path

#: The lite model of the wheel with Model.load_lite's thresholds.
VARIANT, MIN_LOG_PROB, TW_MIN_LOG_PROB = "lite", -12, -12
#: Changes when the layout of the copy changes.
FORMAT = "pipeline-langidentify/2"
#: Copies kept (one per candidate set, up to 65 MB each): the least recently used beyond
#: these are removed when a new one is written, so callers that ask for many different
#: candidate sets (a server's clients) cannot fill the disk.
KEEP = 6


def load(languages):
    """langidentify's :class:`Model` for ``languages`` (langidentify ``Language`` members):
    read from the cache's copy where there is one, else built and copied."""
    from langidentify import Model

    key = _key(languages)
    path = cache_path(key)
    model = _read(path, key) if key else None
    if model is None:
        model = Model.load_variant(VARIANT, list(languages), MIN_LOG_PROB, TW_MIN_LOG_PROB)
        if key:
            _write(path, key, model)
    return model


def cache_path(key: str) -> Path:
    from ..paths import cache_dir

    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return cache_dir() / "langid" / f"langidentify-{digest}.marshal"


def _key(languages) -> str | None:
    """What the model is made from: both packages' versions and data files (name, size,
    modification time), the languages and the thresholds; None when that cannot be read."""
    try:
        files = []
        for package in (f"langidentify.models.{VARIANT}", "cjclassifier"):
            with resources.as_file(resources.files(package)) as folder:
                files += [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                          for p in sorted(Path(folder).iterdir()) if p.is_file()]
        versions = [f"{d}={metadata.version(d)}" for d in ("langidentify", "cjclassifier")]
    except (OSError, ImportError, metadata.PackageNotFoundError):
        return None
    names = sorted(lang.name for lang in languages)
    return " ".join([FORMAT, *versions, *files, ",".join(names),
                     f"{VARIANT}:{MIN_LOG_PROB}:{TW_MIN_LOG_PROB}"])


def _write(path: Path, key: str, model) -> None:
    from ..io import atomic_writer

    cj = model.cj_classifier
    payload = (
        [lang.name for lang in model.languages], model.min_log_prob, model.tw_min_log_prob,
        model.max_ngram, [_table(model.get_table(n)) for n in range(1, model.max_ngram + 1)],
        _table(model.topwords_table), None if cj is None else _classifier(cj))
    try:
        with atomic_writer(path, "wb", encoding=None) as f:
            f.write(key.encode() + b"\n")
            f.write(marshal.dumps(payload))
    except (OSError, ValueError):  # a read-only or full cache: the next process builds again
        return
    _prune(path.parent, path)


def _prune(folder: Path, kept: Path) -> None:
    """Remove the least recently used copies beyond :data:`KEEP` (``kept`` stays)."""
    def used(p: Path) -> int:
        try:
            return p.stat().st_mtime_ns
        except OSError:
            return 0

    copies = sorted((p for p in folder.glob("langidentify-*.marshal") if p != kept),
                    key=used, reverse=True)
    for old in copies[KEEP - 1:]:
        try:
            old.unlink()
        except OSError:
            pass


def _read(path: Path, key: str):
    """The model of the copy at ``path`` made from what ``key`` names, or None."""
    from langidentify import Language, Model
    from langidentify.model_loader import EMPTY

    enabled = gc.isenabled()
    gc.disable()  # a million small tuples: the collector would only walk them
    try:
        with open(path, "rb") as f:
            if f.readline() != key.encode() + b"\n":
                return None
            data = f.read()  # marshal.load reads a file object a few bytes at a time
        try:
            os.utime(path)  # used now: the last to be removed (_prune)
        except OSError:
            pass
        names, min_lp, tw_min_lp, max_ngram, tables, topwords, cj = marshal.loads(data)
        return Model(tables=[_entries(t) for t in tables],
                     languages=[Language[name] for name in names], min_log_prob=min_lp,
                     tw_min_log_prob=tw_min_lp, max_ngram=max_ngram,
                     cj_classifier=None if cj is None else _unclassifier(cj),
                     topwords_table=_entries(topwords) or EMPTY)
    except Exception:  # missing, truncated, foreign: build the model again
        return None
    finally:
        if enabled:
            gc.enable()


def _classifier(cj) -> tuple:
    """cjclassifier's ``CJClassifier`` as plain data: its unigram log-probabilities, its
    bigram hash map's arrays (keys, value offsets, probabilities: typecode and bytes each)
    and mask, its default log-probability and kana threshold."""
    bigrams = cj._bigram_map
    arrays = [(a.typecode, a.tobytes()) for a in (bigrams._keys, bigrams._value_indices,
                                                   bigrams.prob_data)]
    return (list(cj._unigram_log_probs), arrays, bigrams._mask, cj._default_log_prob,
            cj.tolerated_kana_threshold)


def _unclassifier(stored: tuple):
    from cjclassifier import CJClassifier
    from cjclassifier.classifier import _BigramMap

    unigrams, arrays, mask, default, kana = stored
    keys, offsets, probs = (array(code, data) for code, data in arrays)
    cj = CJClassifier(unigrams, _BigramMap(keys, offsets, probs, mask), default)
    cj.tolerated_kana_threshold = kana
    return cj


def _table(table: dict) -> tuple[dict, list]:
    """A langidentify table as marshal stores it: n-gram -> (language indices,
    log-probabilities), the probabilities as a tuple of the same floats (the detector only
    indexes them), equal tuples shared; and the n-grams whose entry is the skip mark."""
    from langidentify.model_loader import SKIP

    shared: dict = {}
    entries, skipped = {}, []
    for gram, entry in table.items():
        if entry is SKIP:
            skipped.append(gram)
            continue
        indices, probs = entry
        probs = tuple(probs)
        entries[gram] = (shared.setdefault(indices, indices), shared.setdefault(probs, probs))
    return entries, skipped


def _entries(stored: tuple[dict, list]) -> dict:
    from langidentify.model_loader import SKIP

    entries, skipped = stored
    for gram in skipped:
        entries[gram] = SKIP
    return entries
