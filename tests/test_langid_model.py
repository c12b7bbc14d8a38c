"""The language identifiers' models read from copies in the cache, py3langid's
(pipeline.languages.stored_model) and langidentify's (pipeline.languages.short_model): the
same answers as each library's own loading, a damaged or foreign copy never used, one load
per process."""

from __future__ import annotations

import os
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


# ------------------------------------------------------------ langidentify (short texts)

#: Short texts of each kind the detector meets: Latin, Cyrillic, Han and kana, mixed scripts.
SHORT_TEXTS = ("Was gestern in Berlin geschah", "What happened in London yesterday",
               "Wat er gisteren in Amsterdam gebeurde", "Что случилось в Москве вчера",
               "北京昨天发生了什么", "東京で何が起きたのか", "Apple 新製品 news", "Hallo 你好 world")


@pytest.fixture
def short_languages():
    """German, English, Dutch, Russian, Chinese and Japanese (with the Chinese/Japanese
    classifier), as langidentify names them."""
    from langidentify import Language

    return [Language.GERMAN, Language.ENGLISH, Language.DUTCH, Language.RUSSIAN,
            Language.CHINESE_SIMPLIFIED, Language.JAPANESE]


def short_answers(model) -> list:
    from langidentify import Detector

    detector = Detector(model)
    return [(detector.detect(text), float(detector.results.gap)) for text in SHORT_TEXTS]


def tables(model) -> list:
    """Every table of the model, probabilities as plain floats (the copy keeps tuples)."""
    def plain(table):
        return {gram: entry if not isinstance(entry, tuple) else (entry[0], tuple(entry[1]))
                for gram, entry in table.items()}
    return [plain(model.get_table(n)) for n in range(1, model.max_ngram + 1)] + [
        plain(model.topwords_table)]


def test_the_short_model_copy_is_langidentifys_model(tmp_path, monkeypatch, short_languages):
    from langidentify import Model

    from pipeline.languages import short_model

    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / "cache"))
    built = short_model.load(short_languages)
    reference = Model.load_variant("lite", short_languages, -12, -12)
    assert built is reference  # nothing in the cache: langidentify's own build
    path = short_model.cache_path(short_model._key(short_languages))
    assert path.is_file()
    copy = short_model.load(short_languages)  # as a later process: read from the copy
    assert copy is not reference and copy.cj_classifier is not None
    assert tables(copy) == tables(reference)
    cj, ref_cj = copy.cj_classifier, reference.cj_classifier
    assert (cj._unigram_log_probs, cj._bigram_map._keys, cj._bigram_map.prob_data) == (
        ref_cj._unigram_log_probs, ref_cj._bigram_map._keys, ref_cj._bigram_map.prob_data)
    assert (copy.languages, copy.min_log_prob, copy.tw_min_log_prob, copy.max_ngram) == (
        reference.languages, reference.min_log_prob, reference.tw_min_log_prob,
        reference.max_ngram)
    assert short_answers(copy) == short_answers(reference)
    assert [lang for lang, _ in short_answers(copy)][:6] == short_languages  # one text each
    _another_set_takes_the_classifier_from_its_copy(monkeypatch, short_languages, ref_cj)


def _classifier_data(cj) -> tuple:
    bigrams = cj._bigram_map
    return (cj._unigram_log_probs, bigrams._keys, bigrams._value_indices, bigrams.prob_data,
            bigrams._mask, cj._default_log_prob, cj.tolerated_kana_threshold)


def _another_set_takes_the_classifier_from_its_copy(monkeypatch, languages, ref_cj):
    """The first build wrote the Chinese/Japanese classifier's copy; a later process building
    another candidate set with Chinese and Japanese takes it from there (cjclassifier never
    parses its tables: ~5 s), and a damaged copy is not used but rewritten."""
    from cjclassifier import CJClassifier

    from pipeline.languages import short_model

    path = short_model.cj_path(short_model._cj_key())
    assert path.is_file()
    parsed = []

    def parse(cls, floor):
        parsed.append(floor)
        return ref_cj

    monkeypatch.setattr(CJClassifier, "_load_bundled", classmethod(parse))
    for k, (damage, expect) in enumerate([(None, []), (b"x", [0.0])]):
        if damage:
            path.write_bytes(path.read_bytes()[:-1] + damage)
        CJClassifier.clear_cached_models()  # as in a new process
        other = languages[:-2 - k] + languages[-2:]  # another set, Chinese and Japanese kept
        model = short_model.load(other)
        assert parsed == expect
        assert _classifier_data(model.cj_classifier) == _classifier_data(ref_cj)
    header = path.read_bytes().split(b"\n", 1)[0]
    assert header == short_model._header(short_model._cj_key(),
                                         path.read_bytes().split(b"\n", 1)[1]).rstrip(b"\n")
    CJClassifier.clear_cached_models()


@pytest.mark.parametrize("damage", ["truncated", "from other files", "a byte changed",
                                    "not the copy's shape", "a code object"])
def test_a_damaged_or_foreign_short_model_copy_is_rebuilt(tmp_path, monkeypatch, damage):
    from langidentify import Language, Model

    from pipeline.languages import short_model

    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / "cache"))
    languages = [Language.GERMAN, Language.ENGLISH]
    key = short_model._key(languages)
    path = short_model.cache_path(key)
    short_model._write(path, key, Model.load_variant("lite", languages, -12, -12))
    good = path.read_bytes()
    payload = good.split(b"\n", 1)[1]
    if damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "from other files":  # another langidentify, languages: another key
        path.write_bytes(b"another key\n" + payload)
    elif damage == "a byte changed":  # a probability changed: the checksum tells
        k = len(payload) // 2
        path.write_bytes(good[:len(good) - len(payload) + k] + bytes([payload[k] ^ 1])
                         + payload[k + 1:])
    else:  # well-formed marshal with the right key and checksum, but not a model's data
        import marshal

        code = compile("1", "x", "eval")
        other = marshal.dumps((["GERMAN"], code, -12, 0, [], ({}, []), None)
                              if damage == "a code object"  # where a number belongs
                              else (["GERMAN"], -12, -12, 5, [], ({}, []), None))  # no tables
        path.write_bytes(short_model._header(key, other) + other)
    assert short_model._read(path, key) is None
    model = short_model.load(languages)
    assert path.read_bytes() == good  # rewritten, whole
    assert short_answers(model)[0][0] == Language.GERMAN



def test_the_short_model_copies_are_bounded(tmp_path, monkeypatch):
    """One copy per candidate set, at most KEEP of them: the least recently used goes first."""
    from langidentify import Language

    from pipeline.languages import short_model

    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(short_model, "KEEP", 2)
    sets = [[Language.GERMAN, Language.ENGLISH], [Language.GERMAN, Language.DUTCH],
            [Language.ENGLISH, Language.DUTCH]]
    paths = [short_model.cache_path(short_model._key(langs)) for langs in sets]
    short_model.load(sets[0])
    short_model.load(sets[1])
    os.utime(paths[0], ns=(1, 1))
    os.utime(paths[1], ns=(2, 2))
    short_model.load(sets[0])  # read back from its copy: now the most recently used
    short_model.load(sets[2])
    assert [p.is_file() for p in paths] == [True, False, True]


def test_without_a_key_the_short_model_is_built_and_not_copied(tmp_path, monkeypatch):
    """Where the packages' files cannot be read (no key to name a copy by), the model is
    langidentify's own build and nothing is written."""
    from langidentify import Language, Model

    from pipeline.languages import short_model

    monkeypatch.setenv("PIPELINE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(short_model, "_key", lambda languages: None)
    languages = [Language.GERMAN, Language.ENGLISH]
    assert short_model.load(languages) is Model.load_variant("lite", languages, -12, -12)
    assert not (tmp_path / "cache").exists()
