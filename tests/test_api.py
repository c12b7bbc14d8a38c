"""The library as a user calls it: the public API, records from every path, and no
dependence on the working directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import pipeline
from pipeline.cli import app
from pipeline.records import Record, RecordError

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "pipeline" / "schema" / "record.schema.json"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_the_readme_snippet(tiny_model, seeds, tmp_path):
    text = (seeds / "article_02.txt").read_text(encoding="utf-8")
    sents = pipeline.split(text)
    assert sents and all(text[s.start:s.end] == s.text(text) for s in sents)
    recs = pipeline.translate_text(text, model_dir=tiny_model)
    assert [r.source for r in recs] == [s.text(text) for s in sents]
    assert isinstance(recs[0], pipeline.Record) and recs[0].provenance is not None
    assert not any(tmp_path.glob("**/*.jsonl"))  # nothing written
    summary = pipeline.translate_files([seeds], tmp_path / "out", model_dir=tiny_model, beam=4)
    assert summary.ok and len(summary.translated) == 2
    done = pipeline.verify([tmp_path / "out" / "article_02.jsonl"])
    assert done[0].records == len(sents)
    line = (tmp_path / "out" / "article_02.jsonl").read_text(encoding="utf-8").splitlines()[0]
    rec = pipeline.Record.from_json(line)
    assert rec.to_json() == line
    # the written record is the one translate_text returned, seen from the output directory
    assert rec.target == recs[0].target and rec.doc_path == "../raw/article_02.txt"
    (tmp_path / "out" / "article_02.tsv").write_text("x\ty\n", encoding="utf-8")
    with pytest.raises(pipeline.VerificationError, match="article_02.tsv"):
        pipeline.verify([tmp_path / "out" / "article_02.jsonl"])


def test_a_translator_keeps_its_engine_across_calls(tiny_model):
    with pipeline.Translator(model_dir=tiny_model, beam=1, cache=False) as t:
        a = t.translate_text("Das ist ein Test.")
        engine = t.scheduler.engine
        b = t.translate_text("Das ist ein Test. Noch einer.")
        assert t.scheduler.engine is engine
    assert a[0].target == b[0].target and len(b) == 2


def test_import_and_help_load_no_engine_library():
    code = ("import sys, pipeline; from pipeline.cli import app; from typer.testing import "
            "CliRunner; r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0; "
            "print(sorted(m for m in ('torch', 'transformers', 'ctranslate2', 'sentencepiece', "
            "'starlette', 'uvicorn', 'python_multipart') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


RUN_TWICE = """
import sys
from pipeline import translate_files
for out in sys.argv[3:]:
    summary = translate_files([sys.argv[1]], out, model_dir=sys.argv[2], engine="torch",
                              beam=1, report=lambda message: None)
    print(summary.engine, summary.memory, "torch" in sys.modules, flush=True)
"""


@pytest.mark.slow
def test_a_torch_run_served_from_memory_never_imports_torch(tiny_model, seeds, tmp_path):
    """A torch run fills the translation memory (in this process: only the second run needs a
    process of its own, to see which modules it imports); the same sentences again come from
    the memory, or are skipped, without importing torch."""
    article = seeds / "article_02.txt"
    first = pipeline.translate_files([article], tmp_path / "a", model_dir=tiny_model,
                                     engine="torch", beam=1, report=lambda message: None)
    engine, memory = first.engine, first.memory
    assert engine > 0 and "torch" in sys.modules
    second = subprocess.run([sys.executable, "-c", RUN_TWICE, str(article), str(tiny_model),
                             str(tmp_path / "b"), str(tmp_path / "b")],
                            capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    new_dir, same_dir = second.stdout.splitlines()
    assert new_dir.split() == ["0", str(memory or engine), "False"]
    assert same_dir.split() == ["0", "0", "False"]  # everything up to date


# --- records from every path match the schema and round-trip exactly -------------------------

def _all_lines(directory: Path) -> list[str]:
    return [line for f in sorted(directory.glob("*.jsonl"))
            for line in f.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_records_from_every_path_match_the_schema(tiny_model, seeds, tmp_path, monkeypatch):
    jsonschema = pytest.importorskip("jsonschema")
    from tests.conftest import fake_hub_cache, pinned_lock_for

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    long = ("Die Regierung, die seit Jahren, wie berichtet wird, mit der Opposition verhandelt, "
            "hat am Montag; nach langen Gesprächen: einen Kompromiss gefunden, der vielen gefällt.")
    (seeds / "odd.txt").write_text(f"***\n\n{long}\n\n12.000\n", encoding="utf-8")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    fake_hub_cache(tmp_path / "hf", tiny_model)
    pinned_lock_for(tiny_model, tmp_path)
    runs = {
        "ct2": ["--model-dir", tiny_model, "--max-source-tokens", "16"],
        "torch": ["--model-dir", tiny_model, "--engine", "torch", "--beam", "1"],
        "pinned": ["--lock", tmp_path / "models.lock"],
        "cached": ["--model-dir", tiny_model, "--max-source-tokens", "16"],  # after "ct2"
    }
    seen: set[str] = set()
    for name, args in runs.items():
        out = tmp_path / name
        res = run("translate", seeds, "-o", out, "-q", *args)
        assert res.exit_code == 0, res.output
        for line in _all_lines(out):
            validator.validate(json.loads(line))
            record = Record.from_json(line)
            assert record.to_json() == line
            seen.update(record.flags)
            if record.provenance is not None:
                seen.add(record.provenance.engine["name"])
                seen.add("repo" if "repo" in record.provenance.model else "dir")
    assert {"ctranslate2", "transformers", "repo", "dir", "split_for_length", "passed_through",
            "from_cache", "output_cap"} <= seen


def test_provenance_costs_at_most_600_bytes_per_record(tiny_model, tmp_path):
    """The issue's measure on the seed articles, laid out as the repository has them
    (data/raw -> data/out): JSONL bytes minus the UTF-8 bytes of all sources and targets,
    per record."""
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    out = tmp_path / "data" / "out"
    summary = pipeline.translate_files([tmp_path / "data" / "raw"], out, model_dir=tiny_model,
                                       report=lambda message: None)
    from pipeline.formats import jsonl

    total = text = n = 0
    for f in out.glob("*.jsonl"):
        pipeline.verify(f)
        total += f.stat().st_size
        for r in jsonl.read(f):
            text += len(r.source.encode()) + len(r.target.encode())
            n += 1
    assert n == summary.sentences and (total - text) / n <= 600


def test_old_record_files_are_refused_with_the_remedy():
    old = json.dumps({"schema": "pipeline.record/1", "doc_path": "a.txt"})
    with pytest.raises(RecordError, match="pipeline translate --force"):
        Record.from_json(old)


texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(source=texts, target=st.text(max_size=40), score=st.none() | st.floats(-50, 0),
       flags=st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), unique=True,
                      max_size=3),
       start=st.integers(0, 10**9), index=st.integers(0, 10**6))
def test_record_json_round_trip(source, target, score, flags, start, index):
    r = Record(doc_path="../raw/a.txt", doc_sha256="a" * 64, index=index, paragraph=0, line=0,
               kind="sentence", start=start, end=start + len(source), source=source,
               target=target, flags=tuple(flags), score=score, fingerprint="b" * 64)
    line = r.to_json()
    assert "\n" not in line and len(line.splitlines()) == 1  # one line for every reader
    assert Record.from_json(line) == r
    assert Record.from_json(line).to_json() == line


# --- no dependence on the working directory --------------------------------------------------

def test_translate_and_verify_from_another_directory(tiny_model, seeds, tmp_path, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    res = run("translate", "raw", "-o", "out", "--model-dir", tiny_model, "-q")
    assert res.exit_code == 0, res.output
    monkeypatch.chdir("/")
    res = run("verify", *sorted(out.glob("*.jsonl")))
    assert res.exit_code == 0, res.output
    # the lock is found without the working directory, too
    res = subprocess.run([sys.executable, "-m", "pipeline", "models", "verify"], cwd="/",
                         capture_output=True, text=True, env={**os.environ})
    assert "models.lock" in res.stdout + res.stderr and "Traceback" not in res.stderr


def test_a_moved_archive_verifies_with_source_root(tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    assert run("translate", seeds, "-o", out, "--model-dir", tiny_model, "-q").exit_code == 0
    moved = tmp_path / "elsewhere" / "articles"
    moved.parent.mkdir()
    seeds.rename(moved)
    res = run("verify", out / "article_01.jsonl")
    assert res.exit_code == 1
    assert len(res.output.strip().splitlines()) == 1
    assert "is missing" in res.output and "--source-root" in res.output
    res = run("verify", out / "article_01.jsonl", "--source-root", moved)
    assert res.exit_code == 0, res.output


def test_concatenated_record_files_stay_traceable(tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    assert run("translate", seeds, "-o", out, "--model-dir", tiny_model, "-q").exit_code == 0
    corpus = out / "corpus.all"
    corpus.write_text("".join(f.read_text(encoding="utf-8") for f in sorted(out.glob("*.jsonl"))),
                      encoding="utf-8")
    res = run("verify", corpus)
    assert res.exit_code == 0 and "2 documents" in res.output, res.output
    lines = corpus.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(lines[3].split('"fingerprint":"')[1][:8], "00000000", 1)
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run("verify", corpus)
    assert res.exit_code == 1 and "corpus.all:4: fingerprint differs" in res.output


def test_an_input_edited_during_the_run_leaves_a_consistent_manifest(tiny_model, seeds,
                                                                     tmp_path):
    """The manifest records the digest of the bytes the run read, not of the file as it is at
    the end of the run."""
    out = tmp_path / "out"
    edited = seeds / "article_01.txt"

    def edit_after_first_document():
        edited.write_text(edited.read_text(encoding="utf-8") + "Neu.\n", encoding="utf-8")

    pipeline.translate_files([seeds], out, model_dir=tiny_model, beam=1,
                             on_document=edit_after_first_document, report=lambda m: None)
    m = json.loads((out / "manifest.json").read_text())
    first = pipeline.Record.from_json((out / "article_01.jsonl").read_text().splitlines()[0])
    entry = next(i for i in m["inputs"] if i["path"].endswith("article_01.txt"))
    assert entry["sha256"] == first.doc_sha256  # what was read, not what the file became
