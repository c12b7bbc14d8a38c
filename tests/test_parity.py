"""Engine parity on the tiny model: CTranslate2 float32 and transformers score the same target
tokens alike and decode greedily to the same output (bench/parity.py measures the shape twin)."""

import statistics

import pytest

from bench.parity import (LIMIT_IDENTICAL, LIMIT_MEAN_ABS, abs_diffs, ct2_forced, engines,
                          target_pieces, torch_forced)
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def lines():
    from pipeline.tiny import repo_text

    return [line for line in repo_text(ROOT) if line.strip()][:24]


@pytest.fixture()
def both(tiny_model):
    ct2, hf = engines(tiny_model, threads=1)
    return ct2["float32"], hf


def test_forced_decoding_scores_agree(tiny_model, lines, both):
    f32, hf = both
    sources = [f32.tokens.encode(s) for s in lines]
    assert [f32.tokens.ids(p) for p in sources] == hf.tokenizer(lines)["input_ids"]
    targets = target_pieces(tiny_model, lines[::-1])  # any target text will do
    ct2 = ct2_forced(f32, sources, targets)
    assert [len(x) for x in ct2] == [len(t) + 1 for t in targets]  # each target, then </s>
    diffs = abs_diffs(ct2, torch_forced(hf, sources, targets))
    assert statistics.fmean(diffs) <= LIMIT_MEAN_ABS


@pytest.mark.slow
def test_greedy_outputs_agree(lines, both):
    f32, hf = both
    ours, theirs = f32.translate(lines), hf.translate(lines)
    same = sum(a.text == b.text and a.target_tokens == b.target_tokens
               for a, b in zip(ours, theirs))
    assert same >= LIMIT_IDENTICAL * len(lines)
