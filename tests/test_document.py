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
