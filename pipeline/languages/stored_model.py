"""py3langid's model, loaded once per process and as cheaply as it can be.

py3langid ships its model as an LZMA-compressed ``.npz`` (4.6 MB). Decompressing it costs
about 0.6 s of CPU in every process that identifies a language (every translation run does,
for the other-language check of :mod:`pipeline.languages.within`); reading the same arrays
from an uncompressed copy costs about 0.05 s. So the first load writes an uncompressed copy
(68 MB) into the pipeline's cache (``langid/py3langid.npy``), and later loads read it.

The copy is derived data. It names the packaged file it was made from (path, size, mtime), so
a new py3langid makes a new copy. It is written atomically and durably. It is read only when
every array is there; otherwise it is ignored and rewritten. A cache that cannot be written
costs time, nothing else. The arrays, hence every answer, are the same either way.

:func:`load` is safe to call from several threads at once (the server's): the first loads,
the others wait for it.
"""

from __future__ import annotations

import threading
from array import array
from pathlib import Path

#: The arrays of py3langid's model file, by the names its ``.npz`` gives them.
ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")

_lock = threading.Lock()
_loaded = None


def load():
    """py3langid's :class:`~py3langid.langid.LanguageIdentifier` with every language and
    normalised probabilities; built on the first call, the same object afterwards."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = _build()
        return _loaded


def _build():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    packaged = Path(MODEL_DIR) / MODEL_FILE
    key = _key(packaged)
    copy = cache_path()
    arrays = _read(copy, key) if key else None
    if arrays is None:
        arrays = load_packaged(packaged)
        if key:
            _write(copy, key, arrays)
    return LanguageIdentifier(
        arrays["ptc"], arrays["pc"], arrays["classes"].tolist(), _stdlib(arrays["nextmove"]),
        arrays["out_feat"].tolist(), norm_probs=True, tk_row=_stdlib(arrays["nextmove_row"]))


def load_packaged(packaged: Path) -> dict:
    """The arrays of py3langid's own model file (decompressed: the slow way)."""
    import numpy as np
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, output = load_model(packaged)
    return {"ptc": np.asarray(ptc), "pc": np.asarray(pc), "classes": np.array(classes),
            "nextmove": np.frombuffer(nextmove, dtype=_dtype(nextmove)),
            "nextmove_row": np.frombuffer(row, dtype=_dtype(row)),
            "out_feat": np.asarray(output, dtype=np.int32)}


def cache_path() -> Path:
    """Where the uncompressed copy lives (one file, replaced when py3langid's model changes)."""
    from ..paths import cache_dir

    return cache_dir() / "langid" / "py3langid.npy"


def _key(packaged: Path) -> str | None:
    """What names the packaged model file: its path, size and modification time (a new
    py3langid, even of the same version, is a new file); None when it cannot be read."""
    try:
        st = packaged.stat()
    except OSError:
        return None
    return f"{packaged}:{st.st_size}:{st.st_mtime_ns}"


def _read(path: Path, key: str) -> dict | None:
    """The arrays of the uncompressed copy made from the file ``key`` names, or None when
    there is none, or it was made from another file, or is incomplete."""
    import numpy as np

    try:
        with open(path, "rb") as f:
            if str(np.load(f, allow_pickle=False)) != key:
                return None
            return {name: np.load(f, allow_pickle=False) for name in ARRAYS}
    except Exception:  # missing, truncated, not what np.save wrote: load the original
        return None


def _write(path: Path, key: str, arrays: dict) -> None:
    """The copy: the key, then each of :data:`ARRAYS`, one after the other as ``np.save``
    writes them (no zip around them, whose checksums would cost more than the reading)."""
    import numpy as np

    from ..io import atomic_writer

    try:
        with atomic_writer(path, "wb", encoding=None) as f:
            np.save(f, np.array(key))
            for name in ARRAYS:
                np.save(f, arrays[name], allow_pickle=False)
    except OSError:  # a read-only or full cache: the next process decompresses again
        pass


def _dtype(values: array) -> str:
    return f"=u{values.itemsize}"


def _stdlib(values) -> array:
    """An unsigned NumPy array as the stdlib array py3langid's DFA walk indexes."""
    out = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
    out.frombytes(memoryview(values).cast("B"))
    return out
