"""The run engine's public pieces: TranslatorConfig, the engine registry, the executor
protocol and the run ledger's input order."""

from __future__ import annotations

import dataclasses
import json
import pickle

import pytest

from pipeline.run import LocalExecutor, TranslationJob, translate_files, write_window
from pipeline.translate.spec import EngineSpec, engine_class
from pipeline.translator import Translator, TranslatorConfig


def test_config_is_frozen_picklable_and_builds_the_same_translator(tiny_model):
    config = TranslatorConfig.of(model_dir=tiny_model, beam=2, cache=False)
    again = pickle.loads(pickle.dumps(config))
    assert again == config
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.cache = True
    with Translator(config) as a, Translator(model_dir=tiny_model, beam=2, cache=False) as b:
        assert a.fingerprint == b.fingerprint and a.provenance == b.provenance
    settings = config.settings()
    assert settings["engine"] == "ctranslate2" and settings["beam"] == 2
    assert settings["model_dir"] == str(tiny_model.absolute()) and settings["lock"] is None


def test_each_engine_owns_its_provenance_and_memory_key():
    ct2, hf = EngineSpec("ctranslate2", compute_type="float32"), EngineSpec("torch")
    assert engine_class("torch") is hf.engine and hf.engine.__name__ == "TransformersEngine"
    assert ct2.key_options() == {"beam": None, "max_source_tokens": None,
                                 "compute_type": "float32"}
    assert hf.key_options() == {"beam": None, "max_source_tokens": None}
    assert ct2.engine.provenance(ct2)["compute_type"] == "float32"
    assert set(hf.engine.provenance(hf)) == {"name", "version", "torch"}
    assert ct2.with_threads(3).worker_threads() == (3, 1)
    assert hf.with_threads(3).threads == 3 and hf.thread_options() == {"threads": None}


class CountingExecutor(LocalExecutor):
    """A LocalExecutor that notes each window it is given."""

    def __init__(self) -> None:
        self.windows: list[int] = []

    def execute(self, windows, job):
        assert isinstance(job, TranslationJob)
        for w in windows:
            self.windows.append(w.number)
            yield w, write_window(job, w.units)


def test_translate_files_runs_on_the_executor_it_is_given(tiny_model, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(3):
        (raw / f"a{n}.txt").write_text(f"Das ist Satz {n}. Und noch einer.", encoding="utf-8")
    (raw / "bad.txt").write_bytes(b"x" * 50 + b"\n")  # refused: a line over the limit
    executor = CountingExecutor()
    summary = translate_files([raw], tmp_path / "out", model_dir=tiny_model, cache=False,
                              window=2, max_line_chars=40, executor=executor,
                              report=lambda m: None)
    assert executor.windows == [1, 2, 3] and len(summary.translated) == 3
    assert len(summary.failed) == 1
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    # inputs in input order, the failed one among them where it was read
    assert [i["path"].rsplit("/", 1)[-1] for i in manifest["inputs"]] == \
        ["a0.txt", "a1.txt", "a2.txt", "bad.txt"]
    assert manifest["settings"]["engine"] == "ctranslate2" and not manifest["settings"]["cache"]


class FactsExecutor(LocalExecutor):
    """As a Ray actor answers: per written document only its facts, never its records."""

    def execute(self, windows, job):
        from pipeline.manifest import written_facts
        from pipeline.outputs import Written, WrittenFacts

        for w, results in super().execute(windows, job):
            facts = [written_facts(r) if isinstance(r, Written) else r for r in results]
            assert all(isinstance(f, (WrittenFacts, str)) for f in facts)
            yield w, pickle.loads(pickle.dumps(facts))  # as it crosses to the driver


def test_an_executor_that_sends_only_facts_gives_the_same_run(tiny_model, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(3):
        (raw / f"a{n}.txt").write_text(f"Das ist Satz {n}. Und noch einer.", encoding="utf-8")
    runs = {}
    for name, executor in (("local", LocalExecutor()), ("facts", FactsExecutor())):
        summary = translate_files([raw], tmp_path / name, model_dir=tiny_model, cache=False,
                                  window=2, executor=executor, report=lambda m: None)
        manifest = json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))
        manifest.pop("timings")  # how long it took
        for doc in manifest["documents"]:
            doc.pop("stat")  # the files' inodes and times
        text = json.dumps(manifest).replace(str(tmp_path / name), "OUT")
        runs[name] = (len(summary.translated), summary.sentences, text)
    assert runs["facts"] == runs["local"] and runs["local"][:2] == (3, 6)
