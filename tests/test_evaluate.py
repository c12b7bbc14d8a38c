"""pipeline eval: scores, signatures, CIs and paired tests equal what the sacrebleu command line
prints on the same files (bit for bit); record files become one hypothesis per source line."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import MAKE, ROOT, SHARED_EVAL
from pipeline.cli import app
from pipeline.errors import EvaluationError, PipelineError
from pipeline.provenance import Provenance
from pipeline.records import Record
from pipeline.evaluate import (
    ModelUsed,
    compare,
    compare_published,
    evaluate,
    evaluate_files,
    find_published,
    hypotheses_from_records,
    model_of_record,
    read_lines,
)

runner = CliRunner()
WMT22 = SHARED_EVAL / "alignment" / "deen_wmt22_mt_perturbed.jsonl"
NEWSTEST_DE = SHARED_EVAL / "mt" / "newstest2019.de-en.de"
NEWSTEST_EN = SHARED_EVAL / "mt" / "newstest2019.de-en.en"

# Small English test data written for these tests: three systems and two references.
REF_A = ["The council met on Monday to discuss the budget.",
         "Prices rose by three percent last year.",
         "\"We will not give up,\" she said.",
         "",
         "The match ended in a draw after extra time.",
         "Police are investigating the cause of the fire.",
         "The new bridge will open in spring 2021."]
REF_B = ["On Monday the council met to talk about the budget.",
         "Last year prices went up three percent.",
         "\"We won't give up,\" she said.",
         "",
         "After extra time the game ended in a draw.",
         "The police are looking into what caused the fire.",
         "In spring 2021 the new bridge will open."]
SYS_1 = ["The council met on Monday to discuss the budget.",
         "Prices increased by three per cent last year.",
         "\"We will not give up\", she said.",
         "",
         "The game ended with a draw after overtime.",
         "Police investigate the cause of the fire.",
         "The new bridge opens in spring 2021."]
SYS_2 = ["Council meets Monday budget.",
         "Prices rose three percent.",
         "She said we will not give up.",
         "Nothing.",
         "The match ended in a draw.",
         "The fire is investigated.",
         "Bridge open spring."]
SYS_3 = ["The council met Monday to discuss the budget.",
         "Prices rose by three percent last year.",
         "\"We won't give up,\" she said.",
         "",
         "The match was a draw after extra time.",
         "The police are investigating the cause of the fire.",
         "The new bridge will be opened in spring 2021."]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def sacrebleu(*args) -> str:
    """The sacrebleu command line of this environment, colours off, format from args only."""
    env = {k: v for k, v in os.environ.items() if k not in ("SACREBLEU_FORMAT", "SACREBLEU_SEED")}
    env["NO_COLOR"] = "1"
    res = subprocess.run([sys.executable, "-m", "sacrebleu", *map(str, args), "-q"],
                         capture_output=True, text=True, env=env, check=True)
    return res.stdout


def sacrebleu_json(*args) -> list[dict]:
    """Single-system scores as sacrebleu prints them in JSON; ``-w 17`` prints every score to
    17 decimals, which round-trips a float exactly."""
    out = json.loads(sacrebleu(*args, "-f", "json", "-w", "17"))
    return out if isinstance(out, list) else [out]


def assert_same_as_sacrebleu(result, cli: list[dict]) -> None:
    """Exact float equality of score (and bootstrap mean and CI) and equal signatures."""
    assert len(result.scores) == len(cli)
    by_name = {d["name"]: d for d in cli}
    for s in result.scores:
        d = by_name[s.name]
        assert (s.score, s.signature) == (d["score"], d["signature"]), s.name
        assert s.verbose == d.get("verbose_score", "")
        if "confidence_mean" in d:
            assert (s.mean, s.ci) == (d["confidence_mean"], d["confidence_var"])
        else:
            assert s.mean is None and s.ci is None


def sacrebleu_metric_args(metrics: tuple[str, ...]) -> list[str]:
    names = ["chrf" if m == "chrf++" else m for m in metrics]
    return ["-m", *names, *(["--chrf-word-order", "2"] if "chrf++" in metrics else [])]


# --------------------------------------------------------------- small files, always run


@pytest.mark.parametrize("metrics,bootstrap,refs", [
    (("bleu", "chrf", "ter"), None, [REF_A]),
    (("bleu", "chrf", "ter"), 50, [REF_A]),
    (("ter", "bleu", "chrf"), None, [REF_A, REF_B]),
    (("bleu", "chrf", "ter"), 50, [REF_A, REF_B]),
    (("chrf++",), 40, [REF_B, REF_A]),
])
def test_scores_equal_sacrebleu_cli(tmp_path, metrics, bootstrap, refs):
    ref_files = [write(tmp_path / f"ref{i}.en", r) for i, r in enumerate(refs)]
    hyp = write(tmp_path / "hyp.en", SYS_1)
    ci = ["-ci", "-cin", str(bootstrap)] if bootstrap else []
    cli = sacrebleu_json(*ref_files, "-i", hyp, *sacrebleu_metric_args(metrics), *ci)
    result = evaluate(SYS_1, refs, metrics, bootstrap=bootstrap)
    assert [s.name for s in result.scores] == [
        {"bleu": "BLEU", "chrf": "chrF2", "ter": "TER", "chrf++": "chrF2++"}[m] for m in metrics]
    assert_same_as_sacrebleu(result, cli)


def test_report_lines_are_sacrebleus_lines_through_the_cli(tmp_path):
    ref, hyp = write(tmp_path / "ref.en", REF_A), write(tmp_path / "hyp.en", SYS_3)
    res = runner.invoke(app, ["eval", "--hyp", str(hyp), "--ref", str(ref), "--bootstrap", "40"])
    assert res.exit_code == 0, res.output
    text = sacrebleu(ref, "-i", hyp, "-m", "bleu", "chrf", "ter", "-ci", "-cin", "40", "-f", "text")
    # same lines, same alignment at "="
    assert text.splitlines() == res.output.splitlines()[1:4]
    assert f"reproduce: sacrebleu {ref} -i {hyp} -m bleu chrf ter -ci -cin 40" in res.output


def _parse_paired_table(text: str) -> dict[str, list[tuple[str, ...]]]:
    """Cells of sacrebleu's paired text table (-w 17) per metric column: (score, mean, ci)
    and the p-values (4 decimals), plus the signatures printed below it."""
    rows = [line for line in text.splitlines() if line.startswith("│")]
    header = [c.strip() for c in rows[0].strip("│").split("│")]
    cells: dict[str, list] = {h.split(" ")[0]: [] for h in header[1:]}
    for row in rows[1:]:
        parts = [c.strip() for c in row.strip("│").split("│")][1:]
        for name, cell in zip(cells, parts):
            if m := re.fullmatch(r"([\d.]+) \(([\d.]+) ± ([\d.]+)\)", cell):
                cells[name].append(m.groups())
            elif m := re.fullmatch(r"\(p = ([\d.]+)\)\*?", cell):
                cells[name].append((m.group(1),))
    sigs = dict(re.findall(r"^ - (\S+)\s+(nrefs:\S+)$", text, re.M))
    return {"cells": cells, "signatures": sigs}


@pytest.mark.slow
def test_paired_tests_equal_sacrebleu_cli(tmp_path):
    ref = write(tmp_path / "ref.en", REF_A)
    files = [write(tmp_path / f"sys{i}.en", s) for i, s in enumerate((SYS_1, SYS_2, SYS_3))]
    systems = [(f.name, s) for f, s in zip(files, (SYS_1, SYS_2, SYS_3))]
    metrics = ("bleu", "chrf", "ter")

    ar = compare(systems, [REF_A], metrics, "ar", 200)
    cli = json.loads(sacrebleu(ref, "-i", *files, "-m", *metrics, "--paired-ar",
                               "--paired-ar-n", "200", "-f", "json"))
    for system, row in zip(ar.systems, cli):
        for name in ar.metrics:
            s, want = ar.get(system, name), row[name]
            assert (s.score, s.p_value, s.mean, s.ci) == (want["score"], want["p_value"],
                                                          want["mean"], want["ci"])
    # the data cover both regimes: a difference within chance and one beyond it
    assert ar.get("sys2.en", "BLEU").p_value > 0.05 > ar.get("sys1.en", "TER").p_value

    bs = compare(systems, [REF_A], metrics, "bs", 100)
    table = _parse_paired_table(sacrebleu(ref, "-i", *files, "-m", *metrics, "--paired-bs",
                                          "--paired-bs-n", "100", "-f", "text", "-w", "17"))
    assert table["signatures"] == dict(zip(bs.metrics, bs.signatures))
    assert "bs:100|seed:12345" in bs.signatures[0] and "ar:200|seed:12345" in ar.signatures[0]
    for name in bs.metrics:
        cells = iter(table["cells"][name])
        for system in bs.systems:
            s = bs.get(system, name)
            assert next(cells) == tuple(f"{v:.17f}" for v in (s.score, s.mean, s.ci))
            if s.p_value is not None:
                assert next(cells) == (f"{s.p_value:.4f}",)


def test_cli_paired_runs_both_tests_and_prints_reproducing_commands(tmp_path):
    ref = write(tmp_path / "ref.en", REF_A)
    a, b = write(tmp_path / "a.en", SYS_1), write(tmp_path / "b.en", SYS_2)
    res = runner.invoke(app, ["eval", "--paired", str(a), str(b), "--ref", str(ref),
                              "--bootstrap", "30", "--trials", "40", "--metrics", "bleu,chrf", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert [p["test"] for p in report["paired"]] == ["bs", "ar"]
    assert [p["samples"] for p in report["paired"]] == [30, 40]
    assert report["reproduce"] == [
        f"sacrebleu {ref} -i {a} {b} -m bleu chrf --paired-bs --paired-bs-n 30",
        f"sacrebleu {ref} -i {a} {b} -m bleu chrf --paired-ar --paired-ar-n 40"]
    res = runner.invoke(app, ["eval", "--paired", str(a), "--ref", str(ref)])
    assert res.exit_code == 2 and "baseline and at least one more" in res.output


@pytest.mark.slow
def test_per_document_scores_equal_sacrebleu_on_each_document(tmp_path):
    ref = write(tmp_path / "ref.en", REF_A)
    parts = [write(tmp_path / "d1.en", SYS_1[:3]), write(tmp_path / "d2.en", SYS_1[3:])]
    report = evaluate_files([parts], [ref], plain_text=True, metrics=("bleu", "chrf"),
                            per_document=True)
    assert [(d.name, d.start, d.end) for d in report.documents] == [
        (str(parts[0]), 0, 3), (str(parts[1]), 3, 7)]
    for doc, part in zip(report.documents, parts):
        doc_ref = write(tmp_path / f"ref-{part.name}", REF_A[doc.start:doc.end])
        assert_same_as_sacrebleu(doc.result, sacrebleu_json(doc_ref, "-i", part, "-m", "bleu", "chrf"))
    whole = write(tmp_path / "whole.en", SYS_1)
    assert_same_as_sacrebleu(report.result, sacrebleu_json(ref, "-i", whole, "-m", "bleu", "chrf"))


@pytest.mark.parametrize("name,pack", [("h.en", bytes), ("h.en.gz", gzip.compress)])
def test_text_is_read_as_sacrebleu_reads_it(tmp_path, name, pack):
    from sacrebleu.utils import smart_open

    p = tmp_path / name
    p.write_bytes(pack("\ufeffa  \r\n\nb\u2028c\x85d\t\ne\rf".encode()))
    with smart_open(str(p)) as f:
        assert read_lines(p) == tuple(line.rstrip() for line in f)
    assert read_lines(p) == ("\ufeffa", "", "b\u2028c\x85d", "e\rf")


@pytest.mark.parametrize("hyps,refs,message", [
    (SYS_1, [REF_A[:-1]], "7 hypotheses but reference stream 1 has 6 segments"),
    ([], [[]], "nothing to score"),
    (SYS_1, REF_A, "list of reference streams"),
])
def test_evaluate_refuses_misaligned_streams(hyps, refs, message):
    with pytest.raises(EvaluationError, match=re.escape(message)):
        evaluate(hyps, refs)


@pytest.mark.parametrize("kwargs,message", [
    ({"metrics": ("bleu", "meteor")}, "unknown metric 'meteor'"),
    ({"metrics": ("bleu", "BLEU")}, "asked for twice"),
    ({"bootstrap": 1}, "at least 2 resamples"),
    ({"metric_args": {"bleu": {"tokenize": "nope"}}}, "sacrebleu refuses"),
])
def test_evaluate_refuses_bad_settings(kwargs, message):
    with pytest.raises(EvaluationError, match=re.escape(message)):
        evaluate(SYS_1, [REF_A], **kwargs)


def test_count_mismatch_is_one_line_naming_files_and_counts(tmp_path):
    ref, hyp = write(tmp_path / "ref.en", REF_A), write(tmp_path / "hyp.en", SYS_1[:5])
    res = runner.invoke(app, ["eval", "--hyp", str(hyp), "--ref", str(ref)])
    assert res.exit_code == 2
    assert res.output == f"error: {hyp}: 5 hypotheses but {ref} has 7 lines\n"
    ref2 = write(tmp_path / "ref2.en", REF_B[:6])
    res = runner.invoke(app, ["eval", "--hyp", str(hyp), "--ref", str(ref), "--ref", str(ref2)])
    assert res.exit_code == 2
    assert res.output == f"error: references differ in length: {ref} has 7 lines but {ref2} has 6\n"


# --------------------------------------------------------------- record files


def record(doc: Path, index: int, line: int, target: str, model: dict | None = None) -> Record:
    """A record of ``doc`` for a record file in the same directory; only ``index``, ``line``,
    ``target`` and the document matter to evaluation."""
    data = doc.read_bytes() if doc.exists() else b""
    provenance = None if model is None else Provenance(
        model={**model, "files": {"config.json": "0" * 64}},
        engine={"name": "ctranslate2", "version": "4", "decoding": {"num_beams": 4}},
        splitter="pipeline-de/1.2")
    return Record(doc_path=doc.name, doc_sha256=hashlib.sha256(data).hexdigest(), index=index,
                  paragraph=0, line=line, kind="sentence", start=10 * index, end=10 * index + 1,
                  source="x", target=target, provenance=provenance)


def write_records(path: Path, records: list[Record]) -> Path:
    path.write_text("".join(r.to_json() + "\n" for r in records), encoding="utf-8")
    return path


def test_records_become_one_hypothesis_per_source_line(tmp_path):
    src = tmp_path / "test.de"
    src.write_text("Eins. Zwei.\n\nDrei\n\n\n", encoding="utf-8")  # 5 lines, blank at the end
    recs = [record(src, 2, 2, "Three"), record(src, 0, 0, "One."), record(src, 1, 0, "Two.")]
    hyps = hypotheses_from_records([write_records(tmp_path / "test.jsonl", recs)])
    assert hyps.lines == ("One. Two.", "", "Three", "", "")
    assert [(d.name, d.start, d.end) for d in hyps.documents] == [(str(src), 0, 5)]
    assert hyps.notes == ()


def test_records_without_their_source_count_lines_from_the_records(tmp_path):
    src = tmp_path / "test.de"
    src.write_text("Eins.\n\nDrei.\n\n", encoding="utf-8")
    path = write_records(tmp_path / "test.jsonl", [record(src, 0, 0, "One"), record(src, 1, 2, "Three")])
    src.write_text("changed\n", encoding="utf-8")
    hyps = hypotheses_from_records([path])
    assert hyps.lines == ("One", "", "Three")
    assert "line count (3) is taken from the records" in hyps.notes[0]
    ref = write(tmp_path / "ref.en", ["One", "", "Three", ""])
    with pytest.raises(EvaluationError, match=r"3 hypotheses but .*ref.en has 4 lines \(for 1 "
                                              r"document\(s\) the line count came from the records"):
        evaluate_files([[path]], [ref])


def test_pipeline_lines_map_to_newline_separated_segments(tmp_path):
    # str.splitlines (the splitter's lines) also breaks at U+2028 and a lone \r; sacrebleu
    # reads the reference at \n only, so both units belong to one segment.
    src = tmp_path / "test.de"
    src.write_bytes("Eins\u2028zwei\nDrei\rvier\r\nFünf\n".encode())
    recs = [record(src, 0, 0, "One"), record(src, 1, 1, "two"), record(src, 2, 2, "Three"),
            record(src, 3, 3, "four"), record(src, 4, 4, "Five")]
    hyps = hypotheses_from_records([write_records(tmp_path / "t.jsonl", recs)])
    assert hyps.lines == ("One two", "Three four", "Five")


def test_several_record_files_concatenate_in_order_and_name_the_model(tmp_path):
    docs = []
    for name, text in (("b.de", "B1.\nB2.\n"), ("a.de", "A1.\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        docs.append(tmp_path / name)
    model = {"repo": "Helsinki-NLP/opus-mt-de-en", "revision": "a" * 40}
    fb = write_records(tmp_path / "b.jsonl", [record(docs[0], i, i, f"b{i}", model if i == 0 else None)
                                              for i in range(2)])
    fa = write_records(tmp_path / "a.jsonl", [record(docs[1], 0, 0, "a0", {"dir": "/m"})])
    hyps = hypotheses_from_records([fb, fa])
    assert hyps.lines == ("b0", "b1", "a0")
    assert [(d.start, d.end) for d in hyps.documents] == [(0, 2), (2, 3)]
    assert hyps.models == (ModelUsed(repo="Helsinki-NLP/opus-mt-de-en", revision="a" * 40),
                           ModelUsed(directory="/m"))


_OK = ('{"schema":"pipeline.record/2","doc_path":"d","doc_sha256":"' + "0" * 64 + '",'
       '"doc_encoding":"utf-8","index":0,"paragraph":0,"line":0,"kind":"sentence","start":0,'
       '"end":1,"source":"x","target":"x","flags":[],"score":null,'
       '"tokens":{"source":0,"target":0},"pieces":[],"fingerprint":""}')


@pytest.mark.parametrize("content,message", [
    ("{not json\n", "test.jsonl:1: not valid JSON"),
    ("[1, 2]\n", "test.jsonl:1: expected a JSON object"),
    ('{"schema": "pipeline.record/2", "line": 0, "target": "x"}\n', "test.jsonl:1: lacks"),
    (_OK.replace('"line":0', '"line":-1') + "\n", "test.jsonl:1: line must be a non-negative"),
    (_OK.replace('"target":"x"', '"target":null') + "\n", "test.jsonl:1: target must be a string"),
    (_OK + "\n" + _OK.replace('"index":0', '"index":1') + "\n"
     + _OK.replace('"index":0', '"index":1') + "\n", "two records with the same index"),
])
def test_broken_record_files_are_refused(tmp_path, content, message):
    path = tmp_path / "test.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PipelineError, match=re.escape(message)):
        hypotheses_from_records([path])


@pytest.mark.parametrize("model,used", [
    ({"repo": "Helsinki-NLP/opus-mt-de-en", "revision": "r1", "files": {}},
     ModelUsed(repo="Helsinki-NLP/opus-mt-de-en", revision="r1")),
    ({"dir": "/tmp/m", "files": {}}, ModelUsed(directory="/tmp/m")),
    ({}, None),
])
def test_model_of_record(model, used):
    assert model_of_record(model) == used


_LINE = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Zl", "Zp", "Cc")), min_size=1,
                         max_size=8).map(str.strip).filter(bool), max_size=3)


@given(st.lists(_LINE, min_size=1, max_size=8).filter(lambda ls: any(ls)),
       st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_records_rebuild_lines_whatever_their_order(tmp_path, lines, rnd):
    """However the sentences of each line are cut into records and in whatever order the
    records are written, the hypotheses are the lines' sentences joined by a space."""
    src = tmp_path / "p.de"
    src.write_text("".join(("x " * len(sents)).strip() + "\n" for sents in lines), encoding="utf-8")
    recs, index = [], 0
    for n, sents in enumerate(lines):
        for sent in sents:
            recs.append(record(src, index, n, sent))
            index += 1
    rnd.shuffle(recs)
    hyps = hypotheses_from_records([write_records(tmp_path / "p.jsonl", recs)])
    assert hyps.lines == tuple(" ".join(s).rstrip() for s in lines)


# --------------------------------------------------------------- published figures


def test_published_figure_is_found_by_name_or_reference_digest():
    fig = find_published("wmt19")
    assert fig is not None and fig.test_set == "newstest2019"
    assert dict(fig.scores) == {"BLEU": 40.1, "chrF2": 64.2}
    assert find_published(reference_sha256=fig.reference_sha256[0]) is fig
    assert find_published("newstest2014") is None and find_published(reference_sha256="0" * 64) is None


@pytest.mark.parametrize("models,segments,comparable,says", [
    ((ModelUsed(repo="Helsinki-NLP/opus-mt-de-en", revision="r"),), 2000, True, "same model"),
    ((ModelUsed(repo="Helsinki-NLP/opus-mt-de-en", revision="r"),), 5, False, "all 2000 segments"),
    ((ModelUsed(directory="/tmp/tiny"),), 2000, False, "local directory /tmp/tiny"),
    ((), 2000, False, "do not say which model"),
])
def test_published_comparison_says_when_it_holds(models, segments, comparable, says):
    fig = find_published("newstest2019")
    result = evaluate(SYS_1, [REF_A], ("bleu", "chrf"))
    result = type(result)(result.scores, segments, 1)
    cmp = compare_published(result, fig, models)
    assert cmp.comparable is comparable and says in cmp.verdict
    assert [(m, p) for m, _, p in cmp.rows] == [("BLEU", 40.1), ("chrF2", 64.2)]


# --------------------------------------------------------------- tiny model, end to end


def _make_eval(tmp_path, model: Path, src_lines: list[str], ref_lines: list[str]) -> str:
    src = write(tmp_path / "test.de", src_lines)
    ref = write(tmp_path / "test.en", ref_lines)
    res = subprocess.run([*MAKE, "-s", "eval", f"SRC={src}", f"REF={ref}", "TESTSET=newstest2019",
                          f"EVAL_DIR={tmp_path / 'eval'}", f"ARGS=--model-dir {model}",
                          "EVAL_ARGS=--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "pipeline").exists(),
                    reason="needs make and the repository's .venv (make install)")
def test_make_eval_translates_and_scores_with_a_warning_for_a_random_model(tmp_path, tiny_model):
    src, ref = ["Die Bundesregierung hat am Montag neue Regeln beschlossen.", "",
                "Das Spiel endete unentschieden. Alle waren zufrieden."], \
               ["On Monday the federal government adopted new rules.", "",
                "The match ended in a draw. Everybody was happy."]
    if NEWSTEST_DE.exists():
        src = read_lines(NEWSTEST_DE)[:3]
        ref = read_lines(NEWSTEST_EN)[:3]
    report = json.loads(_make_eval(tmp_path, tiny_model, list(src), list(ref)))
    assert report["segments"] == 3 and [s["name"] for s in report["scores"]] == ["BLEU", "chrF2", "TER"]
    assert any("random model" in w and "means nothing" in w for w in report["warnings"])
    assert report["published"]["comparable"] is False
    assert "NOT comparable" in report["published"]["verdict"]
    records = tmp_path / "eval" / "out" / "test.jsonl"
    hyps = hypotheses_from_records([records])
    assert len(hyps.lines) == 3 and bool(hyps.lines[1]) is bool(src[1])
    cli = sacrebleu_json(tmp_path / "test.en", "-i", write(tmp_path / "hyp.en", list(hyps.lines)),
                         "-m", "bleu", "chrf", "ter")
    assert [(s["score"], s["signature"]) for s in report["scores"]] == [
        (d["score"], d["signature"]) for d in cli]


# --------------------------------------------------------------- real WMT22 system outputs


def _wmt22_one_to_one() -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Per pseudo-document, the 1-1 links as (JDExploreAcademy MT, LT22 MT, reference A)."""
    docs = []
    with open(WMT22, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            pairs = [(d["mt_sentences"][s[0]], d["mt_sentences_weak"][s[0]], d["tgt_sentences"][t[0]])
                     for s, t in d["alignments"] if len(s) == 1 and len(t) == 1]
            docs.append((d["doc_id"], pairs))
    return docs


@pytest.fixture(scope="module")
def wmt22(tmp_path_factory):
    if not WMT22.is_file():
        pytest.skip("../shared/eval is absent")
    d = tmp_path_factory.mktemp("wmt22")
    docs = _wmt22_one_to_one()
    flat = [p for _, pairs in docs for p in pairs]
    strong, weak, ref = (write(d / n, [p[i] for p in flat]) for i, n in enumerate(("jd.en", "lt22.en", "ref.en")))
    return {"dir": d, "docs": docs, "strong": strong, "weak": weak, "ref": ref, "n": len(flat)}


@pytest.mark.slow
def test_wmt22_scores_and_cis_equal_sacrebleu_cli(wmt22):
    strong, ref = wmt22["strong"], wmt22["ref"]
    report = evaluate_files([[strong]], [ref], metrics=("bleu", "chrf"), bootstrap=300)
    assert report.segments == wmt22["n"] > 1000
    assert_same_as_sacrebleu(report.result, sacrebleu_json(ref, "-i", strong, "-m", "bleu", "chrf",
                                                           "-ci", "-cin", "300"))
    # TER is slow: its bit-for-bit check runs on the first 150 segments
    d = wmt22["dir"]
    hyp150, ref150 = (write(d / f"{p.stem}-150.en", list(read_lines(p))[:150]) for p in (strong, ref))
    report = evaluate_files([[hyp150]], [ref150], metrics=("ter",), bootstrap=100)
    assert_same_as_sacrebleu(report.result, sacrebleu_json(ref150, "-i", hyp150, "-m", "ter",
                                                           "-ci", "-cin", "100"))


@pytest.mark.slow
def test_wmt22_paired_tests_equal_sacrebleu_cli(wmt22):
    d = wmt22["dir"]
    strong, weak = read_lines(wmt22["strong"]), read_lines(wmt22["weak"])
    # a third, real system: the weak system's output on every other document
    mixed, pos = [], 0
    for k, (_, pairs) in enumerate(wmt22["docs"]):
        mixed += (weak if k % 2 else strong)[pos:pos + len(pairs)]
        pos += len(pairs)
    files = [wmt22["strong"], wmt22["weak"], write(d / "mixed.en", mixed)]
    names = [f.name for f in files]
    hyps = [strong, weak, tuple(mixed)]
    refs = [read_lines(wmt22["ref"])]
    ar = compare(list(zip(names, hyps)), refs, ("bleu",), "ar", 300)
    cli = json.loads(sacrebleu(wmt22["ref"], "-i", *files, "-m", "bleu", "--paired-ar",
                               "--paired-ar-n", "300", "-f", "json"))
    got = [[(ar.get(n, m).score, ar.get(n, m).p_value) for m in ar.metrics] for n in names]
    assert got == [[(row[m]["score"], row[m]["p_value"]) for m in ar.metrics] for row in cli]
    bs = compare(list(zip(names, hyps)), refs, ("bleu",), "bs", 200)
    cli = json.loads(sacrebleu(wmt22["ref"], "-i", *files, "-m", "bleu", "--paired-bs",
                               "--paired-bs-n", "200", "-f", "json"))
    got = [(s.score, s.p_value, s.mean, s.ci) for s in bs.scores]
    assert got == [tuple(row["BLEU"][k] for k in ("score", "p_value", "mean", "ci")) for row in cli]
    assert bs.get(names[1], "BLEU").p_value < 0.05  # LT22 is 7.9 BLEU below: a real difference


@pytest.mark.slow
def test_wmt22_per_document_scores_equal_sacrebleu_on_each_document(wmt22):
    d = wmt22["dir"]
    parts, refs = [], []
    for doc_id, pairs in wmt22["docs"]:
        parts.append(write(d / f"{doc_id}.hyp", [p[0] for p in pairs]))
        refs.append([p[2] for p in pairs])
    report = evaluate_files([parts], [wmt22["ref"]], plain_text=True, metrics=("bleu", "chrf"),
                            per_document=True)
    assert len(report.documents) == len(parts)
    for k in (0, len(parts) // 2, len(parts) - 1):
        doc = report.documents[k]
        ref = write(d / f"ref-{k}.en", refs[k])
        assert_same_as_sacrebleu(doc.result, sacrebleu_json(ref, "-i", parts[k], "-m", "bleu", "chrf"))


@pytest.mark.slow
def test_wmt22_records_score_as_their_hypothesis_file(wmt22, tmp_path):
    """Record files built from the real MT (two records where a line holds two sentences):
    `pipeline eval` on them equals sacrebleu on the plain hypotheses, and --write-hyp writes
    exactly the lines that reproduce it."""
    files = []
    for doc_id, pairs in wmt22["docs"][:40]:
        src = write(tmp_path / f"{doc_id}.de", [f"Satz {i}." for i in range(len(pairs))])
        recs = []
        for i, (mt, _, _) in enumerate(pairs):
            head, sep, tail = mt.partition(". ")
            for piece in ([head + ".", tail] if sep and tail else [mt]):
                recs.append(record(src, len(recs), i, piece))
        files.append(write_records(tmp_path / f"{doc_id}.jsonl", recs))
    n = sum(len(p) for _, p in wmt22["docs"][:40])
    ref = write(tmp_path / "ref.en", list(read_lines(wmt22["ref"]))[:n])
    hyp = write(tmp_path / "hyp.en", list(read_lines(wmt22["strong"]))[:n])
    res = runner.invoke(app, ["eval", *map(str, files), "--ref", str(ref), "--json",
                              "--metrics", "bleu,chrf", "--write-hyp", str(tmp_path / "out.en")])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    cli = sacrebleu_json(ref, "-i", hyp, "-m", "bleu", "chrf")
    assert [(s["score"], s["signature"]) for s in report["scores"]] == [
        (d["score"], d["signature"]) for d in cli]
    assert (tmp_path / "out.en").read_bytes() == hyp.read_bytes()
    assert report["reproduce"] == [f"sacrebleu {ref} -i {tmp_path / 'out.en'} -m bleu chrf"]


def test_newstest2019_reference_is_recognised_by_its_digest(tmp_path):
    ref = NEWSTEST_EN
    if not ref.exists():
        pytest.skip("../shared/eval is absent")
    report = evaluate_files([[ref]], [ref], plain_text=True, metrics=("bleu",))
    assert report.result.scores[0].score == pytest.approx(100.0)
    assert report.published is not None and report.published.figure.test_set == "newstest2019"
    assert not report.published.comparable  # plain text does not say which model made it
