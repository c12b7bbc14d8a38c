import hashlib

import pytest

from pipeline.document import Document
from pipeline.errors import InputError


def test_bom_dropped_offsets_after_it(tmp_path):
    p = tmp_path / "a.txt"
    data = "\ufeffHallo Welt.".encode()
    p.write_bytes(data)
    doc = Document.from_path(p)
    assert doc.text == "Hallo Welt."
    assert doc.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("data, needle", [
    (b"Gr\xfc\xdfe aus K\xf6ln.", "byte position 2"),
    (b"Hallo \xff", "byte position 6"),
])
def test_non_utf8_names_file_and_position(tmp_path, data, needle):
    p = tmp_path / "latin.txt"
    p.write_bytes(data)
    with pytest.raises(InputError) as err:
        Document.from_path(p)
    assert str(p) in str(err.value) and needle in str(err.value) and "--encoding" in str(err.value)


def test_explicit_encoding_reads_cp1252(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes("Grüße aus Köln.".encode("cp1252"))
    assert Document.from_path(p, encoding="cp1252").text == "Grüße aus Köln."


@pytest.mark.parametrize("data", [b"", b"   \n\n\t ", "\ufeff\n".encode()])
def test_empty_refused(tmp_path, data):
    p = tmp_path / "empty.txt"
    p.write_bytes(data)
    with pytest.raises(InputError, match="empty"):
        Document.from_path(p)


def test_binary_refused(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InputError, match="binary"):
        Document.from_path(p)


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        Document.from_path(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        Document.from_path(tmp_path)


def test_digest_cache_hits_until_the_file_changes(tmp_path, monkeypatch):
    from pipeline import digests

    f = tmp_path / "weights.bin"
    f.write_bytes(b"a" * 1000)
    calls = []
    real = digests.sha256_file
    monkeypatch.setattr(digests, "sha256_file", lambda p, *a: calls.append(p) or real(p, *a))
    first = digests.sha256_file_cached(f, tmp_path / "cache")
    assert digests.sha256_file_cached(f, tmp_path / "cache") == first and len(calls) == 1
    with open(f, "r+b") as h:  # same size, one byte changed in place
        h.write(b"b")
    changed = digests.sha256_file_cached(f, tmp_path / "cache")
    assert changed != first and changed == hashlib.sha256(b"b" + b"a" * 999).hexdigest()
    assert len(calls) == 2
    assert digests.sha256_file_cached(f, None) == changed and len(calls) == 3
