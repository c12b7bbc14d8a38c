"""The transformers engine on the tiny model, loaded through the real loading code."""

import pytest

from pipeline.model import from_directory
from pipeline.translate import EngineSpec, load_engine, output_cap
from pipeline.translate.base import SourceTooLongError, length_batches

SENTENCES = [
    "Das ist ein Test.",
    "Hallo Welt",
    "Ein mutmaßlich bedeutsames Abkommen zwischen Washington und Minsk steht offenbar kurz bevor.",
    "Es ist seine siebte Amtszeit als Präsident.",
]


@pytest.fixture(scope="module")
def engine(tiny_model):
    return load_engine("transformers", from_directory(tiny_model))


def test_default_beam_from_generation_config(engine, tiny_model):
    assert engine.num_beams == 4 == engine.model.generation_config.num_beams
    settings = EngineSpec(name="torch").settings(tiny_model)  # known without loading the model
    assert settings["name"] == "transformers" and settings["decoding"]["num_beams"] == 4


@pytest.mark.slow
def test_deterministic_and_order_independent(engine):
    a = engine.translate(SENTENCES)
    b = engine.translate(SENTENCES)
    assert a == b
    assert len(a) == len(SENTENCES)
    rev = engine.translate(SENTENCES[::-1])[::-1]
    assert [t.text for t in rev] == [t.text for t in a]


@pytest.mark.slow
def test_random_model_hits_cap_and_is_flagged(engine):
    for t in engine.translate(SENTENCES):
        assert t.target_tokens <= output_cap(t.source_tokens)
        assert t.cap_hit == (t.target_tokens >= output_cap(t.source_tokens))
    assert any(t.cap_hit for t in engine.translate(SENTENCES))


def test_beam_override_and_score(tiny_model):
    eng = load_engine("transformers", from_directory(tiny_model), beam=1)
    assert eng.num_beams == 1
    out = eng.translate(SENTENCES[:2])
    assert all(isinstance(t.score, float) and t.score <= 0 for t in out)


def test_batches_length_sorted_under_budget():
    enc = [[0] * n for n in (5, 1, 9, 3, 3, 7)]
    batches = length_batches([len(x) for x in enc], max_tokens=12, max_size=3)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(enc)))
    lengths = [len(enc[i]) for i in flat]
    assert lengths == sorted(lengths)
    for b in batches:
        assert len(b) <= 3 and len(b) * max(len(enc[i]) for i in b) <= 12 or len(b) == 1


def test_over_long_input_refused_not_truncated(engine):
    with pytest.raises(SourceTooLongError, match="truncated"):
        engine.translate(["Wort " * 600])


@pytest.mark.parametrize("n, cap", [(0, 10), (1, 12), (2, 13), (38, 67), (333, 510)])
def test_output_cap_values(n, cap):
    """The documented cap, ceil(1.5 × n) + 10, at known points (333 is the longest source
    whose cap still fits opus-mt's 512 positions with the start and end tokens)."""
    assert output_cap(n) == cap
