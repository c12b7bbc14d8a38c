"""models.lock: the pin of the translation model, and verification of model files against it.

The lock is TOML. A fully pinned entry looks like::

    [model]
    repo = "Helsinki-NLP/opus-mt-de-en"
    license = "CC-BY-4.0"
    revision = "<40-hex commit>"

    [model.files."config.json"]
    size = 1234
    sha256 = "<64 hex>"

Anything that could not be obtained (no network when the lock was written) is simply absent;
:meth:`ModelLock.missing` says what, and the tools refuse to pretend otherwise.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .document import sha256_file_cached
from .errors import LockError, ModelIntegrityError

DEFAULT_REPO = "Helsinki-NLP/opus-mt-de-en"
DEFAULT_LICENSE = "CC-BY-4.0"

#: Files a MarianMT checkpoint needs, in the order they are listed. The weights are one of
#: WEIGHT_FILES (safetensors preferred); the rest are required as named.
CONFIG_FILES = ("config.json", "generation_config.json")
TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
#: Without these (and one weights file) a directory is not a usable MarianMT checkpoint; the
#: generation and tokenizer configs are pinned too whenever the repository has them.
REQUIRED_FILES = ("config.json", "source.spm", "target.spm", "vocab.json")

_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
NOT_PINNED_HINT = "not pinned: run `make lock` (or `pipeline models lock`) with network"


@dataclass(frozen=True)
class FilePin:
    """Size in bytes and sha256 of one model file."""

    size: int
    sha256: str


@dataclass(frozen=True)
class ModelLock:
    """The parsed ``[model]`` table of models.lock."""

    repo: str
    license: str
    revision: str | None = None
    files: dict[str, FilePin] = field(default_factory=dict)

    @property
    def pinned(self) -> bool:
        """True when the revision and every needed file's digest are present."""
        return not self.missing()

    def missing(self) -> list[str]:
        """What the lock lacks before it can be used: 'revision' and/or file names."""
        out = [] if self.revision else ["revision"]
        names = set(self.files)
        for name in REQUIRED_FILES:
            if name not in names:
                out.append(name)
        if not names.intersection(WEIGHT_FILES):
            out.append("weights (" + " or ".join(WEIGHT_FILES) + ")")
        return out

    def digest(self) -> str:
        """sha256 of the canonical text of this pin: changes whenever any pin changes."""
        return hashlib.sha256(render_lock(self).encode("utf-8")).hexdigest()


def default_lock_path() -> Path:
    """The lock a run uses unless told otherwise: ``$PIPELINE_LOCK``, else the ``models.lock``
    packaged with the library (the repository's top-level ``models.lock`` links to it), so
    no command depends on the working directory."""
    env = os.environ.get("PIPELINE_LOCK", "").strip()
    return Path(env) if env else Path(__file__).with_name("models.lock")


def read_lock(path: str | Path | None = None) -> ModelLock:
    """Parse models.lock (default: :func:`default_lock_path`), validating every value it
    holds (absent values are allowed)."""
    p = Path(path) if path is not None else default_lock_path()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LockError(f"{p}: no such file; the model lock is needed to translate with the "
                        "pinned model (or pass --model-dir DIR)") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LockError(f"{p}: not valid TOML: {exc}") from None
    model = data.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("repo"), str):
        raise LockError(f"{p}: needs a [model] table with a string `repo`")
    revision = model.get("revision")
    if revision is not None and (not isinstance(revision, str) or not _HEX40.match(revision)):
        raise LockError(f"{p}: model.revision must be a full 40-hex commit id, got {revision!r}")
    files: dict[str, FilePin] = {}
    for name, pin in (model.get("files") or {}).items():
        if (not isinstance(pin, dict) or not isinstance(pin.get("size"), int)
                or not isinstance(pin.get("sha256"), str) or not _HEX64.match(pin["sha256"])):
            raise LockError(f"{p}: model.files.{name!r} needs an integer `size` and a 64-hex "
                            "`sha256`")
        files[name] = FilePin(pin["size"], pin["sha256"])
    return ModelLock(repo=model["repo"], license=str(model.get("license", "")),
                     revision=revision, files=files)


def render_lock(lock: ModelLock) -> str:
    """The TOML text of ``lock``; unpinned parts are written as comments that say so."""
    lines = [
        "# models.lock: the pinned translation model. Written by `pipeline models lock`;",
        "# checked before every translation and by `pipeline models verify`.",
        "",
        "[model]",
        f'repo = "{lock.repo}"',
        f'license = "{lock.license}"',
    ]
    if lock.revision:
        lines.append(f'revision = "{lock.revision}"')
    else:
        lines.append(f"# revision: {NOT_PINNED_HINT}")
    for name in sorted(lock.files):
        pin = lock.files[name]
        lines += ["", f'[model.files."{name}"]', f"size = {pin.size}", f'sha256 = "{pin.sha256}"']
    if not lock.files:
        lines += ["", "# files (config, generation config, weights, source.spm, target.spm,",
                  f"# vocab.json, tokenizer config) with size and sha256: {NOT_PINNED_HINT}"]
    return "\n".join(lines) + "\n"


def write_lock(lock: ModelLock, path: str | Path | None = None) -> None:
    """Write models.lock atomically (through a symbolic link, which stays a link)."""
    from .io import atomic_write_text

    atomic_write_text(Path(path if path is not None else default_lock_path()).resolve(),
                      render_lock(lock))


def model_files(directory: Path) -> list[str]:
    """Names of the checkpoint files present in ``directory``, weights first found wins."""
    names = [n for n in CONFIG_FILES + TOKENIZER_FILES if (directory / n).is_file()]
    for w in WEIGHT_FILES:
        if (directory / w).is_file():
            names.append(w)
            break
    return names


def directory_digests(directory: Path, cache_dir: Path | None = None) -> dict[str, str]:
    """sha256 of every checkpoint file in ``directory`` (what provenance records for --model-dir).
    With ``cache_dir``, digests of unchanged files are remembered (see ``sha256_file_cached``)."""
    names = model_files(directory)
    required = [n for n in REQUIRED_FILES if n not in names]
    if required or not any(w in names for w in WEIGHT_FILES):
        missing = required + ([] if any(w in names for w in WEIGHT_FILES)
                              else [" or ".join(WEIGHT_FILES)])
        raise ModelIntegrityError(
            f"{directory}: not a MarianMT model directory (missing {', '.join(missing)}); "
            "pass a directory written by save_pretrained")
    return {n: sha256_file_cached(directory / n, cache_dir) for n in names}


def check_files(directory: Path, expected: dict[str, str], what: str,
                cache_dir: Path | None = None) -> None:
    """Raise :class:`ModelIntegrityError` unless every expected file hashes as recorded."""
    for name, digest in sorted(expected.items()):
        f = directory / name
        if not f.is_file():
            raise ModelIntegrityError(f"{f}: missing; {what} expects it (sha256 {digest[:12]}…)")
        actual = sha256_file_cached(f, cache_dir)
        if actual != digest:
            raise ModelIntegrityError(
                f"{f}: sha256 {actual[:12]}… does not match {what} ({digest[:12]}…); the file was "
                "changed or is corrupt: delete it and run `pipeline models fetch`")
