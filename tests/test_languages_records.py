"""Languages in records and outputs (issue 20, parts 3 and 4): record schema 3 names
``src_lang`` and ``tgt_lang`` (schema 2 still read as German to English, byte for byte);
a sentence confidently in another language gets its own language and ``other_language``,
and is kept as it is when that is the target language; Moses, TMX and the viewer name the
records' languages."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pipeline
from pipeline import formats, skip
from pipeline.alignment_records import AlignmentRecord
from pipeline.errors import RecordError, VerificationError
from pipeline.formats import html, jsonl, moses, tmx
from pipeline.languages.within import MIN_CHARS, other_language
from pipeline.records import RECORD_SCHEMA, SCHEMA_2, Record, pair_of, record_from_json
from pipeline.verify.formats import verify_side_outputs

SHA = "a" * 64


def _record(n=0, source="Das ist ein Satz.", target="This is a sentence.", **kw) -> Record:
    return Record(doc_path="a.txt", doc_sha256=SHA, index=n, paragraph=0, line=0,
                  kind="sentence", start=20 * n, end=20 * n + len(source), source=source,
                  target=target, fingerprint="b" * 64, **kw)


# --- the record layout ------------------------------------------------------------------------

def test_schema_3_names_both_languages_and_round_trips():
    r = _record(src_lang="fr", tgt_lang="en")
    line = r.to_json()
    data = json.loads(line)
    assert data["schema"] == RECORD_SCHEMA == "pipeline.record/3"
    assert (data["src_lang"], data["tgt_lang"]) == ("fr", "en")
    assert Record.from_json(line) == r and Record.from_json(line).to_json() == line


def test_a_schema_2_line_is_read_as_german_to_english_and_written_back_unchanged():
    line3 = _record().to_json()
    line2 = line3.replace('"src_lang":"de","tgt_lang":"en",', "").replace(
        RECORD_SCHEMA, SCHEMA_2)
    assert line2 != line3 and "src_lang" not in line2
    old = Record.from_json(line2)
    assert (old.src_lang, old.tgt_lang, old.schema) == ("de", "en", SCHEMA_2)
    assert old.to_json() == line2  # a schema 2 file verifies against itself, byte for byte
    assert record_from_json(line2) == old


@pytest.mark.parametrize("change, message", [
    (lambda d: d.pop("src_lang"), "lacks src_lang"),
    (lambda d: d.update(tgt_lang="EN"), "tgt_lang must be a lower-case ISO 639"),
    (lambda d: d.update(src_lang=7), "src_lang must be"),
    (lambda d: d.update(schema=SCHEMA_2), "unknown key 'src_lang'"),  # 2 has no languages
])
def test_record_languages_are_validated(change, message):
    data = _record().to_dict()
    change(data)
    with pytest.raises(RecordError, match=message):
        Record.from_dict(data)


def _link(**kw) -> AlignmentRecord:
    return AlignmentRecord(de_path="a.ru.txt", de_sha256=SHA, en_path="a.en.txt", en_sha256=SHA,
                           index=0, de=(0,), en=(0,), de_spans=((0, 5),), en_spans=((0, 5),),
                           paragraph=0, line=0, source="Привет", target="Hello",
                           similarity=0.5, **kw)


def test_alignment_records_name_their_languages_and_old_ones_read_as_german_english():
    r = _link(src_lang="ru", tgt_lang="en")
    line = r.to_json()
    assert json.loads(line)["schema"] == "pipeline.alignment/2"
    assert record_from_json(line) == r and record_from_json(line).to_json() == line
    old = json.loads(line)
    del old["src_lang"], old["tgt_lang"]
    old["schema"] = "pipeline.alignment/1"
    back = record_from_json(json.dumps(old, ensure_ascii=False, separators=(",", ":")))
    assert (back.src_lang, back.tgt_lang) == ("de", "en")
    assert back.to_json() == json.dumps(old, ensure_ascii=False, separators=(",", ":"))


def test_the_pair_of_a_document_is_that_of_its_first_sentence_in_its_own_language():
    records = [_record(0, src_lang="en", flags=("other_language",)), _record(1, src_lang="fr")]
    assert pair_of(records) == ("fr", "en")
    assert pair_of([]) == ("de", "en")


# --- sentences in another language ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Der Bundestag hat am Donnerstag ein neues Gesetz zum Klimaschutz beschlossen.",
    "So macht online shopping Spaß, sagte der Manager des Start-ups aus Berlin.",
    "Fußball: Sturridge rettet Liverpool: Klopp-Team 1:1 beim FC Chelsea in London",
    "Tore: 1:0 Zymner (24.), 2:0 Fröhning (39.), 2:1 McGill (45.), 2:2 McGill (59.)",
    "Die Band spielte „Highway to Hell“ und „Back in Black“ vor ausverkauftem Haus.",
    "Eintracht Frankfurt gewinnt 4:1 gegen Hannover 96",  # Dutch-looking to a model
])
def test_german_sentences_stay_german(text):
    assert other_language(text, "de", ("en",)) is None


@pytest.mark.parametrize("text, lang", [
    ("“We will not give up on the people of this country,” the president told reporters.", "en"),
    ("Мы не собираемся отступать, заявил министр иностранных дел на пресс-конференции.", "ru"),
    ("Nous ne reculerons pas devant les difficultés, a déclaré le ministre vendredi soir.", "fr"),
])
def test_a_sentence_clearly_in_another_language_is_found(text, lang):
    assert other_language(text, "de", ("en",)) == lang


def test_short_sentences_are_not_judged():
    text = "Thank you very much, sir."
    assert len(text) < MIN_CHARS and other_language(text, "de", ("en",)) is None
    assert other_language("x" * 10 + " " * 50, "de") is None


def test_a_document_language_the_identifier_does_not_know_is_left_alone():
    assert other_language("This sentence is long enough to be judged, and it is English.",
                          "xx", ("en",)) is None


ARTICLE = ("Der Präsident sprach am Montag vor dem Parlament über die Lage im Land.\n\n"
           "“We will not give up on the people of this country,” the president told reporters.\n\n"
           "Nous ne reculerons pas devant les difficultés, a déclaré le ministre vendredi soir.\n\n"
           "Danach reiste er weiter nach Brüssel, wo er die Kommissionspräsidentin traf.\n")


def test_a_run_flags_other_languages_and_keeps_target_language_sentences(tiny_model):
    with pipeline.Translator(model_dir=tiny_model, beam=1, cache=False) as t:
        records = t.translate_text(ARTICLE)
        stats = t.scheduler.stats
    german, english, french, german2 = records
    for r in (german, german2):  # (the tiny random model's output may hit its cap)
        assert (r.src_lang, r.tgt_lang) == ("de", "en")
        assert not {"other_language", "passed_through"} & set(r.flags)
    assert (english.src_lang, english.tgt_lang) == ("en", "en")
    assert english.flags == ("other_language", "passed_through")
    assert english.target == english.source and english.score is None
    # a third language is marked but still translated (by the run's model)
    assert french.src_lang == "fr" and french.flags[0] == "other_language"
    assert "passed_through" not in french.flags and french.score is not None
    assert stats.passed_through == 1
    assert pair_of(records) == ("de", "en")


def test_a_pivot_run_copies_what_is_already_in_a_hops_target_language(tiny_model, pair_model):
    """de -> fr through en: an English sentence is copied by the first hop and translated by
    the second; a French one is copied by both; each keeps its language."""
    dirs = {"de-en": tiny_model, "en-fr": pair_model("en-fr")}
    with pipeline.Translator(src_lang="de", tgt_lang="fr", pivot="en", model_dirs=dirs, beam=1,
                             cache=False) as t:
        german, english, french, _ = t.translate_text(ARTICLE)
    assert german.src_lang == "de" and "other_language" not in german.flags
    assert english.src_lang == "en" and english.flags[0] == "other_language"
    assert english.intermediate == english.source != english.target
    assert english.score is not None  # the second hop's
    assert french.src_lang == "fr" and french.flags[0] == "other_language"
    assert french.target == french.intermediate == french.source
    assert "passed_through" in french.flags and french.score is None


def test_a_run_of_another_pair_names_it_and_writes_moses_files_by_it(tiny_model, tmp_path):
    """A run whose source language is Dutch (the tiny model reads anything): records say
    nl -> en, Moses files are .nl / .en, the TMX and viewer name the pair, and verify checks
    those files."""
    src = tmp_path / "a.txt"
    src.write_text("De minister sprak maandag in het parlement over de situatie.\n",
                   encoding="utf-8")
    out = tmp_path / "out"
    summary = pipeline.translate_files([src], out, model_dir=tiny_model, beam=1, cache=False,
                                       src_lang="nl")
    assert summary.ok
    records = jsonl.read(out / "a.jsonl")
    assert {(r.src_lang, r.tgt_lang) for r in records} == {("nl", "en")}
    assert (out / "a.nl").is_file() and (out / "a.en").is_file() and not (out / "a.de").exists()
    text = (out / "a.tmx").read_text(encoding="utf-8")
    assert 'srclang="nl"' in text and '<tuv xml:lang="nl">' in text
    assert '<tuv xml:lang="en">' in text and 'xml:lang="de"' not in text
    page = (out / "a.html").read_text(encoding="utf-8")
    assert '<div class="cell de" lang="nl" data-label="Nederlands">' in page
    assert "Dutch → English" in page
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"a.nl", "a.en"} <= set(manifest["documents"][0]["outputs"])
    pipeline.verify([out / "a.jsonl"])
    # a rerun sees the document's files, .nl included, as they were: it reads no record
    def no_reading(path):
        raise AssertionError(f"{path} was read: its Moses files were not found as written")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(skip.jsonl, "read", no_reading)
        again = pipeline.translate_files([src], out, model_dir=tiny_model, beam=1,
                                         cache=False, src_lang="nl")
    assert again.ok and not again.translated
    (out / "a.en").write_text("tampered\n", encoding="utf-8")
    with pytest.raises(VerificationError, match="a.en"):
        pipeline.verify([out / "a.jsonl"])
    # a rerun finds the document up to date and restores its damaged Moses file
    again = pipeline.translate_files([src], out, model_dir=tiny_model, beam=1, cache=False,
                                     src_lang="nl")
    assert again.ok and not again.translated
    pipeline.verify([out / "a.jsonl"])


# --- the formats ------------------------------------------------------------------------------

def _mixed(src="fr", tgt="en"):
    return [_record(0, "Le ministre a parlé.", "The minister spoke.", src_lang=src,
                    tgt_lang=tgt),
            _record(1, "He said no.", "He said no.", src_lang=tgt, tgt_lang=tgt,
                    flags=("other_language", "passed_through"))]


def test_moses_files_end_in_the_records_languages():
    assert set(formats.render("moses", _mixed(), "a")) == {"a.fr", "a.en"}
    assert formats.filenames("a", ("ar", "de"))["moses"] == ["a.ar", "a.de"]
    assert formats.filenames("a")["moses"] == ["a.de", "a.en"]  # default: German-English
    assert formats.is_output_name("a.fr") and formats.is_output_name("a.tmx")
    assert not formats.is_output_name("a.txt") and not formats.is_output_name("a.gz")


def test_tmx_names_the_pair_and_each_sentences_language():
    text = tmx.render(_mixed(), "a")
    assert '<header creationtool' in text and 'srclang="fr"' in text.split("<body>")[0]
    first, second = text.split('<tu tuid=')[1:]
    assert 'srclang="fr"' in first and '<tuv xml:lang="fr">' in first
    assert 'srclang="en"' in second and second.count('<tuv xml:lang="en">') == 2
    assert tmx.parse(text) == _mixed()
    bad = text.replace('<tuv xml:lang="fr">', '<tuv xml:lang="it">')
    with pytest.raises(VerificationError, match="languages"):
        tmx.parse(bad)


def test_the_viewer_sets_lang_and_direction():
    records = [replace(r, src_lang="ar" if r.index == 0 else r.src_lang) for r in _mixed()]
    page = html.render(records, "a")
    assert '<div class="cell de" lang="ar" dir="rtl" data-label="العربية">' in page
    assert '<div class="cell en" lang="en" data-label="English">' in page
    # the English sentence inside the Arabic column: its own language and direction
    assert 'id="de-1" tabindex="0" role="button" lang="en" dir="ltr">' in page
    assert "Arabic → English" in page
    assert html.parse(page)[1] == records


def test_verify_checks_the_moses_files_of_the_records_languages(tmp_path):
    records = _mixed()
    for name, text in formats.render("moses", records, "a").items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(jsonl.render(records), encoding="utf-8")
    checked = verify_side_outputs(tmp_path / "a.jsonl", records)
    assert {p.name for p in checked} == {"a.fr", "a.en"}
    (tmp_path / "a.en").unlink()
    with pytest.raises(VerificationError, match="a.en: missing"):
        verify_side_outputs(tmp_path / "a.jsonl", records)


def test_german_english_outputs_are_those_of_schema_2_but_for_the_languages():
    """A de->en document renders the same TSV and Moses bytes whether its records are of
    schema 2 or 3, and its JSONL differs only by the schema and the two language keys."""
    new = [_record(0), _record(1, "Noch ein Satz hier.", "Another one.")]
    old = [replace(r, schema=SCHEMA_2) for r in new]
    for name in ("tsv", "moses"):
        assert formats.render(name, new, "a") == formats.render(name, old, "a")
    (new_jsonl,) = formats.render("jsonl", new, "a").values()
    (old_jsonl,) = formats.render("jsonl", old, "a").values()
    assert new_jsonl.replace('"src_lang":"de","tgt_lang":"en",', "").replace(
        RECORD_SCHEMA, SCHEMA_2) == old_jsonl
    assert moses.parse_side(formats.render("moses", old, "a")["a.de"]) == [r.source for r in old]


@settings(max_examples=40, deadline=None)
@given(pair=st.sampled_from([("de", "en"), ("ar", "en"), ("zh", "en"), ("de", "fr"),
                             ("he", "ar"), ("ru", "uk")]),
       others=st.lists(st.sampled_from([None, "en", "fr", "fa"]), min_size=1, max_size=5),
       texts=st.lists(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                              min_size=1, max_size=12), min_size=5, max_size=5))
def test_every_format_gives_back_the_languages_it_was_given(pair, others, texts):
    records = [_record(n, source=texts[n], target=texts[-1 - n], src_lang=lang or pair[0],
                       tgt_lang=pair[1], flags=("other_language",) if lang else ())
               for n, lang in enumerate(others)]
    assert [Record.from_json(line) for line in jsonl.render(records).splitlines()] == records
    assert tmx.parse(tmx.render(records, "a")) == records
    assert html.parse(html.render(records, "a"))[1] == records
    src = pair[0] if any(lang is None for lang in others) else (others[0] or pair[0])
    assert set(formats.render("moses", records, "a")) == {f"a.{src}", f"a.{pair[1]}"}


def test_verify_holds_a_document_to_one_pair_but_for_flagged_sentences(tiny_model, tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("Der Minister sprach am Montag.\n\nDanach reiste er nach Brüssel.\n",
                   encoding="utf-8")
    out = tmp_path / "out"
    assert pipeline.translate_files([src], out, model_dir=tiny_model, beam=1, cache=False,
                                    formats=["jsonl"]).ok
    (out / "manifest.json").unlink()  # the records alone
    lines = (out / "a.jsonl").read_text(encoding="utf-8").splitlines()
    pipeline.verify([out / "a.jsonl"])
    lines[1] = lines[1].replace('"src_lang":"de"', '"src_lang":"fr"')
    (out / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(VerificationError, match=r"a.jsonl:2: languages fr->en, but the "
                                                r"document's are de->en"):
        pipeline.verify([out / "a.jsonl"])
    lines[1] = lines[1].replace('"flags":[', '"flags":["other_language",', 1).replace(
        '["other_language",]', '["other_language"]')
    (out / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pipeline.verify([out / "a.jsonl"])  # a sentence in another language may say so
    lines[1] = lines[1].replace('"tgt_lang":"en"', '"tgt_lang":"fr"')
    (out / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(VerificationError, match="a.jsonl:2: languages fr->fr"):
        pipeline.verify([out / "a.jsonl"])
