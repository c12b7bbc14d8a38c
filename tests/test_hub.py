"""The first run against a local stand-in for the Hugging Face hub (tests/hub_server.py), from an
empty cache: pin, fetch, verify, convert, translate, verify; partial pins completed; refusals;
offline use; the --from-dir route.

Every command runs as its own process (``python -m pipeline ...``), as a user runs it on a
fresh clone: huggingface_hub reads HF_ENDPOINT and HF_HUB_OFFLINE once, at import, so a
process is the honest unit. The stand-in serves a tiny random Marian model laid out like
Helsinki-NLP/opus-mt-de-en (the real vocabulary size 58101 and config values, tiny layers; see
pipeline/tiny.py). Written for huggingface_hub 2.4.0 and 2.5.0 (``hub_server.WRITTEN_FOR``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from pipeline.lock import (DEFAULT_LICENSE, DEFAULT_REPO, DIRECTORY, HUB, PUBLIC_RECORD, FilePin,
                           ModelLock, read_lock, render_lock, write_lock)
from tests.conftest import MAKE, REAL_REVISION, REAL_WEIGHTS_SHA256, ROOT
from tests.hub_server import COMMIT, WRITTEN_FOR, Machine, StandInHub

pytestmark = pytest.mark.slow  # every test starts pipeline processes against the stand-in hub

BIN_ONLY = ("config.json", "pytorch_model.bin", "source.spm", "target.spm", "tokenizer_config.json",
            "vocab.json")
WITH_SAFETENSORS = BIN_ONLY + ("generation_config.json", "model.safetensors")


def _installed_hub_version() -> str:
    from importlib.metadata import version

    return version("huggingface_hub")


if _installed_hub_version() not in WRITTEN_FOR:
    warnings.warn(f"tests/hub_server.py answers the requests of huggingface_hub "
                  f"{' and '.join(WRITTEN_FOR)}; "
                  f"{_installed_hub_version()} is installed: re-read its file_download.py and "
                  "hf_api.py model_info if these tests fail")


@pytest.fixture(scope="session")
def standin_repo(tmp_path_factory) -> Path:
    """The files of the stand-in repository (both variants come from this one build)."""
    from pipeline.tiny import OPUS_VOCAB, build_model, repo_text

    return build_model(tmp_path_factory.mktemp("standin") / "repo", repo_text(ROOT), seed=0,
                       vocab_size=OPUS_VOCAB, layout="hub-2020+safetensors")


def _files(repo: Path, names=BIN_ONLY) -> dict[str, bytes]:
    return {n: (repo / n).read_bytes() for n in names}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture()
def hub(standin_repo):
    """opus-mt-de-en as converted in 2020: pytorch_model.bin only, no generation config."""
    server = StandInHub(DEFAULT_REPO, COMMIT, _files(standin_repo)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ct2_cache(tmp_path_factory) -> Path:
    """Converted models shared by every test machine, so the stand-in is converted once."""
    return tmp_path_factory.mktemp("ct2")


@pytest.fixture()
def machine(tmp_path, hub, ct2_cache) -> Machine:
    return Machine(tmp_path / "machine", hub, ct2_cache)


def _unpinned(path: Path) -> None:
    write_lock(ModelLock(DEFAULT_REPO, DEFAULT_LICENSE), path)


def _partial(path: Path, weights_sha256: str, revision: str = COMMIT,
             weights: str = "pytorch_model.bin") -> str:
    """A lock as the public record gives it: a revision and the weights' sha256, unchecked."""
    write_lock(ModelLock(DEFAULT_REPO, DEFAULT_LICENSE, revision,
                         {weights: FilePin(None, weights_sha256, PUBLIC_RECORD, False)},
                         revision_origin=PUBLIC_RECORD, revision_verified=False), path)
    return path.read_text()


def _one_line_error(res: subprocess.CompletedProcess) -> str:
    """The refusal: exit code 2 and exactly one line on stderr, which is returned."""
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    return lines[0]


def _weights_downloads(hub: StandInHub) -> int:
    return sum(1 for r in hub.requests if r.method == "GET" and r.path.startswith("/lfs/"))


def test_first_run_from_an_empty_cache_then_offline(machine, hub, seeds, standin_repo):
    """pin → fetch → verify → convert → translate → verify, then the same model offline
    without a single request."""
    _unpinned(machine.lock)
    res = machine.run("models", "lock", "--lock", machine.lock)
    assert res.returncode == 0, res.stderr
    lock = read_lock(machine.lock)
    served = _files(standin_repo)
    assert lock.pinned and lock.revision == COMMIT
    assert lock.files == {n: FilePin(len(b), _sha(b), HUB, True) for n, b in served.items()}
    for args in (("models", "fetch"), ("models", "verify")):
        res = machine.run(*args, "--lock", machine.lock)
        assert res.returncode == 0 and res.stdout.startswith("ok: "), res.stderr
    assert read_lock(machine.lock) == lock
    out = machine.root / "out"
    res = machine.run("translate", seeds / "article_02.txt", "-o", out, "--lock", machine.lock, "-q")
    assert res.returncode == 0, res.stderr
    record = json.loads((out / "article_02.jsonl").read_text().splitlines()[0])
    assert record["provenance"]["model"] == {"repo": DEFAULT_REPO, "revision": COMMIT,
                               "files": {n: _sha(b) for n, b in served.items()}}
    res = machine.run("verify", out / "article_02.jsonl", "--lock", machine.lock)
    assert res.returncode == 0, res.stderr
    assert _weights_downloads(hub) == 1  # downloaded once, by `models lock`

    hub.requests.clear()
    res = machine.run("translate", seeds / "article_01.txt", "-o", out, "--lock", machine.lock,
                      "-q", offline=True)
    assert res.returncode == 0, res.stderr
    assert (out / "article_01.jsonl").is_file()
    assert hub.requests == []


def test_partial_pin_is_completed_by_fetch(machine, hub, standin_repo):
    served = _files(standin_repo)
    _partial(machine.lock, _sha(served["pytorch_model.bin"]))
    res = machine.run("models", "fetch", "--lock", machine.lock)
    assert res.returncode == 0, res.stderr
    assert "pytorch_model.bin matched models.lock (now verified)" in res.stdout
    lock = read_lock(machine.lock)
    assert lock.pinned and (lock.revision_origin, lock.revision_verified) == (PUBLIC_RECORD, True)
    weights = served["pytorch_model.bin"]
    assert lock.files["pytorch_model.bin"] == FilePin(len(weights), _sha(weights), PUBLIC_RECORD, True)
    assert {n: p.origin for n, p in lock.files.items() if n != "pytorch_model.bin"} == {
        n: HUB for n in BIN_ONLY if n != "pytorch_model.bin"}
    assert "not yet checked" not in machine.lock.read_text()
    hub.requests.clear()
    res = machine.run("models", "fetch", "--lock", machine.lock)  # complete and cached: no network
    assert res.returncode == 0 and hub.requests == [] and read_lock(machine.lock) == lock


def test_translate_completes_a_partial_pin(machine, hub, seeds, standin_repo):
    _partial(machine.lock, _sha(_files(standin_repo)["pytorch_model.bin"]))
    out = machine.root / "out"
    res = machine.run("translate", seeds / "article_02.txt", "-o", out, "--lock", machine.lock, "-q")
    assert res.returncode == 0, res.stderr
    lock = read_lock(machine.lock)
    assert lock.pinned and lock.files["pytorch_model.bin"].origin == PUBLIC_RECORD
    record = json.loads((out / "article_02.jsonl").read_text().splitlines()[0])
    assert record["provenance"]["model"]["files"] == {n: p.sha256 for n, p in lock.files.items()}
    assert machine.run("verify", out / "article_02.jsonl", "--lock", machine.lock).returncode == 0


def test_partial_pin_offline_is_refused_in_one_line(machine, hub, seeds, standin_repo):
    text = _partial(machine.lock, _sha(_files(standin_repo)["pytorch_model.bin"]))
    res = machine.run("translate", seeds, "-o", machine.root / "out", "--lock", machine.lock,
                      offline=True)
    line = _one_line_error(res)
    assert "only in part" in line and "offline mode is on" in line and "--from-dir DIR" in line
    assert hub.requests == [] and machine.lock.read_text() == text
    assert not (machine.root / "out").exists()


@pytest.fixture()
def real_revision_hub(standin_repo):
    """The stand-in serving its own files as the real pinned revision."""
    server = StandInHub(DEFAULT_REPO, REAL_REVISION, _files(standin_repo)).start()
    yield server
    server.stop()


def test_real_pin_refuses_the_standin_weights(tmp_path, real_revision_hub, ct2_cache, standin_repo):
    """The committed lock (the public record's pin) against the stand-in's pytorch_model.bin:
    refused from the listing before downloading; and, from a server whose listing claims the
    real digest, refused after downloading, the download removed from the cache."""
    hub = real_revision_hub
    machine = Machine(tmp_path / "machine", hub, ct2_cache)
    shutil.copy(ROOT / "models.lock", machine.lock)
    text = machine.lock.read_text()
    ours = _sha(_files(standin_repo)["pytorch_model.bin"])
    line = _one_line_error(machine.run("models", "fetch", "--lock", machine.lock))
    assert f"the hub lists sha256 {ours} for pytorch_model.bin" in line
    assert f"models.lock pins {REAL_WEIGHTS_SHA256}" in line and "before downloading" in line
    assert _weights_downloads(hub) == 0 and machine.lock.read_text() == text

    hub.listed_sha256["pytorch_model.bin"] = REAL_WEIGHTS_SHA256  # a listing that lies
    line = _one_line_error(machine.run("models", "fetch", "--lock", machine.lock))
    assert f"pytorch_model.bin has sha256 {ours}, models.lock pins {REAL_WEIGHTS_SHA256} (from " \
           "the public record): refused; the file was removed from the cache" in line
    assert _weights_downloads(hub) == 1 and machine.lock.read_text() == text
    snapshot = machine.hf_cache / "models--Helsinki-NLP--opus-mt-de-en" / "snapshots" / REAL_REVISION
    assert not (snapshot / "pytorch_model.bin").exists()
    assert not list(machine.hf_cache.rglob(ours))  # no blob of the refused bytes either


@pytest.mark.parametrize("name, relist, expected", [
    ("config.json", True, "config.json has sha256 {new}, models.lock pins {old} (from the hub)"),
    ("pytorch_model.bin", True, "the hub lists sha256 {new} for pytorch_model.bin, models.lock "
                                "pins {old}"),
    ("pytorch_model.bin", False, "pytorch_model.bin has sha256 {new}, models.lock pins {old}"),
])
def test_a_file_the_server_changes_afterwards_is_refused(machine, hub, name, relist, expected):
    _unpinned(machine.lock)
    assert machine.run("models", "lock", "--lock", machine.lock).returncode == 0
    text = machine.lock.read_text()
    old = hub.files[name]
    new = old.replace(b"58100", b"58101") if name == "config.json" else old[:-1] + bytes([old[-1] ^ 1])
    assert new != old
    hub.put(name, new, relist=relist)
    machine.fresh_cache()  # another machine, or a cache cleared since
    line = _one_line_error(machine.run("models", "fetch", "--lock", machine.lock))
    assert expected.format(new=_sha(new), old=_sha(old)) in line
    assert machine.lock.read_text() == text


@pytest.fixture()
def hub_with_safetensors(standin_repo):
    server = StandInHub(DEFAULT_REPO, COMMIT, _files(standin_repo, WITH_SAFETENSORS)).start()
    yield server
    server.stop()


def test_repository_with_safetensors(tmp_path, hub_with_safetensors, ct2_cache, standin_repo):
    """A new pin takes model.safetensors and generation_config.json; a pin that names
    pytorch_model.bin (as the public record does) keeps it and never downloads the other."""
    hub = hub_with_safetensors
    machine = Machine(tmp_path / "machine", hub, ct2_cache)
    _unpinned(machine.lock)
    assert machine.run("models", "lock", "--lock", machine.lock).returncode == 0
    assert sorted(read_lock(machine.lock).files) == sorted(set(WITH_SAFETENSORS)
                                                          - {"pytorch_model.bin"})
    assert machine.run("models", "verify", "--lock", machine.lock).returncode == 0

    other = Machine(tmp_path / "other", hub, ct2_cache)
    _partial(other.lock, _sha(_files(standin_repo)["pytorch_model.bin"]))
    hub.requests.clear()
    res = other.run("models", "fetch", "--lock", other.lock)
    assert res.returncode == 0, res.stderr
    assert sorted(read_lock(other.lock).files) == sorted(set(WITH_SAFETENSORS)
                                                        - {"model.safetensors"})
    assert not any("safetensors" in r.path for r in hub.requests)
    assert _weights_downloads(hub) == 1


def test_from_dir_route_without_network(machine, hub, seeds, standin_repo):
    """An air-gapped newsroom: a copy of the repository, checked against the lock and
    installed in the HF cache; translation offline; a copy that does not match is refused."""
    copy = machine.root / "copy"
    copy.mkdir()
    for name, data in _files(standin_repo).items():
        (copy / name).write_bytes(data)
    (copy / "README.md").write_text("a model card\n")  # not a checkpoint file: ignored
    served = _files(standin_repo)

    shutil.copy(ROOT / "models.lock", machine.lock)  # the real pin: these are not its weights
    text = machine.lock.read_text()
    line = _one_line_error(machine.run("models", "fetch", "--from-dir", copy, "--lock",
                                       machine.lock, offline=True))
    assert f"pytorch_model.bin has sha256 {_sha(served['pytorch_model.bin'])}" in line
    assert "nothing was installed" in line and machine.lock.read_text() == text

    _partial(machine.lock, _sha(served["pytorch_model.bin"]))
    res = machine.run("models", "fetch", "--from-dir", copy, "--lock", machine.lock, offline=True)
    assert res.returncode == 0, res.stderr
    lock = read_lock(machine.lock)
    assert lock.pinned and not lock.revision_verified
    assert {n: (p.origin, p.verified) for n, p in lock.files.items()} == {
        n: (PUBLIC_RECORD if n == "pytorch_model.bin" else DIRECTORY, True) for n in BIN_ONLY}
    out = machine.root / "out"
    res = machine.run("translate", seeds / "article_02.txt", "-o", out, "--lock", machine.lock,
                      "-q", offline=True)
    assert res.returncode == 0, res.stderr
    assert machine.run("verify", out / "article_02.jsonl", "--lock", machine.lock,
                       offline=True).returncode == 0
    assert hub.requests == []

    _unpinned(machine.lock)
    line = _one_line_error(machine.run("models", "lock", "--from-dir", copy, "--revision", "main",
                                       "--lock", machine.lock, offline=True))
    assert "full 40-hex commit" in line
    res = machine.run("models", "lock", "--from-dir", copy, "--revision", COMMIT, "--lock",
                      machine.lock, offline=True)
    assert res.returncode == 0, res.stderr
    lock = read_lock(machine.lock)
    assert lock.pinned and (lock.revision, lock.revision_origin) == (COMMIT, DIRECTORY)
    assert "the hub has not served it" in render_lock(lock)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_translate_names_the_three_routes_when_the_hub_is_unreachable(tmp_path):
    lock = tmp_path / "models.lock"
    shutil.copy(ROOT / "models.lock", lock)
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(PIPELINE_LOCK=str(lock), HF_ENDPOINT="http://127.0.0.1:9",  # the discard port
               HF_HUB_CACHE=str(tmp_path / "hf"), HF_HOME=str(tmp_path / "hf-home"),
               HF_HUB_DISABLE_TELEMETRY="1")
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.skip("make install has not run in this checkout")
    res = subprocess.run([*MAKE, "-s", "translate"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode != 0
    said = res.stdout + res.stderr
    assert "make demo" in said and "--model-dir DIR" in said and "models fetch --from-dir DIR" in said
    assert lock.read_text() == (ROOT / "models.lock").read_text()
