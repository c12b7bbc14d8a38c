"""Tests of the German sentence splitter: golden cases written for this project, property tests of
the invariants, and (when ``../shared/eval`` is present) the F1 bars of issue 3."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.segment import split
from pipeline.segment import splitter
from tests.conftest import check_invariants

REPO = Path(__file__).resolve().parent.parent


def texts(text: str) -> list[str]:
    return [s.text(text) for s in split(text)]


# --------------------------------------------------------------------------- golden cases
# Each case: the text and the sentences it must give, in order. Written for this project.

GOLDEN = [
    # plain sentences, ! ? and ellipsis
    ("Der Zug fährt ab. Die Fahrgäste winken.", ["Der Zug fährt ab.", "Die Fahrgäste winken."]),
    ("Kommt sie morgen? Niemand weiß es!", ["Kommt sie morgen?", "Niemand weiß es!"]),
    ("Wir warten noch… Dann geht es los.", ["Wir warten noch…", "Dann geht es los."]),
    ("Er zögerte ... und ging dann.", ["Er zögerte ... und ging dann."]),
    ("Das war's. 2019 begann alles neu.", ["Das war's.", "2019 begann alles neu."]),
    # datelines and bylines
    ("Berlin (dpa) – Die Regierung hat am Mittwoch beraten. Eine Einigung gab es nicht.",
     ["Berlin (dpa) – Die Regierung hat am Mittwoch beraten.", "Eine Einigung gab es nicht."]),
    ("Der Streit ist beigelegt. (dpa) Die Gewerkschaft stimmte zu.",
     ["Der Streit ist beigelegt.", "(dpa) Die Gewerkschaft stimmte zu."]),
    # ordinals and dates
    ("Die Wahl findet am 13. Februar statt.", ["Die Wahl findet am 13. Februar statt."]),
    ("Das Gesetz gilt ab dem 1.1.2026 für alle Betriebe.", ["Das Gesetz gilt ab dem 1.1.2026 für alle Betriebe."]),
    ("Die Kirche stammt aus dem 19. Jh. und wurde 1990 renoviert.",
     ["Die Kirche stammt aus dem 19. Jh. und wurde 1990 renoviert."]),
    ("Sie wohnt in der Str. des 17. Juni in Berlin.", ["Sie wohnt in der Str. des 17. Juni in Berlin."]),
    ("Der 1. FC Köln gewann das Heimspiel.", ["Der 1. FC Köln gewann das Heimspiel."]),
    ("Der Verein spielt in der 3. Liga. Der Aufstieg ist das Ziel.",
     ["Der Verein spielt in der 3. Liga.", "Der Aufstieg ist das Ziel."]),
    ("Zum 50. Geburtstag kamen viele Gäste.", ["Zum 50. Geburtstag kamen viele Gäste."]),
    ("Die Frist endet am 30.6. für alle Antragsteller.", ["Die Frist endet am 30.6. für alle Antragsteller."]),
    ("Die Ausstellung läuft vom 3. bis 5. Mai im Rathaus.", ["Die Ausstellung läuft vom 3. bis 5. Mai im Rathaus."]),
    ("Die Firma wurde 1998 gegründet. Sie hat heute 40 Mitarbeiter.",
     ["Die Firma wurde 1998 gegründet.", "Sie hat heute 40 Mitarbeiter."]),
    ("Der Kandidat ist 45. Er tritt zum ersten Mal an.", ["Der Kandidat ist 45.", "Er tritt zum ersten Mal an."]),
    ("Die Gäste gewannen mit 3:1. Der Trainer war zufrieden.",
     ["Die Gäste gewannen mit 3:1.", "Der Trainer war zufrieden."]),
    ("Es geschah zwischen dem 1.–3. Jahrhundert.", ["Es geschah zwischen dem 1.–3. Jahrhundert."]),
    # abbreviations
    ("Es gibt Alternativen, z. B. Busse und Bahnen.", ["Es gibt Alternativen, z. B. Busse und Bahnen."]),
    ("Es gibt Alternativen, z.B. Busse und Bahnen.", ["Es gibt Alternativen, z.B. Busse und Bahnen."]),
    ("Die Partei ist u. a. in Bayern stark.", ["Die Partei ist u. a. in Bayern stark."]),
    ("Er ist d. h. nicht zuständig.", ["Er ist d. h. nicht zuständig."]),
    ("Dr. Weber und Prof. Schmitt sprachen zuerst.", ["Dr. Weber und Prof. Schmitt sprachen zuerst."]),
    ("Geregelt ist das in Art. 5 Abs. 3 GG. Das Gericht prüft es.",
     ["Geregelt ist das in Art. 5 Abs. 3 GG.", "Das Gericht prüft es."]),
    ("Das Haus hat die Nr. 12 und kostet ca. 2 Mio. Euro.", ["Das Haus hat die Nr. 12 und kostet ca. 2 Mio. Euro."]),
    ("Der Etat steigt auf 4,5 Mrd. Euro bzw. mehr.", ["Der Etat steigt auf 4,5 Mrd. Euro bzw. mehr."]),
    ("Es gab Obst, Brot, Käse usw. Danach wurde getanzt.",
     ["Es gab Obst, Brot, Käse usw.", "Danach wurde getanzt."]),
    ("Die Stadt wurde um 50 v. Chr. gegründet.", ["Die Stadt wurde um 50 v. Chr. gegründet."]),
    ("Die Siedlung entstand um 800 v. Chr. Die Römer kamen später.",
     ["Die Siedlung entstand um 800 v. Chr.", "Die Römer kamen später."]),
    ("Der Bau kostet 3 Mio. Die Stadt zahlt die Hälfte.", ["Der Bau kostet 3 Mio.", "Die Stadt zahlt die Hälfte."]),
    ("Das war eine ganz neue Art. Die Zuschauer staunten.",
     ["Das war eine ganz neue Art.", "Die Zuschauer staunten."]),
    ("Ca. 300 Menschen kamen zur Kundgebung.", ["Ca. 300 Menschen kamen zur Kundgebung."]),
    ("Die Fa. Müller & Co. KG liefert die Teile.", ["Die Fa. Müller & Co. KG liefert die Teile."]),
    # Roman numerals and initials
    ("Ludwig XIV. ließ das Schloss bauen.", ["Ludwig XIV. ließ das Schloss bauen."]),
    ("Unter Heinrich VIII. Tudor wuchs die Flotte.", ["Unter Heinrich VIII. Tudor wuchs die Flotte."]),
    ("Es regierte Karl V. Er starb 1558.", ["Es regierte Karl V.", "Er starb 1558."]),
    ("Der Roman von J. R. R. Tolkien erschien 1954.", ["Der Roman von J. R. R. Tolkien erschien 1954."]),
    # numbers, times, URLs, e-mails
    ("Die Wahlbeteiligung lag bei 86,82 Prozent.", ["Die Wahlbeteiligung lag bei 86,82 Prozent."]),
    ("Rund 12.000 Menschen kamen. Die Polizei war vor Ort.",
     ["Rund 12.000 Menschen kamen.", "Die Polizei war vor Ort."]),
    ("Der Zug kommt um 14.30 Uhr an.", ["Der Zug kommt um 14.30 Uhr an."]),
    ("Mehr unter www.beispiel.de. Dort gibt es Details.", ["Mehr unter www.beispiel.de.", "Dort gibt es Details."]),
    ("Fragen an presse@beispiel.de beantworten wir gern.", ["Fragen an presse@beispiel.de beantworten wir gern."]),
    ("Siehe https://www.beispiel.de/a.html für Details.", ["Siehe https://www.beispiel.de/a.html für Details."]),
    # quotation marks
    ("„Kommst du mit?“, fragte sie.", ["„Kommst du mit?“, fragte sie."]),
    ("„Kommst du mit?“ fragte sie leise.", ["„Kommst du mit?“ fragte sie leise."]),
    ("Sie sagte: „Wir gewinnen.“ Dann ging sie.", ["Sie sagte: „Wir gewinnen.“", "Dann ging sie."]),
    ("Er rief: »Halt!« Niemand blieb stehen.", ["Er rief: »Halt!«", "Niemand blieb stehen."]),
    ("Der Minister sagte: \"Das reicht nicht.\" Die Opposition stimmte zu.",
     ["Der Minister sagte: \"Das reicht nicht.\"", "Die Opposition stimmte zu."]),
    ("«Wir bleiben», sagte er. «Ganz sicher.»", ["«Wir bleiben», sagte er.", "«Ganz sicher.»"]),
    ("Das Spiel war vorbei. „Wir sind enttäuscht“, sagte der Trainer.",
     ["Das Spiel war vorbei.", "„Wir sind enttäuscht“, sagte der Trainer."]),
    ("Sie nannte es 'völlig absurd'. Er widersprach.", ["Sie nannte es 'völlig absurd'.", "Er widersprach."]),
    # brackets
    ("Die Partei (sie regiert seit 2017) verliert. Die Umfragen sind schlecht.",
     ["Die Partei (sie regiert seit 2017) verliert.", "Die Umfragen sind schlecht."]),
    ("Er lachte (laut!) und ging.", ["Er lachte (laut!) und ging."]),
    ("Der Vertrag ist unterschrieben. (Die Details folgen.) Das Ministerium schweigt.",
     ["Der Vertrag ist unterschrieben.", "(Die Details folgen.)", "Das Ministerium schweigt."]),
    # lines: headlines, bylines, list items
    ("Streik bei der Bahn\nVon Anna Beispiel\nDer Streik beginnt am Montag.",
     ["Streik bei der Bahn", "Von Anna Beispiel", "Der Streik beginnt am Montag."]),
    ("Das Paket enthält:\n- Die Ukraine baut neue Kraftwerke\n- Die EU zahlt mit",
     ["Das Paket enthält:", "- Die Ukraine baut neue Kraftwerke", "- Die EU zahlt mit"]),
    ("1. Die Steuern sinken.\n2. Die Renten steigen.", ["1. Die Steuern sinken.", "2. Die Renten steigen."]),
]


@pytest.mark.parametrize("text,expected", GOLDEN, ids=[g[0][:40] for g in GOLDEN])
def test_golden(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_paragraphs_and_kinds() -> None:
    text = ("Neue Brücke eröffnet\n\nBerlin (dpa) – Die Brücke ist fertig. Sie kostete 20 Mio. Euro.\n"
            "- Bauzeit: drei Jahre\n\n\nLesen Sie auch: Die Geschichte der Brücke\n   \nMehr zum Thema")
    got = split(text)
    assert [(s.text(text), s.paragraph, s.kind) for s in got] == [
        ("Neue Brücke eröffnet", 0, "heading"),
        ("Berlin (dpa) – Die Brücke ist fertig.", 1, "sentence"),
        ("Sie kostete 20 Mio. Euro.", 1, "sentence"),
        ("- Bauzeit: drei Jahre", 1, "list_item"),
        ("Lesen Sie auch: Die Geschichte der Brücke", 2, "boilerplate"),
        ("Mehr zum Thema", 3, "boilerplate"),
    ]
    assert [s.index for s in got] == list(range(len(got)))


def test_offsets_come_from_the_scan() -> None:
    # identical sentences get their own offsets (a search afterwards would find the first one)
    text = "Ja. Ja. Ja.\nJa."
    assert [(s.start, s.end) for s in split(text)] == [(0, 3), (4, 7), (8, 11), (12, 15)]


def test_crlf_and_leading_whitespace() -> None:
    text = "  Titel  \r\n\r\n\tEin Satz. Noch einer.  \r\n"
    got = split(text)
    assert [s.text(text) for s in got] == ["Titel", "Ein Satz.", "Noch einer."]
    assert [s.paragraph for s in got] == [0, 1, 1]


def test_a_new_splitter_version_is_recorded_and_re_translates(tiny_model, seeds, tmp_path,
                                                             monkeypatch) -> None:
    from pipeline import translate_files
    from pipeline.formats import jsonl

    def translate():
        return translate_files([seeds / "article_02.txt"], tmp_path / "o", model_dir=tiny_model,
                               beam=1, report=lambda message: None)

    assert len(translate().translated) == 1 and len(translate().skipped) == 1
    monkeypatch.setattr(splitter("de"), "name", "pipeline-de/99.0")
    assert len(translate().translated) == 1  # the records of another splitter are redone
    first = jsonl.read(tmp_path / "o" / "article_02.jsonl")[0]
    assert first.provenance.splitter == "pipeline-de/99.0" == splitter("de").name


def test_empty_and_whitespace() -> None:
    assert split("") == []
    assert split(" \n\t\n  ") == []


# --------------------------------------------------------------------------- invariants

_ALPHABET = st.sampled_from(
    list("aeinrstAEDSZäöüÄß0123456789 .,;:!?…-–„“”\"'»«‹›()[]/@\n\r\t") +
    ["\u00a0", "\u2028", "\x0b", "\x0c", "\x1c", "\x85", "\ud800", "\udfff", "\x00", "\x07", "👍",
     "Dr.", "z. B.", "usw.", " 13. ", "XIV.", "Mio.", "www.x.de", "...", "\n\n", " Die ", " er "]
)
_TEXT = st.one_of(
    st.lists(_ALPHABET, max_size=120).map("".join),
    st.text(max_size=200),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_invariants_hold_on_any_text(text: str) -> None:
    got = split(text)
    check_invariants(text, got)
    assert split(text) == got  # deterministic


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["Der Rat tagte.", "Am 3. Mai", "„Warum?“, fragte er.", "Ja!",
                                 "Dr. Meier", "z. B. hier", "1.000 Euro.", "\n", "\n\n", " ", "  "]),
                max_size=30).map("".join))
def test_invariants_hold_on_german_like_text(text: str) -> None:
    check_invariants(text, split(text))


@pytest.mark.parametrize("text", [
    "\ud800", "\udfff. A", "a\x00b. C\x07d", "x" * 2_000_000, "." * 1_000_000, ". " * 200_000,
    "Wort " * 200_000, "\n" * 100_000, "„" * 100_000, "Dr. " * 100_000, "1. " * 100_000,
])
def test_no_exception_on_hostile_input(text: str) -> None:
    check_invariants(text, split(text))


# --------------------------------------------------------------------------- eval bars

EVAL = REPO.parent / "shared" / "eval" / "segmentation"


@pytest.mark.skipif(not EVAL.is_dir(), reason="../shared/eval is not available")
@pytest.mark.parametrize("set_name,bar", [
    ("wmt19_de_docs_sbd.jsonl", 0.997),
    ("de_unit_tests.jsonl", 0.90),
    ("ud_de_gsd_dev.jsonl", 0.97),
])
def test_eval_f1_bars(set_name: str, bar: float) -> None:
    sys.path.insert(0, str(REPO))
    from bench.segmentation import load_set, ours, score

    path = EVAL / set_name
    if not path.exists():
        pytest.skip(f"{path} missing")
    sc = score(load_set(path), ours())
    assert sc.f1 >= bar, f"{set_name}: F1 {sc.f1:.4f} < {bar}"


@pytest.mark.parametrize("text", ["Er wartete. . . Dann kam er.", "Ja . . Nein.", ". . Ä",
                                  "Preis: 5 . . Euro.", "Und dann . . . ☺ Weiter. . . So."])
def test_spaced_ellipses_give_no_empty_or_backward_span(text):
    spans = split(text)
    assert all(s.start < s.end for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert "".join(text[s.start:s.end] for s in spans).replace(" ", "") == text.replace(" ", "")


# --------------------------------------------------------------------------- glued sentences

@pytest.mark.parametrize("text, expected", [
    ("Die Regierung will handeln.Die Opposition lehnt ab.",
     [("Die Regierung will handeln.", "sentence"), ("Die Opposition lehnt ab.", "sentence")]),
    ("Wirklich?Ja, sagte er.", [("Wirklich?", "sentence"), ("Ja, sagte er.", "sentence")]),
    ("- Die Ukraine baut neu auf, hat aber Probleme - PoliticoEin mutmaßlich bedeutsames "
     "Abkommen steht bevor. Dies verkündete Smith.",
     [("- Die Ukraine baut neu auf, hat aber Probleme - Politico", "list_item"),
      ("Ein mutmaßlich bedeutsames Abkommen steht bevor.", "sentence"),
      ("Dies verkündete Smith.", "sentence")]),
    ("Titel der MeldungDer Minister sagte nichts.",
     [("Titel der Meldung", "heading"), ("Der Minister sagte nichts.", "sentence")]),
    # not glued sentences: abbreviations, addresses, brand names, decimals
    ("Er traf Dr.Müller am Montag.", [("Er traf Dr.Müller am Montag.", "sentence")]),
    ("Er sagte bzw.Die Leute nicht.", [("Er sagte bzw.Die Leute nicht.", "sentence")]),
    ("Siehe www.Spiegel.De und max.Muster@web.De heute.",
     [("Siehe www.Spiegel.De und max.Muster@web.De heute.", "sentence")]),
    ("Das iPhone und die BahnCard sind da.", [("Das iPhone und die BahnCard sind da.", "sentence")]),
    ("Er kaufte bei MediaMarkt und YouTube ein.",
     [("Er kaufte bei MediaMarkt und YouTube ein.", "sentence")]),
    ("Der Kurs stieg um 3.5 Prozent.", [("Der Kurs stieg um 3.5 Prozent.", "sentence")]),
])
def test_glued_sentences_are_split_and_kinds_follow(text, expected) -> None:
    got = split(text)
    assert [(s.text(text), s.kind) for s in got] == expected
    check_invariants(text, got)
