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


def test_a_wmt23_checkout_without_xml_gives_a_set_of_pseudo_documents(tmp_path):
    """WMT23's layout (``ref.refA``, no xml for Hebrew): the set is built from pseudo-documents,
    named by its year, with the median and the weakest system as its MT."""
    import json

    from bench.alignment_wmt import main

    root = tmp_path / "wmt23"
    for sub in ("sources", "references", "system-outputs"):
        (root / "txt" / sub).mkdir(parents=True)
    src = [f"משפט מספר {k}." for k in range(12)]
    ref = [f"Sentence number {k} of the news." for k in range(12)]
    (root / "txt" / "sources" / "generaltest2023.he-en.src.he").write_text(
        "\n".join(src) + "\n", encoding="utf-8")
    (root / "txt" / "references" / "generaltest2023.he-en.ref.refA.en").write_text(
        "\n".join(ref) + "\n", encoding="utf-8")
    for name, words in (("good", ref), ("fair", [r.replace("news", "paper") for r in ref]),
                        ("poor", [r.split()[0] for r in ref])):
        (root / "txt" / "system-outputs" / f"generaltest2023.he-en.hyp.{name}.en").write_text(
            "\n".join(words) + "\n", encoding="utf-8")
    assert main([str(root), str(tmp_path / "sets"), "--year", "2023", "--pairs", "he"]) == 0
    rows = [json.loads(line) for line in
            (tmp_path / "sets" / "heen_wmt23_mt_perturbed.jsonl").read_text().splitlines()]
    assert rows and all(r["doc_id"].startswith("generaltest2023-heen-pseudo_") for r in rows)
    assert "pseudo-documents" in rows[0]["source"] and rows[0]["src_lang"] == "he"
    assert all(sorted(i for g in r["alignments"] for i in g[0]) ==
               list(range(len(r["src_sentences"]))) for r in rows)  # each sentence in one entry
    assert rows[0]["mt_system"] == "fair" and all(
        len(r["mt_sentences"]) == len(r["src_sentences"]) for r in rows)
