"""Every output format is rendered from the canonical records and read back to the same
pairs; the manifest describes the directory; ``verify`` catches any disagreement."""

from __future__ import annotations

import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.formats import html, jsonl, moses, parse_selection, tmx, tsv
from pipeline.provenance import Provenance
from pipeline.records import Record

runner = CliRunner()
SCHEMA = Path(__file__).resolve().parent.parent / "pipeline" / "schema" / "record.schema.json"
STEMS = ("article_01", "article_02")
SIDE_FILES = (".tsv", ".de", ".en", ".tmx", ".html")


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def translated_base(tiny_model, tmp_path_factory):
    """The seeds translated once, into every format, with relative paths (``raw/...``) so
    that tests can work on private copies."""
    from tests.conftest import SEEDS

    base = tmp_path_factory.mktemp("formats")
    (base / "raw").mkdir()
    for p in SEEDS.glob("*.txt"):
        shutil.copy(p, base / "raw" / p.name)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(base)
        mp.setenv("PIPELINE_CACHE", str(base / "cache"))
        mp.setenv("HF_HUB_OFFLINE", "1")
        res = run("translate", "raw", "-o", "out", "--model-dir", tiny_model, "--no-cache", "-q")
        assert res.exit_code == 0, res.output
    return base


@pytest.fixture()
def work(translated_base, tmp_path, monkeypatch) -> Path:
    """A private copy of the translated seeds; the current directory is its root."""
    for name in ("raw", "out"):
        shutil.copytree(translated_base / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "out"


def records_of(out: Path, stem: str) -> list[Record]:
    return jsonl.read(out / f"{stem}.jsonl")


PROVENANCE = Provenance(model={"dir": "/m", "files": {"config.json": "1" * 64}},
                        engine={"name": "transformers", "version": "5",
                                "decoding": {"num_beams": 4}},
                        splitter="pipeline-de/1.0", pipeline="0.1.0")


def tricky_records() -> list[Record]:
    """Records whose text needs escaping in every format."""
    texts = [
        ("Er schrieb <script>alert('x')</script> & ging.", "He wrote </script><b>bold</b> & left."),
        ("Tab\there, CR\r\nLF\nend \\n \\t \\\\", 'Quote " and \' and ]]> and --> end'),
        ("Steuerzeichen \x01\x08\x0b\x0c\x1f\x7f und \ufffe\uffff.", "NUL \x00 and \x1b[0m."),
        ("  Leerzeichen am Rand  ", "\u2028line\u2029sep\x85nel"),
    ]
    out = []
    for i, (s, t) in enumerate(texts):
        out.append(Record(
            doc_path="a&b <c>.txt", doc_sha256="0" * 64, index=i, paragraph=1 if i == 3 else 0,
            line=0, kind="heading" if i == 3 else "sentence", start=i * 100,
            end=i * 100 + len(s), source=s, target=t,
            flags=("output_cap", "from_cache") if i == 1 else (),
            score=None if i == 2 else -0.25 * i - 0.1, source_tokens=3, target_tokens=3,
            fingerprint="", provenance=PROVENANCE if i == 0 else None))
    return out


# --- all formats, schema, manifest ----------------------------------------------------------

def test_all_formats_written_for_the_seeds(work):
    names = {p.name for p in work.iterdir()}
    for stem in STEMS:
        assert {stem + s for s in (".jsonl", *SIDE_FILES)} <= names
    assert "manifest.json" in names
    assert not [n for n in names if n.endswith(".tmp")]


def test_every_record_matches_the_schema(work):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    n = 0
    for f in sorted(work.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            validator.validate(json.loads(line))
            n += 1
    assert n > 30
    for record in tricky_records():
        validator.validate(record.to_dict())
    bad = dict(records_of(work, "article_01")[0].to_dict(), kind="poem")
    assert not validator.is_valid(bad)


def test_manifest_describes_the_directory(work):
    m = json.loads((work / "manifest.json").read_text())
    assert m["manifest"] == "pipeline.manifest/2" and m["pipeline"]
    assert [d["records"] for d in m["documents"]] == [f"{s}.jsonl" for s in STEMS]
    for d in m["documents"]:
        records = records_of(work, Path(d["records"]).stem)
        assert d["sentences"] == len(records) and d["status"] == "translated"
        assert d["source_sha256"] == records[0].doc_sha256
        assert d["flags"]["output_cap"] == sum("output_cap" in r.flags for r in records)
        assert set(d["outputs"]) == {Path(d["records"]).stem + s for s in SIDE_FILES}
        for name, digest in d["outputs"].items():
            assert hashlib.sha256((work / name).read_bytes()).hexdigest() == digest
        assert m["runs"][d["fingerprint"]] == records[0].provenance.to_dict()
    prov = records[0].provenance
    assert m["model"] == prov.model and m["engine"] == prov.engine
    assert {i["path"] for i in m["inputs"]} == {f"../raw/{s}.txt" for s in STEMS}
    assert all(len(i["sha256"]) == 64 for i in m["inputs"])
    assert m["settings"]["formats"] == ["jsonl", "tsv", "moses", "tmx", "html"]
    assert m["timings"]["seconds"] >= 0 and "transformers" in m["libraries"]
    assert m["totals"]["sentences"] == sum(d["sentences"] for d in m["documents"])


def test_incremental_run_keeps_outputs_and_a_complete_manifest(tiny_model, work):
    before = {p.name: p.read_bytes() for p in work.iterdir() if p.name != "manifest.json"}
    res = run("translate", "raw/article_02.txt", "-o", work, "--model-dir", tiny_model,
              "--no-cache", "-q")
    assert res.exit_code == 0, res.output
    assert {p.name: p.read_bytes() for p in work.iterdir() if p.name != "manifest.json"} == before
    m = json.loads((work / "manifest.json").read_text())
    assert {d["records"]: d["status"] for d in m["documents"]} == {
        "article_01.jsonl": "earlier run", "article_02.jsonl": "up to date"}
    assert run("verify", *sorted(work.glob("*.jsonl"))).exit_code == 0


def test_manifest_reuses_entries_of_unchanged_files_only(tiny_model, work, monkeypatch):
    """Adding to a large directory must not re-read every record file: an entry whose files
    kept their size, mtime and inode is taken over; one whose side file changed is redone."""
    from pipeline import manifest

    read = []
    real = manifest.document_entry
    monkeypatch.setattr(manifest, "document_entry",
                        lambda path, *a, **k: read.append(path.name) or real(path, *a, **k))
    real_hash = manifest.sha256_file
    hashed = []
    monkeypatch.setattr(manifest, "sha256_file",
                        lambda path: hashed.append(Path(path).name) or real_hash(path))

    def add_article_02():  # skipped as up to date (and touched, so that make agrees)
        res = run("translate", "raw/article_02.txt", "-o", work, "--model-dir", tiny_model,
                  "--no-cache", "-q")
        assert res.exit_code == 0, res.output

    add_article_02()  # the copied files have new inodes: every entry is redone once
    read.clear()
    hashed.clear()
    add_article_02()
    assert read == [] and hashed == []  # nothing changed: nothing is read or hashed again
    read.clear()
    tsv = work / "article_01.tsv"
    tsv.write_text(tsv.read_text(encoding="utf-8") + "x\ty\n", encoding="utf-8")
    add_article_02()
    assert read == ["article_01.jsonl"]  # only the changed one
    m = json.loads((work / "manifest.json").read_text())
    entry = {d["records"]: d for d in m["documents"]}
    assert entry["article_01.jsonl"]["outputs"]["article_01.tsv"] == \
        hashlib.sha256(tsv.read_bytes()).hexdigest()
    assert entry["article_02.jsonl"]["status"] == "up to date"
    assert entry["article_01.jsonl"]["stat"]["article_01.tsv"][0] == tsv.stat().st_size
    # verify re-reads everything: the edited TSV no longer agrees with its records
    assert run("verify", work / "article_01.jsonl").exit_code == 1


def test_format_option_selects_files(tiny_model, seeds, tmp_path):
    out = tmp_path / "o"
    res = run("translate", seeds / "article_02.txt", "-o", out, "--model-dir", tiny_model,
              "--format", "tmx,html", "--no-cache", "-q")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "article_02.html", "article_02.jsonl", "article_02.tmx", "manifest.json"]
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model, "--format", "pdf")
    assert res.exit_code == 2 and "pdf" in res.output


def test_parse_selection():
    assert parse_selection(None) == ("jsonl", "tsv", "moses", "tmx", "html")
    assert parse_selection(["html", "tsv,moses"]) == ("jsonl", "tsv", "moses", "html")
    assert parse_selection(["all"]) == parse_selection([])


# --- TMX -----------------------------------------------------------------------------------

def test_tmx_parses_back_to_exactly_the_records(work):
    for stem in STEMS:
        records = records_of(work, stem)
        prov = records[0].provenance
        text = (work / f"{stem}.tmx").read_text(encoding="utf-8")
        root = ET.fromstring(text.encode("utf-8"))  # a real XML parser
        assert root.tag == "tmx" and root.get("version") == "1.4"
        header = root.find("header")
        assert header.get("srclang") == "de" and header.get("creationtool") == "pipeline"
        assert header.get("creationtoolversion") and header.get("segtype") == "sentence"
        tus = root.find("body").findall("tu")
        assert len(tus) == len(records)
        lang = "{http://www.w3.org/XML/1998/namespace}lang"
        for tu, r in zip(tus, records):
            props = {p.get("type"): p.text for p in tu.findall("prop")}
            assert props["x-doc-sha256"] == r.doc_sha256
            assert props["x-index"] == str(r.index)
            assert (props["x-start"], props["x-end"]) == (str(r.start), str(r.end))
            assert props["x-model"] == f"dir:{prov.model['dir']}"
            e = prov.engine
            assert props["x-engine"] == f"{e['name']} {e['version']} beam {e['decoding']['num_beams']}"
            assert props["x-flags"] == ",".join(r.flags)
            segs = {t.get(lang): t.find("seg").text for t in tu.findall("tuv")}
            assert segs == {"de": r.source, "en": r.target}
        assert tmx.parse(text) == records


def test_tmx_escapes_and_keeps_control_characters():
    records = tricky_records()
    text = tmx.render(records, "x")
    root = ET.fromstring(text.encode("utf-8"))
    assert len(root.find("body").findall("tu")) == len(records)
    assert "<script>" not in text and "\x01" not in text and "\x00" not in text
    assert '<ph type="x-char">U+0001</ph>' in text
    assert tmx.parse(text) == records


# --- Moses, TSV ----------------------------------------------------------------------------

def test_moses_files_are_line_aligned(work):
    for stem in STEMS:
        records = records_of(work, stem)
        de = (work / f"{stem}.de").read_text(encoding="utf-8")
        en = (work / f"{stem}.en").read_text(encoding="utf-8")
        assert len(de.splitlines()) == len(en.splitlines()) == len(records)
        assert list(zip(de.splitlines(), en.splitlines())) == [(r.source, r.target) for r in records]


def test_moses_line_breaks_inside_text_become_spaces():
    records = tricky_records()
    files = moses.render_files(records, "x")
    for name in ("x.de", "x.en"):
        assert len(files[name].splitlines()) == len(records)  # splitlines: the strictest reader
    assert moses.parse_side(files["x.de"])[1] == "Tab\there, CR  LF end \\n \\t \\\\"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(), st.text()), max_size=5))
def test_tsv_round_trip(pairs):
    from types import SimpleNamespace

    records = [SimpleNamespace(source=s, target=t) for s, t in pairs]
    text = tsv.render(records)
    assert text.count("\n") == len(pairs)
    assert tsv.parse(text) == pairs


def test_tsv_escapes_tabs_newlines_backslashes():
    records = tricky_records()
    line = tsv.render(records[1:2])
    assert line == "Tab\\there, CR\\r\\nLF\\nend \\\\n \\\\t \\\\\\\\\tQuote \" and ' and ]]> and --> end\n"
    assert tsv.parse(tsv.render(records)) == [(r.source, r.target) for r in records]


# --- HTML ----------------------------------------------------------------------------------

def test_html_shows_script_as_text_and_is_self_contained():
    records = tricky_records()
    page = html.render(records, "x<y>")
    assert "<script>alert" not in page and "</script><b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert page.count("<script") == 2 and page.count("</script>") == 2
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for needle in ("http://", "https://", " src=", "<link rel=\"stylesheet\"", "@import", "url("):
        assert needle not in page
    assert "<title>x&lt;y&gt; — German / English</title>" in page
    pairs, back = html.parse(page)
    assert pairs == [(html.display_text(r.source), html.display_text(r.target))
                     for r in records]
    from dataclasses import replace

    assert back == [replace(r, source=html.display_text(r.source),
                            target=html.display_text(r.target)) for r in records]
    assert "<h2>" in page and 'data-flag="from_cache"' in page and 'data-flag="output_cap"' in page


def test_html_kinds_and_flags(work):
    page = (work / "article_01.html").read_text(encoding="utf-8")
    records = records_of(work, "article_01")
    assert page.count('class="s') == 2 * len(records)
    assert "<ul><li>" in page and 'class="boilerplate"' in page
    pairs, back = html.parse(page)
    assert back == records
    body = page[page.index("<main"):page.index("</main>")]
    assert body.count('data-flag="output_cap"') == sum("output_cap" in r.flags for r in records)


def test_unknown_flag_and_low_score_are_shown():
    from dataclasses import replace

    r = replace(tricky_records()[0], flags=("brand_new_flag",), score=-4.0)
    page = html.render([r], "x")
    assert 'data-flag="brand_new_flag"' in page and "brand new flag" in page
    assert 'data-flag="low_score"' in page


# --- export --------------------------------------------------------------------------------

def test_export_rerenders_identical_files(work, tmp_path):
    again = tmp_path / "again"
    res = run("export", "all", *sorted(work.glob("*.jsonl")), "-o", again)
    assert res.exit_code == 0, res.output
    for stem in STEMS:
        for suffix in (".jsonl", *SIDE_FILES):
            assert (again / (stem + suffix)).read_bytes() == (work / (stem + suffix)).read_bytes()
    for f in work.glob("*.tmx"):
        f.unlink()
    res = run("export", "tmx", work / "article_01.jsonl")
    assert res.exit_code == 0, res.output
    assert (work / "article_01.tmx").read_bytes() == (again / "article_01.tmx").read_bytes()
    assert run("verify", *sorted(work.glob("*.jsonl"))).exit_code == 0
    assert run("export", "docx", work / "article_01.jsonl").exit_code == 2


# --- verify catches ------------------------------------------------------------------------

def test_verify_accepts_all_formats(work):
    res = run("verify", *sorted(work.glob("*.jsonl")))
    assert res.exit_code == 0, res.output


def test_verify_catches_edited_tmx_segment(work):
    f = work / "article_01.tmx"
    records = records_of(work, "article_01")
    old = records[4].target
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace(f"<seg>{old}</seg>", "<seg>Something else entirely.</seg>", 1),
                 encoding="utf-8")
    res = run("verify", work / "article_01.jsonl")
    assert res.exit_code == 1
    assert "article_01.tmx: <tu> 5: English is 'Something else entirely.'" in res.output


def test_verify_catches_other_format_edits(work):
    de = work / "article_02.de"
    lines = de.read_text(encoding="utf-8").splitlines(keepends=True)
    de.write_text("".join(lines[1:] + lines[:1]), encoding="utf-8")
    res = run("verify", work / "article_02.jsonl")
    assert res.exit_code == 1 and "article_02.de: line 1: German is" in res.output
    page = work / "article_01.html"
    page.write_text(page.read_text(encoding="utf-8").replace("Lukaschenko", "Lukashenko", 1),
                    encoding="utf-8")
    res = run("verify", work / "article_01.jsonl")
    assert res.exit_code == 1 and "article_01.html: pair 1: German is" in res.output


def test_verify_catches_deleted_jsonl_line(work):
    f = work / "article_02.jsonl"
    lines = f.read_text(encoding="utf-8").splitlines(keepends=True)
    f.write_text("".join(lines[:-1]), encoding="utf-8")
    res = run("verify", f)
    assert res.exit_code == 1
    assert "text after the last record belongs to no record" in res.output


def test_verify_catches_manifest_naming_the_wrong_model(work):
    f = work / "manifest.json"
    m = json.loads(f.read_text())
    m["model"]["files"]["model.safetensors"] = "f" * 64
    f.write_text(json.dumps(m))
    res = run("verify", work / "article_01.jsonl")
    assert res.exit_code == 1
    assert "manifest names the wrong model" in res.output and "files" in res.output
    m = json.loads(f.read_text())
    del m["model"]["files"]["model.safetensors"]
    for prov in m["runs"].values():
        prov["engine"]["decoding"]["num_beams"] = 7
    f.write_text(json.dumps(m))
    res = run("verify", work / "article_01.jsonl")
    assert res.exit_code == 1 and "the manifest names the wrong run" in res.output


def test_verify_catches_manifest_disagreeing_with_records(work):
    f = work / "manifest.json"
    m = json.loads(f.read_text())
    m["documents"][1]["sentences"] += 1
    f.write_text(json.dumps(m))
    res = run("verify", work / "article_02.jsonl")
    assert res.exit_code == 1 and "article_02.jsonl: sentences is" in res.output


def test_verify_catches_changed_source_file(work):
    src = work.parent / "raw" / "article_02.txt"
    src.write_text(src.read_text(encoding="utf-8").replace("Minsk", "Minsc", 1), encoding="utf-8")
    res = run("verify", work / "article_02.jsonl")
    assert res.exit_code == 1 and "source changed" in res.output


def test_manifest_of_a_pinned_run_names_the_lock(tiny_model, seeds, tmp_path, monkeypatch):
    from pipeline.lock import read_lock
    from tests.conftest import fake_hub_cache, pinned_lock_for

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    fake_hub_cache(tmp_path / "hf", tiny_model)
    pinned_lock_for(tiny_model, tmp_path)
    lock, out = tmp_path / "models.lock", tmp_path / "o"
    res = run("translate", seeds / "article_02.txt", "-o", out, "--lock", lock, "--no-cache",
              "-q", "--format", "tmx")
    assert res.exit_code == 0, res.output
    m = json.loads((out / "manifest.json").read_text())
    assert m["model"]["lock_digest"] == read_lock(lock).digest()
    assert m["model"]["repo"] and len(m["model"]["revision"]) == 40
    assert run("verify", out / "article_02.jsonl", "--lock", lock).exit_code == 0
    m["model"]["lock_digest"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(m))
    res = run("verify", out / "article_02.jsonl", "--lock", lock)
    assert res.exit_code == 1 and "names models.lock digest 000000000000" in res.output
    m["model"]["revision"] = "f" * 40
    (out / "manifest.json").write_text(json.dumps(m))
    res = run("verify", out / "article_02.jsonl", "--lock", lock)
    assert res.exit_code == 1 and "(revision): the manifest names the wrong model" in res.output
