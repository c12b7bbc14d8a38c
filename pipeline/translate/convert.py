"""The CTranslate2 conversion cache: each source model converted once per quantization.

The converted model lives under ``<cache>/ct2/<key>/``; ``key`` hashes the source model's file
digests, the quantization, the ctranslate2 version and the converter settings. Conversion runs
under an exclusive file lock into a temporary directory that is renamed into place, so two
processes starting at once convert once and a half-finished conversion is never used.

The marker file written last records the sha256 of every converted file. Each use checks the
files against it (through the stat-keyed digest cache, so an unchanged file is not re-read): a
damaged conversion is moved aside and converted again, never used.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ..digests import sha256_file_cached
from ..errors import CacheError, ModelIntegrityError
from ..model import ModelSource
from .spec import EngineSetupError

CONVERTER_VERSION = 2  # bump when the conversion settings or the marker layout change
MARKER = "pipeline-ct2.json"

conversions = 0  # how many conversions this process ran (tests read it)


def conversion_key(source: ModelSource, quantization: str) -> str:
    """Cache key of a converted model: model digests, quantization, ctranslate2, converter,
    and the pair it translates when known."""
    from importlib.metadata import version

    text = (f"model:{source.digest}|quantization:{quantization}|ctranslate2:{version('ctranslate2')}"
            f"|converter:TransformersConverter/{CONVERTER_VERSION}")
    if source.pair is not None:  # the same files used for two pairs are two conversions
        text += f"|pair:{source.pair}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def converted_model(source: ModelSource, quantization: str, cache_dir: Path,
                    report: Callable[[str], None] | None = None) -> Path:
    """The CTranslate2 model of ``source`` in ``cache_dir``, converting it first if needed."""
    root = Path(cache_dir) / "ct2"
    key = conversion_key(source, quantization)
    final = root / key
    if _intact(final, cache_dir, report):
        return final
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = open(root / f"{key}.lock", "w")
    except OSError as exc:
        raise CacheError(f"{root}: cannot keep the converted model there "
                         f"({exc.strerror or exc}); set PIPELINE_CACHE to a writable directory"
                         ) from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if report:
                report(f"waiting for another process converting the model into {final} ...")
            fcntl.flock(lock, fcntl.LOCK_EX)  # then finds it done
        if _intact(final, cache_dir, report):
            return final
        if final.exists():  # not ours to trust: keep it aside, do it again
            _move_aside(final)
        if report:
            report(f"converting the model for CTranslate2 ({quantization}) into {final}; "
                   "once per model, about a minute for opus-mt ...")
        _sweep_interrupted(root)
        try:
            work = Path(tempfile.mkdtemp(prefix=f".{key}.{os.getpid()}.", dir=root))
        except OSError as exc:
            raise CacheError(f"{root}: cannot convert the model there ({exc.strerror or exc}); "
                             "set PIPELINE_CACHE to a writable directory") from None
        try:
            out = work / "model"
            _convert(source.path, out, quantization)
            from importlib.metadata import version

            files = {p.name: sha256_file_cached(p, cache_dir) for p in sorted(out.iterdir())}
            (out / MARKER).write_text(json.dumps({
                "model_digest": source.digest, "source_files": source.files,
                "quantization": quantization, "ctranslate2": version("ctranslate2"),
                "converter": CONVERTER_VERSION, "files": files,
            }, indent=1, sort_keys=True), encoding="utf-8")
            os.rename(out, final)
            global conversions
            conversions += 1
        except OSError as exc:
            raise CacheError(f"{root}: cannot write the converted model ({exc.strerror or exc}); "
                             "free some space or set PIPELINE_CACHE to another directory") from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return final


def _intact(final: Path, cache_dir: Path, report) -> bool:
    """True when ``final`` holds a finished conversion whose files match its marker."""
    try:
        marker = json.loads((final / MARKER).read_text(encoding="utf-8"))
        files = marker["files"]
        if not isinstance(files, dict) or not files:
            raise ValueError("no file digests")
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError):
        if report:
            report(f"warning: {final / MARKER} is unreadable; converting again")
        return False
    for name, digest in sorted(files.items()):
        try:
            ok = sha256_file_cached(final / name, cache_dir) == digest
        except OSError:
            ok = False
        if not ok:
            if report:
                report(f"warning: {final / name} does not match the digest recorded when it was "
                       "converted (damaged cache); converting again")
            return False
    return True


def _move_aside(path: Path) -> None:
    aside = path.with_name(f".damaged.{path.name}.{int(time.time())}.{os.getpid()}")
    try:
        os.rename(path, aside)
        shutil.rmtree(aside, ignore_errors=True)
    except OSError as exc:
        raise ModelIntegrityError(f"{path}: a damaged converted model cannot be moved aside "
                                  f"({exc.strerror or exc}); delete it by hand") from None


def _sweep_interrupted(root: Path) -> None:
    """Remove work directories of conversions whose process no longer runs (called under the
    key's lock; a live conversion of another key keeps its directory)."""
    from ..io import process_running

    for entry in root.iterdir():
        parts = entry.name.split(".")
        if entry.name.startswith(".") and len(parts) >= 4 and parts[2].isdigit() \
                and entry.is_dir() and not process_running(int(parts[2])):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(".damaged.") and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


def _convert(model_dir: Path, out: Path, quantization: str) -> None:
    """TransformersConverter from a local directory (it loads through transformers)."""
    import warnings

    import transformers
    from ctranslate2.converters import TransformersConverter

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            TransformersConverter(str(model_dir)).convert(str(out), quantization=quantization)
        except Exception as exc:  # the converter raises bare exceptions of many kinds
            raise EngineSetupError(f"{model_dir}: CTranslate2 conversion failed: "
                                   f"{type(exc).__name__}: {exc}") from exc
