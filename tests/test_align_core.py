"""Tests of the alignment core: the search alone on hand-made score matrices (optimum, ties,
bands), each link type on small German/English documents written for this project (with and
without MT), invariants under hypothesis, edge cases, and (when ``../shared/eval`` is present)
floors under the F1 measured by ``bench/alignment.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.alignment import (ALIGNER, LINK_TYPES, Band, Link, align, align_document,
                            band_around, best_path, diagonal_band, full_band, resolve_params)
from pipeline.alignment.score import NgramScorer, log_tail, trigrams
from pipeline.alignment.search import path_score
from pipeline.errors import InputError

from conftest import SHARED_EVAL, MatrixScorer

REPO = Path(__file__).resolve().parent.parent
EVAL = SHARED_EVAL / "alignment"


# --------------------------------------------------------------------------- the search alone


def random_table(rng: np.random.Generator, n: int, m: int,
                 types=LINK_TYPES) -> dict[tuple[int, int], np.ndarray]:
    return {t: rng.normal(size=(n + 1, m + 1)).round(3) for t in types}


def brute_force(table: dict[tuple[int, int], np.ndarray], n: int, m: int,
                band: Band | None = None) -> float:
    """The best path score by enumerating every path (exhaustive, no dynamic programming)."""
    def paths(i: int, j: int):
        if (i, j) == (n, m):
            yield 0.0
            return
        for (a, b), s in table.items():
            if i + a <= n and j + b <= m and (band is None or band.contains(i + a, j + b)):
                for rest in paths(i + a, j + b):
                    yield s[i, j] + rest
    return max(paths(0, 0), default=-np.inf)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 4), st.integers(0, 4), st.integers(0, 2**31 - 1))
def test_search_finds_the_optimum(n, m, seed):
    table = random_table(np.random.default_rng(seed), n, m)
    path = best_path(MatrixScorer(table), full_band(n, m))
    assert path_score(MatrixScorer(table), path) == pytest.approx(brute_force(table, n, m))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_search_finds_the_optimum_inside_a_band(n, m, width, seed):
    table = random_table(np.random.default_rng(seed), n, m)
    band = diagonal_band(n, m, width)
    path = best_path(MatrixScorer(table), band)
    assert all(band.contains(i + a, j + b) for i, j, a, b in path)
    assert path_score(MatrixScorer(table), path) == pytest.approx(brute_force(table, n, m, band))


def diagonal_table(n: int) -> dict[tuple[int, int], np.ndarray]:
    """1-1 links on the diagonal score 1, every other link -5."""
    table = {t: np.full((n + 1, n + 1), -5.0) for t in LINK_TYPES}
    np.fill_diagonal(table[(1, 1)], 1.0)
    return table


def test_search_follows_a_clear_diagonal():
    path = best_path(MatrixScorer(diagonal_table(5)), full_band(5, 5))
    assert path == [(k, k, 1, 1) for k in range(5)]


def test_ties_go_to_the_type_listed_first():
    table = {t: np.zeros((3, 3)) for t in ((1, 1), (2, 2), (1, 0), (0, 1))}
    assert best_path(MatrixScorer(table), full_band(2, 2), ((1, 1), (2, 2), (1, 0), (0, 1))) \
        == [(0, 0, 1, 1), (1, 1, 1, 1)]
    assert best_path(MatrixScorer(table), full_band(2, 2), ((2, 2), (1, 1), (1, 0), (0, 1))) \
        == [(0, 0, 2, 2)]


def test_a_band_that_misses_the_optimum_gives_the_best_path_inside_it():
    # The only good links run along a path shifted three columns right of the diagonal.
    n, m = 6, 9
    table = {t: np.full((n + 1, m + 1), -5.0) for t in LINK_TYPES}
    table[(0, 1)][0, :3] = 2.0
    for k in range(n):
        table[(1, 1)][k, k + 3] = 3.0
    scorer = MatrixScorer(table)
    best = best_path(scorer, full_band(n, m))
    assert best == [(0, 0, 0, 1), (0, 1, 0, 1), (0, 2, 0, 1)] + [(k, k + 3, 1, 1) for k in range(n)]
    narrow = Band((0, 0, 1, 2, 3, 4, 5), (1, 2, 3, 4, 5, 6, 9))
    inside = best_path(scorer, narrow)
    assert all(narrow.contains(i + a, j + b) for i, j, a, b in inside)
    assert path_score(scorer, inside) < path_score(scorer, best)
    assert narrow.touches(inside) and not full_band(n, m).touches(best)
    assert not band_around(best, n, m, 2).touches(best)


def test_band_builders_keep_their_promises():
    for n, m, w in [(0, 5, 1), (5, 0, 1), (10, 3, 1), (3, 10, 1), (7, 7, 2)]:
        band = diagonal_band(n, m, w)
        assert band.lo[0] == 0 and band.hi[-1] == m and band.n == n and band.m == m
        path = best_path(MatrixScorer(random_table(np.random.default_rng(0), n, m)), band)
        assert sum(a for *_, a, _ in path) == n and sum(b for *_, b in path) == m
    path = [(0, 0, 1, 1), (1, 1, 2, 1), (3, 2, 1, 3)]
    band = band_around(path, 4, 5, 1)
    assert all(band.contains(i, j) and band.contains(i + a, j + b) for i, j, a, b in path)
    assert band.cells < full_band(4, 5).cells


@pytest.mark.parametrize("lo, hi", [((1, 1), (2, 2)), ((0, 3), (1, 4)), ((0, 2), (3, 1)),
                                    ((0,), (1, 2)), ((), ())])
def test_a_broken_band_is_refused(lo, hi):
    with pytest.raises(InputError, match="band"):
        Band(lo, hi)


@pytest.mark.parametrize("types", [((0, 2), (1, 0)), ((0, 0), (1, 1)), ((1, 1), (1, 1)),
                                   ((-1, 1),)])
def test_unsupported_link_types_are_refused(types):
    with pytest.raises(InputError, match="link types"):
        best_path(MatrixScorer({}), full_band(1, 1), types)


def test_no_path_is_an_error_not_a_wrong_answer():
    with pytest.raises(InputError, match="no path"):
        best_path(MatrixScorer({(1, 1): np.zeros((3, 4))}), full_band(2, 3), ((1, 1),))


# --------------------------------------------------------------------------- scorer parts


def test_trigrams_are_folded_and_stay_inside_words():
    assert trigrams("Größe 20") == trigrams("GRÖSSE, 20!") \
        == {"<gr": 1, "gro": 1, "ros": 1, "oss": 1, "sse": 1, "se>": 1, "<20": 1, "20>": 1}
    assert trigrams("a b a") == {"<a>": 2, "<b>": 1}
    assert trigrams("Ein Satz.") + trigrams("Noch einer!") == trigrams("Ein Satz. Noch einer!")


def test_log_tail_matches_the_normal_tail():
    from math import erfc, log, sqrt

    for x in (0.0, 0.5, 1.0, 2.0, 4.0, 8.0):
        assert log_tail(np.array([x]))[0] == pytest.approx(log(erfc(x / sqrt(2))), abs=2e-6,
                                                           rel=2e-3)
    assert np.isfinite(log_tail(np.array([60.0]))[0])


def test_similarity_is_a_dice_coefficient_in_unit_range():
    scorer = NgramScorer(["A b.", "Ganz anders."], ["A b.", "Whatever else"])
    sims = scorer.similarity(0, 1, 1, np.array([0, 1]))
    assert sims[0] == pytest.approx(1.0) and 0 <= sims[1] < 0.5
    assert scorer.similarity(0, 1, 0, np.array([0]))[0] == 0.0


# --------------------------------------------------------------------------- small documents
# Written for this project: (German, English, machine translation of the German).

PARALLEL = [
    ("Im Jahr 1998 gründete Karl Weber die Firma Nordlicht in Hamburg.",
     "In 1998, Karl Weber founded the company Nordlicht in Hamburg.",
     "In 1998 Karl Weber founded the company Nordlicht in Hamburg."),
    ("Heute arbeiten dort 240 Menschen an drei Standorten.",
     "Today 240 people work there, spread over three sites.",
     "Today 240 people work there at three locations."),
    ("Der Umsatz stieg im vergangenen Jahr auf 57 Millionen Euro.",
     "Last year, revenue rose to 57 million euros.",
     "Sales rose to 57 million euros last year."),
    ("Die Geschäftsführerin Maria Schulz plant nun eine neue Fabrik in Leipzig.",
     "Managing director Maria Schulz is now planning a new factory in Leipzig.",
     "Managing director Maria Schulz is now planning a new factory in Leipzig."),
    ("Dafür will das Unternehmen bis 2026 rund 12 Millionen Euro investieren.",
     "The company wants to invest around 12 million euros in it by 2026.",
     "For this, the company wants to invest around 12 million euros by 2026."),
    ("Der Bau soll im März 2025 beginnen und zwei Jahre dauern.",
     "Construction is due to begin in March 2025 and to take two years.",
     "Construction is to begin in March 2025 and last two years."),
    ("Die Stadt Leipzig unterstützt das Projekt mit Fördergeldern.",
     "The city of Leipzig is supporting the project with subsidies.",
     "The city of Leipzig supports the project with subsidies."),
    ("Kritik kommt von der Umweltgruppe Grüne Welle aus Dresden.",
     "Criticism comes from the environmental group Grüne Welle from Dresden.",
     "Criticism comes from the environmental group Green Wave from Dresden."),
    ("Sie befürchtet, dass für die Fabrik 30 Hektar Wald gerodet werden.",
     "It fears that 30 hectares of forest will be cleared for the factory.",
     "She fears that 30 hectares of forest will be cleared for the factory."),
    ("Eine Entscheidung des Stadtrats wird bis Ende Juni erwartet.",
     "A decision by the city council is expected by the end of June.",
     "A decision by the city council is expected by the end of June."),
]
EXTRA_DE = ("Das Wetter war am Wochenende in ganz Norddeutschland ungewöhnlich mild und sonnig.",
            "The weather was unusually mild and sunny throughout northern Germany at the weekend.")
EXTRA_EN = "Readers can send questions about the project to the editorial office by e-mail at any time."


def document(merge_de=(), merge_en=(), drop_en=None, extra_de_at=None, extra_en_at=None):
    """PARALLEL with some sentences joined or dropped; returns (de, en, mt, expected links).

    ``merge_de`` / ``merge_en``: groups of consecutive indices joined into one sentence on that
    side; ``drop_en``: an index whose English is left out; ``extra_*_at``: where a sentence with
    no counterpart is inserted."""
    def groups(merges):
        out, k = [], 0
        starts = {g[0]: g for g in merges}
        while k < len(PARALLEL):
            g = starts.get(k, (k,))
            out.append(list(g))
            k = g[-1] + 1
        return out

    de_groups, en_groups = groups(merge_de), groups(merge_en)
    de = [" ".join(PARALLEL[k][0] for k in g) for g in de_groups]
    mt = [" ".join(PARALLEL[k][2] for k in g) for g in de_groups]
    en = [" ".join(PARALLEL[k][1] for k in g if k != drop_en) for g in en_groups]
    en_of = {k: gi for gi, g in enumerate(en_groups) for k in g}
    de_of = {k: gi for gi, g in enumerate(de_groups) for k in g}
    links: list[tuple[set[int], set[int]]] = []
    for k in range(len(PARALLEL)):
        d, e = {de_of[k]}, set() if k == drop_en else {en_of[k]}
        if links and (links[-1][0] & d or links[-1][1] & e):
            links[-1][0].update(d)
            links[-1][1].update(e)
        else:
            links.append((d, e))
    if drop_en is not None and not en[en_of[drop_en]]:
        del en[en_of[drop_en]]
        links = [(d, {x - (x > en_of[drop_en]) for x in e}) for d, e in links]
    expected = [(tuple(sorted(d)), tuple(sorted(e))) for d, e in links]
    if extra_de_at is not None:
        de.insert(extra_de_at, EXTRA_DE[0])
        mt.insert(extra_de_at, EXTRA_DE[1])
        expected = _shift(expected, 0, extra_de_at) + [((extra_de_at,), ())]
    if extra_en_at is not None:
        en.insert(extra_en_at, EXTRA_EN)
        expected = _shift(expected, 1, extra_en_at) + [((), (extra_en_at,))]
    return de, en, mt, expected


def _shift(links, side, at):
    return [tuple(tuple(x + (x >= at) for x in part) if s == side else part
                  for s, part in enumerate(link)) for link in links]


CASES = {
    "1-1": {},
    "2-1": {"merge_en": [(2, 3)]},
    "1-2": {"merge_de": [(4, 5)]},
    "2-2": {"merge_de": [(2, 3)], "merge_en": [(3, 4)]},
    "3-1": {"merge_en": [(5, 6, 7)]},
    "1-3": {"merge_de": [(1, 2, 3)]},
    "1-0": {"extra_de_at": 4},
    "0-1": {"extra_en_at": 6},
    "1-0 and 0-1 apart": {"extra_de_at": 2, "extra_en_at": 7},
}


@pytest.mark.parametrize("with_mt", [True, False], ids=["mt", "no-mt"])
@pytest.mark.parametrize("case", CASES)
def test_each_link_type_on_a_small_document(case, with_mt):
    de, en, mt, expected = document(**CASES[case])
    assert case.split()[0] in {f"{len(d)}-{len(e)}" for d, e in expected}  # the case is there
    links = align(de, en, mt if with_mt else None)
    check_links(links, len(de), len(en))
    assert {(link.de, link.en) for link in links} == set(expected)


def test_blank_mt_lines_fall_back_to_the_german():
    de, en, mt, expected = document(merge_en=[(2, 3)])
    mt = [None if k % 3 == 1 else s for k, s in enumerate(mt)]
    mt[4] = "   "
    assert {(link.de, link.en) for link in align(de, en, mt)} == set(expected)


def test_long_document_two_passes_agree_with_one():
    de, en, mt, _ = document(merge_en=[(2, 3)], extra_de_at=6)
    de, en, mt = de * 6, en * 6, mt * 6
    whole = align_document(de, en, mt)
    banded = align_document(de, en, mt, full_search_cells=0, band=2, first_band_min=3)
    assert banded.links == whole.links
    assert banded.cells < whole.cells


# --------------------------------------------------------------------------- invariants

WORDS = st.text(alphabet="abcdeäöüßxyzABCDE0123456789 .,-«»\n", min_size=0, max_size=60)


def check_links(links: list[Link], n: int, m: int, types=LINK_TYPES) -> None:
    de = [i for link in links for i in link.de]
    en = [j for link in links for j in link.en]
    assert de == list(range(n)) and en == list(range(m))  # each once, in order: monotone
    assert all((len(link.de), len(link.en)) in types for link in links)
    assert all(0.0 <= link.similarity <= 1.0 and np.isfinite(link.score) for link in links)
    assert all(link.kind == f"{len(link.de)}-{len(link.en)}" for link in links)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=12), st.lists(WORDS, max_size=12), st.booleans(),
       st.booleans())
def test_every_sentence_once_monotone_allowed_types(de, en, with_mt, two_pass):
    mt = [s[::-1] for s in de] if with_mt else None
    extra = {"full_search_cells": 0, "band": 1, "first_band_min": 1} if two_pass else {}
    check_links(align(de, en, mt, **extra), len(de), len(en))


@settings(max_examples=20, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=8), st.lists(WORDS, min_size=1, max_size=8))
def test_restricted_link_types_are_respected(de, en):
    priors = {(1, 1): 0.9, (1, 0): 0.05, (0, 1): 0.05}
    check_links(align(de, en, priors=priors), len(de), len(en), tuple(priors))


@pytest.mark.parametrize("n, m", [(0, 0), (0, 3), (3, 0)])
@pytest.mark.parametrize("with_mt", [True, False])
def test_empty_sides(n, m, with_mt):
    de = [f"Satz {k}." for k in range(n)]
    en = [f"Sentence {k}." for k in range(m)]
    links = align(de, en, [f"Sentence {k}." for k in range(n)] if with_mt else None)
    assert [(link.de, link.en) for link in links] == \
        [((i,), ()) for i in range(n)] + [((), (j,)) for j in range(m)]


def test_identical_sentences_align_one_to_one():
    text = ["Ja.", "Ja.", "Ja.", "Nein."]
    assert [link.kind for link in align(text, text, text)] == ["1-1"] * 4


# --------------------------------------------------------------------------- API edges


def test_mt_must_match_the_german():
    with pytest.raises(InputError, match="one per German sentence"):
        align(["Eins.", "Zwei."], ["One.", "Two."], ["One."])


def test_sentences_must_be_strings():
    with pytest.raises(InputError, match=r"en_sentences\[1\] is a int"):
        align(["Eins."], ["One.", 2])


@pytest.mark.parametrize("params, match", [
    ({"bandwidth": 3}, "unknown alignment parameter"),
    ({"band": 0}, "band"),
    ({"priors": {(1, 1): 1.0}}, r"\(1, 0\)"),
    ({"priors": {(1, 1): 0.5, (1, 0): 0.2, (0, 1): 0.2, (0, 2): 0.1}}, "link types"),
    ({"length_outliers": 1.0}, "length_outliers"),
    ({"content_weight": "high"}, "unusable"),
])
def test_bad_parameters_are_refused(params, match):
    with pytest.raises(InputError, match=match):
        resolve_params(**params)


def test_provenance_names_the_aligner_and_every_setting():
    de, en, mt, _ = document()
    result = align_document(de, en, mt, content_weight=25)
    prov = json.loads(json.dumps(result.provenance()))
    assert prov["aligner"] == ALIGNER == result.aligner and ALIGNER.startswith("pipeline-align/")
    assert prov["params"]["content_weight"] == 25
    assert sum(prov["params"]["priors"].values()) == pytest.approx(1.0, abs=1e-5)
    assert set(prov["estimates"]) >= {"length_ratio", "base", "priors", "mt_sentences"}
    assert prov["estimates"]["mt_sentences"] == len(de)
    assert sum(prov["estimates"]["priors"].values()) == pytest.approx(1.0, abs=1e-5)
    assert list(result.links) == align(de, en, mt, content_weight=25)


def test_import_stays_light():
    code = "import sys, pipeline.alignment; print(sorted({'torch', 'transformers', 'ctranslate2', " \
           "'sacrebleu'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- shared data


@pytest.mark.slow
@pytest.mark.skipif(not EVAL.is_dir(), reason="../shared/eval is not available")
@pytest.mark.parametrize("name, key, floor", [
    # measured (bench/alignment.py): 0.969 and 0.983; the floors leave room for deliberate
    # changes of the model, not for regressions.
    ("deen_ntrex_alignment_perturbed.jsonl", None, 0.95),
    ("deen_wmt22_mt_perturbed.jsonl", "mt_sentences", 0.97),
])
def test_f1_on_the_shared_sets(name, key, floor):
    from bench import alignment as bench

    docs = bench.load_set(EVAL / name)
    figures, _ = bench.evaluate(bench.ours(key), docs)
    assert figures["F1"] >= floor
