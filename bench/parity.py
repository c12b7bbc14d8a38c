"""Engine parity: CTranslate2 and transformers on the same MarianMT checkpoint.

On the opus-mt-de-en *shape twin* (random weights, the real config values and shape; built and
cached by ``bench.common.make_model``):

1. forced decoding: both engines score the same target tokens (the reference translation, and
   CTranslate2's own greedy output) for the same source; the per-token log-probabilities must
   agree (mean absolute difference <= 1e-3). CTranslate2 scores with ``score_batch``,
   transformers with one forward pass of the model;
2. greedy decoding through the project's engines (per-sentence output caps, as in a run):
   the same output for at least 95 of 100 sentences;
3. what int8 changes against float32 in CTranslate2: score drift, greedy agreement.

    python -m bench.parity [--n 100] [--eval-dir ../shared/eval/mt]

transformers' distribution covers one more id than CTranslate2's: ``<pad>`` (58100), which the
converter removes from the vocabulary and generation never emits (``bad_words_ids``). Its logit
is masked before the softmax here, as ``generate`` does; the difference it makes unmasked is
printed too. Random weights give near-uniform distributions (logits of std ~0.45 over 58100
ids) and never choose ``</s>``: every greedy output runs to its cap. A constant bias on
``</s>`` does not change that usefully on the twin: the best token leads ``</s>`` by ~2.2 at
the first step and by 4.5 to 6.8 later (measured on 16 sentences), so any bias either ends
every output at once or none. The ``</s>`` path is compared by forced decoding instead: every
target ends with ``</s>``, scored by both engines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common import EVAL_MT, make_model

LIMIT_MEAN_ABS = 1e-3
LIMIT_IDENTICAL = 0.95


def target_pieces(model_dir: Path, references: Sequence[str]) -> list[list[str]]:
    """The reference translations as target pieces (MarianTokenizer's target side), without
    the final ``</s>`` (both engines add it when scoring)."""
    from transformers import MarianTokenizer

    tok = MarianTokenizer.from_pretrained(str(model_dir))
    ids = tok(text_target=list(references))["input_ids"]
    return [tok.convert_ids_to_tokens(x[:-1] if x and x[-1] == tok.eos_token_id else x)
            for x in ids]


def ct2_forced(engine, sources: Sequence[Sequence[str]],
               targets: Sequence[Sequence[str]]) -> list[list[float]]:
    """Per-token log-probabilities of ``targets`` (then ``</s>``) given ``sources`` (pieces,
    ending with ``</s>``), from a :class:`CTranslate2Engine`'s translator."""
    results = engine.translator.score_batch([list(s) for s in sources],
                                            [list(t) for t in targets], max_batch_size=16)
    return [list(r.log_probs) for r in results]


def torch_forced(engine, sources: Sequence[Sequence[str]], targets: Sequence[Sequence[str]],
                 mask_pad: bool = True, batch: int = 16) -> list[list[float]]:
    """The same from a :class:`TransformersEngine`'s model: one forward pass with the
    decoder fed ``decoder_start`` + target, log-softmax over the vocabulary (``<pad>`` masked
    unless ``mask_pad`` is false), read at target + ``</s>``."""
    import torch

    model, vocab = engine.model, engine.tokenizer.get_vocab()
    pad, start = model.config.pad_token_id, model.config.decoder_start_token_id
    eos = model.config.eos_token_id
    out: list[list[float]] = []
    for k in range(0, len(sources), batch):
        src = [[vocab[p] for p in s] for s in sources[k:k + batch]]
        tgt = [[vocab[p] for p in t] + [eos] for t in targets[k:k + batch]]
        width, depth = max(map(len, src)), max(map(len, tgt))
        input_ids = torch.full((len(src), width), pad)
        attention = torch.zeros((len(src), width), dtype=torch.long)
        decoder_ids = torch.full((len(src), depth), pad)
        for row, (s, t) in enumerate(zip(src, tgt)):
            input_ids[row, :len(s)] = torch.tensor(s)
            attention[row, :len(s)] = 1
            decoder_ids[row, :len(t)] = torch.tensor([start] + t[:-1])
        with torch.inference_mode():
            logits = model(input_ids=input_ids, attention_mask=attention,
                           decoder_input_ids=decoder_ids).logits.float()
            if mask_pad:
                logits[..., pad] = float("-inf")
            logp = torch.log_softmax(logits, dim=-1)
            for row, t in enumerate(tgt):
                out.append(logp[row, torch.arange(len(t)), torch.tensor(t)].tolist())
    return out


def abs_diffs(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> list[float]:
    """Per-token |a - b| over all sentences (the two must score the same tokens)."""
    diffs = []
    for x, y in zip(a, b, strict=True):
        if len(x) != len(y):
            raise ValueError(f"scored {len(x)} and {len(y)} tokens for the same target")
        diffs.extend(abs(p - q) for p, q in zip(x, y))
    return diffs


def greedy_tokens(engine, sources: Sequence[Sequence[str]]) -> list[list[str]]:
    """CTranslate2 greedy output pieces, each sentence stopped at its own cap (as the engine
    decodes greedy batches)."""
    from pipeline.translate.base import output_cap

    caps = [output_cap(len(s)) for s in sources]
    results = engine.translator.translate_batch(
        [list(s) for s in sources], beam_size=1, max_decoding_length=max(caps),
        max_input_length=engine.max_source_tokens, min_decoding_length=0,
        callback=lambda step: step.step + 1 >= caps[step.batch_id])
    return [list(r.hypotheses[0])[:cap] for r, cap in zip(results, caps)]


def prefix_share(a: Sequence[str], b: Sequence[str]) -> float:
    """Leading tokens in common, as a share of the longer output."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n / max(len(a), len(b), 1)


def engines(model_dir: Path, threads: int):
    """The project's engines over ``model_dir``, greedy: CTranslate2 float32 and int8
    (converted once into the pipeline cache) and transformers."""
    from pipeline.model import from_directory
    from pipeline.translate import EngineSpec

    source = from_directory(model_dir)
    ct2 = {ct: EngineSpec(beam=1, compute_type=ct, inter_threads=1, intra_threads=threads)
           .load(source) for ct in ("float32", "int8")}
    return ct2, EngineSpec(name="transformers", beam=1, threads=threads).load(source)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100, help="sentences (lines of newstest2019 de)")
    ap.add_argument("--eval-dir", type=Path, default=EVAL_MT)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    de_path, en_path = (args.eval_dir / f"newstest2019.de-en.{x}" for x in ("de", "en"))
    if not de_path.is_file():
        print(f"no evaluation data at {de_path}", file=sys.stderr)
        return 2
    import transformers

    from pipeline.translate.base import output_cap

    transformers.logging.set_verbosity_error()
    german = de_path.read_text(encoding="utf-8").splitlines()[:args.n]
    english = en_path.read_text(encoding="utf-8").splitlines()[:args.n]
    model_dir = make_model("twin", eval_dir=args.eval_dir)
    ct2, hf = engines(model_dir, args.threads)
    f32, i8 = ct2["float32"], ct2["int8"]
    sources = [f32.tokens.encode(s) for s in german]
    same_source = sum(f32.tokens.ids(p) == ids for p, ids in
                      zip(sources, hf.tokenizer(german)["input_ids"]))
    print(f"# engine parity: {len(german)} sentences of newstest2019 de, opus-mt-de-en shape twin "
          "(random weights), "
          f"{args.threads} threads")
    print(f"source tokens identical in both engines: {same_source}/{len(german)}\n")

    greedy_f32 = greedy_tokens(f32, sources)
    ok = True
    print("forced decoding: mean / max |difference of per-token log-probabilities|")
    print(f"{'targets':<26} {'tokens':>7}  {'ct2 float32 vs transformers':>30}  "
          f"{'(pad unmasked)':>16}  {'ct2 int8 vs float32':>22}")
    for label, targets in (("reference translation", target_pieces(model_dir, english)),
                           ("ct2 float32 greedy output", greedy_f32)):
        lp32, lp8 = ct2_forced(f32, sources, targets), ct2_forced(i8, sources, targets)
        parity = abs_diffs(lp32, torch_forced(hf, sources, targets))
        unmasked = abs_diffs(lp32, torch_forced(hf, sources, targets, mask_pad=False))
        drift = abs_diffs(lp8, lp32)
        mean = statistics.fmean(parity)
        ok &= mean <= LIMIT_MEAN_ABS
        print(f"{label:<26} {len(parity):>7}  {mean:>13.2e} / {max(parity):.2e}"
              f"{' ok' if mean <= LIMIT_MEAN_ABS else ' FAIL':>6}  "
              f"{statistics.fmean(unmasked):>16.2e}  "
              f"{statistics.fmean(drift):>11.2e} / {max(drift):.2e}")
    print(f"(limit: mean <= {LIMIT_MEAN_ABS:g})\n")

    start = time.perf_counter()
    texts = {name: [t.text for t in engine.translate(german)]
             for name, engine in (("float32", f32), ("int8", i8), ("transformers", hf))}
    seconds = time.perf_counter() - start
    greedy_i8 = greedy_tokens(i8, sources)
    same = sum(a == b for a, b in zip(texts["float32"], texts["transformers"]))
    same_i8 = sum(a == b for a, b in zip(texts["int8"], texts["float32"]))
    ended = sum(len(t) < output_cap(len(s)) for t, s in zip(greedy_f32, sources))
    positions = sum(len(t) for t in greedy_f32)
    agree = sum(x == y for a, b in zip(greedy_f32, greedy_i8) for x, y in zip(a, b))
    ok &= same >= LIMIT_IDENTICAL * len(german)
    print(f"greedy decoding (the project's engines, beam 1, per-sentence caps; {seconds:.0f} s)")
    print(f"  ct2 float32 vs transformers: identical output {same}/{len(german)}"
          f"{' ok' if same >= LIMIT_IDENTICAL * len(german) else ' FAIL'} "
          f"(limit {LIMIT_IDENTICAL * len(german):.0f})")
    print(f"  ct2 int8 vs float32: identical output {same_i8}/{len(german)}; tokens equal "
          f"position by position {agree / max(positions, 1):.1%}; leading tokens in common "
          f"{statistics.fmean(prefix_share(a, b) for a, b in zip(greedy_f32, greedy_i8)):.1%} "
          "(mean share per sentence)")
    print(f"  float32 outputs: {positions / max(len(german), 1):.1f} tokens on average, {ended}/{len(german)} "
          "ended with </s> before their cap")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
