"""models.lock parsing, partial pins, and the pinned-model path through a Hugging Face cache built
locally (no network: the hub stand-in is exercised in test_hub.py)."""

import shutil

import pytest

from pipeline import model as model_mod
from pipeline.errors import LockError, ModelIntegrityError, ModelUnavailableError
from pipeline.lock import (DEFAULT_REPO, DIRECTORY, HUB, PUBLIC_RECORD, FilePin, ModelLock,
                           check_pin, files_to_pin, read_lock, render_lock, render_pins,
                           write_lock)

from tests.conftest import REAL_REVISION, REAL_WEIGHTS_SHA256, ROOT

REV = "0123456789abcdef0123456789abcdef01234567"


def test_committed_lock_is_the_public_record_pin():
    """The committed lock pins the revision and weights digest that independent projects
    publish. Until a download here has matched them it says they are unchecked, and invents
    nothing else; once completed (`pipeline models fetch`), they are marked verified."""
    lock = read_lock(ROOT / "models.lock")
    assert lock.repo == DEFAULT_REPO and lock.license == "CC-BY-4.0"
    assert (lock.revision, lock.revision_origin) == (REAL_REVISION, PUBLIC_RECORD)
    weights = lock.files["pytorch_model.bin"]
    assert (weights.sha256, weights.origin) == (REAL_WEIGHTS_SHA256, PUBLIC_RECORD)
    assert (ROOT / "models.lock").read_text() == render_pins({"de-en": lock})  # says what it is
    if lock.partial:
        assert lock.files == {"pytorch_model.bin": FilePin(None, REAL_WEIGHTS_SHA256,
                                                           PUBLIC_RECORD, False)}
        assert not lock.revision_verified
        assert "size of pytorch_model.bin" in lock.missing() and "config.json" in lock.missing()
        assert "not yet checked by a download here" in render_lock(lock)
    else:
        assert lock.pinned and weights.verified and weights.size is not None


@pytest.mark.parametrize("lock", [
    ModelLock(DEFAULT_REPO, "CC-BY-4.0", REV, {"config.json": FilePin(3, "a" * 64)}),
    ModelLock(DEFAULT_REPO, "CC-BY-4.0"),
    ModelLock(DEFAULT_REPO, "CC-BY-4.0", REV,
              {"pytorch_model.bin": FilePin(None, "b" * 64, PUBLIC_RECORD, False),
               "vocab.json": FilePin(7, "c" * 64, DIRECTORY, True)},
              revision_origin=PUBLIC_RECORD, revision_verified=False),
])
def test_roundtrip(tmp_path, lock):
    write_lock(lock, tmp_path / "models.lock")
    assert read_lock(tmp_path / "models.lock") == lock
    assert render_pins({"de-en": lock}) == (tmp_path / "models.lock").read_text()


def test_lock_without_origins_reads_as_hub_downloads(tmp_path):
    """A lock written before origins existed held only digests of hub downloads."""
    p = tmp_path / "models.lock"
    p.write_text(f'[model]\nrepo = "x"\nrevision = "{REV}"\n'
                 f'[model.files."config.json"]\nsize = 1\nsha256 = "{"a" * 64}"\n')
    lock = read_lock(p)
    assert lock.files["config.json"] == FilePin(1, "a" * 64, HUB, True)
    assert (lock.revision_origin, lock.revision_verified) == (HUB, True)


@pytest.mark.parametrize("text, match", [
    ('[model]\nrepo = "x"\nrevision = "main"\n', "40-hex"),
    ('[model]\nrepo = "x"\n[model.files."config.json"]\nsize = 1\nsha256 = "zz"\n', "64-hex"),
    (f'[model]\nrepo = "x"\n[model.files."a"]\nsize = -1\nsha256 = "{"a" * 64}"\n', "whole number"),
    (f'[model]\nrepo = "x"\n[model.files."a"]\nsha256 = "{"a" * 64}"\norigin = "web"\n', "origin"),
    (f'[model]\nrepo = "x"\n[model.files."a"]\nsha256 = "{"a" * 64}"\nverified = "yes"\n',
     "true or false"),
    ('[model]\nrepo = "x"\nrevision_origin = "hub"\nrevision_verified = 1\n', "true or false"),
    ("[model\n", "TOML"),
    ("x = 1\n", r"\[model\]"),
])
def test_bad_lock_rejected(tmp_path, text, match):
    p = tmp_path / "models.lock"
    p.write_text(text)
    with pytest.raises(LockError, match=match):
        read_lock(p)


def _fake_hub_cache(cache, model_dir, repo=DEFAULT_REPO, revision=REV):
    """Lay out ``model_dir`` as the HF hub cache stores a snapshot."""
    base = cache / ("models--" + repo.replace("/", "--"))
    snap = base / "snapshots" / revision
    shutil.copytree(model_dir, snap)
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(revision)
    return snap


def _pinned_lock_for(model_dir, tmp_path):
    from pipeline.digests import sha256_file
    from pipeline.lock import model_files

    files = {n: FilePin((model_dir / n).stat().st_size, sha256_file(model_dir / n))
             for n in model_files(model_dir)}
    lock = ModelLock(DEFAULT_REPO, "CC-BY-4.0", REV, files)
    write_lock(lock, tmp_path / "models.lock")
    return lock


def test_pinned_model_loads_from_hf_cache(tiny_model, tmp_path, monkeypatch):
    cache = tmp_path / "hf"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    snap = _fake_hub_cache(cache, tiny_model)
    lock = _pinned_lock_for(tiny_model, tmp_path)
    source = model_mod.from_lock(lock)
    assert sorted(p.name for p in source.path.iterdir()) == sorted(lock.files)
    assert all((source.path / n).resolve() == (snap / n).resolve() for n in lock.files)
    assert source.provenance()["revision"] == REV and source.provenance()["repo"] == DEFAULT_REPO


def test_tampered_cached_file_refused(tiny_model, tmp_path, monkeypatch):
    cache = tmp_path / "hf"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    snap = _fake_hub_cache(cache, tiny_model)
    lock = _pinned_lock_for(tiny_model, tmp_path)
    with open(snap / "vocab.json", "a") as f:
        f.write(" ")
    with pytest.raises(ModelIntegrityError, match="vocab.json.*does not match models.lock"):
        model_mod.from_lock(lock)


def test_offline_without_cache_says_how_to_fetch(tiny_model, tmp_path):
    lock = _pinned_lock_for(tiny_model, tmp_path)
    with pytest.raises(ModelUnavailableError) as err:
        model_mod.from_lock(lock)
    msg = str(err.value)
    assert "pipeline models fetch" in msg and "--model-dir" in msg and "--from-dir" in msg


def test_unpinned_lock_refuses(tmp_path):
    with pytest.raises(LockError, match="make lock"):
        model_mod.from_lock(ModelLock(DEFAULT_REPO, "CC-BY-4.0"))


def test_pin_from_hub_offline_is_clear():
    with pytest.raises(ModelUnavailableError, match="offline.*--from-dir"):
        model_mod.pin_from_hub(ModelLock(DEFAULT_REPO, "CC-BY-4.0"))


def test_partial_pin_offline_refused_with_the_ways_on():
    lock = read_lock(ROOT / "models.lock")
    with pytest.raises(LockError) as err:
        model_mod.from_lock(lock)
    msg = str(err.value)
    assert "only in part" in msg and "offline mode is on" in msg
    assert "pipeline models fetch" in msg and "--from-dir DIR" in msg and "--model-dir" in msg
    assert "\n" not in msg


MARIAN = ["config.json", "source.spm", "target.spm", "vocab.json"]


@pytest.mark.parametrize("pinned, available, expected", [
    # a partial pin takes every config/tokenizer file there and the weights it names
    (["pytorch_model.bin"], MARIAN + ["pytorch_model.bin", "tokenizer_config.json", "README.md"],
     MARIAN + ["pytorch_model.bin", "tokenizer_config.json"]),
    (["pytorch_model.bin"], MARIAN + ["model.safetensors", "pytorch_model.bin",
                                      "generation_config.json"],
     MARIAN + ["generation_config.json", "pytorch_model.bin"]),
    # nothing pinned yet: safetensors preferred, only one weights file
    ([], MARIAN + ["model.safetensors", "pytorch_model.bin"], MARIAN + ["model.safetensors"]),
    ([], MARIAN + ["pytorch_model.bin"], MARIAN + ["pytorch_model.bin"]),
])
def test_files_to_pin(pinned, available, expected):
    lock = ModelLock(DEFAULT_REPO, "", REV, {n: FilePin(None, "a" * 64, PUBLIC_RECORD, False)
                                             for n in pinned})
    assert files_to_pin(lock, available, "here") == sorted(expected)


@pytest.mark.parametrize("pinned, available, match", [
    (["pytorch_model.bin"], MARIAN + ["model.safetensors"], "has no pytorch_model.bin, which"),
    ([], ["config.json", "vocab.json", "pytorch_model.bin"], "no source.spm, target.spm"),
    ([], MARIAN, "no model.safetensors or pytorch_model.bin"),
])
def test_files_to_pin_refuses(pinned, available, match):
    lock = ModelLock(DEFAULT_REPO, "", REV, {n: FilePin(None, "a" * 64) for n in pinned})
    with pytest.raises(ModelIntegrityError, match=match):
        files_to_pin(lock, available, "here")


def test_complete_pin_covers_exactly_its_files(tiny_model, tmp_path):
    lock = _pinned_lock_for(tiny_model, tmp_path)
    more = list(lock.files) + ["pytorch_model.bin", "special_tokens_map.json"]
    assert files_to_pin(lock, more, "here") == sorted(lock.files)


def test_check_pin(tmp_path):
    from pipeline.digests import sha256_file

    f = tmp_path / "vocab.json"
    f.write_text("{}")
    sha = sha256_file(f)
    partial = ModelLock(DEFAULT_REPO, "", REV, {"vocab.json": FilePin(None, sha, PUBLIC_RECORD,
                                                                      False)})
    assert check_pin(partial, "vocab.json", f, "here", origin=HUB) == FilePin(2, sha,
                                                                              PUBLIC_RECORD, True)
    assert check_pin(partial, "other", f, "here", origin=DIRECTORY) == FilePin(2, sha, DIRECTORY)
    wrong = ModelLock(DEFAULT_REPO, "", REV, {"vocab.json": FilePin(None, "0" * 64, PUBLIC_RECORD,
                                                                    False)})
    with pytest.raises(ModelIntegrityError, match=f"has sha256 {sha}, models.lock pins 0{{64}} "
                                                  r"\(from the public record\)"):
        check_pin(wrong, "vocab.json", f, "here", origin=HUB)
    sized = ModelLock(DEFAULT_REPO, "", REV, {"vocab.json": FilePin(3, sha)})
    with pytest.raises(ModelIntegrityError, match="has 2 bytes, models.lock pins 3"):
        check_pin(sized, "vocab.json", f, "here", origin=HUB)
    with pytest.raises(ModelIntegrityError, match="the source lists " + "1" * 64):
        check_pin(partial, "vocab.json", f, "here", origin=HUB, listed_sha256="1" * 64)


def test_view_holds_only_the_pinned_files(tiny_model, tmp_path, monkeypatch):
    """A file someone else downloaded into the snapshot (here pytorch_model.bin beside the
    pinned model.safetensors) never reaches the engines."""
    cache = tmp_path / "hf"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    snap = _fake_hub_cache(cache, tiny_model)
    lock = _pinned_lock_for(tiny_model, tmp_path)
    (snap / "pytorch_model.bin").write_bytes(b"not pinned")
    (snap / "special_tokens_map.json").write_text("{}")
    source = model_mod.from_lock(lock)
    assert sorted(p.name for p in source.path.iterdir()) == sorted(lock.files)
    assert model_mod.from_lock(lock).path == source.path  # the same view, reused


def _partial_lock(files: dict, revision=REV) -> ModelLock:
    """A lock as the public record gives it: a revision and the weights' sha256 only."""
    from pipeline.digests import sha256_file

    return ModelLock(DEFAULT_REPO, "CC-BY-4.0", revision,
                     {n: FilePin(None, sha256_file(p), PUBLIC_RECORD, False)
                      for n, p in files.items()},
                     revision_origin=PUBLIC_RECORD, revision_verified=False)


def test_install_from_dir_completes_a_partial_pin(tiny_model, tmp_path, monkeypatch):
    cache = tmp_path / "hf"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    lock = _partial_lock({"model.safetensors": tiny_model / "model.safetensors"})
    done = model_mod.install_from_dir(lock, tiny_model)
    assert done.lock.pinned
    weights = done.lock.files["model.safetensors"]
    assert (weights.origin, weights.verified, weights.size) == (
        PUBLIC_RECORD, True, (tiny_model / "model.safetensors").stat().st_size)
    assert {p.origin for n, p in done.lock.files.items() if n != "model.safetensors"} == {DIRECTORY}
    assert not done.lock.revision_verified  # files cannot prove which commit they came from
    # the hub cache's own layout: snapshot entries link to blobs named by their etag
    base = cache / "models--Helsinki-NLP--opus-mt-de-en"
    assert done.path == base / "snapshots" / REV
    link = done.path / "model.safetensors"
    assert link.is_symlink() and link.resolve() == base / "blobs" / weights.sha256
    from huggingface_hub import try_to_load_from_cache

    assert try_to_load_from_cache(DEFAULT_REPO, "vocab.json", cache_dir=cache,
                                  revision=REV) == str(done.path / "vocab.json")
    source = model_mod.from_lock(done.lock)  # offline: found where the hub would have put it
    assert source.files == {n: p.sha256 for n, p in done.lock.files.items()}


def test_install_from_dir_refuses_a_mismatch_and_installs_nothing(model_copy, tmp_path,
                                                                  monkeypatch):
    cache = tmp_path / "hf"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    lock = _partial_lock({"model.safetensors": model_copy / "model.safetensors"})
    with open(model_copy / "model.safetensors", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelIntegrityError, match="model.safetensors has sha256 .*nothing was "
                                                  "installed and models.lock was left as it was"):
        model_mod.install_from_dir(lock, model_copy)
    assert not cache.exists()


def test_install_from_dir_names_a_git_lfs_pointer(model_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    (model_copy / "model.safetensors").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 9\n")
    with pytest.raises(ModelIntegrityError, match="Git LFS pointer.*git lfs pull"):
        model_mod.install_from_dir(ModelLock(DEFAULT_REPO, "", REV), model_copy)


def test_install_from_dir_needs_a_revision(tiny_model):
    with pytest.raises(LockError, match="--revision COMMIT"):
        model_mod.install_from_dir(ModelLock(DEFAULT_REPO, ""), tiny_model)
