"""The CTranslate2 engine on the tiny model: same tokens and text as MarianTokenizer, valid
records through the CLI for both engines, per-sentence caps, a keyed and race-safe conversion
cache, and no silent truncation."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model import from_directory
from pipeline.translate import SourceTooLongError, load_engine, output_cap
from pipeline.translate import EngineSpec, convert
from pipeline.translate.convert import conversion_key
from pipeline.translate.ct2_engine import CTranslate2Engine
from pipeline.translate.pieces import MarianPieces
from pipeline.translate.spec import EngineSetupError


def ct2(source, cache_dir, **options) -> CTranslate2Engine:
    return CTranslate2Engine(source, EngineSpec(**options), cache_dir=cache_dir)

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = [
    "Das ist ein Test.",
    "Hallo Welt",
    "Ein mutmaßlich bedeutsames Abkommen zwischen Washington und Minsk steht offenbar kurz bevor.",
    "Es ist seine siebte Amtszeit als Präsident.",
]
GERMAN = SENTENCES + [
    "„Wir haben 3,5 Mio. € investiert“, sagte Dr. Müller am 12.03.2019 in Köln.",
    "  Zwei  Leerzeichen  und\tTab  ",
    "Straße, Größe, Äpfel – ÖL & ÜBER; 100 % sicher?!",
    ">>en<< Sprachcode vorne",
    "Emoji 🙂 und chinesisch 中文 und ﬁ-Ligatur",
    "",
]


def _shared_german(n: int = 40) -> list[str]:
    path = ROOT.parent / "shared" / "eval" / "mt" / "newstest2019.de-en.de"
    return path.read_text(encoding="utf-8").splitlines()[:n] if path.is_file() else []


@pytest.fixture(scope="module")
def ct2_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ct2-cache")


@pytest.fixture(scope="module")
def marian_tokenizer(tiny_model):
    import warnings

    from transformers import MarianTokenizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MarianTokenizer.from_pretrained(str(tiny_model))


@pytest.fixture(scope="module")
def engine(tiny_model, ct2_cache):
    return ct2(from_directory(tiny_model), ct2_cache)


def test_pieces_and_ids_identical_to_marian_tokenizer(tiny_model, marian_tokenizer):
    pieces = MarianPieces(tiny_model)
    for text in GERMAN + _shared_german():
        expected = marian_tokenizer(text)["input_ids"]
        got = pieces.encode(text)
        assert pieces.ids(got) == expected, text
        # CTranslate2 maps pieces to ids with the same vocabulary (pad removed, ids unchanged)
        assert all(p in pieces.vocab for p in got)


def test_decode_identical_to_marian_tokenizer(tiny_model, marian_tokenizer):
    pieces = MarianPieces(tiny_model)
    inverse = {i: p for p, i in pieces.vocab.items()}
    rng = random.Random(0)
    ids_pool = sorted(inverse)
    for _ in range(200):
        ids = [rng.choice(ids_pool) for _ in range(rng.randint(0, 30))]
        assert pieces.decode([inverse[i] for i in ids]) == \
            marian_tokenizer.decode(ids, skip_special_tokens=True), ids


def test_settings_are_deliberate(engine):
    s = EngineSpec().settings(engine.source.path)
    assert s["name"] == "ctranslate2" and s["compute_type"] == "int8" and s["version"]
    assert engine.inter_threads >= 1 and engine.intra_threads >= 1
    d = s["decoding"]
    assert d["num_beams"] == engine.num_beams == 4  # the model's, not CTranslate2's default of 2
    assert d["max_input_length"] == engine.max_source_tokens == 512
    # the batch budget counts hypotheses: beam 4 batches a quarter of greedy's source tokens
    assert d["max_batch_tokens"] == engine.max_batch_tokens == 256
    greedy = ct2(engine.source, engine.cache_dir, beam=1)
    assert EngineSpec(beam=1).settings(engine.source.path)["decoding"]["max_batch_tokens"] == \
        greedy.max_batch_tokens == 1024


def test_beam_from_the_model_config_when_there_is_no_generation_config(model_copy, tmp_path):
    """Older OPUS-MT revisions keep num_beams in config.json; transformers reads it there."""
    gen = json.loads((model_copy / "generation_config.json").read_text())
    (model_copy / "generation_config.json").unlink()
    cfg = json.loads((model_copy / "config.json").read_text())
    cfg.update(num_beams=gen["num_beams"] + 1, length_penalty=0.75)
    (model_copy / "config.json").write_text(json.dumps(cfg))
    source = from_directory(model_copy)
    d = EngineSpec().settings(source.path)["decoding"]
    assert (d["num_beams"], d["length_penalty"]) == (gen["num_beams"] + 1, 0.75)
    assert ct2(source, tmp_path).num_beams == gen["num_beams"] + 1


def test_count_tokens_matches_transformers(engine, marian_tokenizer):
    assert engine.count_tokens(GERMAN) == [len(marian_tokenizer(t)["input_ids"]) for t in GERMAN]


def test_deterministic_order_independent_and_capped(engine):
    a = engine.translate(SENTENCES)
    assert a == engine.translate(SENTENCES)
    assert [t.text for t in engine.translate(SENTENCES[::-1])[::-1]] == [t.text for t in a]
    alone = [engine.translate([s])[0] for s in SENTENCES]
    assert alone == a  # the batch a sentence lands in does not matter, not even to the score
    for t in a:
        assert t.target_tokens <= output_cap(t.source_tokens)
        assert t.cap_hit == (t.target_tokens >= output_cap(t.source_tokens))
        assert isinstance(t.score, float) and t.score <= 0
    assert any(t.cap_hit for t in a)  # random weights never say </s>


@pytest.mark.parametrize("beam", [1, 2])
def test_each_sentence_gets_its_own_cap(tiny_model, ct2_cache, beam):
    """Sentences of very different lengths in one call: each is cut at its own cap."""
    eng = ct2(from_directory(tiny_model), ct2_cache, beam=beam)
    texts = ["Hallo", SENTENCES[2] * 2, "Das ist ein Test.", SENTENCES[3]]
    for t in eng.translate(texts):
        assert t.cap_hit and t.target_tokens == output_cap(t.source_tokens)


def test_beam_batches_hold_one_cap_and_longest_work_goes_first(tiny_model, ct2_cache):
    """Beam search cannot stop sentences of one batch at different lengths, so a batch holds
    one source length: max_decoding_length is every member's own cap and nothing is decoded
    past it. Batches are submitted longest work first, so the workers finish together."""
    eng = ct2(from_directory(tiny_model), ct2_cache, beam=2)
    texts = [w for s in SENTENCES + _shared_german(30) for w in (s, s[: len(s) // 2])]
    calls = []
    real = eng.translator.translate_batch

    class Spy:
        def translate_batch(self, batch, **kw):
            calls.append((batch, kw))
            return real(batch, **kw)

        def __getattr__(self, name):
            return getattr(real.__self__, name)

    eng._translator = Spy()
    out = eng.translate(texts)
    assert len(calls) > 3
    costs = []
    for batch, kw in calls:
        caps = {output_cap(len(p)) for p in batch}
        assert caps == {kw["max_decoding_length"]}, caps
        assert kw["beam_size"] == 2 and kw["max_input_length"] == 512 and kw["callback"] is None
        costs.append(len(batch) * kw["max_decoding_length"])
    assert costs == sorted(costs, reverse=True)
    for t in out:
        assert t.target_tokens <= output_cap(t.source_tokens)


@pytest.mark.slow
def test_greedy_matches_transformers_text(tiny_model, ct2_cache):
    """Greedy float32 decoding of the same model gives the same words through both engines."""
    source = from_directory(tiny_model)
    fast = ct2(source, ct2_cache, beam=1, compute_type="float32")
    hf = load_engine("torch", source, beam=1)
    a, b = fast.translate(SENTENCES), hf.translate(SENTENCES)
    assert [t.text for t in a] == [t.text for t in b]
    assert [(t.source_tokens, t.target_tokens, t.cap_hit) for t in a] == \
        [(t.source_tokens, t.target_tokens, t.cap_hit) for t in b]


def test_over_long_input_is_refused_not_truncated(engine):
    long = " ".join(["Donaudampfschifffahrtsgesellschaftskapitän"] * 200)
    assert engine.count_tokens([long])[0] > engine.max_source_tokens
    with pytest.raises(SourceTooLongError, match="Split it"):
        engine.translate(["Kurz.", long])


def test_conversion_is_cached_and_keyed(model_copy, tmp_path):
    cache = tmp_path / "c"
    before = convert.conversions
    first = ct2(from_directory(model_copy), cache)
    assert convert.conversions == before  # nothing is converted or loaded until needed
    first.model_dir
    assert convert.conversions == before + 1
    stamp = (first.model_dir / "model.bin").stat().st_mtime_ns
    second = ct2(from_directory(model_copy), cache)
    assert second.model_dir == first.model_dir and convert.conversions == before + 1
    assert (second.model_dir / "model.bin").stat().st_mtime_ns == stamp
    marker = json.loads((first.model_dir / convert.MARKER).read_text())
    assert marker["quantization"] == "int8" and marker["model_digest"] == from_directory(model_copy).digest

    f32 = ct2(from_directory(model_copy), cache, compute_type="float32")
    assert f32.model_dir != first.model_dir and convert.conversions == before + 2
    cfg = model_copy / "generation_config.json"
    cfg.write_text(cfg.read_text().replace('"num_beams": 4', '"num_beams": 3'))
    changed = from_directory(model_copy)
    assert conversion_key(changed, "int8") != first.model_dir.name
    assert ct2(changed, cache).model_dir != first.model_dir


def test_half_finished_conversion_is_not_used(model_copy, tmp_path):
    cache = tmp_path / "c"
    source = from_directory(model_copy)
    stale = cache / "ct2" / conversion_key(source, "int8")
    stale.mkdir(parents=True)
    (stale / "model.bin").write_bytes(b"half")  # no marker: an interrupted conversion
    eng = ct2(source, cache)
    assert (eng.model_dir / convert.MARKER).is_file()
    assert eng.translate(["Hallo Welt"])[0].text


def test_model_loads_in_the_background_and_its_errors_reach_the_caller(model_copy, tmp_path):
    eng = ct2(from_directory(model_copy), tmp_path / "ok")
    eng.prepare()  # converts and loads in a thread while the caller tokenizes
    assert eng.count_tokens(["Hallo Welt"]) == [len(eng.tokens.encode("Hallo Welt"))]
    assert eng.translate(["Hallo Welt"])[0].text and convert.conversions >= 1
    weights = next(model_copy.glob("*.safetensors"))
    weights.write_bytes(b"not a checkpoint")
    broken = ct2(from_directory(model_copy), tmp_path / "broken")
    broken.prepare()
    with pytest.raises(EngineSetupError, match="conversion failed"):
        broken.translate(["Hallo Welt"])


@pytest.mark.slow
def test_two_processes_convert_once(tiny_model, tmp_path):
    cache = tmp_path / "race"
    code = ("import sys; from pipeline.model import from_directory; "
            "from pipeline.translate import convert as c, ct2_engine; "
            "e = ct2_engine.CTranslate2Engine(from_directory(sys.argv[1]), cache_dir=sys.argv[2]); "
            "n = e.translate(['Hallo Welt'])[0].target_tokens; print(c.conversions, n)")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tiny_model), str(cache)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    counts = sorted(int(out.split()[0]) for out, _ in outs)
    assert counts == [0, 1]  # exactly one process converted; the other waited and reused it
    dirs = [d for d in (cache / "ct2").iterdir() if d.is_dir()]
    assert len(dirs) == 1 and not dirs[0].name.startswith(".")


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ["ctranslate2", "torch"])
def test_cli_records_valid_for_both_engines(engine_name, tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(app, ["translate", str(seeds), "-o", str(out), "--model-dir",
                              str(tiny_model), "--engine", engine_name, "--beam", "1",
                              "--no-cache"])
    assert res.exit_code == 0, res.output
    files = sorted(out.glob("*.jsonl"))
    assert files
    res = runner.invoke(app, ["verify", *map(str, files)])
    assert res.exit_code == 0, res.output
    rec = json.loads(files[0].read_text(encoding="utf-8").splitlines()[0])
    expected = "ctranslate2" if engine_name == "ctranslate2" else "transformers"
    assert rec["provenance"]["engine"]["name"] == expected
    assert isinstance(rec["score"], float)
    assert ("output_cap" in rec["flags"]) == (rec["tokens"]["target"] >= output_cap(rec["tokens"]["source"]))
