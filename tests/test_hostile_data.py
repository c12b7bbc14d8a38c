"""The second hostile trial, the user's data (issue 18, items 3-8, 10, 11, 15): a run never
writes over a file it reads, never reads what it wrote, names its sources from real paths,
writes only record lines it can read back, skips hidden files and repairs its side files."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import InputError
from pipeline.formats import jsonl

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "raw" / "article_02.txt"
ENGLISH = ROOT / "tests" / "data" / "article_02.en.txt"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def model(tiny_model) -> list:
    return ["--model-dir", tiny_model, "--no-cache", "--beam", "1"]


def errors(res) -> list[str]:
    assert "Traceback" not in res.output, res.output
    return [line for line in res.output.splitlines() if line.startswith("error:")]


def snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}


# --- 3. an output never overwrites an input -----------------------------------------------------

@pytest.mark.parametrize("out", [".", "here", "sub/..", "./"])
@pytest.mark.parametrize("fmt", ["all", "jsonl"])  # jsonl alone: other formats' files removed
def test_translate_never_writes_over_an_input(out, fmt, tiny_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SEED, "news.de")
    Path("other.txt").write_text("Ein anderer Satz.\n", encoding="utf-8")
    Path("sub").mkdir()
    Path("here").symlink_to(".", target_is_directory=True)
    before = Path("news.de").read_bytes()
    res = run("translate", "news.de", "other.txt", "-o", out, "--format", fmt, *model(tiny_model))
    assert res.exit_code == 1, res.output
    (line,) = errors(res)
    assert line.startswith("error: news.de: the output ") and line.endswith(
        "news.de would be written over the input news.de; choose another output directory "
        "with -o")
    assert Path("news.de").read_bytes() == before
    assert Path("other.jsonl").is_file() and not Path("news.jsonl").exists()  # the rest went on
    assert "1 translated, 0 skipped, 1 failed" in res.output


def test_files_are_compared_by_what_they_are_not_by_name(tiny_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text("Ein Satz.\n", encoding="utf-8")
    Path("z.txt").write_text("Noch ein Satz.\n", encoding="utf-8")
    os.link("z.txt", "a.tsv")  # input z.txt under the name of an output of a.txt
    res = run("translate", "a.txt", "z.txt", "-o", ".", *model(tiny_model))
    assert res.exit_code == 1
    (line,) = errors(res)
    assert line.startswith("error: a.txt: the output a.tsv would be written over")
    assert os.path.samefile("a.tsv", "z.txt") and Path("z.txt").read_text() == "Noch ein Satz.\n"
    assert "1 translated, 0 skipped, 1 failed" in res.output


def test_a_text_input_named_manifest_json_is_never_written_over(tiny_model, tmp_path):
    (tmp_path / "manifest.json").write_text("Ein Satz in einer seltsam benannten Datei.\n")
    res = run("translate", tmp_path / "manifest.json", "-o", tmp_path, *model(tiny_model))
    assert res.exit_code != 0
    (line,) = errors(res)
    assert "the run's manifest" in line
    assert (tmp_path / "manifest.json").read_text().startswith("Ein Satz")


@pytest.mark.parametrize("out", [".", "here"])
def test_align_never_writes_over_its_inputs(out, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SEED, "story.de")
    shutil.copy(ENGLISH, "story.en")
    Path("here").symlink_to(".", target_is_directory=True)
    before = snapshot(tmp_path)
    res = run("align", "story.de", "story.en", "-o", out, "--no-mt")
    assert res.exit_code == 1
    (line,) = errors(res)
    assert line.startswith("error: story.de: the output ") and "would be written over the " \
        "input story." in line
    assert snapshot(tmp_path) == before


def test_export_never_writes_over_a_record_file_it_reads(tiny_model, seeds, tmp_path):
    (tmp_path / "other").mkdir()
    shutil.copy(seeds / "article_01.txt", tmp_path / "other" / "article_02.txt")
    for name, src in (("a", seeds), ("b", tmp_path / "other")):
        assert run("translate", src / "article_02.txt", "-o", tmp_path / name,
                   "--format", "jsonl", *model(tiny_model)).exit_code == 0
    before = (tmp_path / "a" / "article_02.jsonl").read_bytes()
    res = run("export", "all", tmp_path / "a" / "article_02.jsonl",
              tmp_path / "b" / "article_02.jsonl", "-o", tmp_path / "a")
    assert res.exit_code != 0 and len(errors(res)) == 1
    assert (tmp_path / "a" / "article_02.jsonl").read_bytes() == before


# --- 4. the archive guard holds through a symbolic link ---------------------------------------

@pytest.mark.parametrize("link", ["out", "deep/out"])
def test_an_archive_is_never_written_over_through_a_link(link, tiny_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [{"id": "feed", "text": "Die Zeitung erscheint täglich."},
            {"id": "other", "text": "Ein zweiter Artikel."}]
    Path("feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    Path(link).parent.mkdir(exist_ok=True)
    Path(link).symlink_to(os.path.relpath(tmp_path, Path(link).parent), target_is_directory=True)
    before = Path("feed.jsonl").read_bytes()
    res = run("translate", "feed.jsonl", "--input-format", "jsonl", "-o", link, *model(tiny_model))
    assert res.exit_code == 1
    (line,) = errors(res)
    assert "article 'feed' would be written over an input archive" in line
    assert Path("feed.jsonl").read_bytes() == before
    assert Path("other.jsonl").is_file()


# --- 5. align refuses two pairs of one name -----------------------------------------------------

def test_align_refuses_two_pairs_of_one_name(tmp_path):
    for d in ("d1", "d2"):
        (tmp_path / d).mkdir()
        shutil.copy(SEED, tmp_path / d / "x.de.txt")
        shutil.copy(ENGLISH, tmp_path / d / "x.en.txt")
    res = run("align", tmp_path / "d1", tmp_path / "d2", "-o", tmp_path / "out", "--no-mt")
    assert res.exit_code != 0
    (line,) = errors(res)
    assert f"{tmp_path / 'd2' / 'x.de.txt'}: has the same name as {tmp_path / 'd1' / 'x.de.txt'}" \
        in line
    assert not (tmp_path / "out" / "x.jsonl").exists()
    (tmp_path / "same").symlink_to(tmp_path / "d1", target_is_directory=True)
    res = run("align", tmp_path / "d1", tmp_path / "same", "-o", tmp_path / "out", "--no-mt")
    assert res.exit_code == 0 and "1 aligned" in res.output  # one folder named twice


# --- 6. the tool's outputs are never inputs -----------------------------------------------------

def test_an_archive_folder_translated_into_itself_reruns(tiny_model, tmp_path):
    d = tmp_path / "feeds"
    d.mkdir()
    (d / "feed.jsonl").write_text(json.dumps({"id": "art-1", "text": "Ein Satz."}) + "\n" +
                                  json.dumps({"id": "art-2", "text": "Noch einer."}) + "\n")
    args = ["translate", d, "--input-format", "jsonl", "-o", d, *model(tiny_model)]
    first = run(*args)
    assert first.exit_code == 0 and "2 translated, 0 skipped, 0 failed" in first.output
    second = run(*args)
    assert second.exit_code == 0, second.output
    assert "0 translated, 2 skipped, 0 failed" in second.output
    assert "2 output(s) of pipeline" in second.output
    described = json.loads((d / "manifest.json").read_text())["documents"]
    assert [e["records"] for e in described] == ["art-1.jsonl", "art-2.jsonl"]  # not the feed
    assert run("verify", d / "art-1.jsonl", d / "art-2.jsonl").exit_code == 0


@pytest.mark.parametrize("manifest", ["kept", "deleted"])
def test_text_outputs_named_as_inputs_are_left_out(manifest, tiny_model, tmp_path):
    d = tmp_path / "news"
    d.mkdir()
    shutil.copy(SEED, d / "a.txt")
    assert run("translate", d / "a.txt", "-o", d, *model(tiny_model)).exit_code == 0
    if manifest == "deleted":  # the side files are known by the record file beside them
        (d / "manifest.json").unlink()
    every = sorted(d.iterdir())  # a.txt and all its outputs, manifest.json included: `d/*`
    assert {p.name for p in every} >= {"a.jsonl", "a.tsv", "a.de", "a.en", "a.tmx", "a.html"}
    res = run("translate", *every, "-o", d, *model(tiny_model))
    assert res.exit_code == 0, res.output
    assert "0 translated, 1 skipped, 0 failed" in res.output
    assert "a.jsonl: left out, a record file pipeline wrote" in res.output
    assert run("verify", d / "a.jsonl").exit_code == 0


def test_a_users_file_named_like_an_output_is_still_an_input(tiny_model, tmp_path):
    """Only what the tool wrote (listed in the manifest beside it) is left out, not a name."""
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(SEED, d / "a.txt")
    assert run("translate", d / "a.txt", "-o", d, *model(tiny_model)).exit_code == 0
    (d / "b.tsv").write_text("Ein Satz, der keine Ausgabe ist.\n", encoding="utf-8")
    res = run("translate", d / "a.tsv", d / "b.tsv", "-o", tmp_path / "out", "--format",
              "jsonl", *model(tiny_model))
    assert res.exit_code == 0, res.output
    assert "1 translated, 0 skipped" in res.output
    assert "a.tsv: left out, a side file listed in manifest.json" in res.output
    assert [p.name for p in (tmp_path / "out").glob("*.jsonl")] == ["b.jsonl"]


# --- 7. sources named from real paths -----------------------------------------------------------

def test_records_written_through_a_linked_output_dir_verify(tiny_model, seeds, tmp_path,
                                                            monkeypatch):
    work, elsewhere = tmp_path / "work", tmp_path / "x" / "y"
    work.mkdir()
    elsewhere.mkdir(parents=True)
    (work / "link-to").symlink_to(elsewhere, target_is_directory=True)
    (work / "in").symlink_to(seeds, target_is_directory=True)
    monkeypatch.chdir(work)
    out = Path("link-to/deep/dir")
    res = run("translate", "in", "-o", out, "--format", "jsonl", *model(tiny_model))
    assert res.exit_code == 0, res.output
    first = json.loads((out / "article_02.jsonl").read_text().splitlines()[0])
    assert (elsewhere / "deep" / "dir" / first["doc_path"]).resolve() == \
        (seeds / "article_02.txt").resolve()
    assert run("verify", *out.glob("*.jsonl")).exit_code == 0
    again = run("translate", "in", "-o", out, "--format", "jsonl", *model(tiny_model))
    assert "0 translated, 2 skipped" in again.output
    assert run("verify", *out.glob("*.jsonl")).exit_code == 0


# --- 8. record lines the reader takes ---------------------------------------------------------

@pytest.mark.parametrize("command", ["translate", "align"])
def test_a_line_limit_whose_records_could_not_be_read_back_is_refused(command, tmp_path):
    (tmp_path / "a.de.txt").write_text("Ein Satz.\n")
    (tmp_path / "a.en.txt").write_text("A sentence.\n")
    inputs = [tmp_path / "a.de.txt"] + ([tmp_path / "a.en.txt", "--no-mt"]
                                        if command == "align" else [])
    res = run(command, *inputs, "-o", tmp_path / "out", "--max-line-chars", 30_000_000)
    assert res.exit_code != 0
    (line,) = errors(res)
    assert "--max-line-chars 30,000,000 is more than" in line
    assert not (tmp_path / "out").exists()


def test_writer_and_reader_agree_on_the_longest_record_line(tiny_model, tmp_path):
    from pipeline.translator import translate_text

    (record,) = translate_text("Ein Satz.", model_dir=tiny_model, beam=1, cache=False)
    base = len(jsonl.render([dataclasses.replace(record, target="")]).encode())
    fits = dataclasses.replace(record, target="x" * (jsonl.MAX_LINE_BYTES - base))
    path = tmp_path / "fits.jsonl"
    path.write_text(jsonl.render([fits]), encoding="utf-8")
    assert path.stat().st_size == jsonl.MAX_LINE_BYTES
    assert jsonl.read(path)[0].target == fits.target  # the longest line written is read
    over = dataclasses.replace(record, target="x" * (jsonl.MAX_LINE_BYTES - base + 1))
    with pytest.raises(InputError, match="a record file's line may hold"):
        jsonl.render([over])


def test_a_record_line_too_long_fails_its_document_only(tiny_model, tmp_path, monkeypatch):
    """Whatever slips past the line limit, the writer refuses a line the reader would."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "short.txt").write_text("Ein Satz.\n", encoding="utf-8")
    (src / "long.txt").write_text("Ein sehr langer Satz " * 150 + ".\n", encoding="utf-8")
    assert run("translate", src, "-o", tmp_path / "a", "--format", "jsonl", *model(tiny_model)
               ).exit_code == 0
    short, long = (len((tmp_path / "a" / f"{n}.jsonl").read_bytes().split(b"\n")[0]) + 1
                   for n in ("short", "long"))
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", (short + long) // 2)
    res = run("translate", src, "-o", tmp_path / "b", *model(tiny_model))
    assert res.exit_code == 1
    (line,) = errors(res)
    assert line.startswith(f"error: {src / 'long.txt'}: record 0 would be a line of {long:,} bytes")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["manifest.json"] + [
        f"short{s}" for s in (".de", ".en", ".html", ".jsonl", ".tmx", ".tsv")]
    assert run("verify", tmp_path / "b" / "short.jsonl").exit_code == 0
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 300)  # less than any first link holds
    res = run("align", SEED, ENGLISH, "-o", tmp_path / "c", "--no-mt")
    assert res.exit_code == 1 and "a record file's line may hold" in errors(res)[0]
    assert not list((tmp_path / "c").iterdir())


# --- 10. hidden files are not inputs -------------------------------------------------------------

def _hidden(d: Path, name: str) -> None:
    (d / f".#{name}").symlink_to("user@host.12345:1700000000")  # an editor's lock, dangling
    (d / f"._{name}").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \xff\xfe")


def test_hidden_files_in_input_folders_are_left_out(tiny_model, seeds, tmp_path):
    _hidden(seeds, "article_02.txt")
    res = run("translate", seeds, "-o", tmp_path / "out", "--format", "jsonl", *model(tiny_model))
    assert res.exit_code == 0, res.output
    assert "2 translated, 0 skipped, 0 failed" in res.output
    assert "2 hidden file(s)" in res.output
    pair = tmp_path / "pair"
    pair.mkdir()
    shutil.copy(SEED, pair / "x.de.txt")
    shutil.copy(ENGLISH, pair / "x.en.txt")
    _hidden(pair, "x.de.txt")
    _hidden(pair, "y.en.txt")
    res = run("align", pair, "-o", tmp_path / "aligned", "--no-mt")
    assert res.exit_code == 0, res.output
    assert "1 aligned, 0 skipped, 0 failed" in res.output


# --- 11. side files are repaired; an exported copy verifies where it lies ----------------------

def test_a_damaged_side_file_is_restored_on_rerun(tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    args = ["translate", seeds / "article_02.txt", "-o", out, *model(tiny_model)]
    assert run(*args).exit_code == 0
    good = snapshot(out)
    tmx, html, tsv = out / "article_02.tmx", out / "article_02.html", out / "article_02.tsv"
    tmx.write_bytes(good[tmx.name][: len(good[tmx.name]) // 2])  # truncated
    seen = os.stat(html)
    html.write_bytes(good[html.name].replace(b"<", b"[", 1))  # edited, same size and mtime
    os.utime(html, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    tsv.write_bytes(good[tsv.name] + b"x\ty\n")  # a line added
    (out / "article_02.de").unlink()
    res = run(*args)
    assert res.exit_code == 0 and "0 translated, 1 skipped" in res.output
    for p in (tmx, html, tsv, out / "article_02.de"):
        assert p.read_bytes() == good[p.name], p.name
    assert run("verify", out / "article_02.jsonl").exit_code == 0
    again = {p.name: p.stat().st_ino for p in out.iterdir()}
    assert run(*args).exit_code == 0  # sound files are left as they are
    assert {p.name: p.stat().st_ino for p in out.iterdir()
            if p.name != "manifest.json"} == {n: i for n, i in again.items()
                                              if n != "manifest.json"}


@pytest.mark.parametrize("kind", ["translate", "align"])
def test_an_exported_copy_verifies_where_it_lies(kind, tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    if kind == "translate":
        assert run("translate", seeds / "article_02.txt", "-o", out, "--format", "jsonl",
                   *model(tiny_model)).exit_code == 0
    else:
        shutil.copy(ENGLISH, seeds / "article_02.en.txt")
        assert run("align", seeds / "article_02.txt", seeds / "article_02.en.txt", "-o", out,
                   "--no-mt", "--format", "jsonl").exit_code == 0
    elsewhere = tmp_path / "a" / "b" / "elsewhere"
    res = run("export", "all", out / "article_02.jsonl", "-o", elsewhere)
    assert res.exit_code == 0, res.output
    verified = run("verify", elsewhere / "article_02.jsonl")
    assert verified.exit_code == 0, verified.output
    assert run("verify", out / "article_02.jsonl").exit_code == 0  # the original is untouched


# --- 15. align has translate's line limit --------------------------------------------------------

def test_align_refuses_a_megabyte_line_quickly(tmp_path):
    (tmp_path / "a.de.txt").write_text(("Das ist ein Satz ohne Ende " * 40_000)[:1_000_000])
    shutil.copy(ENGLISH, tmp_path / "a.en.txt")
    started = time.monotonic()
    res = run("align", tmp_path / "a.de.txt", tmp_path / "a.en.txt", "-o", tmp_path / "out",
              "--no-mt")
    assert res.exit_code == 1
    (line,) = errors(res)
    assert "line 1 is 1,000,000 characters long (limit 100,000)" in line
    assert time.monotonic() - started < 30


def test_eval_never_writes_hypotheses_over_what_it_reads(tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    assert run("translate", seeds / "article_02.txt", "-o", out, "--format", "jsonl",
               *model(tiny_model)).exit_code == 0
    ref = tmp_path / "ref.en"
    lines = len((seeds / "article_02.txt").read_text(encoding="utf-8").splitlines())
    ref.write_text("A line.\n" * lines, encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path, target_is_directory=True)
    for target in (ref, tmp_path / "link" / "ref.en", out / "article_02.jsonl"):
        before = snapshot(tmp_path), snapshot(out)
        res = run("eval", out / "article_02.jsonl", "--ref", ref, "--write-hyp", target)
        assert res.exit_code != 0, res.output
        (line,) = errors(res)
        assert "--write-hyp" in line and "would be written over it" in line
        assert (snapshot(tmp_path), snapshot(out)) == before
