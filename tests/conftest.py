"""Shared fixtures: a tiny random MarianMT model built from the repo's own German text and
loaded through exactly the code the real model uses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "raw"
SHARED_EVAL = ROOT.parent / "shared" / "eval"


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A save_pretrained MarianMT directory: sentencepiece trained on data/raw, random weights."""
    from pipeline.tiny import build_model, repo_text

    return build_model(tmp_path_factory.mktemp("tiny") / "model", repo_text(ROOT), seed=0)


@pytest.fixture()
def model_copy(tiny_model, tmp_path) -> Path:
    """A private copy of the tiny model that a test may tamper with."""
    dst = tmp_path / "model"
    shutil.copytree(tiny_model, dst)
    return dst


@pytest.fixture()
def seeds(tmp_path) -> Path:
    """The two seed articles copied into a scratch directory."""
    d = tmp_path / "raw"
    d.mkdir()
    for p in SEEDS.glob("*.txt"):
        shutil.copy(p, d / p.name)
    return d


@pytest.fixture(scope="session")
def shared_conversions(tmp_path_factory) -> Path:
    """One CTranslate2 conversion cache for the whole session: a model is converted once
    (the cache is keyed by the model's digests, so tests that change a model still convert)."""
    return tmp_path_factory.mktemp("ct2-shared")


@pytest.fixture(autouse=True)
def _isolated_caches(tmp_path, monkeypatch, shared_conversions):
    """Never touch the user's caches or the network from tests. Each test has its own
    pipeline cache (translation memory, digests), sharing only the converted models."""
    cache = tmp_path / "pipeline-cache"
    cache.mkdir()
    (cache / "ct2").symlink_to(shared_conversions, target_is_directory=True)
    monkeypatch.setenv("PIPELINE_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


LANG_TEXT = ROOT / "tests" / "data" / "lang"


def lang_lines(lang: str) -> list[str]:
    """Sample lines of ``lang``: tests/data/lang/<lang>.txt (German: the seed articles)."""
    if lang == "de":
        from pipeline.tiny import repo_text

        return repo_text(ROOT)
    return (LANG_TEXT / f"{lang}.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def pair_model(tmp_path_factory):
    """``pair_model("fr-en")``: a tiny random MarianMT model of that pair (sentencepiece
    trained on each side's sample text), built once per session."""
    from pipeline.tiny import build_model

    built: dict[str, Path] = {}
    root = tmp_path_factory.mktemp("pairs")

    def get(pair: str) -> Path:
        if pair not in built:
            src, tgt = pair.split("-")
            built[pair] = build_model(root / pair, lang_lines(src), lang_lines(tgt), seed=1)
        return built[pair]

    return get
