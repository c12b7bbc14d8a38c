"""Runs of other pairs: ``--from/--to``, ``--model-dir PAIR=DIR``, mixed archives routed by
language (``--from auto``, ``--lang-field``), an article without a model, ``make batch``, and
a pair pinned on first use from the hub stand-in serving several repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.lock import read_lock, read_pins
from tests.conftest import LANG_TEXT, MAKE, ROOT, SEEDS

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def text(lang: str) -> str:
    return (LANG_TEXT / f"{lang}.txt").read_text(encoding="utf-8")


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_from_to_and_model_dir_per_pair(pair_model, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "artikel.txt").write_text((SEEDS / "article_01.txt").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    res = run("translate", src, "-o", out, "--to", "fr", "--model-dir",
              f"de-fr={pair_model('de-fr')}", "-q")
    assert res.exit_code == 0, res.output
    first = records(out / "artikel.jsonl")[0]
    assert first["provenance"]["model"]["dir"] == str(pair_model("de-fr"))
    assert first["provenance"]["splitter"].startswith("pipeline-de")
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["settings"]["src_lang"], manifest["settings"]["tgt_lang"]) == ("de", "fr")
    assert run("verify", out / "artikel.jsonl").exit_code == 0
    # a bare DIR is the model of the run's one pair
    (src / "artikel.txt").unlink()
    (src / "article.txt").write_text(text("fr"), encoding="utf-8")
    res = run("translate", src, "-o", tmp_path / "out2", "--from", "fr", "--model-dir",
              pair_model("fr-en"), "-q")
    assert res.exit_code == 0, res.output
    assert records(tmp_path / "out2" / "article.jsonl")[0]["provenance"]["splitter"] \
        .startswith("pipeline-fr")


def test_pivot_on_the_command_line(pair_model, tmp_path):
    import shutil

    second = shutil.copytree(pair_model("en-de"), tmp_path / "en-de")
    (tmp_path / "a.txt").write_text(text("fr"), encoding="utf-8")
    out = tmp_path / "out"
    res = run("translate", tmp_path / "a.txt", "-o", out, "--from", "fr", "--to", "de",
              "--pivot", "en", "--model-dir", f"fr-en={pair_model('fr-en')}",
              "--model-dir", f"en-de={second}", "-q")
    assert res.exit_code == 0, res.output
    rows = records(out / "a.jsonl")
    assert all("intermediate" in r for r in rows)
    assert rows[0]["provenance"]["pivot"]["model"]["dir"] == str(second)
    assert run("verify", out / "a.jsonl").exit_code == 0
    with open(second / "tokenizer_config.json", "a") as f:  # the second model changed
        f.write(" ")
    res = run("verify", out / "a.jsonl")
    assert res.exit_code == 1 and "tokenizer_config.json" in res.output


def test_model_dir_refusals(tmp_path, tiny_model):
    (tmp_path / "a.txt").write_text("Ein Satz.", encoding="utf-8")
    res = run("translate", tmp_path / "a.txt", "-o", tmp_path / "o", "--model-dir", tiny_model,
              "--model-dir", tiny_model)
    assert res.exit_code == 2 and "PAIR=DIR" in res.output
    res = run("translate", tmp_path / "a.txt", "-o", tmp_path / "o", "--from", "auto",
              "--model-dir", tiny_model)
    assert res.exit_code == 2 and "PAIR=DIR" in res.output


def test_mixed_archive_routes_each_article_and_reports_one_without_a_model(
        tiny_model, pair_model, tmp_path, mixed_archive):
    archive = mixed_archive(tmp_path / "feed.jsonl")
    out = tmp_path / "out"
    res = run("translate", archive, "--input-format", "jsonl", "--from", "auto", "-o", out,
              "--model-dir", f"de-en={tiny_model}", "--model-dir", f"fr-en={pair_model('fr-en')}",
              "-q")
    assert res.exit_code == 1, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, res.output
    assert "feed.jsonl:3" in errors[0] and "language es (detected)" in errors[0]
    for way in ("models fetch --pair es-en", "--model-dir es-en=DIR"):
        assert way in errors[0]
    assert "pins no model for es-en" in errors[0]
    assert "--pivot" not in errors[0]  # into English: no pivot can help
    assert "3 translated, 0 skipped, 1 failed" in res.output
    assert records(out / "de-1.jsonl")[0]["provenance"]["model"]["dir"] == str(tiny_model)
    for doc in ("fr-1", "fr-2"):
        first = records(out / f"{doc}.jsonl")[0]
        assert first["provenance"]["model"]["dir"] == str(pair_model("fr-en"))
        assert first["provenance"]["splitter"].startswith("pipeline-fr")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["src_lang"] == "auto"
    assert set(manifest["models"]) == {"de-en", "fr-en"}
    assert [i["status"] for i in manifest["inputs"]] == ["translated", "translated", "failed",
                                                         "translated"]
    res = run("verify", *sorted(out.glob("*.jsonl")))
    assert res.exit_code == 0, res.output
    # the same command again: everything done is up to date, the article without a model
    # is reported again
    res = run("translate", archive, "--input-format", "jsonl", "--from", "auto", "-o", out,
              "--model-dir", f"de-en={tiny_model}", "--model-dir", f"fr-en={pair_model('fr-en')}",
              "-q")
    assert "0 translated, 3 skipped, 1 failed" in res.output


def test_lang_field_names_the_language(tiny_model, pair_model, tmp_path, mixed_archive):
    archive = mixed_archive(tmp_path / "feed.jsonl", lang_field=True)
    out = tmp_path / "out"
    res = run("translate", archive, "--input-format", "jsonl", "--from", "auto", "-o", out,
              "--lang-field", "lang", "--model-dir", f"de-en={tiny_model}",
              "--model-dir", f"fr-en={pair_model('fr-en')}",
              "--model-dir", f"ru-en={pair_model('ru-en')}", "-q")
    assert res.exit_code == 1, res.output  # es-1 has no model
    assert records(out / "fr-1.jsonl")[0]["provenance"]["model"]["dir"] == str(pair_model("ru-en"))
    assert records(out / "fr-2.jsonl")[0]["provenance"]["model"]["dir"] == str(pair_model("fr-en"))
    res = run("translate", archive, "-o", out, "--lang-field", "lang")
    assert res.exit_code == 2 and "--from auto" in res.output


@pytest.mark.slow
def test_make_batch_from_auto(tiny_model, pair_model, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text((SEEDS / "article_01.txt").read_text(encoding="utf-8"))
    (src / "b.txt").write_text(text("fr"), encoding="utf-8")
    out = tmp_path / "out"
    args = f"--from auto --model-dir de-en={tiny_model} --model-dir fr-en={pair_model('fr-en')}"
    res = subprocess.run([*MAKE, "-s", "batch", f"IN={src}", f"OUT={out}", f"ARGS={args}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert records(out / "b.jsonl")[0]["provenance"]["model"]["dir"] == str(pair_model("fr-en"))
    assert records(out / "a.jsonl")[0]["provenance"]["model"]["dir"] == str(tiny_model)


@pytest.mark.slow
def test_a_pair_is_pinned_on_first_use_from_the_hub(tmp_path, pair_model, tiny_model,
                                                    shared_conversions, seeds):
    """The stand-in serves opus-mt-de-en and opus-mt-fr-en; a French run with a lock that
    pins only de-en pins fr-en first, writes both pins, and verifies."""
    from tests.hub_server import COMMIT, Machine, StandInHub

    def files(model: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in model.iterdir() if p.is_file()}

    hub = StandInHub("Helsinki-NLP/opus-mt-de-en", COMMIT, files(tiny_model),
                     others={"Helsinki-NLP/opus-mt-fr-en": files(pair_model("fr-en"))}).start()
    try:
        machine = Machine(tmp_path / "machine", hub, shared_conversions)
        machine.lock.write_text((ROOT / "models.lock").read_text())
        (seeds / "fr.txt").write_text(text("fr"), encoding="utf-8")
        out = tmp_path / "out"
        res = machine.run("translate", seeds / "fr.txt", "--from", "fr", "-o", out,
                          "--lock", machine.lock)
        assert res.returncode == 0, res.stderr
        assert "fr-en: pinned Helsinki-NLP/opus-mt-fr-en@" + COMMIT in res.stderr
        pins = read_pins(machine.lock)
        assert set(pins) == {"de-en", "fr-en"}
        assert pins["de-en"] == read_lock(ROOT / "models.lock")  # untouched
        assert pins["fr-en"].pinned and pins["fr-en"].revision == COMMIT
        first = records(out / "fr.jsonl")[0]
        assert first["provenance"]["model"]["repo"] == "Helsinki-NLP/opus-mt-fr-en"
        res = machine.run("models", "verify", "--pair", "fr-en", "--lock", machine.lock,
                          offline=True)
        assert res.returncode == 0 and "opus-mt-fr-en" in res.stdout, res.stderr
        res = machine.run("verify", out / "fr.jsonl", "--lock", machine.lock, offline=True)
        assert res.returncode == 0, res.stderr
    finally:
        hub.stop()


def test_standard_input_from_auto(pair_model):
    res = runner.invoke(app, ["translate", "-", "--from", "auto", "--model-dir",
                              f"fr-en={pair_model('fr-en')}"], input=text("fr"))
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout.splitlines()[0])
    assert first["provenance"]["model"]["dir"] == str(pair_model("fr-en"))


def test_models_commands_take_a_pair(tmp_path):
    lock = tmp_path / "models.lock"
    lock.write_text((ROOT / "models.lock").read_text())
    res = run("models", "lock", "--pair", "be-en", "--lock", lock)
    assert res.exit_code == 2 and "no OPUS-MT model for be-en" in res.output
    res = run("models", "lock", "--pair", "de-en", "--big", "--lock", lock)
    assert res.exit_code == 2 and "no tc-big model" in res.output
    res = run("models", "fetch", "--pair", "fr-en", "--from-dir", tmp_path, "--lock", lock)
    assert res.exit_code == 2 and "models lock --pair fr-en" in res.output
    res = run("models", "verify", "--pair", "fr-en", "--lock", lock)
    assert res.exit_code == 2 and "pins no model for fr-en" in res.output
    assert lock.read_text() == (ROOT / "models.lock").read_text()  # nothing written
