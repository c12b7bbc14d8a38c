"""Guards, translation memory and the scheduler (fake engine for counting, tiny model for real)."""

import multiprocessing
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.guards import needs_translation, repeated_ngram, split_long
from pipeline.flags import (FROM_CACHE, OUTPUT_CAP, PASSED_THROUGH, REPEATED_NGRAM,
                            SPLIT_FOR_LENGTH)
from pipeline.schedule import Scheduler
from pipeline.tm import Entry, TranslationMemory
from pipeline.translate.base import TokenizingEngine, Translation


class FakeEngine(TokenizingEngine):
    """Counts what it is asked; one token per word plus </s>; echoes upper case."""

    name = "fake"
    max_source_tokens = 512

    def __init__(self, cap_words=()):
        self.calls: list[list[str]] = []
        self.tokenized = 0
        self.cap_words = cap_words

    def prepare(self):
        self.prepared = True

    def tokenize(self, sentences):
        self.tokenized += len(sentences)
        return [s.split() + ["</s>"] for s in sentences]

    def translate_tokens(self, tokenized):
        sentences = [" ".join(t[:-1]) for t in tokenized]
        self.calls.append(sentences)
        return [Translation(s.upper(), len(s.split()) + 1, len(s.split()),
                            any(w in s for w in self.cap_words), -0.5) for s in sentences]


@pytest.mark.parametrize("text, expected", [
    ("-", False), ("***", False), ("12.000", False), ("1:0", False), (" ", False),
    ("https://www.example.de/artikel?id=3", False), ("info@example.de", False), ("– –", False),
    ("Hallo", True), ("Zug 12 fährt", True), ("Politico", True), ("- Die Ukraine baut", True),
])
def test_needs_translation(text, expected):
    assert needs_translation(text) is expected


@pytest.mark.parametrize("text, loop", [
    ("- No, no, no, no, no.", "no"),
    ("I think I think I think I think so", "i think"),
    ("The president met the minister in Vilnius.", None),
    ("very very very good", None),
])
def test_repeated_ngram(text, loop):
    assert repeated_ngram(text) == loop


def words(xs):
    return [len(x.split()) + 1 for x in xs]


def test_split_long_prefers_clause_boundaries():
    text = "Eins zwei drei; vier fünf, sechs sieben acht neun zehn – elf zwölf: dreizehn vierzehn"
    pieces = [text[a:b] for a, b in split_long(text, words, 6)]
    assert pieces[0] == "Eins zwei drei;"
    assert all(words([p])[0] <= 6 for p in pieces)
    assert " ".join(pieces) == text


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc ;:,–-.\n")), max_size=300), st.integers(2, 12))
def test_split_long_covers_text_and_respects_limit(text, limit):
    spans = split_long(text, words, limit)
    if not text.strip():  # nothing to translate: one empty span
        assert len(spans) == 1 and spans[0][0] == spans[0][1]
        return
    prev = 0
    for a, b in spans:
        assert prev <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()  # no whitespace at either end
        assert text[prev:a].strip() == ""  # nothing but whitespace between pieces
        assert words([text[a:b]])[0] <= limit
        prev = b
    assert text[prev:].strip() == ""


def test_split_long_without_whitespace_falls_back_to_characters():
    text = "x" * 95
    spans = split_long(text, lambda xs: [len(x) // 10 + 1 for x in xs], 3)
    assert "".join(text[a:b] for a, b in spans) == text
    assert all((b - a) // 10 + 1 <= 3 for a, b in spans)


def test_scheduler_dedupes_passes_through_and_caches(tmp_path):
    engine = FakeEngine()
    tm = TranslationMemory(tmp_path / "tm.sqlite3", "key-1")
    sched = Scheduler(lambda: engine, tm)
    out = sched.translate(["Guten Tag.", "-", "Guten Tag.", "Lesen Sie auch"])
    assert engine.calls == [["Guten Tag.", "Lesen Sie auch"]]
    assert out[0] == out[2] and out[0].target == "GUTEN TAG."
    assert out[1].target == "-" and out[1].flags == (PASSED_THROUGH,)
    again = Scheduler(lambda: engine, tm).translate(["Lesen Sie auch", "Neu hier."])
    assert engine.calls[-1] == ["Neu hier."]
    assert FROM_CACHE in again[0].flags and again[0].target == "LESEN SIE AUCH"
    assert FROM_CACHE not in again[1].flags


def test_each_sentence_is_tokenized_once():
    engine = FakeEngine()
    Scheduler(lambda: engine, None).translate([f"Satz Nummer {i}." for i in range(50)])
    assert engine.tokenized == 50


def test_a_non_finite_score_never_reaches_an_outcome():
    from pipeline.errors import ModelIntegrityError

    class Broken(FakeEngine):
        def translate_tokens(self, tokenized):
            return [Translation("x", 2, 1, False, float("nan")) for _ in tokenized]

    with pytest.raises(ModelIntegrityError, match="non-finite score"):
        Scheduler(Broken, None).translate(["Nein."])


def test_scheduler_builds_engine_only_when_needed(tmp_path):
    built = []
    sched = Scheduler(lambda: built.append(1) or FakeEngine(), None)
    sched.translate(["-", "***", "12.000"])
    assert built == []


def test_prepare_starts_the_engine_only_for_sources_that_will_need_it(tmp_path):
    tm = TranslationMemory(tmp_path / "tm.sqlite3", "key-1")
    Scheduler(FakeEngine, tm).translate(["Guten Tag."])
    built = []
    for sources, loads in ((["-", "12.000"], False), (["Guten Tag.", "-"], False),
                           (["Guten Tag.", "Neu hier."], True)):
        sched = Scheduler(lambda: built.append(FakeEngine()) or built[-1], tm)
        sched.prepare(sources)
        assert bool(built) is loads, sources
        if loads:
            assert built[0].prepared  # loading was started, before any translate call
            sched.prepare(["Noch ein Satz."])  # asked once: no second engine
            sched.translate(["Neu hier."])
            assert len(built) == 1


def test_the_model_loads_while_the_languages_are_checked(tiny_model, monkeypatch):
    """Translator.translate_documents starts the engine before the other-language check."""
    from pipeline import Translator
    from pipeline.document import Document
    from pipeline.languages import within

    order = []
    translator = Translator(model_dir=tiny_model, cache=False)
    engine = translator.scheduler.engine
    real_prepare, real_check = engine.prepare, within.other_languages
    monkeypatch.setattr(engine, "prepare", lambda: order.append("prepare") or real_prepare())
    monkeypatch.setattr(within, "other_languages",
                        lambda *a: order.append("check") or real_check(*a))
    doc = Document.from_text("Die Regierung hat am Dienstag neue Regeln beschlossen.")
    translator.translate_documents([(doc, translator.split(doc.text))])
    assert order[:2] == ["prepare", "check"]


def test_memory_is_keyed_by_translation_key(tmp_path):
    a = TranslationMemory(tmp_path / "tm.sqlite3", "model-A|beam4")
    a.put_many({"Hallo.": Entry("Hello.", -0.1, 3, 2, ())})
    assert a.get_many(["Hallo."])["Hallo."].target == "Hello."
    b = TranslationMemory(tmp_path / "tm.sqlite3", "model-A|beam1")
    assert b.get_many(["Hallo."]) == {}
    assert a.get_many(["Hallo"]) == {}  # exact source text only
    mode = sqlite3.connect(tmp_path / "tm.sqlite3").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_long_sentence_split_flagged_and_cap_flag(tmp_path):
    engine = FakeEngine(cap_words=("Kappe",))
    sched = Scheduler(lambda: engine, None, max_source_tokens=6)
    text = "Eins zwei drei vier, fünf sechs sieben acht; neun zehn elf zwölf Kappe"
    (out,) = sched.translate([text])
    assert SPLIT_FOR_LENGTH in out.flags and OUTPUT_CAP in out.flags
    assert len(out.pieces) >= 3
    assert " ".join(text[a:b] for a, b in out.pieces) == text
    assert out.target == " ".join(text[a:b].upper() for a, b in out.pieces)
    assert all(len(p.split()) + 1 <= 6 for p in engine.calls[0])


def test_repeated_ngram_is_flagged_not_rewritten():
    class Loop(FakeEngine):
        def translate_tokens(self, tokenized):
            return [Translation("- No, no, no, no, no.", 2, 6, False, -1.0) for _ in tokenized]

    (out,) = Scheduler(Loop, None).translate(["Nein."])
    assert REPEATED_NGRAM in out.flags and out.target == "- No, no, no, no, no."


def _writer(path, key, start):
    tm = TranslationMemory(path, key)
    for i in range(start, start + 200):
        tm.put_many({f"Satz {i}.": Entry(f"Sentence {i}.", None, 3, 3, ())})
    tm.close()


@pytest.mark.slow
def test_two_processes_share_memory(tmp_path):
    path = tmp_path / "tm.sqlite3"
    TranslationMemory(path, "k").close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, "k", s)) for s in (0, 100)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    tm = TranslationMemory(path, "k")
    assert len(tm) == 300
    assert tm.get_many(["Satz 150."])["Satz 150."].target == "Sentence 150."


def test_progress_line_counts_documents_and_sentences():
    import io

    from pipeline.progress import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    p = Progress(stream=stream, total_documents=3)
    sched = Scheduler(FakeEngine, None, on_progress=p.advance)
    sched.translate([f"Satz Nummer {i}." for i in range(300)])
    p.document_done()
    p.write("translated a.txt")
    p.close()
    text = stream.getvalue()
    assert "0/3 documents, 256 sentences translated" in text
    assert "1/3 documents, 300 sentences translated" in text
    assert "translated a.txt\n" in text
    quiet = io.StringIO()  # not a terminal: no progress line, messages only
    q = Progress(stream=quiet, total_documents=1)
    q.advance(5)
    q.write("translated b.txt")
    assert quiet.getvalue() == "translated b.txt\n"


def test_default_split_limit_keeps_the_output_cap_inside_the_model_positions():
    from pipeline.schedule import safe_source_tokens
    from pipeline.translate.base import output_cap

    n = safe_source_tokens(512)
    assert n == 333 and output_cap(n) + 2 <= 512 and output_cap(n + 1) + 2 > 511
    engine = FakeEngine()
    (out,) = Scheduler(lambda: engine, None, max_source_tokens=5000).translate(["Wort " * 400])
    assert "split_for_length" in out.flags
    assert max(len(p.split()) + 1 for p in engine.calls[0]) <= 333


def _opener(directory, barrier, n):
    for i in range(n):
        barrier.wait(60)  # all processes open the same new file at the same moment
        TranslationMemory(directory / f"{i}.sqlite3", "k").close()


@pytest.mark.slow
def test_many_processes_opening_a_new_memory_at_once(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_opener, args=(tmp_path, barrier, 25)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
