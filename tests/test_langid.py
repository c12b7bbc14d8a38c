"""Language identification: ``pipeline.detect_language`` per language and close pair, the script
rules, candidates, errors, the CLI, lazy loading, and floors on the shared evaluation set."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

import pipeline
from pipeline.cli import app
from pipeline.errors import LanguageNotIdentifiedError, PipelineError, UnknownLanguageError
from pipeline.languages import identify as ident

from conftest import ROOT, SHARED_EVAL

#: One news sentence per language, written for these tests (the same news in each).
SENTENCES = {
    "de": "Die Regierung hat am Dienstag neue Maßnahmen gegen die Inflation beschlossen.",
    "en": "The government announced new measures against inflation on Tuesday.",
    "fr": "Le gouvernement a annoncé mardi de nouvelles mesures contre l'inflation.",
    "es": "El gobierno anunció el martes nuevas medidas contra la inflación.",
    "pt": "O governo anunciou na terça-feira novas medidas contra a inflação.",
    "ca": "El govern va anunciar dimarts noves mesures contra la inflació.",
    "it": "Il governo ha annunciato martedì nuove misure contro l'inflazione.",
    "nl": "De regering heeft dinsdag nieuwe maatregelen tegen de inflatie aangekondigd.",
    "da": "Regeringen har tirsdag annonceret nye tiltag mod inflationen i Danmark.",
    "sv": "Regeringen meddelade på tisdagen nya åtgärder mot inflationen i Sverige.",
    "pl": "Rząd ogłosił we wtorek nowe środki przeciwko inflacji w całym kraju.",
    "cs": "Vláda v úterý oznámila nová opatření proti inflaci a zdražování energií.",
    "sk": "Vláda v utorok oznámila nové opatrenia proti inflácii a zdražovaniu energií.",
    "tr": "Hükümet salı günü enflasyona karşı yeni önlemler açıkladı.",
    "ru": "Правительство во вторник объявило о новых мерах против инфляции.",
    "uk": "Уряд у вівторок оголосив нові заходи проти інфляції та подорожчання.",
    "be": "Урад у аўторак абвясціў новыя меры супраць інфляцыі і падаражання.",
    "bg": "Правителството обяви във вторник нови мерки срещу инфлацията.",
    "ar": "أعلنت الحكومة يوم الثلاثاء عن إجراءات جديدة لمكافحة التضخم.",
    "zh": "政府周二宣布了应对通货膨胀的新措施。",
    "ja": "政府は火曜日、インフレ対策の新たな措置を発表した。",
    "ko": "정부는 화요일 인플레이션에 대응하기 위한 새로운 조치를 발표했다.",
    "el": "Η κυβέρνηση ανακοίνωσε την Τρίτη νέα μέτρα κατά του πληθωρισμού.",
}

#: Headlines of at most 40 characters, close pairs side by side.
SHORT = [
    ("uk", "Що сталося у Києві вчора"), ("ru", "Что случилось в Москве вчера"),
    ("be", "Што здарылася ў Мінску ўчора"), ("bg", "Какво се случи в София вчера"),
    ("cs", "Co se stalo v Praze včera"), ("sk", "Čo sa stalo v Bratislave včera"),
    ("es", "Qué pasó ayer en Madrid"), ("pt", "O que aconteceu ontem em Lisboa"),
    ("ca", "Què va passar ahir a Barcelona"), ("da", "Hvad skete der i går i København"),
    ("sv", "Vad hände i Stockholm i går"), ("de", "Was gestern in Berlin geschah"),
    ("en", "What happened in London yesterday"), ("fr", "Ce qui s'est passé hier à Paris"),
    ("it", "Cosa è successo ieri a Roma"), ("nl", "Wat er gisteren in Amsterdam gebeurde"),
    ("pl", "Co się wczoraj stało w Warszawie"), ("tr", "Dün İstanbul'da ne oldu"),
    ("ja", "東京で何が起きたのか"), ("zh", "北京昨天发生了什么"),
]


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_sentence_per_language(lang):
    assert pipeline.detect_language(SENTENCES[lang]) == lang


@pytest.mark.parametrize("lang, text", SHORT)
def test_short_text_per_language(lang, text):
    assert len(text) <= 40
    assert pipeline.detect_language(text) == lang


def test_close_pairs_follow_their_candidates():
    """Restricted to one of two close languages, the answer is that one; with both, the right one."""
    sk = SENTENCES["sk"]
    assert pipeline.detect_language(sk, candidates=["cs", "de"]) == "cs"
    assert pipeline.detect_language(sk, candidates=("cs", "sk")) == "sk"
    assert pipeline.detect_language(SENTENCES["be"], candidates=iter(["ru", "uk"])) in {"ru", "uk"}
    assert pipeline.detect_language(SENTENCES["be"], candidates="ru,uk,be") == "be"


#: Candidate sets for the property below: one language, close pairs, mixed scripts, many. A fixed
#: family (each short-text model is built once, ~0.5 s of CPU per language) rather than every
#: subset, which made this one test cost 20 s.
CANDIDATE_SETS = [{"de"}, {"ru", "uk"}, {"zh", "ja"}, {"ar", "en"}, {"de", "en", "fr"},
                  {"de", "en", "fr", "ru", "uk", "zh", "ja", "ar"}]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(lambda t: any(c.isalpha() for c in t)),
       st.sampled_from(CANDIDATE_SETS))
def test_the_answer_is_always_a_candidate(text, candidates):
    assert pipeline.detect_language(text, candidates=candidates) in candidates
    assert pipeline.detect_language(text) in ident.DEFAULT_LANGUAGES


@pytest.mark.parametrize("text", ["", "   \n", "12.000 — 3:1 (45')", "*** !!! ???", "😀 🇺🇦"])
def test_text_without_letters_is_an_error(text):
    with pytest.raises(LanguageNotIdentifiedError, match="without letters") as info:
        pipeline.detect_language(text)
    assert isinstance(info.value, ValueError) and isinstance(info.value, PipelineError)


@pytest.mark.parametrize("candidates", [["de", "xx"], [], ["klingon"]])
def test_unknown_or_no_candidates_are_an_error(candidates):
    with pytest.raises(UnknownLanguageError):
        pipeline.detect_language("Guten Morgen, wie geht es Ihnen?", candidates=candidates)


# ----------------------------------------------------------------------------- the script


@pytest.mark.parametrize("text, lang", [
    ("東京駅前 大規模火災", "ja"),               # Han only, but 駅 is written only in Japan
    ("東京駅前で大規模な火災", "ja"),            # kana
    ("日本経済新聞社の調査", "ja"),              # a kana and Japanese-only forms
    ("北京市政府发布通知", "zh"),                # Han only, no Japanese form
    ("台北市政府發布通知", "zh"),                # traditional characters are Chinese too
    ("政府は火曜日に会見", "ja"),                # kana in a headline
    ("서울에서 무슨 일이", "ko"),
    ("Τι συνέβη στην Αθήνα", "el"),
    ("מה קרה בירושלים", "he"),
])
def test_the_script_decides(text, lang):
    found = ident.identify(text)
    assert (found.language, found.method, found.confidence) == (lang, "script", 1.0)


def test_a_quotation_in_another_script_does_not_outvote_the_text():
    zh = "政府周二宣布了应对通货膨胀的新措施。" * 4
    ja_quote = "「政府は火曜日、新たな措置を発表した」"
    assert pipeline.detect_language(zh + ja_quote + zh) == "zh"
    uk = SENTENCES["uk"] + " " + SENTENCES["uk"]
    assert pipeline.detect_language(uk + " «The measures are late,» he said. " + uk) == "uk"
    ar = SENTENCES["ar"]
    assert pipeline.detect_language(f"{ar} “We will see,” he said. {ar}") == "ar"


def test_script_rule_only_for_candidates():
    """Han text with neither zh nor ja among the candidates goes to the model."""
    assert ident._by_script("北京市政府发布通知", 9, ("de", "en")) is None
    assert ident._by_script("東京駅前で大規模な火災", 11, ("zh", "en")) is None
    assert pipeline.detect_language("東京駅前で大規模な火災", candidates=["zh", "en"]) in {"zh", "en"}


def test_methods_by_length_and_confidence():
    short = ident.identify("Was gestern in Berlin geschah")
    assert short.method == "langidentify" and 0.5 < short.confidence <= 1.0
    found = ident.identify(SENTENCES["de"] + " " + SENTENCES["de"])
    assert found.method == "py3langid" and 0.9 < found.confidence <= 1.0


def test_candidates_in_any_order_of_scripts():
    """The short-text model is loaded for any candidates, Chinese first in its order or not."""
    assert pipeline.detect_language("A", candidates=["ru", "uk", "zh"]) in {"ru", "uk", "zh"}
    assert pipeline.detect_language("Що сталося у Києві", candidates=["zh", "uk", "ru"]) == "uk"


# ----------------------------------------------------------------------------- CLI

runner = CliRunner()


def test_cli_prints_the_code(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text(SENTENCES["uk"], encoding="utf-8")
    res = runner.invoke(app, ["detect", str(f)])
    assert res.exit_code == 0, res.output
    assert res.output == "uk\n"


def test_cli_jsonl_and_stdin_and_candidates():
    res = runner.invoke(app, ["detect", "-", "--format", "jsonl"], input=SENTENCES["pt"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["language"] == "pt" and 0 < out["confidence"] <= 1 and out["method"]
    res = runner.invoke(app, ["detect", "-", "--candidates", "es,ca"], input=SENTENCES["pt"])
    assert res.exit_code == 0 and res.output.strip() in {"es", "ca"}


@pytest.mark.parametrize("content, args, message", [
    ("12 345 — 678", [], "without letters"),
    ("Guten Morgen, wie geht es?", ["--candidates", "de,xx"], "does not know 'xx'"),
    ("", [], "empty"),
])
def test_cli_errors_are_one_line(tmp_path, content, args, message):
    f = tmp_path / "a.txt"
    f.write_text(content, encoding="utf-8")
    res = runner.invoke(app, ["detect", str(f), *args])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {f}: ") and message in lines[0]
    assert "Traceback" not in res.output


def test_cli_missing_file():
    res = runner.invoke(app, ["detect", "/nonexistent/a.txt"])
    assert res.exit_code == 2 and res.output.startswith("error: /nonexistent/a.txt: no such file")


# ----------------------------------------------------------------------------- lazy loading


@pytest.mark.slow
def test_import_pipeline_loads_no_detector_library():
    """Each library is imported when a text first needs it. (The default candidates are cut
    to two languages in that process after the import: which library a text needs does not
    depend on them, and the 42-language short-text model would take 20 s of CPU to build.)"""
    code = (
        "import sys, pipeline\n"
        "f = pipeline.detect_language\n"
        "heavy = ('py3langid', 'langidentify', 'numpy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "from pipeline.languages import identify\n"
        "identify.DEFAULT_LANGUAGES = ('de', 'en')\n"
        "f('Was gestern in Berlin geschah')\n"
        "print(sorted(m for m in heavy[:2] if m in sys.modules))\n"
        "f(' '.join(['Die Regierung hat am Dienstag neue Maßnahmen beschlossen.'] * 2))\n"
        "print(sorted(m for m in heavy[:2] if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.split("\n")
    assert out[:3] == ["[]", "['langidentify']", "['langidentify', 'py3langid']"]


def test_cli_help_loads_no_detector_library():
    code = ("import sys\nfrom pipeline.cli import app\nimport typer.testing\n"
            "typer.testing.CliRunner().invoke(app, ['detect', '--help'])\n"
            "print(sorted(m for m in ('py3langid', 'langidentify') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


# ----------------------------------------------------------------------------- shared set

LANGID_SET = SHARED_EVAL / "langid" / "langid_shared.jsonl"
#: A little below what bench/langid.py measured (docs/benchmarks.md).
FLOORS = {"all": 0.975, "short": 0.93, "sentence": 0.99, "paragraph": 0.995, "mixed": 0.94}
FLOORS_DEFAULT = {"all": 0.97, "short": 0.92, "sentence": 0.99, "paragraph": 0.995}


@pytest.mark.slow
@pytest.mark.skipif(not LANGID_SET.is_file(), reason="../shared/eval is absent")
def test_accuracy_on_the_shared_set():
    rows = [json.loads(line) for line in LANGID_SET.read_text(encoding="utf-8").splitlines()]
    labels = sorted({r["label"] for r in rows})
    for candidates, floors in ((labels, FLOORS), (None, FLOORS_DEFAULT)):
        ok: dict[str, list[bool]] = {}
        for r in rows:
            right = pipeline.detect_language(r["text"], candidates=candidates) == r["label"]
            ok.setdefault("all", []).append(right)
            ok.setdefault(r["length"], []).append(right)
        acc = {k: sum(v) / len(v) for k, v in ok.items()}
        assert all(acc[k] >= floor for k, floor in floors.items()), (candidates, acc)


# ----------------------------------------------------------------------------- close languages

@pytest.mark.parametrize("text, answer, candidates, fitting", [
    ("Київ і Львів", "ru", ("ru", "uk", "be", "bg"), ("uk",)),       # ї, і: not Russian
    ("Мы былі ў Мінску", "ru", ("ru", "uk", "be", "bg"), ("be",)),   # ў: Belarusian only
    ("Мы были там", "bg", ("ru", "uk", "be", "bg"), ("ru",)),        # ы and и: Russian
    ("Мы былі там", "bg", ("ru", "uk", "be", "bg"), ("be",)),        # ы and і: Belarusian
    ("Что случилось", "ru", ("ru", "uk", "bg"), ("ru",)),            # nothing telling
    ("Dvořák píše", "sk", ("cs", "sk"), ("cs",)),                    # ř: Czech
    ("Ľudia v Žiline", "cs", ("cs", "sk"), ("sk",)),                 # ľ: Slovak
    ("Ľudia v Žiline", "cs", ("cs", "de"), ("cs",)),                 # Slovak is no candidate
    ("Não há pão", "es", ("es", "pt", "ca"), ("pt",)),               # ã: Portuguese
    ("Això és València", "es", ("es", "pt", "ca"), ("ca",)),         # ò, è: Catalan
    ("Bjørn på øen", "sv", ("da", "no", "sv"), ("da", "no")),         # ø: not Swedish
    ("Müller trifft Ødegaard", "de", ("de", "da", "no"), ("de",)),   # German has no group
])
def test_letters_keep_close_languages_apart(text, answer, candidates, fitting):
    from pipeline.languages.letters import consistent

    assert consistent(text, answer, candidates) == fitting


def test_letters_no_alphabet_fits_keeps_the_answer():
    from pipeline.languages.letters import consistent

    # ř (Czech only) and ľ (Slovak only): a name from elsewhere; the model's answer stands
    assert consistent("Dvořák a Ľubica", "sk", ("cs", "sk")) == ("sk",)


class _FixedShortModel:
    """Stands in for langidentify: one answer and gap for every text (no model loaded)."""

    def __init__(self, answer: str, gap: float) -> None:
        self.answer, self.gap = answer, gap

    def detect(self, text: str) -> tuple[str, float]:
        return self.answer, self.gap


def _answer_short_texts(monkeypatch, answer: str, gap: float) -> None:
    monkeypatch.setattr(ident, "_short_model", lambda langs: _FixedShortModel(answer, gap))


def test_a_short_text_follows_its_letters_among_close_languages(monkeypatch):
    """Whatever the short-text model answers within a close group, a letter only another
    member writes decides among the members that write it."""
    _answer_short_texts(monkeypatch, "bg", 1.0)
    assert pipeline.detect_language("Це її дім", candidates="ru,uk,bg") == "uk"
    assert pipeline.detect_language("Дом", candidates="ru,uk,bg") == "bg"  # nothing telling


def test_an_unsure_short_model_defers_to_a_sure_long_one(monkeypatch):
    text = "Trump a un raduno in West Virginia"
    sure = dict(ident._model(("en", "it")).rank(text))["it"]
    assert sure >= ident.SURE_PROBABILITY
    _answer_short_texts(monkeypatch, "en", 0.01)
    assert pipeline.detect_language(text, candidates="en,it") == "it"
    _answer_short_texts(monkeypatch, "en", 0.5)
    assert pipeline.detect_language(text, candidates="en,it") == "en"  # a sure short model
