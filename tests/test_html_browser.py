"""The HTML viewer in a real headless Chromium: pairs shown, hover and keyboard focus highlight
the partner, the provenance panel opens, no console errors, article text never runs, and it
fits desktop and phone widths. Screenshots go to tests/artifacts/.

Needs the PyPI package ``playwright`` driving Debian's ``/usr/bin/chromium`` (playwright's own
browser download is never used; one browser serves the session: ``chromium_browser`` in
conftest.py). Without them the tests skip, except under CI (``CI`` set), where they fail: CI
installs chromium in ``.ci/run``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.formats import html, jsonl
from pipeline.records import Record
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.slow  # a real browser


@pytest.fixture(scope="module")
def browser(browser_context):
    """A context of the session's Chromium, with no network."""
    return browser_context()


@pytest.fixture()
def page(browser, watched):
    p = watched(browser)
    yield p
    p.close()


@pytest.fixture(scope="module")
def viewer(tiny_model, tmp_path_factory) -> tuple[Path, list[Record]]:
    """article_01 translated by the tiny model, written as HTML by the CLI."""
    from tests.conftest import SEEDS

    out = tmp_path_factory.mktemp("viewer")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PIPELINE_CACHE", str(out / "cache"))
        mp.setenv("HF_HUB_OFFLINE", "1")
        res = CliRunner().invoke(app, ["translate", str(SEEDS / "article_01.txt"), "-o", str(out),
                                       "--model-dir", str(tiny_model), "--format", "html",
                                       "--no-cache", "-q"])
    assert res.exit_code == 0, res.output
    return out / "article_01.html", jsonl.read(out / "article_01.jsonl")


def _classes(page, selector: str) -> list[str]:
    return page.eval_on_selector(selector, "e => Array.from(e.classList)")


def test_viewer_pairs_hover_focus_panel(page, viewer):
    path, records = viewer
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path.as_uri())
    assert page.locator(".cell.de .s").count() == len(records)
    assert page.locator(".cell.en .s").count() == len(records)
    assert page.locator("main .row").count() >= 2
    assert page.locator(".cell.de ul li").count() == sum(r.kind == "list_item" for r in records)
    assert page.locator(".cell.en .flag").count() == sum(len(r.shown_flags) for r in records)
    page.screenshot(path=str(ARTIFACTS / "viewer-desktop.png"))

    # hover a German sentence: its English partner (and only it) is highlighted
    page.hover("#de-2")
    assert "hl" in _classes(page, "#en-2") and "hl" in _classes(page, "#de-2")
    assert "hl" not in _classes(page, "#en-3")
    normal = page.eval_on_selector("#en-3", "e => getComputedStyle(e).backgroundColor")
    lit = page.eval_on_selector("#en-2", "e => getComputedStyle(e).backgroundColor")
    assert lit != normal
    page.screenshot(path=str(ARTIFACTS / "viewer-desktop-hover.png"))

    # keyboard: Tab reaches sentences, focus highlights the partner, Enter opens provenance
    page.mouse.move(0, 0)
    page.focus("#de-0")
    page.keyboard.press("Tab")  # tab order: each row's German, then its English
    assert page.evaluate("document.activeElement.id") == "en-0"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "de-1"
    assert "hl" in _classes(page, "#en-1") and "hl" not in _classes(page, "#en-0")
    page.keyboard.press("Enter")
    panel = page.locator("#prov")
    assert panel.is_visible()
    assert records[1].doc_sha256 in panel.inner_text()
    assert f"[{records[1].start}, {records[1].end})" in panel.inner_text()
    assert records[0].provenance.model["dir"] in panel.inner_text()
    assert page.evaluate("document.activeElement.id") == "prov-close"
    page.screenshot(path=str(ARTIFACTS / "viewer-desktop-panel.png"))
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    assert page.evaluate("document.activeElement.id") == "de-1"

    # click opens the provenance of the clicked pair
    page.click("#en-4")
    assert panel.is_visible() and "Pair 5 of" in panel.inner_text()
    record = json.loads(page.locator("#prov pre").text_content())
    assert record == {**records[0].provenance.to_dict(), **records[4].to_dict()}

    assert page.errors == []


def test_viewer_fits_a_phone(page, viewer):
    path, records = viewer
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".cell.en .s").count() == len(records)
    page.screenshot(path=str(ARTIFACTS / "viewer-phone.png"))
    page.tap("#de-1") if page.context.browser is None else page.click("#de-1")
    assert "hl" in _classes(page, "#en-1") or "sel" in _classes(page, "#en-1")
    assert page.locator("#prov").is_visible()
    box = page.locator("#prov").bounding_box()
    assert box["width"] <= 390 and box["x"] >= 0
    page.screenshot(path=str(ARTIFACTS / "viewer-phone-panel.png"))
    assert page.errors == []


def test_article_text_never_runs(page, tmp_path):
    hostile = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"
    records = [Record(doc_path="x.txt", doc_sha256="0" * 64, index=0, paragraph=0, line=0,
                      kind="heading", start=0, end=5, source="Titel " + hostile,
                      target="Title </script>" + hostile, flags=("output_cap",)),
               Record(doc_path="x.txt", doc_sha256="0" * 64, index=1, paragraph=1, line=2,
                      kind="sentence", start=7, end=9, source="Satz \u2028 & </main>",
                      target="Sentence ]]> \"'", flags=("brand_new_flag",), score=-3.0)]
    f = tmp_path / "hostile.html"
    f.write_text(html.render(records, "hostile"), encoding="utf-8")
    page.goto(f.as_uri())
    assert page.evaluate("window.pwned") is None
    assert page.locator("#de-0").text_content() == records[0].source
    assert page.locator("#en-0").text_content() == records[0].target
    assert page.locator("#en-1").text_content() == records[1].target
    assert page.locator("h2 #de-0").count() == 1
    assert page.locator('[data-flag="brand_new_flag"]').count() >= 1
    page.click("#de-1")
    assert "brand new flag" in page.locator("#prov").inner_text()
    assert page.errors == []


def test_alignment_viewer_shows_the_machine_translation_and_similarity(page, tiny_model,
                                                                       tmp_path):
    from tests.conftest import ROOT

    de, en = tmp_path / "a.de.txt", tmp_path / "a.en.txt"
    de.write_bytes((ROOT / "data" / "raw" / "article_02.txt").read_bytes())
    en.write_bytes((ROOT / "tests" / "data" / "article_02.en.txt").read_bytes())
    res = CliRunner().invoke(app, ["align", str(de), str(en), "-o", str(tmp_path / "out"),
                                   "--model-dir", str(tiny_model), "--beam", "1", "--format",
                                   "html"])
    assert res.exit_code == 0, res.output
    records = jsonl.read(tmp_path / "out" / "a.jsonl")
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto((tmp_path / "out" / "a.html").as_uri())
    assert page.locator(".cell.de .s").count() == len(records)
    split = next(r for r in records if r.link == "1-2")
    page.hover(f"#de-{split.index}")
    assert "hl" in _classes(page, f"#en-{split.index}")
    assert page.locator(f"#en-{split.index}").text_content() == split.target  # both sentences
    page.click(f"#en-{split.index}")
    panel = page.locator("#prov").inner_text()
    assert "Machine translation" in panel and split.mt in panel
    assert "Similarity" in panel and f"{split.similarity:.3f}" in panel and "1-2" in panel
    page.screenshot(path=str(ARTIFACTS / "alignment-viewer.png"))
    assert page.errors == []


def _pair_records(src: str, tgt: str, pairs: list[tuple[str, str]], other: dict | None = None):
    """Records of one document of languages ``src`` -> ``tgt``; ``other`` maps an index to the
    language of a sentence in another language (kept as it is)."""
    other = other or {}
    out, pos = [], 0
    for n, (s, t) in enumerate(pairs):
        lang = other.get(n)
        out.append(Record(doc_path="x.txt", doc_sha256="0" * 64, index=n, paragraph=0, line=0,
                          kind="sentence", start=pos, end=pos + len(s), source=s,
                          target=s if lang else t, src_lang=lang or src, tgt_lang=tgt,
                          flags=("other_language", "passed_through") if lang else ()))
        pos += len(s) + 1
    return out


def test_arabic_and_chinese_viewers_set_language_direction_and_wrap(page, tmp_path):
    """One page each: Arabic to English (the source column right to left, an English quotation
    inside it left to right) and Chinese to English (a long run without spaces wraps inside
    its column at a phone's width)."""
    arabic = _pair_records("ar", "en", [
        ("قال الوزير إن المحادثات ستستمر يوم الثلاثاء في العاصمة.",
         "The minister said the talks would continue on Tuesday in the capital."),
        ("“We will not give up,” he told reporters outside the ministry building.", ""),
        ("وأضاف أن الحكومة تدرس جميع الخيارات المتاحة.",
         "He added that the government is studying all available options.")], {1: "en"})
    chinese = _pair_records("zh", "en", [
        ("北京时间周二晚间，国家统计局发布了最新的经济数据" * 4 + "。",
         "On Tuesday evening Beijing time, the statistics bureau released its latest data."),
        ("专家表示，这一结果符合市场预期。", "Experts said the result was in line with market "
         "expectations.")])
    ARTIFACTS.mkdir(exist_ok=True)
    for name, records in (("arabic", arabic), ("chinese", chinese)):
        f = tmp_path / f"{name}.html"
        f.write_text(html.render(records, name), encoding="utf-8")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f.as_uri())
        src = records[0].src_lang
        assert page.get_attribute(".cell.de", "lang") == src
        assert page.get_attribute(".cell.en", "lang") == "en"
        assert page.eval_on_selector(".cell.en", "e => getComputedStyle(e).direction") == "ltr"
        if name == "arabic":
            assert page.eval_on_selector(".cell.de", "e => getComputedStyle(e).direction") == "rtl"
            # the English quotation keeps its own language and direction inside the Arabic
            assert page.get_attribute("#de-1", "lang") == "en"
            assert page.eval_on_selector("#de-1", "e => getComputedStyle(e).direction") == "ltr"
            # right to left: the text of the source column hugs its right edge
            cell = page.locator(".cell.de").first.bounding_box()
            text = page.locator("#de-0").bounding_box()
            assert cell["x"] + cell["width"] - (text["x"] + text["width"]) < 8
            page.click("#de-0")  # the panel shows both sides in their languages
            assert page.get_attribute("#prov .pair p:first-child", "lang") == "ar"
        page.screenshot(path=str(ARTIFACTS / f"viewer-{name}.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        # nothing overflows its column at a phone's width: long CJK runs wrap
        overflow = page.eval_on_selector_all(
            ".cell", "cs => cs.filter(c => c.scrollWidth > c.clientWidth + 1).length")
        assert overflow == 0
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if name == "chinese":
            lines = page.eval_on_selector("#de-0", "e => e.getClientRects().length")
            assert lines > 1  # the long sentence wraps onto several lines
            page.screenshot(path=str(ARTIFACTS / f"viewer-{name}-phone.png"))
        assert page.errors == []
