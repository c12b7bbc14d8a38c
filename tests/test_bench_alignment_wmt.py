"""bench/alignment_wmt.py builds alignment sets from WMT system outputs: its gold must describe
exactly the sentences it writes (a wrong gold would make every figure on those sets wrong)."""

import random

from bench.alignment_wmt import documents, perturb, pseudo_documents


def _check(src, en, mts, s, t, gold, mt):
    """Every source and English line is used once, in order, by its entry, and the MT lines
    follow the source sentences."""
    used_src, used_en = [], []
    assert [len(m) for m in mt] == [len(s)] * len(mts)
    for si, ti in gold:
        assert si or ti
        for i in si:
            used_src += s[i].split(" ")
        for j in ti:
            used_en += t[j].split(" ")
    assert sorted(sum((g[0] for g in gold), [])) == list(range(len(s)))
    assert sorted(sum((g[1] for g in gold), [])) == list(range(len(t)))
    assert used_src == [w for w in src if w in set(used_src)]  # in order, dropped ones left out
    assert used_en == [w for w in en if w in set(used_en)]
    for k, m in enumerate(mts):
        assert " ".join(mt[k]).split(" ") == [w.replace("s", f"m{k}", 1) for w in used_src]


def test_perturbed_documents_keep_their_gold_exact():
    kinds = set()
    for seed in range(40):
        n = 30
        src = [f"s{i}" for i in range(n)]
        en = [f"e{i}" for i in range(n)]
        mts = [[f"m0{i}" for i in range(n)], [f"m1{i}" for i in range(n)]]
        s, t, gold, mt = perturb(random.Random(seed), src, en, mts)
        _check(src, en, mts, s, t, gold, mt)
        assert gold[0] == ([0], [0]) and s[0] == "s0" and t[0] == "e0"
        kinds |= {(len(a), len(b)) for a, b in gold}
    assert {(1, 1), (2, 1), (1, 2), (0, 1), (1, 0), (2, 2), (3, 1), (1, 3)} <= kinds


def test_documents_from_xml_and_pseudo_documents(tmp_path):
    xml = tmp_path / "t.xml"
    xml.write_text('<doc origlang="ja" id="a">\n<src lang="ja">\n<p>\n<seg id="1">x</seg>\n'
                   '<seg id="2">y</seg>\n</p>\n</src>\n<ref><p><seg id="1">X</seg></p></ref>\n'
                   '</doc>\n<doc id="b">\n<src><p><seg id="1">z</seg></p></src>\n</doc>\n',
                   encoding="utf-8")
    assert documents(xml) == [("a", 2), ("b", 1)]
    lines = ["Head", "A sentence.", "Another one.", "Next head", "Text."] + ["Line."] * 130
    docs = pseudo_documents(lines)
    assert sum(n for _, n in docs) == len(lines) and max(n for _, n in docs) <= 60
    assert docs[0][1] == 3  # "Head" and its two sentences; the next heading starts another
