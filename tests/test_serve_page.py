"""The page of ``pipeline serve`` in a real headless Chromium: paste (or open a .txt) and
translate with the keyboard, the side-by-side viewer in its frame (pairs, flags, provenance on
click), downloads identical to the records endpoint, no request outside the server, no console
error, and a phone-width layout. Screenshots go to tests/artifacts/ (see test_html_browser.py
for how the browser is found; without it these tests skip, except under CI)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from pipeline.records import Record  # noqa: E402
from pipeline.serve import ServeSettings  # noqa: E402
from tests.conftest import ARTIFACTS, SEEDS  # noqa: E402
from tests.serve_helpers import Server, isolated_env  # noqa: E402

pytestmark = pytest.mark.slow  # a real browser and a server

ARTICLE = (SEEDS / "article_01.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server(tiny_model, shared_conversions, tmp_path_factory):
    with isolated_env(tmp_path_factory.mktemp("serve-page"), shared_conversions):
        s = Server(ServeSettings(translator={"model_dir": tiny_model, "cache": False}))
        yield s
        s.close()


@pytest.fixture(scope="module")
def browser(server, browser_context):
    """A context of the session's Chromium that reaches only the server."""
    return browser_context(allow=server.url + "/")


@pytest.fixture()
def page(browser, server, watched):
    p = watched(browser, allow=(server.url + "/", "blob:", "data:", "about:"))
    yield p
    p.close()


def _records(server, text: str) -> list[Record]:
    body = server.request("POST", "/v1/translate", text.encode("utf-8")).body
    return [Record.from_json(line) for line in body.decode().splitlines()]


def test_page_translates_and_shows_the_viewer(page, server):
    records = _records(server, ARTICLE)
    ARTIFACTS.mkdir(exist_ok=True)
    response = page.goto(server.url + "/")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    # keyboard only: focus the text, paste, Ctrl+Enter
    page.focus("#text")
    page.keyboard.insert_text(ARTICLE)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#downloads:not([hidden])")
    assert page.locator("#status").inner_text().startswith(f"{len(records)} sentences translated")
    frame = page.frame_locator("#view")
    assert frame.locator(".cell.de .s").count() == len(records)
    assert frame.locator(".cell.en .s").nth(3).inner_text() == records[3].target
    assert frame.locator(".cell.en .flag").count() == sum(len(r.shown_flags) for r in records)
    page.screenshot(path=str(ARTIFACTS / "serve-desktop.png"))
    frame.locator("#en-2").click()
    panel = frame.locator("#prov")
    assert panel.is_visible()
    assert records[0].doc_sha256 in panel.inner_text()
    assert f"[{records[2].start}, {records[2].end})" in panel.inner_text()
    page.screenshot(path=str(ARTIFACTS / "serve-desktop-panel.png"))
    # downloads: the records endpoint's answer, byte for byte, and each format by name
    names = [page.get_attribute(f'#downloads a[data-format="{f}"]', "download")
             for f in ("jsonl", "tsv", "tmx", "html")]
    assert names == ["stdin.jsonl", "stdin.tsv", "stdin.tmx", "stdin.html"]
    with page.expect_download() as got:
        page.click('#downloads a[data-format="jsonl"]')
    downloaded = got.value.path().read_bytes()
    assert downloaded == server.request("POST", "/v1/translate", ARTICLE.encode("utf-8")).body
    assert page.errors == []


def test_page_opens_a_txt_file_in_its_own_encoding(page, server, tmp_path):
    f = tmp_path / "bericht.txt"
    f.write_bytes("Die Bürger wählten am Sonntag. Das Ergebnis überraschte.\n".encode("cp1252"))
    page.goto(server.url + "/")
    page.set_input_files("#file", str(f))
    page.wait_for_function("document.getElementById('text').value.includes('Bürger')")
    page.click("#go")
    page.wait_for_selector("#downloads:not([hidden])")
    assert page.get_attribute('#downloads a[data-format="jsonl"]', "download") == "bericht.jsonl"
    with page.expect_download() as got:
        page.click('#downloads a[data-format="jsonl"]')
    first = json.loads(got.value.path().read_text(encoding="utf-8").splitlines()[0])
    assert first["doc_path"] == "bericht.txt" and first["doc_encoding"] == "cp1252"
    assert page.errors == []


def test_page_says_what_is_wrong(page, server):
    page.goto(server.url + "/")
    page.focus("#source")  # every control is reached with Tab, in reading order
    order = []
    for _ in range(4):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
    assert order == ["target", "text", "file", "go"]
    page.keyboard.press("Enter")  # on the button, with no text
    assert "Paste an article" in page.locator("#status").inner_text()
    page.click("#go")
    assert "Paste an article" in page.locator("#status").inner_text()
    page.fill("#text", "x" * 10)
    page.route(server.url + "/v1/translate*", lambda route: route.fulfill(
        status=400, content_type="application/json", body='{"error": "zz is not supported"}'))
    page.click("#go")
    page.wait_for_function("document.getElementById('status').className === 'bad'")
    assert page.locator("#status").inner_text() == "zz is not supported"
    assert page.locator("#downloads").is_hidden()


def test_page_fits_a_phone(page, server):
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.url + "/")
    page.fill("#text", ARTICLE)
    page.click("#go")
    page.wait_for_selector("#downloads:not([hidden])")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#view").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    frame = page.frame_locator("#view")
    assert frame.locator(".cell.en .s").count() == len(_records(server, ARTICLE))
    page.screenshot(path=str(ARTIFACTS / "serve-phone.png"), full_page=True)
    assert page.errors == []
