"""models.lock parsing, and the pinned-model path through a Hugging Face cache built locally."""

import shutil

import pytest

from pipeline import model as model_mod
from pipeline.errors import LockError, ModelIntegrityError, ModelUnavailableError
from pipeline.lock import DEFAULT_REPO, FilePin, ModelLock, read_lock, render_lock, write_lock

REV = "0123456789abcdef0123456789abcdef01234567"


def test_committed_lock_parses_and_says_what_is_missing():
    from tests.conftest import ROOT

    lock = read_lock(ROOT / "models.lock")
    assert lock.repo == DEFAULT_REPO and lock.license == "CC-BY-4.0"
    if not lock.pinned:  # no invented digests: what is absent is reported
        assert "revision" in lock.missing()
        assert "not pinned" in (ROOT / "models.lock").read_text()


def test_roundtrip(tmp_path):
    lock = ModelLock(DEFAULT_REPO, "CC-BY-4.0", REV, {"config.json": FilePin(3, "a" * 64)})
    write_lock(lock, tmp_path / "models.lock")
    assert read_lock(tmp_path / "models.lock") == lock
    assert render_lock(lock) == (tmp_path / "models.lock").read_text()


@pytest.mark.parametrize("text, match", [
    ('[model]\nrepo = "x"\nrevision = "main"\n', "40-hex"),
    ('[model]\nrepo = "x"\n[model.files."config.json"]\nsize = 1\nsha256 = "zz"\n', "64-hex"),
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
    from pipeline.document import sha256_file
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
    assert source.path == snap
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
    assert "pipeline models fetch" in msg and "--model-dir" in msg


def test_unpinned_lock_refuses(tmp_path):
    with pytest.raises(LockError, match="make lock"):
        model_mod.from_lock(ModelLock(DEFAULT_REPO, "CC-BY-4.0"))


def test_lock_from_hub_offline_is_clear():
    with pytest.raises(ModelUnavailableError, match="offline"):
        model_mod.lock_from_hub(DEFAULT_REPO)
