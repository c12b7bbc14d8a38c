"""langidentify's model for short texts, built once and read back from the cache afterwards.

langidentify builds its model by parsing its gzipped n-gram and word lists in Python: about
0.5 s of CPU per language (~17 s for the 35 languages of the default candidates it knows) and
~8 s more for its Chinese/Japanese classifier. A headline given to ``pipeline detect`` would
wait that long in every process. So the first build for a set of languages writes the built
tables into the pipeline's cache (``langid/langidentify-<digest>.marshal``), and later
processes read them back (about 2 s for the default set). The Chinese/Japanese classifier,
the same for every set that holds both languages, has one copy of its own, which the build
of any later set takes instead of parsing it again (a new set with Chinese and Japanese:
0.3 s instead of 5.4 s for three languages, in a new process).

The copy holds what the model is built from (its tables, its thresholds, its languages, the
Chinese/Japanese classifier's arrays) and is turned back into a model through the libraries'
own constructors, so every score, hence every answer, is the same. It is data only: no
pickle, so reading it runs no code. Its first line names what it was made from (the versions
and files of both packages, the languages, the thresholds) and the payload's sha256; a copy
made from anything else, damaged, or not of the copy's shape is ignored and rewritten. (Whoever
can write the cache folder can still change the answers, as with any cache.) It is written
atomically; a cache that cannot be written costs time, nothing else. At most :data:`KEEP`
copies are kept, the least recently used removed first.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import sys
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
    model = _read(cache_path(key), key) if key else None
    if model is None:
        cj_key = _cj_key()
        if cj_key:
            _seed_classifier(cj_key)
        model = Model.load_variant(VARIANT, list(languages), MIN_LOG_PROB, TW_MIN_LOG_PROB)
        if key:
            _write(cache_path(key), key, model)
        if cj_key and model.cj_classifier is not None:
            _write_classifier(cj_key, model.cj_classifier)
    return model


# --- the Chinese/Japanese classifier, one copy for every candidate set ---------------------
# cjclassifier parses its gzipped tables in Python (about 5 s of CPU) each time a process
# builds a model whose candidates hold Chinese and Japanese, whatever the other languages.
# Its copy is kept apart (``langid/cjclassifier-<digest>.marshal``, same header and checks as
# a model's), and put into cjclassifier's own per-process cache of loaded classifiers before
# langidentify builds a model, which then takes it from there instead of parsing the tables
# again. The classifier is the same data either way, so every answer is the same.

#: cjclassifier's cache key for its bundled model at the floor langidentify passes (its
#: default, 0: the file's own).
_CJ_BUNDLED = "bundled:0"


def _cj_key() -> str | None:
    """What the classifier is made from: cjclassifier's version and files; None when that
    cannot be read."""
    try:
        files = _package_files("cjclassifier")
        version = f"cjclassifier={metadata.version('cjclassifier')}"
    except (OSError, ImportError, metadata.PackageNotFoundError):
        return None
    return " ".join([FORMAT, "cj", version, *files, _CJ_BUNDLED])


def cj_path(key: str) -> Path:
    return _copy_path("cjclassifier", key)


def _seed_classifier(key: str) -> None:
    """Put the copy of the classifier (where there is a sound one) into cjclassifier's cache
    of loaded classifiers, unless this process has loaded it already."""
    try:
        from cjclassifier import classifier
    except ImportError:
        return
    loaded = getattr(classifier, "_cache", None)
    if not isinstance(loaded, dict) or _CJ_BUNDLED in loaded:
        return
    try:
        data = _payload(cj_path(key), key)
        if data is None:
            return
        stored = marshal.loads(data, **_NO_CODE)
        if isinstance(stored, tuple) and len(stored) == 5:
            loaded[_CJ_BUNDLED] = _unclassifier(stored)
    except Exception:  # missing, damaged, foreign: cjclassifier loads its own
        return


def _write_classifier(key: str, cj) -> None:
    """The classifier's copy, written once (atomically) if there is no sound one."""
    path = cj_path(key)
    try:
        if _payload(path, key) is not None:
            return
    except OSError:  # none yet
        pass
    try:
        _store(path, key, marshal.dumps(_classifier(cj)))
    except Exception:  # a read-only or full cache: the next build parses the tables again
        return


def cache_path(key: str) -> Path:
    return _copy_path("langidentify", key)


def _copy_path(kind: str, key: str) -> Path:
    from ..paths import cache_dir

    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return cache_dir() / "langid" / f"{kind}-{digest}.marshal"


def _package_files(package: str) -> list[str]:
    """Name, size and modification time of each data file of ``package``."""
    with resources.as_file(resources.files(package)) as folder:
        return [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                for p in sorted(Path(folder).iterdir()) if p.is_file()]


def _key(languages) -> str | None:
    """What the model is made from: both packages' versions and data files (name, size,
    modification time), the languages and the thresholds; None when that cannot be read."""
    try:
        files = [f for package in (f"langidentify.models.{VARIANT}", "cjclassifier")
                 for f in _package_files(package)]
        versions = [f"{d}={metadata.version(d)}" for d in ("langidentify", "cjclassifier")]
    except (OSError, ImportError, metadata.PackageNotFoundError):
        return None
    names = sorted(lang.name for lang in languages)
    return " ".join([FORMAT, *versions, *files, ",".join(names),
                     f"{VARIANT}:{MIN_LOG_PROB}:{TW_MIN_LOG_PROB}"])


def _write(path: Path, key: str, model) -> None:
    """The copy of a model (:func:`_store`; the payload by marshal)."""
    try:
        cj = model.cj_classifier
        _store(path, key, marshal.dumps((
            [lang.name for lang in model.languages], model.min_log_prob, model.tw_min_log_prob,
            model.max_ngram, [_table(model.get_table(n)) for n in range(1, model.max_ngram + 1)],
            _table(model.topwords_table), None if cj is None else _classifier(cj))))
    except Exception:  # a read-only or full cache, a library whose insides changed: no copy
        return
    _prune(path.parent, path)


def _header(key: str, data: bytes) -> bytes:
    return f"{key} {hashlib.sha256(data).hexdigest()}\n".encode()


def _store(path: Path, key: str, data: bytes) -> None:
    """A copy, atomically: the key and the payload's sha256 on one line, then the payload."""
    from ..io import atomic_writer

    with atomic_writer(path, "wb", encoding=None) as f:
        f.write(_header(key, data))
        f.write(data)


def _payload(path: Path, key: str) -> bytes | None:
    """The payload of the copy at ``path`` if it was made from what ``key`` names and is
    whole (a byte flipped would change scores), else None; OSError where it cannot be read."""
    with open(path, "rb") as f:
        header = f.readline()
        if not header.startswith(key.encode() + b" "):
            return None
        data = f.read()  # marshal.load reads a file object a few bytes at a time
    return data if header == _header(key, data) else None


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
        data = _payload(path, key)
        if data is None:
            return None
        try:
            os.utime(path)  # used now: the last to be removed (_prune)
        except OSError:
            pass
        stored = marshal.loads(data, **_NO_CODE)
        if not _well_formed(stored):
            return None
        names, min_lp, tw_min_lp, max_ngram, tables, topwords, cj = stored
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


#: marshal can carry code objects; the copy never holds one (Python 3.13 can refuse them).
_NO_CODE = {"allow_code": False} if sys.version_info >= (3, 13) else {}


def _well_formed(stored) -> bool:
    """Whether a loaded payload has the copy's shape: languages by name, numbers, one table
    per n-gram length (entries and skipped n-grams), the classifier's fields."""
    if not (isinstance(stored, tuple) and len(stored) == 7):
        return False
    names, min_lp, tw_min_lp, max_ngram, tables, topwords, cj = stored
    stored_table = (lambda t: isinstance(t, tuple) and len(t) == 2
                    and isinstance(t[0], dict) and isinstance(t[1], list))
    return (isinstance(names, list) and all(isinstance(n, str) for n in names)
            and all(isinstance(x, (int, float)) for x in (min_lp, tw_min_lp))
            and isinstance(max_ngram, int) and isinstance(tables, list)
            and len(tables) == max_ngram and all(map(stored_table, tables))
            and stored_table(topwords)
            and (cj is None or (isinstance(cj, tuple) and len(cj) == 5)))


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
