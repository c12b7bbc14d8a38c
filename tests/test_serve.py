"""``pipeline serve`` on a real uvicorn server on 127.0.0.1 with the tiny model: the records
endpoint against ``pipeline translate -``, batching across concurrent requests, the
LibreTranslate-compatible API (its documented examples), limits, keys, errors, uploads, CORS.
The page in Chromium and SIGTERM are in test_serve_page.py and test_serve_process.py."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytest.importorskip("python_multipart")

from typer.testing import CliRunner  # noqa: E402

from pipeline.cli import app  # noqa: E402
from pipeline.serve import ServeSettings  # noqa: E402
from tests.conftest import SEEDS  # noqa: E402
from tests.serve_helpers import Server, isolated_env  # noqa: E402

ARTICLE = (SEEDS / "article_02.txt").read_bytes()
PARAGRAPHS = [p.strip() for f in sorted(SEEDS.glob("*.txt"))
              for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]


@pytest.fixture(scope="module")
def server(tiny_model, shared_conversions, tmp_path_factory):
    """An open server (no keys), translation memory off, a long batching wait so that
    concurrent requests surely meet."""
    with isolated_env(tmp_path_factory.mktemp("serve"), shared_conversions):
        s = Server(ServeSettings(translator={"model_dir": tiny_model, "cache": False},
                                 batch_wait_s=0.05))
        yield s
        s.close()


@pytest.fixture(scope="module")
def guarded(tiny_model, shared_conversions, tmp_path_factory):
    """Keys, a character limit, a small body limit, CORS for one origin, the memory on."""
    tmp = tmp_path_factory.mktemp("guarded")
    with isolated_env(tmp, shared_conversions) as cache:
        s = Server(ServeSettings(translator={"model_dir": tiny_model}, api_keys=frozenset({"k1", "k2"}),
                                 char_limit=300, max_body_bytes=4096,
                                 cors=("https://news.example",)))
        s.cache = cache
        yield s
        s.close()


def cli(args: list[str], stdin: bytes) -> bytes:
    res = CliRunner().invoke(app, ["translate", "-", *args], input=stdin)
    assert res.exit_code == 0, res.output
    return res.stdout_bytes


# --- the records endpoint ------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["jsonl", "tsv", "tmx", "html"])
def test_v1_translate_is_byte_for_byte_the_cli(server, tiny_model, fmt):
    r = server.request("POST", f"/v1/translate?format={fmt}", ARTICLE)
    assert r.status == 200, r
    assert r.body == cli(["--model-dir", str(tiny_model), "--no-cache", "--format", fmt], ARTICLE)
    assert r.headers["content-disposition"] == f'attachment; filename="stdin.{fmt}"'


def test_v1_translate_all_formats_and_encodings(server, tiny_model):
    latin = "Die Bürger wählen heute. Ein Satz über Öl.\n".encode("cp1252")
    r = server.request("POST", "/v1/translate?format=all&encoding=auto&name=wahl.txt", latin)
    assert r.status == 200, r
    data = r.json()
    assert data["stem"] == "wahl" and data["sentences"] == 2
    assert sorted(data["files"]) == ["html", "jsonl", "tmx", "tsv"]
    assert data["files"]["jsonl"]["name"] == "wahl.jsonl"
    first = json.loads(data["files"]["jsonl"]["text"].splitlines()[0])
    assert first["doc_path"] == "wahl.txt" and first["doc_encoding"] == "cp1252"
    named = server.request("POST", "/v1/translate?name=B%C3%BCrger%20Wahl.txt", "Hallo.".encode())
    assert json.loads(named.body)["doc_path"] == "Bürger Wahl.txt"
    assert server.request("POST", "/v1/translate?name=%E4.txt", b"Hallo.").status == 400
    assert server.request("POST", "/v1/translate?format=moses", b"Hallo.").status == 400
    assert server.request("POST", "/v1/translate?encoding=koi8", b"Hallo.").status == 400
    assert server.request("POST", "/v1/translate", latin).status == 400  # utf-8 by default
    assert "not valid utf-8" in server.request("POST", "/v1/translate", latin).json()["error"]


# --- batching --------------------------------------------------------------------------------

def _concurrently(calls) -> list:
    results: list = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(i: int) -> None:
        gate.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_requests_share_engine_calls_and_get_what_they_get_alone(server):
    texts = PARAGRAPHS[:12]
    before = server.batcher.stats.calls
    together = _concurrently([
        (lambda t=t: server.request("POST", "/v1/translate", t.encode())) for t in texts])
    calls = server.batcher.stats.calls - before
    assert all(r.status == 200 for r in together), together
    assert calls < len(texts)  # batched: fewer engine calls than requests
    assert server.batcher.stats.largest > 1
    alone = [server.request("POST", "/v1/translate", t.encode()) for t in texts]
    assert [r.body for r in together] == [r.body for r in alone]


def test_libretranslate_list_is_one_batch_and_matches_single_requests(server):
    texts = PARAGRAPHS[:4]
    before = server.batcher.stats.calls
    r = server.post_json("/translate", {"q": texts, "source": "de", "target": "en"})
    assert r.status == 200, r
    assert server.batcher.stats.calls - before == 1
    singles = [server.post_json("/translate", {"q": t, "source": "de", "target": "en"})
               .json()["translatedText"] for t in texts]
    assert r.json()["translatedText"] == singles


# --- LibreTranslate's documented examples -----------------------------------------------------

def test_libretranslate_translate_form_and_json(server):
    r = server.post_form("/translate", {"q": "Guten Morgen!", "source": "de", "target": "en",
                                        "format": "text"})
    assert r.status == 200 and isinstance(r.json()["translatedText"], str), r
    records = server.request("POST", "/v1/translate", "Guten Morgen!".encode()).body.splitlines()
    assert r.json()["translatedText"] == json.loads(records[0])["target"]
    j = server.post_json("/translate", {"q": "Guten Morgen!", "source": "de", "target": "en",
                                        "api_key": "ignored-when-open"})
    assert j.status == 200 and j.json() == r.json()
    assert "detectedLanguage" not in j.json()


def test_libretranslate_translated_text_keeps_paragraphs(server):
    q = "Erster Satz hier. Zweiter Satz dort.\n\nNeuer Absatz."
    out = server.post_json("/translate", {"q": q, "source": "de", "target": "en"}).json()
    records = [json.loads(line) for line in
               server.request("POST", "/v1/translate", q.encode()).body.splitlines()]
    assert len(records) == 3
    assert out["translatedText"] == (f"{records[0]['target']} {records[1]['target']}\n\n"
                                     f"{records[2]['target']}")


def test_libretranslate_errors(server):
    def err(r, status: int) -> str:
        assert r.status == status, r
        assert r.headers["content-type"].startswith("application/json")
        return r.json()["error"]

    base = {"q": "Hallo.", "source": "de", "target": "en"}
    assert err(server.post_form("/translate", {"source": "de", "target": "en", "format": "text"}),
               400) == "Invalid request: missing q parameter"
    assert err(server.post_form("/translate", {**base, "target": "zz"}), 400) == "zz is not supported"
    assert err(server.post_form("/translate", {**base, "source": "xx"}), 400) == "xx is not supported"
    assert "not available as a target language" in err(
        server.post_form("/translate", {**base, "source": "en", "target": "de"}), 400)
    assert err(server.post_form("/translate", {**base, "format": "html"}), 400) == \
        "html format is not supported"
    assert err(server.post_json("/translate", {**base, "q": {"a": 1}}), 400).startswith("Invalid request")
    assert err(server.request("POST", "/translate", b'{"q": "Hallo", ',
                              {"Content-Type": "application/json"}), 400) == "Invalid JSON format"
    assert err(server.request("POST", "/translate", b'["q"]',
                              {"Content-Type": "application/json"}), 400) == "Invalid JSON format"
    assert "UTF-8" in err(server.request("POST", "/translate", b'{"q": "\xe4", "source": "de"}',
                                         {"Content-Type": "application/json"}), 400)
    assert "UTF-8" in err(server.request(
        "POST", "/translate", b"q=%E4&source=de&target=en",
        {"Content-Type": "application/x-www-form-urlencoded"}), 400)
    assert err(server.request("GET", "/translate"), 405)
    assert err(server.request("POST", "/languages"), 405)
    assert err(server.request("GET", "/nowhere"), 404)


def test_libretranslate_languages(server):
    r = server.request("GET", "/languages")
    assert r.status == 200
    assert r.json() == [{"code": "de", "name": "German", "targets": ["en"]},
                        {"code": "en", "name": "English", "targets": []}]
    assert server.request("GET", "/health").json() == {"status": "ok"}


def test_translate_file_round_trip_in_memory(server, monkeypatch):
    import tempfile

    def no_disk(*a, **k):
        raise AssertionError("an upload touched the disk")

    for name in ("mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, name, no_disk)
    r = server.post_multipart("/translate_file", {"source": "de", "target": "en"},
                              {"file": ("artikel 2.txt", ARTICLE)})
    assert r.status == 200, r
    url = r.json()["translatedFileUrl"]
    assert url.startswith(server.url + "/download_file/") and url.endswith("artikel_2.txt")
    got = server.request("GET", url[len(server.url):])
    assert got.status == 200 and "attachment" in got.headers["content-disposition"]
    expected = server.post_json("/translate", {"q": ARTICLE.decode(), "source": "de",
                                               "target": "en"}).json()["translatedText"]
    assert got.body.decode() == expected
    assert server.request("GET", "/download_file/nothing.txt").status == 404
    bad = server.post_multipart("/translate_file", {"source": "de", "target": "en"},
                                {"file": ("a.docx", ARTICLE)})
    assert bad.status == 400 and bad.json()["error"] == "Invalid request: file format not supported"
    latin = server.post_multipart("/translate_file", {"source": "de", "target": "en"},
                                  {"file": ("a.txt", "Öl".encode("cp1252"))})
    assert latin.status == 400 and "utf-8" in latin.json()["error"]
    missing = server.post_multipart("/translate_file", {"source": "de", "target": "en"}, {})
    assert missing.json()["error"] == "Invalid request: missing file parameter"


def test_engine_failure_is_a_500_for_that_request_only(server, monkeypatch):
    translator = server.batcher.translator
    real = translator.translate_documents

    def failing(docs, paths=None):
        if any("KAPUTT" in doc.text for doc, _ in docs):
            raise RuntimeError("the engine fell over")
        return real(docs, paths)

    monkeypatch.setattr(translator, "translate_documents", failing)
    bad, good = _concurrently([
        lambda: server.post_json("/translate", {"q": "KAPUTT ist das.", "source": "de", "target": "en"}),
        lambda: server.post_json("/translate", {"q": "Alles gut.", "source": "de", "target": "en"})])
    assert bad.status == 500 and bad.json() == {"error": "Cannot translate text: the engine fell over"}
    assert good.status == 200, good
    assert server.request("GET", "/languages").status == 200  # still serving


# --- limits, keys, CORS -----------------------------------------------------------------------

def test_api_keys(guarded):
    q = {"q": "Hallo Welt.", "source": "de", "target": "en"}
    for r in (guarded.post_json("/translate", q), guarded.post_json("/translate", {**q, "api_key": "nope"}),
              guarded.request("POST", "/v1/translate", b"Hallo."),
              guarded.post_form("/detect", {"q": "Hallo", "api_key": "k3"})):
        assert r.status == 403 and "API key" in r.json()["error"], r
    assert guarded.post_json("/translate", {**q, "api_key": "k1"}).status == 200
    assert guarded.post_form("/translate", {**q, "api_key": "k2"}).status == 200
    assert guarded.request("POST", "/v1/translate?api_key=k1", b"Hallo.").status == 200
    assert guarded.request("POST", "/v1/translate", b"Hallo.",
                           {"Authorization": "Bearer k2"}).status == 200
    assert guarded.request("GET", "/languages").status == 200  # as LibreTranslate: no key needed
    page = guarded.request("GET", "/").body.decode()
    assert 'id="key"' in page


def test_char_limit(guarded):
    long = "Ein Satz. " * 31  # 310 characters
    r = guarded.post_json("/translate", {"q": long, "source": "de", "target": "en", "api_key": "k1"})
    assert r.status == 400 and r.json()["error"] == \
        "Invalid request: request (310) exceeds text limit (300)"
    r = guarded.request("POST", "/v1/translate?api_key=k1", long.encode())
    assert r.status == 400 and "exceeds text limit" in r.json()["error"]


def _raw(port: int, head: bytes, body: bytes = b"", wait: float = 10) -> bytes:
    """Send ``head`` and part of a body, then read the answer without sending the rest."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_body_limit_answers_before_the_body_is_read(guarded):
    started = time.monotonic()
    answer = _raw(guarded.port, b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  b"application/json\r\nContent-Length: 100000000\r\n\r\n", b'{"q": "')
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b'"error":"Invalid request: the request body (100,000,000 bytes) exceeds' in answer
    assert time.monotonic() - started < 5
    chunked = b"".join(b"%x\r\n%s\r\n" % (1000, b"a" * 1000) for _ in range(5)) + b"0\r\n\r\n"
    answer = _raw(guarded.port, b"POST /v1/translate?api_key=k1 HTTP/1.1\r\nHost: x\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n", chunked)
    assert answer.startswith(b"HTTP/1.1 413"), answer


def test_memory_is_the_clis(guarded, tiny_model, monkeypatch):
    text = "Der Gemeinderat tagt am Montag im Rathaus."
    first = guarded.request("POST", "/v1/translate?api_key=k1", text.encode())
    again = guarded.request("POST", "/v1/translate?api_key=k1", text.encode())
    assert "from_cache" not in json.loads(first.body)["flags"]
    assert "from_cache" in json.loads(again.body)["flags"]
    monkeypatch.setenv("PIPELINE_CACHE", str(guarded.cache))
    out = cli(["--model-dir", str(tiny_model)], text.encode())
    assert "from_cache" in json.loads(out)["flags"]
    assert json.loads(out)["target"] == json.loads(first.body)["target"]


def test_cors_only_for_the_origin_given(server, guarded):
    hello = {"q": "Hallo.", "source": "de", "target": "en", "api_key": "k1"}
    mine = guarded.post_json("/translate", hello, {"Origin": "https://news.example"})
    assert mine.headers.get("access-control-allow-origin") == "https://news.example"
    other = guarded.post_json("/translate", hello, {"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    plain = server.post_json("/translate", hello, {"Origin": "https://news.example"})
    assert "access-control-allow-origin" not in plain.headers


# --- language identification (pipeline.detect_language) ------------------------------------

def _detect_language():
    import pipeline

    try:
        return pipeline.detect_language
    except AttributeError:
        return None


def test_detect_and_auto(server):
    if _detect_language() is None:
        pytest.skip("pipeline.detect_language is not in this build yet")
    german = "Die Bundesregierung hat am Mittwoch ein neues Gesetz beschlossen."
    r = server.post_form("/detect", {"q": german})
    assert r.status == 200, r
    assert r.json()[0]["language"] == "de" and 0 < r.json()[0]["confidence"] <= 100
    t = server.post_json("/translate", {"q": german, "source": "auto", "target": "en"})
    assert t.status == 200 and t.json()["detectedLanguage"]["language"] == "de", t
    english = "The government passed a new law on Wednesday after a long debate."
    e = server.post_json("/translate", {"q": english, "source": "auto", "target": "en"})
    assert e.status == 400 and "not available" in e.json()["error"]


def test_detect_and_auto_use_pipeline_detect_language(server, monkeypatch):
    """The wiring and the confidence, with a stand-in identifier (English when a line has
    "the", else German)."""
    import pipeline

    calls = []

    def fake(text, candidates=None):
        calls.append(candidates)
        if not any(c.isalpha() for c in text):
            raise pipeline.InputError("cannot identify the language of a text without letters")
        return "en" if " the " in f" {text.lower()} " else "de"

    monkeypatch.setattr(pipeline, "detect_language", fake, raising=False)
    german, english = "Die Regierung hat heute entschieden.", "The government decided it today."
    r = server.post_json("/detect", {"q": f"{german}\n{english}"})  # the whole: German
    share = round(100 * len(german) / (len(german) + len(english)), 1)
    assert r.status == 200 and r.json() == [{"confidence": share, "language": "de"}], r
    assert server.post_form("/detect", {"q": "Guten Tag."}).json() == \
        [{"confidence": 100.0, "language": "de"}]
    t = server.post_json("/translate", {"q": ["Guten Tag.", "Hallo Welt."], "source": "auto",
                                        "target": "en"})
    assert t.status == 200, t
    assert t.json()["detectedLanguage"] == [{"confidence": 100.0, "language": "de"}] * 2
    assert t.json()["translatedText"] == server.post_json(
        "/translate", {"q": ["Guten Tag.", "Hallo Welt."], "source": "de", "target": "en"}
    ).json()["translatedText"]
    assert ["de", "en"] in calls  # auto chooses among the languages served
    e = server.post_json("/translate", {"q": "Read the news.", "source": "auto", "target": "en"})
    assert e.status == 400 and e.json()["error"] == \
        "English (en) is not available as a target language from English (en)"
    numbers = server.post_form("/detect", {"q": "1234 5678"})
    assert numbers.status == 400 and "without letters" in numbers.json()["error"]
    v1 = server.request("POST", "/v1/translate?source=auto&format=all", "Guten Tag.".encode())
    assert v1.json()["detectedLanguage"] == {"confidence": 100.0, "language": "de"}


def test_detect_errors(server):
    assert server.request("GET", "/detect").status == 405
    r = server.request("POST", "/detect")
    assert r.status == 400 and "error" in r.json()
    if _detect_language() is None:  # until language identification is merged: a clear 500
        r = server.post_form("/detect", {"q": "Hallo Welt"})
        assert r.status == 500 and "language identification" in r.json()["error"]


# --- the command -------------------------------------------------------------------------------

def test_serve_command_is_safe_by_default(monkeypatch, tmp_path):
    import pipeline.serve.app

    seen = {}
    monkeypatch.setattr(pipeline.serve.app, "serve",
                        lambda settings, **kw: seen.update(kw, settings=settings))
    res = CliRunner().invoke(app, ["serve", "--model-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 5000
    settings = seen["settings"]
    assert settings.api_keys is None and settings.cors == () and settings.char_limit == -1
    assert settings.max_body_bytes == 1024 * 1024
    keys = tmp_path / "keys"
    keys.write_text("# comment\n\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["serve", "--api-keys", str(keys)])
    assert res.exit_code == 2 and "holds no API key" in res.output
    keys.write_text("alpha # the newsroom\nbeta\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["serve", "--api-keys", str(keys), "--host", "0.0.0.0"])
    assert seen["settings"].api_keys == {"alpha", "beta"} and seen["host"] == "0.0.0.0"
    res = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert "without --api-keys" in res.output



def test_serve_command_without_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if it were not installed
    res = CliRunner().invoke(app, ["serve"])
    assert res.exit_code == 2
    assert res.output.strip() == ("error: pipeline serve needs the serve extra (uvicorn is "
                                  "missing): pip install 'pipeline[serve]'")
