"""models.lock: the pin of the translation model, and verification of model files against it.

The lock is TOML. A complete pin looks like::

    [model]
    repo = "Helsinki-NLP/opus-mt-de-en"
    license = "CC-BY-4.0"
    revision = "<40-hex commit>"
    revision_origin = "hub"
    revision_verified = true

    [model.files."config.json"]
    sha256 = "<64 hex>"
    size = 1234
    origin = "hub"
    verified = true

A pin may also be *partial*: a revision and some file digests, sizes optional, taken for
example from the public record before anything was downloaded here. Each value says where it
came from (``origin``, one of :data:`ORIGINS`) and whether bytes seen on this machine have
matched it (``verified``). ``pipeline models fetch`` (or ``--from-dir``) checks every value
the lock has, records the rest from the files it got, and marks the checked ones verified.
Translation needs a complete pin (:attr:`ModelLock.pinned`); :meth:`ModelLock.missing` says
what a partial one lacks. Nothing is ever invented: what is not known is absent.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .digests import sha256_file_cached
from .errors import InputError, LockError, ModelIntegrityError

DEFAULT_REPO = "Helsinki-NLP/opus-mt-de-en"
DEFAULT_LICENSE = "CC-BY-4.0"
DEFAULT_PAIR = "de-en"

#: Files a MarianMT checkpoint needs, in the order they are listed. The weights are one of
#: WEIGHT_FILES (safetensors preferred); the rest are required as named.
CONFIG_FILES = ("config.json", "generation_config.json")
TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
#: Without these (and one weights file) a directory is not a usable MarianMT checkpoint; the
#: generation and tokenizer configs are pinned too whenever the repository has them.
REQUIRED_FILES = ("config.json", "source.spm", "target.spm", "vocab.json")

#: Where a value in the lock comes from.
PUBLIC_RECORD = "public-record"  # published pins of this model by independent projects
HUB = "hub"                      # a download of the pinned revision, here
DIRECTORY = "directory"          # a copy of the repository given with --from-dir, here
ORIGINS = (PUBLIC_RECORD, HUB, DIRECTORY)

_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
NOT_PINNED_HINT = "not pinned: run `make lock` (or `pipeline models lock`) with network"
COMPLETE_HINT = ("run `pipeline models fetch` with network, or `pipeline models fetch "
                 "--from-dir DIR` with a copy of the repository")


@dataclass(frozen=True)
class FilePin:
    """One model file: sha256, size in bytes (None until known), where the digest came from,
    and whether bytes seen here have matched it."""

    size: int | None
    sha256: str
    origin: str = HUB
    verified: bool = True


@dataclass(frozen=True)
class ModelLock:
    """The parsed ``[model]`` table of models.lock."""

    repo: str
    license: str
    revision: str | None = None
    files: dict[str, FilePin] = field(default_factory=dict)
    revision_origin: str = HUB
    revision_verified: bool = True

    @property
    def pinned(self) -> bool:
        """True when the pin is complete: the revision, every file the model loads with its
        sha256 and size, and no value still waiting to be checked. Translation needs this."""
        return not self.missing()

    @property
    def partial(self) -> bool:
        """True when the lock names a revision but the pin is not complete yet."""
        return bool(self.revision) and not self.pinned

    def missing(self) -> list[str]:
        """What the lock lacks before it can be used: 'revision', file names, sizes, and
        values not yet checked against real bytes."""
        out = [] if self.revision else ["revision"]
        names = set(self.files)
        for name in REQUIRED_FILES:
            if name not in names:
                out.append(name)
        if not names.intersection(WEIGHT_FILES):
            out.append("weights (" + " or ".join(WEIGHT_FILES) + ")")
        for name in sorted(names):
            pin = self.files[name]
            if pin.size is None:
                out.append(f"size of {name}")
            if not pin.verified:
                out.append(f"a check of {name} ({pin.origin})")
        return out

    def unverified(self) -> list[str]:
        """Names of the values taken on trust so far: 'revision' and file names."""
        out = [] if not self.revision or self.revision_verified else ["revision"]
        return out + [n for n, p in sorted(self.files.items()) if not p.verified]

    def digest(self) -> str:
        """sha256 of the canonical text of this pin: changes whenever any pin changes."""
        return hashlib.sha256(render_lock(self).encode("utf-8")).hexdigest()

    def at_revision(self, revision: str, origin: str, verified: bool) -> "ModelLock":
        """This lock moved to ``revision``: file values of another revision do not carry over."""
        if revision == self.revision:
            return replace(self, revision_verified=self.revision_verified or verified)
        return replace(self, revision=revision, files={}, revision_origin=origin,
                       revision_verified=verified)


def default_lock_path() -> Path:
    """The lock a run uses unless told otherwise: ``$PIPELINE_LOCK``, else the ``models.lock``
    packaged with the library (the repository's top-level ``models.lock`` links to it), so
    no command depends on the working directory."""
    env = os.environ.get("PIPELINE_LOCK", "").strip()
    return Path(env) if env else Path(__file__).with_name("models.lock")


#: The largest models.lock read (one is a few kilobytes).
MAX_LOCK_BYTES = 1024 * 1024


def read_pins(path: str | Path | None = None) -> dict[str, ModelLock]:
    """Every pin of models.lock (default: :func:`default_lock_path`) by its key (the pair,
    ``fr-en``, or ``tc-big-fr-en``), validating every value (absent values are allowed).

    The file holds ``[pairs.<key>]`` tables; a lock written before pairs existed holds one
    ``[model]`` table, read as the pin of its repository's pair (de-en for any other name)."""
    from .document import read_input

    p = Path(path) if path is not None else default_lock_path()
    if not os.path.lexists(p):
        raise LockError(f"{p}: no such file; the model lock is needed to translate with the "
                        "pinned model (or pass --model-dir DIR)")
    try:
        data = tomllib.loads(read_input(p, MAX_LOCK_BYTES).decode("utf-8"))
    except InputError as exc:  # a FIFO, a device, a directory, too large: read only if regular
        raise LockError(str(exc)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LockError(f"{p}: not valid TOML: {exc}") from None
    if "model" in data and "pairs" in data:
        raise LockError(f"{p}: holds both a [model] table (the old one-pair layout) and "
                        "[pairs.*] tables; keep the [pairs.*] ones")
    if "pairs" in data:
        tables = data["pairs"]
        if not isinstance(tables, dict):
            raise LockError(f"{p}: `pairs` must be tables, one per pair ([pairs.fr-en])")
        return {key: _parse_model(table, f"{p}: pairs.{key}") for key, table in tables.items()}
    lock = _parse_model(data.get("model"), f"{p}: model")
    return {key_of(lock): lock}


def read_lock(path: str | Path | None = None, pair: str = DEFAULT_PAIR) -> ModelLock:
    """The pin of ``pair`` (a lock key: ``fr-en``, ``tc-big-fr-en``) in models.lock; a pair
    the lock does not pin is a :class:`LockError` naming the ways on."""
    pin = read_pins(path).get(pair)
    if pin is None:
        p = Path(path) if path is not None else default_lock_path()
        raise LockError(f"{p} pins no model for {pair}: {unpinned_hint(pair)}")
    return pin


def find_pin(path: str | Path | None, pair: str) -> ModelLock | None:
    """The pin of ``pair``, or None when the lock has none (or does not exist yet)."""
    p = Path(path) if path is not None else default_lock_path()
    if not os.path.lexists(p):
        return None
    return read_pins(p).get(pair)


def pin_of_repo(path: str | Path | None, repo: str) -> ModelLock:
    """The pin of repository ``repo`` (records name the repository, not the lock key); the
    lock's de-en pin when none names it, so that a mismatch is reported against a real pin."""
    pins = read_pins(path)
    for pin in pins.values():
        if pin.repo == repo:
            return pin
    return pins.get(DEFAULT_PAIR) or next(iter(pins.values()), ModelLock(repo="", license=""))


def unpinned_hint(pair: str) -> str:
    """The ways on for a pair without a pin."""
    return (f"run `pipeline models lock --pair {pair}` where the hub is reachable (a run does "
            f"it on first use), or `pipeline models lock --pair {pair} --from-dir DIR "
            f"--revision COMMIT` with a copy of the repository, or translate with a local "
            f"model via --model-dir {pair.removeprefix('tc-big-')}=DIR")


def key_of(lock: ModelLock) -> str:
    """The key a pin is filed under: its repository's pair (de-en for another repository)."""
    from .languages.pairs import lock_key, pair_of_repo

    found = pair_of_repo(lock.repo)
    return DEFAULT_PAIR if found is None else lock_key(*found)


def _parse_model(model: object, where: str) -> ModelLock:
    """One pin's table, validated."""
    if not isinstance(model, dict) or not isinstance(model.get("repo"), str):
        raise LockError(f"{where.split(': ')[0]}: needs a [model] table (or [pairs.*] tables) "
                        f"with a string `repo`" if where.endswith(": model") else
                        f"{where}: needs a string `repo`")
    revision = model.get("revision")
    if revision is not None and (not isinstance(revision, str) or not _HEX40.match(revision)):
        raise LockError(f"{where}.revision must be a full 40-hex commit id, got {revision!r}")
    files: dict[str, FilePin] = {}
    for name, pin in (model.get("files") or {}).items():
        here = f"{where}.files.{name!r}"
        if not isinstance(pin, dict) or not isinstance(pin.get("sha256"), str) \
                or not _HEX64.match(pin["sha256"]):
            raise LockError(f"{here} needs a 64-hex `sha256`")
        size = pin.get("size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise LockError(f"{here}: `size` must be a whole number of bytes, got {size!r}")
        files[name] = FilePin(size, pin["sha256"], *_origin(pin, "origin", "verified", here))
    origin, verified = _origin(model, "revision_origin", "revision_verified", where)
    return ModelLock(repo=model["repo"], license=str(model.get("license", "")),
                     revision=revision, files=files, revision_origin=origin,
                     revision_verified=verified)


def _origin(table: dict, origin_key: str, verified_key: str, where: str) -> tuple[str, bool]:
    """(origin, verified) of one value. A lock written before these keys existed held only
    values recorded from hub downloads: absent means ("hub", verified)."""
    origin = table.get(origin_key, HUB)
    if origin not in ORIGINS:
        raise LockError(f"{where}: `{origin_key}` must be one of {', '.join(ORIGINS)}, "
                        f"got {origin!r}")
    verified = table.get(verified_key, origin != PUBLIC_RECORD)
    if not isinstance(verified, bool):
        raise LockError(f"{where}: `{verified_key}` must be true or false, got {verified!r}")
    return origin, verified


_HEADER = """\
# models.lock: the pinned translation model. Written by `pipeline models lock` and completed by
# `pipeline models fetch`; checked before every translation and by `pipeline models verify`.
#
# origin says where a value comes from:
#   "public-record"  published pins of this model by independent open-source projects
#   "hub"            a download of the pinned revision, on this machine
#   "directory"      a copy of the repository given with --from-dir, on this machine
# verified = true once bytes downloaded or copied here have matched the value; a value from
# the public record stays false until then. Translation needs a complete pin: the revision,
# and sha256 and size of every file the model loads, each verified."""
_PAIRS_NOTE = """\
#
# One table per translation pair ([pairs.fr-en]; [pairs.tc-big-fr-en] for the tc-big model).
# A pair is pinned on first use where the hub is reachable, or with
# `pipeline models lock --pair SRC-TGT`. Only pins whose values can be cited are committed."""


def render_lock(lock: ModelLock) -> str:
    """The text of ``lock`` alone in the one-pair layout (``[model]``): what
    :meth:`ModelLock.digest` hashes, so a pin's digest does not depend on the other pairs."""
    return "\n".join([_HEADER, "", *_table("model", lock)]) + "\n"


def render_pins(pins: dict[str, ModelLock]) -> str:
    """The TOML text of models.lock, one ``[pairs.<key>]`` table per pin (sorted); what is
    not pinned, or not checked yet, is said in comments."""
    lines = [_HEADER, _PAIRS_NOTE]
    for key in sorted(pins):
        lines += ["", *_table(f"pairs.{key}", pins[key])]
    return "\n".join(lines) + "\n"


def _table(prefix: str, lock: ModelLock) -> list[str]:
    lines = [f"[{prefix}]", f'repo = "{lock.repo}"', f'license = "{lock.license}"']
    if lock.revision:
        lines += [f'revision = "{lock.revision}"', f'revision_origin = "{lock.revision_origin}"',
                  f"revision_verified = {str(lock.revision_verified).lower()}"]
        if not lock.revision_verified:
            lines.append(f"# revision: from the {_said(lock.revision_origin)}; the hub has not "
                         "served it to this machine yet")
    else:
        lines.append(f"# revision: {NOT_PINNED_HINT}")
    for name in sorted(lock.files):
        pin = lock.files[name]
        lines += ["", f'[{prefix}.files."{name}"]', f'sha256 = "{pin.sha256}"']
        if pin.size is not None:
            lines.append(f"size = {pin.size}")
        lines += [f'origin = "{pin.origin}"', f"verified = {str(pin.verified).lower()}"]
        if not pin.verified:
            lines.append(f"# from the {_said(pin.origin)}; not yet checked by a download here")
        if pin.size is None:
            lines.append("# size: not recorded there; `pipeline models fetch` records it")
    if not lock.files:
        lines += ["", "# files (config, generation config, weights, source.spm, target.spm,",
                  f"# vocab.json, tokenizer config) with size and sha256: {NOT_PINNED_HINT}"]
    elif lock.partial:
        lines += ["", "# The other files of this revision (config, tokenizer, ...) are not pinned yet;",
                  "# `pipeline models fetch` (network) or `pipeline models fetch --from-dir DIR`",
                  "# (a copy of the repository) records them."]
    return lines


def _said(origin: str) -> str:
    return {PUBLIC_RECORD: "public record", HUB: "hub", DIRECTORY: "--from-dir copy"}[origin]


def write_lock(lock: ModelLock, path: str | Path | None = None, pair: str | None = None) -> None:
    """Write ``lock`` as the pin of ``pair`` (default: its repository's pair) into models.lock,
    keeping the other pairs' pins, atomically (through a symbolic link, which stays a link).
    The file is written in the pairs layout, whichever layout it was read in."""
    from .io import atomic_write_text

    target = Path(path if path is not None else default_lock_path())
    pins = read_pins(target) if os.path.lexists(target) else {}
    pins[pair or key_of(lock)] = lock
    try:
        atomic_write_text(target.resolve(), render_pins(pins))
    except OSError as exc:
        raise LockError(f"{target}: cannot be written ({exc.strerror or exc}); pass --lock "
                        "with a writable copy of models.lock") from None


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


def files_to_pin(lock: ModelLock, available: Iterable[str], where: str) -> list[str]:
    """The files a pin at ``lock.revision`` covers, given the names the repository (or a copy
    of it) has: every file the lock names already (each must be there); for a partial pin also
    the config and tokenizer files that are there, and one weights file: the one the lock
    names, else model.safetensors if present, else pytorch_model.bin. Only these files are
    fetched and loaded, so an unpinned file never reaches an engine."""
    have = set(available)
    absent = sorted(set(lock.files) - have)
    if absent:
        raise ModelIntegrityError(f"{where} has no {', '.join(absent)}, which models.lock pins "
                                  f"for {lock.repo}@{lock.revision}")
    if lock.pinned:
        return sorted(lock.files)
    names = {n for n in CONFIG_FILES + TOKENIZER_FILES if n in have} | set(lock.files)
    if not names.intersection(WEIGHT_FILES):
        names.update([w for w in WEIGHT_FILES if w in have][:1])
    lacking = [n for n in REQUIRED_FILES if n not in names]
    if not names.intersection(WEIGHT_FILES):
        lacking.append(" or ".join(WEIGHT_FILES))
    if lacking:
        raise ModelIntegrityError(f"{where} is not a MarianMT checkpoint: it has no "
                                  f"{', '.join(lacking)}")
    return sorted(names)


def check_pin(lock: ModelLock, name: str, path: Path, where: str, *, origin: str,
              listed_sha256: str | None = None) -> FilePin:
    """The pin of ``name`` once the file at ``path`` is known: the lock's value, checked and
    marked verified, or (for a file the lock does not name yet) the file's own digest and
    size with ``origin``. ``listed_sha256`` is a digest the source states for the file (the
    hub's LFS sha256), checked as well. Raises :class:`ModelIntegrityError` on any mismatch."""
    from .digests import sha256_file

    actual, size = sha256_file(path), path.stat().st_size
    pin = lock.files.get(name)
    if pin is not None and actual != pin.sha256:
        raise ModelIntegrityError(f"{where}: {name} has sha256 {actual}, models.lock pins "
                                  f"{pin.sha256} (from the {_said(pin.origin)})")
    if pin is not None and pin.size is not None and size != pin.size:
        raise ModelIntegrityError(f"{where}: {name} has {size} bytes, models.lock pins "
                                  f"{pin.size} (from the {_said(pin.origin)})")
    if listed_sha256 is not None and actual != listed_sha256:
        raise ModelIntegrityError(f"{where}: {name} has sha256 {actual}, but the source lists "
                                  f"{listed_sha256} for it")
    if pin is not None:
        return replace(pin, size=size, verified=True)
    return FilePin(size, actual, origin, True)
