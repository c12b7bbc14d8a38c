"""py3langid's model read from an uncompressed copy in the cache (pipeline.languages.stored_model):
the same answers as py3langid's own loading, a damaged or foreign copy never used, one load
per process."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import lang_lines

from pipeline.languages import stored_model

#: Beside the sample lines of tests/data/lang: scripts that have none there.
OTHER_SCRIPTS = ("北京时间周二，中国政府宣布了新的经济刺激计划。",
                 "قالت الحكومة إن المفاوضات ستستمر الأسبوع المقبل في القاهرة.",
                 "Hükümet, müzakerelerin gelecek hafta Ankara'da devam edeceğini söyledi.")


@pytest.fixture(scope="module")
def packaged() -> tuple[Path, dict]:
    """py3langid's model file and its arrays, decompressed once for this module."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    path = Path(MODEL_DIR) / MODEL_FILE
    return path, stored_model.load_packaged(path)


@pytest.fixture
def private_cache(tmp_path, monkeypatch, packaged):
    """A cache of this test's own (not the run's shared copy, which these tests damage), a
    process that has not loaded the model yet, and the decompressions it asks for (answered
    from the module's arrays)."""
    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(stored_model, "_loaded", None)
    asked = []
    monkeypatch.setattr(stored_model, "load_packaged",
                        lambda path: asked.append(path) or packaged[1])
    return stored_model.cache_path(), asked


def answers(model) -> list:
    texts = [line for lang in ("de", "en", "es", "fr", "ru") for line in lang_lines(lang)[:8]]
    return [[(lang, float(p)) for lang, p in model.rank(text)]
            for text in (*texts, *OTHER_SCRIPTS)]


def test_the_copy_answers_as_py3langid_does(private_cache, monkeypatch):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    copy, asked = private_cache
    reference = answers(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
    first = stored_model.load()
    assert len(asked) == 1 and copy.is_file()  # the first load decompressed and kept a copy
    assert answers(first) == reference
    assert stored_model.load() is first  # once per process
    monkeypatch.setattr(stored_model, "_loaded", None)  # a new process
    assert answers(stored_model.load()) == reference
    assert len(asked) == 1  # read from the copy, not decompressed again


@pytest.mark.parametrize("damage", ["truncated", "from another file"])
def test_a_damaged_or_foreign_copy_is_not_used_and_is_rewritten(private_cache, packaged,
                                                                monkeypatch, damage):
    copy, asked = private_cache
    key = stored_model._key(packaged[0])
    stored_model._write(copy, key, packaged[1])
    good = copy.read_bytes()
    if damage == "truncated":
        copy.write_bytes(good[: len(good) // 2])
    else:  # made from another py3langid's model file
        stored_model._write(copy, key + "-other", packaged[1])
    model = stored_model.load()
    assert asked, "the damaged copy was used"
    assert copy.read_bytes() == good  # rewritten, whole
    assert model.classify("Das ist ein ganz gewöhnlicher deutscher Satz.")[0] == "de"


def test_a_cache_that_cannot_be_written_still_loads(private_cache, tmp_path, monkeypatch):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("PIPELINE_CACHE", str(blocked))
    assert stored_model.load().classify("This is an ordinary English sentence.")[0] == "en"


def test_threads_wait_for_one_load(monkeypatch):
    built = []

    def slow_build():
        built.append(object())
        threading.Event().wait(0.2)  # the other threads arrive while this one loads
        return built[-1]

    monkeypatch.setattr(stored_model, "_loaded", None)
    monkeypatch.setattr(stored_model, "_build", slow_build)
    got = []
    threads = [threading.Thread(target=lambda: got.append(stored_model.load())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and got == built * 4
