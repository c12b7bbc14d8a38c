"""Tests of the English splitter on informal web text (:mod:`pipeline.segment.en_web`): lower-case
sentence starts, URLs and e-mail addresses, e-mail header stamps, emoticons, ellipses and
repeated ``!!!``/``???``. Cases written for this project; each gives the expected units as
``(start, end)`` offsets into the text. Also the EWT set builder and ``bench/segmentation.py
--file``."""

from __future__ import annotations

import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.segment import split
from tests.conftest import ROOT
from tests.test_segment import check_invariants


def spans(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split(text, lang="en")]


def cut(text: str, *pieces: str) -> list[tuple[int, int]]:
    """The offsets of ``pieces``, found in order in ``text``."""
    out, pos = [], 0
    for p in pieces:
        i = text.index(p, pos)
        out.append((i, i + len(p)))
        pos = i + len(p)
    return out


WEB = [
    # lower-case starts after clear sentence ends
    ("i think they are cute. they look like toys.", ["i think they are cute.", "they look like toys."]),
    ("call them at 555-832-8160. they miss you.", ["call them at 555-832-8160.", "they miss you."]),
    ("where did you grow up? india? we never knew.", ["where did you grow up?", "india?", "we never knew."]),
    ("is it open?? anyone know", ["is it open??", "anyone know"]),
    ("Site made! and it is the first one.", ["Site made!", "and it is the first one."]),
    ("what about downtown...? like 4th street", ["what about downtown...?", "like 4th street"]),
    ("so cool!!! lol", ["so cool!!!", "lol"]),
    ("Is it far ? i hope not .", ["Is it far ?", "i hope not ."]),
    # ... but not inside a sentence
    ('"Why?" he asked.', ['"Why?" he asked.']),
    ('What does it "mean"? asks the author.', ['What does it "mean"? asks the author.']),
    ("He fell (oops!) and laughed.", ["He fell (oops!) and laughed."]),
    ("Yahoo! and Google compete.", ["Yahoo! and Google compete."]),
    ("We met at 9 a.m. today.", ["We met at 9 a.m. today."]),
    ("Compare e.g. apples.", ["Compare e.g. apples."]),
    ("It was in the dept. of health.", ["It was in the dept. of health."]),
    ("See the ed. by Smith.", ["See the ed. by Smith."]),
    ("Nice people... i hear.", ["Nice people... i hear."]),
    ("They were tested. because the risk was high.", ["They were tested. because the risk was high."]),
    # URLs and e-mail addresses
    ("Read this. http://example.com/a.html", ["Read this.", "http://example.com/a.html"]),
    ("they are cool... www.example.org", ["they are cool...", "www.example.org"]),
    ("http://a.example.com/1.html http://a.example.com/2.html",
     ["http://a.example.com/1.html", "http://a.example.com/2.html"]),
    ('"Les Smith" <les@example.com> All: The meeting moved.',
     ['"Les Smith" <les@example.com>', "All: The meeting moved."]),
    ("Email: jo@example.co.uk Site made", ["Email: jo@example.co.uk", "Site made"]),
    ("write to jo@example.com or call", ["write to jo@example.com or call"]),
    ("Mail Jane.Doe@example.com. I did.", ["Mail Jane.Doe@example.com.", "I did."]),
    # e-mail header stamps
    ("Kay Mann 04/26/2001 07:17 AM Will you send it?", ["Kay Mann", "04/26/2001 07:17 AM", "Will you send it?"]),
    ("Sean Boyle 08/17/2000 11:21:05 PM I spoke to Bruce.",
     ["Sean Boyle", "08/17/2000 11:21:05 PM", "I spoke to Bruce."]),
    ("-- Posted by Nook to Nook at 3/9/2005 11:16:00 PM", ["-- Posted by Nook to Nook at 3/9/2005 11:16:00 PM"]),
    ("It happened on 3/9/2005 11:16 in Paris.", ["It happened on 3/9/2005 11:16 in Paris."]),
    ("made these notes on 04/25/01 12:42:55 We have moved.", ["made these notes on 04/25/01 12:42:55", "We have moved."]),
    ("Room 112/3/2001 10:15 PM", ["Room 112/3/2001 10:15 PM"]),
    # separator rules, postscripts
    ("Thanks. ***** The next item", ["Thanks.", "*****", "The next item"]),
    ("Regards, Ann ____________ Get your free mail", ["Regards, Ann", "____________", "Get your free mail"]),
    ("----== Posted via Newsfeed ==---- The #1 service",
     ["----==", "Posted via Newsfeed", "==----", "The #1 service"]),
    ("He said -- no, he shouted -- stop.", ["He said -- no, he shouted -- stop."]),
    ("P.S. I am moving to Calgary.", ["P.S. I am moving to Calgary."]),
    ("PS. Love the new website!", ["PS. Love the new website!"]),
    # emoticons, repeated punctuation
    ("Love it :-) the staff was nice.", ["Love it :-) the staff was nice."]),
    ("Love it :-) The staff was nice.", ["Love it :-)", "The staff was nice."]),
    ("Wow!!! Best pizza ever??? Yes!", ["Wow!!!", "Best pizza ever???", "Yes!"]),
]


@pytest.mark.parametrize("text,expected", WEB, ids=[w[0][:40] for w in WEB])
def test_web_cases_with_offsets(text: str, expected: list[str]) -> None:
    got = spans(text)
    assert got == cut(text, *expected)
    assert [text[a:b] for a, b in got] == expected


def test_lines_without_final_punctuation_stay_units() -> None:
    text = "Hi Tom,\n\nthanks for the note\ni will call you\n\nBest regards,\nAnn"
    got = split(text, lang="en")
    assert [(s.start, s.end) for s in got] == cut(
        text, "Hi Tom,", "thanks for the note", "i will call you", "Best regards,", "Ann")
    assert [s.paragraph for s in got] == [0, 1, 1, 2, 2]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "i think so.", " they left", "?", "!!!", "...", " lol", " http://x.example.com/a.html",
    " www.example.org", " jo@example.com", " <jo@example.com>", " Kay Mann", " 04/26/2001 07:17 AM",
    " 2005-03-09 11:16", " at", ":-)", " The", '"', ")", "(oops!)", " e.g.", " dept.", "\n", "\n\n",
]), max_size=30).map("".join))
def test_invariants_hold_on_web_like_text(text: str) -> None:
    got = split(text, lang="en")
    check_invariants(text, got)
    assert "".join("".join(s.text(text).split()) for s in got) == "".join(text.split())


# --------------------------------------------------------------------------- EWT builder, --file

CONLLU = """# newdoc id = email-1
# sent_id = email-1-0001
# newpar id = email-1-p0001
# text = hi Tom,
1\thi\thi\tINTJ\tUH\t_\t0\troot\t0:root\t_

# sent_id = email-1-0002
# newpar id = email-1-p0002
# text = i am late.
1\ti\ti\tPRON\tPRP\t_\t0\troot\t0:root\t_

# sent_id = email-1-0003
# text = sorry!
1\tsorry\tsorry\tADJ\tJJ\t_\t0\troot\t0:root\t_

# newdoc id = review-2
# sent_id = review-2-0001
# text = Great food
1\tGreat\tgreat\tADJ\tJJ\t_\t0\troot\t0:root\t_
"""


@pytest.mark.slow
def test_ewt_builder_and_bench_file(tmp_path, capsys) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import ewt_sbd, segmentation

    src = tmp_path / "en_ewt-ud-dev.conllu"
    src.write_text(CONLLU, encoding="utf-8")
    out = tmp_path / "dev.jsonl"
    assert ewt_sbd.main([str(tmp_path), "--split", "dev", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["doc_id"], r["text"], r["sentences"], r["n_paragraphs"]) for r in rows] == [
        ("email-1", "hi Tom,\n\ni am late. sorry!", ["hi Tom,", "i am late.", "sorry!"], 2),
        ("review-2", "Great food", ["Great food"], 1),
    ]
    assert segmentation.main(["--file", str(out), "--lang", "en", "--no-peers", "--runs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "| ours (pipeline-en/1.1) | 1.0000 | 1.0000 | 1.0000 |" in printed
    assert segmentation.main(["--file", str(tmp_path / "missing.jsonl"), "--lang", "en"]) == 2
