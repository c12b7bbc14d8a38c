"""End to end through the CLI: translate the seeds with --model-dir, verify, and error paths."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import pipeline
from pipeline.cli import app
from pipeline.formats import jsonl, tsv

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture()
def translated(tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model)
    assert res.exit_code == 0, res.output
    return seeds, out


def test_translate_writes_valid_records(translated, tiny_model):
    seeds, out = translated
    for src in sorted(seeds.glob("*.txt")):
        text = src.read_text(encoding="utf-8")
        records = jsonl.read(out / f"{src.stem}.jsonl")
        assert records
        assert [r.index for r in records] == list(range(len(records)))
        prev = 0
        for r in records:
            assert text[r.start:r.end] == r.source
            assert r.start >= prev
            prev = r.end
            assert r.doc_path == f"../raw/{src.name}"  # relative to the record file
            assert r.fingerprint == records[0].fingerprint
            assert "output_cap" in r.flags  # a random model always runs to its cap
        prov = records[0].provenance
        assert prov.model["files"] and prov.model["dir"] == str(tiny_model.resolve())
        assert prov.engine["name"] == "ctranslate2" and prov.engine["decoding"]["num_beams"] == 4
        assert prov.splitter.startswith("pipeline-de/")
        assert all(r.provenance is None for r in records[1:])  # once per document
        pairs = tsv.parse((out / f"{src.stem}.tsv").read_text(encoding="utf-8"))
        assert pairs == [(r.source, r.target) for r in records]
    assert not list(out.glob(".*.tmp"))


def test_verify_accepts_then_rejects_changed_source(translated):
    seeds, out = translated
    res = run("verify", *sorted(out.glob("*.jsonl")))
    assert res.exit_code == 0, res.output
    src = seeds / "article_02.txt"
    text = src.read_text(encoding="utf-8")
    src.write_text(text.replace("Minsk", "Minsc", 1), encoding="utf-8")
    res = run("verify", out / "article_02.jsonl")
    assert res.exit_code == 1
    assert "source changed" in res.output


def test_verify_rejects_deleted_line_and_edited_span(translated):
    _, out = translated
    f = out / "article_01.jsonl"
    lines = f.read_text().splitlines(keepends=True)
    f.write_text("".join(lines[:3] + lines[4:]))
    res = run("verify", f)
    assert res.exit_code == 1 and "index" in res.output
    rec = json.loads(lines[2])
    rec["source"] = rec["source"] + "x"
    f.write_text("".join(lines[:2] + [json.dumps(rec, ensure_ascii=False) + "\n"] + lines[3:]))
    res = run("verify", f)
    assert res.exit_code == 1 and ":3:" in res.output


def test_verify_rejects_changed_model_dir(tiny_model, seeds, tmp_path, model_copy):
    out = tmp_path / "o"
    assert run("translate", seeds / "article_02.txt", "-o", out, "--model-dir", model_copy).exit_code == 0
    with open(model_copy / "generation_config.json", "a") as f:
        f.write("\n")
    res = run("verify", out / "article_02.jsonl")
    assert res.exit_code == 1 and "generation_config.json" in res.output


def test_beam_override_recorded(tiny_model, seeds, tmp_path):
    out = tmp_path / "o"
    assert run("translate", seeds / "article_02.txt", "-o", out, "--model-dir", tiny_model,
               "--beam", "1").exit_code == 0
    rec = jsonl.read(out / "article_02.jsonl")[0]
    assert rec.provenance.engine["decoding"]["num_beams"] == 1
    assert "beam:1" in rec.provenance.signature()


def test_split_jsonl_from_stdin():
    text = "Berlin ist groß. Am 13. Februar kam er. Dr. Meier sagte nichts."
    res = runner.invoke(app, ["split", "-", "--format", "jsonl"], input=text.encode())
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert [r["text"] for r in rows] == ["Berlin ist groß.", "Am 13. Februar kam er.",
                                         "Dr. Meier sagte nichts."]
    assert all(text[r["start"]:r["end"]] == r["text"] for r in rows)
    assert [r["index"] for r in rows] == [0, 1, 2]


# --- error paths: one clear line, non-zero exit, nothing lost ---------------------------------

def test_missing_input(tiny_model, tmp_path):
    res = run("translate", tmp_path / "nope.txt", "-o", tmp_path / "o", "--model-dir", tiny_model)
    assert res.exit_code == 2 and "nope.txt: no such file" in res.output


def test_directory_without_txt(tiny_model, tmp_path):
    (tmp_path / "d").mkdir()
    res = run("translate", tmp_path / "d", "-o", tmp_path / "o", "--model-dir", tiny_model)
    assert res.exit_code == 2 and "no *.txt" in res.output


def test_bad_file_does_not_stop_the_others(tiny_model, seeds, tmp_path):
    (seeds / "bad.txt").write_bytes(b"Gr\xfc\xdfe aus K\xf6ln.")
    (seeds / "empty.txt").write_bytes(b"")
    out = tmp_path / "o"
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model)
    assert res.exit_code == 1
    assert "bad.txt: not valid utf-8" in res.output and "byte position 2" in res.output
    assert "empty.txt" in res.output and "empty" in res.output
    assert "2 translated, 0 skipped, 2 failed" in res.output
    assert sorted(p.name for p in out.glob("*.jsonl")) == ["article_01.jsonl", "article_02.jsonl"]


def test_unpinned_lock_offline_no_traceback(seeds, tmp_path):
    from tests.conftest import ROOT

    res = run("translate", seeds, "-o", tmp_path / "o", "--lock", ROOT / "models.lock")
    assert res.exit_code == 2
    assert "--model-dir" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_pinned_but_not_cached_offline(tiny_model, seeds, tmp_path):
    from tests.conftest import pinned_lock_for

    pinned_lock_for(tiny_model, tmp_path)
    res = run("translate", seeds, "-o", tmp_path / "o", "--lock", tmp_path / "models.lock")
    assert res.exit_code == 2
    assert "pipeline models fetch" in res.output and "--model-dir" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_tampered_model_refused_via_cli(tiny_model, seeds, tmp_path, monkeypatch):
    from tests.conftest import fake_hub_cache, pinned_lock_for

    cache = tmp_path / "hf"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    snap = fake_hub_cache(cache, tiny_model)
    pinned_lock_for(tiny_model, tmp_path)
    out = tmp_path / "o"
    res = run("translate", seeds / "article_02.txt", "-o", out, "--lock", tmp_path / "models.lock")
    assert res.exit_code == 0, res.output
    rec = jsonl.read(out / "article_02.jsonl")[0]
    assert rec.provenance.model["revision"].startswith("0123456789ab")
    assert run("models", "verify", "--lock", tmp_path / "models.lock").exit_code == 0
    weights = bytearray((snap / "model.safetensors").read_bytes())
    weights[-1] ^= 0xFF  # one flipped byte
    (snap / "model.safetensors").write_bytes(bytes(weights))
    res = run("translate", seeds / "article_01.txt", "-o", out, "--lock", tmp_path / "models.lock")
    assert res.exit_code == 2 and "model.safetensors" in res.output and "does not match" in res.output
    assert not (out / "article_01.jsonl").exists()
    assert run("models", "verify", "--lock", tmp_path / "models.lock").exit_code == 2


def test_help_does_not_import_torch():
    code = ("import sys; from pipeline.cli import app; from typer.testing import CliRunner; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0; "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_line_numbers_and_viewer_rows(translated):
    seeds, out = translated
    text = (seeds / "article_01.txt").read_text(encoding="utf-8")
    records = jsonl.read(out / "article_01.jsonl")
    for r in records:
        assert r.line == text[: r.start].count("\n")
    # the body of article_01 is one blank-line paragraph of several lines: one viewer row per line
    from pipeline.formats.html import _blocks

    body_lines = {r.line for r in records if r.paragraph == 1 and r.kind == "sentence"}
    assert len(body_lines) > 1
    assert len([b for b in _blocks(records) if b[2][0].paragraph == 1]) >= len(body_lines)


@pytest.mark.parametrize("option, value", [("--engine", "marian"), ("--compute-type", "int4")])
def test_unknown_engine_settings_refused_up_front(tiny_model, seeds, tmp_path, option, value):
    res = run("translate", seeds, "-o", tmp_path / "o", "--model-dir", tiny_model, option, value)
    assert res.exit_code == 2 and value in res.output
    assert not (tmp_path / "o").exists()


def test_translate_reads_standard_input_and_writes_standard_output(tiny_model):
    res = runner.invoke(app, ["translate", "-", "--model-dir", str(tiny_model), "--beam", "1"],
                        input="Das ist ein Test. Noch einer.\n".encode())
    assert res.exit_code == 0, res.output
    records = [pipeline.Record.from_json(line) for line in res.stdout.splitlines()]
    assert [r.source for r in records] == ["Das ist ein Test.", "Noch einer."]
    assert records[0].doc_path == "<stdin>" and records[0].provenance is not None
    res = runner.invoke(app, ["translate", "-", "--model-dir", str(tiny_model), "--beam", "1",
                              "--format", "tsv"], input="Das ist ein Test.\n".encode())
    assert res.exit_code == 0 and res.stdout.startswith("Das ist ein Test.\t")
    res = runner.invoke(app, ["translate", "-", "--model-dir", str(tiny_model), "--format",
                              "moses"], input=b"Test.\n")
    assert res.exit_code == 2 and "--format" in res.output and not res.stdout.startswith("Test")


def test_encoding_auto_reads_each_file_as_it_is_and_warns_about_misread_utf8(tiny_model,
                                                                            tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "utf8.txt").write_text("Grüße aus Köln.\n", encoding="utf-8")
    (src / "legacy.txt").write_bytes("Grüße aus Köln.\n".encode("cp1252"))
    out = tmp_path / "o"
    res = run("translate", src, "-o", out, "--model-dir", tiny_model, "--encoding", "auto")
    assert res.exit_code == 0, res.output
    for stem, encoding in (("utf8", "utf-8"), ("legacy", "cp1252")):
        rec = jsonl.read(out / f"{stem}.jsonl")[0]
        assert rec.source == "Grüße aus Köln." and rec.doc_encoding == encoding
    assert run("verify", *sorted(out.glob("*.jsonl"))).exit_code == 0
    res = run("translate", src / "utf8.txt", "-o", tmp_path / "o2", "--model-dir", tiny_model,
              "--encoding", "cp1252")
    assert "utf8.txt: is valid UTF-8 with non-ASCII text but is read as cp1252" in res.output


def test_version_and_a_summary_that_says_where_translations_came_from(tiny_model, seeds,
                                                                      tmp_path):
    res = run("--version")
    assert res.exit_code == 0 and res.output.strip() == f"pipeline {pipeline.__version__}"
    out = tmp_path / "o"
    res = run("translate", seeds / "article_02.txt", "-o", out, "--model-dir", tiny_model)
    assert "0 from the translation memory" in res.output
    res = run("translate", seeds / "article_02.txt", "-o", tmp_path / "o2", "--model-dir",
              tiny_model)
    assert "0 by the engine" in res.output and "0 from the translation memory" not in res.output
    res = run("translate", seeds / "article_02.txt", "-o", tmp_path / "o3", "--model-dir",
              tiny_model, "-q")
    assert res.output == ""  # quiet: nothing when all went well


def test_moses_english_edit_is_named_in_the_english_file(translated):
    _, out = translated
    en = out / "article_02.en"
    lines = en.read_text(encoding="utf-8").splitlines(keepends=True)
    en.write_text("Edited.\n" + "".join(lines[1:]), encoding="utf-8")
    res = run("verify", out / "article_02.jsonl")
    assert res.exit_code == 1 and "article_02.en: line 1: English is 'Edited.'" in res.output
