"""Pairs and pins: the pair registry, models.lock with one pin per pair (and the old one-pair
layout), TranslatorConfig's pair and model sources, translate_text for any pair, the pivot."""

from __future__ import annotations

import pytest

import pipeline
from pipeline.errors import LanguageError, LockError, ModelUnavailableError
from pipeline.languages.pairs import (PAIRS_FILE, Pair, family_for, has_model, pair_of_repo,
                                      repo_for, route)
from pipeline.lock import (DEFAULT_REPO, FilePin, ModelLock, find_pin, read_lock, read_pins,
                           render_lock, write_lock)
from pipeline.records import Record
from pipeline.translator import TranslatorConfig
from tests.conftest import LANG_TEXT, ROOT

FR = (LANG_TEXT / "fr.txt").read_text(encoding="utf-8")
REV = "0123456789abcdef0123456789abcdef01234567"


# --- the registry ------------------------------------------------------------------------------

def test_registry_names_opus_mt_repositories_and_says_its_source():
    assert repo_for(Pair.parse("fr-en")) == "Helsinki-NLP/opus-mt-fr-en"
    assert repo_for(Pair.parse("de-fr")) == "Helsinki-NLP/opus-mt-de-fr"
    assert repo_for(Pair("fr", "en"), "tc-big") == "Helsinki-NLP/opus-mt-tc-big-fr-en"
    assert family_for(Pair("fr", "en"), big=True) == "tc-big"
    assert family_for(Pair("de", "en"), big=True) == "opus-mt"  # no tc-big listed: the base one
    assert not has_model(Pair("be", "en"))
    header = PAIRS_FILE.read_text(encoding="utf-8")
    assert "marian_registry.py" in header and "bafb1925" in header


@pytest.mark.parametrize("text", ["fr", "fr-en-de", "FR_en", "fr-fr", "f-en"])
def test_pair_parse_refuses(text):
    with pytest.raises(LanguageError):
        Pair.parse(text)


def test_pair_of_repo():
    assert pair_of_repo(DEFAULT_REPO) == (Pair("de", "en"), "opus-mt")
    assert pair_of_repo("Helsinki-NLP/opus-mt-tc-big-fr-en") == (Pair("fr", "en"), "tc-big")
    assert pair_of_repo("someone/else") is None


def test_route_direct_pivot_and_refusal():
    assert route(Pair("fr", "en")) == [Pair("fr", "en")]
    # ru-de is not listed: through English when a pivot is allowed
    assert route(Pair("ru", "de"), pivot="en") == [Pair("ru", "en"), Pair("en", "de")]
    # a listed pair goes through the pivot only when asked for and no local model is at hand
    assert route(Pair("fr", "de"), pivot="en", forced=True) == [Pair("fr", "en"), Pair("en", "de")]
    assert route(Pair("fr", "de"), pivot="en", forced=True,
                 direct=frozenset({Pair("fr", "de")})) == [Pair("fr", "de")]
    with pytest.raises(ModelUnavailableError, match="--model-dir be-en=DIR"):
        route(Pair("be", "en"), pivot="en")


# --- models.lock: one pin per pair --------------------------------------------------------------

def _pin(repo: str) -> ModelLock:
    return ModelLock(repo, "CC-BY-4.0", REV, {"config.json": FilePin(3, "a" * 64)})


def test_old_one_pair_lock_reads_as_its_pair_and_is_rewritten_with_pairs(tmp_path):
    old = tmp_path / "models.lock"
    old.write_text(render_lock(_pin(DEFAULT_REPO)))  # the layout before pairs: [model]
    assert "[model]" in old.read_text()
    assert read_pins(old) == {"de-en": _pin(DEFAULT_REPO)}
    write_lock(_pin("Helsinki-NLP/opus-mt-fr-en"), old)
    text = old.read_text()
    assert "[model]" not in text and "[pairs.de-en]" in text and "[pairs.fr-en]" in text
    assert read_lock(old) == _pin(DEFAULT_REPO)  # de-en kept, and still the default
    assert read_lock(old, "fr-en") == _pin("Helsinki-NLP/opus-mt-fr-en")
    assert find_pin(old, "ru-en") is None
    with pytest.raises(LockError, match=r"models lock --pair ru-en"):
        read_lock(old, "ru-en")


def test_a_pins_digest_does_not_depend_on_the_other_pairs(tmp_path):
    path = tmp_path / "models.lock"
    write_lock(_pin(DEFAULT_REPO), path)
    before = read_lock(path).digest()
    write_lock(_pin("Helsinki-NLP/opus-mt-fr-en"), path)
    assert read_lock(path).digest() == before == _pin(DEFAULT_REPO).digest()


def test_lock_with_both_layouts_is_refused(tmp_path):
    path = tmp_path / "models.lock"
    path.write_text(render_lock(_pin(DEFAULT_REPO)) + '\n[pairs.fr-en]\nrepo = "x"\n')
    with pytest.raises(LockError, match="both"):
        read_pins(path)


def test_committed_lock_pins_only_the_public_de_en_model():
    pins = read_pins(ROOT / "models.lock")
    assert list(pins) == ["de-en"]
    assert pins["de-en"].revision == "1a922f3b32a8e809e17a47d4b32142d8105924e5"


# --- the config -----------------------------------------------------------------------------------

def test_config_pair_and_model_sources(tmp_path):
    config = TranslatorConfig.of(model_dir=tmp_path / "a", src_lang="fr",
                                 model_dirs={"ru-en": tmp_path / "b"})
    assert config.tgt_lang == "en" and str(config.pair) == "fr-en"
    assert config.model_dir_for(Pair("fr", "en")) == str(tmp_path / "a")
    assert config.model_dir_for(Pair("ru", "en")) == str(tmp_path / "b")
    other = config.for_pair("ru")
    assert other.model_dir is None and other.model_dir_for(Pair("ru", "en")) == str(tmp_path / "b")
    assert other.model_dir_for(Pair("fr", "en")) == str(tmp_path / "a")  # kept for its pair
    settings = config.settings()
    assert (settings["src_lang"], settings["tgt_lang"]) == ("fr", "en")
    assert settings["model_dirs"] == {"ru-en": str(tmp_path / "b")}
    assert "pivot" not in TranslatorConfig().settings()


# --- translating any pair ---------------------------------------------------------------------------

def test_translate_text_any_pair_with_its_model_dir(pair_model):
    records = pipeline.translate_text(FR, src="fr", tgt="en", model_dir=pair_model("fr-en"))
    assert len(records) == len(FR.strip().splitlines())
    assert records[0].source == FR.splitlines()[0]
    assert records[0].provenance.splitter.startswith("pipeline-fr")
    assert records[0].provenance.model["dir"] == str(pair_model("fr-en"))


def test_unpinned_pair_offline_names_the_ways_on():
    with pytest.raises(ModelUnavailableError) as err:
        pipeline.translate_text(FR, src="fr", tgt="en")
    assert "models lock --pair fr-en" in str(err.value)
    assert "--model-dir fr-en=DIR" in str(err.value)


def test_pivot_records_carry_both_hops_and_the_intermediate_text(pair_model):
    dirs = {"fr-en": pair_model("fr-en"), "en-de": pair_model("en-de")}
    records = pipeline.translate_text(FR, src="fr", tgt="de", pivot="en", model_dirs=dirs)
    first = records[0]
    assert all(r.intermediate is not None for r in records)
    assert first.provenance.model["dir"] == str(dirs["fr-en"])
    assert first.provenance.pivot["lang"] == "en"
    assert first.provenance.pivot["model"]["dir"] == str(dirs["en-de"])
    assert "|pivot:en>dir:" in first.provenance.signature()
    assert Record.from_json(first.to_json()) == first  # read back exactly
    import json

    import jsonschema

    schema = json.loads((ROOT / "pipeline" / "schema" / "record.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(json.loads(first.to_json()))
    direct = pipeline.translate_text(FR, src="fr", tgt="en", model_dir=dirs["fr-en"])
    assert [r.intermediate for r in records] == [r.target for r in direct]
    assert first.fingerprint != direct[0].fingerprint


def test_automatic_pivot_is_said_in_one_line(pair_model):
    said: list[str] = []
    dirs = {"ru-en": pair_model("ru-en"), "en-de": pair_model("en-de")}
    with pipeline.Translator(src_lang="ru", tgt_lang="de", model_dirs=dirs,
                             report=said.append) as t:
        records = t.translate_text((LANG_TEXT / "ru.txt").read_text(encoding="utf-8"))
    notes = [line for line in said if line.startswith("note:")]
    assert notes == ["note: no ru-de model; translating through en (ru-en, then en-de)"]
    assert records[0].intermediate and records[0].provenance.pivot["lang"] == "en"


def test_de_en_records_have_no_pivot_fields(tiny_model):
    record = pipeline.translate_text("Das ist ein Test.", model_dir=tiny_model)[0]
    line = record.to_json()
    assert '"intermediate"' not in line and '"pivot"' not in line


def test_memory_and_conversion_cache_are_keyed_by_pair(tiny_model):
    """The same model directory used for two pairs shares neither memory nor conversion."""
    from dataclasses import replace

    from pipeline.model import from_directory
    from pipeline.translate.convert import conversion_key

    text = "Das ist ein Test. Noch ein Satz."
    with pipeline.Translator(model_dir=tiny_model) as t:
        t.translate_text(text)
    with pipeline.Translator(model_dir=tiny_model) as t:
        t.translate_text(text)
        assert t.scheduler.stats.from_cache == 2  # the memory works ...
    with pipeline.Translator(model_dir=tiny_model, src_lang="fr") as t:
        t.translate_text(text)
        assert t.scheduler.stats.from_cache == 0  # ... and is the pair's own
        assert t.source.pair == "fr-en"
    source = from_directory(tiny_model)
    assert conversion_key(replace(source, pair="de-en"), "int8") != \
        conversion_key(replace(source, pair="fr-en"), "int8")


def test_ways_on_name_only_what_can_work():
    from pipeline.routing import ways_on

    assert ways_on("es", "en") == ("ways on: `pipeline models fetch --pair es-en` where the hub "
                                   "is reachable, or --model-dir es-en=DIR")
    assert ways_on("be", "en") == "ways on: --model-dir be-en=DIR"  # no registry model
    assert ways_on("ru", "de").endswith("--pivot en")
